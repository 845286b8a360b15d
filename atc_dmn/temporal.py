"""FEEL's temporal values as Python values, and FEEL's type names.

FEEL has dates, times, dates and times, and two kinds of duration. They map
onto :mod:`datetime` where Python has the type (``date``, ``time``,
``datetime``, and ``timedelta`` for days and time durations) and onto
:class:`YearsMonths` where it does not: a years and months duration counts
months, and ``P1M`` is not a number of days. Text is parsed strictly (ISO
8601 as FEEL writes it), so a typo is an error, never a different date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

# The FEEL type names a Glossary's Type column (and a DMN typeRef) may give, in the words DMN uses.
TYPES = (
    "string",
    "number",
    "boolean",
    "date",
    "time",
    "date and time",
    "days and time duration",
    "years and months duration",
)


class TemporalError(ValueError):
    """Text that is not a FEEL date, time, date and time or duration; ``hint`` says how to write one."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


@dataclass(frozen=True, order=True)
class YearsMonths:
    """A years and months duration (``P1Y2M``): a whole number of months, negative for ``-P1Y``."""

    months: int

    def __str__(self) -> str:
        sign, m = ("-" if self.months < 0 else ""), abs(self.months)
        years, months = divmod(m, 12)
        body = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{body}"

    def __add__(self, other: object) -> YearsMonths:
        if isinstance(other, YearsMonths):
            return YearsMonths(self.months + other.months)
        return NotImplemented

    def __sub__(self, other: object) -> YearsMonths:
        if isinstance(other, YearsMonths):
            return YearsMonths(self.months - other.months)
        return NotImplemented

    def __neg__(self) -> YearsMonths:
        return YearsMonths(-self.months)


_DATE = re.compile(r"-?\d{4,9}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_DURATION = re.compile(
    r"(?P<sign>-)?P(?!$)(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<d>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?"
)


def parse_date(text: str) -> dt.date:
    if not _DATE.fullmatch(text):
        raise TemporalError(f'"{text}" is not a date', 'Write a date as date("2025-01-31"): year, month, day.')
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TemporalError(f'"{text}" is not a date of the calendar', "Check the month and the day.") from None


def parse_time(text: str) -> dt.time:
    if not _TIME.fullmatch(text):
        raise TemporalError(
            f'"{text}" is not a time', 'Write a time as time("14:30:00"), optionally with "Z" or "+01:00".'
        )
    try:
        return dt.time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TemporalError(f'"{text}" is not a time of day', "Hours 00-23, minutes and seconds 00-59.") from None


def parse_date_and_time(text: str) -> dt.datetime:
    if _DATE.fullmatch(text):  # FEEL: a date alone is that date at midnight
        day = parse_date(text)
        return dt.datetime(day.year, day.month, day.day)
    date_part, sep, time_part = text.partition("T")
    if not sep:
        raise TemporalError(f'"{text}" is not a date and time', 'Write it as date and time("2025-01-31T14:30:00").')
    day, time = parse_date(date_part), parse_time(time_part)
    return dt.datetime.combine(day, time)


def parse_duration(text: str) -> dt.timedelta | YearsMonths:
    m = _DURATION.fullmatch(text)
    if not m:
        raise TemporalError(
            f'"{text}" is not a duration',
            'Write a duration as duration("P2D"), duration("PT12H") or duration("P1Y6M") (ISO 8601).',
        )
    sign = -1 if m["sign"] else 1
    years_months = m["y"] is not None or m["mo"] is not None
    days_time = any(m[g] is not None for g in ("d", "h", "mi", "s"))
    if years_months and days_time:
        raise TemporalError(
            f'"{text}" mixes years or months with days or times',
            "FEEL has two kinds of duration: years and months (P1Y2M), or days and time (P3DT4H).",
        )
    if years_months:
        return YearsMonths(sign * (int(m["y"] or 0) * 12 + int(m["mo"] or 0)))
    delta = dt.timedelta(
        days=int(m["d"] or 0), hours=int(m["h"] or 0), minutes=int(m["mi"] or 0), seconds=float(m["s"] or 0)
    )
    return -delta if sign < 0 else delta


def parse_at_literal(text: str) -> Any:
    """An ``@"..."`` literal: a duration, a date and time, a date or a time, told apart by its form."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_date_and_time(text)
    if _DATE.fullmatch(text):
        return parse_date(text)
    if _TIME.fullmatch(text):
        return parse_time(text)
    raise TemporalError(
        f'@"{text}" is not a date, time, date and time or duration',
        'Write @"2025-01-31", @"14:30:00", @"2025-01-31T14:30:00" or @"P2D".',
    )


# The FEEL constructor functions a cell may call on a text, by name.
CONSTRUCTORS = {
    "date": parse_date,
    "time": parse_time,
    "date and time": parse_date_and_time,
    "duration": parse_duration,
}


def type_of(value: Any) -> str | None:
    """The FEEL type name of a value (one of :data:`TYPES`), None for null or a value FEEL has no type for."""
    if value is None:
        return None
    if value.__class__ is bool:
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float) or value.__class__.__name__ == "Decimal":
        return "number"
    if isinstance(value, dt.datetime):  # before date: a datetime is a date in Python
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, dt.timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonths):
        return "years and months duration"
    return None


def is_temporal(value: Any) -> bool:
    return isinstance(value, dt.date | dt.time | dt.timedelta | YearsMonths)


def show_temporal(value: Any) -> str:
    """A temporal value as a cell writes it: ``date("2025-01-31")``, ``duration("P2D")``."""
    if isinstance(value, dt.datetime):
        return f'date and time("{value.isoformat()}")'
    if isinstance(value, dt.date):
        return f'date("{value.isoformat()}")'
    if isinstance(value, dt.time):
        return f'time("{value.isoformat()}")'
    if isinstance(value, dt.timedelta):
        return f'duration("{iso_days_time(value)}")'
    if isinstance(value, YearsMonths):
        return f'duration("{value}")'
    raise TypeError(f"not a temporal value: {value!r}")


def iso_days_time(value: dt.timedelta) -> str:
    """A days and time duration in ISO 8601 (``P1DT2H``), as FEEL prints it."""
    total = value.total_seconds()
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = (
        (f"{int(hours)}H" if hours else "")
        + (f"{int(minutes)}M" if minutes else "")
        + (f"{seconds:g}S" if seconds else "")
    )
    body = (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")
    return f"{sign}P{body or 'T0S'}"
