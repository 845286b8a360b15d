"""The optional Test sheet: one case per row (inputs, expected outputs or the error a case must raise)."""

from __future__ import annotations

from typing import Any

from ..feel import cell_text
from ..feel_types import excel_value
from ..model import TestCase
from ..origin import Origin
from ..sheet_cases import ERROR, EXPECTED, ID
from .context import Context, coord

__test__ = False  # read by the loader; pytest, going by the file name, would look for tests here

# Headings that are not variables: the case id, what the case is, the refusal it expects, and why its
# expected values are right (a one-line reason for a hand-checked case).
NOTES = ("Case", "Description", "Expected error", "Reason")


def read_test_cases(ctx: Context) -> tuple[TestCase, ...]:
    findings = ctx.findings
    sheet = ctx.sheet("Test", required=False)
    if sheet is None:
        return ()
    heads = sheet.find("Case")
    if not heads:
        findings.error("TEST_HEADING", "the Test sheet has no 'Case' heading", "Test", "B3")
        return ()
    r, c = heads[0].row, heads[0].col
    columns: list[tuple[int, str]] = []
    col = c
    while sheet.text(r, col):
        columns.append((col, sheet.text(r, col)))
        col += 1
    for hc, h in columns:
        if h not in NOTES and h not in ctx.variables:
            findings.error(
                "TEST_HEADING",
                f"test heading '{h}' is not a Glossary variable",
                "Test",
                coord(r, hc),
                "Use the Variable names of the Glossary.",
            )
    cases = []
    row = r + 1
    while any(sheet.value(row, hc) is not None for hc, _ in columns):
        case_id = cell_text(sheet.value(row, c)) or f"row {row}"
        inputs: dict[str, Any] = {}
        expected: dict[str, Any] = {}
        error = None
        desc = reason = ""
        cells = {ID: coord(row, c)}
        for hc, h in columns:
            value = sheet.value(row, hc)
            if h == "Description":
                desc = sheet.text(row, hc)
            elif h == "Reason":
                reason = sheet.text(row, hc)
            elif h == "Expected error":
                error = sheet.text(row, hc) or None
                cells[ERROR] = coord(row, hc)
            elif h in ctx.variables and value is not None and not (isinstance(value, str) and not value.strip()):
                var = ctx.variables[h]
                value = excel_value(value, var.type)  # Excel keeps a date as a date and time
                if var.role == "input":
                    inputs[var.key] = value
                    cells[var.key] = coord(row, hc)
                elif var.role == "output":
                    expected[var.key] = value
                    cells[EXPECTED + var.key] = coord(row, hc)
        cases.append(TestCase(case_id, desc, Origin("Test", coord(row, c)), inputs, expected, error, reason, cells))
        row += 1
    return tuple(cases)
