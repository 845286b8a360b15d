"""Edit a read workbook's cells in memory, for tests of one sheet's loader: no file is written.

``edited(raw, "FHIR", {"C5": "T5", "D6": None})`` is a copy of ``raw`` with
those cells set (None deletes one), every other sheet shared; ``load(raw)``
builds it and returns (model or None, findings).
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import coordinate_to_tuple

from atc_dmn.errors import ModelError
from atc_dmn.findings import Finding, Findings
from atc_dmn.loader import build_model
from atc_dmn.model import Model
from atc_dmn.workbook import Cell, RawWorkbook, Sheet


def edited(raw: RawWorkbook, sheet: str, edits: dict[str, Any]) -> RawWorkbook:
    """A copy of ``raw`` with ``sheet``'s cells changed as ``edits`` says (a coordinate -> its new value)."""
    before = raw.sheets[sheet]
    cells = dict(before.cells)
    for ref, value in edits.items():
        row, col = coordinate_to_tuple(ref)
        if value is None:
            cells.pop((row, col), None)
        else:
            cells[(row, col)] = Cell(row, col, value)
    return RawWorkbook(raw.path, raw.sha256, {**raw.sheets, sheet: Sheet(sheet, cells, before.merged)})


def without(raw: RawWorkbook, sheet: str) -> RawWorkbook:
    return RawWorkbook(raw.path, raw.sha256, {k: v for k, v in raw.sheets.items() if k != sheet})


def load(raw: RawWorkbook) -> tuple[Model | None, Findings]:
    """Build the model; (None, findings) when an error refused it."""
    findings = Findings()
    try:
        return build_model(raw, findings), findings
    except ModelError:
        return None, findings


def located(findings: Findings, code: str) -> list[str]:
    """The places (``FHIR!C5``) of the findings with ``code``."""
    return [f.location for f in findings if f.code == code]


def find(raw: RawWorkbook, sheet: str, value: Any, column: int | None = None) -> Cell:
    """The first cell (by row, then column) of ``sheet`` holding exactly ``value``."""
    for (_, col), cell in sorted(raw.sheets[sheet].cells.items()):
        if cell.value == value and (column is None or col == column):
            return cell
    raise LookupError(f"{value!r} is not on sheet {sheet!r}")


def only(findings: Findings, code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [(f.code, f.location, f.message) for f in findings]
    return found[0]
