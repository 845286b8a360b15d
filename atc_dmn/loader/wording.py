"""The Wording sheet: the text a clinician reads for each output code (Output | Code | Text)."""

from __future__ import annotations

from typing import Any

from ..feel import cell_text
from ..origin import Origin
from .context import Context, coord

Cells = dict[tuple[str, Any], tuple[Origin, Origin]]


def read_wording(ctx: Context) -> tuple[dict[tuple[str, Any], str], Cells]:
    """(output key, code) -> text, and (output key, code) -> the origins of its key and code cells.

    The cells let a check point at the very cell of a mistyped code or key, not at its row.
    """
    findings = ctx.findings
    sheet = ctx.sheet("Wording")
    if sheet is None:
        return {}, {}
    heads = sheet.find("Output")
    if not heads:
        findings.error(
            "WORDING_HEADING", "the Wording sheet has no 'Output' | 'Code' | 'Text' headings", "Wording", "B2"
        )
        return {}, {}
    r, c = heads[0].row, heads[0].col
    out: dict[tuple[str, Any], str] = {}
    cells: Cells = {}
    row = r + 1
    while sheet.text(row, c):
        key, code, text = sheet.text(row, c), sheet.value(row, c + 1), sheet.text(row, c + 2)
        code_value = cell_text(code) if code is not None else ""
        if not text:
            findings.error(
                "WORDING_MISSING",
                f"code '{code_value}' of '{key}' has no text",
                "Wording",
                coord(row, c + 2),
                "Type the wording a clinician should read.",
            )
        out[(key, code_value)] = text
        cells.setdefault((key, code_value), (Origin("Wording", coord(row, c)), Origin("Wording", coord(row, c + 1))))
        row += 1
    return out, cells
