"""The References sheet: the citation numbers the rules use, each paired with an entry of the reference list."""

from __future__ import annotations

from typing import Any

from ..feel import cell_text
from ..model import Citation, DecisionTable, Reference
from .context import Context, coord

_AS_NUMBER = "Type it as a number: Excel marks a number stored as text with a green triangle (Convert to Number)."


def read_references(ctx: Context) -> tuple[dict[int, Citation], tuple[Reference, ...]]:
    """(citation number -> citation, the reference list) from the 'Citation' and 'Entry' tables."""
    findings = ctx.findings
    sheet = ctx.sheet("References")
    if sheet is None:
        return {}, ()
    refs: list[Reference] = []
    entry_heads = sheet.find("Entry")
    if entry_heads:
        r, c = entry_heads[0].row, entry_heads[0].col
        row = r + 1
        while sheet.text(row, c):
            n = sheet.value(row, c)
            if not isinstance(n, int | float) or isinstance(n, bool):
                findings.error(
                    *_number_cell("reference entry", n),
                    "References",
                    coord(row, c),
                    "Number the entries 1, 2, 3..." if not _is_number_text(n) else _AS_NUMBER,
                )
            else:
                refs.append(
                    Reference(
                        int(n),
                        sheet.text(row, c + 2),
                        sheet.text(row, c + 1),
                        sheet.text(row, c + 3),
                        sheet.text(row, c + 4),
                    )
                )
            row += 1
    citations: dict[int, Citation] = {}
    heads = sheet.find("Citation")
    if heads:
        r, c = heads[0].row, heads[0].col
        row = r + 1
        entries = {ref.entry for ref in refs}
        while sheet.value(row, c) is not None:
            n, entry = sheet.value(row, c), sheet.value(row, c + 1)
            if not isinstance(n, int | float) or isinstance(n, bool):
                findings.error(
                    *_number_cell("citation", n),
                    "References",
                    coord(row, c),
                    _AS_NUMBER if _is_number_text(n) else "Type the citation number as the rules cite it.",
                )
                row += 1
                continue
            paired = None
            if entry is not None and cell_text(entry) != "":
                try:
                    paired = int(cell_text(entry))
                except ValueError:
                    paired = -1
                if paired not in entries:
                    findings.error(
                        "REFERENCE_PAIRING",
                        f"citation {int(n)} is paired with entry "
                        f"'{cell_text(entry)}', which is not in the reference list",
                        "References",
                        coord(row, c + 1),
                        "Type the number of an entry from the reference list.",
                    )
                    paired = None
            citations[int(n)] = Citation(int(n), paired, sheet.text(row, c + 2))
            row += 1
    return citations, tuple(refs)


def check_citations(ctx: Context, tables: tuple[DecisionTable, ...], citations: dict[int, Citation]) -> None:
    """Every number a rule cites is listed on the References sheet."""
    for t in tables:
        for rule in t.rules:
            for n in rule.citations:
                if n not in citations:
                    ctx.findings.error(
                        "CITATION_UNKNOWN",
                        f"rule {rule.id} cites [{n}], which the References sheet does not list",
                        t.sheet,
                        rule.cells[-1] if rule.cells else t.cell,
                        "Add the citation number to the References sheet.",
                        table=t.name,
                        rule=rule.id,
                    )


def _is_number_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().isdigit()


def _number_cell(what: str, value: Any) -> tuple[str, str]:
    """The code and message for a cell of the References sheet that should hold a number."""
    if _is_number_text(value):
        return "NUMBER_AS_TEXT", f"{what} number '{value}' is typed as text, not as a number"
    return "REFERENCE_ROW", f"{what} '{value}' is not a number"
