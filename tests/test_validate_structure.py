"""Layout and cell checks: merged cells, tables split by blank rows and columns, stray table names,
unused variables, wording, numbers typed as text, type mismatches, and circular decisions."""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from table_factory import STAGING
from workbook_writer import write_workbook

from atc_dmn import ModelError, load_model
from atc_dmn.loader.merged import merged_ranges
from atc_dmn.report import validate_workbook

PLAN = {
    "name": "Plan",
    "hp": "U",
    "inputs": [("Stage", '"early","late"')],
    "outputs": [("Plan", '"surgery","palliation"')],
    "rules": [("P1", ['"early"'], ['"surgery"']), ("P2", ['"late"'], ['"palliation"'])],
}


def edited(tmp_path: Path, edit, tables: list[dict[str, Any]] | None = None, name: str = "m.xlsx") -> Path:
    path = write_workbook(tmp_path / name, tables or [STAGING])
    wb = openpyxl.load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def findings(path: Path, code: str) -> list:
    rep = validate_workbook(path)
    return [f for f in rep.findings if f.code == code]


def test_merged_cells_inside_a_table_are_an_error_and_refuse_the_model(tmp_path: Path) -> None:
    path = edited(tmp_path, lambda wb: wb["Staging"].merge_cells("D5:D6"))
    (found,) = findings(path, "CELL_MERGED")
    assert (found.sheet, found.cell, found.severity) == ("Staging", "D5", "error")
    assert "D5:D6" in found.message
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)  # read-only loading cannot see merges: they are read from the file
    assert info.value.code == "CELL_MERGED"


def test_the_hit_policy_merge_and_a_title_merge_are_fine(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        wb["Staging"].merge_cells("B2:D2")  # the table's name over its row
        wb["References"].merge_cells("B2:D2")  # a title on a list sheet

    path = edited(tmp_path, edit)
    assert merged_ranges(path) == {"Staging": ["B3:B4", "B2:D2"], "References": ["B2:D2"]}
    assert validate_workbook(path).findings == []


def test_merged_rows_on_the_test_sheet_are_an_error(tmp_path: Path) -> None:
    tests = [("C1", {"T category": "T1", "M category": "M0"}, {}, None), ("C2", {"M category": "M1"}, {}, None)]
    path = write_workbook(tmp_path / "t.xlsx", [STAGING], tests=tests)
    wb = openpyxl.load_workbook(path)
    wb["Test"].merge_cells("E4:E5")
    wb.save(path)
    (found,) = findings(path, "CELL_MERGED")
    assert (found.sheet, found.cell) == ("Test", "E4")


def test_merged_ranges_reads_sheet_names_with_markup_characters(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet("R&D <notes>")
        ws.merge_cells("A1:A3")

    path = edited(tmp_path, edit)
    assert merged_ranges(path)["R&D <notes>"] == ["A1:A3"]
    (found,) = findings(path, "CELL_MERGED")
    assert found.sheet == "R&D <notes>"


def test_merged_ranges_ignores_a_file_that_changed_since_loading(tmp_path: Path) -> None:
    path = edited(tmp_path, lambda wb: wb["Staging"].merge_cells("D5:D6"))
    assert merged_ranges(path, sha256="0" * 64) is None


def test_rules_below_a_blank_row_are_reported_and_refused(tmp_path: Path) -> None:
    collect = {**STAGING, "hp": "C"}  # a collect table: losing a rule leaves no gap to notice
    path = edited(tmp_path, lambda wb: wb["Staging"].insert_rows(7), [collect])
    (found,) = findings(path, "TABLE_SPLIT")
    assert (found.sheet, found.cell) == ("Staging", "B8")
    assert "blank row 7" in found.message
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)
    assert (info.value.code, info.value.location) == ("TABLE_SPLIT", "Staging!B8")


def test_a_note_below_a_table_is_not_a_split(tmp_path: Path) -> None:
    path = edited(tmp_path, lambda wb: wb["Staging"].cell(row=10, column=3, value="Reviewed 2025."))
    assert validate_workbook(path).findings == []


def test_a_second_table_below_a_blank_row_is_not_a_split(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        # Move the Plan table under the Staging table (rows 2-7), one blank row apart.
        src, dst = wb["Plan"], wb["Staging"]
        for row in src.iter_rows():
            for cell in row:
                target = dst.cell(row=cell.row + 7, column=cell.column, value=cell.value)
                target.border = copy(cell.border)
        dst.merge_cells("B10:B11")
        del wb["Plan"]

    path = edited(tmp_path, edit, [STAGING, PLAN])
    rep = validate_workbook(path)
    assert rep.findings == [], [(f.code, f.location, f.message) for f in rep.findings]
    assert load_model(path, use_cache=False).evaluate({"t_category": "T1", "m_category": "M0"}).decision == {
        "plan": "surgery"
    }


def test_blank_column_is_reported_as_a_split_not_as_missing_borders(tmp_path: Path) -> None:
    three = {
        **STAGING,
        "inputs": [("T category", '"T1","T2"'), ("N category", '"N0","N1"'), ("M category", '"M0","M1"')],
        "rules": [("S1", ["-", "-", '"M0"'], ['"early"']), ("S2", ["-", "-", '"M1"'], ['"late"'])],
    }
    path = edited(tmp_path, lambda wb: wb["Staging"].insert_cols(4), [three])
    rep = validate_workbook(path)
    assert [(f.code, f.location) for f in rep.errors] == [("TABLE_SPLIT", "Staging!D3")]


def test_a_stray_table_name_is_a_warning(tmp_path: Path) -> None:
    path = edited(tmp_path, lambda wb: wb.create_sheet("Notes").cell(row=4, column=3, value="Staging"))
    rep = validate_workbook(path)
    (found,) = rep.findings
    assert (found.code, found.severity, found.location) == ("TABLE_NAME_REUSED", "warning", "Notes!C4")
    assert rep.ok


def test_headings_and_the_glossary_do_not_count_as_stray_table_names(tmp_path: Path) -> None:
    named = {**PLAN, "name": "Stage"}  # the table's name is also the heading of its input column
    tables = [{**STAGING, "outputs": [("Stage", '"early","late"')]}, named]
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", tables))
    assert [f.code for f in rep.findings] == []


def test_an_intermediate_no_table_reads_is_a_warning(tmp_path: Path) -> None:
    extra = {**STAGING, "outputs": [("Stage", '"early","late"'), ("Spare", '"x"')]}
    extra["rules"] = [(rid, ins, [*outs, '"x"']) for rid, ins, outs in STAGING["rules"]]
    path = write_workbook(tmp_path / "m.xlsx", [extra, PLAN])

    def demote(wb: openpyxl.Workbook) -> None:
        for row in wb["Glossary"].iter_rows(min_row=4):
            if row[1].value == "Spare":
                row[4].value = "intermediate"
        wording = wb["Wording"]
        wording.delete_rows(next(c.row for c in wording["B"] if c.value == "spare"))

    wb = openpyxl.load_workbook(path)
    demote(wb)
    wb.save(path)
    rep = validate_workbook(path)
    (found,) = rep.findings
    assert (found.code, found.severity, found.sheet) == ("VARIABLE_UNUSED", "warning", "Glossary")
    assert rep.ok


def test_missing_and_unknown_wording(tmp_path: Path) -> None:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["Wording"]
        ws.cell(row=4, column=3, value="retired")  # was stage / late

    path = edited(tmp_path, edit)
    rep = validate_workbook(path)
    assert [(f.code, f.severity, f.location) for f in rep.findings] == [
        ("WORDING_MISSING", "error", "Staging!E4"),
        ("WORDING_UNKNOWN", "warning", "Wording!C4"),
    ]
    assert "stage = late" in rep.findings[0].message


NUMERIC = {
    "name": "Dose",
    "hp": "U",
    "inputs": [("Age", "[0..120]")],
    "outputs": [("Dose band", '"child","adult"')],
    "rules": [("D1", ["< 18"], ['"child"']), ("D2", [">= 18"], ['"adult"'])],
}


def test_number_typed_as_text_in_a_numeric_column(tmp_path: Path) -> None:
    t = {**NUMERIC, "rules": [*NUMERIC["rules"], ("D3", ['"18"'], ['"adult"'])]}
    t["hp"] = "F"
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [t], defaults={"Age": "30"}))
    found = [f for f in rep.findings if f.code == "NUMBER_AS_TEXT"]
    assert [(f.location, f.rule) for f in found] == [("Dose!C7", "D3")]
    assert "write 18" in found[0].hint


def test_text_and_booleans_in_a_numeric_column_are_type_mismatches(tmp_path: Path) -> None:
    t = {
        **NUMERIC,
        "hp": "F",
        "rules": [*NUMERIC["rules"], ("D3", ['"fifty"'], ['"adult"']), ("D4", ["true"], ['"adult"'])],
    }
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [t], defaults={"Age": "30"}))
    assert [(f.code, f.location) for f in rep.findings if f.code == "TYPE_MISMATCH"] == [
        ("TYPE_MISMATCH", "Dose!C7"),
        ("TYPE_MISMATCH", "Dose!C8"),
    ]


@pytest.mark.parametrize(
    ("allowed", "cell", "code"),
    [("1,2,3", '"2"', "NUMBER_AS_TEXT"), ("true,false", "1", "TYPE_MISMATCH"), ('"a","b"', "true", "TYPE_MISMATCH")],
)
def test_loader_names_the_kind_of_a_wrong_value(tmp_path: Path, allowed: str, cell: str, code: str) -> None:
    t = {
        "name": "Kinds",
        "hp": "C",
        "inputs": [("Level", allowed)],
        "outputs": [("Out", '"x"')],
        "rules": [("K1", [cell], ['"x"'])],
    }
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [t]))
    assert [(f.code, f.location) for f in rep.errors] == [(code, "Kinds!C5")]


def test_an_output_number_typed_as_text(tmp_path: Path) -> None:
    t = {
        "name": "Score",
        "hp": "U",
        "inputs": [("Level", '"a","b"')],
        "outputs": [("Points", "1,2")],
        "rules": [("K1", ['"a"'], ["1"]), ("K2", ['"b"'], ['"2"'])],
    }
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [t], wording=None))
    assert ("NUMBER_AS_TEXT", "Score!D6") in [(f.code, f.location) for f in rep.errors]


def test_a_table_that_reads_its_own_output_is_a_cycle(tmp_path: Path) -> None:
    looping = {
        **PLAN,
        "inputs": [("Stage", '"early","late"'), ("Plan", '"surgery","palliation"')],
        "rules": [(rid, [*ins, "-"], outs) for rid, ins, outs in PLAN["rules"]],
    }
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [STAGING, looping]))
    (found,) = [f for f in rep.errors if f.code == "GRAPH_CYCLE"]
    assert found.location == "Plan!D3"
    assert "Plan -> Plan" in found.message
    assert not [f for f in rep.errors if f.code == "GRAPH_ORDER"]


def test_two_tables_that_read_each_other_are_a_cycle_not_an_ordering_problem(tmp_path: Path) -> None:
    staging = {
        **STAGING,
        "inputs": [*STAGING["inputs"], ("Plan", '"surgery","palliation"')],
        "rules": [(rid, [*ins, "-"], outs) for rid, ins, outs in STAGING["rules"]],
    }
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [staging, PLAN]))
    (found,) = [f for f in rep.errors if f.code == "GRAPH_CYCLE"]
    assert found.location == "Staging!E3"
    assert "Staging -> Plan -> Staging" in found.message
    assert "GRAPH_ORDER" not in [f.code for f in rep.errors]


def test_a_table_run_too_early_is_still_an_ordering_problem(tmp_path: Path) -> None:
    rep = validate_workbook(write_workbook(tmp_path / "m.xlsx", [PLAN, STAGING]))
    assert [(f.code, f.location) for f in rep.errors] == [("GRAPH_ORDER", "Plan!C3")]
