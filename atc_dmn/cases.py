"""Read patient cases from JSON, JSON Lines, CSV and ``name=value`` pairs.

Every reader names the line or row of a problem. Values stay as given
(strings from CSV and the command line); typing and checking them against
the model is :mod:`atc_dmn.inputs`' job, the same for every source.

JSON is read defensively: nesting deeper than a case can use, a key given
twice and an integer too long to be a value are refused with an
:class:`InputError` before they reach Python's limits (a RecursionError or
a ValueError) or are silently dropped (JSON keeps the last of two keys).
In a file of cases each such problem spoils only its own case.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_CASE_FILE = 50 * 1024 * 1024
# A case is one object of plain values; a test case's "expected" object and its lists add two levels.
MAX_DEPTH = 4
MAX_DIGITS = 100

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
SURROGATES = re.compile("[\ud800-\udfff]")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]', re.DOTALL)
_ALLOWED = "a case is one JSON object of input names and plain values (text, true/false, numbers, null)"


@dataclass(frozen=True)
class CaseRecord:
    """One case from a file: where it came from, and its values or the error that spoiled it."""

    label: str  # e.g. "line 3" or "row 4"
    case: dict[str, Any] | None
    error: InputError | None = None
    expected: dict[str, Any] | None = None


def read_text(source: str) -> str:
    """Read a file, or standard input for '-', as UTF-8 of at most :data:`MAX_CASE_FILE` bytes."""
    name = "standard input" if source == "-" else source
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:  # a text stream without bytes underneath (an embedding caller's)
                data = sys.stdin.read(MAX_CASE_FILE + 1).encode("utf-8", "surrogatepass")
            else:
                data = stream.read(MAX_CASE_FILE + 1)
        else:
            path = Path(source)
            if not path.is_file():
                raise InputError(None, source, (), f"no case file at {source}", code="UNREADABLE")
            if path.stat().st_size > MAX_CASE_FILE:
                raise InputError(None, source, (), f"{source} is larger than {MAX_CASE_FILE} bytes", code="UNREADABLE")
            data = path.read_bytes()
    except OSError as exc:
        raise InputError(None, source, (), f"cannot read {name}: {exc.strerror or exc}", code="UNREADABLE") from None
    if len(data) > MAX_CASE_FILE:
        raise InputError(None, source, (), f"{name} is larger than {MAX_CASE_FILE} bytes", code="UNREADABLE")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            None, source, (), f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})", code="UNREADABLE"
        ) from None


def parse_case_json(text: str, source: str = "case") -> dict[str, Any]:
    """A single case: one JSON object."""
    data = _parse(text, source, MAX_DEPTH)
    if not isinstance(data, dict):
        raise InputError(
            None,
            None,
            (),
            f'{source}: a case must be a JSON object {{"name": value, ...}}, not a JSON {json_type(data)}',
            code="NOT_AN_OBJECT",
        )
    return data


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``name=value`` pairs from the command line; an empty value means missing."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError(
                pair, None, (), f"--set {pair}: write it as name=value, e.g. --set stage=IVB", code="BAD_ASSIGNMENT"
            )
        name, value = pair.split("=", 1)
        name = name.strip()
        if name in out:
            raise InputError(name, value, (), f"--set {name} is given twice", code="DUPLICATE_KEY")
        out[name] = value if value != "" else None
    return out


def iter_cases(text: str, fmt: str) -> Iterator[CaseRecord]:
    """Cases from a JSON Lines, JSON array or CSV text; a bad record is reported, not dropped."""
    if fmt == "csv":
        yield from _csv(text)
    elif fmt == "json":
        yield from _json_array(text)
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label = f"line {n}"
            try:
                item = _parse(line, label, MAX_DEPTH)
            except InputError as error:
                yield CaseRecord(label, None, error)
                continue
            yield _record(label, item)


def _json_array(text: str) -> Iterator[CaseRecord]:
    """A JSON array of cases (or one case). Parsed whole; item by item only when one item spoils it.

    A syntax error cannot be pinned on one item (the brackets after it are in
    doubt), so it refuses the file; deep nesting, a key given twice or an
    oversized integer can, and refuse only their item.
    """
    try:
        data = _load(text, MAX_DEPTH + 1)
    except json.JSONDecodeError as exc:
        raise _syntax(exc, "") from None
    except InputError as whole:
        items = _array_items(text)
        if items is None:
            yield CaseRecord("item 1", None, _located(whole, "item 1"))
            return
        for i, item_text in enumerate(items, start=1):
            label = f"item {i}"
            try:
                item = _parse(item_text, label, MAX_DEPTH)
            except InputError as error:
                yield CaseRecord(label, None, error)
                continue
            yield _record(label, item)
        return
    for i, item in enumerate(data if isinstance(data, list) else [data], start=1):
        yield _record(f"item {i}", item)


def parse_json(text: str, where: str, max_depth: int = MAX_DEPTH) -> Any:
    """Any JSON value, read as defensively as a case (a service's request body, say); errors name ``where``."""
    return _parse(text, where, max_depth)


def _parse(text: str, where: str, max_depth: int) -> Any:
    """JSON text to Python values, refusing what no case can mean (see the module docstring)."""
    try:
        return _load(text, max_depth)
    except json.JSONDecodeError as exc:
        raise _syntax(exc, where) from None
    except InputError as exc:
        raise _located(exc, where) from None


def _load(text: str, max_depth: int) -> Any:
    """:func:`json.loads`, with an :class:`InputError` (not yet located) for what no case can mean."""
    depth = _depth(text)
    if depth > max_depth:
        raise InputError(
            None,
            None,
            (),
            f"the JSON is nested {depth} levels deep; {_ALLOWED}, at most {max_depth} deep",
            code="TOO_DEEP",
        )
    try:
        return json.loads(text, object_pairs_hook=_object, parse_int=_integer, parse_constant=_constant)
    except RecursionError:  # not reached after the depth check; kept so that no text can raise it
        raise InputError(None, None, (), f"the JSON is nested too deeply; {_ALLOWED}", code="TOO_DEEP") from None


def _syntax(exc: json.JSONDecodeError, where: str) -> InputError:
    prefix = f"{where}: " if where else ""
    return InputError(
        None, None, (), f"{prefix}not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})", code="BAD_JSON"
    )


def _depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # too few brackets to exceed any limit; skip the scan
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)


def _array_items(text: str) -> list[str] | None:
    """The texts of a JSON array's items, found by their brackets; None if the text is not one array."""
    start = len(text) - len(text.lstrip())
    if not text.startswith("[", start):
        return None
    items: list[str] = []
    depth = 0
    begin = start + 1
    for match in _TOKEN.finditer(text, start):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
        elif token == ",":
            if depth == 1:
                items.append(text[begin : match.start()])
                begin = match.end()
        else:
            depth -= 1
            if depth == 0:
                last = text[begin : match.start()]
                if last.strip() or items:
                    items.append(last)
                return items if not text[match.end() :].strip() else None
    return None


class _LongInteger:
    """An integer literal too long to be a value, kept as its digits until its key is known."""

    __slots__ = ("digits",)

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a number of {len(self.digits)} digits>"


def _constant(name: str) -> Any:
    """NaN and Infinity: Python's json reads them, but they are not JSON (RFC 8259) and no value."""
    raise InputError(None, name, (), f"{name} is not JSON: write a number, or null for unknown", code="BAD_JSON")


def _integer(digits: str) -> int | _LongInteger:
    # Python refuses to convert integers of over 4300 digits (a ValueError); no value needs a tenth of that.
    return int(digits) if len(digits.lstrip("-")) <= MAX_DIGITS else _LongInteger(digits)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One JSON object; called by the parser for each, innermost first, so a problem is named by its key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        for text in (key, value) if isinstance(value, str) else (key,):
            if not text.isascii() and SURROGATES.search(text):
                # "\ud800" escapes a half of a character: no output could print it.
                shown = _short(key).encode("utf-8", "backslashreplace").decode()
                raise InputError(
                    shown, None, (), f"{shown}: a text holds a lone surrogate escape (\\ud800-\\udfff)", code="BAD_TEXT"
                )
        if key in out:
            raise InputError(
                key, None, (), f"'{_short(key)}' is given twice; give each name once", code="DUPLICATE_KEY"
            )
        if isinstance(value, _LongInteger):
            digits = len(value.digits.lstrip("-"))
            raise InputError(
                key,
                value.digits[:20] + "...",
                (),
                f"{_short(key)}: the number has {digits} digits; at most {MAX_DIGITS} are allowed",
                code="NUMBER_TOO_LONG",
            )
        out[key] = value
    return out


def _located(error: InputError, where: str) -> InputError:
    """The same error, its message prefixed with which case it is in."""
    if not where or error.message.startswith(f"{where}: "):
        return error
    return InputError(
        error.field, error.value, error.allowed, f"{where}: {error.message}", error.related, code=error.code
    )


def json_type(value: Any) -> str:
    if isinstance(value, _LongInteger):
        return "number"
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:60] + "..."


def _record(label: str, item: Any) -> CaseRecord:
    if not isinstance(item, dict):
        return CaseRecord(
            label,
            None,
            InputError(
                None,
                None,
                (),
                f"{label}: a case must be a JSON object, not a JSON {json_type(item)}",
                code="NOT_AN_OBJECT",
            ),
        )
    expected = item.pop("expected", None) if isinstance(item.get("expected"), dict) else None
    case_id = item.pop("id", None)
    return CaseRecord(str(case_id) if case_id is not None else label, item, None, expected)


def _csv(text: str) -> Iterator[CaseRecord]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(None, None, (), f"the CSV header cannot be read: {exc}", code="BAD_CSV") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(dup, None, (), f"CSV header names column '{dup}' twice", code="DUPLICATE_KEY")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
            label = f"row {reader.line_num}"
            yield CaseRecord(label, None, InputError(None, None, (), f"{label}: {exc}", code="BAD_CSV"))
            continue
        label = f"row {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield CaseRecord(
                label,
                None,
                InputError(None, None, (), f"{label}: {len(row)} cells for {len(header)} columns", code="BAD_CSV"),
            )
            continue
        case: dict[str, Any] = {}
        expected: dict[str, Any] = {}
        case_id = None
        for name, cell in zip(header, row):
            if name == "id":
                case_id = cell
            elif name.startswith("expected."):
                if cell != "":
                    expected[name[len("expected.") :]] = cell
            else:
                case[name] = cell if cell != "" else None
        yield CaseRecord(case_id or label, case, None, expected or None)


def guess_format(source: str, text: str) -> str:
    lower = source.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".jsonl") or lower.endswith(".ndjson"):
        return "jsonl"
    if lower.endswith(".json") or text.lstrip().startswith("["):
        return "json"
    return "jsonl"
