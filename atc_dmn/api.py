"""Load a workbook into a :class:`DecisionModel`: read (with its format's reader), validate, compile."""

from __future__ import annotations

from pathlib import Path

from . import cache
from .engine import DecisionModel
from .gc_pause import paused_gc

SHIPPED = "atc_treatment.xlsx"


def shipped_model_path() -> Path:
    """The shipped workbook: inside an installed wheel, or in ``decisions/`` of a checkout."""
    packaged = Path(__file__).resolve().parent / "decisions" / SHIPPED
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "decisions" / SHIPPED


def load_model(path: str | Path | None = None, *, use_cache: bool = True) -> DecisionModel:
    """Load and compile a workbook (the shipped model when ``path`` is None).

    A workbook with any validation error is refused with a :class:`ModelError`
    naming the sheet and cell of its first finding (all are in ``.findings``).
    """
    path = Path(path) if path is not None else shipped_model_path()
    with paused_gc():
        model = cache.load(path) if use_cache else None
    if model is None:
        # Imported here: a cached model needs neither a reader (nor openpyxl) nor the validator.
        from .findings import Findings
        from .formats import read
        from .validate import validate_model

        with paused_gc():
            reading = read(path)
            model = reading.model_or_raise()
            # The reader's findings about the file come first, as they always have (merged cells, say).
            Findings([*reading.findings.errors, *validate_model(model).errors]).raise_if_errors()
        if use_cache:
            cache.store(model)
    return DecisionModel(model)
