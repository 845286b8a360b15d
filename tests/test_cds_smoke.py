"""A short smoke run of the CDS Hooks routes on a real ``atc-dmn serve`` (the full suite: test_cds_hooks*.py).

Discovery, a call answered from the prefetch, a call whose keys are fetched from a
stub FHIR server on loopback (with the EHR's access token), feedback, and the audit
lines each leaves; every answer well inside CDS Hooks' 500 ms.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cds_tools import StubFhirServer, assert_valid_response, hook_request, load_patient
from service_server import Service

SERVICE = "atc-treatment"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cds-patient-view.json"  # the README's curl example
PATIENT = "05-ivc-undecided"


@pytest.fixture(scope="module")
def running(tmp_path_factory, shipped_path: Path) -> Iterator[tuple[Service, Path]]:
    audit = tmp_path_factory.mktemp("cds-smoke") / "audit.jsonl"
    with Service(["--model", shipped_path, "--audit-log", audit, "--no-reload"]) as service:
        yield service, audit


def timed_post(http: httpx.Client, url: str, body: dict) -> httpx.Response:
    start = time.perf_counter()
    response = http.post(url, json=body)
    assert time.perf_counter() - start < 0.5, "CDS Hooks asks for an answer on the order of 500 ms"
    return response


def test_discovery_call_fetch_and_feedback(running):
    service, audit = running
    patient = load_patient(PATIENT)
    with httpx.Client(base_url=service.url, timeout=10) as http, StubFhirServer() as fhir:
        services = http.get("/cds-services").json()["services"]
        assert [s["id"] for s in services] == [SERVICE] and services[0]["hook"] == "patient-view"

        example = timed_post(http, f"/cds-services/{SERVICE}", json.loads(EXAMPLE.read_text(encoding="utf-8")))
        assert example.status_code == 200, example.text

        prefetched = timed_post(http, f"/cds-services/{SERVICE}", hook_request(patient))
        assert prefetched.status_code == 200, prefetched.text
        assert_valid_response(prefetched.json())
        card = prefetched.json()["cards"][0]

        fhir.add(patient)
        body = hook_request(
            patient, leave_out=("Condition", "Observation"), fhir_server=fhir.url, access_token="ehr-token"
        )
        fetched = timed_post(http, f"/cds-services/{SERVICE}", body)
        assert fetched.status_code == 200, fetched.text
        assert {r.path for r in fhir.seen()} == {"/fhir/Condition", "/fhir/Observation"}
        assert all(r.authorization == "Bearer ehr-token" for r in fhir.seen())
        again = fetched.json()["cards"][0]
        assert again["summary"] == card["summary"] and again["uuid"] != card["uuid"]

        entry = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-02T07:00:00Z"}
        taken = http.post(f"/cds-services/{SERVICE}/feedback", json={"feedback": [entry]})
        assert taken.status_code == 200 and taken.content == b""

    lines = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    calls = [line for line in lines if line["source"] == "cds" and "cds" in line]
    assert [c["cds"]["cards"] for c in calls][1:] == [[card["uuid"]], [again["uuid"]]]
    assert all(uuid.UUID(c["cds"]["hookInstance"]) for c in calls)
    assert calls[0]["cds"]["resources"] and calls[0]["decision"]["stage"] == "IVC"
    feedback = [line for line in lines if line.get("event") == "feedback"]
    assert [f["feedback"] for f in feedback] == [entry]
