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
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .config import is_loopback
from .problems import ERROR_CODES, Problem

CDS_PREFIX = "/cds-services"  # the CDS Hooks routes: every answer below it, an error too, is CDS Hooks' own shape
ERROR_SYSTEM = "urn:atc-dmn:error"  # the system of the code in an OperationOutcome issue's details
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id (http://hl7.org/fhir/R4/datatypes.html#id)
# RFC 3339 §5.6 date-time in UTC, as CDS Hooks 2.0.1 asks of outcomeTimestamp.
UTC_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:00)")
OUTCOMES = ("accepted", "overridden")
# Feedback is written to the audit log as sent: bounded, so that a client cannot flood it.
MAX_FEEDBACK = 100  # entries in one feedback body (a response's cards, with room to spare)
MAX_COMMENT = 1000  # characters of an override reason's userComment or a Coding's display
MAX_CODE = 200  # characters of a Coding's system or code, or an accepted suggestion's id
REFERENCE_ELEMENTS = ("subject", "patient")  # where a resource names its patient (Observation, Condition, ...)
# FHIR issue types (http://hl7.org/fhir/R4/valueset-issue-type.html) by the service's code
ISSUE_TYPES = {
    "CDS_REQUEST": "invalid",
    "FHIR_INVALID": "structure",
    "WRONG_PATIENT": "business-rule",
    "UNKNOWN_SERVICE": "not-found",
    "NOT_FOUND": "not-found",
    "METHOD_NOT_ALLOWED": "not-supported",
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


def is_cds_path(path: str) -> bool:
    """A path of the CDS Hooks routes, whose errors a CDS Client reads as FHIR OperationOutcomes."""
    return path == CDS_PREFIX or path.startswith(CDS_PREFIX + "/")


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


PATIENT_REFERENCE = re.compile(r"Patient/([A-Za-z0-9\-.]{1,64})(/_history/[A-Za-z0-9\-.]{1,64})?")
NOT_REFERENCES = ("contained",)  # a contained resource is read, if at all, with the resource holding it


def _base(url: str) -> tuple[str, str, str]:
    """A URL's scheme, host[:port] (both case-insensitive) and path without its trailing slash."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


def _points_to(reference: str, patient_id: str, urls: Mapping[str, Any], server: str | None) -> bool:
    """Whether a Reference.reference is Patient/<patient_id>: relative (versioned or not), the fullUrl of
    that Patient in the Bundle, or absolute on ``server`` (the call's fhirServer). Without a server, an
    absolute reference cannot be told from the same id on another server, so it is not this patient's."""
    if reference in urls:
        target = urls[reference]
        return (
            isinstance(target, Mapping) and target.get("resourceType") == "Patient" and target.get("id") == patient_id
        )
    found = PATIENT_REFERENCE.fullmatch(reference)
    if found:
        return found.group(1) == patient_id
    if server is None or "://" not in reference:
        return False
    scheme, host, path = _base(reference)
    base = _base(server)
    if (scheme, host) != base[:2] or urlsplit(reference).query or not path.startswith(base[2] + "/"):
        return False
    found = PATIENT_REFERENCE.fullmatch(path[len(base[2]) + 1 :])
    return found is not None and found.group(1) == patient_id


def _names_a_patient(ref: Mapping[str, Any]) -> bool:
    """A Reference whose target is a Patient: by its type, or by a reference of the form .../Patient/<id>."""
    target = ref.get("reference")
    if ref.get("type") == "Patient":
        return True
    return isinstance(target, str) and re.search(r"(^|/)Patient/[^/]+(/_history/[^/]+)?$", target) is not None


def _references(value: Any, path: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every Reference-like object (one with ``reference``, or ``identifier`` and ``type``) below a resource."""
    if isinstance(value, Mapping):
        if "reference" in value or ("identifier" in value and "type" in value):
            yield value, path
            return
        for name, item in value.items():
            if name not in NOT_REFERENCES:
                yield from _references(item, f"{path}.{name}")
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _references(item, f"{path}[{number}]")


def check_patient(
    data: Mapping[str, Any], patient_id: str, read: Collection[str] = (), server: str | None = None
) -> None:
    """Refuse (WRONG_PATIENT, naming the resource and element) any resource that may be another patient's.

    One call is one patient, and a resource of another one would decide this patient's card.
    A Patient resource must have the id ``patient_id``. A resource of a type the FHIR sheet
    reads (``read``) must name this patient in ``subject`` or ``patient`` with a reference
    (``Patient/<id>``, the Patient's fullUrl in the Bundle, or absolute on ``server``), and
    every other reference in it to a Patient must be to this one: a reference by identifier
    only cannot be checked, so it is refused too. Any other resource is refused only when its
    ``subject`` or ``patient`` points elsewhere.
    """
    allowed = f"Patient/{patient_id}, the fullUrl of that Patient in the Bundle, or " + (
        f"{server.strip().rstrip('/')}/Patient/{patient_id} (on fhirServer)"
        if server
        else "an absolute reference on fhirServer (none was given)"
    )
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
            strict = kind in read
            named = [e for e in REFERENCE_ELEMENTS if e in resource]
            if strict and not named:
                raise _wrong(
                    f"{name} names no patient (no subject or patient); the FHIR sheet reads {kind} resources only "
                    f"when they are this patient's; allowed: subject.reference {allowed}",
                    path,
                )
            for element in named:
                ref = resource[element]
                if not isinstance(ref, Mapping):
                    raise CdsProblem(
                        "FHIR_INVALID",
                        f"{name}.{element} must be a Reference object, not {_kind(ref)}",
                        f"{path}.{element}",
                    )
                if strict or "reference" in ref:
                    _check_reference(ref, name, element, f"{path}.{element}", patient_id, urls, server, allowed)
            if strict:
                others = ((k, v) for k, v in resource.items() if k not in named and k not in NOT_REFERENCES)
                for ref, at in (found for k, v in others for found in _references(v, f"{path}.{k}")):
                    if _names_a_patient(ref):
                        element = at[len(path) + 1 :]
                        _check_reference(ref, name, element, at, patient_id, urls, server, allowed)


def _check_reference(
    ref: Mapping[str, Any],
    name: str,
    element: str,
    at: str,
    patient_id: str,
    urls: Mapping[str, Any],
    server: str | None,
    allowed: str,
) -> None:
    target = ref.get("reference")
    if target is None:
        ident = ref.get("identifier")
        said = ""
        if isinstance(ident, Mapping):
            said = f" ({str(ident.get('system', ''))[:60]}|{str(ident.get('value', ''))[:40]})"
        raise _wrong(
            f"{name}.{element} names its patient by identifier only{said}, which cannot be checked against "
            f"context.patientId; allowed: a reference {allowed}",
            at,
        )
    if not isinstance(target, str):
        raise CdsProblem("FHIR_INVALID", f"{name}.{element}.reference must be a string, not {_kind(target)}", at)
    if _points_to(target, patient_id, urls, server):
        return
    why = ""
    if "://" in target and PATIENT_REFERENCE.search(target):
        why = (
            " (the same id on another server is another patient)" if server else " (no fhirServer to check it against)"
        )
    raise _wrong(
        f"{name}.{element} is {target[:100]!r}{why}, not Patient/{patient_id} (context.patientId); "
        f"one call is one patient; allowed: {allowed}",
        at,
    )


def _wrong(message: str, field: str) -> CdsProblem:
    return CdsProblem("WRONG_PATIENT", message, field)


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
    if len(entries) > MAX_FEEDBACK:
        raise _bad("feedback", f"feedback has {len(entries)} entries; at most {MAX_FEEDBACK} are taken in one body")
    for number, entry in enumerate(entries):
        at = f"feedback[{number}]"
        if not isinstance(entry, dict):
            raise _bad(at, f"{at} must be an object, not {_kind(entry)}")
        if not UUID.fullmatch(_text(entry, "card", f"{at}.")):
            raise _bad(f"{at}.card", f"{at}.card must be the uuid of a card (8-4-4-4-12 hexadecimal digits)")
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
            if len(accepted) > MAX_FEEDBACK:
                raise _bad(f"{at}.acceptedSuggestions", f"{at}.acceptedSuggestions: at most {MAX_FEEDBACK} entries")
            for i, item in enumerate(accepted):
                if not isinstance(item, dict):
                    raise _bad(f"{at}.acceptedSuggestions[{i}]", "an accepted suggestion is an object with an id")
                _bounded(item, "id", f"{at}.acceptedSuggestions[{i}].", MAX_CODE)
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
        _bounded(coding, "code", f"{at}.reason.", MAX_CODE)
        _bounded(coding, "system", f"{at}.reason.", MAX_CODE)
        if "display" in coding:
            _bounded(coding, "display", f"{at}.reason.", MAX_COMMENT)
    if "userComment" in reason:
        comment = reason["userComment"]
        if not isinstance(comment, str):
            raise _bad(f"{at}.userComment", f"{at}.userComment must be a string")
        if len(comment) > MAX_COMMENT:
            raise _bad(
                f"{at}.userComment",
                f"{at}.userComment has {len(comment)} characters; at most {MAX_COMMENT} are taken",
            )


def _bounded(data: Mapping[str, Any], name: str, where: str, limit: int) -> str:
    """A non-empty string of at most ``limit`` characters (feedback is written to the audit log as sent)."""
    value = _text(data, name, where)
    if len(value) > limit:
        raise _bad(f"{where}{name}", f"{where}{name} has {len(value)} characters; at most {limit} are taken")
    return value
