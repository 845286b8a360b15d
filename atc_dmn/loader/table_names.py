"""A note that reads like a table's name: a check of the spreadsheet itself, run by the workbook reader.

**TABLE_NAME_REUSED** (warning). pyDMNrules tries every text cell of every
sheet except Glossary, Decision and Test as the name of a table. A note
reading ``Pathway`` outside the Pathway table may be taken for a second
Pathway table by the reference engine. Fix: reword the note or move it to a
sheet that is not scanned.
"""

from __future__ import annotations

from .context import SheetContext, table_area

# Sheets pyDMNrules does not scan for tables; every other sheet is scanned.
UNSCANNED = ("Glossary", "Decision", "Test")


def check(ctx: SheetContext) -> None:
    raw, model = ctx.raw, ctx.model
    if model is None:
        return
    tables = {t.name: t for t in model.tables}
    areas: dict[str, list[tuple[int, int, int, int]]] = {}
    for t in model.tables:
        areas.setdefault(t.sheet, []).append(table_area(t))
    for sheet in raw.sheets.values():
        if sheet.name in UNSCANNED:
            continue
        for (r, c), cell in sorted(sheet.cells.items()):
            if not isinstance(cell.value, str) or cell.value.strip() not in tables:
                continue
            if any(r0 <= r <= r1 and c0 <= c <= c1 for r0, c0, r1, c1 in areas.get(sheet.name, [])):
                continue
            name = cell.value.strip()
            ctx.findings.warning(
                "TABLE_NAME_REUSED",
                f"this cell reads '{name}', the name of a table; pyDMNrules tries every text cell as a "
                "table name and may take it for a second table",
                sheet.name,
                cell.coordinate,
                "Reword the note (or move it to a sheet of its own named Notes).",
            )
