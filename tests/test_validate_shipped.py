"""The shipped workbook validates clean, through the API, the command in-process and the installed command."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from atc_dmn import DecisionModel
from atc_dmn.cli import main
from atc_dmn.report import validate_workbook
from atc_dmn.validate import CHECKS, validate_model
from atc_dmn.workbook import read_workbook


def test_shipped_workbook_has_no_errors_and_no_warnings(shipped_path: Path) -> None:
    report = validate_workbook(shipped_path)
    assert report.findings == [], [(f.code, f.location, f.message) for f in report.findings]
    assert report.ok and report.loaded
    assert set(report.timings) == {"read", "load", *(name for name, _ in CHECKS)}


def test_validate_model_is_clean_with_and_without_the_cells(model: DecisionModel, shipped_path: Path) -> None:
    assert validate_model(model.model) == []
    assert validate_model(model.model, read_workbook(shipped_path)) == []


def test_validate_command_in_process(shipped_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(shipped_path)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r".*atc_treatment\.xlsx: no errors, no warnings \(checked in \d+ ms\)\n", result.output)


def test_validate_command_installed_defaults_to_the_shipped_model(run_atc) -> None:
    proc = run_atc("validate", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["workbook"].endswith("atc_treatment.xlsx")
    assert (report["ok"], report["errors"], report["warnings"], report["findings"]) == (True, 0, 0, [])
    assert report["seconds"] > 0
    assert {"gaps", "overlaps", "shadowed", "conflicts"} <= set(report["timings"])


def test_validate_a_missing_file_is_a_finding(run_atc, tmp_path: Path) -> None:
    proc = run_atc("validate", str(tmp_path / "nowhere.xlsx"))
    assert proc.returncode == 1
    assert "FILE_NOT_FOUND" in proc.stdout
    assert "Traceback" not in proc.stderr
