"""Untested inputs: an input column in which every rule says ``-`` (any value).

Such a column has no effect on the table's answer: usually a test was
forgotten, or the column is left over from an earlier version. Example::

    Id   Pathway   Targetable alteration | Molecular testing
    MT1  -         -                     | "completed"
    MT2  ...       -                     | ...

Fix: write the test in the rules that depend on the input, or delete the
column (and the variable from the Glossary if nothing else reads it). A
warning, not an error: the column changes no answer (DMN allows it; a collect
table may list a column it does not test).
"""

from __future__ import annotations

from .context import Context

CODE = "INPUT_UNTESTED"


def check(ctx: Context) -> None:
    for table in ctx.model.tables:
        for pos, column in enumerate(table.inputs):
            if all(rule.tests[pos].any for rule in table.rules):
                ctx.findings.warning(
                    "INPUT_UNTESTED",
                    f"no rule of table '{table.name}' tests '{column.variable}': every cell in its column is '-'",
                    table.sheet,
                    column.cell,
                    "Write the test in the rules that depend on it, or delete the column.",
                    table=table.name,
                )
