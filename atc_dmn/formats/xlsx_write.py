"""Write a :class:`~atc_dmn.model.Model` as a workbook in our format, so a model from any format can be edited in Excel.

The layout is the one the xlsx reader reads and pyDMNrules runs (README,
"Changing the rules"): sheets Model, Glossary, Decision, one sheet per table,
Wording, References and Test. A table sheet has its name in B2, the hit
policy in B3 (merged B3:B4), headings in row 3, allowed values in row 4 and
one rule per row from row 5, rule ids in column B; every cell of a table has
a border on all four sides (pyDMNrules reads every side) and a double right
border after the last input and the last output marks the boundaries. Cells
are printed back from the parsed model with the DMN export's printer, so the
two writers never disagree on how a value is typed. ``tidy`` then adds the
drop-downs and the layout, and checks that the file reads back as written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Border, Side
from openpyxl.worksheet.worksheet import Worksheet

from ..feel_text import unary_tests_text
from ..feel_value import show
from ..loader.glossary import ALLOWED_HEADING, TYPE_HEADING
from ..loader.input_specs import declares_own_values
from ..model import CITATIONS_HEADING, DecisionTable, Model

_THIN = Side(style="thin")
_DOUBLE = Side(style="double")
RATIONALE_HEADING = "Rationale"
MAX_SHEET_NAME = 31  # Excel's limit


def _border(right: Side | None = None, bottom: Side | None = None) -> Border:
    # pyDMNrules reads every side of a border: set all four.
    return Border(left=_THIN, right=right or _THIN, top=_THIN, bottom=bottom or _THIN)


def _rows(ws: Worksheet, first: int, rows: Iterable[Sequence[Any]], col: int = 2) -> int:
    """Write ``rows`` from row ``first``, column ``col``; return the row after the last."""
    row = first
    for values in rows:
        for j, value in enumerate(values):
            if value is not None and value != "":
                ws.cell(row=row, column=col + j, value=value)
        row += 1
    return row


def _model_sheet(ws: Worksheet, model: Model) -> None:
    info = model.info
    known = [
        ("Name", info.name),
        ("Identifier", info.identifier),
        ("Version", info.version),
        ("Effective date", info.effective_date),
        ("Description", info.description),
        ("Source", info.source),
        ("Notice", info.notice),
    ]
    # The loader keys other properties in lower case ("no match"); written as a person would ("No match").
    extra = [(k[:1].upper() + k[1:], v) for k, v in info.extra.items()]
    props = [(k, v) for k, v in [*known, *extra] if v or k in ("Name", "Version")]
    _rows(ws, 2, [("Property", "Value"), *props])


def _glossary(ws: Worksheet, model: Model) -> None:
    ws["B2"] = f"Glossary - {model.info.name}"
    heads: tuple[str, ...] = ("Variable", "Business Concept", "Attribute", "Role", "Default when missing", "Meaning")
    # An input's own allowed values, where no column stands for them (a column lists fewer).
    own = {
        s.name: unary_tests_text(s.test)
        for s in model.inputs
        if s.test is not None and declares_own_values(s, model.tables)
    }
    if own:
        heads = (*heads, ALLOWED_HEADING)
    typed = any(v.type for v in model.variables.values())
    if typed:
        heads = (*heads, TYPE_HEADING)
    rows, above = [], None
    for v in model.variables.values():
        # A blank concept is the one above (pyDMNrules refuses a concept typed twice: "Multiple definitions").
        concept = v.concept if v.concept != above else None
        above = v.concept
        default = show(v.default) if v.default is not None else None
        row = (v.name, concept, v.attribute, v.role, default, v.meaning, *([own.get(v.name)] if own else []))
        rows.append((*row, *([v.type or None] if typed else [])))
    _rows(ws, 3, [heads, *rows])


def _decision(ws: Worksheet, model: Model) -> None:
    ws["B2"] = f"Decision - {model.info.name}"
    purpose = any(t.purpose for t in model.tables)
    heads = ("Decisions", "Execute Decision Tables", *(["Purpose"] if purpose else []))
    rows = [(t.description or f"Decide {t.name}", t.name, *([t.purpose] if purpose else [])) for t in model.tables]
    _rows(ws, 3, [heads, *rows])


def annotation_headings(table: DecisionTable) -> tuple[str, ...]:
    """The table's annotation headings, or (a model read from a format without them) Rationale and Citations."""
    if table.annotation_headings:
        return table.annotation_headings
    cites = any(rule.citations for rule in table.rules)
    return (RATIONALE_HEADING, *([CITATIONS_HEADING] if cites else []))


def _table(ws: Worksheet, table: DecisionTable) -> None:
    """One decision table in pyDMNrules' layout, from B2."""
    ni, no = len(table.inputs), len(table.outputs)
    heads = annotation_headings(table)
    ws["B2"] = table.name
    ws["B3"] = table.hit_policy
    ws.merge_cells("B3:B4")
    ws["B3"].border = _border()
    ws["B4"].border = _border(bottom=_DOUBLE)

    def edge(j: int) -> Side | None:
        return _DOUBLE if j in (ni - 1, ni + no - 1) else None

    for j, col in enumerate([*table.inputs, *table.outputs]):
        allowed = unary_tests_text(col.allowed) if col.allowed is not None and not col.allowed.any else None
        ws.cell(row=3, column=3 + j, value=col.variable).border = _border(right=edge(j))
        ws.cell(row=4, column=3 + j, value=allowed).border = _border(right=edge(j), bottom=_DOUBLE)
    for k, heading in enumerate(heads):
        ws.cell(row=3, column=3 + ni + no + k, value=heading).border = _border()
        ws.cell(row=4, column=3 + ni + no + k).border = _border(bottom=_DOUBLE)
    for i, rule in enumerate(table.rules, start=5):
        cited = ", ".join(map(str, rule.citations))
        notes = [cited if h == CITATIONS_HEADING else rule.annotations.get(h, "") for h in heads]
        cells = [*map(unary_tests_text, rule.tests), *map(show, rule.outputs)]
        ws.cell(row=i, column=2, value=rule.id).border = _border()
        for j, value in enumerate([*cells, *notes]):
            ws.cell(row=i, column=3 + j, value=value or None).border = _border(right=edge(j))


def _wording(ws: Worksheet, model: Model) -> None:
    _rows(ws, 2, [("Output", "Code", "Text"), *((k, c, t) for (k, c), t in model.wording.items())])


def _references(ws: Worksheet, model: Model) -> None:
    """The three tables that ``loader.references`` finds by their headings: Citation, Entry, Model source."""
    ws["B2"] = "Citations"
    cited = [c for c in model.citations.values() if c.status != "model_source"]
    rows = [(c.number, c.entry, c.status if c.entry else None, c.reason) for c in cited]
    row = _rows(ws, 3, [("Citation", "Reference entry", "Status", "Reason"), *rows]) + 1
    listed = [r for r in model.references if not r.own]
    own = [r for r in model.references if r.own]
    if listed:
        ws.cell(row=row, column=2, value="Reference list (the source's)")
        rows = [(r.entry, r.kind, r.title, r.source, r.year) for r in listed]
        row = _rows(ws, row + 1, [("Entry", "Type", "Title", "Source", "Year"), *rows]) + 1
    if own:
        ws.cell(row=row, column=2, value="The model's own sources (not the source's)")
        rows = [(r.entry, r.title, r.source, r.year) for r in own]
        _rows(ws, row + 1, [("Model source", "Title", "Source", "Year"), *rows])


def _tests(ws: Worksheet, model: Model) -> None:
    ws["B2"] = "Test cases"
    inputs = model.variables_with_role("input")
    outputs = model.variables_with_role("output")
    heads = ("Case", "Description", *(v.name for v in inputs), *(v.name for v in outputs), "Expected error", "Reason")
    rows = [
        (
            case.id,
            case.description,
            *(case.inputs.get(v.key) for v in inputs),
            *(case.expected.get(v.key) for v in outputs),
            case.expected_error,
            case.reason,
        )
        for case in model.tests
    ]
    _rows(ws, 3, [heads, *rows])


def sheet_names(model: Model) -> list[str]:
    """Each table's sheet: the one it was read from, else its name (Excel's 31 characters, unique)."""
    names: list[str] = []
    taken = {"model", "glossary", "decision", "wording", "references", "test"}
    for table in model.tables:
        base = (table.sheet or table.name)[:MAX_SHEET_NAME]
        for bad in "[]:*?/\\":
            base = base.replace(bad, "_")
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base[: MAX_SHEET_NAME - len(str(n)) - 1]} {n}"
        taken.add(name.lower())
        names.append(name)
    return names


def write_workbook(model: Model, path: str | Path, *, tidy: bool = True) -> Path:
    """Write ``model`` as a workbook at ``path`` (replacing it), tidied unless ``tidy`` is False; return the path.

    Tidying refuses (ModelError) a model whose workbook would not validate; ``path`` is then left untouched.
    """
    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Model"
    _model_sheet(ws, model)
    _glossary(wb.create_sheet("Glossary"), model)
    _decision(wb.create_sheet("Decision"), model)
    for table, name in zip(model.tables, sheet_names(model), strict=True):
        _table(wb.create_sheet(name), table)
    _wording(wb.create_sheet("Wording"), model)
    _references(wb.create_sheet("References"), model)
    if model.tests:
        _tests(wb.create_sheet("Test"), model)
    if not tidy:
        wb.save(path)
        return path
    from ..tidy import tidy as tidy_workbook

    # Tidied from a draft beside it, so that a refused model leaves ``path`` as it was.
    fd, draft = tempfile.mkstemp(suffix=".xlsx", prefix=".draft-", dir=path.parent)
    os.close(fd)
    try:
        wb.save(draft)
        tidy_workbook(draft, path)
    finally:
        os.unlink(draft)
    return path


__all__ = ["write_workbook"]
