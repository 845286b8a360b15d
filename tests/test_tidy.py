"""atc-dmn tidy changes the presentation only, and the DROPDOWN_* checks say when it is due.

Every answer over the input space and every cell value must be the same
after tidy; a value added to row 4 must be reported by validate at its cell
and be offered after tidy; a LibreOffice re-save must leave the drop-downs
intact and the workbook loadable by pyDMNrules.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import input_space
import openpyxl
import openpyxl.worksheet.datavalidation
import pytest
from click.testing import CliRunner

from atc_dmn import InputError, load_model
from atc_dmn.cli import main
from atc_dmn.dropdowns import LISTS_SHEET
from atc_dmn.report import validate_workbook
from atc_dmn.sheet_validations import inline_items, list_items, read_validations
from atc_dmn.tidy import tidy
from atc_dmn.workbook import read_workbook

NEW_VALUE = '"tidy_test_value"'


@pytest.fixture(scope="module")
def tidied(tmp_path_factory: pytest.TempPathFactory, shipped_path: Path) -> tuple[Path, Path]:
    """(a copy of the shipped workbook, that copy tidied)."""
    folder = tmp_path_factory.mktemp("tidy")
    original = folder / "original.xlsx"
    shutil.copyfile(shipped_path, original)
    out = folder / "tidied.xlsx"
    tidy(original, out)
    return original, out


def _values(path: Path) -> dict[str, dict[str, Any]]:
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
        for ws in wb.worksheets
    }


def _dropdown_findings(path: Path) -> list[Any]:
    return [f for f in validate_workbook(path).findings if f.code.startswith("DROPDOWN_")]


def test_tidy_keeps_every_cell_value(tidied: tuple[Path, Path]) -> None:
    original, out = tidied
    before, after = _values(original), _values(out)
    assert list(after) == [*(s for s in before if s != LISTS_SHEET), LISTS_SHEET]
    for sheet, cells in before.items():
        if sheet != LISTS_SHEET:  # tidy rewrites its own lists sheet, and only that
            assert after[sheet] == cells, sheet
    assert after[LISTS_SHEET]  # the lists are there, on their own sheet
    assert openpyxl.load_workbook(out)[LISTS_SHEET].sheet_state == "hidden"


def test_tidy_keeps_every_answer_and_fired_rule(tidied: tuple[Path, Path]) -> None:
    a, b = (load_model(p, use_cache=False) for p in tidied)
    assert [t.rules for t in a.model.tables] == [t.rules for t in b.model.tables]
    swept = 0
    for cases in input_space.all_cases().values():
        for case in cases:
            assert _answer(a, case) == _answer(b, case), case
            swept += 1
    assert swept > 9000


def _answer(model, case: dict[str, Any]) -> Any:
    try:
        result = model.evaluate(case)
    except InputError as error:
        return ("refused", error.field, str(error))
    fired = [(t.table, [r.id for r in t.rules]) for t in result.trace]
    return result.decision, fired


def test_tidy_writes_what_validate_expects_and_is_idempotent(tidied: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = tidied
    report = validate_workbook(out)
    assert report.ok
    assert [f for f in report.findings if f.code.startswith("DROPDOWN_")] == []
    again = tmp_path / "again.xlsx"
    tidy(out, again)
    with zipfile.ZipFile(out) as x, zipfile.ZipFile(again) as y:
        assert x.namelist() == y.namelist()
        assert [n for n in x.namelist() if x.read(n) != y.read(n)] == []


def test_tidy_lays_out_the_rule_sheets(tidied: tuple[Path, Path]) -> None:
    _, out = tidied
    model = load_model(out)
    wb = openpyxl.load_workbook(out)
    for table in model.model.tables:
        ws = wb[table.sheet]
        first_rule = table.rules[0].row
        assert ws.freeze_panes == f"C{first_rule}", table.sheet
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows is not None
        # A wrapped annotation gets a row tall enough for its lines.
        for rule in table.rules:
            assert ws.row_dimensions[rule.row].height >= 15
        rationale = ws.cell(row=first_rule, column=ws[table.outputs[-1].cell].column + 1)
        assert rationale.alignment.wrap_text


def _edit_row4(source: Path, dest: Path) -> tuple[str, str, str]:
    """Add NEW_VALUE to the allowed values of the first column (last table first) where that is no error."""
    model = load_model(source, use_cache=False)
    for table in reversed(model.model.tables):
        for column in table.inputs:
            wb = openpyxl.load_workbook(source)
            cell = wb[table.sheet][column.allowed_cell]
            cell.value = f"{cell.value},{NEW_VALUE}"
            wb.save(dest)
            if validate_workbook(dest).ok:
                return table.sheet, column.allowed_cell, column.cell
    pytest.fail("no column takes a new allowed value without an error")


def test_a_value_added_to_row_4_is_reported_and_tidy_offers_it(tidied: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = tidied
    edited = tmp_path / "edited.xlsx"
    sheet, allowed_cell, heading = _edit_row4(out, edited)
    found = _dropdown_findings(edited)
    located = [(f.code, f.severity, f.sheet, f.cell) for f in found]
    assert located == [("DROPDOWN_STALE", "warning", sheet, allowed_cell)]
    assert NEW_VALUE in found[0].message and "does not offer" in found[0].message
    assert f"atc-dmn tidy {edited}" in found[0].hint

    tidy(edited)
    assert _dropdown_findings(edited) == []
    validations = read_validations(edited)
    raw = read_workbook(edited)
    column = openpyxl.utils.column_index_from_string(heading.rstrip("0123456789"))
    offered = [
        list_items(v.formula, sheet, raw, validations.names)
        for v in validations.sheets[sheet]
        if any(c1 <= column <= c2 for c1, _, c2, _ in v.ranges)
    ]
    assert len(offered) == 1 and NEW_VALUE in offered[0]


def test_range_and_missing_drop_downs_are_located(tidied: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = tidied
    model = load_model(out).model
    table = max(model.tables, key=lambda t: len(t.rules))
    wb = openpyxl.load_workbook(out)
    ws = wb[table.sheet]
    first, second = table.inputs[0], table.inputs[1]
    letter = first.cell.rstrip("0123456789")
    last = table.rules[-1].row
    kept = []
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        if ref.startswith(second.cell.rstrip("0123456789")):
            continue  # the second column loses its drop-down
        if ref.startswith(letter):
            dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(f"{letter}{table.rules[0].row}:{letter}{last - 1}")
        kept.append(dv)
    # A drop-down left on the Rationale column, which holds no allowed values.
    rationale = ws[table.outputs[-1].cell].column + 1
    stray = openpyxl.worksheet.datavalidation.DataValidation(type="list", formula1='"a,b"')
    notes = openpyxl.utils.get_column_letter(rationale)
    stray.add(f"{notes}{table.rules[0].row}:{notes}{last}")
    ws.data_validations.dataValidation = [*kept, stray]
    edited = tmp_path / "ranges.xlsx"
    wb.save(edited)
    found = {(f.code, f.cell) for f in _dropdown_findings(edited)}
    heading_row = table.inputs[0].cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert found == {
        ("DROPDOWN_RANGE", first.cell),
        ("DROPDOWN_MISSING", second.allowed_cell),
        ("DROPDOWN_RANGE", f"{notes}{heading_row}"),
    }
    tidy(edited)
    assert _dropdown_findings(edited) == []


def test_a_workbook_without_drop_downs_gets_them_from_tidy_not_warnings(tiny_workbook) -> None:
    path = tiny_workbook(
        [
            {
                "name": "Plan",
                "hp": "U",
                "inputs": [("Stage", '"A","B"')],
                "outputs": [("Plan", '"x","y"')],
                "rules": [("P1", ['"A"'], ['"x"']), ("P2", ['"B"'], ['"y"'])],
            }
        ]
    )
    assert validate_workbook(path).ok and _dropdown_findings(path) == []
    tidy(path)
    validations = read_validations(path)
    plan = load_model(path, use_cache=False).model.tables[0]
    offered = [
        list_items(v.formula, plan.sheet, read_workbook(path), validations.names)
        for v in validations.sheets[plan.sheet]
    ]
    assert sorted(offered) == [['"x"', '"y"'], ["-", '"A"', '"B"']]
    assert _dropdown_findings(path) == []


def test_excel_extension_form_and_defined_names_are_read(tidied: tuple[Path, Path], tmp_path: Path) -> None:
    """Excel may store a list on another sheet as x14:dataValidation; the check must read that form too."""
    _, out = tidied
    raw = read_workbook(out)
    sheet = load_model(out).model.tables[0].sheet
    ours = read_validations(out).sheets[sheet][0]
    name = ours.formula
    target = read_validations(out).names[name.lower()]
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1" errorStyle="warning">'
        f"<x14:formula1><xm:f>{target}</xm:f></x14:formula1><xm:sqref>{ours.sqref}</xm:sqref>"
        "</x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    rewritten = tmp_path / "x14.xlsx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(rewritten, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if data.count(f"<formula1>{name}</formula1>".encode()):
                text = data.decode()
                start, end = text.index("<dataValidations"), text.index("</dataValidations>")
                text = text[:start] + text[end + len("</dataValidations>") :]
                text = text.replace("</worksheet>", ext + "</worksheet>") if "<extLst>" not in text else text
                data = text.encode()
            dst.writestr(info, data)
    found = read_validations(rewritten).sheets[sheet]
    assert [(v.sqref, v.kind, v.error_style) for v in found] == [(ours.sqref, "list", "warning")]
    expected = list_items(name, sheet, raw, read_validations(out).names)
    assert list_items(found[0].formula, sheet, raw, {}) == expected and expected


def test_inline_lists_as_excel_and_libreoffice_write_them() -> None:
    assert inline_items('"-,""IVA"",""IVB"",null"') == ["-", '"IVA"', '"IVB"', "null"]
    assert inline_items('"input,output"') == ["input", "output"]
    # LibreOffice's re-save drops the doubling: the formula is no longer one string.
    assert inline_items('"-,"IVA","IVB""') is None


# -- the command --------------------------------------------------------------------------------


def test_tidy_command_in_process(shipped_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "copy.xlsx"
    shutil.copyfile(shipped_path, source)
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(main, ["tidy", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{out}: " in result.output and "no cell value changed" in result.output
    assert source.read_bytes() == shipped_path.read_bytes()  # -o leaves the input alone
    assert _dropdown_findings(out) == []


def test_tidy_refuses_a_workbook_with_errors(shipped_workbook, tmp_path: Path) -> None:
    table_sheet = load_model().model.tables[0]
    cell = table_sheet.rules[0].cells[0]
    broken = shipped_workbook.copy({f"{table_sheet.sheet}!{cell}": 'not("x"'})
    before = broken.read_bytes()
    out = tmp_path / "never.xlsx"
    result = CliRunner().invoke(main, ["tidy", str(broken), "-o", str(out)])
    assert result.exit_code == 3
    assert f"{table_sheet.sheet}!{cell}" in result.output and "Traceback" not in result.output
    assert not out.exists() and broken.read_bytes() == before


def test_tidy_refuses_to_overwrite_a_sheet_it_did_not_write(shipped_workbook) -> None:
    def own_notes(wb) -> None:
        if LISTS_SHEET in wb.sheetnames:
            del wb[LISTS_SHEET]
        wb.create_sheet(LISTS_SHEET).cell(1, 1, "my notes")

    path = shipped_workbook.copy(edit=own_notes)
    result = CliRunner().invoke(main, ["tidy", str(path)])
    assert result.exit_code == 3
    assert "DROPDOWN_LISTS_SHEET" in result.output and f"{LISTS_SHEET}!A1" in result.output


def test_installed_command_reports_and_tidies(run_atc, tidied: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = tidied
    edited = tmp_path / "edited.xlsx"
    sheet, allowed_cell, _ = _edit_row4(out, edited)
    proc = run_atc("validate", edited)
    assert proc.returncode == 0, proc.stderr
    assert f"DROPDOWN_STALE  {sheet}!{allowed_cell}" in proc.stdout
    assert f"fix: Run `atc-dmn tidy {edited}`" in proc.stdout
    proc = run_atc("tidy", edited)
    assert proc.returncode == 0 and "no cell value changed" in proc.stdout, proc.stderr
    proc = run_atc("validate", edited)
    assert "DROPDOWN_" not in proc.stdout
    proc = run_atc("tidy", tmp_path / "missing.xlsx")
    assert proc.returncode == 3 and "FILE_NOT_FOUND" in proc.stderr and "Traceback" not in proc.stderr


# -- LibreOffice ---------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (soffice)")
def test_drop_downs_survive_a_libreoffice_resave_and_load_in_pydmnrules(
    tidied: tuple[Path, Path], tmp_path: Path
) -> None:
    pytest.importorskip("pyDMNrules")
    from atc_dmn.reference import evaluate_reference

    _, out = tidied
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
         "--outdir", str(tmp_path / "lo"), str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    resaved = tmp_path / "lo" / out.name
    assert _dropdown_findings(resaved) == []
    model = load_model(resaved, use_cache=False)
    case = {"diagnosis_confirmed": True, "m_category": "M1", "patient_preference": "active_treatment"}
    assert evaluate_reference(model, case).decision == model.evaluate(case).decision
