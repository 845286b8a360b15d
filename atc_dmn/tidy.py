"""``atc-dmn tidy``: rebuild a workbook's presentation from its content, never the other way round.

Drop-downs, frozen headers, wrapping, widths, row heights and the print
layout are derived from what the cells say (the allowed values of row 4, the
Glossary, the Test sheet), so they can be thrown away and written again at
any time. A cell's value is never written: tidy checks that every value
reads back the same before it replaces the file, and gives the same file
when run twice.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .dropdowns import LISTS_FIRST_ROW, LISTS_MARK, LISTS_SHEET, Dropdown, ListRange, list_ranges, wanted
from .errors import ModelError
from .findings import Finding
from .layout import PROSE_WIDTH, SheetPlan, apply
from .model import Model
from .workbook import RawWorkbook, read_workbook

ERROR_TITLE = "Not an allowed value"
FEEL_ERROR_TEXT = (
    "This is not one of the column's allowed values (row 4). An S-FEEL test such as a list or not(...) is fine: "
    "keep it. Otherwise choose from the list."
)
ERROR_TEXT = "This is not one of the column's allowed values: choose from the list."
LIST_CELL_TEXT = "Several values are allowed here, separated by commas."


@dataclass(frozen=True)
class TidyReport:
    """What tidy wrote: the file, how many drop-downs and lists, and the warnings the workbook has."""

    path: str
    dropdowns: int
    lists: int
    sheets: int
    warnings: tuple[Finding, ...] = ()


def _loaded(path: Path) -> tuple[Model, RawWorkbook, list[Finding]]:
    """The model and its cells; a workbook with an error is refused (ModelError), warnings are returned."""
    from .findings import Findings
    from .loader import build_model
    from .loader.sheet_checks import check_sheets
    from .validate import validate_model

    raw = read_workbook(path)
    model = build_model(raw)
    findings = Findings()
    check_sheets(raw, model, findings, full=True)
    validate_model(model, findings=findings)
    findings.raise_if_errors()
    return model, raw, [f for f in findings if not f.code.startswith("DROPDOWN_")]


def tidy(path: str | Path, out: str | Path | None = None) -> TidyReport:
    """Tidy the workbook at ``path`` into ``out`` (default: in place). Refuses a workbook with errors."""
    from openpyxl import load_workbook

    path, target = Path(path), Path(out) if out is not None else Path(path)
    model, raw, remaining = _loaded(path)
    dropdowns = wanted(model, raw)
    with warnings.catch_warnings():
        # openpyxl drops Excel's extension form of data validations, with a warning: tidy writes them anew.
        warnings.simplefilter("ignore")
        wb = load_workbook(path)
    modified = wb.properties.modified
    ranges = list_ranges(dropdowns)
    _write_lists(wb, ranges)
    _write_dropdowns(wb, dropdowns, ranges)
    plans = _plans(model, raw, dropdowns)
    for name, plan in plans.items():
        apply(wb[name], plan)
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == wb.worksheets[0].title
    _save(wb, modified, path, raw, target)
    return TidyReport(str(target), len(dropdowns), len(ranges), len(plans), tuple(remaining))


# -- drop-downs -----------------------------------------------------------------------------------


def _write_lists(wb, ranges: dict) -> None:
    """The hidden sheet of lists and one defined name per list; a foreign sheet of that name is refused."""
    from openpyxl.workbook.defined_name import DefinedName

    if LISTS_SHEET in wb.sheetnames:
        old = wb[LISTS_SHEET]
        if old["A1"].value != LISTS_MARK:
            raise ModelError(
                f"the workbook already has a sheet named '{LISTS_SHEET}' that tidy did not write",
                LISTS_SHEET,
                "A1",
                "DROPDOWN_LISTS_SHEET",
                f"Rename that sheet: tidy keeps the drop-down lists on a hidden sheet named '{LISTS_SHEET}'.",
            )
        wb.remove(old)
    for name in [n for n, d in wb.defined_names.items() if LISTS_SHEET in (d.attr_text or "")]:
        del wb.defined_names[name]
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    ws["A1"] = LISTS_MARK
    for lr in ranges.values():
        ws.cell(row=LISTS_FIRST_ROW - 1, column=lr.column, value=lr.name)
        for i, item in enumerate(lr.items):
            cell = ws.cell(row=LISTS_FIRST_ROW + i, column=lr.column)
            cell.value = int(item) if lr.numbers else item
            if not lr.numbers:
                cell.data_type = "s"  # never a formula, even for text starting with '='
        wb.defined_names[lr.name] = DefinedName(lr.name, attr_text=lr.ref)


def _write_dropdowns(wb, dropdowns: list[Dropdown], ranges: dict[tuple[bool, tuple[str, ...]], ListRange]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    for sheet in {d.sheet for d in dropdowns}:
        wb[sheet].data_validations.dataValidation = []
    for d in dropdowns:
        lr = ranges[(d.numbers, d.items)]
        dv = DataValidation(
            type="list",
            formula1=lr.name,
            allow_blank=True,
            showErrorMessage=d.strict,
            errorStyle="warning",
            errorTitle=ERROR_TITLE if d.strict else None,
            error=(FEEL_ERROR_TEXT if d.feel else ERROR_TEXT) if d.strict else None,
            showInputMessage=not d.strict,
            prompt=None if d.strict else LIST_CELL_TEXT,
        )
        dv.add(d.written)
        wb[d.sheet].add_data_validation(dv)


# -- layout ---------------------------------------------------------------------------------------


def _row_col(cell: str) -> tuple[int, int]:
    from openpyxl.utils import coordinate_to_tuple

    return coordinate_to_tuple(cell)


def _plans(model: Model, raw: RawWorkbook, dropdowns: list[Dropdown]) -> dict[str, SheetPlan]:
    """A layout plan for every sheet of the format that is present."""
    from openpyxl.utils import get_column_letter

    plans: dict[str, SheetPlan] = {}
    for table in model.tables:
        row, col = _row_col(table.cell)
        _, first_in = _row_col(table.inputs[0].cell) if table.inputs else (row, col + 1)
        last_out = _row_col((table.outputs or table.inputs)[-1].cell)[1]
        prose = {last_out + 1} if table.annotation_headings else set()
        plans[table.sheet] = SheetPlan(
            header_rows=(row + 1,),
            first_row=row + 3,
            freeze=f"{get_column_letter(first_in)}{row + 3}",
            print_rows=f"{row}:{row + 2}",
            prose=prose,
            skip_rows=(row + 2,),
        )
    lists = {
        "Model": ("Property", False, ()),
        "Glossary": ("Variable", True, ("Meaning",)),
        "Decision": ("Decisions", False, ("Purpose",)),
        "Wording": ("Output", False, ("Text",)),
        "Test": ("Case", True, ("Description", "Reason")),
        "References": ("Citation", None, ("Title", "Note", "Reason", "Source")),
    }
    for name, (heading, freeze_key, prose_heads) in lists.items():
        sheet = raw.sheet(name)
        found = sorted((c.row, c.col) for c in sheet.find(heading)) if sheet is not None else []
        if sheet is None or not found:
            continue
        row, col = found[0]
        headers = {row}
        # References holds several lists, each under its own heading row.
        if name == "References":
            headers |= {
                c.row for c in sheet.cells.values() if isinstance(c.value, str) and c.value in ("Entry", "Model source")
            }
        prose = {c.col for c in sheet.cells.values() if c.row in headers and c.value in prose_heads}
        if name == "Model":
            prose = {col + 1}
        if name == "Test":
            # List-valued outputs (no warning on their drop-down) read as prose too.
            prose |= {d.column for d in dropdowns if d.sheet == "Test" and not d.strict}
        freeze = None
        if freeze_key is not None:
            freeze = f"{get_column_letter(col + 1 if freeze_key else col)}{row + 1}"
        plans[name] = SheetPlan(
            header_rows=tuple(sorted(headers)),
            first_row=row + 1,
            freeze=freeze,
            print_rows=f"{row}:{row}" if freeze_key is not None else None,
            prose=prose,
            prose_width=45 if name == "Test" else PROSE_WIDTH,
        )
    return plans


# -- saving ---------------------------------------------------------------------------------------


def _save(wb, modified, source: Path, before: RawWorkbook, target: Path) -> None:
    """Write to a temporary file, prove no value changed, then replace ``target`` in one step."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.modified = modified  # presentation only: the content's date stays (and tidy is idempotent)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(wb, archive).save()
        _same_values(before, read_workbook(tmp))
        if source.exists() and target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _same_values(before: RawWorkbook, after: RawWorkbook) -> None:
    for name, sheet in before.sheets.items():
        if name == LISTS_SHEET:
            continue
        other = after.sheet(name)
        old = {k: c.value for k, c in sheet.cells.items() if c.value is not None}
        new = {k: c.value for k, c in other.cells.items() if c.value is not None} if other is not None else {}
        if old != new:
            changed = sorted(set(old.items()) ^ set(new.items()))
            raise ModelError(
                f"tidy would change {len(changed)} cell value(s) on sheet '{name}'; nothing was written",
                name,
                code="MODEL",
                hint="Report this: tidy must only change the presentation.",
            )
