"""Compile each decision table once into a rule index and predicates, ready to evaluate.

Rules are numbered from 0 in table order and a set of rules is an int
bitmask (bit i = rule i), so "the rules left" after each column is one AND.

Every input column whose allowed values are a plain list (an enumeration)
gets an index: allowed value -> bitmask of the rules whose cell accepts it,
found by running the rule's own predicate on each allowed value. Matching a
case is then one dictionary lookup and one AND per column, whatever the
number of rules. A value missing from the list is tested rule by rule, so
the index never changes an answer. A column without a list whose cells hold
only numbers (or only dates) gets a number line instead: the rules accepting
each boundary and each stretch between two, found by bisection (a value of
another kind is tested rule by rule). Other columns keep their predicates,
which run only on the rules the index left.

``indexed=False`` keeps the plain row-by-row scan: the reference semantics
the differential tests compare the index against.

A cell that names another variable (``< Maximum loan``; see :mod:`.feel_expr`)
is "dynamic": the index and the plain scan take it as "any value", and it is
checked afterwards, on the rules they left, against the values of the names
the table's cells use (``scope``), which the engine reads from its state. An
output cell that is an expression is worked out when its rule is selected.
Tables without such cells compile exactly as before.
"""

from __future__ import annotations

import datetime as dt
import operator
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, NamedTuple

from .feel import Compare, Equals, UnaryTest, atom_ends, compile_test
from .feel_expr import Expr, is_expr, named_in
from .feel_value import Value, is_number, rank
from .model import SINGLE_HIT, DecisionTable

Predicate = Callable[[Value], bool]
Checks = tuple[tuple[int, Predicate], ...]  # (input position, predicate) for a rule's non-'-' cells
Env = tuple[Any, ...]  # the values of a table's scope names, for one case
Dynamic = tuple[tuple[int, Callable[[Value, Env], bool]], ...]  # a rule's cells that name variables


class ColumnIndex(NamedTuple):
    """One enumerated input column: value -> bitmask of the rules that accept it.

    Python holds ``True == 1`` (with the same hash), FEEL does not (see
    :mod:`.feel_value`), so booleans never enter ``lookup``: their masks are
    ``if_false`` and ``if_true``. This is :func:`.feel_value.key` inlined: the
    lookup costs no call per cell.
    """

    pos: int  # input position
    lookup: dict[Value, int]  # the column's listed values other than booleans
    if_false: int
    if_true: int
    free: int  # rules with '-' in this column
    tests: tuple[tuple[int, Predicate], ...]  # (rule index, predicate) of the rules that test this column


def _outside(value: Value, free: int, tests: tuple[tuple[int, Predicate], ...]) -> int:
    """The rules accepting a value that is not in a column's list, tested one by one."""
    return free | _mask_of([i for i, test in tests if test(value)])


def _mask_of(positions: list[int]) -> int:
    """The bitmask with these bits set (ascending), built in one pass: OR-ing 1 << i per bit is quadratic."""
    if not positions:
        return 0
    packed = bytearray(positions[-1] // 8 + 1)
    for i in positions:
        packed[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(packed, "little")


@dataclass(frozen=True, slots=True)
class CompiledTable:
    """One decision table, ready to match: predicates per rule, and the index over its listed columns."""

    table: DecisionTable
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    hit_policy: str
    single_hit: bool
    checks: tuple[Checks, ...]  # per rule: every test, for the plain scan
    outputs: tuple[tuple[Value, ...], ...]  # per rule
    priorities: tuple[tuple[int, ...], ...]  # per rule, for P and O
    columns: tuple[ColumnIndex, ...]  # the index; () when not indexed
    residual: tuple[Checks, ...] | None  # per rule: tests on columns without an index; None if there are none
    indexed: bool  # False: the plain row-by-row scan
    all_rules: int  # bitmask of every rule
    scope: tuple[str, ...] = ()  # the variables the table's dynamic cells name; () for a table without any
    dynamic: tuple[Dynamic, ...] | None = None  # per rule: its dynamic input cells; None if there are none
    computed: tuple[tuple[Callable[[Env], Any] | None, ...], ...] | None = None  # per rule: expression outputs

    def select_in(self, values: tuple[Value, ...], env: Env) -> list[int]:
        """:meth:`select` for a table with dynamic cells: the rules the static cells leave, checked against
        ``env`` (the values of :attr:`scope`)."""
        dynamic = self.dynamic
        if dynamic is None:
            return self.select(values)
        first = self.hit_policy == "F"
        residual = self.residual
        out = []
        if self.indexed:
            mask = self.candidates(values)
            while mask:  # in rule order, stopping at the first for F
                low = mask & -mask
                i = low.bit_length() - 1
                mask ^= low
                if (residual is None or _passes(residual[i], values)) and _passes_in(dynamic[i], values, env):
                    out.append(i)
                    if first:
                        break
            return out
        for i, rule in enumerate(self.checks):
            if _passes(rule, values) and _passes_in(dynamic[i], values, env):
                out.append(i)
                if first:
                    break
        return out

    def resolved(self, hits: list[int], env: Env) -> CompiledTable:
        """This table with the expression outputs of the ``hits`` worked out for ``env`` (itself if none)."""
        computed = self.computed
        if computed is None or not any(any(computed[i]) for i in hits):
            return self
        outputs = list(self.outputs)
        for i in hits:
            outputs[i] = tuple(v if f is None else f(env) for v, f in zip(outputs[i], computed[i]))
        return replace(self, outputs=tuple(outputs))

    def candidates(self, values: tuple[Value, ...]) -> int:
        """Bitmask of the rules that every indexed column accepts."""
        mask = self.all_rules
        for pos, lookup, if_false, if_true, free, tests in self.columns:
            value = values[pos]
            found = if_true if value is True else if_false if value is False else lookup.get(value)
            mask &= _outside(value, free, tests) if found is None else found
            if not mask:
                break
        return mask

    def matches(self, values: tuple[Value, ...]) -> list[int]:
        """Indices of the rules whose every cell matches, in rule order."""
        if not self.indexed:
            return [i for i, rule in enumerate(self.checks) if _passes(rule, values)]
        hits = bits(self.candidates(values))
        if self.residual is None:
            return hits
        return [i for i in hits if _passes(self.residual[i], values)]

    def first_match(self, values: tuple[Value, ...]) -> int | None:
        """The first matching rule, stopping early (for F)."""
        if not self.indexed:
            return next((i for i, rule in enumerate(self.checks) if _passes(rule, values)), None)
        mask = self.candidates(values)
        while mask:
            low = mask & -mask
            i = low.bit_length() - 1
            if self.residual is None or _passes(self.residual[i], values):
                return i
            mask ^= low
        return None

    def select(self, values: tuple[Value, ...]) -> list[int]:
        """The matched rules the hit policy needs: the first for F, all of them otherwise."""
        if self.indexed and self.residual is None:
            # The usual case: the index alone decides, and a mask of zero or one rule needs no walk.
            mask = self.candidates(values)
            if mask & (mask - 1) == 0 or self.hit_policy == "F":
                return [(mask & -mask).bit_length() - 1] if mask else []
            return bits(mask)
        if self.hit_policy == "F":
            i = self.first_match(values)
            return [] if i is None else [i]
        return self.matches(values)


def _passes_in(dynamic: Dynamic, values: tuple[Value, ...], env: Env) -> bool:
    for pos, test in dynamic:  # noqa: SIM110
        if not test(values[pos], env):
            return False
    return True


def _passes(checks: Checks, values: tuple[Value, ...]) -> bool:
    # A plain loop: all() over a generator costs a frame per rule.
    for pos, test in checks:  # noqa: SIM110
        if not test(values[pos]):
            return False
    return True


def bits(mask: int) -> list[int]:
    """The indices of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _predicate(test: UnaryTest) -> Predicate | None:
    """:func:`compile_test`, except that one comparison or range becomes a direct test (not the generic walk)."""
    if test.any or test.negated or len(test.atoms) != 1 or isinstance(test.atoms[0], Equals):
        return compile_test(test)
    atom = test.atoms[0]
    if not all(is_number(v) for v in atom_ends(atom)):
        return test.matches  # text and temporal bounds: FEEL's order, null for unlike types
    if isinstance(atom, Compare):
        op, bound = _ORDER[atom.op], atom.value
        # feel_value.is_number, inlined: no extra call per cell.
        return lambda v: isinstance(v, int | float) and v.__class__ is not bool and op(v, bound)
    low_ok = operator.ge if atom.low_closed else operator.gt
    high_ok = operator.le if atom.high_closed else operator.lt
    low, high = atom.low, atom.high
    return lambda v: isinstance(v, int | float) and v.__class__ is not bool and low_ok(v, low) and high_ok(v, high)


def _scope_of(table: DecisionTable) -> tuple[str, ...]:
    """The variables the table's cells name, in a fixed order (the engine reads them from its state)."""
    return tuple(sorted(named_in((table,))))


def _dynamic_test(test: UnaryTest, slots: dict[str, int]) -> Callable[[Value, Env], bool]:
    """A dynamic cell as a predicate of the column's value and the table's ``env``."""
    evaluators: dict[Expr, Callable[[Env], Any]] = {}
    for atom in test.atoms:
        for end in atom_ends(atom):
            if is_expr(end):
                evaluators[end] = end.evaluator(slots)
    matches = test.matches
    return lambda value, env: matches(value, lambda e: evaluators[e](env))


def compile_table(table: DecisionTable, indexed: bool = True) -> CompiledTable:
    # Equal cells share one predicate: tables repeat the same few cells many times. Tests are
    # equal by FEEL equality (true is not 1), so true and 1 never share one.
    scope = _scope_of(table)
    slots = {name: k for k, name in enumerate(scope)}
    shared: dict[UnaryTest, Predicate | None] = {}
    predicates = []
    dynamic: list[Dynamic] = []
    for rule in table.rules:
        row = []
        dyn = []
        for pos, test in enumerate(rule.tests):
            if scope and test.dynamic:
                row.append(None)  # "any value" for the index and the scan; checked afterwards
                dyn.append((pos, _dynamic_test(test, slots)))
                continue
            if test not in shared:
                shared[test] = _predicate(test)
            row.append(shared[test])
        predicates.append(row)
        dynamic.append(tuple(dyn))
    computed = (
        tuple(tuple(v.evaluator(slots) if is_expr(v) else None for v in rule.outputs) for rule in table.rules)
        if scope
        else None
    )
    checks = tuple(tuple((pos, p) for pos, p in enumerate(row) if p is not None) for row in predicates)
    # P and O rank a rule by where its value of the first output with an ordered list of allowed values
    # stands in that list (DMN 1.3, 8.2.11; FEEL equality: 1 is 1.0); later outputs need no list.
    ranked = next((j for j, col in enumerate(table.outputs) if col.enumeration is not None), None)
    priorities = [
        (rank(rule.outputs[ranked], table.outputs[ranked].enumeration or ()),) if ranked is not None else ()
        for rule in table.rules
    ]
    columns: tuple[ColumnIndex, ...] = ()
    residual: tuple[Checks, ...] | None = None
    if indexed:
        columns = tuple(c for pos in range(len(table.inputs)) if (c := _index_column(table, predicates, pos)))
        covered = {c.pos for c in columns}
        residual = tuple(tuple((pos, p) for pos, p in rule if pos not in covered) for rule in checks)
        if not any(residual):
            residual = None
    # With no column to index (say, only numeric ranges), the plain scan is the whole story.
    indexed = bool(columns)
    return CompiledTable(
        table,
        tuple(c.variable for c in table.inputs),
        tuple(c.variable for c in table.outputs),
        table.hit_policy,
        table.hit_policy in SINGLE_HIT,
        checks,
        tuple(rule.outputs for rule in table.rules),
        tuple(priorities),
        columns,
        residual,
        indexed,
        (1 << len(table.rules)) - 1,
        scope,
        tuple(dynamic) if any(dynamic) else None,
        computed if computed is not None and any(any(r) for r in computed) else None,
    )


def _index_column(table: DecisionTable, predicates: list[list[Predicate | None]], pos: int) -> ColumnIndex | None:
    """The index of one input column, or None when it has no list of values or no rule tests it.

    A column without a list whose cells compare numbers, or dates, gets a number line instead
    (:class:`LineLookup`): the same masks, looked up by bisection.
    """
    enum = table.inputs[pos].enumeration
    column = [row[pos] for row in predicates]
    tests = tuple((i, p) for i, p in enumerate(column) if p is not None)
    if not tests:
        return None
    if enum is None:
        return _line_column(table, column, pos, tests)
    values = [v for v in enum if v.__class__ is not bool]
    probes = [*values, False, True]
    accepts: dict[int, list[int]] = {}  # id(predicate) -> the probes it accepts; predicates are shared
    positions: list[list[int]] = [[] for _ in probes]
    free = []
    for i, test in enumerate(column):
        if test is None:
            free.append(i)
            continue
        if id(test) not in accepts:
            accepts[id(test)] = [k for k, probe in enumerate(probes) if test(probe)]
        for k in accepts[id(test)]:
            positions[k].append(i)
    free_mask = _mask_of(free)
    masks = [free_mask | _mask_of(p) for p in positions]
    return ColumnIndex(pos, dict(zip(values, masks)), masks[-2], masks[-1], free_mask, tests)


class LineLookup(dict):  # type: ignore[type-arg]
    """A number line as a column index's ``lookup``: the rules accepting each boundary point and each
    stretch between two, found by bisection. A value of another kind gets None: the rules' own
    predicates decide it (as for a value missing from a list)."""

    def __init__(self, kind: type, bounds: list[Any], points: list[int], gaps: list[int]) -> None:
        super().__init__()
        self.kind, self.bounds, self.points, self.gaps = kind, bounds, points, gaps

    def get(self, value: Any, default: Any = None) -> Any:
        kind = value.__class__
        if kind is not self.kind and not (self.kind is float and kind is int):
            return None
        bounds = self.bounds
        k = bisect_left(bounds, value)
        if k < len(bounds) and bounds[k] == value:
            return self.points[k]
        return self.gaps[k]


def _line_kind(value: Any) -> type | None:
    if value.__class__ is int or value.__class__ is float:
        return float
    if value.__class__ is dt.date:
        return dt.date
    return None


def _between(low: Any, high: Any) -> Any:
    """A value strictly between two boundaries (None if there is none), or beyond one end."""
    if low is None:
        probe = high - 1 if isinstance(high, int | float) else high - dt.timedelta(days=1)
    elif high is None:
        probe = low + 1 if isinstance(low, int | float) else low + dt.timedelta(days=1)
    elif isinstance(low, int | float):
        probe = (low + high) / 2
    else:
        probe = low + (high - low) // 2
    if (low is not None and not probe > low) or (high is not None and not probe < high):
        return None
    return probe


def _line_column(
    table: DecisionTable, column: list[Predicate | None], pos: int, tests: tuple[tuple[int, Predicate], ...]
) -> ColumnIndex | None:
    """A number line over a column whose tested cells hold only numbers (or only dates), else None."""
    kinds, ends = set(), set()
    for i, _ in tests:
        for atom in table.rules[i].tests[pos].atoms:
            for end in atom_ends(atom):
                kinds.add(_line_kind(end))
                ends.add(end)
    if len(kinds) != 1 or None in kinds or len(ends) > 4096:
        return None
    (kind,) = kinds
    bounds = sorted(ends)
    try:
        gaps_probes = [_between(None, bounds[0])]
        gaps_probes += [_between(a, b) for a, b in pairwise(bounds)]
        gaps_probes.append(_between(bounds[-1], None))
    except OverflowError:  # a date at the calendar's end
        return None
    if gaps_probes[0] is None or gaps_probes[-1] is None:
        return None
    probes = [*bounds, *gaps_probes, False, True]
    accepts: dict[int, list[int]] = {}
    positions: list[list[int]] = [[] for _ in probes]
    free = []
    for i, test in enumerate(column):
        if test is None:
            free.append(i)
            continue
        if id(test) not in accepts:
            accepts[id(test)] = [k for k, probe in enumerate(probes) if probe is not None and test(probe)]
        for k in accepts[id(test)]:
            positions[k].append(i)
    free_mask = _mask_of(free)
    masks = [free_mask | _mask_of(p) for p in positions]
    n = len(bounds)
    gaps = [m if probe is not None else free_mask for m, probe in zip(masks[n : 2 * n + 1], gaps_probes)]
    return ColumnIndex(pos, LineLookup(kind, bounds, masks[:n], gaps), masks[-2], masks[-1], free_mask, tests)
