"""What a caller may give: one spec per Glossary input, its kind and allowed values.

An input's allowed values are its own when the model declares them (a DMN
inputData's item definition, or the Glossary's Allowed values column), else
those of the first column that reads it with a list. A column may list fewer
values than the input it reads declares: the others are, for that column,
values no rule names.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..feel import UnaryTest, Value
from ..feel_expr import named_in
from ..feel_value import kind as feel_kind
from ..model import Column, DecisionTable, InputSpec, with_role
from .context import Context


def first_column(name: str, tables: tuple[DecisionTable, ...]) -> Column | None:
    """The first column (in table order) that reads ``name`` with allowed values."""
    return next((col for t in tables for col in t.inputs if col.variable == name and col.allowed), None)


def declares_own_values(spec: InputSpec, tables: tuple[DecisionTable, ...]) -> bool:
    """Whether an input's allowed values are its own, not those of the first column that lists them."""
    column = first_column(spec.name, tables)
    return spec.test is not None and (column is None or column.allowed != spec.test)


def input_specs(
    ctx: Context, tables: tuple[DecisionTable, ...], declared: Mapping[str, UnaryTest] | None = None
) -> tuple[InputSpec, ...]:
    """A spec per input, in Glossary order; an input no table reads is an INPUT_UNUSED finding.

    ``declared`` gives an input's own allowed values by name; the columns' stand in for the others.
    """
    declared = declared or {}
    specs = []
    named = named_in(tables)  # a variable a cell names (< Maximum loan) is read too
    for var in with_role(ctx.variables, "input"):
        used = var.name in named or any(col.variable == var.name for t in tables for col in t.inputs)
        if not used and ctx.complete:
            ctx.findings.error(
                "INPUT_UNUSED",
                f"input '{var.name}' is not read by any table",
                "Glossary",
                var.cell,
                "Remove it from the Glossary, or add a column for it to a table.",
            )
        test = declared.get(var.name)
        if test is None:
            column = first_column(var.name, tables)
            test = column.allowed if column else None
        enum = Column(var.name, var.origin, test).enumeration if test is not None else None
        if var.type:
            kind, allowed, optional = typed(var.type, test, enum, var.default)
        elif enum is not None:
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
        specs.append(InputSpec(var.key, var.name, kind, allowed, var.meaning, var.default, optional, test, var.type))
    return tuple(specs)


def typed(
    type_: str, test: UnaryTest | None, enum: tuple[Value, ...] | None, default: Value
) -> tuple[str, tuple[Value, ...], bool]:
    """(kind, allowed values, optional) of an input whose Glossary row declares its FEEL type.

    A typed input may be missing (null) only where its allowed values list ``null`` or it has a
    default: its column's domain is then exactly its type's values, and a table covering them has no gap.
    """
    listed_null = test is not None and not test.negated and None in test.literals
    optional = listed_null or default is not None
    if enum is not None:
        kind = "category" if type_ == "string" else type_
        return kind, tuple(enum), optional
    return type_, (), optional
