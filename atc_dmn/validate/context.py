"""What every check receives: the model and where findings go (never a file: the reader checked that)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from ..feel_value import show
from ..findings import Findings
from ..model import DecisionTable, Model, Rule
from .describe import describe
from .space import Box, Exploration, Space

SHOWN = 10  # pairs of rules listed per table; the others are counted in one more finding


@dataclass
class Context:
    model: Model
    findings: Findings
    _spaces: dict[str, Space] = field(default_factory=dict)

    def space(self, table: DecisionTable) -> Space:
        """The table's input space, built once and shared by the table-logic checks."""
        space = self._spaces.get(table.name)
        if space is None:
            space = self._spaces[table.name] = Space(self.model, table)
        return space


class FileChecks(Protocol):
    """The file a model was read from, still in hand, that its own format can check (merges, drop-downs)."""

    def check(self, model: Model, findings: Findings, timings: dict[str, float] | None = None) -> None: ...


def rule_cell(table: DecisionTable, rule: Rule) -> str:
    """The cell holding a rule's id (the table's first column, the rule's row): where its origin is."""
    return rule.origin.location


def rule_ids(table: DecisionTable, indices: list[int], limit: int = 8) -> str:
    ids = [table.rules[i].id for i in indices]
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def listed_pairs(found: Exploration, skip: Collection[tuple[int, int]] = ()) -> tuple[list[tuple[int, int, Box]], str]:
    """The overlapping pairs to list, (a, b, box) by later rule then earlier, and how many more there are.

    ``skip`` holds pairs already reported another way (see :func:`by_blank_cell`). The count is ""
    when every pair is listed, and "at least N" when the search stopped before the end.
    """
    pairs = sorted(
        ((a, b, box) for (a, b), box in found.overlaps.items() if (a, b) not in skip), key=lambda p: (p[1], p[0])
    )
    extra = len(pairs) - SHOWN
    if extra <= 0:
        return pairs, ""
    return pairs[:SHOWN], f"at least {extra}" if found.pairs_capped else str(extra)


# -- blank cells --------------------------------------------------------------------------------
# A blank input cell means any value, as "-" does; but a value deleted by mistake reads the same.
# When rules share cases only because one of them has a blank cell in a column the other tests,
# the finding belongs at that blank cell: that is where the fix goes.


def blank_cause(table: DecisionTable, space: Space, a: int, b: int, causes: tuple[int, ...] = ()) -> int | None:
    """The input column where rule ``a``'s cell is blank while rule ``b``'s cell tests it, if any."""
    for c, test in enumerate(table.rules[a].tests):
        if test.blank and space.boxes[b][c] != space.full[c] and (not causes or c in causes):
            return c
    return None


def by_blank_cell(
    table: DecisionTable, space: Space, pairs: dict[tuple[int, int], Box]
) -> dict[tuple[int, int], list[tuple[int, Box]]]:
    """Pairs of rules that share cases because of a blank cell: (rule, column) -> [(other rule, example)]."""
    out: dict[tuple[int, int], list[tuple[int, Box]]] = {}
    for (a, b), box in sorted(pairs.items(), key=lambda p: (p[0][1], p[0][0])):
        for rule, other in ((a, b), (b, a)):
            c = blank_cause(table, space, rule, other)
            if c is not None:
                out.setdefault((rule, c), []).append((other, box))
                break
    return out


def blank_cell(table: DecisionTable, rule: Rule, c: int) -> str:
    """The cell, the words that say what a blank cell there means, and the fix, for a finding's message."""
    heading = table.inputs[c].variable
    return (
        f"{rule.cells[c]} is blank: a blank input cell means any value (as -), so rule {rule.id} "
        f"of table '{table.name}' matches every '{heading}'"
    )


def blank_fix(table: DecisionTable, rule: Rule, c: int, then: str) -> str:
    column = table.inputs[c]
    listed = column.enumeration
    allowed = f" (one of {', '.join(show(v) for v in listed)})" if listed else ""
    return f"Type the value {rule.id} should test for '{column.variable}'{allowed}, or - if any value is meant; {then}"


def blank_cells_then_pairs(
    ctx: Context,
    table: DecisionTable,
    space: Space,
    found: Exploration,
    code: str,
    relation: Callable[[Rule, str, Rule, str], str],
    then: Callable[[Rule, str], str],
) -> tuple[list[tuple[int, int, Box]], str]:
    """Report overlapping pairs that a blank cell causes at that cell; return the other pairs to list.

    ``relation(rule, others, partner, cases)`` says what the blank cell's rule now does, ``cases``
    being the cases it shares with ``partner`` in words (e.g. "now overlaps ST5 in this unique
    table (...)"); ``then(rule, others)`` ends the fix.
    """
    blamed = by_blank_cell(table, space, found.overlaps)
    for (r, c), partners in blamed.items():
        rule = table.rules[r]
        others = rule_ids(table, [o for o, _ in partners])
        ctx.findings.error(
            code,
            f"{blank_cell(table, rule, c)}, and "
            f"{relation(rule, others, table.rules[partners[0][0]], describe(space, partners[0][1]))}",
            table.sheet,
            rule.cells[c],
            blank_fix(table, rule, c, then(rule, others)),
            table=table.name,
            rule=rule.id,
        )
    skip = {tuple(sorted((r, o))) for (r, _), partners in blamed.items() for o, _ in partners}
    return listed_pairs(found, skip)
