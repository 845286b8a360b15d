"""Cohort files for the batch tests: every input combination as CSV, JSON Lines or xlsx, and the answers they must give.

The expected answer of a row is the public API's (``DecisionModel.evaluate``), checked in turn
against the spec oracle, so a batch path that differs from a single evaluation, or from the spec, fails.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import spec_oracle
from input_space import INPUT_NAMES, main_cases, stage_fit_cases, tnm_cases

from atc_dmn.errors import InputError

INPUTS = list(INPUT_NAMES)
OUTPUTS = ["stage", "pathway", "surgery", "radiotherapy", "systemic_therapy", "molecular_testing", "actions"]
TAIL = ["model_version", "model_sha256", "error_code", "error_field", "error"]


def every_case() -> list[dict[str, Any]]:
    """The 9,072 combinations of the main inputs, then every T x N x M with and without a stage (10,656 cases)."""
    return main_cases() + tnm_cases() + stage_fit_cases()


def text(value: Any) -> str:
    """A case value as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cell(value: Any) -> str:
    """What the batch writes for a value (lists joined with ;)."""
    if isinstance(value, list):
        return ";".join(value)
    return text(value)


def write_csv(
    path: Path, cases: list[dict[str, Any]], delimiter: str = ",", encoding: str = "utf-8", id_column: str = "id"
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow([id_column, *INPUTS])
        for i, case in enumerate(cases):
            writer.writerow([f"P{i:05d}", *(text(case.get(k)) for k in INPUTS)])
    return path


def write_jsonl(path: Path, cases: list[dict[str, Any]]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i, case in enumerate(cases):
            f.write(json.dumps({"id": f"P{i:05d}", **case}) + "\n")
    return path


def write_xlsx(path: Path, cases: list[dict[str, Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Cohort")
    sheet.append(["id", *INPUTS])
    for i, case in enumerate(cases):
        sheet.append([f"P{i:05d}", *(case.get(k) for k in INPUTS)])  # booleans as Excel's TRUE/FALSE
    book.save(path)
    return path


def expected_row(model: Any, case: dict[str, Any]) -> dict[str, str]:
    """The output row the batch must write for ``case``: the API's answer, which must also be the spec's."""
    try:
        result = model.evaluate(case)
    except InputError as error:
        assert spec_oracle.expected_outcome(model.normalise(case))[0] == "refused", case
        return {
            **{k: text(case.get(k)) for k in INPUTS},
            **{f"decision_{o}": "" for o in OUTPUTS},
            "error_code": error.code,
            "error_field": error.field or "",
        }
    assert spec_oracle.comparable(result.decision) == spec_oracle.expected_outcome(result.inputs)[1], case
    return {
        **{k: text(v) for k, v in result.inputs.items()},
        **{f"decision_{o}": cell(result.decision[o]) for o in OUTPUTS},
        "error_code": "",
        "error_field": "",
    }


def check_rows(rows: list[dict[str, Any]], cases: list[dict[str, Any]], model: Any, id_column: str = "id") -> int:
    """Every output row against its case's expected row, ids in order; returns how many rows failed."""
    assert len(rows) == len(cases)
    failed = 0
    for i, (row, case) in enumerate(zip(rows, cases)):
        assert row[id_column] == f"P{i:05d}"
        want = expected_row(model, case)
        got = {k: ("" if row[k] is None else str(row[k])) for k in want}
        assert got == want, (i, case)
        assert row["model_version"] == model.identity.version
        assert row["model_sha256"] == model.identity.sha256
        failed += bool(want["error_code"])
    return failed
