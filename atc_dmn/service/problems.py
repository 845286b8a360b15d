"""The service's errors: one JSON shape, a 4xx status for every client mistake, stable codes.

``{"error": {"code", "message", "field", "allowed", ...}}``. An
:class:`~atc_dmn.errors.InputError`'s code decides its status: JSON that
cannot be read is 400, a case the model cannot take is 422 (see
docs/service.md for the whole list).
"""

from __future__ import annotations

from typing import Any

from ..errors import EvaluationError, InputError

# InputError codes about the body's syntax (400); every other InputError is about the case's content (422).
SYNTAX = frozenset({"BAD_JSON", "DUPLICATE_KEY", "TOO_DEEP", "NUMBER_TOO_LONG", "BAD_TEXT", "NOT_AN_OBJECT"})
ERROR_CODES = {
    # code: (HTTP status, what it means)
    "BAD_JSON": (400, "the body is not valid JSON (or not UTF-8)"),
    "DUPLICATE_KEY": (400, "a name is given twice in one object"),
    "TOO_DEEP": (400, "the JSON nests deeper than a case can"),
    "NUMBER_TOO_LONG": (400, "an integer has more digits than any value"),
    "BAD_TEXT": (400, "a text holds a lone surrogate escape"),
    "NOT_AN_OBJECT": (400, 'the body is not one case object, nor {"cases": [...]}'),
    "UNAUTHORIZED": (401, "no bearer token, or the wrong one"),
    "NOT_FOUND": (404, "no such route"),
    "UNKNOWN_MODEL": (404, "no served model has this identifier"),
    "METHOD_NOT_ALLOWED": (405, "the route does not take this method"),
    "BODY_TOO_LARGE": (413, "the body is larger than the service's limit"),
    "TOO_MANY_CASES": (413, "a batch holds more cases than the service's limit"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "the body is not application/json"),
    "UNKNOWN_INPUT": (422, "the case names an input the model does not have"),
    "NOT_ALLOWED": (422, "a value is not one of its input's allowed values"),
    "WRONG_TYPE": (422, "a value is not of its input's type"),
    "OUT_OF_RANGE": (422, "a value is outside its input's allowed range"),
    "REQUIRED": (422, "a required input is missing"),
    "TOO_LONG": (422, "a text is longer than any allowed value"),
    "CONFLICT": (422, "the values contradict each other (a check table refused the case)"),
    "BAD_NAME": (422, "an input name is not text"),
    "INPUT": (422, "any other problem with the case"),
    "NO_DECISION": (
        422,
        "the model's tables could not decide this case (a defect of the workbook, reported to its owners)",
    ),
    "AUDIT_FAILED": (503, "the audit log could not be written, so no answer is given; retry later"),
    "INTERNAL": (500, "a defect of the service itself, logged under the request id"),
    "MODEL_NOT_READY": (503, "the model has not loaded yet, or no version of it loaded; see GET /models/{id}"),
}


class Problem(Exception):
    """An error response: its status, stable code, message and the fields a client needs."""

    def __init__(self, code: str, message: str, **fields: Any) -> None:
        self.status = ERROR_CODES[code][0]
        self.code = code
        self.message = message
        self.fields = fields
        self.headers: dict[str, str] | None = None  # the model's, when the request was for one
        self.model: dict[str, Any] | None = None
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "error": {"code": self.code, "message": self.message, "field": None, "allowed": [], **self.fields}
        }
        if self.model is not None:
            found["model"] = self.model
        return found


def problem_of(error: InputError | EvaluationError) -> dict[str, Any]:
    """An evaluation error as the ``error`` object of a response (or of one case in a batch)."""
    if isinstance(error, InputError):
        data = error.to_dict()
        code = data["code"] if data["code"] in ERROR_CODES else "INPUT"
        return {
            "code": code,
            "message": data["message"],
            "field": data["field"],
            "allowed": data["allowed"],
            "value": data["value"],
            "related": data["related"],
        }
    return {
        "code": "NO_DECISION",
        "message": str(error),
        "field": None,
        "allowed": [],
        "table": error.table,
        "rule_ids": list(error.rule_ids),
    }


def status_of(error: InputError | EvaluationError) -> int:
    code = error.code if isinstance(error, InputError) else "NO_DECISION"
    return ERROR_CODES.get(code, ERROR_CODES["INPUT"])[0]
