"""The Excel workbook format: cells (``workbook``), then the typed model (``loader``), then the sheets' own checks."""

from __future__ import annotations

import time
from pathlib import Path

from .. import workbook
from ..errors import ModelError
from ..findings import ERROR, Finding, Findings
from ..loader import build_model
from ..loader.sheet_checks import check_sheets
from . import Reading

SUFFIXES = (".xlsx",)


def read(path: Path, *, full: bool = False, timings: dict[str, float] | None = None) -> Reading:
    """Read, build and check the sheets, collecting every finding; see :func:`atc_dmn.formats.read`."""
    timings = timings if timings is not None else {}
    findings = Findings()
    start = time.perf_counter()
    try:
        raw = workbook.read_workbook(path)  # through the module: tests count the reads
    except ModelError as error:
        findings.append(as_finding(error))
        return Reading(str(path), None, findings, error, timings=timings)
    timings["read"] = time.perf_counter() - start
    mark = time.perf_counter()
    model, stopped = None, None
    try:
        model = build_model(raw, findings)
    except ModelError as error:
        stopped = error
        if not findings.errors:
            findings.append(as_finding(error))
    # Merges are checked even when the model could not be built: they may be why.
    check_sheets(raw, model, findings, full=full)
    timings["load"] = time.perf_counter() - mark
    return Reading(str(path), model, findings, stopped, tuple(raw.sheets), timings)


def as_finding(error: ModelError) -> Finding:
    """An error that stopped the reading, as the finding a report lists."""
    return Finding(ERROR, error.code, error.message, error.origin, error.hint)
