"""What the CDS Hooks routes refuse, over real HTTP: another patient's data, and every error as an OperationOutcome.

One call is one patient (the CDS Hooks 2.0.1 patient-view context names it): a
resource the FHIR sheet reads must say it is this patient's by a reference the
service can check, or the call is 400 ``WRONG_PATIENT`` naming the resource, the
element and what is allowed. A CDS Client reads FHIR OperationOutcomes, so every
error below ``/cds-services`` is one (method, route, body, a server fault), with
the service's stable code in ``issue[0].details``. Feedback is written to the
audit log as sent, so its entries are bounded.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cds_tools import StubFhirServer, hook_request, is_operation_outcome, load_patient, load_spec_example
from service_server import Service

HOOK = "/cds-services/atc-treatment"
FEEDBACK = f"{HOOK}/feedback"
PATIENT = "07-ret-fusion-braf-absent"  # confirmed ATC, cT4a cN1b cM0: stage IVB
PATIENT_ID = "cancer-patient-anna-anyperson"
M1 = {"system": "http://snomed.info/sct", "code": "1229903009"}  # cM1 (mCODE)
ALLOWED = f"Patient/{PATIENT_ID}, the fullUrl of that Patient in the Bundle"


@pytest.fixture(scope="module")
def audit_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cds-refusals") / "audit.jsonl"


@pytest.fixture(scope="module")
def client(shipped_path: Path, audit_log: Path) -> Iterator[httpx.Client]:
    with (
        Service(["--model", shipped_path, "--audit-log", audit_log]) as service,
        httpx.Client(base_url=service.url, timeout=15) as http,
    ):
        yield http


def post(client: httpx.Client, body: Any, path: str = HOOK) -> httpx.Response:
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def outcome_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert is_operation_outcome(body), body
    issue = body["issue"][0]
    assert [c["code"] for c in issue["details"]["coding"]] == [code], issue
    assert issue["severity"] == "error" and issue["diagnostics"], issue
    return issue


# -- one patient ---------------------------------------------------------------------------------------------


def with_m1(**elements: Any) -> dict[str, Any]:
    """Patient 07's call with a newer final cM1 Observation added: if it were read, the card would say IVC."""
    body = hook_request(load_patient(PATIENT))
    distant = next(
        e["resource"]
        for e in body["prefetch"]["observations"]["entry"]
        if e["resource"]["code"]["coding"][0]["code"] in ("21907-1", "399387003")
    )
    added = copy.deepcopy(distant)
    added.pop("subject", None)
    added.update(id="m1-added", effectiveDateTime="2026-03-01", valueCodeableConcept={"coding": [M1]}, **elements)
    body["prefetch"]["observations"]["entry"].append({"resource": added})
    return body


ADDED = f"prefetch.observations.entry[{len(load_patient(PATIENT)['prefetch']['observations']['entry'])}].resource"
OTHER_SERVER = f"https://other.example.org/fhir/Patient/{PATIENT_ID}"


@pytest.mark.parametrize(
    ("elements", "where", "says"),
    [
        (  # a logical reference (identifier only): review s06
            {"subject": {"identifier": {"system": "urn:mrn", "value": "999"}, "display": "John Other"}},
            "subject",
            "by identifier only",
        ),
        ({}, "", "names no patient"),  # no subject at all: s06b
        ({"subject": {"reference": "Group/g1"}}, "subject", "Group/g1"),  # s06c
        ({"subject": {"reference": "#p"}}, "subject", "'#p'"),  # a contained Patient: s06d
        ({"subject": {"reference": OTHER_SERVER}}, "subject", "no fhirServer"),  # s06e, without fhirServer
        (  # an observation about someone else: s06f
            {"subject": {"reference": f"Patient/{PATIENT_ID}"}, "focus": [{"reference": "Patient/someone-else"}]},
            "focus[0]",
            "Patient/someone-else",
        ),
    ],
)
def test_a_resource_that_may_be_another_patients_is_refused(
    client: httpx.Client, elements: dict[str, Any], where: str, says: str
) -> None:
    issue = outcome_of(post(client, with_m1(**elements)), 400, "WRONG_PATIENT")
    assert issue["expression"] == [ADDED + (f".{where}" if where else "")]
    assert "Observation/m1-added" in issue["diagnostics"] and says in issue["diagnostics"]
    assert ALLOWED in issue["diagnostics"], issue


def test_an_absolute_reference_is_this_patients_only_on_the_fhir_server(client: httpx.Client) -> None:
    with StubFhirServer() as fhir:  # every key is prefetched: the server is named, not called
        body = with_m1(subject={"reference": OTHER_SERVER})
        body["fhirServer"] = fhir.url
        issue = outcome_of(post(client, body), 400, "WRONG_PATIENT")
        assert "another server" in issue["diagnostics"]
        assert f"{fhir.url}/Patient/{PATIENT_ID} (on fhirServer)" in issue["diagnostics"]
        body = with_m1(subject={"reference": f"{fhir.url}/Patient/{PATIENT_ID}"})
        body["fhirServer"] = fhir.url
        response = post(client, body)
        assert response.status_code == 200, response.text
        assert "Observation/m1-added" in response.json()["cards"][0]["detail"]
        assert fhir.seen() == []


def test_every_patient_file_names_its_patient() -> None:
    # The bundles the other CDS tests send carry subjects; patient 13's is another patient's, on purpose.
    from cds_tools import patient_files

    from atc_dmn.service.cds_request import CdsProblem, check_patient

    refused = []
    for path in patient_files():
        patient = load_patient(path)
        try:
            check_patient(patient["prefetch"], patient["context"]["patientId"], ("Condition", "Observation"))
        except CdsProblem as problem:
            refused.append((path.stem, problem.code))
    assert refused == [("patient-13-other-patients-resource", "WRONG_PATIENT")]


# -- every error an OperationOutcome --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", HOOK, 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", FEEDBACK, 405, "METHOD_NOT_ALLOWED"),
        ("POST", "/cds-services", 405, "METHOD_NOT_ALLOWED"),
        ("GET", f"{HOOK}/nothing/here", 404, "NOT_FOUND"),
        ("POST", f"{HOOK}/feedback/more", 404, "NOT_FOUND"),
    ],
)
def test_a_route_or_method_the_cds_routes_do_not_have_is_an_operation_outcome(
    client: httpx.Client, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    outcome_of(response, status, code)
    if status == 405:
        assert response.headers["allow"]


@pytest.mark.parametrize("path", [HOOK, FEEDBACK])
def test_a_body_the_cds_routes_cannot_read_is_an_operation_outcome(client: httpx.Client, path: str) -> None:
    json_type = {"Content-Type": "application/json"}
    for body in (b"", b"  "):
        issue = outcome_of(client.post(path, content=body, headers=json_type), 400, "BAD_JSON")
        assert "empty" in issue["diagnostics"] and "CDS Hooks" in issue["diagnostics"]
        assert "case" not in issue["diagnostics"], issue  # the evaluation routes' wording
    outcome_of(client.post(path, content=b"{", headers=json_type), 400, "BAD_JSON")
    outcome_of(
        client.post(path, content=b"hook=x", headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE"
    )
    big = b'{"x": "' + b"a" * (9 * 1024 * 1024) + b'"}'
    outcome_of(client.post(path, content=big, headers=json_type), 413, "BODY_TOO_LARGE")


def test_the_evaluation_routes_keep_their_own_error_shape(client: httpx.Client) -> None:
    response = client.post("/evaluate", content=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_JSON"
    assert "case object" in response.json()["error"]["message"]
    assert client.get("/models/atc-treatment/nothing").json()["error"]["code"] == "NOT_FOUND"


FAULT = """\
import atc_dmn.service.cds as cds


def _fault(*args, **kwargs):
    raise RuntimeError("a defect of the service")


cds.card_for = _fault
"""


def test_a_server_fault_on_a_cds_route_is_a_500_operation_outcome(shipped_path: Path, tmp_path: Path) -> None:
    # The fault is put in the served process from outside (sitecustomize runs at its start): no code path of
    # the service exists for a test's sake.
    (tmp_path / "sitecustomize.py").write_text(FAULT, encoding="utf-8")
    paths = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    with Service(["--model", shipped_path], env={"PYTHONPATH": paths}) as service:
        response = httpx.post(service.url + HOOK, json=hook_request(load_patient(PATIENT)), timeout=15)
        issue = outcome_of(response, 500, "INTERNAL")
        rid = response.headers["x-request-id"]
        assert rid in issue["diagnostics"] and "a defect of the service" not in issue["diagnostics"]
        assert service.wait_for(lambda: service.records("internal_error"), what="the fault's log line")
        evaluate = httpx.post(service.url + "/evaluate", json={}, timeout=15)
        assert evaluate.status_code == 200, "the fault is the CDS route's only"


# -- feedback bounded ----------------------------------------------------------------------------------------

CARD = "4e0a3a1e-3283-4575-ab82-028d55fe2719"


def entry(**fields: Any) -> dict[str, Any]:
    found = {"card": CARD, "outcome": "overridden", "outcomeTimestamp": "2026-02-20T10:05:31Z"}
    found["overrideReason"] = {"userComment": "Patient prefers palliative care."}
    return {**found, **fields}


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"feedback": [entry(card="not-a-uuid-of-ours")]}, "feedback[0].card", "uuid"),
        ({"feedback": [entry(), entry(card="")]}, "feedback[1].card", "non-empty"),
        (
            {"feedback": [entry(overrideReason={"userComment": "x" * 1001})]},
            "feedback[0].overrideReason.userComment",
            "1001 characters; at most 1000",
        ),
        (
            {"feedback": [entry(overrideReason={"reason": {"system": "urn:x", "code": "c", "display": "d" * 1001}})]},
            "feedback[0].overrideReason.reason.display",
            "at most 1000",
        ),
        (
            {"feedback": [entry(overrideReason={"reason": {"system": "urn:x", "code": "c" * 201}})]},
            "feedback[0].overrideReason.reason.code",
            "at most 200",
        ),
        ({"feedback": [entry()] * 101}, "feedback", "101 entries; at most 100"),
    ],
)
def test_feedback_is_bounded_naming_the_field_and_the_limit(
    client: httpx.Client, audit_log: Path, body: dict[str, Any], field: str, says: str
) -> None:
    issue = outcome_of(post(client, body, FEEDBACK), 400, "CDS_REQUEST")
    assert issue["expression"] == [field] and says in issue["diagnostics"], issue
    lines = audit_log.read_text(encoding="utf-8") if audit_log.exists() else ""
    assert "not-a-uuid-of-ours" not in lines and "x" * 1001 not in lines


def test_feedback_at_its_limits_is_taken(client: httpx.Client) -> None:
    body = {"feedback": [entry(card=str(uuid.uuid4()), overrideReason={"userComment": "x" * 1000})] * 100}
    response = post(client, body, FEEDBACK)
    assert response.status_code == 200, response.text
    for name in ("feedback-accepted", "feedback-overridden", "feedback-override-reason"):
        assert post(client, load_spec_example(name), FEEDBACK).status_code == 200, name


def test_a_large_feedback_body_is_413(client: httpx.Client) -> None:
    body = {"feedback": [entry()], "extension": {"padding": "p" * (300 * 1024)}}
    issue = outcome_of(post(client, body, FEEDBACK), 413, "BODY_TOO_LARGE")
    assert str(256 * 1024) in issue["diagnostics"]
