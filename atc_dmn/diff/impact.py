"""What an edit does to patients: both models decide every combination of the inputs, and the answers are compared.

The space is every input's values: a list's values and booleans exactly, and for a
number or temporal input the pieces of its line cut at every bound either model's cells
mention (``validate.space``); "unknown" (left out of the case) too where an input may be
missing. Values that no cell of either model tells apart (say T1 and T2, where every
rule tests them alike) are decided once for all of them and counted for each, so the
whole product is counted without deciding each combination; a case is always decided
by the compiled engine itself (``DecisionModel.run``), never by a copy of its logic.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import DecisionModel
from ..errors import EvaluationError, InputError
from ..feel import Compare, Equals, Range, compile_test
from ..feel_value import contains, is_number, show
from ..inputs import coerce
from ..model import InputSpec, Model
from ..temporal import is_temporal, type_of
from ..validate.space import _number_line

# Examples kept per kind of change (an output's before -> after, or an error's appearance).
EXAMPLES = 3
# The greatest number of combinations an example's "any value" check may look at.
GENERALISE_LIMIT = 20_000


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


MISSING = _Missing()  # the input is left out of the case
UNKNOWN = "unknown"  # how a report writes MISSING


@dataclass(frozen=True)
class Axis:
    """One input of the space: its classes of values, each decided once, and the values each stands for."""

    key: str
    label: str  # the glossary's name of the input (the new model's where both have it)
    classes: tuple[tuple[Any, ...], ...]  # the values of each class; the first decides for all
    values: tuple[Any, ...] = ()  # every value, in the order of the allowed lists
    names: dict[Any, str] = field(default_factory=dict)  # a piece of a line's words, by _name_key of its value

    def text(self, value: Any) -> str:
        """A value as a report writes it; a piece of a line as its range (``(18..21)``, ``< 0``)."""
        return self.names.get(_name_key(value), "") or value_text(value)

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.classes)


@dataclass(frozen=True)
class Outcome:
    """One model's answer to a combination: its decision (output key -> value) or its error."""

    decision: tuple[tuple[str, Any], ...] = ()
    error: str = ""  # "" for an answer; else the error's code and what it names


@dataclass
class Shift:
    """Combinations whose ``what`` went from ``before`` to ``after``, counted, with examples."""

    what: str  # an output key, or "error"
    before: str
    after: str
    count: int = 0
    examples: list[tuple[int, ...]] = field(default_factory=list)  # class indices, per axis
    listed: bool = False  # a list output: before and after are the items lost and gained ("" for none)


@dataclass
class Impact:
    """The comparison of both models over the whole space (or the part ``given`` keeps)."""

    axes: tuple[Axis, ...]
    total: int  # combinations in the space
    decided: int  # combinations the engine decided (one per class of each input)
    changed: int  # combinations where any output, or being an error, changes
    outputs: dict[str, Shift] = field(default_factory=dict)  # per output: every combination it changes for
    shifts: list[Shift] = field(default_factory=list)  # per output and (before, after), largest first
    becomes_error: int = 0
    stops_error: int = 0
    error_changes: int = 0  # an error both ways, but another one
    error_shifts: list[Shift] = field(default_factory=list)
    given: dict[str, list[str]] = field(default_factory=dict)
    early: tuple[int, ...] = ()  # the axes only the first tables read (see _split)
    early_outputs: tuple[tuple[str, str], ...] = ()  # (key, label) of the outputs those tables decide
    outcomes: dict[tuple[int, ...], tuple[Outcome, Outcome]] = field(default_factory=dict, repr=False)

    @property
    def changes_an_answer(self) -> bool:
        return self.changed > 0


def value_text(value: Any) -> str:
    """A value as a report writes it: a code bare, unknown for a missing input, a list comma-joined."""
    if value is MISSING or value is None:
        return UNKNOWN
    if isinstance(value, list | tuple):
        return ", ".join(map(value_text, value)) if value else "(none)"
    if isinstance(value, str):
        return value
    return show(value)


def _input_var(model: Model, key: str) -> Any:
    return next((v for v in model.variables.values() if v.role == "input" and v.key == key), None)


def _cell_tests(model: Model, name: str) -> list[Any]:
    """Every cell (and allowed-values row) of ``model`` testing the input column ``name``."""
    found = []
    for table in model.tables:
        for pos, column in enumerate(table.inputs):
            if column.variable == name:
                if column.allowed is not None:
                    found.append(column.allowed)
                found += [rule.tests[pos] for rule in table.rules]
    return found


def _name_key(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value).__name__, value)


def _values(key: str, specs: Sequence[InputSpec | None], models: Sequence[Model]) -> tuple[list[Any], dict[Any, str]]:
    """An input's values over both models: a list's, or the pieces of its line (with their words); unknown
    where it may be missing."""
    values: list[Any] = []
    names: dict[Any, str] = {}
    listed = [s for s in specs if s is not None and s.kind in ("boolean", "category")]
    for spec in listed:
        values += [v for v in spec.allowed if v is not None and not contains(values, v)]
    if len(listed) < sum(s is not None for s in specs):  # a number, temporal or free input in one of them
        bounds: list[Any] = []
        for model in models:
            var = _input_var(model, key)
            for test in _cell_tests(model, var.name) if var is not None else ():
                for atom in test.atoms:
                    ends = (atom.low, atom.high) if isinstance(atom, Range) else (atom.value,)
                    for v in ends:
                        if v is None or contains(values, v) or contains(bounds, v):
                            continue
                        if (is_number(v) or is_temporal(v)) and not isinstance(atom, Equals | Compare | Range):
                            continue
                        if is_number(v) or is_temporal(v):
                            bounds.append(v)
                        else:
                            values.append(v)
        kinds = {type_of(v) for v in bounds}
        if len(kinds) == 1:
            kind = kinds.pop()
            try:
                for piece in _number_line(sorted(bounds), kind):
                    values.append(piece.value)
                    names[_name_key(piece.value)] = piece.label
            except TypeError:
                values += bounds
        else:
            values += bounds
    if any(s is not None and (s.optional or s.default is not None) for s in specs):
        values.append(MISSING)
    return values, names


def _seen(spec: InputSpec | None, value: Any) -> tuple[str, Any]:
    """What a model's tables see of an input's value: ("ok", the normalised value) or ("error", its code)."""
    if spec is None:
        return ("absent", None)
    if value is MISSING:
        if spec.default is None and not spec.optional:
            return ("error", "REQUIRED")
        return ("ok", spec.default)
    try:
        got = coerce(spec, value)
    except InputError as error:
        return ("error", error.code)
    return ("ok", spec.default if got is None else got)


def _signature(model: DecisionModel, key: str, value: Any) -> Any:
    """What every cell of the model reading this input makes of ``value``: equal signatures, equal answers."""
    spec = next((s for s in model.inputs if s.key == key), None)
    seen = _seen(spec, value)
    if seen[0] != "ok":
        return seen
    var = _input_var(model.model, key)
    if var is None:
        return seen
    normalised = seen[1]
    # A cell naming this input, or a table computing with it, sees the value itself: no merging.
    for ct in model.tables:
        if ct.scope and (var.name in ct.scope or var.name in ct.input_names):
            return ("exact", repr(normalised))
    out = []
    for test in _cell_tests(model.model, var.name):
        predicate = compile_test(test)
        out.append(True if predicate is None else bool(predicate(normalised)))
    return ("ok", tuple(out))


def build_axes(
    old: DecisionModel, new: DecisionModel, given: Mapping[str, list[str]] | None = None
) -> tuple[Axis, ...]:
    """Every input of either model with its values cut into classes that neither model's cells tell apart.

    ``given`` keeps only some values of some inputs (written as a report writes them: ``IVB``,
    ``true``, ``unknown``); an input or value that is not in the space is an :class:`InputError`.
    """
    keys = list(dict.fromkeys([*(s.key for s in old.inputs), *(s.key for s in new.inputs)]))
    given = dict(given or {})
    for key in given:
        if key not in keys:
            raise InputError(key, None, tuple(keys), f"--given: unknown input '{key}'", code="UNKNOWN_INPUT")
    axes = []
    for key in keys:
        specs = [next((s for s in m.inputs if s.key == key), None) for m in (old, new)]
        values, names = _values(key, specs, (old.model, new.model))
        words = Axis(key, key, (), (), names)
        if key in given:
            texts = {words.text(v): v for v in values}
            wrong = [t for t in given[key] if t not in texts]
            if wrong:
                raise InputError(
                    key,
                    wrong[0],
                    tuple(texts),
                    f"--given {key}: {wrong[0]!r} is not one of its values; allowed: {', '.join(texts)}",
                    code="NOT_ALLOWED",
                )
            values = [texts[t] for t in dict.fromkeys(given[key])]
        classes: dict[Any, list[Any]] = {}
        for v in values:
            classes.setdefault((_signature(old, key, v), _signature(new, key, v)), []).append(v)
        var = _input_var(new.model, key) or _input_var(old.model, key)
        label = var.name if var is not None else key
        axes.append(Axis(key, label, tuple(tuple(c) for c in classes.values()), tuple(values), names))
    return tuple(axes)


def _decider(model: DecisionModel, axes: Sequence[Axis]) -> Any:
    """A function from class indices to the model's Outcome, through the compiled engine."""
    specs = {s.key: s for s in model.inputs}
    # Per axis and class: what the tables see of its first value ("ok", value), or the error refusing the case.
    seen = [[_seen(specs.get(a.key), c[0]) for c in a.classes] for a in axes]
    keys = [a.key for a in axes]
    outputs = [v.key for v in model.model.variables_with_role("output")]
    defaults = {s.key: s.default for s in model.inputs}  # what Normaliser starts from

    def decide(combo: tuple[int, ...]) -> Outcome:
        normalised = defaults.copy()
        for key, i, per in zip(keys, combo, seen):
            state, value = per[i]
            if state == "ok":
                normalised[key] = value
            elif state == "error":
                return Outcome(error=f"{value} {key}")
        try:
            result = model.run(normalised)
        except InputError as error:
            return Outcome(error=f"{error.code} {error.field or ''}".strip())
        except EvaluationError as error:
            return Outcome(error=f"NO_ANSWER {error.table}")
        decision = result.decision
        return Outcome(tuple((k, _frozen(decision.get(k))) for k in outputs))

    return decide


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _reads(model: DecisionModel, tables: Sequence[Any]) -> set[str]:
    """The input keys the compiled tables read: their input columns and the variables their cells name."""
    variables = model.model.variables
    names = {n for ct in tables for n in (*ct.input_names, *ct.scope)}
    return {variables[n].key for n in names if n in variables and variables[n].role == "input"}


def _split(old: DecisionModel, new: DecisionModel, axes: Sequence[Axis]) -> tuple[list[int], int, int] | None:
    """The inputs that only the first tables of both models read (say the T, N and M categories, read to stage
    the disease and to check the stage given), and how many first tables that is in each model.

    Everything after those tables sees them only through what the tables decided, so their combinations
    that decide alike are decided together. None when no such inputs exist.
    """
    index = {a.key: n for n, a in enumerate(axes)}
    best: tuple[int, list[int], int, int] | None = None
    for i in range(len(old.tables) + 1):
        for j in range(len(new.tables) + 1):
            early = _reads(old, old.tables[:i]) | _reads(new, new.tables[:j])
            late = _reads(old, old.tables[i:]) | _reads(new, new.tables[j:])
            if not early or early & late or len(early) == len(axes):
                continue
            g = sorted(index[k] for k in early if k in index)
            score = math.prod(len(axes[n].classes) for n in g)
            if score > 1 and (best is None or score > best[0]):
                best = (score, g, i, j)
    return None if best is None else (best[1], best[2], best[3])


def _early(model: DecisionModel, count: int, case: Mapping[str, Any]) -> Any:
    """What the first ``count`` tables decide for ``case`` (or the error one of them gives)."""
    normalised = {s.key: s.default for s in model.inputs}
    normalised.update(case)
    try:
        trace = model.run(normalised).trace
    except InputError as error:
        trace = error.trace
        if len(trace) <= count:  # refused by one of the first tables (or before them)
            return ("error", error.code, error.field)
    except EvaluationError as error:
        trace = error.trace
        if len(trace) < count:
            return ("error", "NO_ANSWER", error.table)
    return tuple((t.table, tuple((k, repr(v)) for k, v in t.outputs.items())) for t in trace[:count])


def compare_space(old: DecisionModel, new: DecisionModel, given: Mapping[str, list[str]] | None = None) -> Impact:
    """Both models over the whole space: how many combinations change, output by output, with examples."""
    axes = build_axes(old, new, given)
    decide_old, decide_new = _decider(old, axes), _decider(new, axes)
    weights = [[len(c) for c in a.classes] for a in axes]
    impact = Impact(axes, math.prod(a.size for a in axes), 0, 0, given={k: list(v) for k, v in (given or {}).items()})
    shifts: dict[tuple[str, str, str], Shift] = {}
    errors: dict[tuple[str, str], Shift] = {}
    k = len(axes)
    split = _split(old, new, axes)
    calm = [_calm(old, new, a) for a in axes]
    if split is not None and None in [calm[n] for n in range(k) if n not in split[0]]:
        split = None
    early, i, j = split if split is not None else ([], 0, 0)
    rest = [n for n in range(k) if n not in early]
    impact.early = tuple(early)
    impact.early_outputs = _early_outputs(old, i, new, j)
    # The early inputs' combinations, grouped by what the first tables of both models decide for them.
    groups: dict[Any, list[tuple[int, ...]]] = {}
    for part in itertools.product(*(range(len(axes[n].classes)) for n in early)):
        if not early:
            groups[()] = [()]
            break
        combo = list(calm)
        for n, c in zip(early, part):
            combo[n] = c
        cases = [_case(m, axes, combo) for m in (old, new)]
        key = (
            _early(old, i, cases[0]) if cases[0] is not None else ("input",),
            _early(new, j, cases[1]) if cases[1] is not None else ("input",),
        )
        groups.setdefault(key, []).append(part)
    group_of: dict[tuple[int, ...], tuple[int, ...]] = {}
    for parts in groups.values():
        for part in parts:
            group_of[part] = parts[0]
    impact.outcomes = _Outcomes(early, rest, group_of)
    for parts in groups.values():
        first = parts[0]
        w_early = sum(math.prod(weights[n][c] for n, c in zip(early, part)) for part in parts)
        for others in itertools.product(*(range(len(axes[n].classes)) for n in rest)):
            combo_list = [0] * k
            for n, c in zip(early, first):
                combo_list[n] = c
            for n, c in zip(rest, others):
                combo_list[n] = c
            combo = tuple(combo_list)
            a, b = decide_old(combo), decide_new(combo)
            impact.decided += 1
            impact.outcomes.store(combo, (a, b))
            if a == b:
                continue
            w = w_early * math.prod(weights[n][c] for n, c in zip(rest, others))
            impact.changed += w
            if a.error or b.error:
                if not a.error:
                    impact.becomes_error += w
                elif not b.error:
                    impact.stops_error += w
                else:
                    impact.error_changes += w
                key = (a.error or "answer", b.error or "answer")
                _count(errors.setdefault(key, Shift("error", *key)), w, combo)
                continue
            after = dict(b.decision)
            before = dict(a.decision)
            for out in dict.fromkeys([*before, *after]):
                x, y = before.get(out), after.get(out)
                if x == y:
                    continue
                _count(impact.outputs.setdefault(out, Shift(out, "", "")), w, combo)
                texts = shift_texts(x, y)
                _count(shifts.setdefault((out, *texts), Shift(out, *texts, listed=isinstance(x, tuple))), w, combo)
    impact.shifts = sorted(shifts.values(), key=lambda s: (-s.count, s.what, s.before, s.after))
    impact.error_shifts = sorted(errors.values(), key=lambda s: (-s.count, s.before, s.after))
    return impact


def _early_outputs(old: DecisionModel, i: int, new: DecisionModel, j: int) -> tuple[tuple[str, str], ...]:
    """The outputs (not intermediates) the first tables of either model decide, as (key, glossary name)."""
    found: dict[str, str] = {}
    for model, count in ((new, j), (old, i)):
        variables = model.model.variables
        for ct in model.tables[:count]:
            for name in ct.output_names:
                var = variables[name]
                if var.role == "output":
                    found.setdefault(var.key, var.name)
    return tuple(found.items())


class _Outcomes(dict):  # type: ignore[type-arg]
    """Both models' outcomes by combination: a combination of the early inputs reads as its group's first."""

    def __init__(self, early: list[int], rest: list[int], group_of: dict[tuple[int, ...], tuple[int, ...]]) -> None:
        super().__init__()
        self.early, self.rest, self.group_of = early, rest, group_of

    def store(self, combo: tuple[int, ...], value: tuple[Outcome, Outcome]) -> None:
        super().__setitem__(combo, value)

    def __getitem__(self, combo: tuple[int, ...]) -> tuple[Outcome, Outcome]:
        first = self.group_of[tuple(combo[n] for n in self.early)]
        full = list(combo)
        for n, c in zip(self.early, first):
            full[n] = c
        return super().__getitem__(tuple(full))


def _calm(old: DecisionModel, new: DecisionModel, axis: Axis) -> int | None:
    """A class of the input that neither model refuses (to hold it still while others vary)."""
    specs = [next((s for s in m.inputs if s.key == axis.key), None) for m in (old, new)]
    for n, values in enumerate(axis.classes):
        if all(_seen(s, values[0])[0] in ("ok", "absent") for s in specs):
            return n
    return None


def _case(model: DecisionModel, axes: Sequence[Axis], combo: Sequence[int]) -> dict[str, Any] | None:
    """The normalised values the model's tables see for ``combo``; None when an input is refused."""
    specs = {s.key: s for s in model.inputs}
    case = {}
    for axis, c in zip(axes, combo):
        state, value = _seen(specs.get(axis.key), axis.classes[c][0])
        if state == "error":
            return None
        if state == "ok":
            case[axis.key] = value
    return case


def _count(shift: Shift, weight: int, combo: tuple[int, ...]) -> None:
    shift.count += weight
    if len(shift.examples) < EXAMPLES:
        shift.examples.append(combo)


def _same_shift(impact: Impact, shift: Shift, combo: tuple[int, ...]) -> bool:
    a, b = impact.outcomes[combo]
    if shift.what == "error":
        return (a.error or "answer", b.error or "answer") == (shift.before, shift.after)
    if a.error or b.error:
        return False
    x, y = dict(a.decision).get(shift.what), dict(b.decision).get(shift.what)
    return shift_texts(x, y) == (shift.before, shift.after)


def shift_texts(before: Any, after: Any) -> tuple[str, str]:
    """How a change of an output reads: its value before and after; for a list (a collect table's), the items
    it loses and the items it gains, so that one item dropped from many lists reads as one change."""
    if isinstance(before, tuple) and isinstance(after, tuple):
        lost = [v for v in before if v not in after]
        gained = [v for v in after if v not in before]
        return value_text(lost) if lost else "", value_text(gained) if gained else ""
    return value_text(before), value_text(after)


def example_inputs(impact: Impact, shift: Shift, combo: tuple[int, ...]) -> list[tuple[Axis, tuple[Any, ...] | None]]:
    """An example's inputs: for each, the values it holds, or None for an input whose every value gives the
    same change with the others as they are (left out of the example's words)."""
    free: list[int] = []
    for i, axis in enumerate(impact.axes):
        if len(axis.classes) < 2:
            free.append(i)
            continue
        trial = [*free, i]
        ranges = [range(len(impact.axes[j].classes)) if j in trial else (combo[j],) for j in range(len(combo))]
        if math.prod(len(r) for r in ranges) > GENERALISE_LIMIT:
            continue
        if all(_same_shift(impact, shift, c) for c in itertools.product(*ranges)):
            free = trial
    return [(axis, None if i in free else axis.classes[combo[i]]) for i, axis in enumerate(impact.axes)]


def _answer_values(outcomes: tuple[Outcome, Outcome], keys: Sequence[str]) -> tuple[Any, ...] | None:
    a, b = outcomes
    side = b if not b.error else a if not a.error else None
    if side is None:
        return None
    decision = dict(side.decision)
    return tuple(decision.get(k) for k in keys)


def _by_early_outputs(impact: Impact, shift: Shift, combo: tuple[int, ...]) -> tuple[tuple[str, str], ...] | None:
    """The early inputs described by what the first tables decide (say "Stage IVB" for every T, N, M and given
    stage that the model stages IVB), when every such combination gives the same change; else None."""
    if not impact.early or not impact.early_outputs:
        return None
    keys = [k for k, _ in impact.early_outputs]
    wanted = _answer_values(impact.outcomes[combo], keys)
    if wanted is None:
        return None
    outcomes = impact.outcomes
    for first in set(outcomes.group_of.values()):
        full = list(combo)
        for n, c in zip(impact.early, first):
            full[n] = c
        if _answer_values(outcomes[tuple(full)], keys) == wanted and not _same_shift(impact, shift, tuple(full)):
            return None
    return tuple((label, value_text(v)) for (_, label), v in zip(impact.early_outputs, wanted))


def example_words(
    impact: Impact, shift: Shift, combo: tuple[int, ...]
) -> tuple[dict[str, list[str]], dict[str, str], str]:
    """An example as (input key -> its values, output -> the value the first tables decide, the words).

    Inputs whose every value gives the same change are left out; the inputs only the first tables read
    are named by what those tables decide where that holds for all of them.
    """
    parts = example_inputs(impact, shift, combo)
    decided = _by_early_outputs(impact, shift, combo)
    if decided is not None:
        parts = [(a, None if n in impact.early else v) for n, (a, v) in enumerate(parts)]
    inputs = {a.key: [a.text(v) for v in values] for a, values in parts if values is not None}
    words = [f"{label} {value}" for label, value in decided or ()]
    text = describe_inputs(parts)
    text = ", ".join([*words, text]) if words and text != "any case" else ", ".join(words) or text
    return inputs, dict(decided or ()), text


def describe_inputs(parts: Iterable[tuple[Axis, tuple[Any, ...] | None]]) -> str:
    """An example's inputs in the workbook's words: ``Stage (given) IVB, T category T3b or T4``."""
    words = []
    for axis, values in parts:
        if values is None:
            continue
        shown = [axis.text(v) for v in values]
        words.append(f"{axis.label} {' or '.join(shown)}")
    return ", ".join(words) or "any case"
