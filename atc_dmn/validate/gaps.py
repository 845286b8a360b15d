"""Gaps: input combinations that no rule of a single-hit table matches.

A table with hit policy U, A, P or F must give exactly one answer for every
case that can reach it; where no rule matches, the engine stops with an
error instead of a recommendation. Example (Radiotherapy, hit policy U)::

    Pathway                          | Radiotherapy
    "multimodal_therapy"             | "adjuvant_ebrt"
    "chemoradiotherapy"              | "definitive_ebrt"

has a gap: ``Pathway = "palliative_care"`` (and six other pathways) match no
rule. Fix: add a rule for them (here ``not("multimodal_therapy",
"chemoradiotherapy")`` giving ``"none"``). Collect tables (C, R, O, C+ ...)
may match nothing: they then give an empty list. Under the Model sheet's
``No match`` = null (DMN's semantics), a gap is a warning: the table then
gives its outputs' defaults, else null.

Exact over enumerated and boolean columns (every allowed value, ``null``
when listed); sound over numeric ranges (see :mod:`.space`).
"""

from __future__ import annotations

from ..model import SINGLE_HIT
from ..no_match import NULL, no_match
from .context import Context
from .describe import describe

CODE = "TABLE_GAP"


def check(ctx: Context) -> None:
    # Under No match = null a gap is DMN's null answer, not a missing one: worth a warning, not a refusal.
    report = ctx.findings.warning if no_match(ctx.model.info) == NULL else ctx.findings.error
    for table in ctx.model.tables:
        if table.hit_policy not in SINGLE_HIT:
            continue
        space = ctx.space(table)
        found = space.explore(gaps=True)
        boxes = space.merged_gaps(found)
        for box in boxes[:5]:
            report(
                CODE,
                f"table '{table.name}' has a gap: no rule matches {describe(space, box)}",
                table.sheet,
                table.cell,
                "Add a rule for these cases, or widen a rule's cells to include them; "
                "a case with these values would get no recommendation.",
                table=table.name,
            )
        if len(boxes) > 5 or found.gap_count > len(found.gaps):
            report(
                CODE,
                f"table '{table.name}' has more gaps besides those listed",
                table.sheet,
                table.cell,
                "Fix the gaps listed first, then validate again.",
                table=table.name,
            )
        if found.truncated:
            ctx.findings.warning(
                "ANALYSIS_LIMIT",
                f"table '{table.name}' is too intricate to check completely for gaps",
                table.sheet,
                table.cell,
                "Split the table into smaller tables, or use fewer distinct cell values.",
                table=table.name,
            )
