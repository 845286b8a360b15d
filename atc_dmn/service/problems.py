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
    # CDS Hooks (service/cds.py): answered as a FHIR OperationOutcome with the code in issue.details
    "CDS_REQUEST": (400, "the CDS Hooks call or feedback is not as CDS Hooks 2.0.1 defines it; the field is named"),
    "FHIR_INVALID": (400, "a FHIR resource in the prefetch or from the FHIR server is malformed"),
    "WRONG_PATIENT": (400, "a resource belongs to another patient than context.patientId"),
    "UNKNOWN_SERVICE": (404, "no CDS service has this id (a model with a FHIR and a Cards sheet)"),
    "PREFETCH_MISSING": (412, "a prefetch key is left out (or incomplete) and no fhirServer was given to fetch it"),
    "FHIR_FETCH_FAILED": (412, "the FHIR server could not be reached, or did not answer 2xx with FHIR JSON"),
    "CDS_DISABLED": (403, "beyond loopback, CDS Hooks needs --cds-issuers (and --public-url) to verify callers"),
    "ORIGIN_NOT_ALLOWED": (403, "a browser's cross-origin request from an origin not given with --cors-origin"),
    "NO_CARD": (500, "the Cards sheet lacks the card this case needs: a defect of the workbook, logged"),
    # A CDS Hooks JWT refused (service/cds_auth.py's TokenError reasons): 401
    "MISSING": (401, "no CDS Hooks JWT: send Authorization: Bearer <jwt>"),
    "MALFORMED": (401, "the JWT or one of its claims cannot be read"),
    "ALG_NOT_ALLOWED": (401, "the JWT is not signed with ES384 or RS384"),
    "UNKNOWN_ISSUER": (401, "the JWT's iss is not in the --cds-issuers file"),
    "UNKNOWN_KEY": (401, "the issuer has no key with the JWT's kid that can verify it"),
    "JKU_NOT_ALLOWED": (401, "the JWT's jku is not allowlisted for its issuer"),
    "BAD_SIGNATURE": (401, "the JWT's signature does not verify"),
    "WRONG_AUDIENCE": (401, "the JWT's aud is not the exact URL called"),
    "EXPIRED": (401, "the JWT expired, or was issued too long ago"),
    "NOT_YET_VALID": (401, "the JWT's nbf is in the future"),
    "ISSUED_IN_FUTURE": (401, "the JWT's iat is in the future"),
    "MISSING_CLAIM": (401, "the JWT lacks a required claim (iss, aud, exp, iat, jti) or header field (kid)"),
    "REPLAYED": (401, "the JWT's jti was used before"),
    "JWKS_UNAVAILABLE": (401, "the issuer's JWK Set could not be fetched or read"),
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
