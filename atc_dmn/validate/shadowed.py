"""Shadowed rules: in a first-hit (F) table, a rule that can never apply.

A first-hit table answers with the first matching rule, top to bottom. A
rule all of whose cases are already matched by rules above it never fires:
its output, rationale and citations are dead text. Example (hit policy F)::

    Id   Pathway   Airway compromise | Surgery
    SU3  -         -                 | "palliative_airway_surgery"
    SU4  -         -                 | "none"

SU3 matches every case, so SU4 is never reached. Fix: narrow the earlier
rule (here SU3 should test ``Airway compromise = true``), or move the
specific rule above the general one. A rule that exactly repeats an earlier
one is reported as RULE_DUPLICATE instead.

**RULE_UNMATCHABLE**, in any table: a rule with a cell that no allowed value
passes, e.g. ``[200..300]`` in a column whose allowed values are
``[0..120]``, or ``not(true, false, null)``. Fix the cell.
"""

from __future__ import annotations

from ..compiler import bits
from ..feel_value import same
from ..model import DecisionTable
from . import space as _space
from .context import Context, blank_cause, blank_cell, blank_fix, rule_cell, rule_ids

CODE = "RULE_SHADOWED"


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        space = ctx.space(table)
        empty = set()
        for j, box in enumerate(space.boxes):
            for c, m in enumerate(box):
                if m == 0 and space.domains[c].pieces:
                    rule = table.rules[j]
                    empty.add(j)
                    ctx.findings.error(
                        "RULE_UNMATCHABLE",
                        f"rule {rule.id} of table '{table.name}' can never apply: no allowed value of "
                        f"'{space.domains[c].variable}' passes its cell",
                        table.sheet,
                        rule.cells[c] if c < len(rule.cells) else rule_cell(table, rule),
                        "Correct the cell so that it accepts some allowed value, or delete the rule.",
                        table=table.name,
                        rule=rule.id,
                    )
                    break
        if table.hit_policy != "F":
            continue
        seen: dict[tuple[int, ...], int] = {}
        budget = _space.NODE_BUDGET  # for the whole table, not per rule
        for j, box in enumerate(space.boxes):
            i = seen.setdefault(box, j)
            if j in empty or (i != j and same(table.rules[i].outputs, table.rules[j].outputs)):
                continue  # an exact repeat is reported as RULE_DUPLICATE
            earlier = space.meets(j) & ((1 << j) - 1)
            if not earlier:
                continue
            covering = [i for i in bits(earlier) if all(b & ~a == 0 for a, b in zip(space.boxes[i], box))]
            blank = _blank_cover(table, space, covering or bits(earlier), j)
            if covering:
                by = f"rule {table.rules[covering[0]].id} matches every case it matches"
            else:
                covered, used = space.covers(box, earlier, budget)
                budget -= used
                if covered is None:
                    ctx.findings.warning(
                        "ANALYSIS_LIMIT",
                        f"table '{table.name}' is too intricate to check completely for rules that never apply",
                        table.sheet,
                        table.cell,
                        "Split the table into smaller tables, or use fewer distinct cell values.",
                        table=table.name,
                    )
                    break
                if not covered:
                    continue
                by = f"rules {rule_ids(table, bits(earlier))} together match every case it matches"
            rule = table.rules[j]
            if blank is not None:
                above, c = table.rules[blank[0]], blank[1]
                ctx.findings.error(
                    CODE,
                    f"{blank_cell(table, above, c)}, so rule {rule.id} below it can never apply in this "
                    f"first-hit table ({by})",
                    table.sheet,
                    above.cells[c],
                    blank_fix(table, above, c, f"then move {rule.id} above {above.id}, or delete {rule.id}."),
                    table=table.name,
                    rule=rule.id,
                )
                continue
            ctx.findings.error(
                CODE,
                f"rule {rule.id} of first-hit table '{table.name}' can never apply: {by}",
                table.sheet,
                rule_cell(table, rule),
                f"Move {rule.id} above the rules that hide it, narrow them, or delete {rule.id}.",
                table=table.name,
                rule=rule.id,
            )


def _blank_cover(table: DecisionTable, space: _space.Space, above: list[int], j: int) -> tuple[int, int] | None:
    """An earlier rule hiding rule ``j`` through a blank cell in a column that ``j`` tests: (rule, column)."""
    for i in above:
        c = blank_cause(table, space, i, j)
        if c is not None:
            return i, c
    return None
