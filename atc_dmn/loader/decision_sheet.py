"""The Decision sheet: which tables run, in which order, and what each decides."""

from __future__ import annotations

from .context import Context, Stop, coord

# One row of the Decision sheet: (description, table name, purpose, row).
DecisionRow = tuple[str, str, str, int]


def read_decisions(ctx: Context) -> list[DecisionRow]:
    """The tables to run, in order; their names also go to ``ctx.table_names``."""
    findings = ctx.findings
    sheet = ctx.sheet("Decision")
    if sheet is None:
        raise Stop
    titles = [
        c
        for c in sheet.cells.values()
        if isinstance(c.value, str) and c.value.startswith("Decision") and c.value.strip() != "Decisions"
    ]
    if not titles:
        findings.error(
            "DECISION_HEADING",
            "the Decision sheet has no cell starting with 'Decision'",
            "Decision",
            "B2",
            "Type 'Decision - <name>' in B2 and the headings below it.",
        )
        raise Stop
    top = min(titles, key=lambda c: (c.row, c.col))
    r, c = top.row + 1, top.col
    if sheet.text(r, c) != "Decisions" or sheet.text(r, c + 1) != "Execute Decision Tables":
        findings.error(
            "DECISION_HEADING",
            "the Decision sheet's headings must be 'Decisions' and 'Execute Decision Tables'",
            "Decision",
            coord(r, c),
            "Type exactly 'Decisions' and 'Execute Decision Tables' (plural).",
        )
        raise Stop
    order = []
    row = r + 1
    seen: set[str] = set()
    while sheet.text(row, c) or sheet.text(row, c + 1):
        raw_name = sheet.value(row, c + 1)
        name = raw_name if isinstance(raw_name, str) else ""
        if not name.strip():
            findings.error(
                "DECISION_ROW",
                "a decision row names no table",
                "Decision",
                coord(row, c + 1),
                "Type the table's name, exactly as in its sheet.",
            )
        elif name != name.strip():
            findings.error(
                "DECISION_ROW",
                f"table name '{name}' has spaces around it",
                "Decision",
                coord(row, c + 1),
                "Remove the spaces (pyDMNrules would not find the table).",
            )
        elif name in seen:
            findings.error(
                "TABLE_DUPLICATE",
                f"table '{name}' is listed twice",
                "Decision",
                coord(row, c + 1),
                "List each table once.",
            )
        else:
            seen.add(name)
            order.append((sheet.text(row, c), name, sheet.text(row, c + 2), row))
            ctx.table_names.add(name)
        row += 1
    if not order:
        findings.error("DECISION_EMPTY", "the Decision sheet lists no tables", "Decision", coord(r + 1, c + 1))
        raise Stop
    return order
