"""FEEL's arithmetic and ordering on values: decimal numbers, text, dates, times and durations, and null.

FEEL computes numbers in decimal (``0.1 + 0.2`` is ``0.3``), so each operation
runs in :class:`decimal.Decimal` at 34 digits (IEEE 754 decimal128, as FEEL
specifies) from the ``repr`` of its operands, and gives back an ``int`` when
the result is whole, else a ``float``: values stay ``int | float`` everywhere
else. Any operation on null, or on values of kinds FEEL does not combine
(a number and a text, a date and a number), is null, never a Python error.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import operator
from collections.abc import Callable
from typing import Any

from .temporal import YearsMonths, type_of

_CONTEXT = decimal.Context(prec=34, Emax=6144, Emin=-6143, traps=[decimal.InvalidOperation, decimal.Overflow])


class NoValue(Exception):
    """An operation FEEL defines as null; ``reason`` says why, for a cell whose operands are all constants."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and value.__class__ is not bool


def _dec(value: int | float) -> decimal.Decimal:
    return decimal.Decimal(value) if isinstance(value, int) else decimal.Decimal(repr(value))


def _plain(value: decimal.Decimal) -> int | float:
    """A decimal result as the rest of the engine holds numbers: an int when whole, else a float."""
    if not value.is_finite():
        raise NoValue("the result is not a finite number")
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _numeric(op: str, a: int | float, b: int | float) -> int | float:
    x, y = _dec(a), _dec(b)
    try:
        if op == "+":
            r = _CONTEXT.add(x, y)
        elif op == "-":
            r = _CONTEXT.subtract(x, y)
        elif op == "*":
            r = _CONTEXT.multiply(x, y)
        elif op == "/":
            if y == 0:
                raise NoValue("it divides by zero")
            r = _CONTEXT.divide(x, y)
        else:
            if abs(y) > 10000:
                raise NoValue("the power is too large")
            r = _CONTEXT.power(x, y)
    except (decimal.InvalidOperation, decimal.Overflow, ValueError):
        raise NoValue(f"{a} {op} {b} has no numeric value") from None
    return _plain(r)


def _add_months(day: dt.date, months: int) -> dt.date:
    """A date (or date and time) moved by whole months, the day kept or clamped to the month's last day."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise NoValue("the date is outside the years 1 to 9999")
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def _kind(value: Any) -> str:
    if is_number(value):
        return "number"
    return type_of(value) or type(value).__name__


def _words(value: Any) -> str:
    kind = _kind(value)
    return {"string": "a text", "boolean": "true/false"}.get(kind, f"a {kind}")


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``a op b`` (``+ - * / **``) as FEEL defines it; raises :class:`NoValue` where FEEL gives null."""
    if a is None or b is None:
        raise NoValue("one of its values is null")
    ka, kb = _kind(a), _kind(b)
    try:
        if ka == "number" and kb == "number":
            return _numeric(op, a, b)
        if op == "+" and ka == kb == "string":
            return a + b
        result = _temporal(op, a, b, ka, kb)
    except (OverflowError, ValueError, TypeError):
        result = None
    if result is None:
        raise NoValue(f"FEEL does not {_VERBS[op]} {_words(a)} and {_words(b)}")
    return result


_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise to a power"}
_DAYS = "days and time duration"
_MONTHS = "years and months duration"
_POINTS = ("date", "date and time")


def _temporal(op: str, a: Any, b: Any, ka: str, kb: str) -> Any:
    if op in "+-" and ka in _POINTS and kb == _DAYS:
        return a + b if op == "+" else a - b
    if op == "+" and ka == _DAYS and kb in _POINTS:
        return b + a
    if op in "+-" and ka in _POINTS and kb == _MONTHS:
        return _add_months(a, b.months if op == "+" else -b.months)
    if op == "+" and ka == _MONTHS and kb in _POINTS:
        return _add_months(b, a.months)
    if op == "-" and ka == kb and ka in _POINTS:
        return a - b  # a days and time duration (naive minus aware raises TypeError: null)
    if op in "+-" and ka == "time" and kb == _DAYS:
        base = dt.datetime.combine(dt.date(2000, 1, 1), a)
        return (base + b if op == "+" else base - b).timetz()
    if op == "-" and ka == kb == "time":
        day = dt.date(2000, 1, 1)
        return dt.datetime.combine(day, a) - dt.datetime.combine(day, b)
    if op in "+-" and ka == kb and ka in (_DAYS, _MONTHS):
        return a + b if op == "+" else a - b
    if op == "*" and {ka, kb} <= {_DAYS, "number"} and ka != kb:
        delta, n = (a, b) if ka == _DAYS else (b, a)
        return dt.timedelta(microseconds=round(_dec(delta // dt.timedelta(microseconds=1)) * _dec(n)))
    if op == "*" and {ka, kb} <= {_MONTHS, "number"} and ka != kb:
        months, n = (a, b) if ka == _MONTHS else (b, a)
        return YearsMonths(int(_dec(months.months) * _dec(n)))
    if op == "/" and ka in (_DAYS, _MONTHS) and kb == "number":
        if b == 0:
            raise NoValue("it divides by zero")
        if ka == _DAYS:
            return dt.timedelta(microseconds=round(_dec(a // dt.timedelta(microseconds=1)) / _dec(b)))
        return YearsMonths(int(_dec(a.months) / _dec(b)))
    if op == "/" and ka == kb and ka in (_DAYS, _MONTHS):
        x = a // dt.timedelta(microseconds=1) if ka == _DAYS else a.months
        y = b // dt.timedelta(microseconds=1) if ka == _DAYS else b.months
        if y == 0:
            raise NoValue("it divides by zero")
        return _numeric("/", x, y)
    return None


def negate(a: Any) -> Any:
    """``-a`` for a number or a duration; :class:`NoValue` otherwise."""
    if a is None:
        raise NoValue("its value is null")
    if is_number(a):
        return _numeric("-", 0, a)
    if isinstance(a, dt.timedelta | YearsMonths):
        return -a
    raise NoValue(f"FEEL does not negate {_words(a)}")


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 as ``a`` is below, equal to or above ``b``; None (FEEL's null) for values FEEL does not order.

    Numbers order with numbers, texts with texts, and each temporal type with itself (a date is not
    a date and time; a time with a zone is not compared with one without). Booleans and null have no order.
    """
    if a is None or b is None or a.__class__ is bool or b.__class__ is bool:
        return None
    if is_number(a) or is_number(b):
        if not (is_number(a) and is_number(b)):
            return None
    elif type_of(a) is None or type_of(a) != type_of(b):
        return None  # texts with texts, each temporal type with itself
    try:
        return -1 if a < b else (1 if a > b else 0)
    except TypeError:
        return None


ORDER: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}
COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
