"""Conflicting and duplicate rules.

**RULE_CONFLICT.** In an any (A) table, rules may overlap only if they agree:
two rules that match the same case but give different outputs leave the
answer undecided, and the engine refuses it. The same holds in a unique (U)
table for two rules with identical input cells. Example (hit policy A)::

    Id   Pathway               | Radiotherapy
    RT2  "chemoradiotherapy"   | "definitive_ebrt"
    RT3  -                     | "none"

RT2 and RT3 both match ``Pathway = "chemoradiotherapy"`` and disagree. Fix:
narrow RT3 (``not("chemoradiotherapy")``), or make the outputs agree.

**RULE_DUPLICATE.** Two rules of any table with the same input cells and the
same outputs: one is redundant, and in a collect table the code would be
listed twice. Fix: delete one (keep the one whose rationale and citations
are right). Cells are compared by meaning: ``"T1","T2"`` equals ``"T2","T1"``.
"""

from __future__ import annotations

from ..feel_value import key, same
from .context import Context, blank_cells_then_pairs, rule_cell
from .describe import describe


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        space = ctx.space(table)
        seen: dict[tuple[int, ...], int] = {}
        identical: set[tuple[int, int]] = set()
        for j, box in enumerate(space.boxes):
            i = seen.setdefault(box, j)
            if i == j:
                continue
            identical.add((i, j))
            first, second = table.rules[i], table.rules[j]
            if same(first.outputs, second.outputs):
                ctx.findings.error(
                    "RULE_DUPLICATE",
                    f"rule {second.id} of table '{table.name}' repeats rule {first.id}: same cells, same outputs",
                    table.sheet,
                    rule_cell(table, second),
                    f"Delete {second.id} (or {first.id}).",
                    table=table.name,
                    rule=second.id,
                )
            elif table.hit_policy in ("U", "A"):
                ctx.findings.error(
                    "RULE_CONFLICT",
                    f"rules {first.id} and {second.id} of table '{table.name}' test the same values "
                    "but give different outputs",
                    table.sheet,
                    rule_cell(table, second),
                    f"Decide which output is right and delete the other rule, or make {second.id} "
                    "test different values.",
                    table=table.name,
                    rule=second.id,
                )
        if table.hit_policy != "A":
            continue
        # Rules that give the same outputs may overlap freely: only pairs across output classes matter.
        classes: dict[tuple, int] = {}
        for r, rule in enumerate(table.rules):
            k = tuple(key(v) for v in rule.outputs)
            classes[k] = classes.get(k, 0) | 1 << r
        rules = table.rules
        found = space.explore(
            overlaps=True,
            pair_ok=lambda a, b, rules=rules, identical=identical: (
                (a, b) not in identical and not same(rules[a].outputs, rules[b].outputs)
            ),
            classes=list(classes.values()),
        )
        conflicts, more = blank_cells_then_pairs(
            ctx,
            table,
            space,
            found,
            "RULE_CONFLICT",
            lambda rule, others, partner, cases: (
                f"now conflicts with {others} in this any (A) table "
                f"(e.g. {rule.id} and {partner.id} both match {cases} but give different outputs)"
            ),
            lambda rule, others: f"then narrow {rule.id} or {others}, or make their outputs agree.",
        )
        for a, b, box in conflicts:
            first, second = table.rules[a], table.rules[b]
            ctx.findings.error(
                "RULE_CONFLICT",
                f"rules {first.id} and {second.id} of table '{table.name}' (hit policy A) both match "
                f"{describe(space, box)} but give different outputs",
                table.sheet,
                rule_cell(table, second),
                f"Narrow {first.id} or {second.id} so that no case matches both, or make their outputs agree.",
                table=table.name,
                rule=second.id,
            )
        if more:
            ctx.findings.error(
                "RULE_CONFLICT",
                f"table '{table.name}' has {more} more conflicting pairs of rules",
                table.sheet,
                table.cell,
                "Fix the conflicts listed first, then validate again.",
                table=table.name,
            )
