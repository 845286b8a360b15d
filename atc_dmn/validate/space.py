"""The input space of a decision table, cut into pieces on which every cell's test is constant.

Every table-logic check (gaps, overlaps, conflicts, shadowed rules) works on
this representation. Each input column's domain becomes a short list of
*pieces*:

- an enumerated or boolean column: one piece per allowed value (``null`` too
  when the list holds it). Exact.
- a numeric column: the number line cut at every bound any cell of the
  column mentions, so ``< 18`` and ``[18..65]`` give the pieces
  *below 18*, *18*, *between 18 and 65*, *65*, *above 65*. Sound: a gap or
  overlap that exists is always found, though an open piece such as
  *between 17 and 18* may hold no whole number.
- a column without an allowed list: the values its cells name, plus
  *any other value* and ``null`` where a case can bring them.
- a typed column (the Glossary's Type) without a list: its type's values
  only, ``null`` where its input may be missing. A number, date, time, date
  and time or duration column is the line of its type cut at the bounds of
  that type its cells mention (the whole line when none); a string column is
  the texts its cells name plus *any other text*; a boolean column is
  ``true`` and ``false``. A value of another type never reaches it, so is no gap.

A rule is then a box: for each column, the set of pieces its cell accepts
(a bit mask). The analysis splits the space column by column, grouping
the pieces of a column by the set of rules that accept them, so that its
cost follows the structure of the rules, not the size of the Cartesian
product. A node budget bounds it on pathological tables. Findings put a box
into words with :func:`.describe.describe`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..compiler import bits
from ..feel import Compare, Equals, Range, UnaryTest, compile_test
from ..feel_value import Value, contains, distinct, equal, is_number, show
from ..model import DecisionTable, Model, Variable
from ..temporal import YearsMonths, is_temporal, show_temporal, type_of

# Stop exploring a table after this many nodes (a few seconds at most).
NODE_BUDGET = 400_000
# Keep at most this many examples of each kind per table.
MAX_EXAMPLES = 50
# Stop looking for overlapping pairs after this many (a report shows the first few).
MAX_PAIRS = 500


class _Other:
    """A value equal to no literal: stands for 'any value no cell names'."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<any other value>"


OTHER = _Other()


@dataclass(frozen=True)
class Piece:
    """One part of a column's domain: ``value`` represents it, ``phrase`` reads after the column name.

    Pieces of the number line also carry their bounds (None for an open end)
    and whether each bound belongs to the piece, so that neighbours can be
    written back as one range such as ``[74..76)``.
    """

    value: Any
    phrase: str
    label: str
    low: float | None = None
    high: float | None = None
    low_in: bool = False
    high_in: bool = False
    numeric: bool = False  # a piece of a line (of numbers, or of the column's temporal type)
    type: str = "number"  # the line's FEEL type, for the words of a run of its pieces


def _point(value: Value) -> Piece:
    return Piece(value, f"= {show(value)}", show(value))


def number_text(x: Any) -> str:
    """A bound as a cell writes it: 18, not 18.0; a date as date("2025-01-31")."""
    if not is_number(x):
        return show_temporal(x)
    return show(int(x)) if float(x).is_integer() else show(x)


@dataclass(frozen=True)
class Domain:
    """A column's pieces. A number line also keeps its bounds and, for each of its pieces (which come
    first), the piece's place on the uncut line, so a test's pieces can be found by bisection."""

    variable: str
    pieces: tuple[Piece, ...]
    exact: bool = True
    bounds: tuple[Any, ...] = ()
    line: tuple[int, ...] = ()
    type: str = "number"  # the FEEL type of the line's bounds

    @property
    def full(self) -> int:
        return (1 << len(self.pieces)) - 1

    def mask(self, test: UnaryTest) -> int:
        """The pieces ``test`` accepts, as a bit mask."""
        if test.any:
            return self.full
        if self.bounds:
            fast = self._line_mask(test)
            if fast is not None:
                return fast
        predicate = compile_test(test)
        assert predicate is not None
        return sum(1 << i for i, p in enumerate(self.pieces) if predicate(p.value))

    def _span(self, first: int, last: int) -> int:
        """Bits of the pieces whose place on the uncut line is within [first, last]."""
        lo, hi = bisect_left(self.line, first), bisect_right(self.line, last)
        return (1 << hi) - (1 << lo) if hi > lo else 0

    @cached_property
    def _where(self) -> dict[float, int]:
        return {b: i for i, b in enumerate(self.bounds)}

    def _line_mask(self, test: UnaryTest) -> int | None:
        # Places on the uncut line: 0 below the first bound, 2i+1 the bound i, 2i+2 just above it.
        where = self._where
        top = 2 * len(self.bounds)
        union = 0
        on_line = is_number if self.type == "number" else lambda v: type_of(v) == self.type
        for atom in test.atoms:
            if isinstance(atom, Equals):
                v = atom.value
                if on_line(v):
                    if v not in where:
                        return None
                    union |= self._span(2 * where[v] + 1, 2 * where[v] + 1)
                else:
                    for i in range(len(self.line), len(self.pieces)):
                        value = self.pieces[i].value
                        if equal(value, v):
                            union |= 1 << i
            elif isinstance(atom, Compare):
                if atom.value not in where:
                    return None
                i = where[atom.value]
                first, last = {"<": (0, 2 * i), "<=": (0, 2 * i + 1), ">": (2 * i + 2, top), ">=": (2 * i + 1, top)}[
                    atom.op
                ]
                union |= self._span(first, last)
            else:
                if atom.low not in where or atom.high not in where:
                    return None
                first = 2 * where[atom.low] + (1 if atom.low_closed else 2)
                last = 2 * where[atom.high] + (1 if atom.high_closed else 0)
                union |= self._span(first, last)
        return self.full & ~union if test.negated else union


def input_domain(model: Model, table: DecisionTable, pos: int) -> Domain:
    """The values a case can bring to input column ``pos`` of ``table``, cut into pieces."""
    column = table.inputs[pos]
    var = model.variables.get(column.variable)
    default = var.default if var is not None else None
    enum = column.enumeration
    if enum is not None:
        values = [v for v in enum if not (v is None and default is not None)]
        # An input may declare more values than this column lists: a case can still bring them here,
        # where they match only the rules that take any value (or all but some).
        is_input = var is not None and var.role == "input"
        spec = next((s for s in model.inputs if s.name == column.variable), None) if is_input else None
        if spec is not None:
            values += [v for v in spec.allowed if not contains(values, v) and not (v is None and default is not None)]
        return Domain(column.variable, tuple(_point(v) for v in values))
    tests = [column.allowed] if column.allowed is not None else []
    tests += [rule.tests[pos] for rule in table.rules]
    numbers: set[float] = set()
    literals: list[Value] = []
    for test in tests:
        for atom in test.atoms:
            if isinstance(atom, Compare):
                numbers.add(atom.value)
            elif isinstance(atom, Range):
                numbers.update((atom.low, atom.high))
            elif isinstance(atom, Equals):
                if is_number(atom.value) or is_temporal(atom.value):
                    numbers.add(atom.value)
                elif atom.value is not None and not contains(literals, atom.value):
                    literals.append(atom.value)
    produced = _produced(model, table, column.variable)
    if produced is not None:
        pieces = [_point(v) for v in produced]
        return Domain(column.variable, tuple(pieces))
    if var is not None and var.type:
        return _typed_domain(model, table, pos, var)
    # A line of numbers; of dates (or another temporal type) where every bound is one.
    kinds = {type_of(v) for v in numbers}
    line_type = kinds.pop() if len(kinds) == 1 else "number"
    try:
        bounds = sorted(v for v in numbers if type_of(v) == line_type)
    except TypeError:  # times with and without a time zone: no order between them
        bounds, numbers = [], set()
    line = _number_line(bounds, line_type) if bounds else []
    rest = [_point(v) for v in literals]
    if column.allowed is None or not numbers:
        rest.append(Piece(OTHER, "has a value no rule names", "any other value"))
    if default is None:
        rest.append(_point(None))
    places = list(range(len(line)))
    if column.allowed is not None:
        allowed = compile_test(column.allowed)
        if allowed is not None:
            places = [i for i in places if allowed(line[i].value)]
            rest = [p for p in rest if p.value is None or allowed(p.value)]
    pieces = [line[i] for i in places] + rest
    return Domain(column.variable, tuple(pieces), False, tuple(bounds), tuple(places), line_type)


def _typed_domain(model: Model, table: DecisionTable, pos: int, var: Variable) -> Domain:
    """The pieces of a typed column without a list: its type's values, null where its input may be missing."""
    column = table.inputs[pos]
    type_ = var.type
    if var.role == "input":
        spec = next((s for s in model.inputs if s.name == var.name), None)
        admits_null = var.default is None and (spec is None or spec.optional)
    else:
        admits_null = var.default is None
    tests = [column.allowed] if column.allowed is not None else []
    tests += [rule.tests[pos] for rule in table.rules]
    named: list[Value] = []
    for test in tests:
        for atom in test.atoms:
            values = (atom.low, atom.high) if isinstance(atom, Range) else (atom.value,)
            named += [v for v in values if type_of(v) == type_ and not contains(named, v)]
    null = [_point(None)] if admits_null else []
    if type_ == "boolean":
        return _set_domain(table, pos, [_point(True), _point(False)], null, True)
    if type_ == "string":
        other = Piece(OTHER, "has a text no rule names", "any other text")
        return _set_domain(table, pos, [*(_point(v) for v in named), other], null, False)
    try:
        bounds = sorted(named)
    except TypeError:  # times with and without a time zone: no order between them
        bounds = []
    if not bounds:
        whole = Piece(_SAMPLE.get(type_, 0), f"is any {type_}", f"any {type_}", numeric=True, type=type_)
        return Domain(column.variable, (whole, *null), False, (), (), type_)
    line = _number_line(bounds, type_)
    places = [i for i in range(len(line)) if not _empty(line[i], type_)]
    if column.allowed is not None:
        whole = Domain(column.variable, tuple(line), False, tuple(bounds), tuple(range(len(line))), type_)
        inside = whole.mask(column.allowed)
        places = [i for i in places if inside >> i & 1]
    pieces = [line[i] for i in places] + null
    return Domain(column.variable, tuple(pieces), False, tuple(bounds), tuple(places), type_)


def _set_domain(table: DecisionTable, pos: int, values: list[Piece], null: list[Piece], exact: bool) -> Domain:
    """A typed column's set of values (booleans, texts), those its allowed values admit, and null if it may be."""
    column = table.inputs[pos]
    allowed = compile_test(column.allowed) if column.allowed is not None else None
    if allowed is not None:
        values = [p for p in values if allowed(p.value)]
    return Domain(column.variable, (*values, *null), exact)


# A value of each temporal type standing for its whole line (a column no cell bounds).
_SAMPLE: dict[str, Any] = {
    "date": dt.date(2000, 1, 1),
    "time": dt.time(12),
    "date and time": dt.datetime(2000, 1, 1, 12),
    "days and time duration": dt.timedelta(days=1),
    "years and months duration": YearsMonths(12),
}


def _step(type_: str) -> Any:
    """The smallest step of a line below its first bound and above its last (a value, never a bound)."""
    if type_ == "date":
        return dt.timedelta(days=1)
    if type_ == "years and months duration":
        return YearsMonths(1)
    return 1 if type_ == "number" else dt.timedelta(seconds=1)


def _shift(x: Any, type_: str, sign: int) -> Any:
    step = _step(type_)
    if type_ == "time":  # a time of day has no arithmetic in Python: shift it on a day
        moved = dt.datetime.combine(dt.date(2000, 1, 2), x) + sign * step
        return moved.timetz() if x.tzinfo is not None else moved.time()
    return x + step if sign > 0 else x - step


def _middle(a: Any, b: Any, type_: str) -> Any:
    if type_ == "number":
        return (a + b) / 2
    if type_ == "date":
        return a + dt.timedelta(days=(b - a).days // 2)
    if type_ == "years and months duration":
        return YearsMonths((a.months + b.months) // 2)
    if type_ == "time":
        day = dt.date(2000, 1, 2)
        low, high = dt.datetime.combine(day, a), dt.datetime.combine(day, b)
        middle = low + (high - low) / 2
        return middle.timetz() if a.tzinfo is not None else middle.time()
    return a + (b - a) / 2


def _one_between(a: Any, b: Any, type_: str) -> bool:
    """Whether exactly one day (of dates) or one month (of years and months durations) lies between a and b."""
    if type_ == "date":
        return (b - a).days == 2
    return type_ == "years and months duration" and b.months - a.months == 2


def _empty(piece: Piece, type_: str) -> bool:
    """An open piece between two neighbouring days (or months) holds no value of its type."""
    if piece.low is None or piece.high is None or piece.low_in:
        return False
    if type_ == "date":
        return (piece.high - piece.low).days <= 1
    if type_ == "years and months duration":
        return piece.high.months - piece.low.months <= 1
    return False


def _produced(model: Model, table: DecisionTable, variable: str) -> list[Value] | None:
    """For an intermediate without an allowed list: the values its deciding table can give."""
    var = model.variables.get(variable)
    if var is None or var.role == "input":
        return None
    for t in model.tables:
        if t is table:
            break
        for j, col in enumerate(t.outputs):
            if col.variable == variable and t.hit_policy in ("U", "A", "P", "F"):
                return distinct(rule.outputs[j] for rule in t.rules)
    return None


def _number_line(bounds: list[Any], type_: str) -> list[Piece]:
    """The line of ``type_`` (numbers, or a temporal type) cut at ``bounds``: below, at, between and above them."""
    first, last = bounds[0], bounds[-1]
    below, above = f"< {number_text(first)}", f"> {number_text(last)}"
    pieces = [Piece(_shift(first, type_, -1), below, below, None, first, False, False, True, type_)]
    for i, b in enumerate(bounds):
        pieces.append(Piece(b, f"= {number_text(b)}", number_text(b), b, b, True, True, True, type_))
        if i + 1 < len(bounds):
            nxt = bounds[i + 1]
            middle = _middle(b, nxt, type_)
            text = f"({number_text(b)}..{number_text(nxt)})"
            phrase, label = f"in {text}", text
            if _one_between(b, nxt, type_):  # the one day (or month) between two bounds: name it
                phrase, label = f"= {number_text(middle)}", number_text(middle)
            pieces.append(Piece(middle, phrase, label, b, nxt, False, False, True, type_))
    pieces.append(Piece(_shift(last, type_, 1), above, above, last, None, False, False, True, type_))
    return pieces


Box = tuple[int, ...]  # per input column, a bit mask of pieces


@dataclass
class Exploration:
    """What a walk over a table's space found."""

    gaps: list[Box] = field(default_factory=list)
    gap_count: int = 0
    overlaps: dict[tuple[int, int], Box] = field(default_factory=dict)
    pairs_capped: bool = False
    truncated: bool = False
    nodes: int = 0


class Space:
    """A table's rules as boxes over its input columns' pieces."""

    def __init__(self, model: Model, table: DecisionTable) -> None:
        self.table = table
        self.domains = tuple(input_domain(model, table, pos) for pos in range(len(table.inputs)))
        self.full: Box = tuple(d.full for d in self.domains)
        self.k = len(self.domains)
        self.n = len(table.rules)
        # Tests are keys by FEEL equality (feel.Equals): the cells true and 1 never share a mask.
        masks: dict[tuple[int, UnaryTest], int] = {}
        boxes = []
        for rule in table.rules:
            box = []
            for c, test in enumerate(rule.tests):
                key = (c, test)
                if key not in masks:
                    masks[key] = self.domains[c].mask(test)
                box.append(masks[key])
            boxes.append(tuple(box))
        self.boxes: list[Box] = boxes
        # For each column and piece: the rules (bit mask) whose cell accepts that piece.
        self.rules_at: list[list[int]] = []
        for c, d in enumerate(self.domains):
            per_piece = [0] * len(d.pieces)
            for r, box in enumerate(boxes):
                m = box[c]
                while m:
                    low = m & -m
                    per_piece[low.bit_length() - 1] |= 1 << r
                    m ^= low
            self.rules_at.append(per_piece)
        # Columns tested by many rules first: they split the space the most.
        self.order = sorted(range(self.k), key=lambda c: sum(1 for b in boxes if b[c] == self.full[c]))
        self.all_rules = (1 << self.n) - 1

    # -- walking -------------------------------------------------------------
    def explore(
        self,
        *,
        gaps: bool = False,
        overlaps: bool = False,
        region: Box | None = None,
        rules: int | None = None,
        first_gap_only: bool = False,
        pair_ok: Callable[[int, int], bool] | None = None,
        classes: list[int] | None = None,
        budget: int | None = None,
    ) -> Exploration:
        """Find gaps (points no rule in ``rules`` covers) and overlapping pairs inside ``region``.

        ``pair_ok`` keeps only the pairs that matter (say, rules whose outputs
        differ); ``classes`` (bit masks of rules that never form such a pair
        among themselves) lets the walk skip parts of the space holding one class only.
        """
        region = region or self.full
        start = self.all_rules if rules is None else rules
        order = self.order
        k = self.k
        boxes = self.boxes
        # full_from[d]: rules whose box covers the region on every column from order[d] on.
        full_from = [0] * (k + 1)
        full_from[k] = start
        for d in range(k - 1, -1, -1):
            c = order[d]
            need = region[c]
            mask = 0
            m = full_from[d + 1]
            while m:
                low = m & -m
                r = low.bit_length() - 1
                m ^= low
                if boxes[r][c] & need == need:
                    mask |= low
            full_from[d] = mask
        out = Exploration()
        budget = NODE_BUDGET if budget is None else budget
        left = [budget]
        prefix = [0] * k

        def walk(d: int, mask: int) -> bool:
            """Return True to stop the whole walk."""
            left[0] -= 1
            if left[0] < 0:
                out.truncated = True
                return True
            if mask == 0:
                if gaps:
                    out.gap_count += 1
                    if len(out.gaps) < MAX_EXAMPLES:
                        box = list(region)
                        for dd in range(d):
                            box[order[dd]] = prefix[order[dd]]
                        out.gaps.append(tuple(box))
                    return first_gap_only
                return False
            if d == k:
                if overlaps and mask & (mask - 1):
                    ids = bits(mask)
                    for i, a in enumerate(ids):
                        for b in ids[i + 1 :]:
                            if (a, b) in out.overlaps or (pair_ok is not None and not pair_ok(a, b)):
                                continue
                            out.overlaps[(a, b)] = tuple(prefix)
                            if len(out.overlaps) >= MAX_PAIRS:
                                out.pairs_capped = True
                                return True
                return False
            need_gap = gaps and not (mask & full_from[d])
            need_overlap = overlaps and _several(mask, classes)
            if not need_gap and not need_overlap:
                return False
            c = order[d]
            groups: dict[int, int] = {}
            per_piece = self.rules_at[c]
            m = region[c]
            while m:
                low = m & -m
                m ^= low
                sig = per_piece[low.bit_length() - 1] & mask
                groups[sig] = groups.get(sig, 0) | low
            for sig, pieces in groups.items():
                if not need_gap and not _several(sig, classes):
                    continue
                prefix[c] = pieces
                if walk(d + 1, sig):
                    return True
            prefix[c] = 0
            return False

        walk(0, start)
        out.nodes = budget - max(left[0], 0)
        return out

    def merged_gaps(self, found: Exploration) -> list[Box]:
        """The gap boxes found, merged where two differ in one column only (fewer, wider examples)."""
        boxes = list(dict.fromkeys(found.gaps))
        merged = True
        while merged:
            merged = False
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    a, b = boxes[i], boxes[j]
                    diff = [c for c in range(self.k) if a[c] != b[c]]
                    if len(diff) <= 1:
                        c = diff[0] if diff else 0
                        union = list(a)
                        union[c] = a[c] | b[c]
                        boxes[i] = tuple(union)
                        del boxes[j]
                        merged = True
                        break
                if merged:
                    break
        return boxes

    def covers(self, region: Box, rules: int, budget: int | None = None) -> tuple[bool | None, int]:
        """Whether ``rules`` together cover every point of ``region`` (None if the budget ran out),
        and how many nodes that took."""
        found = self.explore(gaps=True, region=region, rules=rules, first_gap_only=True, budget=budget)
        if found.truncated:
            return None, found.nodes
        return found.gap_count == 0, found.nodes

    def meets(self, r: int) -> int:
        """The rules whose box intersects rule ``r``'s box."""
        mask = self.all_rules
        for c, m in enumerate(self.boxes[r]):
            touching = 0
            per_piece = self.rules_at[c]
            while m:
                low = m & -m
                m ^= low
                touching |= per_piece[low.bit_length() - 1]
            mask &= touching
            if not mask:
                break
        return mask


def _several(mask: int, classes: list[int] | None) -> bool:
    """Whether ``mask`` holds two rules (of two different classes, when classes are given)."""
    if not mask & (mask - 1):
        return False
    if classes is None:
        return True
    return sum(1 for c in classes if mask & c) > 1
