"""The model as one self-contained HTML page: readable on screen, printable for sign-off.

Everything is in the page (CSS and the diagram's SVG inline, no script, no
font or image to fetch), so it opens offline and from an e-mail attachment.
The print style keeps each rule's row on one page and repeats a table's
heading row on every page it spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from .drd_svg import to_svg
from .model_view import ModelView, TableView

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b;
  margin: 0 auto; padding: 1.5rem; max-width: 96rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; border-bottom: 2px solid #4a6f96; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; width: 100%; }
th, td { border: 1px solid #b8c2cc; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; }
td.cell, td.code { overflow-wrap: break-word; }
td.cell, td.code, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
td.out { background: #f6f9f2; }
td.prose { white-space: pre-line; min-width: 14rem; }
td.rule-id { font-weight: bold; white-space: nowrap; position: relative; }
td.rule-id a { color: inherit; text-decoration: none; }
tr.rule td.rule-id a { position: absolute; inset: 0; padding: .3rem .45rem; }  /* the whole cell links to the rule */
span.any { color: #8a949e; }
dl.identity { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .6rem 0 1rem; }
dl.identity dt { font-weight: bold; }
dl.identity dd { margin: 0; overflow-wrap: anywhere; }
.notice { border-left: 5px solid #c77700; background: #fff6e5; padding: .6rem .9rem; margin: 1rem 0; }
.meta { color: #444; margin: .2rem 0 .5rem; }
.unverified { color: #9a3b00; font-weight: bold; }
nav ul { columns: 2; margin: .3rem 0; }
.drd-wrap { overflow-x: auto; border: 1px solid #d5dbe1; padding: .4rem; }
svg.drd { max-width: 100%; height: auto; font-family: system-ui, "DejaVu Sans", sans-serif; }
ul.columns { margin: .2rem 0 .6rem; padding-left: 1.2rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { font-size: 10pt; padding: 0; max-width: none; }
  nav { display: none; }
  h2, h3 { break-after: avoid; }
  table { break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th, td { padding: .2rem .3rem; }
  td.cell, td.code, code { font-size: 8pt; }
  td.prose { min-width: 10rem; }
  .drd-wrap { overflow: visible; border: none; break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  th { background: #e8eef5 !important; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _c(text: str) -> str:
    """A code or cell, escaped, with a line-break opportunity after ``_``, ``/``, ``|`` and ``.``: long codes
    (``"reassess_resectability_after_response"``, code system URLs) then wrap instead of widening the table
    past the printed page."""
    return re.sub(r"([_/|.])(?=\w)", r"\1<wbr>", _e(text))


def _table(
    heads: Sequence[str], rows: Iterable[Sequence[str]], classes: Sequence[str] = (), cls: str = "", row_cls: str = ""
) -> str:
    """A table of already-escaped cells; ``classes`` gives each column's cell class."""
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{classes[i]}">{c}</td>' if i < len(classes) and classes[i] else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        body.append(f'<tr class="{row_cls}">{cells}</tr>' if row_cls else f"<tr>{cells}</tr>")
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def _link(text: str, target: str) -> str:
    return f'<a href="#{target}">{_e(text)}</a>' if target else _e(text)


def _identity(view: ModelView) -> str:
    rows = "".join(
        f"<dt>{_e(k)}</dt><dd>{f'<code>{_e(v)}</code>' if k == 'SHA-256' else _e(v)}</dd>"
        for k, v in view.identity.rows()
    )
    notice = f'<p class="notice" id="notice"><strong>Notice.</strong> {_e(view.notice)}</p>' if view.notice else ""
    return f'<header><h1>{_e(view.identity.name)}</h1><dl class="identity">{rows}</dl>{notice}</header>'


def _contents(view: ModelView) -> str:
    items = [
        ("Decision requirements", "decision-requirements"),
        ("Glossary", "glossary"),
        *((f"Table: {t.name}", t.anchor) for t in view.tables),
    ]
    if view.wording:
        items.append(("Output wording", "wording"))
    if view.citations or view.references:
        items.append(("References", "references"))
    if view.mapping:
        items.append(("FHIR mapping", "fhir-mapping"))
    if view.cards is not None:
        items.append(("CDS Hooks cards", "cards"))
    if view.tests:
        items.append(("Test cases", "tests"))
    links = "".join(f"<li>{_link(t, a)}</li>" for t, a in items)
    return f'<nav aria-label="Contents"><ul>{links}</ul></nav>'


def _drd(view: ModelView) -> str:
    svg = to_svg(view.drd, f"Decision requirements of {view.identity.name}")
    rows = [
        (
            _link(t.name, t.anchor),
            _e(f"{t.hit_policy} ({t.hit_policy_name})" if t.hit_policy_name else t.hit_policy),
            _e(", ".join(t.reads)),
            _e(", ".join(t.decides)),
        )
        for t in view.tables
    ]
    return (
        '<section id="decision-requirements"><h2>Decision requirements</h2>'
        '<p class="meta">Inputs (rounded) feed the tables that read them; a table feeds the tables that read what'
        " it decides. A table's box links to it.</p>"
        f'<div class="drd-wrap">{svg}</div>' + _table(("Table", "Hit policy", "Reads", "Decides"), rows) + "</section>"
    )


def _glossary(view: ModelView) -> str:
    typed = any(g.type for g in view.glossary)
    rows = [
        (
            _e(g.name),
            _c(g.key),
            _e(g.role),
            *([_e(g.type)] if typed else []),
            _c(g.allowed),
            _c(g.default),
            _e(g.meaning),
        )
        for g in view.glossary
    ]
    heads = ("Variable", "Key", "Role", *(["Type"] if typed else []), "Allowed values", "Default", "Meaning")
    classes = ("", "code", "", *([""] if typed else []), "code", "code", "prose")
    return f'<section id="glossary"><h2>Glossary</h2>{_table(heads, rows, classes)}</section>'


def _decision_table(table: TableView) -> str:
    policy = f"{table.hit_policy} ({table.hit_policy_name})" if table.hit_policy_name else table.hit_policy
    where = f"; sheet {_e(table.sheet)}, {_e(table.cell)}" if table.sheet else ""
    count = f"{len(table.rules)} rule{'' if len(table.rules) == 1 else 's'}"
    columns = "".join(
        f"<li>{'output' if c.output else 'input'} <strong>{_e(c.variable)}</strong>: "
        + (f"<code>{_c(c.allowed)}</code>" if c.allowed else "any value")
        + "</li>"
        for c in table.columns
    )
    heads = (
        "Rule",
        *(("→ " if c.output else "") + _e(c.variable) for c in table.columns),
        *map(_e, table.note_headings),
        "Citations",
    )
    classes = (
        "rule-id",
        *("cell out" if c.output else "cell" for c in table.columns),
        *("prose" for _ in table.note_headings),
        "",
    )
    rows = [
        (
            f'<a id="{rule.anchor}" href="#{rule.anchor}">{_e(rule.id)}</a>',
            *('<span class="any">-</span>' if c == "-" else _c(c) for c in rule.cells),
            *(_e(text) for _, text in rule.notes),
            ", ".join(_link(c.number, c.anchor) for c in rule.citations),
        )
        for rule in table.rules
    ]
    purpose = f"<p>{_e(table.purpose)}</p>" if table.purpose else ""
    return (
        f'<section class="decision-table" id="{table.anchor}" data-table="{_e(table.name)}">'
        f"<h3>{_e(table.name)}</h3>{purpose}"
        f'<p class="meta">Hit policy <strong class="hit-policy">{_e(policy)}</strong>; {count}{where}.</p>'
        f'<ul class="columns">{columns}</ul>' + _table(heads, rows, classes, cls="rules", row_cls="rule") + "</section>"
    )


def _wording(view: ModelView) -> str:
    if not view.wording:
        return ""
    rows = [(_c(w.output), _c(w.code), _e(w.text)) for w in view.wording]
    return (
        '<section id="wording"><h2>Output wording</h2><p class="meta">What a person reads for each code an output'
        " gives.</p>" + _table(("Output", "Code", "Text"), rows, ("code", "code", "prose")) + "</section>"
    )


def _references(view: ModelView) -> str:
    if not view.citations and not view.references:
        return ""
    parts = ['<section id="references"><h2>References</h2>']
    if view.citations:
        parts.append(
            '<p class="meta">Each citation number a rule gives, the reference entry it is paired with, and how sure'
            " that is.</p>"
        )
        rows = [
            (f'<span id="{c.anchor}">{_e(c.number)}</span>', _link(c.entry, c.entry_anchor), _e(c.status), _e(c.reason))
            for c in view.citations
        ]
        parts.append(_table(("Citation", "Entry", "Status", "Reason"), rows, ("", "", "", "prose"), cls="citations"))
    listed = [r for r in view.references if not r.own]
    own = [r for r in view.references if r.own]
    if listed:
        parts.append("<h3>The source's reference list</h3>")
        rows = [
            (f'<span id="{r.anchor}">{_e(r.entry)}</span>', _e(r.kind), _e(r.title), _e(r.source), _e(r.year))
            for r in listed
        ]
        parts.append(_table(("Entry", "Type", "Title", "Source", "Year"), rows))
    if own:
        parts.append("<h3>The model's own sources (not the source's)</h3>")
        rows = [(f'<span id="{r.anchor}">{_e(r.entry)}</span>', _e(r.title), _e(r.source), _e(r.year)) for r in own]
        parts.append(_table(("Model source", "Title", "Source", "Year"), rows))
    parts.append("</section>")
    return "".join(parts)


def _mapping(view: ModelView) -> str:
    if not view.mapping:
        return ""
    rows = [
        (
            _e(m.cell),
            _c(m.input),
            _c(m.value),
            _e(m.resource),
            _c(m.element),
            _c(f"{m.system}|{m.code}" if m.system else m.code),
            _e(m.requires),
            _e(m.priority),
            _c(m.source) if m.verified else f'<span class="unverified">{_e(m.source or "unverified")}</span>',
        )
        for m in view.mapping
    ]
    heads = ("Row", "Input", "Value", "Resource", "Element", "Code", "Requires", "Priority", "Code's source")
    classes = ("", "code", "code", "", "code", "code", "", "", "")
    parts = [
        '<section id="fhir-mapping"><h2>FHIR mapping</h2><p class="meta">An input takes the value when a resource'
        " carries the code in the element and every requirement holds on the same resource; an input value with no"
        " row is never read from FHIR.</p>",
        _table(heads, rows, classes, cls="mapping"),
    ]
    if view.criteria:
        rows = [(_e(c.name), "<br>".join(_c(a) for a in c.alternatives)) for c in view.criteria]
        parts.append("<h3>Criteria a row may require (any one of the codes holds)</h3>")
        parts.append(_table(("Criterion", "Any of"), rows, ("", "code")))
    parts.append("</section>")
    return "".join(parts)


def _cards(view: ModelView) -> str:
    cards = view.cards
    if cards is None:
        return ""
    parts = ['<section id="cards"><h2>CDS Hooks cards</h2>']
    if cards.summaries:
        parts.append("<h3>The card's summary by the code of an output</h3>")
        rows = [(_c(o), _c(c), _e(s)) for o, c, s in cards.summaries]
        parts.append(_table(("Output", "Code", "Summary"), rows, ("code", "code", "prose"), cls="card-summaries"))
    if cards.indicators:
        parts.append("<h3>The card's indicator: the first row that holds</h3>")
        rows = [(_e(i), _e(w)) for i, w in cards.indicators]
        parts.append(_table(("Indicator", "When"), rows, cls="card-indicators"))
    if cards.situations:
        parts.append("<h3>The card when no recommendation can be given</h3>")
        rows = [(_e(s), _e(i), _e(t)) for s, i, t in cards.situations]
        parts.append(_table(("Situation", "Indicator", "Summary"), rows, ("code", "", "prose"), cls="card-situations"))
    parts.append("</section>")
    return "".join(parts)


def _tests(view: ModelView) -> str:
    if not view.tests:
        return ""
    rows = [(_e(t.id), _e(t.description), _c(t.inputs), _c(t.expected), _e(t.reason)) for t in view.tests]
    heads = ("Case", "Description", "Inputs", "Expected", "Reason")
    table = _table(heads, rows, ("rule-id", "prose", "code", "code", "prose"), cls="tests", row_cls="test")
    return f'<section id="tests"><h2>Test cases</h2>{table}</section>'


def to_html(view: ModelView) -> str:
    """The whole model as one HTML document."""
    title = f"{view.identity.name} {view.identity.version}".strip()
    body = "\n".join(
        [
            _identity(view),
            _contents(view),
            _drd(view),
            _glossary(view),
            '<section id="decision-tables"><h2>Decision tables</h2>',
            *(_decision_table(t) for t in view.tables),
            "</section>",
            _wording(view),
            _references(view),
            _mapping(view),
            _cards(view),
            _tests(view),
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="atc-dmn render">\n<title>{_e(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
