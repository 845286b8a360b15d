"""Checks of a decision model: one module per check, run by ``atc-dmn validate`` and before any model is used.

:func:`validate_model` takes a :class:`Model` only, whatever format it was read
from; checks of the file itself (merged cells, drop-downs) belong to the
format's reader (``atc_dmn/formats``), which runs them while it has the cells.
Nothing here opens a file. The full report behind ``atc-dmn validate`` is
:func:`atc_dmn.report.validate_workbook`. ``docs/findings.md`` explains every
code for the people who edit the workbook.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..findings import Findings, capped
from ..model import Model
from . import (
    cases,
    cell_names,
    conflicts,
    gaps,
    graph_domains,
    overlaps,
    shadowed,
    unreachable_outputs,
    untested_inputs,
    unused_variables,
    value_kinds,
    wording,
)
from .context import Context, FileChecks

Check = Callable[[Context], None]

CHECKS: tuple[tuple[str, Check], ...] = (
    # The timing keys are the names reports and benchmarks have always shown.
    ("structure.unused_variables", unused_variables.check),
    ("structure.value_kinds", value_kinds.check),
    ("structure.wording", wording.check),
    ("graph", graph_domains.check),
    ("table_spaces", lambda ctx: [ctx.space(t) for t in ctx.model.tables] and None),
    ("gaps", gaps.check),
    ("overlaps", overlaps.check),
    ("conflicts", conflicts.check),
    ("shadowed", shadowed.check),
    ("unreachable_outputs", unreachable_outputs.check),
    ("untested_inputs", untested_inputs.check),
    ("test_sheet", cases.check),
    ("cell_names", cell_names.check),
)
# The checks that prove a table's logic over its input space: they skip tables whose cells name
# variables (cell_names.py reports each such table once, as TABLE_DYNAMIC).
TABLE_LOGIC = ("table_spaces", "gaps", "overlaps", "conflicts", "shadowed", "unreachable_outputs")


def validate_model(
    model: Model,
    file: FileChecks | None = None,
    findings: Findings | None = None,
    timings: dict[str, float] | None = None,
) -> Findings:
    """Checks of the typed model (table logic, graph, wording). Errors refuse the model; warnings do not.

    ``file``, for a caller that still holds what the model was read from (a workbook's cells), lets
    that format add its checks of the file first (merges, stray table names, drop-downs): its own
    code runs them, so this stays a check of the Model alone.
    """
    out = findings if findings is not None else Findings()
    ctx = Context(model, Findings())
    static = cell_names.static_part(model)
    logic = ctx if static is model else Context(static, ctx.findings)
    if file is not None:
        file.check(model, out, timings)
    for name, check in CHECKS:
        start = time.perf_counter()
        check(logic if name in TABLE_LOGIC else ctx)
        if timings is not None:
            timings[name] = time.perf_counter() - start
    out.extend(capped(ctx.findings))
    return out


def __getattr__(name: str) -> Any:
    # The full report moved to atc_dmn.report (it reads a file); the old names keep working for callers.
    if name in ("ValidationReport", "validate_workbook"):
        from .. import report

        return getattr(report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CHECKS", "validate_model"]
