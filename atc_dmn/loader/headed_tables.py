"""A list under a row of headings, found by its first heading: how the FHIR and Cards sheets hold their tables.

One sheet may hold several such lists, and a heading text may recur (the
Cards sheet's ``Output`` heads one list and is the second column of another),
so a list is the cell whose text is its first heading *and* whose right-hand
neighbours are the rest. Its rows run down until a row whose cells under the
headings are all blank.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..workbook import Sheet
from .context import Context, coord


@dataclass(frozen=True)
class Headed:
    """Where a list's first heading is, and the headings found right of it."""

    row: int
    col: int
    headings: tuple[str, ...]

    def cell(self, row: int, index: int) -> str:
        """The coordinate of the cell in ``row`` under heading number ``index`` (0 is the first)."""
        return coord(row, self.col + index)


@dataclass(frozen=True)
class Misheaded:
    """A cell holding the first heading whose neighbours are not the expected headings."""

    cell: str
    expected: str
    found: str


def find_table(sheet: Sheet, headings: Sequence[str], optional: Sequence[str] = ()) -> Headed | Misheaded | None:
    """The list headed by ``headings`` (then, if present, ``optional`` ones); None when no cell has the first.

    A cell with the first heading whose next cells differ is a :class:`Misheaded`
    naming the first cell that differs, so a renamed column is reported at its
    heading rather than the list seeming absent. A cell with something to its
    left is not taken for a list's first heading (it is a column of another list).
    """
    misheaded: Misheaded | None = None
    for start in sorted(sheet.find(headings[0]), key=lambda c: (c.row, c.col)):
        if start.col > 1 and sheet.text(start.row, start.col - 1):
            continue
        wrong = next(
            (i for i, name in enumerate(headings) if sheet.text(start.row, start.col + i) != name),
            None,
        )
        if wrong is None:
            found = list(headings)
            for name in optional:
                if sheet.text(start.row, start.col + len(found)) != name:
                    break
                found.append(name)
            return Headed(start.row, start.col, tuple(found))
        if misheaded is None:
            misheaded = Misheaded(
                coord(start.row, start.col + wrong), headings[wrong], sheet.text(start.row, start.col + wrong)
            )
    return misheaded


def rows(sheet: Sheet, table: Headed) -> Iterator[int]:
    """The row numbers of the list: from below the headings until a row blank under every heading."""
    row = table.row + 1
    while any(sheet.value(row, table.col + i) is not None for i in range(len(table.headings))):
        yield row
        row += 1


def find_list(
    ctx: Context,
    sheet: Sheet,
    headings: Sequence[str],
    code: str,
    *,
    optional: Sequence[str] = (),
    required: bool = True,
    below: str = "the list",
) -> Headed | None:
    """The list headed by ``headings``, or None with an error ``code`` at the cell an author must fix.

    A misheaded list is an error at the heading that differs; a missing one is an error at B2 when
    ``required`` (``below``: what the author types under the headings). Both sheets of lists (FHIR,
    Cards) word these the same way.
    """
    found = find_table(sheet, headings, optional)
    listed = " | ".join(headings)
    if isinstance(found, Misheaded):
        then = f" (then, optionally, {', '.join(optional)})" if optional else ""
        ctx.findings.error(
            code,
            f"the {sheet.name} sheet's '{headings[0]}' list has '{found.found or 'nothing'}' where '{found.expected}' "
            "belongs",
            sheet.name,
            found.cell,
            f"Head the list with exactly: {listed}{then}.",
        )
        return None
    if found is None and required:
        ctx.findings.error(
            code,
            f"the {sheet.name} sheet has no list headed {listed}",
            sheet.name,
            "B2",
            f"Type the headings {listed} in one row, and {below} below them.",
        )
    return found
