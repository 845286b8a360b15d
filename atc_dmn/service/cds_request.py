"""A CDS Hooks 2.0.1 call and its feedback, read and checked; the FHIR data checked for one patient.

No web framework here: the routes (service/cds.py) pass the parsed JSON body in
and get a :class:`HookCall` or a :class:`CdsProblem` naming the field at fault.
A CdsProblem answers as a FHIR OperationOutcome (CDS Hooks 3.0.0 names it for
errors; 2.0.1 leaves the body open), with the service's stable code in
``issue[0].details.coding[0].code``, the message in ``diagnostics`` and the
field in ``expression``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .config import is_loopback
from .problems import ERROR_CODES, Problem

ERROR_SYSTEM = "urn:atc-dmn:error"  # the system of the code in an OperationOutcome issue's details
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id (http://hl7.org/fhir/R4/datatypes.html#id)
# RFC 3339 §5.6 date-time in UTC, as CDS Hooks 2.0.1 asks of outcomeTimestamp.
UTC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:00)")
OUTCOMES = ("accepted", "overridden")
REFERENCE_ELEMENTS = ("subject", "patient")  # where a resource names its patient (Observation, Condition, ...)
# FHIR issue types (http://hl7.org/fhir/R4/valueset-issue-type.html) by the service's code
ISSUE_TYPES = {
    "CDS_REQUEST": "invalid",
    "FHIR_INVALID": "structure",
    "WRONG_PATIENT": "business-rule",
    "UNKNOWN_SERVICE": "not-found",
    "PREFETCH_MISSING": "incomplete",
    "FHIR_FETCH_FAILED": "transient",
    "CDS_DISABLED": "forbidden",
    "ORIGIN_NOT_ALLOWED": "forbidden",
    "BODY_TOO_LARGE": "too-costly",
    "TOO_DEEP": "too-costly",
    "UNSUPPORTED_MEDIA_TYPE": "not-supported",
    "MODEL_NOT_READY": "transient",
    "AUDIT_FAILED": "transient",
    "NO_CARD": "exception",
    "INTERNAL": "exception",
}


class CdsProblem(Problem):
    """An error of a CDS Hooks route, answered as an OperationOutcome (``field`` is its FHIRPath-like location)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field=field)
        self.field = field

    @classmethod
    def of(cls, problem: Problem) -> CdsProblem:
        """A Problem of the service's shared code (the body reader's), as a CDS Hooks route answers it."""
        if isinstance(problem, CdsProblem):
            return problem
        found = cls(problem.code, problem.message, problem.fields.get("field"))
        found.headers = problem.headers
        return found

    def body(self) -> dict[str, Any]:
        return outcome(self.code, self.message, self.field)


def outcome(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """A FHIR R4 OperationOutcome with one error issue carrying the service's stable ``code``."""
    status = ERROR_CODES[code][0]
    kind = ISSUE_TYPES.get(code, "security" if status == 401 else "structure" if status == 400 else "processing")
    issue: dict[str, Any] = {
        "severity": "error",
        "code": kind,
        "details": {"coding": [{"system": ERROR_SYSTEM, "code": code}], "text": ERROR_CODES[code][1]},
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


@dataclass(frozen=True)
class HookCall:
    """A checked call: the hook, its instance, the patient and user, the FHIR server and what was prefetched."""

    hook: str
    hook_instance: str
    patient_id: str
    user_id: str
    context: dict[str, Any]
    fhir_server: str | None
    access_token: str | None
    prefetch: dict[str, Any]  # the keys the client sent; a value None means "no data"


def _bad(field: str, message: str) -> CdsProblem:
    return CdsProblem("CDS_REQUEST", message, field)


def _text(data: Mapping[str, Any], name: str, where: str = "") -> str:
    field = f"{where}{name}"
    if name not in data:
        raise _bad(field, f"{field} is required")
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise _bad(field, f"{field} must be a non-empty string, not {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", bool: "a boolean", str: "a string"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def read_call(data: Any, hook: str) -> HookCall:
    """The call in ``data`` (the parsed body) for a service on ``hook``, or CdsProblem naming the field."""
    if not isinstance(data, dict):
        raise _bad("", f"the body must be a CDS Hooks request object, not {_kind(data)}")
    given = _text(data, "hook")
    if given != hook:
        raise _bad("hook", f"this service is for the {hook} hook, not {given[:60]!r}")
    instance = _text(data, "hookInstance")
    if not UUID.fullmatch(instance):
        raise _bad("hookInstance", "hookInstance must be a UUID (8-4-4-4-12 hexadecimal digits)")
    if "context" not in data:
        raise _bad("context", "context is required")
    context = data["context"]
    if not isinstance(context, dict):
        raise _bad("context", f"context must be an object, not {_kind(context)}")
    patient = _text(context, "patientId", "context.")
    if not FHIR_ID.fullmatch(patient):
        raise _bad("context.patientId", "context.patientId must be a FHIR id: 1 to 64 letters, digits, '-' or '.'")
    user = _text(context, "userId", "context.")
    for name in ("encounterId",):
        if name in context and not isinstance(context[name], str):
            raise _bad(f"context.{name}", f"context.{name} must be a string")
    server = data.get("fhirServer")
    if server is not None and (not isinstance(server, str) or not server.strip()):
        raise _bad("fhirServer", f"fhirServer must be a URL string, not {_kind(server)}")
    token = _access_token(data.get("fhirAuthorization"), server)
    prefetch = data.get("prefetch", {})
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        raise _bad("prefetch", f"prefetch must be an object of prefetch keys, not {_kind(prefetch)}")
    return HookCall(given, instance, patient, user, context, server, token, dict(prefetch))


def _access_token(auth: Any, server: str | None) -> str | None:
    """fhirAuthorization's access token (CDS Hooks 2.0.1 §Passing the Access Token; cds-r-1)."""
    if auth is None:
        return None
    if not isinstance(auth, dict):
        raise _bad("fhirAuthorization", f"fhirAuthorization must be an object, not {_kind(auth)}")
    if server is None:
        raise _bad("fhirServer", "fhirAuthorization is given, so fhirServer is required (cds-r-1)")
    token = _text(auth, "access_token", "fhirAuthorization.")
    kind = auth.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise _bad("fhirAuthorization.token_type", "fhirAuthorization.token_type must be Bearer")
    if any(ch in token for ch in "\r\n"):
        raise _bad("fhirAuthorization.access_token", "fhirAuthorization.access_token must be one line")
    return token


def fhir_base(server: str) -> str:
    """The FHIR server's base URL if the service may call it: https, or http to this machine; else CdsProblem."""
    parts = urlsplit(server.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return server.strip().rstrip("/")
    if parts.scheme == "http" and host and is_loopback(host):
        return server.strip().rstrip("/")
    raise _bad("fhirServer", "fhirServer must be an https URL (or http to a loopback address such as 127.0.0.1)")


# -- one patient ------------------------------------------------------------------


def _resources(value: Any, path: str) -> Iterator[tuple[Mapping[str, Any], str, dict[str, Any]]]:
    """Each resource in a prefetch value with its path and its Bundle's fullUrl index; malformed parts skipped
    (the FHIR reader refuses them with their path)."""
    if not isinstance(value, Mapping):
        return
    if value.get("resourceType") != "Bundle":
        yield value, path, {}
        return
    entries = value.get("entry")
    if not isinstance(entries, list):
        return
    urls = {
        e["fullUrl"]: e.get("resource")
        for e in entries
        if isinstance(e, Mapping) and isinstance(e.get("fullUrl"), str) and isinstance(e.get("resource"), Mapping)
    }
    for number, entry in enumerate(entries):
        if isinstance(entry, Mapping) and "resource" in entry:
            for found, at, inner in _resources(entry["resource"], f"{path}.entry[{number}].resource"):
                yield found, at, {**urls, **inner}


def _points_to(reference: str, patient_id: str, urls: Mapping[str, Any]) -> bool:
    """Whether a Reference.reference names Patient/<patient_id>: relative, absolute, versioned or a Bundle fullUrl."""
    if reference in urls:
        target = urls[reference]
        is_patient = isinstance(target, Mapping) and target.get("resourceType") == "Patient"
        return is_patient and target.get("id") == patient_id
    parts = reference.split("?")[0].split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return len(parts) >= 2 and parts[-2] == "Patient" and parts[-1] == patient_id


def check_patient(data: Mapping[str, Any], patient_id: str) -> None:
    """Refuse (WRONG_PATIENT, naming the resource) any resource of another patient than ``patient_id``.

    A Patient resource must have that id; a resource whose ``subject`` or ``patient`` has a
    reference must point to it. A resource that names no patient is kept: a search by
    ``patient=`` returned it.
    """
    for key, value in data.items():
        for resource, path, urls in _resources(value, f"prefetch.{key}"):
            kind = resource.get("resourceType")
            ident = resource.get("id")
            name = f"{kind}/{ident}" if isinstance(ident, str) else str(kind)
            if kind == "Patient":
                if ident is not None and ident != patient_id:
                    raise CdsProblem(
                        "WRONG_PATIENT", f"{name} is not context.patientId {patient_id}; one call is one patient", path
                    )
                continue
            for element in REFERENCE_ELEMENTS:
                ref = resource.get(element)
                if not isinstance(ref, Mapping) or "reference" not in ref:
                    continue
                target = ref["reference"]
                if not isinstance(target, str) or not _points_to(target, patient_id, urls):
                    raise CdsProblem(
                        "WRONG_PATIENT",
                        f"{name} is for {str(target)[:80]!r}, not Patient/{patient_id} (context.patientId); "
                        "one call is one patient",
                        f"{path}.{element}",
                    )


def is_outcome(value: Any) -> bool:
    """A prefetch value that is an OperationOutcome: the client's report that it could not fetch the key."""
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"


def next_page(value: Any) -> str | None:
    """A searchset Bundle's ``next`` link: the client paginated its prefetch (CDS Hooks 2.0.1 allows it)."""
    if not isinstance(value, Mapping) or value.get("resourceType") != "Bundle":
        return None
    links = value.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


# -- feedback ---------------------------------------------------------------------


def read_feedback(data: Any) -> list[dict[str, Any]]:
    """The feedback entries of a feedback body (CDS Hooks 2.0.1 §Feedback, cds-fb-1..3), or CdsProblem."""
    if not isinstance(data, dict):
        raise _bad("", f"the body must be an object with a feedback array, not {_kind(data)}")
    if "feedback" not in data:
        raise _bad("feedback", "feedback is required: an array of feedback objects")
    entries = data["feedback"]
    if not isinstance(entries, list) or not entries:
        raise _bad("feedback", "feedback must be a non-empty array of feedback objects")
    for number, entry in enumerate(entries):
        at = f"feedback[{number}]"
        if not isinstance(entry, dict):
            raise _bad(at, f"{at} must be an object, not {_kind(entry)}")
        _text(entry, "card", f"{at}.")
        outcome_ = _text(entry, "outcome", f"{at}.")
        if outcome_ not in OUTCOMES:
            raise _bad(f"{at}.outcome", f"{at}.outcome must be accepted or overridden (cds-fb-1)")
        stamp = _text(entry, "outcomeTimestamp", f"{at}.")
        if not UTC_TIMESTAMP.fullmatch(stamp):
            raise _bad(
                f"{at}.outcomeTimestamp", f"{at}.outcomeTimestamp must be a UTC RFC 3339 time: 2021-12-11T10:05:31Z"
            )
        accepted = entry.get("acceptedSuggestions")
        if outcome_ == "accepted":
            if not isinstance(accepted, list) or not accepted:
                raise _bad(
                    f"{at}.acceptedSuggestions", f"{at}.acceptedSuggestions is required when accepted (cds-fb-2)"
                )
            for i, item in enumerate(accepted):
                if not isinstance(item, dict):
                    raise _bad(f"{at}.acceptedSuggestions[{i}]", "an accepted suggestion is an object with an id")
                _text(item, "id", f"{at}.acceptedSuggestions[{i}].")
        elif accepted is not None:
            raise _bad(f"{at}.acceptedSuggestions", f"{at}.acceptedSuggestions goes with outcome accepted only")
        reason = entry.get("overrideReason")
        if reason is not None:
            _override_reason(reason, f"{at}.overrideReason", outcome_)
    return entries


def _override_reason(reason: Any, at: str, outcome_: str) -> None:
    if outcome_ != "overridden":
        raise _bad(at, f"{at} goes with outcome overridden only")
    if not isinstance(reason, dict):
        raise _bad(at, f"{at} must be an object, not {_kind(reason)}")
    if "reason" not in reason and "userComment" not in reason:
        raise _bad(at, f"{at} needs a reason, a userComment or both (cds-fb-3)")
    if "reason" in reason:
        coding = reason["reason"]
        if not isinstance(coding, dict):
            raise _bad(f"{at}.reason", f"{at}.reason must be a Coding object")
        _text(coding, "code", f"{at}.reason.")
        _text(coding, "system", f"{at}.reason.")
    if "userComment" in reason and not isinstance(reason["userComment"], str):
        raise _bad(f"{at}.userComment", f"{at}.userComment must be a string")
