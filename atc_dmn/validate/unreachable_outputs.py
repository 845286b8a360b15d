"""Unreachable output codes: a value in an output's allowed list that no rule gives.

The allowed-values row under an output heading lists the codes the table can
give (and, for P and O tables, their priority). A code no rule gives is
either a rule that went missing or a stale code. Example::

    Id   Pathway              | Radiotherapy
                              | "adjuvant_ebrt","definitive_ebrt","none"
    RT1  "multimodal..."      | "adjuvant_ebrt"
    RT2  "chemoradiotherapy"  | "none"
    RT3  not(...)             | "none"

``"definitive_ebrt"`` is listed but no rule gives it (RT2 should). Fix: add
or correct the rule that gives it, or remove the code from the list (and
from the Wording sheet).
"""

from __future__ import annotations

from ..feel_value import contains, show
from .context import Context

CODE = "OUTPUT_UNREACHABLE"


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        for j, column in enumerate(table.outputs):
            enum = column.enumeration
            if enum is None:
                continue
            given = [rule.outputs[j] for rule in table.rules]
            missing = [v for v in enum if not contains(given, v)]  # FEEL equality: 1 gives the listed 1.0
            if not missing:
                continue
            codes = ", ".join(show(v) for v in missing)
            ctx.findings.error(
                CODE,
                f"no rule of table '{table.name}' gives '{column.variable}' the "
                f"value{'s' if len(missing) > 1 else ''} {codes}",
                table.sheet,
                column.allowed_cell or column.cell,
                "Add or correct the rule that should give it, or remove it from the allowed values (and its wording).",
                table=table.name,
            )
