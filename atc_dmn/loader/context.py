"""What every stage of the loader shares: the raw workbook, where findings go, and what earlier stages found."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import column_index_from_string, coordinate_to_tuple

from ..dropdowns import LISTS_SHEET
from ..feel import UnaryTest
from ..findings import Findings
from ..model import DecisionTable, Model, Variable
from ..workbook import RawWorkbook, Sheet, get_column_letter

# Sheets of the format that never hold a decision table.
# LISTS_SHEET is the hidden sheet of drop-down lists that ``atc-dmn tidy`` writes.
RESERVED = ("Glossary", "Decision", "Test", "Model", "Wording", "References", "FHIR", "Cards", LISTS_SHEET)


class Stop(Exception):
    """Raised by a stage when going on would only produce noise."""


@dataclass
class Context:
    raw: RawWorkbook
    findings: Findings
    variables: dict[str, Variable] = field(default_factory=dict)
    # False once a table could not be built: what it reads and decides is then unknown, so
    # "unused" and "not produced" findings would only repeat its error in misleading words.
    complete: bool = True
    table_names: set[str] = field(default_factory=set)
    # The inputs whose Glossary row gives their own allowed values (the Allowed values column).
    declared: dict[str, UnaryTest] = field(default_factory=dict)

    def sheet(self, name: str, required: bool = True) -> Sheet | None:
        """The named sheet; a missing required sheet is a SHEET_MISSING finding."""
        sheet = self.raw.sheet(name)
        if sheet is None and required:
            present = ", ".join(self.raw.sheets) or "none"
            self.findings.error(
                "SHEET_MISSING",
                f"the workbook has no sheet named '{name}' (sheets: {present})",
                sheet=name,
                hint=f"Add a sheet named exactly '{name}', or rename the one that was renamed.",
            )
        return sheet


@dataclass
class SheetContext:
    """What a check of the spreadsheet itself receives: the cells, the model built from them
    (None when it could not be built), and where findings go."""

    raw: RawWorkbook
    model: Model | None
    findings: Findings


def table_area(table: DecisionTable) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of a table: name cell to last rule's last annotation."""
    row, col = coordinate_to_tuple(table.cell)
    last_row = max([row + 2, *(r.row for r in table.rules)])
    last_heading = table.outputs[-1].cell if table.outputs else table.inputs[-1].cell
    last_col = column_index_from_string("".join(ch for ch in last_heading if ch.isalpha()))
    return row, col, last_row, last_col + len(table.annotation_headings)


def coord(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"
