"""Severity review (issue 8): an output value no rule gives any more is a warning, with what it silences.

A clinician's one-cell edit that leaves a listed code unused must not refuse
the workbook: every answer is still one a rule gives. ``validate`` warns at the
allowed-values cell, and at each later rule that tests only for the lost code.
"""

from __future__ import annotations

import json

from atc_dmn import load_model
from atc_dmn.report import validate_workbook

CASE = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}


def _pathway_rule_row(shipped_workbook, code: str) -> int:
    ws = shipped_workbook._wb["Pathway"]
    return next(r for r in range(5, 40) if ws.cell(r, 8).value == f'"{code}"')


def _rules_testing_only(shipped_workbook, code: str) -> set[str]:
    """Cells of rules (on other sheets) whose Pathway cell is exactly the one code, read from the sheets."""
    cells = set()
    for ws in shipped_workbook._wb.worksheets:
        if ws.title == "Pathway":
            continue
        heads = {c.value: c.column for c in ws[3] if c.value}
        col = heads.get("Pathway")
        if col is None or ws.cell(3, 2).value is None:
            continue
        for r in range(5, ws.max_row + 1):
            if ws.cell(r, col).value == f'"{code}"':
                cells.add(f"{ws.title}!{ws.cell(r, col).coordinate}")
    return cells


def test_a_lost_output_code_is_a_warning_with_the_rules_it_silences(shipped_workbook, run_atc):
    row = _pathway_rule_row(shipped_workbook, "multimodal_therapy")
    path = shipped_workbook.copy({f"Pathway!H{row}": '"chemoradiotherapy"'})
    report = validate_workbook(path)
    assert report.errors == []
    lost = [f for f in report.findings if f.code == "OUTPUT_UNREACHABLE"]
    assert [(f.severity, f.location) for f in lost] == [("warning", "Pathway!H4")]
    assert '"multimodal_therapy"' in lost[0].message
    silenced = {f.location for f in report.findings if f.code == "RULE_CANNOT_FIRE"}
    assert silenced == _rules_testing_only(shipped_workbook, "multimodal_therapy")
    assert silenced  # SU1, RT1 and SY1 test for it
    assert all(f.severity == "warning" for f in report.findings if f.code == "RULE_CANNOT_FIRE")
    # Not refused: the edited workbook answers, with the edit's answer.
    assert load_model(path, use_cache=False).evaluate(CASE).decision["pathway"] == "chemoradiotherapy"
    done = run_atc("validate", str(path))
    assert done.returncode == 0, done.stderr
    assert "OUTPUT_UNREACHABLE" in done.stdout + done.stderr and "RULE_CANNOT_FIRE" in done.stdout + done.stderr
    done = run_atc("evaluate", "--model", str(path), "--format", "json", "--set", "diagnosis_confirmed=true",
                   "--set", "stage=IVB", "--set", "resectable=true")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"]["pathway"] == "chemoradiotherapy"


def test_a_lost_code_nothing_reads_is_one_warning(shipped_workbook):
    ws = shipped_workbook._wb["Radiotherapy"]
    row = next(r for r in range(5, 20) if ws.cell(r, 4).value == '"definitive_ebrt"')
    path = shipped_workbook.copy({f"Radiotherapy!D{row}": '"none"'})
    report = validate_workbook(path)
    assert [(f.code, f.severity, f.location) for f in report.findings] == [
        ("OUTPUT_UNREACHABLE", "warning", "Radiotherapy!D4")
    ]
