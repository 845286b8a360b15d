"""The FHIR mapping as data: one row per input value, read like a spreadsheet row.

A row says "this input has this value when a <resource> carries <system>|<code>
in <element>, and every (element, system, code) in ``requires`` holds on the
same resource". The codes are data (later a workbook sheet), never Python, so
informaticians can change them; :func:`validate_rows` locates a bad row by its
index for that sheet's validator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .origin import NOWHERE, Origin

RESOURCES = ("Condition", "Observation")
PLAIN_ELEMENTS = ("code", "value", "verificationStatus")
PREFIXED_ELEMENTS = ("component:", "extension:")
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Coding:
    """A code as FHIR carries it; ``system`` is "" for text (valueString, CodeableConcept.text)."""

    system: str
    code: str


@dataclass(frozen=True)
class Criterion:
    """A named condition a row requires: the resource carries at least one of ``alternatives``.

    Each alternative is (element, system, code). The FHIR sheet's Criterion table
    defines them, one row per alternative, so that "C73 or a SNOMED thyroid cancer
    code" is one name a mapping row can require. ``sources`` holds each alternative's
    Source (where its code is published, or "unverified"), in the same order, so a card
    can show what made a resource count and how far that code was checked.
    """

    name: str
    alternatives: tuple[tuple[str, str, str], ...]
    sources: tuple[str, ...] = ()

    def source_of(self, number: int) -> str:
        """The Source of alternative ``number``; "unverified" when none was given."""
        return self.sources[number] if number < len(self.sources) and self.sources[number] else UNVERIFIED


@dataclass(frozen=True)
class MappingRow:
    """One mapping row: ``input`` = ``value`` when ``resource``'s ``element`` carries ``system``|``code``.

    ``element`` is "code", "value" (Observation.valueCodeableConcept), "verificationStatus",
    "component:<LOINC code>" (that component's value) or "extension:<url>" (that extension's value).
    ``requires`` holds conditions that must all hold on the same resource: each a
    :class:`Criterion` (any of its alternatives) or a plain (element, system, code) triple.
    ``source`` is where the code is published, or "unverified".
    ``priority``: when resources give different values, a value from a row with a lower
    number wins over any with a higher number or none, whatever their dates (a BRAF
    result "absent" does not undo a RET fusion "present"); among equals the newest wins.
    ``origin`` is the row's first cell on the FHIR sheet.
    """

    input: str
    value: str | bool
    resource: str
    element: str
    system: str
    code: str
    source: str = UNVERIFIED
    requires: tuple[Criterion | tuple[str, str, str], ...] = ()
    priority: int | None = None
    origin: Origin = NOWHERE

    @property
    def coding(self) -> Coding:
        return Coding(self.system, self.code)

    @property
    def verified(self) -> bool:
        return bool(self.source) and self.source != UNVERIFIED


def alternatives(need: Criterion | tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
    """A requirement's alternatives: a Criterion's, or the one a plain triple is."""
    return need.alternatives if isinstance(need, Criterion) else (need,)


@dataclass(frozen=True)
class RowProblem:
    """A row the mapping cannot use: ``row`` is its index in the list given, ``field`` the column."""

    row: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


def element_known(element: str) -> bool:
    """Whether the reader knows how to read ``element`` (a plain name or a prefixed one with a target)."""
    if element in PLAIN_ELEMENTS:
        return True
    return any(element.startswith(p) and len(element) > len(p) for p in PREFIXED_ELEMENTS)


def structural_problems(rows: Sequence[MappingRow]) -> list[RowProblem]:
    """Problems in a row's shape alone, without a model: resource, elements, empty codes."""
    found: list[RowProblem] = []
    for index, row in enumerate(rows):
        if not isinstance(row.input, str) or not row.input:
            found.append(RowProblem(index, "input", "no input named"))
        if row.resource not in RESOURCES:
            found.append(RowProblem(index, "resource", f"{row.resource!r}: not one of {', '.join(RESOURCES)}"))
        if not element_known(row.element):
            found.append(RowProblem(index, "element", f"{row.element!r}: not an element the reader knows"))
        if not isinstance(row.code, str) or not row.code:
            found.append(RowProblem(index, "code", "no code given"))
        if not isinstance(row.system, str):
            found.append(RowProblem(index, "system", "the system is not text"))
        for number, need in enumerate(row.requires):
            options = alternatives(need) if isinstance(need, Criterion | tuple) else ()
            if not options or not all(
                isinstance(o, tuple) and len(o) == 3 and all(isinstance(p, str) for p in o) for o in options
            ):
                found.append(RowProblem(index, "requires", f"condition {number + 1} is not (element, system, code)"))
                continue
            for option in options:
                if not element_known(option[0]):
                    found.append(RowProblem(index, "requires", f"{option[0]!r}: not an element the reader knows"))
        if row.priority is not None and (type(row.priority) is not int or row.priority < 1):
            found.append(RowProblem(index, "priority", f"{row.priority!r}: a priority is a whole number from 1"))
    return found


def _allowed_by_input(model_inputs: Any) -> dict[str, tuple[Any, ...]]:
    """Accept a mapping input -> allowed values, or InputSpec-like objects with ``key`` and ``allowed``."""
    if isinstance(model_inputs, Mapping):
        return {str(k): tuple(v) for k, v in model_inputs.items()}
    return {spec.key: tuple(spec.allowed) for spec in model_inputs}


def _same_value(a: Any, b: Any) -> bool:
    # True == 1 in Python; a boolean value must only equal a boolean.
    return type(a) is type(b) and a == b


def validate_rows(
    rows: Sequence[MappingRow], model_inputs: Mapping[str, Iterable[Any]] | Iterable[Any]
) -> list[RowProblem]:
    """Every problem in the mapping against the model's inputs, each with the row's index.

    Unknown inputs, values the input does not allow, and one coding (with the same
    conditions) giving two different values of one input are problems; an input
    value with no row is fine: it is then never read from FHIR. An input whose
    allowed list is empty takes any value.
    """
    allowed = _allowed_by_input(model_inputs)
    found = structural_problems(rows)
    seen: dict[tuple[str, str, str, str, str, frozenset[Any]], tuple[int, Any]] = {}
    for index, row in enumerate(rows):
        if row.input not in allowed:
            found.append(RowProblem(index, "input", f"{row.input!r}: not an input of the model"))
            continue
        values = [v for v in allowed[row.input] if v is not None]
        if values and not any(_same_value(row.value, v) for v in values):
            listed = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            found.append(RowProblem(index, "value", f"{row.input}: {row.value!r} is not allowed; allowed: {listed}"))
        key = (row.input, row.resource, row.element, row.system, row.code, frozenset(row.requires))
        if key in seen and not _same_value(seen[key][1], row.value):
            first, other = seen[key]
            found.append(
                RowProblem(
                    index,
                    "code",
                    f"{row.system}|{row.code} gives {row.input} = {row.value!r} here and {other!r} in row {first}",
                )
            )
        seen.setdefault(key, (index, row.value))
    return sorted(found, key=lambda p: p.row)
