"""Compile each decision table once into predicates and an index, ready to evaluate.

A rule becomes a tuple of (input position, predicate) for its non-'-' cells.
Tables whose inputs are enumerations also get an index: for each input
column, value -> the set of rules that can match it. Candidate rules are the
intersection over the columns, so evaluation touches only rules that can
fire, in rule order. ``indexed=False`` keeps the plain row-by-row scan,
which tests use as the reference semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .feel import Value, compile_test
from .model import DecisionTable

Predicate = Callable[[Value], bool]

# Below this many rules a plain scan is as fast as the index.
INDEX_MIN_RULES = 16


@dataclass(frozen=True, slots=True)
class CompiledTable:
    table: DecisionTable
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    checks: tuple[tuple[tuple[int, Predicate], ...], ...]  # per rule
    outputs: tuple[tuple[Value, ...], ...]  # per rule
    priorities: tuple[tuple[int, ...], ...]  # per rule, for P and O
    index: tuple[dict[Any, int], ...] | None  # per indexed column: value -> bitmask of rules
    index_columns: tuple[int, ...]
    all_rules: int  # bitmask of every rule

    def matches(self, values: tuple[Value, ...]) -> list[int]:
        """Indices of the rules whose every cell matches, in rule order."""
        if self.index is not None:
            mask = self.all_rules
            for pos, lookup in zip(self.index_columns, self.index):
                value = values[pos]
                key = (value.__class__ is bool, value)
                mask &= lookup.get(key, lookup.get(_OTHER, 0))
                if not mask:
                    return []
            hits = []
            checks = self.checks
            while mask:
                low = mask & -mask
                i = low.bit_length() - 1
                mask ^= low
                for pos, test in checks[i]:
                    if not test(values[pos]):
                        break
                else:
                    hits.append(i)
            return hits
        hits = []
        for i, rule in enumerate(self.checks):
            for pos, test in rule:
                if not test(values[pos]):
                    break
            else:
                hits.append(i)
        return hits

    def first_match(self, values: tuple[Value, ...]) -> int | None:
        """The first matching rule, stopping early (for F)."""
        if self.index is not None:
            hits = self.matches(values)
            return hits[0] if hits else None
        for i, rule in enumerate(self.checks):
            for pos, test in rule:
                if not test(values[pos]):
                    break
            else:
                return i
        return None


_OTHER = ("other",)


def compile_table(table: DecisionTable, indexed: bool = True) -> CompiledTable:
    checks = []
    for rule in table.rules:
        tests = []
        for pos, test in enumerate(rule.tests):
            predicate = compile_test(test)
            if predicate is not None:
                tests.append((pos, predicate))
        checks.append(tuple(tests))
    outputs = tuple(rule.outputs for rule in table.rules)
    priorities = []
    for rule in table.rules:
        prio = []
        for j, col in enumerate(table.outputs):
            enum = col.enumeration or ()
            value = rule.outputs[j]
            prio.append(next((k for k, v in enumerate(enum) if v == value and type(v) is type(value)), len(enum)))
        priorities.append(tuple(prio))
    index, index_columns = (None, ())
    if indexed and len(table.rules) >= INDEX_MIN_RULES:
        index, index_columns = _build_index(table)
    return CompiledTable(
        table,
        tuple(c.variable for c in table.inputs),
        tuple(c.variable for c in table.outputs),
        tuple(checks),
        outputs,
        tuple(priorities),
        index,
        index_columns,
        (1 << len(table.rules)) - 1,
    )


def _build_index(table: DecisionTable) -> tuple[tuple[dict[Any, int], ...] | None, tuple[int, ...]]:
    """For each enumerated input column: value -> bitmask of rules that accept it.

    Values outside the enumeration map to the rules that accept 'anything
    else' (negations and '-'), so the index never drops a rule the plain
    scan would keep; the predicates still run on every candidate.
    """
    lookups, columns = [], []
    for pos, col in enumerate(table.inputs):
        enum = col.enumeration
        if enum is None:
            continue
        tests = [rule.tests[pos] for rule in table.rules]
        if all(t.any for t in tests):
            continue
        lookup: dict[Any, int] = {}
        for value in enum:
            mask = 0
            for i, t in enumerate(tests):
                if t.matches(value):
                    mask |= 1 << i
            lookup[(value.__class__ is bool, value)] = mask
        other = 0
        for i, t in enumerate(tests):
            if t.any or t.negated or not t.only_literals:
                other |= 1 << i
        lookup[_OTHER] = other
        lookups.append(lookup)
        columns.append(pos)
    if not lookups:
        return None, ()
    return tuple(lookups), tuple(columns)
