"""What a caller may give: one spec per Glossary input, its kind and allowed values taken from the tables."""

from __future__ import annotations

from ..feel_value import kind as feel_kind
from ..model import DecisionTable, InputSpec, with_role
from .context import Context


def input_specs(ctx: Context, tables: tuple[DecisionTable, ...]) -> tuple[InputSpec, ...]:
    """A spec per input, in Glossary order; an input no table reads is an INPUT_UNUSED finding."""
    specs = []
    for var in with_role(ctx.variables, "input"):
        column = next((col for t in tables for col in t.inputs if col.variable == var.name and col.allowed), None)
        used = any(col.variable == var.name for t in tables for col in t.inputs)
        if not used and ctx.complete:
            ctx.findings.error(
                "INPUT_UNUSED",
                f"input '{var.name}' is not read by any table",
                "Glossary",
                var.cell,
                "Remove it from the Glossary, or add a column for it to a table.",
            )
        test = column.allowed if column else None
        enum = column.enumeration if column else None
        if enum is not None:
            values = [v for v in enum if v is not None]
            kinds = {feel_kind(v) for v in values}
            kind = {"true/false": "boolean", "text": "category", "number": "number"}.get(
                kinds.pop() if len(kinds) == 1 else "", "any"
            )
            optional = None in enum or var.default is not None
            allowed = tuple(enum)
        else:
            kind = "number" if test is not None else "any"
            optional, allowed = True, ()
        specs.append(InputSpec(var.key, var.name, kind, allowed, var.meaning, var.default, optional, test))
    return tuple(specs)
