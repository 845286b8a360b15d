"""One case through a served model, audited: the API and the page answer with the same call.

The audit line is written before the answer is returned (see
atc_dmn/audit.py), so no client sees an answer the log lacks.
"""

from __future__ import annotations

import logging
from typing import Any

from ..audit import AuditLog
from ..errors import EvaluationError, InputError
from ..result import Result
from .registry import Serving

log = logging.getLogger("atc_dmn.service")


def evaluate_audited(
    serving: Serving, case: Any, audit: AuditLog | None, request_id: str | None, label: str | None = None
) -> Result | InputError | EvaluationError:
    """The model's result for ``case``, or the error that refused it, each logged to ``audit`` first."""
    model = serving.model
    try:
        if not isinstance(case, dict):
            raise InputError(
                None, None, (), "a case must be a JSON object of input names and values", code="NOT_AN_OBJECT"
            )
        result = model.evaluate(case)
    except (InputError, EvaluationError) as error:
        if audit is not None:
            audit.record(
                identity=model.identity,
                source="serve",
                inputs=case if isinstance(case, dict) else None,
                error=error,
                request_id=request_id,
                case=label,
            )
        if isinstance(error, EvaluationError):
            ident = model.identity
            log.error(
                "no decision",
                extra={
                    "event": "no_decision",
                    "model": ident.identifier,
                    "version": ident.version,
                    "request_id": request_id,
                },
            )
        return error
    if audit is not None:
        audit.record(
            identity=model.identity,
            source="serve",
            inputs=result.inputs,
            result=result,
            request_id=request_id,
            case=label,
        )
    return result
