"""Render a :class:`Result` as text a clinician can read at a glance."""

from __future__ import annotations

import textwrap

from .engine import DecisionModel
from .feel_value import code as _code
from .result import Result

WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _entry_text(entry: dict) -> str:
    """Title as given (verbatim), then source and year, as a reference list reads."""
    title = entry["title"] if entry["title"].endswith(".") else entry["title"] + "."
    where = ", ".join(part for part in (entry["source"], entry["year"]) if part)
    return f"{title} {where}" if where else title


def _citation_line(ref: dict) -> str:
    """One cited reference, with how sure its pairing is: never a guessed entry shown as fact."""
    n, entry, status = ref["citation"], ref["entry"], ref["status"]
    reason = f". Reason: {ref['reason']}" if ref["reason"] and entry else ""
    if status == "model_source" and entry:
        return f"[{n}] the model's own source: {_entry_text(entry)}"
    if entry:
        return f"[{n}] {status} pairing with entry {entry['entry']}: {_entry_text(entry)}{reason}"
    return f"[{n}] not paired with a listed reference: {ref['reason'] or 'the source does not say which it is.'}"


def render_text(result: Result, model: DecisionModel) -> str:
    m = result.model
    labels = {v.key: v.name for v in model.model.variables_with_role("output")}
    lines = [f"{m.name} {m.version} (effective {m.effective_date or 'n/a'}; workbook sha256 {m.sha256[:12]})", ""]
    lines.append("RECOMMENDATION")
    width = max(len(labels.get(k, k)) for k in result.decision)
    for key, value in result.decision.items():
        if isinstance(value, list):
            continue
        label = labels.get(key, key)
        lines.append(f"  {label:<{width}}  {_code(value)}")
        lines.append(_wrap(str(result.text[key]), "  " + " " * (width + 2)))
    for key, value in result.decision.items():
        if not isinstance(value, list):
            continue
        lines += ["", f"{labels.get(key, key).upper()} ({len(value)})"]
        for code, text in zip(value, result.text[key]):
            lines.append(_wrap(f"- {code}: {text}", "  "))
    given = {k: v for k, v in result.inputs.items() if v is not None}
    lines += ["", "CASE (as evaluated, defaults filled in)"]
    lines.append(_wrap(", ".join(f"{k}={_code(v)}" for k, v in given.items()) or "(no inputs)", "  "))
    lines += ["", "WHY (rules fired, table by table)"]
    for step in result.trace:
        for rule in step.rules:
            cites = f" [{', '.join(map(str, rule.citations))}]" if rule.citations else ""
            lines.append(_wrap(f"{step.table} {rule.id}: {rule.annotation}{cites}", "  "))
    lines += ["", "REFERENCES"]
    for ref in result.references:
        lines.append(_wrap(_citation_line(ref), "  "))
    own = [e for e in result.reference_list if e["own"]]
    listed = [e for e in result.reference_list if not e["own"]]
    if listed:
        lines.append("  Reference list, as the source gives it (unnumbered there; labelled here):")
        for entry in listed:
            lines.append(_wrap(f"{entry['entry']}. {_entry_text(entry)}", "    "))
    if own:
        lines.append("  The model's own sources (not the source's):")
        for entry in own:
            lines.append(_wrap(f"{entry['entry']}. {_entry_text(entry)}", "    "))
    if result.notice:
        lines += ["", _wrap(f"NOTICE: {result.notice}", "")]
    return "\n".join(lines) + "\n"


def render_inputs(model: DecisionModel) -> str:
    lines = [f"Inputs of {model.info.name} {model.info.version} (all optional unless marked required)", ""]
    for spec in model.inputs:
        allowed = ", ".join(_code(v) for v in spec.allowed if v is not None) or spec.kind
        extra = []
        if spec.default is not None:
            extra.append(f"missing means {_code(spec.default)}")
        if not spec.optional:
            extra.append("required")
        tail = f" ({'; '.join(extra)})" if extra else ""
        lines.append(f"{spec.key}  [{spec.kind}]{tail}")
        lines.append(_wrap(spec.meaning, "    "))
        lines.append(_wrap(f"allowed: {allowed}", "    "))
    return "\n".join(lines) + "\n"
