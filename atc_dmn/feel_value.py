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

from collections.abc import Iterable, Sequence
from typing import Any

Value = str | bool | int | float | None


def kind(value: Value) -> str:
    """The value's FEEL kind, in the words a message uses: true/false, number, text or null."""
    if value.__class__ is bool:
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else "null"


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
    return str(value)


def code(value: Value) -> str:
    """A value as an output code reads (the Wording sheet, text output): :func:`show` without the quotes."""
    return value if isinstance(value, str) else show(value)
