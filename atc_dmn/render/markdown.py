"""The model as GitHub-flavoured Markdown: a text a reviewer reads, and whose diff shows what an edit changed.

Deterministic: the same view always gives the same bytes (no date, no path,
the workbook's own order), so the committed Markdown of a workbook changes
exactly when the workbook's content does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import ModelError
from .model_view import ModelView, TableView

GENERATED = "Generated from the workbook by `atc-dmn render --format markdown`: edit the workbook, not this file."


def _text(value: str) -> str:
    """Prose in a table cell or a paragraph: Markdown's active characters escaped, lines joined with <br>."""
    for char in ("\\", "`", "*", "<", ">", "|"):
        value = value.replace(char, "\\" + char)
    return "<br>".join(line.strip() for line in value.strip().splitlines())


def _code(value: str) -> str:
    """A cell as typed, in a code span (its pipes escaped, as GFM tables need even there)."""
    if not value:
        return ""
    fence = "``" if "`" in value else "`"
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value.replace('|', chr(92) + '|')}{pad}{fence}"


def _table(heads: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _link(text: str, target: str) -> str:
    return f"[{text}](#{target})" if target else text


def _heading(level: int, text: str, target: str) -> list[str]:
    return [f'{"#" * level} <a id="{target}"></a>{_text(text)}', ""]


def _identity(view: ModelView) -> list[str]:
    rows = [(k, _code(v) if k == "SHA-256" else _text(v)) for k, v in view.identity.rows()]
    lines = [f"# {_text(view.identity.name)}", "", f"<!-- {GENERATED} -->", "", *_table(("Property", "Value"), rows)]
    if view.notice:
        lines += [f"> **Notice.** {_text(view.notice)}", ""]
    return lines


def _contents(view: ModelView) -> list[str]:
    parts = [
        ("Decision requirements", "decision-requirements"),
        ("Glossary", "glossary"),
        ("Decision tables", "decision-tables"),
    ]
    if view.wording:
        parts.append(("Output wording", "wording"))
    if view.citations or view.references:
        parts.append(("References", "references"))
    if view.mapping:
        parts.append(("FHIR mapping", "fhir-mapping"))
    if view.cards is not None:
        parts.append(("CDS Hooks cards", "cards"))
    if view.tests:
        parts.append(("Test cases", "tests"))
    lines = ["## Contents", ""]
    for title, target in parts:
        lines.append(f"- [{title}](#{target})")
        if target == "decision-tables":
            lines += [f"  - [{_text(t.name)}](#{t.anchor})" for t in view.tables]
    return [*lines, ""]


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def _drd(view: ModelView) -> list[str]:
    drd = view.drd
    ids = {node.id: f"n{i}" for i, node in enumerate(drd.nodes)}
    lines = [*_heading(2, "Decision requirements", "decision-requirements")]
    lines += [
        "Inputs (rounded) feed the tables that read them; a table feeds the tables that read what it decides.",
        "",
    ]
    lines += ["```mermaid", "flowchart LR"]
    for node in drd.nodes:
        label = _mermaid_label(node.label)
        if node.kind == "input":
            lines.append(f'  {ids[node.id]}(["{label}"])')
        else:
            decided = "<br>".join(_mermaid_label(d) for d in node.decides)
            lines.append(f'  {ids[node.id]}["<b>{label}</b><br>{decided}"]')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in drd.edges]
    lines += ["```", ""]
    rows = [
        (
            _link(_text(t.name), t.anchor),
            f"{t.hit_policy} ({t.hit_policy_name})" if t.hit_policy_name else t.hit_policy,
            _text(", ".join(t.reads)),
            _text(", ".join(t.decides)),
        )
        for t in view.tables
    ]
    return lines + _table(("Table", "Hit policy", "Reads", "Decides"), rows)


def _glossary(view: ModelView) -> list[str]:
    typed = any(g.type for g in view.glossary)  # the Type column only where the Glossary declares types
    rows = [
        (
            _text(g.name),
            _code(g.key),
            g.role,
            *([g.type] if typed else []),
            _code(g.allowed),
            _code(g.default),
            _text(g.meaning),
        )
        for g in view.glossary
    ]
    heads = ("Variable", "Key", "Role", *(["Type"] if typed else []), "Allowed values", "Default", "Meaning")
    return [*_heading(2, "Glossary", "glossary"), *_table(heads, rows)]


def _decision_table(table: TableView) -> list[str]:
    lines = _heading(3, table.name, table.anchor)
    if table.purpose:
        lines += [_text(table.purpose), ""]
    policy = f"**{table.hit_policy}** ({table.hit_policy_name})" if table.hit_policy_name else f"**{table.hit_policy}**"
    where = f"sheet {_code(table.sheet)}, {table.cell}" if table.sheet else ""
    count = f"{len(table.rules)} rule{'' if len(table.rules) == 1 else 's'}"
    lines += [f"Hit policy {policy}; {count}" + (f"; {where}" if where else "") + ".", ""]
    for col in table.columns:
        allowed = _code(col.allowed) if col.allowed else "any value"
        lines.append(f"- {'output' if col.output else 'input'} **{_text(col.variable)}**: {allowed}")
    lines.append("")
    heads = (
        "Rule",
        *(("→ " if c.output else "") + _text(c.variable) for c in table.columns),
        *map(_text, table.note_headings),
        "Citations",
    )
    rows = [
        (
            f'<a id="{rule.anchor}"></a>{_text(rule.id)}',
            *map(_code, rule.cells),
            *(_text(text) for _, text in rule.notes),
            ", ".join(_link(c.number, c.anchor) for c in rule.citations),
        )
        for rule in table.rules
    ]
    return lines + _table(heads, rows)


def _wording(view: ModelView) -> list[str]:
    if not view.wording:
        return []
    lines = _heading(2, "Output wording", "wording")
    lines += ["What a person reads for each code an output gives.", ""]
    rows = [(_code(w.output), _code(w.code), _text(w.text)) for w in view.wording]
    return lines + _table(("Output", "Code", "Text"), rows)


def _references(view: ModelView) -> list[str]:
    if not view.citations and not view.references:
        return []
    lines = _heading(2, "References", "references")
    if view.citations:
        lines += ["Each citation number a rule gives, the reference entry it is paired with, and how sure that is.", ""]
        rows = [
            (
                f'<a id="{c.anchor}"></a>{_text(c.number)}',
                _link(_text(c.entry), c.entry_anchor),
                c.status,
                _text(c.reason),
            )
            for c in view.citations
        ]
        lines += _table(("Citation", "Entry", "Status", "Reason"), rows)
    listed = [r for r in view.references if not r.own]
    own = [r for r in view.references if r.own]
    if listed:
        lines += ["The source's reference list:", ""]
        rows = [
            (f'<a id="{r.anchor}"></a>{_text(r.entry)}', _text(r.kind), _text(r.title), _text(r.source), r.year)
            for r in listed
        ]
        lines += _table(("Entry", "Type", "Title", "Source", "Year"), rows)
    if own:
        lines += ["The model's own sources (not the source's):", ""]
        rows = [(f'<a id="{r.anchor}"></a>{_text(r.entry)}', _text(r.title), _text(r.source), r.year) for r in own]
        lines += _table(("Model source", "Title", "Source", "Year"), rows)
    return lines


def _mapping(view: ModelView) -> list[str]:
    if not view.mapping:
        return []
    lines = _heading(2, "FHIR mapping", "fhir-mapping")
    lines += [
        "An input takes the value when a resource carries the code in the element and every requirement holds on"
        " the same resource; an input value with no row is never read from FHIR.",
        "",
    ]
    rows = [
        (
            m.cell,
            _code(m.input),
            _code(m.value),
            m.resource,
            _code(m.element),
            _code(f"{m.system}|{m.code}" if m.system else m.code),
            _text(m.requires),
            m.priority,
            _text(m.source) if m.verified else f"**{_text(m.source or 'unverified')}**",
        )
        for m in view.mapping
    ]
    heads = ("Row", "Input", "Value", "Resource", "Element", "Code", "Requires", "Priority", "Code's source")
    lines += _table(heads, rows)
    if view.criteria:
        lines += ["Criteria a row may require (any one of the codes holds):", ""]
        rows = [(_text(c.name), "<br>".join(_code(a) for a in c.alternatives)) for c in view.criteria]
        lines += _table(("Criterion", "Any of"), rows)
    return lines


def _cards(view: ModelView) -> list[str]:
    cards = view.cards
    if cards is None:
        return []
    lines = _heading(2, "CDS Hooks cards", "cards")
    if cards.summaries:
        lines += ["The card's summary by the code of an output:", ""]
        lines += _table(("Output", "Code", "Summary"), ((_code(o), _code(c), _text(s)) for o, c, s in cards.summaries))
    if cards.indicators:
        lines += ["The card's indicator: the first row that holds.", ""]
        lines += _table(("Indicator", "When"), ((i, _text(w)) for i, w in cards.indicators))
    if cards.situations:
        lines += ["The card when no recommendation can be given:", ""]
        lines += _table(("Situation", "Indicator", "Summary"), ((s, i, _text(t)) for s, i, t in cards.situations))
    return lines


def _tests(view: ModelView) -> list[str]:
    if not view.tests:
        return []
    lines = _heading(2, "Test cases", "tests")
    rows = [
        (_text(t.id), _text(t.description), _code(t.inputs), _code(t.expected), _text(t.reason)) for t in view.tests
    ]
    return lines + _table(("Case", "Description", "Inputs", "Expected", "Reason"), rows)


def to_markdown(view: ModelView) -> str:
    """The whole model as one Markdown document."""
    lines = [*_identity(view), *_contents(view), *_drd(view), *_glossary(view)]
    lines += _heading(2, "Decision tables", "decision-tables")
    for table in view.tables:
        lines += _decision_table(table)
    lines += [*_wording(view), *_references(view), *_mapping(view), *_cards(view), *_tests(view)]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def refused_markdown(error: ModelError) -> str:
    """What a workbook that does not load reads as, for a diff: every error with its cell (``git log -p`` goes on)."""
    found = [f for f in error.findings if getattr(f, "severity", "error") == "error"] or [error]
    lines = ["# This version of the workbook does not load", ""]
    for item in found:
        where = item.location or "(whole file)"
        lines.append(f"- {_code(where)}: {_text(' '.join(item.message.split()))} \\[{item.code}\\]")
    return "\n".join(lines) + "\n"
