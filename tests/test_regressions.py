"""Regression tests, named by issue: each pins a bug that was fixed, on the smallest workbook that showed it.

Expected answers come from DMN 1.3 / FEEL semantics: ``true`` is not ``1``
and ``false`` is not ``0`` (a boolean never equals a number), while ``1``
equals ``1.0``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from workbook_writer import write_workbook

from atc_dmn import DecisionModel, load_model
from atc_dmn.loader import build_model
from atc_dmn.report import validate_workbook
from atc_dmn.workbook import read_workbook


def _workbook(tmp_path: Path, table: dict[str, Any]) -> Path:
    return write_workbook(tmp_path / "model.xlsx", [table])


def _unvalidated(path: Path) -> DecisionModel:
    return DecisionModel(build_model(read_workbook(path)))


# -- issue 8: booleans and numbers in one column ---------------------------------------

BOOL_AND_NUMBER = {
    "name": "Flag",
    "hp": "U",
    "inputs": [("Flag", "true,false,1,0")],
    "outputs": [("Result", '"a","b","c"')],
    "rules": [
        ("R1", ["true"], ['"a"']),
        ("R2", ["1"], ['"b"']),
        ("R3", ["false,0"], ['"c"']),
    ],
}


def test_issue8_true_and_1_are_different_cells_so_the_table_validates_clean(tmp_path: Path) -> None:
    # Before: the validator cached masks by UnaryTest, and UnaryTest((Equals(True),)) == UnaryTest((Equals(1),)),
    # so R2 took R1's mask: a false RULE_CONFLICT (R1/R2 "test the same values") and a false TABLE_GAP (at 1).
    report = validate_workbook(_workbook(tmp_path, BOOL_AND_NUMBER))
    assert [(f.code, f.message) for f in report.findings] == []


@pytest.mark.parametrize(("flag", "result"), [(True, "a"), (1, "b"), (False, "c"), (0, "c"), (1.0, "b")])
def test_issue8_true_and_1_are_different_cells_when_evaluated(tmp_path: Path, flag: Any, result: str) -> None:
    path = _workbook(tmp_path, BOOL_AND_NUMBER)
    for model in (load_model(path), _unvalidated(path)):
        assert model.evaluate({"flag": flag}).decision["result"] == result


# -- issue 8: priorities by FEEL equality ---------------------------------------------

PRIORITY_BY_NUMBER = {
    "name": "Level",
    "hp": "P",
    "inputs": [("Score", None)],
    "outputs": [("Level", "2.0,1.0")],
    "rules": [
        ("L1", ["-"], ["1"]),
        ("L2", [">= 5"], ["2"]),
    ],
}


def test_issue8_output_1_reaches_the_listed_1_0(tmp_path: Path) -> None:
    # Before: the loader accepted 1 and 2 under "2.0,1.0", then OUTPUT_UNREACHABLE said no rule gives 2.0 or 1.0.
    report = validate_workbook(_workbook(tmp_path, PRIORITY_BY_NUMBER))
    assert [(f.code, f.message) for f in report.findings] == []


@pytest.mark.parametrize("validated", [True, False])
def test_issue8_priority_ranks_by_position_in_the_allowed_list(tmp_path: Path, validated: bool) -> None:
    # Before: 1 and 2 found no rank in (2.0, 1.0) (compared by type), tied, and P fell back to the first rule: 1.
    path = _workbook(tmp_path, PRIORITY_BY_NUMBER)
    model = load_model(path) if validated else _unvalidated(path)
    assert model.evaluate({"score": 7}).decision["level"] == 2  # both match; 2.0 comes first in the list
    assert model.evaluate({"score": 2}).decision["level"] == 1  # only L1 matches


def test_issue8_output_order_ranks_by_position_in_the_allowed_list(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {**PRIORITY_BY_NUMBER, "hp": "O"})
    assert _unvalidated(path).evaluate({"score": 7}).decision["level"] == [2, 1]


def test_issue8_any_table_whose_matches_give_1_and_1_0_agrees(tmp_path: Path) -> None:
    # 1 and 1.0 are one FEEL value: an any (A) table whose matching rules give them does not conflict.
    table = {
        "name": "Level",
        "hp": "A",
        "inputs": [("Score", None)],
        "outputs": [("Level", None)],
        "rules": [("L1", ["-"], ["1"]), ("L2", [">= 5"], ["1.0"])],
    }
    path = _workbook(tmp_path, table)
    assert not [f for f in validate_workbook(path).findings if f.code == "RULE_CONFLICT"]
    assert _unvalidated(path).evaluate({"score": 7}).decision["level"] == 1
