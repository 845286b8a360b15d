"""``atc-dmn test`` and :mod:`atc_dmn.case_runner`: the Test sheet and case files, pass/fail with expected and
actual values, expected refusals, and rule coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from spec_oracle import StageConflict, decide
from table_factory import STAGING
from workbook_writer import write_workbook

from atc_dmn import DecisionModel, InputError, load_model
from atc_dmn.case_runner import fired_rules, run_tests, same_value
from atc_dmn.cli import main


def small(tmp_path: Path, tests: list[tuple[str, dict[str, Any], dict[str, Any], str | None]]) -> Path:
    return write_workbook(tmp_path / "small.xlsx", [STAGING], tests=tests)


# -- the shipped workbook -------------------------------------------------------------------


def test_sheet_case_ids(path: Path) -> list[str]:
    """The Test sheet's case ids, read with openpyxl: column B below the 'Case' heading, up to the first blank."""
    rows = list(openpyxl.load_workbook(path, read_only=True)["Test"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if len(row) > 1 and row[1] == "Case") + 1
    ids = []
    for row in rows[start:]:
        if len(row) < 2 or row[1] is None:
            break
        ids.append(str(row[1]))
    return ids


test_sheet_case_ids.__test__ = False  # a helper, not a test


def workbook_rule_count(path: Path) -> int:
    """How many rules the workbook's tables hold, read with openpyxl: the Decision sheet's tables, one id a row."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Decision"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if "Execute Decision Tables" in row) + 1
    column = rows[start - 1].index("Execute Decision Tables")
    total = 0
    for row in rows[start:]:
        if len(row) <= column or row[column] is None:
            break
        for rule in book[row[column]].iter_rows(min_row=5, min_col=2, max_col=2, values_only=True):
            if rule[0] is None:
                break
            total += 1
    return total


def test_shipped_test_sheet_passes_and_covers_every_rule(model: DecisionModel, shipped_path: Path) -> None:
    report = run_tests(model)
    assert [o.id for o in report.outcomes] == [c.id for c in model.model.tests] == test_sheet_case_ids(shipped_path)
    assert [o.id for o in report.outcomes if not o.passed] == []
    total = workbook_rule_count(shipped_path)
    assert total == sum(len(t.rules) for t in model.model.tables)
    assert (report.coverage.total, report.coverage.covered) == (total, total)
    assert report.coverage.percent == 100.0
    assert report.coverage.uncovered == ()


def test_shipped_test_sheet_agrees_with_the_spec(model: DecisionModel) -> None:
    """Each Test sheet row expects what an independent reading of the spec decides."""
    for case in model.model.tests:
        normalised = model.normalise({k: v for k, v in case.inputs.items()})
        try:
            expected = decide(normalised)
        except StageConflict:
            assert case.expected_error == "stage", case.id
            continue
        for key, value in case.expected.items():
            assert same_value(value, expected[key]), (case.id, key, value, expected[key])


def test_the_coverage_walk_fires_what_the_engine_reports(model: DecisionModel) -> None:
    for case in model.model.tests:
        try:
            result = model.evaluate(case.inputs)
        except InputError:  # refused cases carry no trace; their walk is checked below
            continue
        traced = [(step.table, rule.id) for step in result.trace for rule in step.rules]
        assert fired_rules(model, case.inputs) == traced, case.id


def test_a_refused_case_covers_the_check_rule_that_refuses_it(model: DecisionModel) -> None:
    case = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}
    fired = fired_rules(model, case)
    with pytest.raises(InputError) as refusal:
        model.evaluate(case)
    # The walk stops at the rule the refusal names, after the rules of the tables before it.
    table, rule_id = fired[-1]
    assert f"rule {rule_id} of table '{table}'" in str(refusal.value)
    order = [t.name for t in model.model.tables]
    assert [t for t, _ in fired] == order[: order.index(table) + 1]


def test_shipped_command_passes_with_full_coverage(run_atc, shipped_path: Path) -> None:
    proc = run_atc("test")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 failed" in proc.stdout
    total = workbook_rule_count(shipped_path)
    assert f"rule coverage: {total} of {total} rules (100%)" in proc.stdout
    assert "warning" not in proc.stdout


# -- failures and their report ----------------------------------------------------------------


def test_a_wrong_expectation_fails_with_expected_and_actual(tmp_path: Path) -> None:
    path = small(
        tmp_path,
        [
            ("C1", {"T category": "T1", "M category": "M0"}, {"Stage": "early"}, None),
            ("C2", {"T category": "T2", "M category": "M0"}, {"Stage": "early"}, None),
        ],
    )
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split() == ["CASE", "RESULT", "DESCRIPTION"]
    assert lines[1].split()[:2] == ["C1", "pass"]
    assert lines[2].split()[:2] == ["C2", "FAIL"]
    assert 'stage: expected "early", actual "late"' in lines[3]
    assert "1 passed, 1 failed" in result.output


def test_rules_no_case_fires_are_warnings_with_the_percentage(tmp_path: Path) -> None:
    path = small(tmp_path, [("C1", {"T category": "T1", "M category": "M0"}, {"Stage": "early"}, None)])
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 0, result.output
    assert "rule coverage: 1 of 3 rules (33%)" in result.output
    assert "warning: Staging!B6: no test case fires rule S2 of table 'Staging' [RULE_UNTESTED]" in result.output
    assert "warning: Staging!B7: no test case fires rule S3 of table 'Staging' [RULE_UNTESTED]" in result.output


def test_blank_expected_cells_are_not_checked(tmp_path: Path) -> None:
    path = small(tmp_path, [("C1", {"T category": "T2", "M category": "M0"}, {}, None)])
    report = run_tests(load_model(path, use_cache=False))
    assert [o.passed for o in report.outcomes] == [True]
    assert report.outcomes[0].fired == (("Staging", "S2"),)


def test_expected_error_names_the_input(tmp_path: Path) -> None:
    path = small(
        tmp_path,
        [
            ("C1", {"T category": "T9"}, {}, "t_category"),  # refused, naming the expected input
            ("C2", {"T category": "T9"}, {}, "m_category"),  # refused, but naming another input
            ("C3", {"T category": "T1", "M category": "M0"}, {}, "t_category"),  # not refused at all
            ("C4", {"T category": "T9"}, {}, None),  # refused unexpectedly
        ],
    )
    outcomes = run_tests(load_model(path, use_cache=False)).outcomes
    assert [o.passed for o in outcomes] == [True, False, False, False]
    assert "refused naming 't_category', expected 'm_category'" in outcomes[1].problem
    assert "a refusal naming 't_category' was expected" in outcomes[2].problem
    assert outcomes[3].problem.startswith("refused: t_category")


def test_shipped_expected_errors_are_checked(shipped_workbook) -> None:
    # TC23 expects a refusal naming 'stage'; naming another input must fail the case.
    row = shipped_workbook.row_of("Test", 2, "TC23")
    column = shipped_workbook.heading_column("Test", "Expected error")
    path = shipped_workbook.copy({f"Test!{openpyxl.utils.get_column_letter(column)}{row}": "m_category"})
    report = run_tests(load_model(path, use_cache=False))
    (failed,) = [o for o in report.outcomes if not o.passed]
    assert failed.id == "TC23"
    assert "refused naming 'stage', expected 'm_category'" in failed.problem


def test_shipped_wrong_action_list_fails_and_order_does_not_matter(shipped_workbook) -> None:
    row = shipped_workbook.row_of("Test", 2, "TC02")
    column = openpyxl.utils.get_column_letter(shipped_workbook.heading_column("Test", "Actions"))
    reordered = shipped_workbook.copy({f"Test!{column}{row}": "secure_airway; tissue_biopsy, neck_ct"})
    assert run_tests(load_model(reordered, use_cache=False)).ok
    wrong = shipped_workbook.copy({f"Test!{column}{row}": "neck_ct, tissue_biopsy"})
    report = run_tests(load_model(wrong, use_cache=False))
    (failed,) = [o for o in report.outcomes if not o.passed]
    (mismatch,) = failed.mismatches
    assert mismatch.output == "actions"
    assert set(mismatch.actual) == {"neck_ct", "tissue_biopsy", "secure_airway"}


# -- case files ---------------------------------------------------------------------------


def test_jsonl_cases_with_expected_outputs_and_errors(tmp_path: Path, model: DecisionModel) -> None:
    lines = [
        {
            "id": "ok",
            "diagnosis_confirmed": True,
            "m_category": "M1",
            "expected": {"pathway": "clinical_trial_or_palliative"},
        },
        {"id": "wrong", "diagnosis_confirmed": True, "m_category": "M1", "expected": {"stage": "IVB"}},
        {"id": "refused", "stage": "IVA", "m_category": "M1", "expected": {"error": "stage"}},
        {"id": "coverage only", "diagnosis_confirmed": False},
    ]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in lines) + "\nnot json\n", encoding="utf-8")
    report = run_tests(model, str(cases), sheet=False)
    assert [(o.id, o.passed) for o in report.outcomes] == [
        ("ok", True),
        ("wrong", False),
        ("refused", True),
        ("coverage only", True),
        ("line 5", False),
    ]
    assert report.outcomes[1].mismatches[0].to_dict() == {"output": "stage", "expected": "IVB", "actual": "IVC"}
    assert "not valid JSON" in report.outcomes[4].problem
    assert 0 < report.coverage.covered < report.coverage.total


def test_csv_cases_through_the_command(tmp_path: Path, run_atc) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "id,diagnosis_confirmed,stage,resectable,expected.pathway,expected.actions\n"
        "a,true,IVB,true,multimodal_therapy,\n"
        "b,true,IVB,false,chemoradiotherapy,multidisciplinary_team\n",
        encoding="utf-8",
    )
    proc = run_atc("test", "--cases", str(cases), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["a"]["passed"] is True
    assert by_id["b"]["passed"] is False
    assert [m["output"] for m in by_id["b"]["mismatches"]] == ["actions"]
    assert report["failed"] == 1 and report["coverage"]["percent"] == 100.0


def test_unknown_expected_output_fails(tmp_path: Path, model: DecisionModel) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"diagnosis_confirmed": False, "expected": {"pathways": "x"}}) + "\n")
    (outcome,) = run_tests(model, str(cases), sheet=False).outcomes
    assert not outcome.passed
    assert outcome.mismatches[0].actual == "(not an output of this model)"


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        ("IVB", "IVB", True),
        ('"IVB"', "IVB", True),
        ("ivb", "IVB", False),
        ("TRUE", True, True),
        (5, 5.0, True),
        ("5", 5, True),
        ("null", None, True),
        ("a, b", ["b", "a"], True),
        ('["a", "b"]', ["a", "b"], True),
        ("a; b", ["a"], False),
        ([], [], True),
    ],
)
def test_value_comparison(expected: Any, actual: Any, same: bool) -> None:
    assert same_value(expected, actual) is same


# -- broken workbooks -----------------------------------------------------------------------


def test_a_broken_workbook_exits_3_with_its_first_findings(tmp_path: Path, run_atc) -> None:
    path = write_workbook(tmp_path / "gap.xlsx", [{**STAGING, "rules": STAGING["rules"][:2]}])
    proc = run_atc("test", str(path))
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: Staging!B2: table 'Staging' has a gap")
    assert "Traceback" not in proc.stderr


def test_a_missing_case_file_is_a_usage_error(run_atc) -> None:
    proc = run_atc("test", "--cases", "no_such_file.jsonl")
    assert proc.returncode == 2
    assert "no case file at no_such_file.jsonl" in proc.stderr
