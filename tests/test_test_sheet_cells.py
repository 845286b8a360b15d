"""Typos on the Test sheet: ``validate`` warns at the cell, ``test`` fails the case naming the cell, and
the model is still used (a Test sheet typo changes no recommendation). The optional Reason column is
carried with each case and shown when it fails.

Mistakes are made on copies of the shipped workbook; cells are found by reading the sheet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_messages import located

from atc_dmn import load_model
from atc_dmn.cli import main
from atc_dmn.report import validate_workbook

REASON = "Hand-checked against the source, table by table."


class SheetCells:
    """The shipped Test sheet read with openpyxl: cases by id, cells by heading."""

    def __init__(self, shipped_workbook) -> None:
        self.wb = shipped_workbook
        self.ws = shipped_workbook.sheet("Test")
        self.head_row = self.ws[shipped_workbook.find("Test", "Case")].row
        self.heads = {c.value: c.column for c in self.ws[self.head_row] if c.value}
        self.ids = []
        for row in range(self.head_row + 1, self.ws.max_row + 1):
            value = self.ws.cell(row=row, column=self.heads["Case"]).value
            if value is None:
                break
            self.ids.append((str(value), row))

    def cell(self, row: int, heading: str) -> str:
        return self.ws.cell(row=row, column=self.heads[heading]).coordinate

    def value(self, row: int, heading: str) -> Any:
        return self.ws.cell(row=row, column=self.heads[heading]).value

    def first(self, heading: str, ok=lambda v: v not in (None, "")) -> tuple[str, int, Any]:
        """(case id, row, value) of the first case with a value under ``heading`` that ``ok`` accepts."""
        for case_id, row in self.ids:
            value = self.value(row, heading)
            if ok(value):
                return case_id, row, value
        raise LookupError(f"no case has a usable value under {heading!r}")

    def reason_edit(self, row: int) -> dict[str, str]:
        """An edit giving the case at ``row`` a Reason (adding the column if the sheet has none)."""
        column = self.heads.get("Reason") or max(self.heads.values()) + 1
        edits = {f"Test!{self.ws.cell(row=row, column=column).coordinate}": REASON}
        if "Reason" not in self.heads:
            edits[f"Test!{self.ws.cell(row=self.head_row, column=column).coordinate}"] = "Reason"
        return edits


@pytest.fixture
def sheet(shipped_workbook) -> SheetCells:
    return SheetCells(shipped_workbook)


def variables(shipped_workbook) -> dict[str, Any]:
    return load_model(shipped_workbook.source, use_cache=False).model.variables


def run_test(path: Path, run_atc) -> tuple[str, dict[str, Any]]:
    """``atc-dmn test`` on ``path``: the text (in-process and installed command agree) and the JSON report."""
    text = CliRunner().invoke(main, ["test", str(path)])
    proc = run_atc("test", path)
    assert text.exit_code == proc.returncode == 1, proc.stdout + proc.stderr
    assert text.output == proc.stdout
    as_json = CliRunner().invoke(main, ["test", str(path), "--format", "json"])
    return " ".join(proc.stdout.split()), json.loads(as_json.stdout)


def failing(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["cases"] if not c["passed"]}


def still_used(path: Path, run_atc) -> None:
    """A Test sheet typo refuses nothing: no error in validate, and evaluate answers."""
    assert [f.location for f in validate_workbook(path).errors if f.sheet == "Test"] == []
    proc = run_atc("evaluate", "--model", path, "--set", "diagnosis_confirmed=true")
    assert proc.returncode == 0, proc.stderr


# -- inputs ----------------------------------------------------------------------------------------------


def _category_input(sheet: SheetCells, shipped_workbook) -> tuple[str, int, str, str]:
    model = load_model(shipped_workbook.source, use_cache=False).model
    kinds = {spec.name: spec.kind for spec in model.inputs}
    for heading in sheet.heads:
        if kinds.get(heading) == "category":
            case_id, row, value = sheet.first(heading, lambda v: isinstance(v, str) and v.strip() != "")
            return case_id, row, heading, value
    raise LookupError("no category input on the Test sheet")


def test_an_input_value_the_input_does_not_allow(sheet, shipped_workbook, run_atc) -> None:
    case_id, row, heading, value = _category_input(sheet, shipped_workbook)
    typo = value.lower() if value.lower() != value else value.upper()
    where = f"Test!{sheet.cell(row, heading)}"
    path = shipped_workbook.copy({where: typo, **sheet.reason_edit(row)})
    (finding,) = located(path, run_atc, "TEST_INPUT_VALUE", where)
    assert finding["severity"] == "warning"
    assert f"case {case_id}" in finding["message"] and repr(typo) in finding["message"]
    assert f"did you mean '{value}'" in finding["message"]
    still_used(path, run_atc)
    text, report = run_test(path, run_atc)
    case = failing(report)[case_id]
    assert case["problem"].startswith("refused") and f"(at {where})" in case["problem"]
    assert f"{case_id} FAIL" in text and f"(at {where})" in text
    assert case["reason"] == REASON and REASON in text


def test_booleans_are_read_as_a_case_would_be(sheet, shipped_workbook, run_atc) -> None:
    """yes/no and any capitals are booleans to the runtime, so not a typo; other words are."""
    kinds = {v.name: v for v in variables(shipped_workbook).values()}
    model = load_model(shipped_workbook.source, use_cache=False).model
    boolean = next(s.name for s in model.inputs if s.kind == "boolean" and s.name in sheet.heads and s.name in kinds)
    case_id, row, value = sheet.first(boolean, lambda v: str(v).lower() in ("true", "false"))
    where = f"Test!{sheet.cell(row, boolean)}"
    fine = shipped_workbook.copy({where: "Yes" if str(value).lower() == "true" else "NO"}, name="fine.xlsx")
    assert [f for f in validate_workbook(fine).findings if f.code == "TEST_INPUT_VALUE"] == []
    assert case_id not in failing(json.loads(CliRunner().invoke(main, ["test", str(fine), "--format", "json"]).stdout))
    typo = shipped_workbook.copy({where: "ja"}, name="typo.xlsx")
    (finding,) = located(typo, run_atc, "TEST_INPUT_VALUE", where)
    assert "'ja' is not a boolean" in finding["message"]


# -- expected outputs ------------------------------------------------------------------------------------


def _single_output(shipped_workbook, sheet: SheetCells) -> tuple[str, list[str]]:
    """A Test sheet heading of an output decided by a single-hit table, and its codes."""
    model = load_model(shipped_workbook.source, use_cache=False).model
    for table in model.tables:
        if table.hit_policy in ("U", "A", "P", "F"):
            for column in table.outputs:
                var = model.variables[column.variable]
                if var.role == "output" and var.name in sheet.heads and column.enumeration:
                    return var.name, [v for v in column.enumeration if isinstance(v, str)]
    raise LookupError("no single-hit output on the Test sheet")


def test_an_expected_code_the_output_cannot_take(sheet, shipped_workbook, run_atc) -> None:
    heading, codes = _single_output(shipped_workbook, sheet)
    case_id, row, value = sheet.first(heading, lambda v: v in codes)
    where = f"Test!{sheet.cell(row, heading)}"
    path = shipped_workbook.copy({where: value[:-1], **sheet.reason_edit(row)})
    (finding,) = located(path, run_atc, "TEST_EXPECTED_VALUE", where)
    assert finding["severity"] == "warning"
    assert f'"{value[:-1]}"' in finding["message"] and f'did you mean "{value}"' in finding["message"]
    still_used(path, run_atc)
    text, report = run_test(path, run_atc)
    case = failing(report)[case_id]
    assert case["problem"].startswith(f"{where}: ") and f'did you mean "{value}"' in case["problem"]
    assert [m["cell"] for m in case["mismatches"]] == [where]
    assert f"{where}:" in text and REASON in text


def test_a_wrong_but_possible_expectation_fails_naming_its_cell(sheet, shipped_workbook, run_atc) -> None:
    heading, codes = _single_output(shipped_workbook, sheet)
    case_id, row, value = sheet.first(heading, lambda v: v in codes)
    other = next(c for c in codes if c != value)
    where = f"Test!{sheet.cell(row, heading)}"
    path = shipped_workbook.copy({where: other})
    assert [f for f in validate_workbook(path).findings if f.code.startswith("TEST_")] == []  # a code it can take
    text, report = run_test(path, run_atc)
    case = failing(report)[case_id]
    assert [m["cell"] for m in case["mismatches"]] == [where]
    assert f"{where}: {heading.lower().replace(' ', '_')}: expected" in text


def test_an_item_of_an_expected_list_that_is_no_code(sheet, shipped_workbook, run_atc) -> None:
    model = load_model(shipped_workbook.source, use_cache=False).model
    listed = next(
        model.variables[c.variable].name
        for t in model.tables
        if t.hit_policy == "C"
        for c in t.outputs
        if model.variables[c.variable].name in sheet.heads
    )
    case_id, row, value = sheet.first(listed, lambda v: isinstance(v, str) and "," in v)
    items = [i.strip() for i in value.split(",")]
    typo = items[0] + "s"
    where = f"Test!{sheet.cell(row, listed)}"
    path = shipped_workbook.copy({where: "; ".join([typo, *items[1:]])})
    (finding,) = located(path, run_atc, "TEST_EXPECTED_VALUE", where)
    assert f'"{typo}"' in finding["message"] and f'did you mean "{items[0]}"' in finding["message"]
    assert all(f'"{i}"' not in finding["message"] for i in items[1:])  # the other items are codes
    _, report = run_test(path, run_atc)
    assert failing(report)[case_id]["problem"].startswith(f"{where}: ")


# -- expected errors and case ids ------------------------------------------------------------------------


def test_an_expected_error_that_names_no_input(sheet, shipped_workbook, run_atc) -> None:
    case_id, row, value = sheet.first("Expected error")
    typo = value[::-1]
    where = f"Test!{sheet.cell(row, 'Expected error')}"
    path = shipped_workbook.copy({where: typo})
    (finding,) = located(path, run_atc, "TEST_EXPECTED_ERROR", where)
    assert f"'{typo}' names no input" in finding["message"]
    text, report = run_test(path, run_atc)
    problem = failing(report)[case_id]["problem"]
    assert problem.startswith("refused naming") and f"(at {where})" in problem
    assert f"(at {where})" in text


def test_two_cases_with_one_id(sheet, shipped_workbook, run_atc) -> None:
    (first, first_row), (_, second_row) = sheet.ids[:2]
    where = f"Test!{sheet.cell(second_row, 'Case')}"
    path = shipped_workbook.copy({where: first})
    (finding,) = located(path, run_atc, "TEST_CASE_DUPLICATE", where)
    assert f"'{first}' is used twice (also at Test!{sheet.cell(first_row, 'Case')})" in finding["message"]


# -- the Reason column -------------------------------------------------------------------------------------


def test_the_reason_column_is_carried_with_each_case(sheet, shipped_workbook) -> None:
    case_id, row = sheet.ids[0]
    path = shipped_workbook.copy(sheet.reason_edit(row))
    found = validate_workbook(path)
    assert [f for f in found.findings if f.code == "TEST_HEADING"] == []
    case = next(c for c in load_model(path, use_cache=False).model.tests if c.id == case_id)
    assert case.reason == REASON
    assert "Reason" not in case.inputs and "Reason" not in case.expected
