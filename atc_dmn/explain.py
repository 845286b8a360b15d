"""Render a :class:`Result` as text a clinician can read at a glance."""

from __future__ import annotations

import textwrap

from .engine import DecisionModel
from .result import Result

WIDTH = 100


def _code(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def render_text(result: Result, model: DecisionModel) -> str:
    m = result.model
    labels = {v.key: v.name for v in model.model.variables.values() if v.role == "output"}
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
        entry = ref["entry"]
        if entry:
            lines.append(_wrap(f"[{ref['citation']}] {entry['title']} {entry['source']}, {entry['year']}", "  "))
        else:
            lines.append(_wrap(f"[{ref['citation']}] {ref['note'] or 'not paired with a listed reference'}", "  "))
    if result.reference_list:
        lines.append("  Reference list, as the source gives it:")
        for entry in result.reference_list:
            lines.append(_wrap(f"{entry['entry']}. {entry['title']} {entry['source']}, {entry['year']}", "    "))
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
