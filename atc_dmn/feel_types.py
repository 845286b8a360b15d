"""A variable's declared FEEL type: its name as a Glossary or a DMN typeRef writes it, and what belongs to it.

A Glossary's Type column holds one of :data:`.temporal.TYPES`; a DMN file's
typeRefs use the same names (DMN 1.2 on), or DMN 1.1's ``dateTime``,
``dayTimeDuration`` and ``yearMonthDuration``, optionally with a ``feel:``
prefix. A value belongs to a type when :func:`.temporal.type_of` names it:
``true`` is not a number, a date and time is not a date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .temporal import TYPES, YearsMonths, is_temporal, iso_days_time, type_of

# The Glossary's optional column of FEEL types (blank: inferred from the allowed values).
TYPE_HEADING = "Type"
# DMN 1.1's names (XML Schema's) for FEEL's types.
DMN_ALIASES = {
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
}
TEMPORAL_TYPES = tuple(t for t in TYPES if t not in ("string", "number", "boolean"))
# How a case writes a value of each type: the example an input's error gives.
EXAMPLES = {
    "string": '"some text"',
    "number": "42",
    "boolean": "true",
    "date": "2025-01-31",
    "time": "14:30:00",
    "date and time": "2025-01-31T14:30:00",
    "days and time duration": "P2DT3H",
    "years and months duration": "P1Y6M",
}


def type_name(text: str) -> str | None:
    """The FEEL type a Glossary cell names (any case, blanks squeezed), None when it names none."""
    words = " ".join(text.split()).lower()
    return words if words in TYPES else None


def dmn_type(type_ref: str | None) -> str:
    """The FEEL type of a DMN built-in typeRef (``feel:number``, ``dateTime``), "" for Any or another name."""
    if not type_ref:
        return ""
    name = type_ref.strip()
    for prefix in ("feel:", "FEEL:"):
        name = name.removeprefix(prefix)
    if name in DMN_ALIASES:
        return DMN_ALIASES[name]
    return name if name in TYPES else ""


def belongs(value: Any, type_: str) -> bool:
    """Whether ``value`` (not null) is of FEEL type ``type_``."""
    return type_of(value) == type_


def excel_value(value: Any, type_: str) -> Any:
    """A cell's value as its variable's type reads it: Excel holds a date as a date and time at midnight."""
    if type_ == "date" and isinstance(value, dt.datetime) and value.tzinfo is None and value.time() == dt.time(0):
        return value.date()
    return value


def json_value(value: Any) -> str:
    """``json.dumps``' default: a temporal value as the ISO 8601 text a case gives it (2025-01-31, P2D)."""
    if isinstance(value, dt.timedelta):
        return iso_days_time(value)
    if isinstance(value, YearsMonths):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


__all__ = [
    "DMN_ALIASES",
    "EXAMPLES",
    "TEMPORAL_TYPES",
    "TYPES",
    "TYPE_HEADING",
    "belongs",
    "dmn_type",
    "excel_value",
    "is_temporal",
    "json_value",
    "type_name",
]
