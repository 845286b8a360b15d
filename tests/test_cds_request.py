"""The CDS Hooks request, feedback and one-patient checks (atc_dmn/service/cds_request.py), without a server.

What is allowed is CDS Hooks 2.0.1's (HL7/cds-hooks v2.0.1: the request and feedback
tables, the patient-view context, cds-r-1 and cds-fb-1..3); each refusal names its field.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from atc_dmn.service.cds_request import (
    ERROR_SYSTEM,
    CdsProblem,
    check_patient,
    fhir_base,
    read_call,
    read_feedback,
)

# The specification's own example call (§Calling a CDS Service, Example).
SPEC_CALL = {
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "fhirServer": "http://hooks.smarthealthit.org:9080",
    "hook": "patient-view",
    "fhirAuthorization": {
        "access_token": "some-opaque-fhir-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Observation.read",
        "subject": "cds-service4",
    },
    "context": {"userId": "Practitioner/example", "patientId": "1288992", "encounterId": "89284"},
    "prefetch": {"patientToGreet": {"resourceType": "Patient", "gender": "male", "id": "1288992"}},
}


def refusal(call: Any, *args: Any) -> CdsProblem:
    with pytest.raises(CdsProblem) as caught:
        call(*args)
    return caught.value


def test_the_spec_example_is_read():
    call = read_call(SPEC_CALL, "patient-view")
    assert (call.patient_id, call.user_id, call.hook_instance) == (
        "1288992",
        "Practitioner/example",
        SPEC_CALL["hookInstance"],
    )
    assert call.access_token == "some-opaque-fhir-access-token"
    assert call.fhir_server == "http://hooks.smarthealthit.org:9080"
    assert set(call.prefetch) == {"patientToGreet"}


def changed(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(SPEC_CALL)
    *parents, last = path.split(".")
    where = body
    for name in parents:
        where = where[name]
    if value is KeyError:
        del where[last]
    else:
        where[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("hook", KeyError, "hook"),
        ("hook", 7, "hook"),
        ("hook", "order-sign", "hook"),
        ("hookInstance", KeyError, "hookInstance"),
        ("hookInstance", "not-a-uuid", "hookInstance"),
        ("hookInstance", "{d1577c69-dfbe-44ad-ba6d-3e05e953b2ea}", "hookInstance"),
        ("context", KeyError, "context"),
        ("context", [], "context"),
        ("context.patientId", KeyError, "context.patientId"),
        ("context.patientId", 1288992, "context.patientId"),
        ("context.patientId", "12 88/992", "context.patientId"),
        ("context.userId", KeyError, "context.userId"),
        ("context.userId", "", "context.userId"),
        ("prefetch", [], "prefetch"),
        ("fhirServer", 80, "fhirServer"),
        ("fhirServer", KeyError, "fhirServer"),  # cds-r-1: fhirAuthorization needs fhirServer
        ("fhirAuthorization", "token", "fhirAuthorization"),
        ("fhirAuthorization.access_token", KeyError, "fhirAuthorization.access_token"),
        ("fhirAuthorization.token_type", "MAC", "fhirAuthorization.token_type"),
    ],
)
def test_a_call_that_is_not_right_is_refused_naming_the_field(path, value, field):
    problem = refusal(read_call, changed(path, value), "patient-view")
    assert problem.status == 400 and problem.code == "CDS_REQUEST"
    body = problem.body()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["expression"] == [field]
    assert issue["details"]["coding"] == [{"system": ERROR_SYSTEM, "code": "CDS_REQUEST"}]


def test_a_body_that_is_not_an_object_is_refused():
    assert refusal(read_call, [SPEC_CALL], "patient-view").code == "CDS_REQUEST"


def test_null_prefetch_is_no_prefetch():
    assert read_call(changed("prefetch", None), "patient-view").prefetch == {}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://ehr.example.org/fhir/", True),
        ("http://127.0.0.1:8080/fhir", True),
        ("http://localhost/fhir", True),
        ("http://[::1]:8080/fhir", True),
        ("http://ehr.example.org/fhir", False),
        ("ftp://ehr.example.org/fhir", False),
        ("https:///fhir", False),
    ],
)
def test_the_fhir_server_called_is_https_or_loopback(url, ok):
    if ok:
        assert fhir_base(url) == url.rstrip("/")
    else:
        assert refusal(fhir_base, url).fields["field"] == "fhirServer"


# -- one patient ------------------------------------------------------------------


def observation(ident: str, reference: str | None, element: str = "subject") -> dict[str, Any]:
    found: dict[str, Any] = {"resourceType": "Observation", "id": ident, "status": "final"}
    if reference is not None:
        found[element] = {"reference": reference}
    return found


def bundle(*resources: dict[str, Any], urls: tuple[str, ...] = ()) -> dict[str, Any]:
    entries = [{"resource": r} for r in resources]
    for entry, url in zip(entries, urls):
        entry["fullUrl"] = url
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries}


READ = ("Condition", "Observation")  # the resource types the shipped FHIR sheet reads
SERVER = "https://ehr.example.org/fhir"
ALLOWED = "Patient/p1, the fullUrl of that Patient in the Bundle"


@pytest.mark.parametrize(
    ("reference", "server"),
    [
        ("Patient/p1", None),
        ("Patient/p1/_history/3", None),
        ("urn:uuid:6a8e4b1c-0000-4000-8000-000000000001", None),  # a fullUrl of Patient/p1 in the same Bundle
        ("https://ehr.example.org/fhir/Patient/p1", SERVER),
        ("HTTPS://EHR.example.org/fhir/Patient/p1/_history/2", SERVER + "/"),
    ],
)
def test_references_to_the_patient_in_context_are_kept(reference, server):
    patient = {"resourceType": "Patient", "id": "p1"}
    data = {
        "observations": bundle(
            observation("o1", reference), patient, urls=("urn:x", "urn:uuid:6a8e4b1c-0000-4000-8000-000000000001")
        ),
        "conditions": None,
        "patient": patient,
    }
    check_patient(data, "p1", READ, server)


def test_a_resource_no_row_reads_may_name_no_patient():
    check_patient({"other": bundle({"resourceType": "MedicationRequest", "id": "m1"})}, "p1", READ)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"patient": {"resourceType": "Patient", "id": "p2"}}, "prefetch.patient"),
        ({"observations": bundle(observation("o1", "Patient/p2"))}, "prefetch.observations.entry[0].resource.subject"),
        ({"o": bundle(observation("o1", "Group/p1"))}, "prefetch.o.entry[0].resource.subject"),
        ({"o": bundle(observation("o1", "#p"))}, "prefetch.o.entry[0].resource.subject"),
        ({"o": bundle(observation("o1", "Patient/p2", "patient"))}, "prefetch.o.entry[0].resource.patient"),
        ({"o": bundle(observation("o1", "https://other.example/Patient/p1x"))}, "prefetch.o.entry[0].resource.subject"),
        (
            {"o": bundle(bundle(observation("o9", "Patient/p2")))},
            "prefetch.o.entry[0].resource.entry[0].resource.subject",
        ),
        (
            {"o": bundle({"resourceType": "MedicationRequest", "subject": {"reference": "Patient/p2"}})},
            "prefetch.o.entry[0].resource.subject",
        ),
    ],
)
def test_a_resource_of_another_patient_is_refused_naming_it(data, where):
    problem = refusal(check_patient, data, "p1", READ)
    assert problem.code == "WRONG_PATIENT" and problem.status == 400
    assert problem.fields["field"] == where


def _with(**elements: Any) -> dict[str, Any]:
    return {"o": bundle({"resourceType": "Observation", "id": "o1", "status": "final", **elements})}


@pytest.mark.parametrize(
    ("data", "server", "where", "says"),
    [
        # a logical reference: an identifier cannot be matched to context.patientId
        (
            _with(subject={"identifier": {"system": "urn:mrn", "value": "999"}, "display": "John Other"}),
            None,
            "subject",
            "by identifier only (urn:mrn|999)",
        ),
        # the same id on another server than fhirServer is another patient
        (
            _with(subject={"reference": "https://other.example.org/fhir/Patient/p1"}),
            SERVER,
            "subject",
            "another server",
        ),
        (_with(subject={"reference": "https://ehr.example.org/other/Patient/p1"}), SERVER, "subject", "another server"),
        # without fhirServer, an absolute reference cannot be checked at all
        (_with(subject={"reference": "https://ehr.example.org/fhir/Patient/p1"}), None, "subject", "no fhirServer"),
        # a resource the FHIR sheet reads must name its patient
        (_with(), None, "", "names no patient"),
        (_with(code={"text": "M1"}), SERVER, "", "names no patient"),
        # an observation about someone else
        (
            _with(subject={"reference": "Patient/p1"}, focus=[{"reference": "Patient/p2"}]),
            None,
            "focus[0]",
            "Patient/p2",
        ),
        (
            _with(subject={"reference": "Patient/p1"}, focus=[{"type": "Patient", "identifier": {"value": "9"}}]),
            None,
            "focus[0]",
            "by identifier only",
        ),
        (
            _with(
                subject={"reference": "Patient/p1"},
                hasMember=[{"reference": "Observation/x"}],
                specimen={"reference": "https://other.example.org/fhir/Patient/p1"},
            ),
            SERVER,
            "specimen",
            "another server",
        ),
    ],
)
def test_a_resource_that_may_be_another_patients_is_refused_saying_what_is_allowed(data, server, where, says):
    problem = refusal(check_patient, data, "p1", READ, server)
    assert problem.code == "WRONG_PATIENT" and problem.status == 400
    assert problem.fields["field"] == "prefetch.o.entry[0].resource" + (f".{where}" if where else "")
    assert says in problem.message and "Observation/o1" in problem.message
    assert ALLOWED in problem.message
    if server:
        assert f"{SERVER}/Patient/p1 (on fhirServer)" in problem.message


@pytest.mark.parametrize(("subject", "where"), [("Patient/p1", "subject"), ({"reference": 5}, "subject")])
def test_a_subject_that_is_no_reference_is_malformed_fhir(subject, where):
    problem = refusal(check_patient, _with(subject=subject), "p1", READ)
    assert problem.code == "FHIR_INVALID" and problem.fields["field"] == f"prefetch.o.entry[0].resource.{where}"


# -- feedback ---------------------------------------------------------------------

ACCEPTED = {
    "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
    "outcome": "accepted",
    "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
    "outcomeTimestamp": "2021-12-11T10:05:31Z",
}
OVERRIDDEN = {
    "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
    "outcome": "overridden",
    "overrideReason": {
        "reason": {"code": "d7ecf885", "system": "https://example.com/cds-hooks/override-reason-system"},
        "userComment": "A comment entered by the clinician.",
    },
    "outcomeTimestamp": "2020-12-11T00:00:00Z",
}


def test_the_spec_feedback_examples_are_taken():
    plain = {
        "card": "f6b95768-b1c8-40dc-8385-bf3504b82ffb",
        "outcome": "overridden",
        "outcomeTimestamp": "2020-12-11T00:00:00Z",
    }
    assert read_feedback({"feedback": [ACCEPTED, OVERRIDDEN, plain]}) == [ACCEPTED, OVERRIDDEN, plain]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({**ACCEPTED, "outcome": "ignored"}, "feedback[0].outcome"),  # cds-fb-1
        (
            {k: v for k, v in ACCEPTED.items() if k != "acceptedSuggestions"},
            "feedback[0].acceptedSuggestions",
        ),  # cds-fb-2
        ({**ACCEPTED, "acceptedSuggestions": [{}]}, "feedback[0].acceptedSuggestions[0].id"),
        ({**OVERRIDDEN, "overrideReason": {}}, "feedback[0].overrideReason"),  # cds-fb-3
        ({**OVERRIDDEN, "overrideReason": {"reason": {"code": "x"}}}, "feedback[0].overrideReason.reason.system"),
        ({**OVERRIDDEN, "acceptedSuggestions": [{"id": "x"}]}, "feedback[0].acceptedSuggestions"),
        ({**ACCEPTED, "overrideReason": {"userComment": "x"}}, "feedback[0].overrideReason"),
        ({k: v for k, v in ACCEPTED.items() if k != "card"}, "feedback[0].card"),
        ({k: v for k, v in ACCEPTED.items() if k != "outcomeTimestamp"}, "feedback[0].outcomeTimestamp"),
        ({**ACCEPTED, "outcomeTimestamp": "2021-12-11T10:05:31+02:00"}, "feedback[0].outcomeTimestamp"),
        ("accepted", "feedback[0]"),
    ],
)
def test_feedback_that_is_not_right_is_refused_naming_the_field(entry, field):
    problem = refusal(read_feedback, {"feedback": [entry]})
    assert problem.code == "CDS_REQUEST" and problem.fields["field"] == field


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": {}}, []])
def test_a_feedback_body_needs_a_non_empty_array(body):
    assert refusal(read_feedback, body).code == "CDS_REQUEST"
