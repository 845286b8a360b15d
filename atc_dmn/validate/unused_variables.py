"""**VARIABLE_UNUSED** (warning): an intermediate variable that a table decides but no table reads.

It is wasted work, or a missing column. Fix: read it where it was meant to be
used, or delete the column and the Glossary row.
"""

from __future__ import annotations

from ..feel_expr import named_in
from .context import Context


def check(ctx: Context) -> None:
    """Warn of each intermediate that a table decides and no table reads."""
    model = ctx.model
    read = {col.variable for t in model.tables for col in t.inputs} | named_in(model.tables)
    for var in model.variables.values():
        if var.role == "intermediate" and var.name not in read:
            ctx.findings.warning(
                "VARIABLE_UNUSED",
                f"intermediate '{var.name}' is decided but no table reads it",
                "Glossary",
                var.cell,
                "Read it in the table that needs it, or delete its column and its Glossary row.",
            )
