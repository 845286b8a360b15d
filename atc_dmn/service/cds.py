"""The CDS Hooks 2.0.1 routes: discovery, the patient-view call, and feedback on its cards.

A served model is a CDS service when its workbook has a FHIR sheet (which
resources give which input) and a Cards sheet (what a card says): its id is
the model identifier. A call is read from the prefetch the CDS Client sent,
keys it left out are fetched from its FHIR server, the case is read from the
resources by their codes, evaluated, and answered with one card built from
the workbook (atc_dmn/cds_cards.py). Each call and each feedback entry is
written to the audit log before the answer. Errors answer as FHIR
OperationOutcomes with the service's stable codes (service/cds_request.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..cards import CardRules
from ..cds_cards import Basis, CardError, basis_of, card_for
from ..errors import AuditError, EvaluationError, InputError
from ..fhir_case import FhirError
from .cds_fetch import complete, fetch_keys, resolve
from .cds_request import (
    MAX_COMMENT,
    MAX_FEEDBACK,
    CdsProblem,
    HookCall,
    check_patient,
    is_outcome,
    next_page,
    read_call,
    read_feedback,
)
from .config import is_loopback
from .problems import Problem
from .registry import ModelSlot, Serving

log = logging.getLogger("atc_dmn.service")
router = APIRouter()

HOOK = "patient-view"
# What every service asks its CDS Client to prefetch (CDS Hooks 2.0.1 prefetch templates).
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
}
JSON = "application/json"
CALL_BODY = "a CDS Hooks request object: hook, hookInstance, context and prefetch (CDS Hooks 2.0.1)"
FEEDBACK_BODY = 'a CDS Hooks feedback object: {"feedback": [{"card", "outcome", "outcomeTimestamp"}]}'
# A CDS Hooks body carries FHIR resources, which nest deeper and weigh more than a case.
MAX_DEPTH = 40
MAX_BODY = 8 * 1024 * 1024
# Feedback is a few short entries, written to the audit log as sent: a small body, whatever --max-body says.
MAX_FEEDBACK_BODY = 256 * 1024

_TEXT = {"type": "string", "pattern": "\\S"}
_UUID = {"type": "string", "pattern": "^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"}
_RESOURCE = {"type": ["object", "null"], "required": ["resourceType"], "properties": {"resourceType": _TEXT}}
_CALL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["hook", "hookInstance", "context", "prefetch"],
    "properties": {
        "hook": {"type": "string", "enum": [HOOK]},
        "hookInstance": _UUID,
        "fhirServer": {"type": "string", "format": "uri"},
        "fhirAuthorization": {
            "type": "object",
            "required": ["access_token"],
            "properties": {"access_token": _TEXT, "token_type": {"type": "string", "enum": ["Bearer"]}},
        },
        "context": {
            "type": "object",
            "required": ["patientId", "userId"],
            "properties": {"patientId": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"}, "userId": _TEXT},
        },
        # A key left out is fetched from fhirServer; documented here with every key, as discovery asks for them.
        "prefetch": {"type": "object", "required": list(PREFETCH), "properties": dict.fromkeys(PREFETCH, _RESOURCE)},
    },
    "dependentRequired": {"fhirAuthorization": ["fhirServer"]},
}
_FEEDBACK_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["card", "outcome", "outcomeTimestamp"],
    "properties": {
        "card": _UUID,
        "outcome": {"type": "string", "enum": ["accepted", "overridden"]},
        "outcomeTimestamp": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
        "acceptedSuggestions": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["id"], "properties": {"id": _TEXT}},
        },
        "overrideReason": {
            "type": "object",
            "anyOf": [{"required": ["reason"]}, {"required": ["userComment"]}],
            "properties": {
                "reason": {
                    "type": "object",
                    "required": ["system", "code"],
                    "properties": {"system": _TEXT, "code": _TEXT},
                },
                "userComment": {"type": "string", "maxLength": MAX_COMMENT},
            },
        },
    },
    # cds-fb-2: accepted needs acceptedSuggestions; an override reason goes with overridden only.
    "if": {"properties": {"outcome": {"const": "accepted"}}},
    "then": {"required": ["acceptedSuggestions"], "not": {"required": ["overrideReason"]}},
    "else": {"not": {"required": ["acceptedSuggestions"]}},
}
_FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["feedback"],
    "properties": {"feedback": {"type": "array", "minItems": 1, "maxItems": MAX_FEEDBACK, "items": _FEEDBACK_ENTRY}},
}
OUTCOME_SCHEMA = {"type": "object", "required": ["resourceType", "issue"]}
_CARD = {
    "type": "object",
    "required": ["uuid", "summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string"},
        "summary": {"type": "string", "maxLength": 139},
        "indicator": {"type": "string", "enum": ["info", "warning", "critical"]},
        "detail": {"type": "string"},
        "source": {"type": "object", "required": ["label"]},
    },
}
_SERVICE = {"type": "object", "required": ["hook", "id", "description"]}
_OK: dict[str, Any] = {
    "discovery": {
        "description": "the services",
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["services"],
                    "properties": {"services": {"type": "array", "items": _SERVICE}},
                }
            }
        },
    },
    "call": {
        "description": "one card",
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["cards"],
                    "properties": {"cards": {"type": "array", "items": _CARD}},
                }
            }
        },
    },
    "feedback": {"description": "taken (no body)"},
}
_ERRORS = (400, 401, 403, 404, 413, 415, 503)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"description": "an OperationOutcome", "content": {JSON: {"schema": OUTCOME_SCHEMA}}} for s in statuses}


# -- the services -----------------------------------------------------------------


def is_cds_service(serving: Serving | None) -> bool:
    """A loaded model with a FHIR mapping and a Cards sheet."""
    return (
        serving is not None
        and bool(serving.model.model.fhir_mapping)
        and isinstance(serving.model.model.cards, CardRules)
    )


def describe(slot: ModelSlot, serving: Serving) -> dict[str, Any]:
    info = serving.model.info
    return {
        "hook": HOOK,
        "id": slot.identifier,
        "title": info.name,
        "description": info.description or info.name,
        "prefetch": dict(PREFETCH),
    }


def _service(request: Request, service_id: str) -> tuple[ModelSlot, Serving]:
    registry = request.app.state.registry
    slot = registry.by_id.get(service_id)
    serving = slot.current if slot is not None else None
    if slot is None or not is_cds_service(serving):
        known = [s.identifier for s in registry.slots if is_cds_service(s.current)]
        raise CdsProblem(
            "UNKNOWN_SERVICE",
            f"no CDS service '{service_id[:80]}'; served: {', '.join(known) or 'none'} (GET /cds-services)",
            "id",
        )
    assert serving is not None
    return slot, serving


# -- who calls --------------------------------------------------------------------


def _audience(request: Request) -> str:
    """The exact URL called, from --public-url (a proxy changes the host), or on loopback the request's own."""
    base = request.app.state.config.public_url
    if base is None:
        base = f"{request.url.scheme}://{request.url.netloc}"
    return base.rstrip("/") + request.url.path


async def authorise(request: Request) -> dict[str, Any] | None:
    """The caller's verified JWT claims, None when the service takes CDS calls without one, or CdsProblem 401/403."""
    config = request.app.state.config
    verifier = request.app.state.cds_verifier
    if verifier is None:
        if is_loopback(config.host):
            return None
        raise CdsProblem(
            "CDS_DISABLED",
            "this service listens beyond loopback without --cds-issuers, so it cannot verify CDS Clients: "
            "its operator must start it with --cds-issuers FILE and --public-url URL",
        )
    from .cds_auth import TokenError  # PyJWT (the cds extra) is imported only when issuers are configured

    try:
        # In a thread: PyJWT fetches a jku's JWK Set synchronously.
        return await asyncio.to_thread(verifier.verify, request.headers.get("authorization"), _audience(request))
    except TokenError as error:
        problem = CdsProblem(error.reason, error.message, error.claim)
        problem.headers = {"WWW-Authenticate": 'Bearer realm="cds-services", error="invalid_token"'}
        raise problem from None


async def _body(request: Request, expected: str, limit: int | None = None) -> Any:
    from .app import parse_body, read_body

    limit = limit or max(request.app.state.config.max_body, MAX_BODY)
    try:
        return parse_body(await read_body(request, limit), MAX_DEPTH, expected)
    except Problem as problem:
        if problem.code == "TOO_DEEP":
            raise CdsProblem("TOO_DEEP", f"the body nests more than {MAX_DEPTH} levels deep") from None
        raise CdsProblem.of(problem) from None


def _answer(data: Any, headers: dict[str, str] | None = None) -> Response:
    from .app import dumps

    return Response(dumps(data), media_type=JSON, headers=headers)


# -- the routes -------------------------------------------------------------------


@router.get(
    "/cds-services",
    summary="CDS Hooks discovery: one patient-view service per model with a FHIR and a Cards sheet",
    responses={200: _OK["discovery"], **_errors(401, 403)},
)
async def discovery(request: Request) -> Response:
    try:
        await authorise(request)
    except CdsProblem as problem:
        return _problem(problem)
    registry = request.app.state.registry
    services = [describe(s, s.current) for s in registry.slots if s.current is not None and is_cds_service(s.current)]
    return _answer({"services": services})


@router.post(
    "/cds-services/{service_id}",
    summary="CDS Hooks call (patient-view): one card from the patient's FHIR record",
    openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": _CALL_SCHEMA}}}},
    responses={200: _OK["call"], **_errors(*_ERRORS, 412, 500)},
)
async def call(service_id: str, request: Request) -> Response:
    try:
        return await _call(service_id, request)
    except CdsProblem as problem:
        return _problem(problem)


@router.post(
    "/cds-services/{service_id}/feedback",
    summary="CDS Hooks feedback on a card: accepted or overridden, written to the audit log",
    openapi_extra={"requestBody": {"required": True, "content": {JSON: {"schema": _FEEDBACK_SCHEMA}}}},
    responses={200: _OK["feedback"], **_errors(*_ERRORS)},
    response_class=Response,
)
async def feedback(service_id: str, request: Request) -> Response:
    try:
        await authorise(request)
        slot, serving = _service(request, service_id)
        entries = read_feedback(await _body(request, FEEDBACK_BODY, MAX_FEEDBACK_BODY))
    except CdsProblem as problem:
        return _problem(problem)
    audit = request.app.state.audit
    rid = request.scope.get("atc_request_id")
    if audit is not None:
        try:
            for entry in entries:
                audit.record_event(
                    "feedback",
                    source="cds",
                    request_id=rid,
                    service=slot.identifier,
                    model=_identity(serving),
                    feedback=entry,
                )
        except AuditError as error:
            log.error("audit log failed", extra={"event": "audit_failed", "error": str(error)})
            return _problem(CdsProblem("AUDIT_FAILED", "the audit log could not be written; retry later"))
    log.info("cds feedback", extra={"event": "cds_feedback", "model": slot.identifier, "request_id": rid})
    return Response(status_code=200, headers=serving.headers)


def _problem(problem: CdsProblem) -> Response:
    from .app import dumps

    return Response(dumps(problem.body()), status_code=problem.status, media_type=JSON, headers=problem.headers)


def _identity(serving: Serving) -> dict[str, str]:
    ident = serving.model.identity
    return {"identifier": ident.identifier, "version": ident.version, "sha256": ident.sha256}


async def _call(service_id: str, request: Request) -> Response:
    await authorise(request)
    slot, serving = _service(request, service_id)
    try:
        hook = read_call(await _body(request, CALL_BODY), HOOK)
    except CdsProblem as problem:
        problem.headers = serving.headers
        raise
    data = await _gather(request, hook)
    model = serving.model
    check_patient(data, hook.patient_id, {row.resource for row in model.model.fhir_mapping}, hook.fhir_server)
    try:
        basis = basis_of(model.model.fhir_mapping, data)
    except FhirError as error:
        path = f"prefetch.{error.path}" if error.path else "prefetch"
        allowed = f"; allowed: {', '.join(error.allowed)}" if error.allowed else ""
        raise CdsProblem("FHIR_INVALID", f"{path}: {error.message}{allowed}", path) from None
    answer: Any
    try:
        answer = model.evaluate(basis.fhir.case)
    except (InputError, EvaluationError) as error:
        answer = error
        if isinstance(error, EvaluationError):
            ident = model.identity
            log.error(
                "no decision",
                extra={"event": "no_decision", "model": ident.identifier, "version": ident.version},
            )
    try:
        card = card_for(model, answer, basis)
    except CardError as error:
        log.error("no card", extra={"event": "no_card", "model": slot.identifier, "error": error.message})
        raise CdsProblem("NO_CARD", f"{error.message}; the workbook's owners must fix its Cards sheet") from None
    try:
        _audit(request, serving, hook, basis, answer, card)
    except AuditError as error:  # the answer could not be logged: it is not given
        log.error("audit log failed", extra={"event": "audit_failed", "error": str(error)})
        raise CdsProblem("AUDIT_FAILED", "the audit log could not be written; retry later") from None
    return _answer({"cards": [card]}, serving.headers)


async def _gather(request: Request, hook: HookCall) -> dict[str, Any]:
    """The FHIR data for the call: the prefetch sent, and every template key it left out fetched.

    A key whose value is null means no data; an OperationOutcome in its place is the client's
    report that it could not fetch it, so the key is fetched as if left out.
    """
    prefetch = hook.prefetch
    missing = {k: resolve(t, hook) for k, t in PREFETCH.items() if k not in prefetch or is_outcome(prefetch[k])}
    client = request.app.state.cds_http
    if client is None and (missing or paged_keys(prefetch)):
        raise CdsProblem("FHIR_FETCH_FAILED", "this service cannot call FHIR servers: install atc-dmn[cds] (httpx)")
    data = {k: v for k, v in prefetch.items() if not is_outcome(v)}
    paged = paged_keys(data)
    if missing:
        data.update(await fetch_keys(client, hook, missing))
    for key in paged:
        data[key] = await complete(client, hook, key, data[key])
    return data


def paged_keys(prefetch: dict[str, Any]) -> list[str]:
    return [k for k, v in prefetch.items() if next_page(v) is not None]


def _audit(request: Request, serving: Serving, hook: HookCall, basis: Basis, answer: Any, card: dict[str, Any]) -> None:
    """The call's audit line: the evaluation's, with the hook instance, card id and the resources read."""
    audit = request.app.state.audit
    if audit is None:
        return
    model = serving.model
    extra = {
        "cds": {
            "hook": hook.hook,
            "hookInstance": hook.hook_instance,
            "service": model.identity.identifier,
            "cards": [card["uuid"]],
            "indicator": card["indicator"],
            "resources": basis.references(),
            "provenance": {k: p.to_dict() for k, p in basis.fhir.provenance.items()},
            "ambiguous": {k: list(v) for k, v in basis.fhir.ambiguous.items()},
        }
    }
    rid = request.scope.get("atc_request_id")
    if isinstance(answer, InputError | EvaluationError):
        audit.record(
            identity=model.identity, source="cds", inputs=basis.fhir.case, error=answer, request_id=rid, extra=extra
        )
    else:
        audit.record(
            identity=model.identity, source="cds", inputs=answer.inputs, result=answer, request_id=rid, extra=extra
        )
