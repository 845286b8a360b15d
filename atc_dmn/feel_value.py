"""FEEL values: their equality, a dictionary key, their rank in a list, and how they are printed.

Python and FEEL disagree on one point that matters here: Python holds
``True == 1`` and ``False == 0`` (with equal hashes), FEEL does not. FEEL does
hold ``1 = 1.0``, as Python does, and compares strings exactly. Every part of
atc-dmn that compares, indexes, ranks or prints a cell value goes through this
module, so that the loader, the compiler, the hit policies and the validator
cannot disagree on whether two values are the same.

The evaluator's hot path (the rule index of :mod:`.compiler` and the set
predicates of :func:`.feel.compile_test`) cannot afford a call per cell; it
keeps booleans apart from numbers inline, by class, and its tests check it
against :func:`equal`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from .feel_arith import compare
from .temporal import YearsMonths, is_temporal, show_temporal, type_of

# A cell's or a case's value. Temporal values (datetime's types and YearsMonths) are FEEL's dates,
# times and durations; an output cell naming a variable holds a feel_expr.Expr until evaluated.
Value = str | bool | int | float | None | dt.date | dt.time | dt.timedelta | YearsMonths


def kind(value: Value) -> str:
    """The value's FEEL kind, in the words a message uses: true/false, number, text or null."""
    if value.__class__ is bool:
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return type_of(value) or "expression"


def is_number(value: Any) -> bool:
    """A FEEL number: an int or a float, never a boolean."""
    return isinstance(value, int | float) and value.__class__ is not bool


def key(value: Value) -> tuple[str, Value]:
    """A hashable key equal for FEEL-equal values only: ``true`` and ``1`` never share a dict slot."""
    return kind(value), value


def equal(a: Value, b: Value) -> bool:
    """FEEL equality: ``true`` is not ``1``, ``1`` is ``1.0``, strings are compared exactly.

    The same relation as ``key(a) == key(b)``, without building the keys: only booleans need telling apart.
    """
    if a.__class__ is bool or b.__class__ is bool:
        return a is b
    return a == b


def same(a: Sequence[Value], b: Sequence[Value]) -> bool:
    """Two rows of values (say, two rules' outputs) equal value by value."""
    return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))


def contains(values: Iterable[Value], value: Value) -> bool:
    """``value in values`` by FEEL equality."""
    return any(equal(v, value) for v in values)


def rank(value: Value, allowed: Sequence[Value]) -> int:
    """The position of ``value`` in an output's allowed list (its priority for P and O); ``len(allowed)`` if absent."""
    return next((k for k, v in enumerate(allowed) if equal(v, value)), len(allowed))


def distinct(values: Iterable[Value]) -> list[Value]:
    """The values without FEEL-equal repeats, the first of each kept, in order."""
    first: dict[tuple[str, Value], Value] = {}
    for v in values:
        first.setdefault(key(v), v)
    return list(first.values())


def show(value: Value) -> str:
    """A value as a clinician types it in a cell: ``"IVB"``, ``true``, ``null``, ``1.5``."""
    if value is None:
        return "null"
    if value.__class__ is bool:
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if is_temporal(value):
        return show_temporal(value)
    return str(value)


def order(a: Value, b: Value) -> int | None:
    """FEEL's order of two values: -1, 0, 1, or None when FEEL does not compare them (unlike types, null,
    booleans). Numbers, texts and each temporal type (same type only) are ordered, for the compiler's
    comparisons and the validator's number lines alike."""
    return compare(a, b)


def orderable(value: Value) -> bool:
    """A value a comparison or a range may hold: a number, a text or a temporal value."""
    return value is not None and value.__class__ is not bool and compare(value, value) == 0


def code(value: Value) -> str:
    """A value as an output code reads (the Wording sheet, text output): :func:`show` without the quotes."""
    return value if isinstance(value, str) else show(value)
