"""Merged cells: a check of the spreadsheet itself, run by the workbook reader where the cells are in hand.

**CELL_MERGED** (error). Merged cells inside a table or a list. Excel keeps
the value only in the first cell of a merge; this engine reads the others as
empty (``-``, any value) while pyDMNrules repeats the value, so the two
engines would decide differently. Example::

    Id   Pathway           Airway | Surgery
    SU2  "staging_workup"  -      | "none"
    SU3  (merged with SU2) true   | "palliative_airway_surgery"

Fix: unmerge and type the value in every cell. The only merge a table may
hold is its hit-policy cell over the allowed-values row (B3:B4).

(A blank row or column that splits a table, TABLE_SPLIT, is reported by the
loader, which sees where each table ends.)
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter, range_boundaries

from ..findings import Findings
from ..model import HIT_POLICIES, Model
from ..workbook import RawWorkbook, Sheet, bytes_if_unchanged, read_merged
from .context import SheetContext

# Sheets of our own format that hold lists, not decision tables.
LISTS = ("Glossary", "Decision", "Test", "Model", "Wording", "References")


def merged_ranges(path: str | Path, sha256: str | None = None) -> dict[str, list[str]] | None:
    """Merged ranges per sheet, read from the file (for a workbook whose cells are not in hand).

    None when the file is gone, unreadable, or differs from ``sha256`` (the model was built from another version).
    """
    data = bytes_if_unchanged(path, sha256)
    if data is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return read_merged(zf)
    except Exception:  # damaged files were refused when the model was read
        return None


def raw_merges(raw: RawWorkbook) -> dict[str, list[str]]:
    """Merged ranges per sheet of an already read workbook."""
    return {name: list(sheet.merged) for name, sheet in raw.sheets.items() if sheet.merged}


def _name_cells(model: Model | None, raw: RawWorkbook | None) -> set[tuple[str, int, int]]:
    """Table name cells (sheet, row, column): from the model, or recognised by a hit policy below them."""
    if model is not None:
        cells = set()
        for t in model.tables:
            min_col, min_row, _, _ = range_boundaries(t.cell)
            cells.add((t.sheet, min_row, min_col))
        return cells
    found = set()
    if raw is not None:
        for sheet in raw.sheets.values():
            if sheet.name in LISTS:
                continue
            for (r, c), cell in sheet.cells.items():
                if isinstance(cell.value, str) and cell.value.strip() and _heads_a_table(sheet, r, c):
                    found.add((sheet.name, r, c))
    return found


def _heads_a_table(sheet: Sheet, r: int, c: int) -> bool:
    """A table's shape: headings right of the cell below, which is blank or holds a word.

    The word need not be a valid hit policy: a table whose policy is mistyped
    (reported as HIT_POLICY) still has its hit-policy cell merged over the
    allowed-values row, and that merge is not a second mistake.
    """
    below = sheet.text(r + 1, c)
    return bool(sheet.text(r + 1, c + 1)) and (below in HIT_POLICIES or (len(below) <= 8 and '"' not in below))


def merged_findings(
    ranges: dict[str, list[str]], model: Model | None, raw: RawWorkbook | None, findings: Findings
) -> None:
    """Report merges inside tables and lists; a table's hit-policy cell over its allowed-values row is fine."""
    names = _name_cells(model, raw)
    for sheet, refs in ranges.items():
        for ref in refs:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if sheet in LISTS:
                if min_row == max_row:
                    continue  # a title spread over a row
                if sheet == "Glossary" and min_col == max_col and _is_concept_column(raw, min_col):
                    continue  # pyDMNrules' format lets a business concept span its rows
            else:
                if min_col == max_col and max_row == min_row + 1 and (sheet, min_row - 1, min_col) in names:
                    continue  # the hit-policy cell over the allowed-values row
                if min_row == max_row and (sheet, min_row, min_col) in names:
                    continue  # a table's name spread over its row
            top = f"{get_column_letter(min_col)}{min_row}"
            findings.error(
                "CELL_MERGED",
                f"cells {ref} are merged; only the first cell keeps its value, and the two engines "
                "read the others differently",
                sheet,
                top,
                "Unmerge the cells and type the value in each of them.",
            )


def _is_concept_column(raw: RawWorkbook | None, col: int) -> bool:
    if raw is None or "Glossary" not in raw.sheets:
        return col == 3  # the format's place for Business Concept
    return any(c.col == col for c in raw.sheets["Glossary"].find("Business Concept"))


def check(ctx: SheetContext) -> None:
    ranges = raw_merges(ctx.raw)
    if ranges:
        merged_findings(ranges, ctx.model, ctx.raw, ctx.findings)
