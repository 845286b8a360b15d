"""How a sheet reads on screen and on paper: widths, wrapping, row heights, frozen headers, print setup.

LibreOffice does not fit a row to its text when the file gives the row a
height, and Excel does not fit rows on opening, so the heights are estimated
here from the text and the column width (generously: a row too tall wastes a
little paper, a row too short hides a rule). Nothing here changes a value.
"""

from __future__ import annotations

import math
import re
from copy import copy
from dataclasses import dataclass, field

from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.views import Selection
from openpyxl.worksheet.worksheet import Worksheet

LINE_POINTS = 15.0  # one line of 11 pt Calibri (Carlito in LibreOffice)
PAD_POINTS = 4.0
CODE_WIDTH = 30  # columns of codes and S-FEEL: wide enough for most cells, row 4 wraps
PROSE_WIDTH = 60  # rationale, meanings, wording
DEFAULT_WIDTH = 8.43  # Excel's width of a column never sized
WORD_WIDTH = 45  # a column is widened up to this for its longest code, which would otherwise break mid-word
MIN_WIDTH = 6
BOLD = 1.1  # bold text is about a tenth wider
# Characters per unit of column width, measured on LibreOffice's rendering with DejaVu Sans (its stand-in
# for Calibri, and wider): a width-60 column holds 74 characters of prose, a width-30 one 34 of codes.
# 0.9 leaves a margin so that a row is never too short.
CHAR = 0.9


@dataclass
class SheetPlan:
    """What a sheet's layout needs to know: where its headings are and which columns hold prose."""

    header_rows: tuple[int, ...]  # rows whose text is a heading (bold, wraps by word)
    first_row: int  # first row below the headings (the first rule, case or list row)
    freeze: str | None  # top-left cell that stays scrolling: rows above and columns left are frozen
    print_rows: str | None  # rows repeated on every printed page, e.g. "2:4"
    prose: set[int] = field(default_factory=set)
    prose_width: float = PROSE_WIDTH
    skip_rows: tuple[int, ...] = ()  # rows whose long text wraps rather than widening (the allowed values)


_BREAK = re.compile(r"(?<= )")


def _segments(text: str) -> list[str]:
    """Where a line may break: after a space (LibreOffice breaks a list such as "a","b" anywhere)."""
    return [s for s in _BREAK.split(text) if s]


def lines(text: str, width: float, weight: float = 1.0) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` characters wide (word by word)."""
    usable = max(1.0, width - 1.0)
    total = 0
    for paragraph in str(text).split("\n"):
        count, line = 1, 0.0
        for seg in _segments(paragraph):
            size = len(seg) * weight * CHAR
            if line + size <= usable:
                line += size
                continue
            if line > 0:
                count += 1
            # A segment longer than the column is broken anywhere.
            extra = math.ceil(size / usable) - 1
            count += max(0, extra)
            line = size - extra * usable if size > usable else size
        total += count
    return total


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def apply(ws: Worksheet, plan: SheetPlan) -> None:
    """Set widths, wrapping, row heights, frozen panes and the print layout of ``ws`` from ``plan``."""
    widths = _widths(ws, plan)
    for col, width in sorted(widths.items()):
        ws.column_dimensions[get_column_letter(col)].width = round(width, 1)
    top = min(plan.header_rows) if plan.header_rows else plan.first_row
    for row in ws.iter_rows(min_row=top):
        height = 1
        filled = [c for c in row if _text(c.value).strip()]
        for cell in row:
            text = _text(cell.value)
            if not text or isinstance(cell, MergedCell) or _title(cell, filled, plan):
                continue
            if cell.alignment is None or not cell.alignment.wrap_text or cell.alignment.vertical != "top":
                keep = copy(cell.alignment) if cell.alignment is not None else Alignment()
                keep.wrap_text = True
                if keep.vertical is None:
                    keep.vertical = "top"
                cell.alignment = keep
            if _merged_over(ws, cell.coordinate):
                continue
            weight = BOLD if cell.font is not None and cell.font.b else 1.0
            width = widths.get(cell.column) or ws.column_dimensions[cell.column_letter].width or DEFAULT_WIDTH
            height = max(height, lines(text, width, weight))
        if filled:
            ws.row_dimensions[row[0].row].height = round(height * LINE_POINTS + PAD_POINTS, 1)
    # openpyxl adds pane selections on every freeze: start from one, or a second tidy would differ.
    ws.sheet_view.selection = [Selection()]
    ws.freeze_panes = plan.freeze
    ws.print_title_rows = plan.print_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = False
    margins = ws.page_margins
    margins.left = margins.right = 0.4
    margins.top = margins.bottom = 0.5


def _title(cell, filled: list, plan: SheetPlan) -> bool:
    """A title alone on its row (a list's name): it reads across the empty cells to its right, unwrapped."""
    return filled == [cell] and cell.column not in plan.prose and cell.row not in plan.header_rows


def _merged_over(ws: Worksheet, coordinate: str) -> bool:
    """A cell that starts a merge over several rows: its text has their height, not its own row's."""
    return any(r.coord.split(":")[0] == coordinate and r.max_row > r.min_row for r in ws.merged_cells.ranges)


def _widths(ws: Worksheet, plan: SheetPlan) -> dict[int, float]:
    """Each used column's width: its longest text up to a cap (prose wider), headings by their longest word."""
    longest: dict[int, tuple[float, float]] = {}  # column -> (longest line, longest word)
    top = min(plan.header_rows) if plan.header_rows else plan.first_row
    for row in ws.iter_rows(min_row=top):
        filled = [c for c in row if _text(c.value).strip()]
        for cell in row:
            text = _text(cell.value)
            if not text.split() or isinstance(cell, MergedCell) or _title(cell, filled, plan):
                continue
            word = max(len(w) for w in text.split()) * CHAR
            if cell.row in plan.skip_rows:
                word = 0.0  # a long list wraps; only a short one widens its column
                line = len(text) * CHAR
            elif cell.row in plan.header_rows:
                word *= BOLD
                line = word
            else:
                line = max(len(part) for part in text.split("\n")) * CHAR
            old_line, old_word = longest.get(cell.column, (0.0, 0.0))
            longest[cell.column] = (max(old_line, line), max(old_word, word))
    out = {}
    for col, (line, word) in longest.items():
        cap = plan.prose_width if col in plan.prose else CODE_WIDTH
        out[col] = max(MIN_WIDTH, min(cap, line + 2), min(WORD_WIDTH, word + 2))
    return out
