"""Read patient cases from JSON, JSON Lines, CSV and ``name=value`` pairs.

Every reader names the line or row of a problem. Values stay as given
(strings from CSV and the command line); typing and checking them against
the model is :mod:`atc_dmn.inputs`' job, the same for every source.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_CASE_FILE = 50 * 1024 * 1024


@dataclass(frozen=True)
class CaseRecord:
    """One case from a file: where it came from, and its values or the error that spoiled it."""

    label: str  # e.g. "line 3" or "row 4"
    case: dict[str, Any] | None
    error: InputError | None = None
    expected: dict[str, Any] | None = None


def read_text(source: str) -> str:
    """Read a file, or standard input for '-'."""
    if source == "-":
        import sys

        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise InputError("--case", source, (), f"no case file at {source}")
    if path.stat().st_size > MAX_CASE_FILE:
        raise InputError("--case", source, (), f"{source} is larger than {MAX_CASE_FILE} bytes")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "--case", source, (), f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def parse_case_json(text: str, source: str = "case") -> dict[str, Any]:
    """A single case: one JSON object."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "(case)", None, (), f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            "(case)",
            None,
            (),
            f'{source}: a case must be a JSON object {{"name": value, ...}}, not a JSON {type(data).__name__}',
        )
    return data


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``name=value`` pairs from the command line; an empty value means missing."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError(pair, None, (), f"--set {pair}: write it as name=value, e.g. --set stage=IVB")
        name, value = pair.split("=", 1)
        name = name.strip()
        if name in out:
            raise InputError(name, value, (), f"--set {name} is given twice")
        out[name] = value if value != "" else None
    return out


def iter_cases(text: str, fmt: str) -> Iterator[CaseRecord]:
    """Cases from a JSON Lines, JSON array or CSV text; a bad record is reported, not dropped."""
    if fmt == "csv":
        yield from _csv(text)
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError("(cases)", None, (), f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, list):
            data = [data]
        for i, item in enumerate(data, start=1):
            yield _record(f"item {i}", item)
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield CaseRecord(
                    f"line {n}", None, InputError("(case)", None, (), f"line {n}: not valid JSON ({exc.msg})")
                )
                continue
            yield _record(f"line {n}", item)


def _record(label: str, item: Any) -> CaseRecord:
    if not isinstance(item, dict):
        return CaseRecord(label, None, InputError("(case)", None, (), f"{label}: a case must be a JSON object"))
    expected = item.pop("expected", None) if isinstance(item.get("expected"), dict) else None
    case_id = item.pop("id", None)
    return CaseRecord(str(case_id) if case_id is not None else label, item, None, expected)


def _csv(text: str) -> Iterator[CaseRecord]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(dup, None, (), f"CSV header names column '{dup}' twice")
    for row in reader:
        label = f"row {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield CaseRecord(
                label, None, InputError("(row)", None, (), f"{label}: {len(row)} cells for {len(header)} columns")
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
