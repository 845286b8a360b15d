"""Which drop-downs a workbook should carry, derived from what it says its allowed values are.

``atc-dmn tidy`` writes exactly these and the DROPDOWN_* checks compare the
file with them, so the two can never disagree. Every list comes from the
workbook: row 4 of a table for its rule column, the Glossary and the tables'
lists for the Test sheet. The lists live in cells of a hidden sheet
(:data:`LISTS_SHEET`) that the drop-downs refer to by name: an inline list
(the string ``-,"IVA"`` with its quotes doubled) is limited to 255 characters and LibreOffice breaks its
quoting on a re-save, while a range survives both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .feel import cell_text
from .feel_types import TYPE_HEADING, TYPES
from .feel_value import show
from .model import ROLES, DecisionTable, Model
from .workbook import RawWorkbook, Sheet, get_column_letter

LISTS_SHEET = "DropDownLists"
# A1 of the lists sheet: tidy overwrites the sheet only when it carries this mark.
LISTS_MARK = "Drop-down lists written by atc-dmn tidy from the workbook's allowed values. Do not edit: run tidy again."
LISTS_FIRST_ROW = 3
# Rows below the last rule (or case) that get the drop-down too, for the rows a clinician adds next.
MARGIN = 30
# Multiple-hit policies give a list: the Test sheet holds such outputs as "a, b", not one value.
LIST_POLICIES = ("C", "R", "O")


@dataclass(frozen=True)
class Dropdown:
    """One column's drop-down: where it goes, what it offers, and where a finding about it points.

    ``last_row`` is the last row in use; tidy covers :data:`MARGIN` rows more.
    ``strict`` is False where a cell may hold several values (a warning for
    every list would only teach people to ignore it).
    """

    sheet: str
    column: int
    first_row: int
    last_row: int
    items: tuple[str, ...]
    label: str
    cell: str
    heading: str
    strict: bool = True
    numbers: bool = False
    feel: bool = False  # a rule column, whose cells are S-FEEL: a list or not(...) is fine there

    @property
    def letter(self) -> str:
        return get_column_letter(self.column)

    @property
    def used(self) -> str:
        """The cells that must have the drop-down: first to last row in use."""
        return f"{self.letter}{self.first_row}:{self.letter}{self.last_row}"

    @property
    def written(self) -> str:
        """The cells tidy gives the drop-down."""
        return f"{self.letter}{self.first_row}:{self.letter}{self.last_row + MARGIN}"


def _col(cell: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string("".join(ch for ch in cell if ch.isalpha()))


def _row(cell: str) -> int:
    return int("".join(ch for ch in cell if ch.isdigit()))


def rule_items(table: DecisionTable, position: int) -> tuple[str, ...] | None:
    """The choices for a rule column: its allowed values as S-FEEL, inputs with ``-`` and ``not(...)``."""
    columns = (*table.inputs, *table.outputs)
    column = columns[position]
    values = column.enumeration
    if values is None or not values:
        return None
    items = [show(v) for v in values]
    if position < len(table.inputs):
        negations = [f"not({show(v)})" for v in values if isinstance(v, bool)]
        items = ["-", *items, *negations]
    return tuple(dict.fromkeys(items))


def _plain(value: object) -> str:
    """A value as the Test sheet holds it: without quotes."""
    return cell_text(value)


def _rule_dropdowns(model: Model) -> list[Dropdown]:
    out = []
    for table in model.tables:
        if not table.rules:
            continue
        first = _row(table.cell) + 3
        last = max(r.row for r in table.rules)
        for pos, column in enumerate((*table.inputs, *table.outputs)):
            items = rule_items(table, pos)
            if items is None:
                continue
            where = column.allowed_cell or column.cell
            column_no = _col(column.cell)
            out.append(
                Dropdown(table.sheet, column_no, first, last, items, column.variable, where, column.cell, feel=True)
            )
    return out


def _heading(sheet: Sheet, text: str) -> tuple[int, int] | None:
    found = sorted((c.row, c.col) for c in sheet.find(text))
    return found[0] if found else None


def _last_row(sheet: Sheet, row: int, col: int) -> int:
    """The last row of the list whose heading row is ``row``, keyed by column ``col`` (no blank rows)."""
    last = row
    while sheet.value(last + 1, col) is not None:
        last += 1
    return last


def _test_dropdowns(model: Model, raw: RawWorkbook) -> list[Dropdown]:
    sheet = raw.sheet("Test")
    head = _heading(sheet, "Case") if sheet is not None else None
    if sheet is None or head is None:
        return []
    row, key_col = head
    last = max([row + 1, *(t.row for t in model.tests)])
    specs = {s.key: s for s in model.inputs}
    decided = {c.variable: (t, c) for t in model.tables for c in t.outputs}
    out = []
    col = key_col
    while sheet.text(row, col):
        name = sheet.text(row, col)
        var = model.variables.get(name)
        items: tuple[str, ...] = ()
        strict = True
        if var is not None and var.role == "input" and var.key in specs:
            items = tuple(_plain(v) for v in specs[var.key].allowed if v is not None)
        elif var is not None and var.role == "output" and var.name in decided:
            table, column = decided[var.name]
            items = tuple(_plain(v) for v in column.enumeration or () if v is not None)
            strict = table.hit_policy not in LIST_POLICIES
        if items:
            where = f"{get_column_letter(col)}{row}"
            out.append(Dropdown("Test", col, row + 1, last, tuple(dict.fromkeys(items)), name, where, where, strict))
        col += 1
    return out


def _list_dropdown(raw: RawWorkbook, sheet_name: str, heading: str, items: tuple[str, ...], **kw) -> list[Dropdown]:
    """A drop-down on a list sheet's column: rows from under ``heading`` to the list's end."""
    sheet = raw.sheet(sheet_name)
    head = _heading(sheet, heading) if sheet is not None else None
    if sheet is None or head is None or not items:
        return []
    row, col = head
    key_col = min(c for (r, c) in sheet.cells if r == row)
    last = max(row + 1, _last_row(sheet, row, key_col))
    where = f"{get_column_letter(col)}{row}"
    return [Dropdown(sheet_name, col, row + 1, last, items, heading, where, where, **kw)]


def wanted(model: Model, raw: RawWorkbook) -> list[Dropdown]:
    """Every drop-down the workbook should carry, sheet by sheet."""
    # The source's reference list, not the model's own sources (``own``), pairs with citations.
    entries = tuple(str(r.entry) for r in model.references if not getattr(r, "own", False))
    numbers = all(isinstance(r.entry, int) for r in model.references)
    return [
        *_list_dropdown(raw, "Glossary", "Role", ROLES),
        *_list_dropdown(raw, "Glossary", TYPE_HEADING, TYPES),  # only where the Glossary has a Type column
        *_rule_dropdowns(model),
        *_list_dropdown(raw, "References", "Reference entry", entries, numbers=numbers),
        *_test_dropdowns(model, raw),
    ]


@dataclass(frozen=True)
class ListRange:
    """Where one distinct list lives on the lists sheet, and the defined name the drop-downs use for it."""

    name: str
    column: int
    items: tuple[str, ...]
    numbers: bool

    @property
    def ref(self) -> str:
        letter = get_column_letter(self.column)
        return f"{LISTS_SHEET}!${letter}${LISTS_FIRST_ROW}:${letter}${LISTS_FIRST_ROW + len(self.items) - 1}"


def list_ranges(dropdowns: list[Dropdown]) -> dict[tuple[bool, tuple[str, ...]], ListRange]:
    """Each distinct list, in every other column of the lists sheet (no list touches another: pyDMNrules
    tries every text cell as a table name, and a blank neighbour ends that attempt at once).

    A defined name per list (``List_<first column's heading>``) rather than a plain reference: Excel keeps a
    named list in the standard part of the file, where LibreOffice and openpyxl read it too.
    """
    out: dict[tuple[bool, tuple[str, ...]], ListRange] = {}
    taken: set[str] = set()
    for d in dropdowns:
        key = (d.numbers, d.items)
        if key in out:
            continue
        base = "List_" + (re.sub(r"[^A-Za-z0-9]+", "_", d.label).strip("_") or "values")
        name, n = base, 2
        while name.lower() in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        out[key] = ListRange(name, 1 + 2 * len(out), d.items, d.numbers)
    return out
