"""Load a workbook into a :class:`DecisionModel`: read, build, compile."""

from __future__ import annotations

from pathlib import Path

from .engine import DecisionModel
from .loader import build_model
from .workbook import read_workbook

SHIPPED = "atc_treatment.xlsx"


def shipped_model_path() -> Path:
    """The shipped workbook: inside an installed wheel, or in ``decisions/`` of a checkout."""
    packaged = Path(__file__).resolve().parent / "decisions" / SHIPPED
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "decisions" / SHIPPED


def load_model(path: str | Path | None = None) -> DecisionModel:
    """Load and compile a workbook (the shipped model when ``path`` is None).

    Raises :class:`ModelError` naming the sheet and cell of the first problem.
    """
    raw = read_workbook(path if path is not None else shipped_model_path())
    return DecisionModel(build_model(raw))
