"""Reading a decision model from a file: one module per format, chosen by the file's suffix.

A format turns a file into a :class:`~atc_dmn.model.Model` and reports what it
met on the way as findings, those about the file itself included (merged
cells, stale drop-downs), since only the format can see them. ``validate``
then checks the Model alone. A second format (DMN XML) is a second module
registered here, not a branch in the loader or the checks.

Each format module has ``SUFFIXES`` and ``read(path, *, full, timings) -> Reading``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from ..errors import ModelError
from ..findings import Findings
from ..model import Model

# Suffix -> module, imported on first use: a cached model needs no reader (and not openpyxl).
FORMATS: dict[str, str] = {".xlsx": "atc_dmn.formats.xlsx", ".dmn": "atc_dmn.formats.dmn"}
# Any other name is read as a workbook, whose reader says what is wrong with the file (missing, not a zip, ...).
DEFAULT = ".xlsx"


@dataclass
class Reading:
    """What reading one file gave: the model (None when it could not be built) and every finding on the way.

    ``error`` is what stopped the reading, kept as raised so :func:`load_model` refuses the file with the
    same error (its finding is in ``findings`` too); ``sources`` are the file's sources (sheets) in
    order, so a report can list findings as the author meets them.
    """

    path: str
    model: Model | None
    findings: Findings
    error: ModelError | None = None
    sources: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)

    def model_or_raise(self) -> Model:
        """The model, or the error that stopped the reading."""
        if self.error is not None:
            raise self.error
        assert self.model is not None
        return self.model


def reader_for(path: str | Path) -> ModuleType:
    """The format module that reads ``path``, by its suffix."""
    name = FORMATS.get(Path(path).suffix.lower(), FORMATS[DEFAULT])
    return importlib.import_module(name)


def read(path: str | Path, *, full: bool = False, timings: dict[str, float] | None = None) -> Reading:
    """Read the model at ``path`` with its format's reader.

    ``full`` also runs the format's costlier checks of the file that only ``atc-dmn validate`` reports
    (for a workbook: stray table names and stale drop-downs); they are warnings and never refuse a model.
    """
    return reader_for(path).read(Path(path), full=full, timings=timings)


__all__ = ["FORMATS", "Reading", "read", "reader_for"]
