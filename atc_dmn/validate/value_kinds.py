"""**NUMBER_AS_TEXT / TYPE_MISMATCH** (error) in columns without a list of allowed values, and in typed columns.

A rule that tests ``"5"`` (text) or ``true`` where the column holds numbers
never matches. Fix: write ``5``. (For columns with a list the loader reports
the same codes.) A column whose variable has a Glossary Type holds values of
that type only: any cell (or allowed value) of another type is reported.
"""

from __future__ import annotations

import re
from typing import Any

from ..feel import Compare, Equals, Range, UnaryTest
from ..feel_value import Value, is_number, show
from ..model import Column, DecisionTable
from ..temporal import type_of
from .context import Context


def _numeric(test) -> bool:
    return any(isinstance(a, Compare | Range) or (isinstance(a, Equals) and is_number(a.value)) for a in test.atoms)


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _bad_kind(value: Value) -> str | None:
    if isinstance(value, str):
        return "NUMBER_AS_TEXT" if _NUMBER_TEXT.fullmatch(value.strip()) else "TYPE_MISMATCH"
    if isinstance(value, bool):
        return "TYPE_MISMATCH"
    return None


def check(ctx: Context) -> None:
    """Report cells that give text or booleans where a column without a list holds numbers."""
    for table in ctx.model.tables:
        _typed(ctx, table)
        for pos, column in enumerate(table.inputs):
            if _type(ctx, column) or column.enumeration is not None:
                continue  # the loader checks columns with a list
            tests = [r.tests[pos] for r in table.rules]
            if not ((column.allowed is not None and _numeric(column.allowed)) or any(_numeric(t) for t in tests)):
                continue
            for rule in table.rules:
                for value in rule.tests[pos].literals:
                    code = _bad_kind(value)
                    if code:
                        _kind_finding(ctx, table, rule, pos, code, value, "tests", column.variable)
        for j, column in enumerate(table.outputs):
            if _type(ctx, column) or column.enumeration is not None:
                continue
            given = [r.outputs[j] for r in table.rules]
            if not any(is_number(v) for v in given):
                continue
            for rule in table.rules:
                value = rule.outputs[j]
                code = _bad_kind(value)
                if code == "NUMBER_AS_TEXT":
                    _kind_finding(ctx, table, rule, len(table.inputs) + j, code, value, "gives", column.variable)


def _type(ctx: Context, column: Column) -> str:
    var = ctx.model.variables.get(column.variable)
    return var.type if var is not None else ""


def _values(test: UnaryTest) -> list[Any]:
    """The values a test names: its literals and its comparisons' and ranges' bounds."""
    found: list[Any] = []
    for atom in test.atoms:
        found += [atom.low, atom.high] if isinstance(atom, Range) else [atom.value]
    return found


def _typed(ctx: Context, table: DecisionTable) -> None:
    """Cells and allowed values of another FEEL type than their column's declared Type."""
    n = len(table.inputs)
    for index, column in enumerate((*table.inputs, *table.outputs)):
        type_ = _type(ctx, column)
        if not type_:
            continue
        allowed = _values(column.allowed) if column.allowed is not None else []
        for value in allowed:
            if _foreign(value, type_):
                ctx.findings.error(
                    "TYPE_MISMATCH",
                    f"allowed value {show(value)} of '{column.variable}' is not a {type_}, the variable's Type",
                    table.sheet,
                    column.allowed_cell or column.cell,
                    f"Write {type_} values only, or change the Type in the Glossary.",
                    table=table.name,
                )
        if column.enumeration is not None:
            continue  # the loader checks the cells of a column with a list against the list
        for rule in table.rules:
            values = _values(rule.tests[index]) if index < n else [rule.outputs[index - n]]
            for value in values:
                if _foreign(value, type_):
                    text = type_ == "number" and _bad_kind(value) == "NUMBER_AS_TEXT"
                    verb = "tests" if index < n else "gives"
                    ctx.findings.error(
                        "NUMBER_AS_TEXT" if text else "TYPE_MISMATCH",
                        f"rule {rule.id} {verb} '{column.variable}' {'the text ' if text else ''}{show(value)}, "
                        f"but its Type is {type_}",
                        table.sheet,
                        rule.cells[index] if index < len(rule.cells) else table.cell,
                        f"Remove the double quotes: write {value}."
                        if text
                        else f"Write a {type_}, or change the Type in the Glossary.",
                        table=table.name,
                        rule=rule.id,
                    )


def _foreign(value: Any, type_: str) -> bool:
    """A value (not null, not an expression) of another FEEL type than ``type_``."""
    found = type_of(value)
    return found is not None and found != type_


def _kind_finding(
    ctx: Context, table: DecisionTable, rule, index: int, code: str, value: Value, verb: str, heading: str
) -> None:
    if code == "NUMBER_AS_TEXT":
        message = f"rule {rule.id} {verb} '{heading}' the text {show(value)}, but the column holds numbers"
        hint = f"Remove the double quotes: write {value}."
    else:
        message = f"rule {rule.id} {verb} '{heading}' {show(value)}, but the column holds numbers"
        hint = "Write a number, a comparison (< 5) or a range ([1..5])."
    ctx.findings.error(
        code,
        message,
        table.sheet,
        rule.cells[index] if index < len(rule.cells) else table.cell,
        hint,
        table=table.name,
        rule=rule.id,
    )
