"""What every stage of the loader shares: the raw workbook, where findings go, and what earlier stages found."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dropdowns import LISTS_SHEET
from ..findings import Findings
from ..model import Variable
from ..workbook import RawWorkbook, Sheet, get_column_letter

# Sheets of the format that never hold a decision table.
# LISTS_SHEET is the hidden sheet of drop-down lists that ``atc-dmn tidy`` writes.
RESERVED = ("Glossary", "Decision", "Test", "Model", "Wording", "References", LISTS_SHEET)


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


def coord(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"
