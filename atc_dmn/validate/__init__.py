"""Workbook validation: one module per check, run by ``atc-dmn validate`` and before any model is used.

:func:`validate_model` runs on every load (``load_model`` refuses a model with
an error); :func:`validate_workbook` is the full report behind ``atc-dmn
validate``: the file and loader findings as well, and the checks that need
the workbook's cells. ``docs/findings.md`` explains every code for the
people who edit the workbook.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..findings import ERROR, WARNING, Finding, Findings
from ..model import Model
from ..workbook import RawWorkbook
from . import (
    cases,
    conflicts,
    dropdowns,
    gaps,
    graph,
    overlaps,
    shadowed,
    structure,
    unreachable_outputs,
    untested_inputs,
)
from .context import Context

Check = Callable[[Context], None]

CHECKS: tuple[tuple[str, Check], ...] = (
    *structure.CHECKS,
    ("graph", graph.check),
    ("table_spaces", lambda ctx: [ctx.space(t) for t in ctx.model.tables] and None),
    ("gaps", gaps.check),
    ("overlaps", overlaps.check),
    ("conflicts", conflicts.check),
    ("shadowed", shadowed.check),
    ("unreachable_outputs", unreachable_outputs.check),
    ("untested_inputs", untested_inputs.check),
    ("test_sheet", cases.check),
    ("dropdowns", dropdowns.check),
)


def validate_model(
    model: Model,
    raw: RawWorkbook | None = None,
    findings: Findings | None = None,
    timings: dict[str, float] | None = None,
) -> Findings:
    """Checks of the typed model (table logic, graph, wording). Errors refuse the model; warnings do not.

    With ``raw`` (the cells the model was built from) the layout checks that
    need cells run too: rows split off a table, stray table names.
    """
    out = findings if findings is not None else Findings()
    ctx = Context(model, Findings(), raw)
    for name, check in CHECKS:
        start = time.perf_counter()
        check(ctx)
        if timings is not None:
            timings[name] = time.perf_counter() - start
    out.extend(_capped(ctx.findings))
    return out


# A table with hundreds of copies of one mistake gets this many findings, then one that counts the rest.
PER_TABLE = 20


def _capped(found: Findings) -> list[Finding]:
    kept: list[Finding] = []
    counts: dict[tuple[str | None, str], int] = {}
    for f in found:
        key = (f.table, f.code)
        counts[key] = counts.get(key, 0) + 1
        if f.table is None or counts[key] <= PER_TABLE:
            kept.append(f)
    for (table, code), n in counts.items():
        if table is not None and n > PER_TABLE:
            first = next(f for f in found if f.table == table and f.code == code)
            kept.append(
                Finding(
                    first.severity,
                    code,
                    f"table '{table}' has {n - PER_TABLE} more {code} findings besides those listed",
                    first.origin,
                    "Fix the ones listed first, then validate again.",
                    table,
                )
            )
    return kept


@dataclass
class ValidationReport:
    """Everything ``atc-dmn validate`` says about one workbook."""

    path: str
    findings: list[Finding]
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    loaded: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "workbook": self.path,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "seconds": round(self.seconds, 4),
            "timings": {k: round(v, 5) for k, v in self.timings.items()},
            "findings": [f.to_dict() for f in self.findings],
        }


def _from_error(error: ModelError) -> Finding:
    return Finding(ERROR, error.code, error.message, error.origin, error.hint)


def validate_workbook(path: str | Path) -> ValidationReport:
    """Read, load and check a workbook, collecting every finding instead of stopping at the first."""
    from ..loader import build_model
    from ..workbook import read_workbook

    start = time.perf_counter()
    timings: dict[str, float] = {}
    findings = Findings()
    try:
        raw = read_workbook(path)
    except ModelError as error:
        findings.append(_from_error(error))
        return ValidationReport(str(path), list(findings), time.perf_counter() - start, timings)
    timings["read"] = time.perf_counter() - start
    mark = time.perf_counter()
    model = None
    try:
        model = build_model(raw, findings)
    except ModelError as error:
        if not findings.errors:
            findings.append(_from_error(error))
    timings["load"] = time.perf_counter() - mark
    if model is not None:
        validate_model(model, raw, findings, timings)
    else:
        # The model could not be built; the layout checks that need no model still run.
        mark = time.perf_counter()
        ranges = structure.merged_ranges(raw.path, raw.sha256)
        if ranges:
            structure.merged_findings(ranges, None, raw, findings)
        timings["structure.merged_cells"] = time.perf_counter() - mark
    ordered = _ordered(findings, raw)
    return ValidationReport(str(path), ordered, time.perf_counter() - start, timings, model is not None)


def _ordered(findings: Findings, raw: RawWorkbook) -> list[Finding]:
    """Errors first, then by sheet (workbook order), row and column; the same finding once."""
    from openpyxl.utils import coordinate_to_tuple

    sheets = {name: i for i, name in enumerate(raw.sheets)}

    def key(f: Finding) -> tuple:
        try:
            row, col = coordinate_to_tuple(f.cell) if f.cell else (0, 0)
        except ValueError:
            row, col = 0, 0
        return (f.severity != ERROR, sheets.get(f.sheet or "", -1), row, col)

    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=key)


__all__ = ["CHECKS", "ValidationReport", "validate_model", "validate_workbook"]
