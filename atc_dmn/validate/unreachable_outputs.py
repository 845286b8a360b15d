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

A warning, not an error: after a clinician's one-cell edit every answer is
still one the tables give on purpose. What the edit silences downstream is
listed too: a rule of a later table that tests the output only for values no
rule gives any more can no longer fire (RULE_CANNOT_FIRE, at its cell).
"""

from __future__ import annotations

from ..feel_value import contains, distinct, show
from ..model import DecisionTable
from .context import Context


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        for j, column in enumerate(table.outputs):
            enum = column.enumeration
            if enum is None:
                continue
            given = distinct(rule.outputs[j] for rule in table.rules)
            missing = [v for v in enum if not contains(given, v)]  # FEEL equality: 1 gives the listed 1.0
            if not missing:
                continue
            codes = ", ".join(show(v) for v in missing)
            ctx.findings.warning(
                "OUTPUT_UNREACHABLE",
                f"no rule of table '{table.name}' gives '{column.variable}' the "
                f"value{'s' if len(missing) > 1 else ''} {codes}",
                table.sheet,
                column.allowed_cell or column.cell,
                "Add or correct the rule that should give it, or remove it from the allowed values (and its wording).",
                table=table.name,
            )
            if table.hit_policy in ("U", "A", "P", "F"):  # a collected list's items are not tested one by one
                _silenced(ctx, table, column.variable, given, codes)


def _silenced(ctx: Context, producer: DecisionTable, variable: str, given: list, codes: str) -> None:
    """Rules of later tables whose test of ``variable`` accepts none of the values still given."""
    for table in ctx.model.tables:
        for k, column in enumerate(table.inputs):
            if column.variable != variable:
                continue
            for rule in table.rules:
                test = rule.tests[k]
                if test.any or any(test.matches(v) for v in given):
                    continue
                ctx.findings.warning(
                    "RULE_CANNOT_FIRE",
                    f"rule {rule.id} of table '{table.name}' can no longer fire: it tests '{variable}' only for "
                    f"values that no rule of table '{producer.name}' gives (none gives {codes})",
                    table.sheet,
                    rule.cells[k],
                    f"Restore the rule of table '{producer.name}' that gave the value, or delete or change this rule.",
                    table=table.name,
                    rule=rule.id,
                )
