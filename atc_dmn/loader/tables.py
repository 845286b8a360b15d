"""A decision table's sheet: where the table is, its hit policy, its headings and borders, its allowed values.

The layout is pyDMNrules': the table's name, the hit policy under it, the
headings to the right (a double border after the last input and after the
last output; annotation columns such as Rationale and Citations follow),
then the allowed-values row and one rule per row until the first blank row.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..feel import FeelError, UnaryTest, cell_text, parse_unary_tests
from ..feel_value import is_number, show
from ..model import HIT_POLICIES, Column, DecisionTable, Rule
from ..origin import Origin
from ..workbook import Sheet, get_column_letter
from .borders import allowed_row, check_line_before_inputs, heading_lines
from .context import RESERVED, Context, coord
from .rules import read_rules

Headings = list[tuple[int, str]]  # (column, heading)


def locate(ctx: Context, name: str, decision_row: int) -> tuple[Sheet, int, int] | None:
    """(sheet, row, column) of the table's name cell: exactly one outside the reserved sheets."""
    findings = ctx.findings
    found = []
    for sheet in ctx.raw.sheets.values():
        if sheet.name in RESERVED:
            continue
        inside = _inside_tables(ctx, sheet)
        for cell in sheet.find(name):
            if _looks_like_table(ctx, sheet, cell.row, cell.col) and (cell.row, cell.col) not in inside:
                found.append((sheet, cell.row, cell.col))
    if not found:
        findings.error(
            "DECISION_TABLE_MISSING",
            f"table '{name}' is listed but no sheet has a table of that name",
            "Decision",
            coord(decision_row, 3),
            "Check the spelling here and in the table's name cell (B2 of its sheet).",
        )
        return None
    if len(found) > 1:
        where = ", ".join(f"{s.name}!{coord(r, c)}" for s, r, c in found)
        findings.error(
            "TABLE_DUPLICATE",
            f"table '{name}' is defined more than once ({where})",
            found[1][0].name,
            coord(found[1][1], found[1][2]),
            "Rename or delete one of them; pyDMNrules would silently use the last one.",
        )
        return None
    return found[0]


def _looks_like_table(ctx: Context, sheet: Sheet, row: int, col: int) -> bool:
    """Whether a cell holding a table's name starts a table: headings right of the cell below it, which
    is blank, a policy, or a short word that may be a mistyped policy."""
    below = sheet.get(row + 1, col)
    right = sheet.text(row + 1, col + 1)
    hp = "" if below is None or below.value is None else cell_text(below.value)
    return bool(right) and (
        hp in HIT_POLICIES or hp == "" or (len(hp) <= 8 and '"' not in hp and hp not in ctx.variables)
    )


def _inside_tables(ctx: Context, sheet: Sheet) -> set[tuple[int, int]]:
    """The cells of ``sheet`` that lie inside a table, other than the tables' name cells.

    pyDMNrules reads a sheet row by row and, once it has found a table, takes no cell of that table's
    block for the start of another: a heading that names the table it reads (a column ``band``
    reading table ``band``) is a heading, whatever the cells under it hold. The same here: name cells
    are taken in that order, and a name cell inside an earlier table's block is not a table.
    """
    starts = sorted(
        (cell.row, cell.col)
        for cell in sheet.cells.values()
        if isinstance(cell.value, str)
        and cell.value.strip() in ctx.table_names
        and _looks_like_table(ctx, sheet, cell.row, cell.col)
    )
    inside: set[tuple[int, int]] = set()
    for r0, c0 in starts:
        if (r0, c0) in inside:
            continue
        last_col = c0 + 1
        while sheet.text(r0 + 1, last_col + 1):
            last_col += 1
        last_row = r0 + 2  # the headings, and the allowed-values row (blank when no column has a list)
        while any(sheet.value(last_row + 1, cc) is not None for cc in range(c0, last_col + 1)):
            last_row += 1
        inside.update(
            (rr, cc) for rr in range(r0, last_row + 1) for cc in range(c0, last_col + 1) if (rr, cc) != (r0, c0)
        )
    return inside


def read_table(ctx: Context, description: str, name: str, purpose: str, decision_row: int) -> DecisionTable | None:
    """The table listed on the Decision sheet at ``decision_row``, or None (with findings) if it cannot be built."""
    findings = ctx.findings
    where = locate(ctx, name, decision_row)
    if where is None:
        return None
    sheet, r, c = where
    s = sheet.name
    hp_cell = sheet.get(r + 1, c)
    hp = cell_text(hp_cell.value).strip() if hp_cell and hp_cell.value is not None else "U"
    if hp not in HIT_POLICIES:
        findings.error(
            "HIT_POLICY",
            f"hit policy '{hp}' of table '{name}' is not one of {' '.join(HIT_POLICIES)}",
            s,
            coord(r + 1, c),
            "Use one upper-case letter such as U, F, A, P, C (or C+, C<, C>, C#, R, O).",
            table=name,
        )
        return None
    head_row = r + 1
    split = _headings(ctx, sheet, name, head_row, c)
    if split is None:
        return None
    columns, ann_heads, n_inputs = split
    if findings.errors and any(f.table == name for f in findings.errors):
        return None
    check_line_before_inputs(ctx, sheet, name, head_row, c)
    has_validity = allowed_row(ctx, sheet, name, head_row, c, columns, n_inputs)
    first_rule = head_row + 2 if has_validity else head_row + 1
    allowed = _allowed_row(ctx, sheet, name, head_row + 1, columns, n_inputs) if has_validity else [None] * len(columns)
    inputs = tuple(_column(s, h, head_row, hc, allowed[j]) for j, (hc, h) in enumerate(columns[:n_inputs]))
    outputs = tuple(_column(s, h, head_row, hc, allowed[n_inputs + j]) for j, (hc, h) in enumerate(columns[n_inputs:]))
    rules = read_rules(ctx, sheet, name, first_rule, c, columns, n_inputs, inputs, outputs, ann_heads)
    if not rules:
        findings.error(
            "TABLE_EMPTY",
            f"table '{name}' has no rules",
            s,
            coord(r, c),
            "Add at least one rule row under the headings.",
            table=name,
        )
        return None
    _check_hit_policy(ctx, name, hp, s, coord(r + 1, c), outputs, rules, n_inputs)
    return DecisionTable(
        name,
        Origin(s, coord(r, c)),
        hp,
        inputs,
        outputs,
        tuple(rules),
        tuple(h for _, h in ann_heads),
        description,
        purpose,
    )


def _column(sheet: str, heading: str, head_row: int, col: int, allowed: UnaryTest | None) -> Column:
    """A column located at its heading, and at its allowed-values cell when it has a list."""
    below = Origin(sheet, coord(head_row + 1, col)) if allowed else None
    return Column(heading, Origin(sheet, coord(head_row, col)), allowed, below)


def _headings(ctx: Context, sheet: Sheet, name: str, head_row: int, c: int) -> tuple[Headings, Headings, int] | None:
    """(input and output headings, annotation headings, number of inputs), split at the double borders."""
    findings = ctx.findings
    s = sheet.name
    heads: Headings = []
    col = c + 1
    while sheet.text(head_row, col):
        heads.append((col, sheet.text(head_row, col)))
        col += 1
    end_col = col  # first blank heading
    # A blank column with headings right of it splits the table: say so before the
    # borders, whose absence would otherwise be reported instead of the real cause.
    split = bool(sheet.text(head_row, end_col + 1)) and any(
        sheet.value(rr, end_col) is None and sheet.value(rr, end_col + 1) is not None
        for rr in range(head_row, head_row + 3)
    )
    if split:
        findings.error(
            "TABLE_SPLIT",
            f"table '{name}' has a blank column at {get_column_letter(end_col)}; the columns right of it are ignored",
            s,
            coord(head_row, end_col),
            "Delete the blank column or give it a heading.",
            table=name,
        )
    n_inputs = n_outputs = None
    lines = heading_lines(ctx, sheet, name, head_row, heads)
    for i, (hc, _) in enumerate(heads):
        if hc in lines:
            if n_inputs is None:
                n_inputs = i + 1
            elif n_outputs is None:
                n_outputs = i + 1 - n_inputs
    if n_inputs is None:
        if split:
            return None
        findings.error(
            "NO_OUTPUT_COLUMN",
            f"table '{name}' has no double border between its input and output headings",
            s,
            coord(head_row, c + 1),
            "Give the last input heading a double right border.",
            table=name,
        )
        return None
    if n_outputs is None:
        n_outputs = len(heads) - n_inputs
    if n_outputs <= 0:
        if split:
            return None
        findings.error(
            "NO_OUTPUT_COLUMN",
            f"table '{name}' has no output column",
            s,
            coord(head_row, c + 1),
            "Add an output heading right of the double border.",
            table=name,
        )
        return None
    columns = []
    for hc, heading in heads[: n_inputs + n_outputs]:
        if heading not in ctx.variables:
            findings.error(
                "HEADING_UNKNOWN",
                f"heading '{heading}' of table '{name}' is not in the Glossary",
                s,
                coord(head_row, hc),
                "Use a Variable name from the Glossary exactly, or add it there.",
                table=name,
            )
        columns.append((hc, heading))
    return columns, heads[n_inputs + n_outputs :], n_inputs


def _allowed_row(
    ctx: Context, sheet: Sheet, name: str, row: int, columns: Headings, n_inputs: int
) -> list[UnaryTest | None]:
    """Each column's allowed values (None where blank or unreadable); an output's must be a list of values."""
    allowed: list[UnaryTest | None] = []
    for j, (hc, heading) in enumerate(columns):
        raw = sheet.value(row, hc)
        if raw is None or cell_text(raw) == "":
            allowed.append(None)
            continue
        try:
            test = parse_unary_tests(raw)
            if j >= n_inputs and not test.only_literals:
                raise FeelError("an output's allowed values must be a list of values", 'List them: "low","high".')
            allowed.append(test)
        except FeelError as exc:
            ctx.findings.error(
                "CELL_SYNTAX",
                f"allowed values of '{heading}': {exc.message}",
                sheet.name,
                coord(row, hc),
                exc.hint,
                table=name,
            )
            allowed.append(None)
    return allowed


def _check_hit_policy(
    ctx: Context,
    name: str,
    hp: str,
    s: str,
    hp_cell: str,
    outputs: tuple[Column, ...],
    rules: list[Rule],
    n_inputs: int,
) -> None:
    for code, message, where, hint, rule in hit_policy_needs(
        name, hp, hp_cell, outputs, rules, n_inputs, "the allowed-values row"
    ):
        ctx.findings.error(code, message, s, where, hint, table=name, rule=rule)


def hit_policy_needs(
    name: str,
    hp: str,
    hp_at: str,
    outputs: tuple[Column, ...],
    rules: Sequence[Rule],
    n_inputs: int,
    values_row: str,
) -> list[tuple[str, str, str, str, str | None]]:
    """What a hit policy needs of the outputs: an ordered list (P, O), one numeric output (C+, C<, C>).

    Pure, for the workbook's loader and the DMN reader alike: each problem as (code, message, location,
    hint, rule id); a location is a column's or rule cell's (a cell, or a DMN element id) or ``hp_at``.
    """
    found: list[tuple[str, str, str, str, str | None]] = []
    if (hp == "P" or hp == "O") and outputs and all(col.enumeration is None for col in outputs):
        # DMN ranks by the first output that has an ordered list; the others need none.
        found.append(
            (
                "HIT_POLICY",
                f"hit policy {hp} needs an ordered list of allowed values for an output ('{outputs[0].variable}')",
                outputs[0].cell,
                f"List the first output's values in priority order in {values_row}.",
                None,
            )
        )
    if hp in ("C+", "C<", "C>") and len(outputs) != 1:
        found.append(
            (
                "HIT_POLICY",
                f"hit policy {hp} aggregates one output; table '{name}' has {len(outputs)}",
                hp_at,
                "Use one output column, or plain C.",
                None,
            )
        )
    if hp in ("C+", "C<", "C>"):
        for rule in rules:
            for value, cell in zip(rule.outputs, rule.cells[n_inputs:]):
                if not is_number(value):
                    found.append(
                        (
                            "TYPE_MISMATCH",
                            f"hit policy {hp} adds or compares numbers, but rule {rule.id} gives {show(value)}",
                            cell,
                            "Give a number.",
                            rule.id,
                        )
                    )
    return found
