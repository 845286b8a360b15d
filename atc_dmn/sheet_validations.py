"""The data validations (drop-downs) of a workbook, read from its sheet XML.

The loader reads cells in openpyxl's read-only mode, which does not see data
validations, and reading the whole workbook again would cost more than the
check is worth. This reads only the part of each sheet after its cells
(where ``<dataValidations>`` lives), with defusedxml, and also the Excel 2010
extension form (``x14:dataValidation``) that Excel uses for lists on another
sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .feel import cell_text
from .workbook import RawWorkbook, bytes_if_unchanged

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
XM = "{http://schemas.microsoft.com/office/excel/2006/main}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_ROOT = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")
_REF = re.compile(r"^(?:(?:'((?:[^']|'')+)'|([^'!]+))!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


@dataclass(frozen=True)
class Validation:
    """One data validation: its cells (``sqref``, space-separated ranges), kind and list formula."""

    sqref: str
    kind: str
    formula: str
    error_style: str = "stop"
    show_error: bool = False

    @property
    def ranges(self) -> list[tuple[int, int, int, int]]:
        """(min_col, min_row, max_col, max_row) of each range of ``sqref``."""
        from openpyxl.utils import range_boundaries

        out = []
        for part in self.sqref.split():
            try:
                bounds = range_boundaries(part)
            except ValueError:
                continue
            if None not in bounds:
                out.append(bounds)
        return out


@dataclass(frozen=True)
class Validations:
    """Every sheet's validations, and the workbook's defined names (drop-downs may refer to them)."""

    sheets: dict[str, list[Validation]]
    names: dict[str, str]


def _parse(data: bytes) -> Element | None:
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None


def _tail(xml: bytes) -> bytes:
    """The sheet's root element without its cells: validations come after ``</sheetData>``."""
    root = _ROOT.search(xml)
    end = xml.rfind(b"</sheetData>")
    if root is None or end < 0:
        return xml
    return xml[: root.end()] + xml[end + len(b"</sheetData>") :]


def _validations(root: Element) -> list[Validation]:
    out = []
    for dv in root.iter(f"{MAIN}dataValidation"):
        formula = dv.findtext(f"{MAIN}formula1") or ""
        out.append(_one(dv, dv.get("sqref", ""), formula))
    for dv in root.iter(f"{X14}dataValidation"):
        formula = dv.findtext(f"{X14}formula1/{XM}f") or ""
        out.append(_one(dv, dv.findtext(f"{XM}sqref") or "", formula))
    return out


def _one(dv: Element, sqref: str, formula: str) -> Validation:
    shown = dv.get("showErrorMessage", "0") in ("1", "true")
    return Validation(sqref, dv.get("type", "none"), formula.strip(), dv.get("errorStyle", "stop"), shown)


def read_validations(path: str | Path, sha256: str | None = None) -> Validations | None:
    """Validations per sheet name; None when the file is gone, unreadable or not the version ``sha256``."""
    data = bytes_if_unchanged(path, sha256)
    if data is None:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            book = _parse(zf.read("xl/workbook.xml"))
            rels = _parse(zf.read("xl/_rels/workbook.xml.rels"))
            if book is None or rels is None:
                return None
            targets = {}
            for rel in rels.iter(f"{PKG_REL}Relationship"):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
            names = {
                (n.get("name") or "").lower(): (n.text or "").strip()
                for n in book.iter(f"{MAIN}definedName")
                if n.get("localSheetId") is None
            }
            sheets: dict[str, list[Validation]] = {}
            for sheet in book.iter(f"{MAIN}sheet"):
                part = targets.get(sheet.get(f"{REL}id"))
                if part is None or part not in zf.namelist():
                    continue
                root = _parse(_tail(zf.read(part)))
                if root is not None:
                    sheets[sheet.get("name", "")] = _validations(root)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return None
    return Validations(sheets, names)


def inline_items(formula: str) -> list[str] | None:
    """The items of an inline list (``"a,b"``, quotes inside doubled); None unless it is exactly one string."""
    if len(formula) < 2 or formula[0] != '"' or formula[-1] != '"':
        return None
    body = formula[1:-1]
    if '"' in body.replace('""', ""):
        return None  # a quote that is not doubled: the formula is not one string (LibreOffice writes such)
    return [item.strip() for item in body.replace('""', '"').split(",")]


def list_items(formula: str, sheet: str, raw: RawWorkbook, names: dict[str, str]) -> list[str] | None:
    """What a list validation offers: an inline list, or the cells of a range or defined name; None if unreadable."""
    text = formula.lstrip("=").strip()
    if text.startswith('"'):
        return inline_items(text)
    text = names.get(text.lower(), text).lstrip("=").strip()
    m = _REF.match(text)
    if m is None:
        return None
    from openpyxl.utils import column_index_from_string

    quoted, plain, c1, r1, c2, r2 = m.groups()
    target = (quoted.replace("''", "'") if quoted else plain) or sheet
    cells = raw.sheet(target)
    if cells is None:
        return None
    col1, row1 = column_index_from_string(c1), int(r1)
    col2, row2 = (column_index_from_string(c2), int(r2)) if c2 else (col1, row1)
    items = []
    for row in range(row1, row2 + 1):
        for col in range(col1, col2 + 1):
            value = cells.value(row, col)
            if value is not None and str(value).strip():
                items.append(cell_text(value) if isinstance(value, str | bool | int | float) else str(value))
    return items
