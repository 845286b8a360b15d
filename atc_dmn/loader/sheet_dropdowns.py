"""Drop-downs that no longer tell the truth about a column's allowed values: a check of the spreadsheet itself.

A drop-down is written once; when a clinician adds a value to row 4 it goes
on offering the old list, and offers nothing on a column added later. The
answers do not change (the cells are what count), so these are warnings,
and ``atc-dmn tidy`` rebuilds every drop-down from the workbook.

**DROPDOWN_STALE** (warning). The drop-down offers values row 4 does not list,
misses values it lists, or its list cannot be read (LibreOffice breaks the
quoting of inline lists when it saves). **DROPDOWN_RANGE** (warning). Rules
below the drop-down's last row get none, or a drop-down sits on cells that
hold no rule of a column (headings, notes, a column moved away).
**DROPDOWN_MISSING** (warning). A column with allowed values has no drop-down.

A workbook with no drop-down at all gets none of these: it never had any
to go stale (a generated workbook, or one whose author does not want them).

The workbook reader runs this only when asked for the full report
(``atc-dmn validate``): the validations are read from the file again, which
costs more than a warning that never changes an answer is worth on every load.
"""

from __future__ import annotations

from openpyxl.utils import coordinate_to_tuple

from ..dropdowns import MARGIN, Dropdown, wanted
from ..sheet_validations import Validation, Validations, list_items, read_validations
from ..workbook import get_column_letter
from .context import SheetContext, table_area


def check(ctx: SheetContext) -> None:
    if ctx.model is None:
        return
    found = read_validations(ctx.model.path, ctx.model.sha256)
    if found is None or not any(found.sheets.values()):
        return  # a workbook without any drop-down chose not to have them: nothing has gone stale
    dropdowns = wanted(ctx.model, ctx.raw)
    hint = f"Run `atc-dmn tidy {ctx.model.path}` to rebuild the drop-downs from the allowed values."
    tables = {(t.sheet, c): t.name for t in ctx.model.tables for c in _columns(t)}
    missing: dict[str, list[Dropdown]] = {}
    for d in dropdowns:
        table = tables.get((d.sheet, d.column))
        if not _check_one(ctx, d, found, hint, table):
            if table is not None:
                ctx.findings.warning(
                    "DROPDOWN_MISSING",
                    f"column '{d.label}' ({d.sheet}!{d.used}) has no drop-down of its allowed values",
                    d.sheet,
                    d.cell,
                    hint,
                    table=table,
                )
            else:
                missing.setdefault(d.sheet, []).append(d)
    # On a list sheet (Test, Glossary) one finding names every column without one.
    for sheet, columns in missing.items():
        labels = ", ".join(f"'{d.label}' ({d.letter})" for d in columns)
        ctx.findings.warning(
            "DROPDOWN_MISSING",
            f"column{'s' if len(columns) > 1 else ''} {labels} of the {sheet} sheet "
            f"{'have' if len(columns) > 1 else 'has'} no drop-down of allowed values",
            sheet,
            columns[0].cell,
            hint,
        )
    _check_strays(ctx, dropdowns, found, hint)


def _columns(table) -> range:
    _, first, _, last = table_area(table)
    return range(first, last + 1)


def _cells(v: Validation, column: int) -> set[int]:
    """The rows of ``column`` that ``v`` covers."""
    return {r for c1, r1, c2, r2 in v.ranges if c1 <= column <= c2 for r in range(r1, r2 + 1)}


def _values(items: list[str] | tuple[str, ...]) -> str:
    return ", ".join(items)


def _check_one(ctx: SheetContext, d: Dropdown, found: Validations, hint: str, table: str | None) -> bool:
    """Findings about the drop-downs on ``d``'s cells; False when there is none at all."""
    used = set(range(d.first_row, d.last_row + 1))
    on_column = [v for v in found.sheets.get(d.sheet, []) if _cells(v, d.column) & used]
    where = f"column '{d.label}' ({d.sheet}!{d.used})"
    if not on_column:
        return False
    covered = set().union(*(_cells(v, d.column) for v in on_column))
    gaps = sorted(used - covered)
    above = sorted(r for r in covered if r < d.first_row)
    if gaps or above:
        parts = []
        if gaps:
            parts.append(f"rows {_spans(gaps)} have no drop-down")
        if above:
            parts.append(f"rows {_spans(above)} above the first row have one")
        ctx.findings.warning("DROPDOWN_RANGE", f"{where}: {'; '.join(parts)}", d.sheet, d.heading, hint, table=table)
    for v in on_column:
        items = list_items(v.formula, d.sheet, ctx.raw, found.names) if v.kind == "list" else None
        if items is None:
            what = f"is not a list ({v.kind})" if v.kind != "list" else f"has a list that cannot be read ({v.formula})"
            ctx.findings.warning(
                "DROPDOWN_STALE", f"the drop-down of {where} {what}", d.sheet, d.cell, hint, table=table
            )
            continue
        missing = [i for i in d.items if i not in items]
        extra = list(dict.fromkeys(i for i in items if i not in d.items))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"does not offer {_values(missing)}")
            if extra:
                parts.append(f"offers {_values(extra)}, not among the allowed values")
            ctx.findings.warning(
                "DROPDOWN_STALE",
                f"the drop-down of {where} {' and '.join(parts)}",
                d.sheet,
                d.cell,
                hint,
                table=table,
            )
    return True


def _check_strays(ctx: SheetContext, dropdowns: list[Dropdown], found: Validations, hint: str) -> None:
    """Drop-downs on a sheet tidy manages that belong to no column there (a column moved, deleted, a heading)."""
    owned: dict[str, dict[int, range]] = {}
    for d in dropdowns:
        owned.setdefault(d.sheet, {})[d.column] = range(d.first_row, d.last_row + MARGIN + 1)
    # A stray inside a table is located at the heading of its column.
    heads = {(t.sheet, c): (coordinate_to_tuple(t.cell)[0] + 1, t.name) for t in ctx.model.tables for c in _columns(t)}
    for sheet, columns in owned.items():
        for v in found.sheets.get(sheet, []):
            if any(_cells(v, col) & set(rows) for col, rows in columns.items()):
                continue
            if not v.ranges:
                continue
            c1, r1, _, _ = v.ranges[0]
            row, table = heads.get((sheet, c1), (r1, None))
            cell = f"{get_column_letter(c1)}{row}"
            ctx.findings.warning(
                "DROPDOWN_RANGE",
                f"a drop-down on {sheet}!{v.sqref} is on no column with allowed values",
                sheet,
                cell,
                hint,
                table=table,
            )


def _spans(rows: list[int]) -> str:
    """5, 6, 7, 9 -> '5-7, 9'."""
    spans: list[list[int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
