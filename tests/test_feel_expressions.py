"""S-FEEL beyond plain values in cells (DMN 1.3, chapter 9): names of other variables, arithmetic, decimals.

Each workbook is written by hand (tests/workbook_writer.py) and run through the public API, click's
CliRunner and the installed ``atc-dmn`` script. Expected answers are DMN's: a cell ``< Maximum loan * 0.8``
is the unary test ``? < Maximum loan * 0.8`` on the column's value (DMN 1.3, 9.5 and 10.3.2.9);
FEEL numbers are decimal (10.3.2.3.1), so ``0.1 + 0.2`` is ``0.3``; arithmetic with null is null
(10.3.2.3.1, table 54); a comparison of unlike types is null (10.3.2.3.4), and a unary test matches
only when it is true.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from workbook_writer import write_workbook

from atc_dmn import ModelError, load_model
from atc_dmn.cli import main

LOAN = {
    "name": "Loan",
    "hp": "F",
    "inputs": [("Requested amount", ">= 0"), ("Maximum loan", ">= 0")],
    "outputs": [("Decision", '"accept", "review", "refuse"'), ("Margin", None)],
    "rules": [
        ("L1", ["< Maximum loan * 0.8", "> 0"], ['"accept"', "Maximum loan - Requested amount"]),
        ("L2", ["[Maximum loan * 0.8..Maximum loan]", "> 0"], ['"review"', "Maximum loan - Requested amount"]),
        ("L3", ["-", "-"], ['"refuse"', "0"]),
    ],
}


@pytest.fixture
def loan(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "loan.xlsx", [LOAN])


@pytest.mark.parametrize(
    ("requested", "maximum", "decision", "margin"),
    [
        (100, 1000, "accept", 900),  # 100 < 800
        (800, 1000, "review", 200),  # 800 is not < 800; in [800..1000]
        (1000, 1000, "review", 0),  # the range's closed end
        (1001, 1000, "refuse", 0),
        (0.1, 0.3, "accept", 0.2),  # 0.1 < 0.24; 0.3 - 0.1 is exactly 0.2 in decimal
    ],
)
def test_a_cell_naming_another_input_answers_as_dmn_says(loan, requested, maximum, decision, margin) -> None:
    result = load_model(loan, use_cache=False).evaluate({"requested_amount": requested, "maximum_loan": maximum})
    assert result.decision == {"decision": decision, "margin": margin}


def test_the_cli_answers_the_same_in_process_and_as_a_script(loan, run_atc) -> None:
    args = ["evaluate", "--model", str(loan), "--set", "requested_amount=900", "--set", "maximum_loan=1000"]
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["decision"] == {"decision": "review", "margin": 100}
    proc = run_atc(*args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decision"] == {"decision": "review", "margin": 100}


def test_decimal_arithmetic_has_no_binary_rounding(tmp_path: Path) -> None:
    table = {
        "name": "Sum",
        "hp": "U",
        "inputs": [("A", ">= 0"), ("B", ">= 0")],
        "outputs": [("Total", None), ("Constant", "0.3")],
        "rules": [("S1", ["-", "-"], ["A + B", "0.1 + 0.2"])],
    }
    model = load_model(write_workbook(tmp_path / "sum.xlsx", [table]), use_cache=False)
    result = model.evaluate({"a": 0.1, "b": 0.2})
    assert result.decision == {"total": 0.3, "constant": 0.3}
    assert model.evaluate({"a": 2, "b": 3}).decision["total"] == 5
    assert isinstance(model.evaluate({"a": 2, "b": 3}).decision["total"], int)


def test_arithmetic_with_a_missing_value_is_null(tmp_path: Path) -> None:
    table = {
        "name": "Half",
        "hp": "U",
        "inputs": [("Dose", ">= 0")],
        "outputs": [("Half dose", None)],
        "rules": [("H1", ["-"], ["Dose / 2"])],
    }
    model = load_model(write_workbook(tmp_path / "half.xlsx", [table]), use_cache=False)
    assert model.evaluate({"dose": 5}).decision == {"half_dose": 2.5}
    assert model.evaluate({}).decision == {"half_dose": None}


def test_a_comparison_of_unlike_types_is_no_match(tmp_path: Path) -> None:
    """``? < Limit`` with a text ``?`` and a number ``Limit`` is null: neither the test nor its not(...) match."""
    table = {
        "name": "Kinds",
        "hp": "F",
        "inputs": [("Value", None), ("Limit", ">= 0")],
        "outputs": [("Found", '"below", "not below", "neither"')],
        "rules": [
            ("K1", ["< Limit", "-"], ['"below"']),
            ("K2", ["not(< Limit)", "-"], ['"not below"']),
            ("K3", ["-", "-"], ['"neither"']),
        ],
    }
    model = load_model(write_workbook(tmp_path / "kinds.xlsx", [table]), use_cache=False)
    assert model.evaluate({"value": 3, "limit": 5}).decision == {"found": "below"}
    assert model.evaluate({"value": 7, "limit": 5}).decision == {"found": "not below"}
    assert model.evaluate({"value": "three", "limit": 5}).decision == {"found": "neither"}


def test_concept_attribute_names_as_pydmnrules_writes_them(tmp_path: Path) -> None:
    """The Glossary's Business Concept and Attribute make a second name: ``Data.maximum_loan``."""
    table = {**LOAN, "rules": [("L1", ["<= Data.maximum_loan", "-"], ['"accept"', "Data.maximum_loan"])]}
    table["rules"].append(("L2", ["-", "-"], ['"refuse"', "0"]))
    model = load_model(write_workbook(tmp_path / "ca.xlsx", [table]), use_cache=False)
    assert model.evaluate({"requested_amount": 5, "maximum_loan": 9}).decision == {"decision": "accept", "margin": 9}
    assert model.evaluate({"requested_amount": 10, "maximum_loan": 9}).decision["decision"] == "refuse"


def test_a_misspelt_name_is_a_located_error_with_the_close_match(tmp_path: Path, run_atc) -> None:
    table = {**LOAN, "rules": [("L1", ["< Maximum laon", "-"], ['"accept"', "0"]), *LOAN["rules"][2:]]}
    path = write_workbook(tmp_path / "typo.xlsx", [table])
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)
    (finding,) = [f for f in info.value.findings if f.code == "CELL_SYNTAX"]
    assert (finding.origin.source, finding.origin.location) == ("Loan", "C5")
    assert "'Maximum laon'" in finding.message and "did you mean 'Maximum loan'" in finding.message
    assert "Maximum loan" in finding.hint
    proc = run_atc("validate", str(path))
    assert proc.returncode != 0
    assert "Loan!C5" in proc.stdout + proc.stderr and "did you mean 'Maximum loan'" in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("sum(Maximum loan)", "not a function a cell may call"),
        ("if Maximum loan > 5 then 1 else 2", "if ... then ... else is not supported"),
        ("Maximum loan > 3 and Maximum loan < 7", "and/or"),
        ('1 + "a"', "has no value"),
        ("? < 5", "? (the column's value) is not supported"),
    ],
)
def test_what_is_outside_s_feel_is_refused_at_its_cell(tmp_path: Path, cell: str, words: str) -> None:
    table = {**LOAN, "rules": [("L1", [cell, "-"], ['"accept"', "0"]), *LOAN["rules"][2:]]}
    with pytest.raises(ModelError) as info:
        load_model(write_workbook(tmp_path / "bad.xlsx", [table]), use_cache=False)
    found = [f for f in info.value.findings if f.origin.location == "C5"]
    assert found and words in found[0].message, [f.message for f in info.value.findings]
    assert found[0].hint


def test_an_output_list_is_still_refused(tmp_path: Path) -> None:
    table = {**LOAN, "rules": [("L1", ["-", "-"], ['"accept"', "[1, 2]"])]}
    with pytest.raises(ModelError) as info:
        load_model(write_workbook(tmp_path / "list.xlsx", [table]), use_cache=False)
    assert any(f.origin.location == "F5" for f in info.value.findings)
