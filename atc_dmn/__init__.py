"""atc-dmn: decision tables authored in Excel, compiled once and evaluated fast.

>>> from atc_dmn import load_model
>>> model = load_model()                      # the shipped ATC model
>>> result = model.evaluate({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True})
>>> result.decision["pathway"]
'multimodal_therapy'
"""

from __future__ import annotations

from .api import load_model, shipped_model_path
from .audit import AuditLog
from .engine import DecisionModel
from .errors import AuditError, DmnError, EvaluationError, InputError, ModelError, OutputError
from .model import InputSpec
from .result import FiredRule, ModelIdentity, Result, TableTrace

__version__ = "0.1.0"

__all__ = [
    "AuditError",
    "AuditLog",
    "DecisionModel",
    "DmnError",
    "EvaluationError",
    "FiredRule",
    "InputError",
    "InputSpec",
    "ModelError",
    "ModelIdentity",
    "OutputError",
    "Result",
    "TableTrace",
    "__version__",
    "load_model",
    "shipped_model_path",
]
