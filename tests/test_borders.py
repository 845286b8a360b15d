"""Borders and merges as Excel, LibreOffice and openpyxl store them: the same table reads the same.

Where the borders and the cells say different things about a table, one
finding names the cell to fix, and nothing else is reported.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Border, Side
from table_factory import STAGING

from atc_dmn import ModelError, load_model
from atc_dmn.report import validate_workbook

DOUBLE, THIN = Side(style="double"), Side(style="thin")
# Staging without an allowed-values row: complete over any T category, for the gap check.
OPEN = {
    **STAGING,
    "rules": [
        ("S1", ['"T1"', '"M0"'], ['"early"']),
        ("S2", ['not("T1")', '"M0"'], ['"late"']),
        ("S3", ["-", 'not("M0")'], ['"late"']),
    ],
}
CASES = [{"t_category": t, "m_category": m} for t in ("T1", "T2") for m in ("M0", "M1")]
ANSWERS = [{"stage": "early"}, {"stage": "late"}, {"stage": "late"}, {"stage": "late"}]


@pytest.fixture
def staging(tmp_path: Path, workbook_writer: Callable[..., Path]) -> Callable[..., Path]:
    """``staging(edit)``: the Staging workbook with ``edit(worksheet)`` applied to its table sheet."""

    def make(edit: Callable[[openpyxl.worksheet.worksheet.Worksheet], None], table: dict | None = None) -> Path:
        path = workbook_writer(tmp_path / "staging.xlsx", [table or STAGING])
        wb = openpyxl.load_workbook(path)
        edit(wb["Staging"])
        wb.save(path)
        return path

    return make


def set_side(ws, ref: str, **sides: Side | None) -> None:
    b = ws[ref].border
    ws[ref].border = Border(
        left=sides.get("left", b.left),
        right=sides.get("right", b.right),
        top=sides.get("top", b.top),
        bottom=sides.get("bottom", b.bottom),
    )


def findings(path: Path) -> list[tuple[str, str, str]]:
    # The tests' writer adds no drop-downs (`atc-dmn tidy` does): those warnings say nothing about borders.
    report = validate_workbook(path)
    return [(f.code, f.location, f.message) for f in report.findings if not f.code.startswith("DROPDOWN_")]


def answers(path: Path) -> list[dict]:
    model = load_model(path, use_cache=False)
    return [model.evaluate(case).decision for case in CASES]


# -- the same table, stored another way ----------------------------------------------------


def libreoffice_merge(ws) -> None:
    """What LibreOffice writes for the merged B3:B4: the double line under the merge on B3 and B4."""
    set_side(ws, "B3", bottom=DOUBLE)
    set_side(ws, "B4", bottom=DOUBLE)


def lines_on_the_right_neighbour(ws) -> None:
    """The input|output and output|annotation lines as the left border of the next column, rows 3 to 7."""
    for row in range(3, 8):
        for col, nxt in (("D", "E"), ("E", "F")):
            set_side(ws, f"{col}{row}", right=THIN)
            set_side(ws, f"{nxt}{row}", left=DOUBLE)


def no_allowed_row(ws) -> None:
    """No allowed-values row: B3 unmerged with a double bottom border, the rules from row 4."""
    ws.unmerge_cells("B3:B4")
    ws.delete_rows(4)
    set_side(ws, "B3", bottom=DOUBLE)


def no_allowed_row_line_on_b4(ws) -> None:
    """The same, the double line stored as the top border of B4."""
    ws.unmerge_cells("B3:B4")
    ws.delete_rows(4)
    set_side(ws, "B4", top=DOUBLE)


STORED_OTHERWISE = [
    (libreoffice_merge, STAGING),
    (lines_on_the_right_neighbour, STAGING),
    (no_allowed_row, OPEN),
    (no_allowed_row_line_on_b4, OPEN),
]


@pytest.mark.parametrize(("edit", "table"), STORED_OTHERWISE)
def test_a_table_stored_another_way_reads_the_same(staging, edit, table) -> None:
    path = staging(edit, table)
    assert findings(path) == []
    assert answers(path) == ANSWERS


@pytest.mark.parametrize(("edit", "table"), STORED_OTHERWISE)
def test_pydmnrules_reads_a_table_stored_another_way_as_this_engine(staging, edit, table) -> None:
    pytest.importorskip("pyDMNrules", reason="the reference engine needs the 'reference' extra")
    from atc_dmn.reference import evaluate_reference

    model = load_model(staging(edit, table), use_cache=False)
    assert [evaluate_reference(model, case).decision for case in CASES] == ANSWERS


def test_the_libreoffice_merge_keeps_row_4_as_allowed_values(staging) -> None:
    # Row 4 still lists the allowed values: a rule giving a value outside them is reported.
    def edit(ws) -> None:
        libreoffice_merge(ws)
        ws["E6"] = '"middle"'

    ((code, where, _),) = findings(staging(edit))
    assert (code, where) == ("OUTPUT_NOT_ALLOWED", "Staging!E6")


# -- borders and cells that disagree -----------------------------------------------------------


def test_a_double_line_under_an_unmerged_hit_policy_over_allowed_values_is_one_finding(staging) -> None:
    def edit(ws) -> None:
        ws.unmerge_cells("B3:B4")
        set_side(ws, "B3", bottom=DOUBLE)

    path = staging(edit)
    ((code, where, message),) = findings(path)
    assert (code, where) == ("ALLOWED_ROW_AMBIGUOUS", "Staging!B3")
    assert "B3 has a double bottom border" in message and "B4 has no rule id" in message
    assert "Merge B3:B4" in validate_workbook(path).errors[0].hint
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)
    assert (info.value.code, info.value.location) == ("ALLOWED_ROW_AMBIGUOUS", "Staging!B3")


def test_the_double_line_on_b4_is_named_there(staging) -> None:
    def edit(ws) -> None:
        ws.unmerge_cells("B3:B4")
        set_side(ws, "B4", top=DOUBLE)

    ((code, where, message),) = findings(staging(edit))
    assert (code, where) == ("ALLOWED_ROW_AMBIGUOUS", "Staging!B3")
    assert "B4 has a double top border" in message


def test_a_rule_in_row_4_without_the_double_line_is_one_finding(staging) -> None:
    def edit(ws) -> None:
        ws.unmerge_cells("B3:B4")
        ws.delete_rows(4)  # the first rule, S1, moves up into row 4; B3 has no double line under it

    ((code, where, message),) = findings(staging(edit))
    assert (code, where) == ("ALLOWED_ROW_AMBIGUOUS", "Staging!B3")
    assert "B4 holds 'S1'" in message and "row 4 would be read as allowed values" in message


def test_a_double_line_left_of_the_first_heading_is_one_finding(staging) -> None:
    path = staging(lambda ws: set_side(ws, "C3", left=DOUBLE))
    ((code, where, message),) = findings(path)
    assert (code, where) == ("BORDER_MISPLACED", "Staging!C3")
    assert "no inputs" in message


def test_a_boundary_drawn_below_the_headings_only_is_named_at_the_heading(staging) -> None:
    # Else the output|annotation line after Stage would be read as the input|output one.
    path = staging(lambda ws: set_side(ws, "D3", right=THIN))
    ((code, where, message),) = findings(path)
    assert (code, where) == ("BORDER_MISPLACED", "Staging!D3")
    assert "after 'M category'" in message


def test_an_invalid_hit_policy_is_one_finding_at_its_cell(staging) -> None:
    path = staging(lambda ws: ws.__setitem__("B3", "X"))
    ((code, where, message),) = findings(path)
    assert (code, where) == ("HIT_POLICY", "Staging!B3")
    assert "'X'" in message


def test_a_merge_over_rules_is_still_reported_when_a_table_cannot_be_built(staging) -> None:
    def edit(ws) -> None:
        ws["B3"] = "X"
        ws.merge_cells("C5:C6")

    assert [(code, where) for code, where, _ in findings(staging(edit))] == [
        ("HIT_POLICY", "Staging!B3"),
        ("CELL_MERGED", "Staging!C5"),
    ]


# -- merged ranges in general ------------------------------------------------------------------


def with_notes_merge(path: Path, ref: str, cell: tuple[int, int] | None = None) -> Path:
    """Add a sheet Notes (with ``cell`` filled) merged over ``ref``, written into its XML directly.

    openpyxl would create an object for every covered cell of a huge merge.
    """
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Notes")
    if cell:
        ws.cell(row=cell[0], column=cell[1], value="end")
    wb.save(path)
    part = f"xl/worksheets/sheet{len(wb.worksheets)}.xml"
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts[part].decode()
    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
    xml = xml.replace("<sheetData />", "<sheetData />" + merge).replace("</sheetData>", "</sheetData>" + merge)
    assert merge in xml
    parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_a_merge_over_a_whole_sheet_is_reported_without_walking_its_cells(tmp_path, workbook_writer) -> None:
    path = with_notes_merge(workbook_writer(tmp_path / "m.xlsx", [STAGING]), "A1:XFD1048576")
    assert [(code, where) for code, where, _ in findings(path)] == [("CELL_MERGED", "Notes!A1")]


def test_merges_covering_more_than_a_million_used_cells_are_refused(tmp_path, workbook_writer) -> None:
    path = with_notes_merge(workbook_writer(tmp_path / "m.xlsx", [STAGING]), "A1:ALL1999", cell=(2000, 1000))
    ((code, where, message),) = findings(path)
    assert (code, where) == ("FILE_TOO_LARGE", "Notes")
    assert "1000000 cell limit" in message
