"""The checks of the spreadsheet itself, run by the workbook reader while the cells are in hand.

What they find is about the file, not the decisions: merged cells that the
two engines read differently, notes that pyDMNrules may take for a table's
name, drop-downs gone stale. A model read from another format has none of
these, so they live with the workbook reader and ``validate`` sees only the
Model. Merges are checked on every read (an error refuses the workbook); the
others, warnings only and the drop-downs costly, when the full report is asked
for (``atc-dmn validate``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..findings import Findings, capped
from ..model import Model
from ..workbook import RawWorkbook
from . import merged, sheet_dropdowns, table_names
from .context import SheetContext

SheetCheck = Callable[[SheetContext], None]

# Each check's name is the one ``atc-dmn validate --format json`` has always timed it under.
ALWAYS: tuple[tuple[str, SheetCheck], ...] = (("structure.merged_cells", merged.check),)
FULL: tuple[tuple[str, SheetCheck], ...] = (
    ("structure.table_names", table_names.check),
    ("dropdowns", sheet_dropdowns.check),
)


def check_sheets(
    raw: RawWorkbook,
    model: Model | None,
    findings: Findings,
    *,
    full: bool = False,
    timings: dict[str, float] | None = None,
) -> None:
    """Add the spreadsheet's own findings to ``findings``; ``model`` is None when it could not be built."""
    ctx = SheetContext(raw, model, Findings())
    for name, check in ALWAYS + (FULL if full else ()):
        start = time.perf_counter()
        check(ctx)
        if timings is not None:
            timings[name] = time.perf_counter() - start
    findings.extend(capped(ctx.findings))
