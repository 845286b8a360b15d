"""Overlaps: two rules of a unique (U) table that match the same case.

Hit policy U promises that at most one rule matches any case; when two do,
the engine refuses to answer (pyDMNrules would silently take the first).
Example (hit policy U)::

    Id   Pathway                                  | Systemic therapy
    SY4  "clinical_trial"                         | "clinical_trial"
    SY6  "clinical_trial","palliative_care"       | "none"

SY4 and SY6 both match ``Pathway = "clinical_trial"``. Fix: narrow one of the
rules so that they no longer share a case, or change the hit policy to F
(first) if the order of the rules is meant to decide.

Two rules with exactly the same input cells are reported by
:mod:`.conflicts` instead (RULE_DUPLICATE or RULE_CONFLICT).
"""

from __future__ import annotations

from .context import Context, blank_cells_then_pairs, rule_cell
from .describe import describe

CODE = "RULE_OVERLAP"


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        if table.hit_policy != "U":
            continue
        space = ctx.space(table)
        boxes = space.boxes
        found = space.explore(overlaps=True, pair_ok=lambda a, b, boxes=boxes: boxes[a] != boxes[b])
        pairs, more = blank_cells_then_pairs(
            ctx,
            table,
            space,
            found,
            CODE,
            lambda rule, others, partner, cases: (
                f"now overlaps {others} in this unique table (e.g. {rule.id} and {partner.id} both match {cases})"
            ),
            lambda rule, others: f"then narrow {rule.id} or {others} so that no case matches two rules.",
        )
        for a, b, box in pairs:
            first, second = table.rules[a], table.rules[b]
            ctx.findings.error(
                CODE,
                f"rules {first.id} and {second.id} of unique table '{table.name}' both match {describe(space, box)}",
                table.sheet,
                rule_cell(table, second),
                f"Narrow {first.id} or {second.id} so that no case matches both, "
                "or use hit policy F if the first matching rule should win.",
                table=table.name,
                rule=second.id,
            )
        if more:
            ctx.findings.error(
                CODE,
                f"unique table '{table.name}' has {more} more overlapping pairs of rules",
                table.sheet,
                table.cell,
                "Fix the overlaps listed first, then validate again.",
                table=table.name,
            )
