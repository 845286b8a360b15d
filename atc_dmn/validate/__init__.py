"""Workbook validation: one module per check, run by ``atc-dmn validate`` and before any model is used."""

from __future__ import annotations

from ..findings import Findings
from ..model import Model


def validate_model(model: Model) -> Findings:
    """Checks that need the whole typed model (table logic, graph, wording). Errors refuse the model."""
    return Findings()
