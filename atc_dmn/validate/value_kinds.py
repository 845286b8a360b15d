"""**NUMBER_AS_TEXT / TYPE_MISMATCH** (error) in columns without a list of allowed values.

A rule that tests ``"5"`` (text) or ``true`` where the column holds numbers
never matches. Fix: write ``5``. (For columns with a list the loader reports
the same codes.)
"""

from __future__ import annotations

import re

from ..feel import Compare, Equals, Range
from ..feel_value import Value, is_number, show
from ..model import DecisionTable
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
        for pos, column in enumerate(table.inputs):
            if column.enumeration is not None:
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
            if column.enumeration is not None:
                continue
            given = [r.outputs[j] for r in table.rules]
            if not any(is_number(v) for v in given):
                continue
            for rule in table.rules:
                value = rule.outputs[j]
                code = _bad_kind(value)
                if code == "NUMBER_AS_TEXT":
                    _kind_finding(ctx, table, rule, len(table.inputs) + j, code, value, "gives", column.variable)


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
