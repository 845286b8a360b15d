"""The full report behind ``atc-dmn validate``: read a file with its format, check the model, list every finding.

Unlike :func:`~atc_dmn.api.load_model` it never stops at the first error:
what the reader found (the file, the cells, the sheets' own checks, the
drop-downs among them) and what :func:`~atc_dmn.validate.validate_model`
found about the model come out together, errors first, in the order the
author meets them in the file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import formats
from .findings import ERROR, WARNING, Finding
from .validate import validate_model


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


def validate_workbook(path: str | Path) -> ValidationReport:
    """Read, load and check a workbook, collecting every finding instead of stopping at the first."""
    start = time.perf_counter()
    timings: dict[str, float] = {}
    reading = formats.read(path, full=True, timings=timings)
    findings = reading.findings
    if reading.model is not None:
        validate_model(reading.model, findings=findings, timings=timings)
    ordered = _ordered(findings, reading.sources)
    return ValidationReport(str(path), ordered, time.perf_counter() - start, timings, reading.model is not None)


def _ordered(findings: list[Finding], sources: tuple[str, ...]) -> list[Finding]:
    """Errors first, then by source (sheets in workbook order), row and column; the same finding once."""
    order = {name: i for i, name in enumerate(sources)}

    def key(f: Finding) -> tuple:
        row, col = _row_col(f.cell) if f.cell else (0, 0)
        return (f.severity != ERROR, order.get(f.sheet or "", -1), row, col)

    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=key)


def _row_col(cell: str) -> tuple[int, int]:
    """(row, column) of a cell such as ``H9``; (0, 0) for anything else (a range, a DMN id)."""
    from openpyxl.utils import coordinate_to_tuple

    try:
        return coordinate_to_tuple(cell)
    except ValueError:
        return 0, 0


__all__ = ["ValidationReport", "validate_workbook"]
