"""CDS Hooks 2.0.1 cards from a result and the FHIR record it was read from.

Pure functions (no web framework): the service calls them, tests call them
directly. Every word a clinician reads comes from the workbook: the summary
and indicator from its Cards sheet, the recommendation from its Wording
sheet, the reasons from its rules' annotations and citations, the input
labels from its Glossary. Python adds headings and structure only, and
escapes the workbook's text so that Markdown never changes what it says.

A card is never made up: a decision whose code the Cards sheet has no
summary for gets the sheet's ``no_decision`` situation card, saying so; a
model whose sheet lacks that card too raises :class:`CardError`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .cards import SUMMARY_LIMIT, CardRules, SituationCard
from .engine import DecisionModel
from .errors import DmnError, EvaluationError, InputError
from .feel_types import json_value
from .fhir_case import FhirCase, NotUsed, Provenance, case_from_fhir
from .fhir_mapping import UNVERIFIED, Coding, MappingRow
from .result import Result

# The card's source.topic: a Coding names its system (CDS Hooks 2.0.1 §Coding); the code is the model identifier.
TOPIC_SYSTEM = "urn:atc-dmn:model"
MAX_LISTED = 10  # resources listed per input before "and N more": a card stays readable with a long history
CHOSEN_BY = ("newest", "priority")


class CardError(DmnError):
    """No card can be built: the Cards sheet lacks what the case needs (``situation`` or ``output``/``code``)."""

    def __init__(self, message: str, situation: str = "", output: str = "", code: str = "") -> None:
        self.message = message
        self.situation = situation
        self.output = output
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Basis:
    """What a case was read from: the reader's :class:`FhirCase`, and for each input several resources
    gave different values for, which reading rule chose the one used (``newest`` or ``priority``)."""

    fhir: FhirCase
    chosen_by: Mapping[str, str] = field(default_factory=dict)

    def references(self) -> list[str]:
        """Every resource reference the case used or set aside, once each, in input order."""
        found: dict[str, None] = {}
        for prov in self.fhir.provenance.values():
            found[prov.reference] = None
            found.update(dict.fromkeys(prov.others))
        for refs in self.fhir.ambiguous.values():
            found.update(dict.fromkeys(refs))
        for listed in (*self.fhir.unread.values(), *self.fhir.set_aside.values()):
            found.update(dict.fromkeys(n.reference for n in listed))
        return list(found)


def basis_of(rows: Sequence[MappingRow], data: Any, now: datetime | None = None) -> Basis:
    """Read the case from FHIR ``data`` through the mapping ``rows`` (FhirError if the FHIR is malformed);
    ``now`` is the time of the call (default: the current UTC time)."""
    fhir = case_from_fhir(rows, data, now)
    return Basis(fhir, {k: p.chosen_by for k, p in fhir.provenance.items() if p.others})


def card_for(model: DecisionModel, answer: Result | InputError | EvaluationError, basis: Basis) -> dict[str, Any]:
    """The card for an evaluation's answer: its recommendation, or the Cards sheet's situation card.

    A refused case (InputError) gets the ``input_error`` card; an undecided one (EvaluationError)
    and a decision the Cards sheet has no summary for get ``no_decision``. Neither recommends.
    """
    rules = _rules(model)
    if isinstance(answer, InputError):
        return situation_card(model, "input_error", answer, basis)
    if isinstance(answer, EvaluationError):
        return situation_card(model, "no_decision", answer, basis)
    if rules.summary_for(answer.decision) is None:
        return situation_card(model, "no_decision", _no_summary(rules, answer), basis)
    return recommendation_card(model, answer, basis)


def recommendation_card(model: DecisionModel, result: Result, basis: Basis) -> dict[str, Any]:
    """The card for a decision: the Cards sheet's summary and indicator, and the basis in ``detail``."""
    rules = _rules(model)
    row = rules.summary_for(result.decision)
    if row is None:
        raise _no_summary(rules, result)
    detail = _join(
        _recommendation(model, result),
        _why(result),
        _cited(result),
        _inputs_used(model, basis),
        _set_aside(model, basis),
        _ambiguous(model, basis),
        _unknown(model, basis, result.inputs, result.decision),
        _notice(model),
        _identity(model),
    )
    indicator = rules.indicator_for(result.decision).indicator
    return _card(model, _summary(row.summary, f"{row.output} = {row.code}"), indicator, detail)


def situation_card(model: DecisionModel, situation: str, error: DmnError, basis: Basis) -> dict[str, Any]:
    """The Cards sheet's card for ``situation`` (``input_error``, ``no_decision``): what does not fit, and the
    resources it came from; never a recommendation."""
    card = _rules(model).situation(situation)
    if card is None:
        raise CardError(
            f"the Cards sheet has no '{situation}' situation card, so this case has no card: add one", situation
        )
    detail = _join(
        _problem(model, error, basis),
        _inputs_used(model, basis),
        _set_aside(model, basis),
        _ambiguous(model, basis),
        _unknown(model, basis, {}),
        _notice(model),
        _identity(model),
    )
    return _card(model, _summary(card.summary, f"situation {situation}"), _situation_indicator(card), detail)


# -- the card ---------------------------------------------------------------------


def _rules(model: DecisionModel) -> CardRules:
    rules = model.model.cards
    if not isinstance(rules, CardRules):
        raise CardError("the model has no Cards sheet, so it gives no CDS Hooks cards")
    return rules


def _no_summary(rules: CardRules, result: Result) -> CardError:
    output = rules.summary_output
    code = result.decision.get(output)
    return CardError(f"the Cards sheet has no summary for {output} = {_code(code)}", output=output, code=_code(code))


def _summary(text: str, what: str) -> str:
    """The workbook's summary as given: never cut (a cut sentence can say something else)."""
    summary = " ".join(text.split())
    if not summary or len(summary) >= SUMMARY_LIMIT:
        raise CardError(
            f"the Cards sheet's summary for {what} has {len(summary)} characters; CDS Hooks needs 1 to "
            f"{SUMMARY_LIMIT - 1}"
        )
    return summary


def _situation_indicator(card: SituationCard) -> str:
    return card.indicator


def _card(model: DecisionModel, summary: str, indicator: str, detail: str) -> dict[str, Any]:
    ident = model.identity
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": indicator,
        "detail": detail,
        "source": {
            "label": f"{ident.name} {ident.version}",
            "topic": {"system": TOPIC_SYSTEM, "code": ident.identifier or ident.name, "display": ident.name},
        },
    }


# -- Markdown ---------------------------------------------------------------------

# GitHub Flavored Markdown's inline syntax, and the table cell separator: escaped with a backslash.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")


def md(text: Any) -> str:
    """Workbook text as literal Markdown: one line, every character GFM could read as syntax escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(value: Any) -> str:
    """A code or value as the workbook writes it (true/false for booleans, ISO 8601 for dates)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_code(v) for v in value)
    if isinstance(value, str | int | float):
        return str(value)
    return str(json_value(value))


def _literal(value: Any) -> str:
    """A code in a code span, which shows its text as is (one with a backtick inside takes a double fence)."""
    text = " ".join(_code(value).split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _join(*sections: str) -> str:
    return "\n\n".join(s for s in sections if s)


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _listed(refs: Sequence[str]) -> str:
    shown = ", ".join(md(r) for r in refs[:MAX_LISTED])
    return shown + (f" and {len(refs) - MAX_LISTED} more" if len(refs) > MAX_LISTED else "")


# -- the sections -----------------------------------------------------------------


def _labels(model: DecisionModel) -> dict[str, str]:
    """Each input's and output's label from the Glossary, by key."""
    labels = {v.key: v.name for v in model.model.variables_with_role("output")}
    labels.update({spec.key: spec.name or spec.key for spec in model.inputs})
    return labels


def _recommendation(model: DecisionModel, result: Result) -> str:
    labels = {v.key: v.name for v in model.model.variables_with_role("output")}
    lines = []
    for key, value in result.decision.items():
        wording = result.text.get(key)
        label = f"**{md(labels.get(key, key))}**"
        if isinstance(value, list):
            items = [f"  - {_literal(c)}: {md(t)}" for c, t in zip(value, wording or [])]
            lines.append(f"- {label}: none" if not value else f"- {label}:\n" + "\n".join(items))
        else:
            lines.append(f"- {label} {_literal(value)}: {md(wording if wording is not None else '')}")
    return "### Recommendation\n\n" + "\n".join(lines)


def _why(result: Result) -> str:
    parts = []
    for step in result.trace:
        rules = []
        for rule in step.rules:
            notes = dict(rule.annotations) or ({"": rule.annotation} if rule.annotation else {})
            said = "; ".join(f"{md(k)}: {md(v)}" if k and len(notes) > 1 else md(v) for k, v in notes.items())
            cites = " " + " ".join(f"\\[{md(c)}\\]" for c in rule.citations) if rule.citations else ""
            where = f"{md(rule.sheet)}, row {rule.row}"
            rules.append(f"rule {_literal(rule.id)} ({where}){': ' + said if said else ''}{cites}")
        fired = _bullets(rules) if rules else "- no rule fired"
        parts.append(f"**{md(step.table)}**\n\n{fired}")
    return "### Why\n\n" + "\n\n".join(parts) if parts else ""


def _cited(result: Result) -> str:
    lines = []
    for ref in result.references:
        entry = ref.get("entry")
        if entry:
            text = ". ".join(str(entry[k]).rstrip(". ") for k in ("title", "source", "year") if entry.get(k))
            what = f"{md(entry['entry'])}: {md(text)}"
        else:
            what = "no listed reference"
        status = ref.get("status", "")
        how = {"unpaired": "unpaired", "model_source": "the model's own source"}.get(status, f"pairing {status}")
        reason = f" {md(ref['reason'])}" if ref.get("reason") else ""
        lines.append(f"\\[{md(ref['citation'])}\\] {what} ({md(how)}){reason}")
    return "### References cited\n\n" + _bullets(lines) if lines else ""


def _source(source: str) -> str:
    source = source.strip()
    if not source or source == UNVERIFIED:
        return "**unverified**"
    return md(source)


def _coding(coding: Coding) -> str:
    return f"{coding.system}|{coding.code}" if coding.system else coding.code


def _criteria(prov: Provenance) -> str:
    """What made the resource count for its row (C73, the histology, the gene), each with its Source."""
    met = [f"{md(c.criterion)}: {md(_coding(c.coding))} ({_source(c.source)})" for c in prov.criteria]
    return "; ".join(met) or "none"


def _inputs_used(model: DecisionModel, basis: Basis) -> str:
    labels = _labels(model)
    rows = [
        "| Input | Value | Resource | Element | Date | Code | Code source | Criteria met (source) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, prov in basis.fhir.provenance.items():
        value = basis.fhir.case.get(key)
        rows.append(
            f"| {md(labels.get(key, key))} | {_literal(value)} | {md(prov.reference)} | {md(prov.element)} "
            f"| {md(prov.effective or 'no date')} | {md(_coding(prov.coding))} | {_source(prov.source)} "
            f"| {_criteria(prov)} |"
        )
    if len(rows) == 2:
        return "### Inputs read from the record\n\nnone: no resource matched the model's FHIR mapping"
    return "### Inputs read from the record\n\n" + "\n".join(rows)


def _set_aside(model: DecisionModel, basis: Basis) -> str:
    labels = _labels(model)
    lines = []
    for key, prov in basis.fhir.provenance.items():
        if not prov.others:
            continue
        how = basis.chosen_by.get(key, "newest")
        lines.append(
            f"{md(labels.get(key, key))}: {_listed(prov.others)} gave another value; "
            f"{md(prov.reference)} was used ({md(how)})"
        )
    for kind, listed in (("not used", basis.fhir.set_aside), ("not read", basis.fhir.unread)):
        for key, not_used in listed.items():
            shown = [_not_used(n) for n in not_used[:MAX_LISTED]]
            more = f" and {len(not_used) - MAX_LISTED} more" if len(not_used) > MAX_LISTED else ""
            lines.append(f"{md(labels.get(key, key))}, {kind}: " + "; ".join(shown) + more)
    return "### Resources not used\n\n" + _bullets(lines) if lines else ""


def _not_used(item: NotUsed) -> str:
    """A resource that met a row but is no basis: why, its date, and the value it would have given."""
    gives = f", would give {_literal(item.value)}" if item.value is not None else ""
    return f"{md(item.reference)} ({md(item.why)}, {md(item.effective or 'no date')}{gives})"


def _ambiguous(model: DecisionModel, basis: Basis) -> str:
    labels = _labels(model)
    lines = []
    for key, refs in basis.fhir.ambiguous.items():
        unread = {n.reference for n in basis.fhir.unread.get(key, ())}
        newer = [r for r in refs if r in unread]
        older = [r for r in refs if r not in unread]
        why = f"{_listed(refs)} disagree"
        if newer:  # a record the mapping cannot read is not older than the value that would have been used
            why = f"no row reads {_listed(newer)}, which is not older than {_listed(older)}"
        lines.append(f"{md(labels.get(key, key))}: {why}; left unknown")
    return "### Ambiguous in the record\n\n" + _bullets(lines) if lines else ""


def _unknown(
    model: DecisionModel, basis: Basis, seen: Mapping[str, Any], decision: Mapping[str, Any] | None = None
) -> str:
    """The model's inputs the record did not give: unknown, the model's default (which the result shows), or
    derived by the model instead (the recorded stage, from T, N and M), in the Glossary's words."""
    lines = []
    for spec in model.inputs:
        if spec.key in basis.fhir.case:
            continue
        value = seen.get(spec.key)
        used = f": the model used its default {_literal(value)}" if value is not None else ""
        if not used and decision and decision.get(spec.key) in spec.allowed:
            used = _derived(model, spec.key, decision, basis.fhir.case)
        lines.append(f"{md(spec.name or spec.key)}{used}")
    return "### Inputs not in the record\n\n" + _bullets(lines) if lines else ""


def _derived(model: DecisionModel, key: str, decision: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """For an absent input that an output of the same key stands for (Stage (given) and Stage), with a value
    the input could have had (not "unknown"): that value, derived instead, and the record's inputs it came
    from, followed through the tables' columns."""
    variables = model.model.variables
    output = next((v for v in variables.values() if v.role == "output" and v.key == key), None)
    if output is None or decision.get(key) is None:
        return ""
    absent = {name for name, v in variables.items() if v.role == "input" and v.key == key}
    made_by = {column.variable: table for table in model.model.tables for column in table.outputs}
    sources: list[str] = []
    todo, seen = [output.name], set(absent)
    while todo:
        table = made_by.get(todo.pop(0))
        for column in table.inputs if table is not None else ():
            name = column.variable
            variable = variables.get(name)
            if name in seen or variable is None:
                continue
            seen.add(name)
            if variable.role != "input":
                todo.append(name)
            elif variable.key in record:
                sources.append(name)
    origin = f" from {md(', '.join(sources))}" if sources else ""
    return f": the model derived {md(output.name)} {_literal(decision[key])}{origin} instead"


def _problem(model: DecisionModel, error: DmnError, basis: Basis) -> str:
    """What does not fit: the model's own message, the inputs involved, and the resources they came from."""
    labels = _labels(model)
    message = getattr(error, "message", None) or str(error)
    lines = [md(message)]
    involved: list[str] = []
    variables = model.model.variables
    if isinstance(error, InputError):
        # The field at fault, the values it conflicts with, and what the refusing check table saw.
        seen = error.trace[-1].inputs if error.trace else {}
        involved = [k for k in (error.field, *error.related) if isinstance(k, str)]
        involved += [variables[n].key for n in seen if n in variables]
    elif isinstance(error, EvaluationError):  # its inputs are the undecided table's, by variable name
        involved = [variables[n].key if n in variables else n for n in error.inputs if isinstance(n, str)]
    for key in dict.fromkeys(involved):
        prov = basis.fhir.provenance.get(key)
        if prov is None:
            continue
        value = basis.fhir.case.get(key)
        lines.append(
            f"{md(labels.get(key, key))} {_literal(value)} from {md(prov.reference)} ({md(prov.element)}, "
            f"{md(prov.effective or 'no date')})"
        )
    return "### What does not fit\n\n" + _bullets(lines)


def _notice(model: DecisionModel) -> str:
    notice = model.info.notice
    return f"### Notice\n\n{md(notice)}" if notice else ""


def _identity(model: DecisionModel) -> str:
    ident = model.identity
    return (
        "### Model\n\n"
        f"{md(ident.name)}: identifier {_literal(ident.identifier)}, version {_literal(ident.version)}, "
        f"SHA-256 {_literal(ident.sha256)}"
    )
