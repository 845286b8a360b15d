"""Read an .xlsx file into plain sheets of cells: the first stage of the pipeline.

Only this module touches openpyxl. It keeps what the format needs (values,
double borders, formulas) and turns every way a file can be unreadable into
a :class:`ModelError`, so no later stage sees a half-read workbook.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ModelError

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


def get_column_letter(col: int) -> str:
    """Column number -> letters (1 -> A, 27 -> AA), as openpyxl's, without importing openpyxl."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Cell:
    row: int
    col: int
    value: Any
    right_double: bool = False
    bottom_double: bool = False
    left_double: bool = False
    formula: bool = False

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.col)}{self.row}"


@dataclass
class Sheet:
    """The non-empty cells of one worksheet, addressed by (row, column), 1-based."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: tuple[str, ...] = ()

    def get(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def value(self, row: int, col: int) -> Any:
        cell = self.cells.get((row, col))
        return None if cell is None else cell.value

    def text(self, row: int, col: int) -> str:
        value = self.value(row, col)
        return "" if value is None else str(value).strip()

    def find(self, text: str) -> list[Cell]:
        return [c for c in self.cells.values() if isinstance(c.value, str) and c.value.strip() == text]


@dataclass
class RawWorkbook:
    path: Path
    sha256: str
    sheets: dict[str, Sheet]

    def sheet(self, name: str) -> Sheet | None:
        return self.sheets.get(name)


def _double(side: Any) -> bool:
    return side is not None and side.style == "double"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_container(path: Path) -> None:
    if not path.exists():
        raise ModelError(
            f"no workbook at {path}", code="FILE_NOT_FOUND", hint="Check the path, or omit it to use the shipped model."
        )
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a workbook", code="FILE_NOT_XLSX")
    size = path.stat().st_size
    if size == 0:
        raise ModelError(f"{path.name} is empty", code="FILE_EMPTY", hint="Save the workbook again from Excel.")
    if size > MAX_WORKBOOK_BYTES:
        raise ModelError(
            f"{path.name} is {size} bytes, over the {MAX_WORKBOOK_BYTES} byte limit", code="FILE_TOO_LARGE"
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ModelError(
            f"{path.name} is an old-format .xls or a password-protected workbook",
            code="FILE_NOT_XLSX",
            hint="Remove the password and save it as an Excel Workbook (.xlsx).",
        )
    if not zipfile.is_zipfile(path):
        raise ModelError(
            f"{path.name} is not an .xlsx workbook",
            code="FILE_NOT_XLSX",
            hint="Save it from Excel as an Excel Workbook (.xlsx).",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise ModelError(
            f"{path.name} is damaged ({exc})", code="FILE_CORRUPT", hint="Save the workbook again from Excel."
        ) from None
    if bad is not None:
        raise ModelError(
            f"{path.name} is damaged (part {bad} is corrupt)",
            code="FILE_CORRUPT",
            hint="Save the workbook again from Excel.",
        )
    if total > MAX_UNZIPPED_BYTES:
        raise ModelError(
            f"{path.name} unpacks to {total} bytes, over the {MAX_UNZIPPED_BYTES} byte limit", code="FILE_TOO_LARGE"
        )


def read_workbook(path: str | Path, *, merged: bool = False) -> RawWorkbook:
    """Read every sheet's non-empty cells. ``merged=True`` also lists merged ranges (slower)."""
    from openpyxl import load_workbook

    path = Path(path)
    _check_container(path)
    digest = sha256_of(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=not merged, data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ModelError(
            f"{path.name} cannot be read as a workbook ({type(exc).__name__}: {exc})",
            code="FILE_CORRUPT",
            hint="Save the workbook again from Excel as .xlsx.",
        ) from None
    sheets: dict[str, Sheet] = {}
    try:
        for ws in wb.worksheets:
            sheet = Sheet(ws.title)
            if merged:
                sheet.merged = tuple(str(r) for r in ws.merged_cells.ranges)
            for row in ws.iter_rows():
                for c in row:
                    value = getattr(c, "value", None)
                    border = getattr(c, "border", None)
                    right = bottom = left = False
                    if border is not None:
                        right, bottom, left = _double(border.right), _double(border.bottom), _double(border.left)
                    if value is None and not (right or bottom or left):
                        continue
                    if isinstance(value, str) and not value.strip() and not (right or bottom or left):
                        continue
                    formula = getattr(c, "data_type", None) == "f"
                    sheet.cells[(c.row, c.column)] = Cell(c.row, c.column, value, right, bottom, left, formula)
            sheets[ws.title] = sheet
    except Exception as exc:
        raise ModelError(
            f"{path.name} cannot be read as a workbook ({type(exc).__name__}: {exc})",
            code="FILE_CORRUPT",
            hint="Save the workbook again from Excel as .xlsx.",
        ) from None
    finally:
        if hasattr(wb, "close"):
            wb.close()
    return RawWorkbook(path, digest, sheets)
