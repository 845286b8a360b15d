"""What every check receives: the model, the raw workbook when there is one, and where findings go."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import column_index_from_string, coordinate_to_tuple

from ..findings import Findings
from ..model import DecisionTable, Model, Rule
from ..workbook import RawWorkbook
from .space import Box, Exploration, Space

SHOWN = 10  # pairs of rules listed per table; the others are counted in one more finding


@dataclass
class Context:
    model: Model
    findings: Findings
    raw: RawWorkbook | None = None
    _spaces: dict[str, Space] = field(default_factory=dict)

    def space(self, table: DecisionTable) -> Space:
        """The table's input space, built once and shared by the table-logic checks."""
        space = self._spaces.get(table.name)
        if space is None:
            space = self._spaces[table.name] = Space(self.model, table)
        return space


def rule_cell(table: DecisionTable, rule: Rule) -> str:
    """The cell holding a rule's id (the table's first column, the rule's row)."""
    column = "".join(ch for ch in table.cell if ch.isalpha())
    return f"{column}{rule.row}"


def table_area(table: DecisionTable) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of a table: name cell to last rule's last annotation."""
    row, col = coordinate_to_tuple(table.cell)
    last_row = max([row + 2, *(r.row for r in table.rules)])
    last_heading = table.outputs[-1].cell if table.outputs else table.inputs[-1].cell
    last_col = column_index_from_string("".join(ch for ch in last_heading if ch.isalpha()))
    return row, col, last_row, last_col + len(table.annotation_headings)


def rule_ids(table: DecisionTable, indices: list[int], limit: int = 8) -> str:
    ids = [table.rules[i].id for i in indices]
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def same_outputs(a: tuple, b: tuple) -> bool:
    """Equal outputs, value by value and of the same type (true is not 1)."""
    return all(x == y and type(x) is type(y) for x, y in zip(a, b))


def listed_pairs(found: Exploration) -> tuple[list[tuple[int, int, Box]], str]:
    """The overlapping pairs to list, (a, b, box) by later rule then earlier, and how many more there are.

    The count is "" when every pair is listed, and "at least N" when the search stopped before the end.
    """
    pairs = sorted(((a, b, box) for (a, b), box in found.overlaps.items()), key=lambda p: (p[1], p[0]))
    extra = len(pairs) - SHOWN
    if extra <= 0:
        return pairs, ""
    return pairs[:SHOWN], f"at least {extra}" if found.pairs_capped else str(extra)
