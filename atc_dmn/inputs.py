"""Turn a caller's case into the values the tables test, or refuse it with an :class:`InputError`.

Both engines receive only what passes here: known names, values from the
workbook's allowed lists, real booleans, bounded strings, and the
workbook's defaults for missing values. Nothing is guessed: an unknown
name, a misspelt code or an ambiguous boolean is an error, never a
silently different answer.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from typing import Any

from .errors import InputError
from .feel import Value
from .feel_types import EXAMPLES
from .feel_value import contains
from .model import InputSpec
from .temporal import TemporalError, parse_date, parse_date_and_time, parse_duration, parse_time, type_of

MAX_STRING = 200
TRUE_WORDS = ("true", "yes")
FALSE_WORDS = ("false", "no")
# A temporal input's parser of ISO 8601 text, by its FEEL type (the input's kind).
PARSERS = {
    "date": parse_date,
    "time": parse_time,
    "date and time": parse_date_and_time,
    "days and time duration": parse_duration,
    "years and months duration": parse_duration,
}


class Normaliser:
    """A case's {input key: value} for every input (None where missing after defaults), prepared once per model.

    Most values a case gives are text or booleans from their input's allowed
    list, which :func:`coerce` returns as given: one set lookup recognises
    them. Every other value goes through :func:`coerce`.
    """

    def __init__(self, specs: Mapping[str, InputSpec]) -> None:
        self.specs = dict(specs)
        self._defaults = {key: spec.default for key, spec in self.specs.items()}
        self._required = tuple(key for key, spec in self.specs.items() if not spec.optional and spec.default is None)
        self._accepted = {key: frozenset(_kept_as_given(spec)) for key, spec in self.specs.items()}

    def __call__(self, case: Any) -> dict[str, Value]:
        if case.__class__ is not dict and not isinstance(case, Mapping):
            raise InputError(
                None,
                _short(case),
                (),
                f"a case must be an object of input names and values, not {type(case).__name__}",
                code="NOT_AN_OBJECT",
            )
        specs = self.specs
        out = self._defaults.copy()
        accepted = self._accepted
        for key, raw in case.items():
            allowed = accepted.get(key)
            # Only text and booleans here: a number can equal a boolean in a set (1 == True in Python).
            if allowed is not None and (raw.__class__ is str or raw.__class__ is bool) and raw in allowed:
                out[key] = raw
                continue
            if not isinstance(key, str):
                raise InputError(str(key), raw, tuple(specs), f"input names must be text, not {key!r}", code="BAD_NAME")
            spec = specs.get(key)
            if spec is None:
                close = difflib.get_close_matches(key, list(specs), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else "."
                raise InputError(
                    key,
                    _short(raw),
                    tuple(specs),
                    f"unknown input '{_short(key)}'{hint} Known inputs: {', '.join(specs)}",
                    code="UNKNOWN_INPUT",
                )
            value = coerce(spec, raw)
            out[key] = spec.default if value is None else value
        for key in self._required:
            if out[key] is None:
                spec = specs[key]
                raise InputError(key, None, _allowed(spec), _required(spec), code="REQUIRED")
        return out


def _kept_as_given(spec: InputSpec) -> list[Value]:
    """The booleans and listed texts that :func:`coerce` returns unchanged for this input."""
    if spec.kind == "boolean":
        candidates: tuple[Value, ...] = (True, False)
    elif spec.kind == "category":
        candidates = tuple(v for v in spec.allowed if isinstance(v, str))
    else:
        return []
    kept = []
    for value in candidates:
        try:
            if coerce(spec, value) is value:
                kept.append(value)
        except InputError:
            pass
    return kept


def coerce(spec: InputSpec, raw: Any) -> Value:
    """One value, checked against its input's type and allowed values."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if len(raw) > MAX_STRING:
            raise InputError(
                spec.key,
                raw[:40] + "...",
                _allowed(spec),
                f"{spec.key}: the value is {len(raw)} characters long; at most {MAX_STRING} are allowed",
                code="TOO_LONG",
            )
        if raw == "":
            return None
    kind = spec.kind
    if kind == "boolean":
        if isinstance(raw, bool):
            value: Value = raw
        elif isinstance(raw, str) and raw.lower() in TRUE_WORDS:
            value = True
        elif isinstance(raw, str) and raw.lower() in FALSE_WORDS:
            value = False
        else:
            raise InputError(
                spec.key,
                _short(raw),
                (True, False),
                f"{spec.key}: {_show(raw)} is not a boolean; allowed: true, false (or yes, no)",
                code="WRONG_TYPE",
            )
    elif kind == "category":
        if not isinstance(raw, str) or raw not in spec.allowed:
            raise InputError(spec.key, _short(raw), _allowed(spec), _not_allowed(spec, raw), code="NOT_ALLOWED")
        value = raw
    elif kind == "number":
        value = _number(spec, raw)
    elif kind == "string":
        if not isinstance(raw, str):
            raise InputError(
                spec.key,
                _short(raw),
                (),
                f"{spec.key}: {_show(raw)} is not a string; write it as text, e.g. {EXAMPLES[kind]}",
                code="WRONG_TYPE",
            )
        value = raw
    elif kind in PARSERS:
        value = _temporal(spec, raw)
    else:
        if not isinstance(raw, str | bool | int | float):
            raise InputError(
                spec.key, _short(raw), (), f"{spec.key}: a {type(raw).__name__} is not a value", code="WRONG_TYPE"
            )
        value = raw
    if kind != "category" and spec.allowed and not contains(spec.allowed, value):
        raise InputError(spec.key, _short(raw), _allowed(spec), _not_allowed(spec, raw), code="NOT_ALLOWED")
    if (
        (kind == "number" or kind in PARSERS)
        and spec.test is not None
        and not spec.allowed
        and not spec.test.matches(value)
    ):
        raise InputError(
            spec.key, raw, (), f"{spec.key}: {_show(raw)} is outside the allowed range {spec.test}", code="OUT_OF_RANGE"
        )
    return value


def _number(spec: InputSpec, raw: Any) -> Value:
    if isinstance(raw, bool):
        raise InputError(spec.key, raw, _allowed(spec), f"{spec.key}: a boolean is not a number", code="WRONG_TYPE")
    if isinstance(raw, str):
        try:
            raw = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            raise InputError(
                spec.key, _short(raw), _allowed(spec), f"{spec.key}: {_show(raw)} is not a number", code="WRONG_TYPE"
            ) from None
    if not isinstance(raw, int | float) or (isinstance(raw, float) and not math.isfinite(raw)):
        raise InputError(
            spec.key, _short(raw), _allowed(spec), f"{spec.key}: {_show(raw)} is not a finite number", code="WRONG_TYPE"
        )
    return raw


def _temporal(spec: InputSpec, raw: Any) -> Value:
    """A date, time, date and time or duration: the Python value itself, or its ISO 8601 text (JSON, CSV)."""
    type_ = spec.kind
    value = raw
    if isinstance(raw, str):
        try:
            value = PARSERS[type_](raw.strip())
        except TemporalError:
            value = None
    elif type_ == "date and time" and type_of(raw) == "date":  # FEEL: a date alone is that date at midnight
        value = dt.datetime(raw.year, raw.month, raw.day)
    if value is None or type_of(value) != type_:
        given = f'"{raw}"' if isinstance(raw, str) else _show(raw)
        raise InputError(
            spec.key,
            _short(raw),
            _allowed(spec),
            f"{spec.key}: {given} is not a {type_}; write it as {EXAMPLES[type_]}",
            code="WRONG_TYPE",
        )
    return value


def _required(spec: InputSpec) -> str:
    """Why a missing value is refused, with what to give: the allowed values, or a value of the input's type."""
    if spec.allowed or not spec.type:
        return f"{spec.key} is required; allowed: " + ", ".join(_show(v) for v in _allowed(spec))
    return f"{spec.key} is required: a {spec.type}, e.g. {EXAMPLES[spec.type]}"


def _allowed(spec: InputSpec) -> tuple[Value, ...]:
    return tuple(v for v in spec.allowed if v is not None)


def _not_allowed(spec: InputSpec, raw: Any) -> str:
    allowed = _allowed(spec)
    text = f"{spec.key}: {_show(raw)} is not allowed; allowed: {', '.join(_show(v) for v in allowed)}"
    if isinstance(raw, str):
        close = [a for a in allowed if isinstance(a, str) and a.lower() == raw.strip().lower()]
        close = close or difflib.get_close_matches(raw, [a for a in allowed if isinstance(a, str)], n=1)
        if close:
            text += f" (did you mean '{close[0]}'?)"
    return text


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return repr(value) if not isinstance(value, int | float) else str(value)


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 60:
        return value[:60] + "..."
    if not isinstance(value, str | bool | int | float | type(None)):
        return repr(value)[:60]
    return value
