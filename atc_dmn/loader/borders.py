"""Where a table's parts are, read from its borders and merges as pyDMNrules reads them.

Excel, LibreOffice and openpyxl store the same drawn line differently: the
line between two cells may be the right border of one or the left border of
the other, and LibreOffice moves a merged cell's borders onto its top-left
cell. Each rule here therefore looks at both neighbours, and where the
borders say one thing and the cells another (a reader would take row 4 for
allowed values, pyDMNrules for a rule) it reports the one cell to fix
instead of reading on into a cascade of unrelated errors.
"""

from __future__ import annotations

from ..feel import FeelError, cell_text, parse_unary_tests
from ..workbook import Sheet
from .context import Context, coord


def allowed_row_by_borders(sheet: Sheet, hp_row: int, col: int) -> bool:
    """pyDMNrules' rule: the row under the headings holds allowed values unless a double line closes the headings.

    The hit-policy cell decides: merged over exactly two rows, the second is
    the allowed-values row; otherwise a double line under it (its bottom
    border, or the top border of the cell below) means there is none.
    """
    hp = sheet.get(hp_row, col)
    merge = sheet.merge_at(hp_row, col)
    if merge is not None and merge[0] == hp_row and merge[2] == hp_row + 1:
        return True
    below = sheet.get(hp_row + 1, col)
    return not ((hp is not None and hp.bottom_double) or (below is not None and below.top_double))


def _looks_like_allowed_values(sheet: Sheet, row: int, columns: list[tuple[int, str]], n_inputs: int) -> bool:
    """True when no rule could be written this way: no output at all, or an output cell listing several values."""
    outputs = [sheet.value(row, hc) for hc, _ in columns[n_inputs:]]
    filled = [v for v in outputs if v is not None and cell_text(v) != ""]
    if not filled:
        return True
    for value in filled:
        try:
            test = parse_unary_tests(value)
        except FeelError:
            continue
        if test.only_literals and len(test.literals) > 1:
            return True
    return False


def allowed_row(ctx: Context, sheet: Sheet, name: str, hp_row: int, col: int, columns, n_inputs: int) -> bool:
    """Whether the row under the hit-policy cell holds allowed values; a finding where borders and cells disagree.

    The answer follows the cells when they disagree with the borders, so that
    the rest of the table reads as its author meant and the one finding is
    the only one.
    """
    by_borders = allowed_row_by_borders(sheet, hp_row, col)
    row = hp_row + 1
    hp_at, below_at = coord(hp_row, col), coord(row, col)
    rule_id = sheet.text(row, col)
    looks_allowed = _looks_like_allowed_values(sheet, row, columns, n_inputs)
    if by_borders and rule_id and not looks_allowed:
        ctx.findings.error(
            "ALLOWED_ROW_AMBIGUOUS",
            f"the hit-policy cell {hp_at} has no double bottom border and is not merged with {below_at}, "
            f"so row {row} would be read as allowed values; but {below_at} holds '{rule_id}' and row {row} "
            "reads as a rule",
            sheet.name,
            hp_at,
            f"If row {row} is a rule, give {hp_at} a double bottom border (the table then has no allowed-values "
            f"row). If it lists allowed values, clear {below_at} and merge {hp_at}:{below_at}.",
            table=name,
        )
        return False
    if not by_borders and not rule_id and looks_allowed:
        hp = sheet.get(hp_row, col)
        where = (
            f"the hit-policy cell {hp_at} has a double bottom border"
            if hp is not None and hp.bottom_double
            else f"{below_at} has a double top border"
        )
        ctx.findings.error(
            "ALLOWED_ROW_AMBIGUOUS",
            f"{where}, so row {row} would be a rule; but {below_at} has no rule id and row {row} reads as "
            "allowed values",
            sheet.name,
            hp_at,
            f"Merge {hp_at}:{below_at} (the allowed-values row), or remove the double border under {hp_at}.",
            table=name,
        )
        return True
    return by_borders


def double_line_after(sheet: Sheet, row: int, col: int) -> bool:
    """A double vertical line between ``col`` and ``col + 1`` on ``row``: on either neighbour."""
    cell, nxt = sheet.get(row, col), sheet.get(row, col + 1)
    return (cell is not None and cell.right_double) or (nxt is not None and nxt.left_double)


def check_line_before_inputs(ctx: Context, sheet: Sheet, name: str, hp_row: int, col: int) -> None:
    """A double line left of the first heading makes every heading an output for pyDMNrules: say where it is.

    pyDMNrules looks at the right border of the hit-policy cell (of the cell
    below it when the hit-policy cell has no double bottom border) and at the
    left border of the first heading.
    """
    hp = sheet.get(hp_row, col)
    looked_at = hp_row if hp is not None and hp.bottom_double else hp_row + 1
    checked = sheet.get(looked_at, col)
    first = sheet.get(hp_row, col + 1)
    if checked is not None and checked.right_double:
        at, side = coord(looked_at, col), "right"
    elif first is not None and first.left_double:
        at, side = coord(hp_row, col + 1), "left"
    else:
        return
    ctx.findings.error(
        "BORDER_MISPLACED",
        f"{at} has a double {side} border, which pyDMNrules reads as 'table {name} has no inputs' "
        "(every heading would be an output)",
        sheet.name,
        at,
        f"Remove the double {side} border of {at}: double lines go only after the last input and after "
        "the last output heading.",
        table=name,
    )


def heading_lines(ctx: Context, sheet: Sheet, name: str, head_row: int, heads: list[tuple[int, str]]) -> set[int]:
    """The heading columns followed by a double line; a finding where the rows below draw one the headings lack.

    Both engines look at the heading row only. A line drawn on the two rows
    under the headings but missing there would silently move the boundary
    (the remaining line becoming the input|output one), so it is reported at
    the heading and taken as meant.
    """
    columns = [hc for hc, _ in heads]
    lines = {hc for hc in columns if double_line_after(sheet, head_row, hc)}
    below = [hc for hc in columns if all(double_line_after(sheet, head_row + k, hc) for k in (1, 2))]
    named = dict(heads)
    for hc in below:
        if hc in lines:
            continue
        at = coord(head_row, hc)
        ctx.findings.error(
            "BORDER_MISPLACED",
            f"the rows of table '{name}' have a double line after '{named[hc]}', but its heading {at} has none; "
            "both engines read the boundaries from the heading row",
            sheet.name,
            at,
            f"Give {at} a double right border, as on the rows below it.",
            table=name,
        )
        lines.add(hc)
    return lines
