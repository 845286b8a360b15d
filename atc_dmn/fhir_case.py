"""A patient's FHIR R4 data (resources, Bundles, a CDS Hooks prefetch) read into a case.

Resources are found by their codes, never by which prefetch key or Bundle they
came in, through mapping rows (atc_dmn.fhir_mapping) that are data. A resource
*meets* a row when it carries every criterion the row's Requires names (C73 and
an anaplastic histology, a cT category code); it *gives* the row's value when its
element also carries the row's code. Rules:

- Set aside (never a basis; listed in ``FhirCase.set_aside`` under every input a
  row of which it meets, with why and the value it would give): ``status``
  entered-in-error, cancelled or superseded (any resource); an Observation whose
  status is not final, amended or corrected (preliminary, registered and unknown
  results); Condition.verificationStatus entered-in-error; a Condition whose
  clinicalStatus is inactive, remission or resolved (not a current disease); a
  resource dated more than a day (clock skew) after ``now``, the time of the call.
- Seen, not read: a resource that meets a row of an input but gives no row's value
  (a verificationStatus ``refuted`` no row maps, or none at all) is listed in
  ``FhirCase.unread`` with why. When it is as new as or newer than the value
  that would be used, the input is left unknown and listed in ``ambiguous``: an
  older value is never used while a newer record says what the mapping cannot read.
- One resource whose rows give two different values for one input says nothing
  about that input (neither value is guessed); it is listed in ``FhirCase.ambiguous``.
- Several resources with different values for one input: the value of the row
  with the lowest priority number wins (MappingRow.priority); among equals the newest effective
  date wins (effectiveDateTime, effectiveInstant, effectivePeriod.end or start,
  issued, recordedDate, onsetDateTime, the first present); the others are listed
  in the provenance, with which of the two chose (``Provenance.chosen_by``). A
  resource with no date is older than any dated one. When the newest date is
  shared by resources that disagree, the input is left unknown and listed in
  ``ambiguous``.
- Each value's provenance names the codings that met its row's criteria, with
  each Criterion row's Source (``Provenance.criteria``).
- A coding's code matches a row's code when equal, or when it is the row's code
  with a prefix (``HGNC:1097`` for ``1097``, ``NP_004324.2:p.Val600Glu`` for
  ``p.Val600Glu``). Text (valueString, CodeableConcept.text) matches a row whose
  system is empty.
- Malformed FHIR (a wrong JSON type, an impossible calendar date) raises
  :class:`FhirError` with the path; the service answers 400 with
  :meth:`FhirError.operation_outcome`. A Bundle with no ``entry`` is an empty
  result (a searchset that found nothing), not an error; a prefetch value ``None``
  means no data.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import DmnError
from .fhir_mapping import UNVERIFIED, Coding, Criterion, MappingRow, alternatives, structural_problems

IGNORED_STATUS = frozenset({"entered-in-error", "cancelled", "superseded"})
OBSERVATION_STATUS = frozenset({"final", "amended", "corrected"})
# Condition.clinicalStatus codes (R4 condition-clinical) that say the disease is not current.
PAST_CLINICAL_STATUS = frozenset({"inactive", "remission", "resolved"})
CLOCK_SKEW = timedelta(days=1)  # a resource dated up to this long after the call is taken as of now
DATE_ELEMENTS = ("effectiveDateTime", "effectiveInstant", "effectivePeriod", "issued", "recordedDate", "onsetDateTime")

# FHIR R4 dateTime (http://hl7.org/fhir/R4/datatypes.html#dateTime): a time needs a zone.
_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})(-(?P<m>0[1-9]|1[0-2])(-(?P<d>0[1-9]|[12][0-9]|3[01])"
    r"(T(?P<H>[01][0-9]|2[0-3]):(?P<M>[0-5][0-9]):(?P<S>[0-5][0-9]|60)(\.[0-9]+)?"
    r"(?P<z>Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00))?)?)?"
)


class FhirError(DmnError):
    """FHIR data the reader cannot take: ``path`` says where, ``allowed`` what would have been accepted."""

    def __init__(self, path: str, message: str, allowed: Sequence[str] = ()) -> None:
        self.path = path
        self.message = message
        self.allowed = tuple(allowed)
        super().__init__(f"{path}: {message}" if path else message)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "path": self.path, "allowed": list(self.allowed)}

    def operation_outcome(self) -> dict[str, Any]:
        """The FHIR R4 OperationOutcome a service answers with (HTTP 400)."""
        diagnostics = self.message
        if self.allowed:
            diagnostics += "; allowed: " + ", ".join(self.allowed)
        issue: dict[str, Any] = {"severity": "error", "code": "structure", "diagnostics": diagnostics}
        if self.path:
            issue["expression"] = [self.path]
        return {"resourceType": "OperationOutcome", "issue": [issue]}


class FhirMappingError(DmnError):
    """Mapping rows the reader cannot use; ``problems`` are fhir_mapping.RowProblem with row indexes."""

    def __init__(self, problems: Sequence[Any]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"row {p.row} {p.field}: {p.message}" for p in self.problems))


@dataclass(frozen=True)
class CriterionMatch:
    """A Requires criterion a resource met: the coding that met it, where, and its Criterion row's Source."""

    criterion: str
    element: str
    coding: Coding
    source: str = UNVERIFIED

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "element": self.element,
            "system": self.coding.system,
            "code": self.coding.code,
            "source": self.source,
        }


@dataclass(frozen=True)
class NotUsed:
    """A resource that met a row of an input but is no basis for it: ``why``, its date, and (when set aside)
    the value its row would have given (None when no row reads it)."""

    reference: str
    why: str
    effective: str | None = None
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"resource": self.reference, "why": self.why, "effective": self.effective, "value": self.value}


@dataclass(frozen=True)
class Provenance:
    """Where an input's value came from: the resource, the element and coding read, and its date."""

    resource_type: str
    resource_id: str
    element: str
    coding: Coding
    effective: str | None
    others: tuple[str, ...] = ()  # references ("Observation/id") of disagreeing resources not used
    source: str = ""  # the mapping row's Source: where its code is published, or "unverified"
    origin: str = ""  # the mapping row's place, such as FHIR!B7
    # Why this resource and not ``others``: "priority" when a row's priority set one of them aside, else
    # "newest" (the newest effective date won); "" when no resource disagreed.
    chosen_by: str = ""
    criteria: tuple[CriterionMatch, ...] = ()  # the codings that met the row's Requires, with their Sources

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.reference,
            "element": self.element,
            "system": self.coding.system,
            "code": self.coding.code,
            "effective": self.effective,
            "others": list(self.others),
            "source": self.source,
            "row": self.origin,
            "chosen_by": self.chosen_by,
            "criteria": [c.to_dict() for c in self.criteria],
        }


@dataclass(frozen=True)
class FhirCase:
    """The case read: only inputs some row matched (every other input is unknown), and where each came from.

    ``ambiguous``: inputs left unknown, with the resources that disagree. ``unread``: resources that met
    a row of an input but carry no value a row reads. ``set_aside``: resources that met a row but are
    no basis (their status, clinical status, or a date in the future).
    """

    case: dict[str, Any]
    provenance: dict[str, Provenance]
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unread: dict[str, tuple[NotUsed, ...]] = field(default_factory=dict)
    set_aside: dict[str, tuple[NotUsed, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Found:
    resource: Mapping[str, Any]
    path: str


MAX_NESTING = 32  # Bundles within Bundles: deeper is refused, not a recursion error


def _resources(data: Any, path: str, depth: int = 0) -> Iterator[_Found]:
    """Every resource in ``data`` (a resource or a Bundle, nested Bundles included), with its path."""
    if depth > MAX_NESTING:
        raise FhirError(path, f"Bundles nested more than {MAX_NESTING} deep")
    if not isinstance(data, Mapping):
        raise FhirError(path, "not a JSON object")
    kind = data.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise FhirError(path, "no resourceType")
    if kind != "Bundle":
        yield _Found(data, path)
        return
    entries = data.get("entry", [])
    where = f"{path}.entry" if path else "entry"
    if not isinstance(entries, list):
        raise FhirError(where, "a Bundle's entry is not a list")
    for number, entry in enumerate(entries):
        at = f"{where}[{number}]"
        if not isinstance(entry, Mapping):
            raise FhirError(at, "a Bundle entry is not a JSON object")
        if "resource" not in entry:
            continue  # an entry with only a link or search data carries no resource
        yield from _resources(entry["resource"], f"{at}.resource", depth + 1)


def _inputs(resources_or_bundles: Any) -> Iterator[_Found]:
    """Accept a resource, a Bundle, a prefetch mapping (key -> resource, Bundle or None), or a list of them."""
    if isinstance(resources_or_bundles, Mapping) and "resourceType" not in resources_or_bundles:
        for key, value in resources_or_bundles.items():
            if value is not None:
                yield from _resources(value, str(key))
    elif isinstance(resources_or_bundles, Mapping):
        yield from _resources(resources_or_bundles, "")
    elif isinstance(resources_or_bundles, Iterable) and not isinstance(resources_or_bundles, str | bytes):
        for number, value in enumerate(resources_or_bundles):
            if value is not None:
                yield from _resources(value, f"[{number}]")
    else:
        raise FhirError("", "not a resource, a Bundle, a prefetch object or a list of them")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _codings(concept: Any, path: str, text: bool = True) -> list[tuple[Coding, str]]:
    """The codings (and, with ``text``, its text) of a CodeableConcept, each with its path."""
    if concept is None:
        return []
    if not isinstance(concept, Mapping):
        raise FhirError(path, "a CodeableConcept is not a JSON object")
    found: list[tuple[Coding, str]] = []
    codings = concept.get("coding", [])
    if not isinstance(codings, list):
        raise FhirError(_join(path, "coding"), "coding is not a list")
    for number, coding in enumerate(codings):
        at = f"{_join(path, 'coding')}[{number}]"
        found.append((_coding(coding, at), at))
    if text and isinstance(concept.get("text"), str):
        found.append((Coding("", concept["text"]), _join(path, "text")))
    return found


def _coding(coding: Any, path: str) -> Coding:
    if not isinstance(coding, Mapping):
        raise FhirError(path, "a Coding is not a JSON object")
    system, code = coding.get("system", ""), coding.get("code", "")
    if not isinstance(system, str) or not isinstance(code, str):
        raise FhirError(path, "a Coding's system and code must be strings")
    return Coding(system, code)


def _value_codings(holder: Mapping[str, Any], path: str) -> list[tuple[Coding, str]]:
    """A value[x] read as codings: valueCodeableConcept, valueCoding or valueString."""
    found = _codings(holder.get("valueCodeableConcept"), _join(path, "valueCodeableConcept"))
    if "valueCoding" in holder:
        at = _join(path, "valueCoding")
        found.append((_coding(holder["valueCoding"], at), at))
    if isinstance(holder.get("valueString"), str):
        found.append((Coding("", holder["valueString"]), _join(path, "valueString")))
    return found


def _list(resource: Mapping[str, Any], name: str, path: str) -> list[tuple[Mapping[str, Any], str]]:
    items = resource.get(name, [])
    if not isinstance(items, list):
        raise FhirError(_join(path, name), f"{name} is not a list")
    found = []
    for number, item in enumerate(items):
        at = f"{_join(path, name)}[{number}]"
        if not isinstance(item, Mapping):
            raise FhirError(at, f"an item of {name} is not a JSON object")
        found.append((item, at))
    return found


def _element(resource: Mapping[str, Any], element: str, path: str) -> list[tuple[Coding, str]]:
    """The codings ``element`` (a mapping row's element) carries on ``resource``."""
    if element == "code":
        return _codings(resource.get("code"), _join(path, "code"))
    if element == "verificationStatus":
        return _codings(resource.get("verificationStatus"), _join(path, "verificationStatus"))
    if element == "value":
        return _value_codings(resource, path)
    if element.startswith("component:"):
        wanted = element.removeprefix("component:")
        found: list[tuple[Coding, str]] = []
        for component, at in _list(resource, "component", path):
            codes = _codings(component.get("code"), _join(at, "code"), text=False)
            if any(c.code == wanted for c, _ in codes):
                found.extend(_value_codings(component, at))
        return found
    if element.startswith("extension:"):
        url = element.removeprefix("extension:")
        found = []
        for extension, at in _list(resource, "extension", path):
            if extension.get("url") == url:
                found.extend(_value_codings(extension, at))
        return found
    return []


def _matches(coding: Coding, system: str, code: str) -> bool:
    if coding.system != system:
        return False
    return coding.code == code or coding.code.endswith(":" + code)


def _carries(
    resource: Mapping[str, Any], element: str, system: str, code: str, path: str, read: dict[str, Any] | None = None
) -> tuple[Coding, str] | None:
    """The first coding of ``element`` that matches; ``read`` keeps each element's codings for the next row."""
    codings = read.get(element) if read is not None else None
    if codings is None:
        codings = _element(resource, element, path)
        if read is not None:
            read[element] = codings
    for coding, at in codings:
        if _matches(coding, system, code):
            return coding, at
    return None


_FORMS = ("YYYY", "YYYY-MM", "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss+zz:zz")


def _instant(text: Any, path: str) -> datetime:
    """A FHIR dateTime as a UTC instant; a partial date is its first instant, so it sorts before later days."""
    if not isinstance(text, str) or (m := _DATETIME.fullmatch(text)) is None:
        raise FhirError(path, f"{text!r} is not a FHIR dateTime", _FORMS)
    try:
        stamp = datetime(
            int(m["y"]),
            int(m["m"] or 1),
            int(m["d"] or 1),
            int(m["H"] or 0),
            int(m["M"] or 0),
            min(int(m["S"] or 0), 59),
            tzinfo=UTC,
        )
        zone = m["z"]
        if zone and zone != "Z":
            sign = -1 if zone[0] == "+" else 1
            stamp += sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    except (ValueError, OverflowError):  # 2026-02-30, year 0000, or a zone that moves it out of the calendar
        raise FhirError(path, f"{text!r} is not a date of the calendar", _FORMS) from None
    return stamp


def _effective(resource: Mapping[str, Any], path: str) -> tuple[datetime, str] | None:
    """The resource's effective date (the first of DATE_ELEMENTS present), checked, with its text."""
    for name in DATE_ELEMENTS:
        if name not in resource:
            continue
        value = resource[name]
        if name == "effectivePeriod":
            if not isinstance(value, Mapping):
                raise FhirError(_join(path, name), "a Period is not a JSON object")
            for end in ("end", "start"):
                if end in value:
                    return _instant(value[end], _join(path, f"{name}.{end}")), value[end]
            continue
        return _instant(value, _join(path, name)), value
    return None


def _check(resource: Mapping[str, Any], path: str, read: dict[str, Any]) -> None:
    """Read every element a row or a status rule could name, so malformed FHIR is an error whichever rows
    match (the plain elements' codings are kept in ``read`` for the rows)."""
    if "status" in resource and (not isinstance(resource["status"], str) or not resource["status"]):
        raise FhirError(_join(path, "status"), f"{resource['status']!r} is not a status: a code, as a JSON string")
    for element in ("code", "verificationStatus", "value"):
        read[element] = _element(resource, element, path)
    read["clinicalStatus"] = _codings(resource.get("clinicalStatus"), _join(path, "clinicalStatus"), text=False)
    for component, at in _list(resource, "component", path):
        _codings(component.get("code"), _join(at, "code"))
        _value_codings(component, at)
    for extension, at in _list(resource, "extension", path):
        _value_codings(extension, at)


def _set_aside(resource: Mapping[str, Any], read: dict[str, Any], when: datetime | None, horizon: datetime) -> str:
    """Why the resource is no basis for any input ("" when it may be one)."""
    status = resource.get("status")
    kind = resource.get("resourceType")
    if status in IGNORED_STATUS or (kind == "Observation" and status not in OBSERVATION_STATUS):
        return status if isinstance(status, str) else "no status"
    if kind == "Condition":
        if any(c.code == "entered-in-error" for c, _ in read["verificationStatus"]):
            return "verificationStatus entered-in-error"
        past = [c.code for c, _ in read["clinicalStatus"] if c.code in PAST_CLINICAL_STATUS]
        if past:
            return f"clinicalStatus {past[0]}"
    if when is not None and when > horizon:
        return "dated in the future"
    return ""


@dataclass(frozen=True)
class _Reading:
    value: Any
    reference: str
    provenance: Provenance
    when: datetime | None
    rank: float  # the row's priority; a row without one ranks after every numbered row


@dataclass(frozen=True)
class _Seen:
    """What one resource says: values by input, inputs it contradicts itself on, and where it is no basis."""

    readings: dict[str, _Reading] = field(default_factory=dict)
    conflicts: frozenset[str] = frozenset()
    unread: dict[str, NotUsed] = field(default_factory=dict)
    set_aside: dict[str, NotUsed] = field(default_factory=dict)
    when: datetime | None = None


_NOTHING = _Seen()


def _reference(resource: Mapping[str, Any], path: str) -> tuple[str, str]:
    kind = resource["resourceType"]
    ident = resource.get("id")
    return kind, ident if isinstance(ident, str) and ident else (path or "?")


def _relative(at: str, path: str) -> str:
    return at[len(path) + 1 :] if path and at.startswith(path + ".") else at


def _met(
    resource: Mapping[str, Any], row: MappingRow, path: str, read: dict[str, Any], memo: dict[Any, Any]
) -> tuple[CriterionMatch, ...] | None:
    """The codings that meet each of ``row``'s Requires (None when one is not met); ``memo`` keeps each
    criterion's answer for the resource's other rows."""
    found: list[CriterionMatch] = []
    for need in row.requires:
        key: Any = id(need) if isinstance(need, Criterion) else (id(need), row.source)
        if key not in memo:
            memo[key] = None
            for number, (element, system, code) in enumerate(alternatives(need)):
                hit = _carries(resource, element, system, code, path, read)
                if hit is not None:
                    # A plain triple is the row's own condition: the row's Source vouches for it.
                    named = isinstance(need, Criterion)
                    name, source = (need.name, need.source_of(number)) if named else (element, row.source)
                    memo[key] = CriterionMatch(name, _relative(hit[1], path), hit[0], source or UNVERIFIED)
                    break
        if memo[key] is None:
            return None
        found.append(memo[key])
    return tuple(found)


def _shown(coding: Coding) -> str:
    return f"{coding.system}|{coding.code}" if coding.system else repr(coding.code)


def _unreadable(resource: Mapping[str, Any], rows: Sequence[MappingRow], path: str, read: dict[str, Any]) -> str:
    """Why no row gives a value: what each element the rows read carries, or that it is absent."""
    parts = []
    for element in dict.fromkeys(r.element for r in rows):
        codings = read.get(element)
        if codings is None:
            codings = read[element] = _element(resource, element, path)
        shown = ", ".join(_shown(c) for c, _ in codings)
        parts.append(f"{element} {shown} matches no row" if codings else f"no {element}")
    return "; ".join(parts)


def _read(rows: Sequence[MappingRow], found: _Found, horizon: datetime) -> _Seen:
    """What one resource says about each input whose rows it meets (see the module's rules)."""
    resource, path = found.resource, found.path
    kind = resource["resourceType"]
    mine = [r for r in rows if r.resource == kind]
    if not mine:
        return _NOTHING
    read: dict[str, Any] = {}  # each element's codings, read once for all the rows
    _check(resource, path, read)
    dated = _effective(resource, path)
    when, effective = (dated[0], dated[1]) if dated else (None, None)
    kind, ident = _reference(resource, path)
    reference = f"{kind}/{ident}"
    memo: dict[Any, Any] = {}
    readings: dict[str, _Reading] = {}
    conflicts: set[str] = set()
    met: dict[str, list[MappingRow]] = {}
    for row in mine:
        criteria = _met(resource, row, path, read, memo)
        if criteria is None:
            continue
        met.setdefault(row.input, []).append(row)
        hit = _carries(resource, row.element, row.system, row.code, path, read)
        if hit is None:
            continue
        coding, at = hit
        earlier = readings.get(row.input)
        if earlier is not None:
            if type(earlier.value) is not type(row.value) or earlier.value != row.value:
                conflicts.add(row.input)
            continue
        provenance = Provenance(
            kind,
            ident,
            _relative(at, path),
            coding,
            effective,
            source=row.source,
            origin=str(row.origin),
            criteria=criteria,
        )
        rank = float(row.priority) if row.priority is not None else float("inf")
        readings[row.input] = _Reading(row.value, reference, provenance, when, rank)
    if not met:
        return _NOTHING
    why = _set_aside(resource, read, when, horizon)
    if why:
        gives = {name: readings[name].value if name in readings and name not in conflicts else None for name in met}
        return _Seen(set_aside={name: NotUsed(reference, why, effective, gives[name]) for name in met}, when=when)
    for name in conflicts:
        del readings[name]
    unread = {
        name: NotUsed(reference, _unreadable(resource, mine_rows, path, read), effective)
        for name, mine_rows in met.items()
        if name not in readings and name not in conflicts
    }
    return _Seen(readings, frozenset(conflicts), unread, when=when)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def case_from_fhir(rows: Sequence[MappingRow], resources_or_bundles: Any, now: datetime | None = None) -> FhirCase:
    """Read a case from FHIR data through the mapping ``rows``; inputs no row matched are left out (unknown).

    ``resources_or_bundles`` is a resource, a Bundle, a CDS Hooks prefetch object
    (key -> resource, Bundle or None), or a list of them. ``now`` is the time of the
    call (default: the current UTC time; a naive datetime is taken as UTC): a resource
    dated more than a day after it is set aside. Raises FhirError for malformed FHIR and
    FhirMappingError for rows the reader cannot use.
    """
    problems = structural_problems(rows)
    if problems:
        raise FhirMappingError(problems)
    horizon = _now(now) + CLOCK_SKEW
    by_input: dict[str, list[_Reading]] = {}
    ambiguous: dict[str, list[str]] = {}
    unread: dict[str, list[tuple[NotUsed, datetime | None]]] = {}
    set_aside: dict[str, list[NotUsed]] = {}
    for found in _inputs(resources_or_bundles):
        seen = _read(rows, found, horizon)
        if seen is _NOTHING:
            continue
        for name, reading in seen.readings.items():
            by_input.setdefault(name, []).append(reading)
        for name in seen.conflicts:
            kind, ident = _reference(found.resource, found.path)
            ambiguous.setdefault(name, []).append(f"{kind}/{ident}")
        for name, not_used in seen.unread.items():
            unread.setdefault(name, []).append((not_used, seen.when))
        for name, not_used in seen.set_aside.items():
            set_aside.setdefault(name, []).append(not_used)
    case: dict[str, Any] = {}
    provenance: dict[str, Provenance] = {}
    floor = datetime.min.replace(tzinfo=UTC)
    for name, readings in by_input.items():
        first = min(r.rank for r in readings)
        ranked = [r for r in readings if r.rank == first]
        newest = max((r.when or floor) for r in ranked)
        top = [r for r in ranked if (r.when or floor) == newest]
        if any(not _same(r.value, top[0].value) for r in top):
            ambiguous.setdefault(name, []).extend(r.reference for r in top)
            continue
        chosen = top[0]
        newer = [n.reference for n, when in unread.get(name, ()) if (when or floor) >= (chosen.when or floor)]
        if newer:  # a record as new as the value says what no row reads: the value may be out of date
            ambiguous.setdefault(name, []).extend([chosen.reference, *newer])
            continue
        losing = [r for r in readings if not _same(r.value, chosen.value)]
        others = tuple(dict.fromkeys(r.reference for r in losing))
        how = ("priority" if any(r.rank != first for r in losing) else "newest") if losing else ""
        case[name] = chosen.value
        provenance[name] = dataclasses.replace(chosen.provenance, others=others, chosen_by=how)
    return FhirCase(
        case,
        provenance,
        {k: tuple(dict.fromkeys(v)) for k, v in ambiguous.items()},
        {k: tuple(n for n, _ in v) for k, v in unread.items()},
        {k: tuple(v) for k, v in set_aside.items()},
    )
