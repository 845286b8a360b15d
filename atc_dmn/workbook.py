"""Read an .xlsx file into plain sheets of cells: the first stage of the pipeline.

Only this module touches openpyxl. It keeps what the format needs (values,
double borders, formulas, merged ranges) and turns every way a file can be
unreadable into a :class:`ModelError`, so no later stage sees a half-read
workbook.

Cells are read as pyDMNrules reads them (openpyxl's full mode): a cell
covered by a merge has no value of its own, and on the merge's edges the
borders of its top-left cell. Excel, LibreOffice and openpyxl store the
covered cells' borders differently; this way the same sheet reads the same
after any of them saved it.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelError

if TYPE_CHECKING:
    from .findings import Findings
    from .model import Model

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_MERGED_CELLS = 1_000_000  # per sheet, within its used area


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
    top_double: bool = False

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.col)}{self.row}"


@dataclass
class Sheet:
    """The non-empty cells of one worksheet, addressed by (row, column), 1-based."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: tuple[str, ...] = ()  # merged ranges ("B3:B4"), in file order

    def merge_at(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        """(first row, first column, last row, last column) of the merged range covering the cell, if any."""
        for ref in self.merged:
            r0, c0, r1, c1 = range_bounds(ref)
            if r0 <= row <= r1 and c0 <= col <= c1:
                return r0, c0, r1, c1
        return None

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

    def check(self, model: Model, findings: Findings, timings: dict[str, float] | None = None) -> None:
        """The sheets' own checks (merges, stray table names, drop-downs), for ``validate_model(model, raw)``."""
        from .loader.sheet_checks import check_sheets

        check_sheets(self, model, findings, full=True, timings=timings)


def _double(side: Any) -> bool:
    return side is not None and side.style == "double"


def bytes_if_unchanged(path: str | Path, sha256: str | None = None) -> bytes | None:
    """The file's bytes when it is still there and (given ``sha256``) still the version a model was read from.

    For checks that read a part of the file again after the model was built (drop-downs, merges).
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


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


_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of "B3:B4" (or of one cell, "B3")."""
    ends = []
    for part in ref.upper().split(":", 1):
        m = _REF.fullmatch(part.strip())
        if m is None:
            raise ValueError(f"'{ref}' is not a cell range")
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        ends.append((int(m.group(2)), col))
    (r0, c0), (r1, c1) = ends[0], ends[-1]
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Any, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (transitional and strict OOXML differ)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, part name) of a part's relationships, targets resolved against the part's folder."""
    from defusedxml.ElementTree import fromstring

    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in zf.namelist():
        return {}
    out = {}
    for rel in fromstring(zf.read(rels)):
        rid, target, kind = rel.get("Id"), rel.get("Target"), rel.get("Type") or ""
        if rid and target and rel.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[rid] = (kind, posixpath.normpath(path))
    return out


# A <mergeCell ref="B3:B4"/> tag, with or without a namespace prefix, in a worksheet part's UTF-8 bytes.
_MERGE_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*["']([^"']+)["']""")


def read_merged(zf: zipfile.ZipFile) -> dict[str, list[str]]:
    """Merged ranges by sheet name, from each worksheet's ``<mergeCells>``, in file order.

    openpyxl's read-only mode, which the loader needs for speed, does not
    report merges. A UTF-8 part is searched for its ``<mergeCell ref=...>`` tags
    (the sheet's cells are not parsed again, and no entity or DTD is expanded);
    a UTF-16 part is parsed whole with defusedxml.
    """
    from defusedxml.ElementTree import fromstring, iterparse

    root = _relationships(zf, "")
    book = next((p for kind, p in root.values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
    rels = _relationships(zf, book)
    out: dict[str, list[str]] = {}
    for element in fromstring(zf.read(book)).iter():
        if _local(element.tag) != "sheet":
            continue
        name, rid = element.get("name"), _attr(element, "id")
        kind, part = rels.get(rid or "", ("", ""))
        if not name or not kind.endswith("/worksheet") or part not in zf.namelist():
            continue
        data = zf.read(part)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: parse the whole part
            refs = [
                el.get("ref", "")
                for _, el in iterparse(io.BytesIO(data), events=("end",))
                if _local(el.tag) == "mergeCell" and el.get("ref")
            ]
        else:  # UTF-8, as Excel and LibreOffice write: the tags alone (text in cells has its '<' escaped)
            refs = [m.group(1).decode("ascii", "replace") for m in _MERGE_CELL.finditer(data)]
        if refs:
            out[name] = refs
    return out


def _apply_merges(sheet: Sheet, path: Path) -> None:
    """Give each covered cell of a merge what openpyxl's full mode (and so pyDMNrules) sees.

    No value of its own, and a double border only where its top-left cell has
    one on the merge's edge that the covered cell lies on. Ranges are clipped
    to the sheet's used area (a merge over whole rows is common), and a file
    whose merges still cover more than :data:`MAX_MERGED_CELLS` is refused
    rather than walked cell by cell.
    """
    if not sheet.merged:
        return
    last_row = max((r for r, _ in sheet.cells), default=0) + 1
    last_col = max((c for _, c in sheet.cells), default=0) + 1
    clipped = []
    for ref in sheet.merged:
        r0, c0, r1, c1 = range_bounds(ref)
        clipped.append((r0, c0, r1, c1, min(r1, last_row), min(c1, last_col)))
    covered = sum(max(0, e1 - r0 + 1) * max(0, f1 - c0 + 1) for r0, c0, _, _, e1, f1 in clipped)
    if covered > MAX_MERGED_CELLS:
        raise ModelError(
            f"{path.name}: the merged cells of sheet '{sheet.name}' cover {covered} cells, "
            f"over the {MAX_MERGED_CELLS} cell limit",
            sheet=sheet.name,
            code="FILE_TOO_LARGE",
            hint="Unmerge the cells (Format Cells → Alignment → Merge cells off).",
        )
    for r0, c0, r1, c1, e1, f1 in clipped:
        start = sheet.cells.get((r0, c0)) or Cell(r0, c0, None)
        for row in range(r0, e1 + 1):
            for col in range(c0, f1 + 1):
                if (row, col) == (r0, c0):
                    continue
                cell = Cell(
                    row,
                    col,
                    None,
                    right_double=start.right_double and col == c1,
                    bottom_double=start.bottom_double and row == r1,
                    left_double=start.left_double and col == c0,
                    top_double=start.top_double and row == r0,
                )
                if cell.right_double or cell.bottom_double or cell.left_double or cell.top_double:
                    sheet.cells[(row, col)] = cell
                else:
                    sheet.cells.pop((row, col), None)


def _unreadable(path: Path, exc: Exception) -> ModelError:
    return ModelError(
        f"{path.name} cannot be read as a workbook ({type(exc).__name__}: {exc})",
        code="FILE_CORRUPT",
        hint="Save the workbook again from Excel as .xlsx.",
    )


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read every sheet's non-empty cells, double borders and merged ranges."""
    from openpyxl import load_workbook

    path = Path(path)
    _check_container(path)
    digest = sha256_of(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=False)
        with zipfile.ZipFile(path) as zf:
            merges = read_merged(zf)
    except Exception as exc:  # openpyxl and the XML parser raise many types for damaged files
        raise _unreadable(path, exc) from None
    sheets: dict[str, Sheet] = {}
    try:
        for ws in wb.worksheets:
            sheet = Sheet(ws.title, merged=tuple(merges.get(ws.title, ())))
            for row in ws.iter_rows():
                for c in row:
                    value = getattr(c, "value", None)
                    border = getattr(c, "border", None)
                    sides = (False, False, False, False)
                    if border is not None:
                        sides = tuple(_double(getattr(border, n)) for n in ("right", "bottom", "left", "top"))
                    if (value is None or (isinstance(value, str) and not value.strip())) and not any(sides):
                        continue
                    formula = getattr(c, "data_type", None) == "f"
                    right, bottom, left, top = sides
                    sheet.cells[(c.row, c.column)] = Cell(c.row, c.column, value, right, bottom, left, formula, top)
            _apply_merges(sheet, path)
            sheets[ws.title] = sheet
    except ModelError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from None
    finally:
        if hasattr(wb, "close"):
            wb.close()
    return RawWorkbook(path, digest, sheets)
