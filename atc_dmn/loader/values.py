"""Small helpers on cell values: their kind, membership of an allowed list, and what to say when the kind is wrong."""

from __future__ import annotations

import re

from ..feel_value import Value, contains, kind

_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def type_mismatch(value: Value, allowed: tuple[Value, ...]) -> str | None:
    """NUMBER_AS_TEXT or TYPE_MISMATCH when a value is of another kind than every allowed value."""
    kinds = {kind(a) for a in allowed if a is not None}
    own = kind(value)
    if value is None or not kinds or own in kinds:
        return None
    if own == "text" and kinds == {"number"} and _NUMBER_TEXT.fullmatch(str(value).strip()):
        return "NUMBER_AS_TEXT"
    return "TYPE_MISMATCH"


def type_note(value: Value, allowed: tuple[Value, ...]) -> str:
    code = type_mismatch(value, allowed)
    if code is None:
        return ""
    kinds = sorted({kind(a) for a in allowed if a is not None})
    return f": it is {kind(value)}, the column holds {' and '.join(kinds)}"


def type_hint(value: Value, code: str | None) -> str:
    if code == "NUMBER_AS_TEXT":
        return f'Remove the double quotes: write {value}, not "{value}".'
    if code == "TYPE_MISMATCH":
        return 'Write a value of the column\'s kind: true or false, a number, or "text" as its allowed values are.'
    return ""


def member(value: Value, allowed: tuple[Value, ...]) -> bool:
    """``value in allowed`` by FEEL equality: booleans never equal the numbers 0 and 1, 1 equals 1.0."""
    return contains(allowed, value)
