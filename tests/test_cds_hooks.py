"""The CDS Hooks service as an EHR sees it: ``atc-dmn serve`` on loopback, real HTTP, FHIR data from mCODE.

Every response is checked against the CDS Hooks 2.0.1 response rules (cds-resp-1..7
and the card's required fields, tests/cds_tools.py). What a card says is checked
against the specification: the decision for each patient's case is the spec oracle's
(tests/spec_oracle.py) for the case written by hand in the patient's file
(tests/data/cds), the summary and indicator are the Cards sheet's for that decision
(the workbook's cells read with openpyxl), and the detail names the resources each
input came from, the decision's codes and the workbook's SHA-256. Calls are the
spec's own examples and the patients' prefetch; a stub FHIR server on loopback
answers what a call leaves out. One server (open on loopback, no JWT) serves the
whole module; tests/test_cds_hooks_auth.py runs one that checks JWTs.
"""

from __future__ import annotations

import copy
import hashlib
import json
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import spec_oracle
from cds_tools import (
    SITE_ID,
    CardsSheet,
    StubFhirServer,
    assert_valid_response,
    codes_in,
    hook_request,
    is_operation_outcome,
    load_patient,
    load_spec_example,
    patient_files,
    plain,
    prefetch_keys,
    read_cards_sheet,
    response_problems,
    section,
    site_workbook,
)
from conftest import installed_command
from service_server import Service

SERVICE_ID = "atc-treatment"  # the shipped model's identifier (Model sheet)
HOOK = f"/cds-services/{SERVICE_ID}"
FEEDBACK = f"{HOOK}/feedback"
SPEC_PATIENT = "1288992"  # the patient of the CDS Hooks specification's examples
EHR_ORIGIN = "https://sandbox.cds-hooks.org"
# The spec's seven outputs; single-valued ones first, then the action list.
SINGLE_OUTPUTS = ("stage", "pathway", "surgery", "radiotherapy", "systemic_therapy", "molecular_testing")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def audit_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cds") / "audit.jsonl"


@pytest.fixture(scope="module")
def site_path(shipped_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return site_workbook(shipped_path, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def service(shipped_path: Path, site_path: Path, audit_log: Path) -> Iterator[Service]:
    """The shipped model and a site's copy reading the stage group (tests/cds_tools.site_workbook)."""
    with Service(["--model", shipped_path, "--model", site_path, "--audit-log", audit_log]) as running:
        yield running


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=15) as http:
        yield http


@pytest.fixture(scope="module")
def fhir() -> Iterator[StubFhirServer]:
    with StubFhirServer() as stub:
        for path in patient_files():
            stub.add(load_patient(path))
        spec_patient = load_spec_example("request-call")["prefetch"]["patientToGreet"]
        empty = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
        stub.add(
            {
                "context": {"patientId": SPEC_PATIENT},
                "prefetch": {"patient": spec_patient, "conditions": empty, "observations": empty},
            }
        )
        yield stub


@pytest.fixture(autouse=True)
def _fresh_stub(request: pytest.FixtureRequest) -> None:
    if "fhir" in request.fixturenames:
        request.getfixturevalue("fhir").reset()


@pytest.fixture(scope="module")
def discovery(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/cds-services")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def keys(discovery: dict[str, Any]) -> dict[str, str]:
    """The service's prefetch keys by resource type (the EHR keys its prefetch as discovery says)."""
    entry = next(s for s in discovery["services"] if s["id"] == SERVICE_ID)
    return prefetch_keys(entry)


@pytest.fixture(scope="module")
def cards_sheet(shipped_path: Path) -> CardsSheet:
    return read_cards_sheet(shipped_path)


def call(client: httpx.Client, body: Any, path: str = HOOK, **headers: str) -> httpx.Response:
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json", **headers})


def one_card(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid_response(body)
    assert len(body["cards"]) == 1, body
    return body["cards"][0]


def outcome_of(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The OperationOutcome answered with ``status``; ``code`` is the service's code in issue[0].details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert is_operation_outcome(body), body
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue.get("diagnostics"), issue
    if code is not None:
        assert [c["code"] for c in issue["details"]["coding"]] == [code], issue
    return issue


def card_mismatches(
    card: dict[str, Any], expected: dict[str, Any], sheet: CardsSheet, sha256: str, service_id: str = SERVICE_ID
) -> list[str]:
    """What in ``card`` differs from what the spec and the Cards sheet give for a patient's ``_expected``."""
    wrong: list[str] = []
    detail = plain(card.get("detail", ""))
    if sha256 not in detail:
        wrong.append("the detail does not give the workbook's SHA-256")
    if spec_oracle.MODEL_VERSION not in card["source"]["label"]:
        wrong.append(f"source.label {card['source']['label']!r} does not give version {spec_oracle.MODEL_VERSION}")
    if card["source"].get("topic", {}).get("code") != service_id:
        wrong.append(f"source.topic {card['source'].get('topic')!r} is not the model identifier")
    if "refused" in expected:
        situation = sheet.situations["input_error"]
        if (card["indicator"], card["summary"]) != situation:
            wrong.append(f"not the input_error situation card {situation}: {card['indicator']}, {card['summary']!r}")
        if section(detail, "Recommendation"):
            wrong.append("a refused case's card gives a recommendation")
        problem = section(detail, "What does not fit")
        refused = expected["refused"]
        for value in (refused["given"], *refused["by"].values()):
            if value not in problem:
                wrong.append(f"'What does not fit' does not name {value}")
    else:
        decision = expected["decision"]
        summary = sheet.summary_for(decision)
        if card["summary"] != summary:
            wrong.append(f"summary {card['summary']!r}, the Cards sheet's for {decision['pathway']} is {summary!r}")
        indicator = sheet.indicator_for(decision)
        if card["indicator"] != indicator:
            wrong.append(f"indicator {card['indicator']}, the Cards sheet gives {indicator} for this decision")
        shown = sorted(codes_in(section(detail, "Recommendation")))
        wanted = sorted([decision[k] for k in SINGLE_OUTPUTS] + list(decision["actions"]))
        if shown != wanted:
            wrong.append(f"the Recommendation gives {shown}, the spec {wanted}")
    used = section(detail, "Inputs read from the record")
    rows = [r for r in used.splitlines() if r.startswith("|") and "---" not in r][1:]
    for name, reference in expected["sources"].items():
        row = next((r for r in rows if f"| {reference} |" in r), None)
        if row is None:
            wrong.append(f"{name}: {reference} is not named among the inputs read")
            continue
        value = expected["case"][name]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if text not in codes_in(row):
            wrong.append(f"{name}: the row of {reference} does not give {text}: {row}")
    if len(rows) != len(expected["sources"]):
        wrong.append(f"{len(rows)} inputs read, the record gives {len(expected['sources'])}: {rows}")
    aside = section(detail, "Resources not used")
    set_aside = expected.get("set_aside", {})
    for reference in expected["ignored"]:
        if reference in used:
            wrong.append(f"{reference} must be the basis of nothing, yet the inputs read name it")
        elif reference in set_aside:  # it carries an input's codes: listed, with why it is no basis
            line = next((x for x in aside.splitlines() if reference in x), "")
            if "not used:" not in line or f"({set_aside[reference]}," not in line:
                wrong.append(f"{reference} is not listed as not used ({set_aside[reference]}): {line!r}")
        elif reference in detail:
            wrong.append(f"{reference} must be the basis of nothing, yet the detail names it")
    for name, references in expected["others"].items():
        for reference in references:
            if reference not in aside or reference in used:
                wrong.append(f"{name}: {reference} should be listed as not used")
        if f"{expected['sources'][name]} was used" not in aside:
            wrong.append(f"{name}: the card does not say {expected['sources'][name]} was used")
    return wrong


def anna(keys: dict[str, str], *conditions: dict[str, Any], observations: tuple[dict[str, Any], ...] = ()) -> Any:
    """Patient 07's call (confirmed ATC, cT4a cN1b cM0, RET fusion) with more resources in its searchsets."""
    body = hook_request(load_patient("07-ret-fusion-braf-absent"), keys)
    body["prefetch"][keys["Condition"]]["entry"] += [{"resource": r} for r in conditions]
    body["prefetch"][keys["Observation"]]["entry"] += [{"resource": r} for r in observations]
    return body


def anna_resource(kind: str, ident: str, **changes: Any) -> dict[str, Any]:
    """A copy of one of patient 07's resources with another id and ``changes``."""
    bundle = load_patient("07-ret-fusion-braf-absent")["prefetch"][
        "conditions" if kind == "Condition" else "observations"
    ]
    found = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == ident)
    return {**copy.deepcopy(found), **changes, "id": changes.get("id", f"{ident}-copy")}


def line_of(part: str, reference: str) -> str:
    return next((x for x in part.splitlines() if reference in x), "")


ANNA_DX = "primary-cancer-condition-anna-anyperson"
ANNA_M = "tnm-clinical-distant-metastases-category-anna-anyperson"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


# -- discovery -------------------------------------------------------------------------------------------------


def test_discovery_lists_one_patient_view_service_per_model(discovery: dict[str, Any]) -> None:
    services = discovery["services"]
    assert sorted(s["id"] for s in services) == sorted([SERVICE_ID, SITE_ID])
    for entry in services:
        assert entry["hook"] == "patient-view"
        assert isinstance(entry["title"], str) and entry["title"].strip()
        assert isinstance(entry["description"], str) and entry["description"].strip()
        assert sorted(entry["prefetch"].values()) == [
            "Condition?patient={{context.patientId}}",
            "Observation?patient={{context.patientId}}",
            "Patient/{{context.patientId}}",
        ]


def test_the_site_workbook_validates_and_reads_the_stage_group(site_path: Path) -> None:
    site = site_path
    done = subprocess.run([installed_command(), "validate", str(site)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    sheet = openpyxl.load_workbook(site, read_only=True)["FHIR"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r[1] == "stage"]
    assert [r[2] for r in rows] == ["IVA", "IVB", "IVC"]


# -- every patient ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("service_id", [SERVICE_ID, SITE_ID])
@pytest.mark.parametrize("path", patient_files(), ids=lambda p: p.stem.removeprefix("patient-"))
def test_each_patient_gets_the_card_the_spec_gives(
    client: httpx.Client,
    keys: dict[str, str],
    cards_sheet: CardsSheet,
    shipped_path: Path,
    site_path: Path,
    path: Path,
    service_id: str,
) -> None:
    patient = load_patient(path)
    expected = patient["_expected"]
    if service_id == SITE_ID:
        expected = patient.get("_expected_site_mapping", expected)
    response = call(client, hook_request(patient, keys), path=f"/cds-services/{service_id}")
    if expected["status"] == 400:
        issue = outcome_of(response, 400, "WRONG_PATIENT")
        assert any(e.startswith("prefetch.") and "subject" in e for e in issue["expression"]), issue
        return
    card = one_card(response)
    workbook = site_path if service_id == SITE_ID else shipped_path
    assert card_mismatches(card, expected, cards_sheet, sha256_of(workbook), service_id) == []


def test_answers_are_well_inside_the_specs_500_ms(client: httpx.Client, keys: dict[str, str]) -> None:
    bodies = [hook_request(load_patient(p), keys) for p in patient_files()]
    for body in bodies:  # a first round warms the connection and the worker
        call(client, body)
    times = []
    for body in bodies * 3:
        start = time.perf_counter()
        call(client, body)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.1, f"median {statistics.median(times) * 1e3:.1f} ms"
    assert max(times) < 0.5, f"slowest {max(times) * 1e3:.1f} ms"


def test_a_changed_record_gives_another_card_and_the_check_sees_it(
    client: httpx.Client, keys: dict[str, str], cards_sheet: CardsSheet, shipped_path: Path
) -> None:
    """The card comparison can fail: patient 05's record with its cM1 made cM0 (stage IVB, not IVC)."""
    patient = load_patient("05-ivc-undecided")
    changed = copy.deepcopy(patient)
    for entry in changed["prefetch"]["observations"]["entry"]:
        coding = entry["resource"]["valueCodeableConcept"]["coding"][0]
        if coding["code"] == "1229903009":  # cM1
            coding.update(code="1229901006", display="American Joint Committee on Cancer cM0 (qualifier value)")
    card = one_card(call(client, hook_request(changed, keys)))
    wrong = card_mismatches(card, patient["_expected"], cards_sheet, sha256_of(shipped_path))
    assert any("summary" in w for w in wrong) and any("M0" in w or "m_category" in w for w in wrong), wrong
    expected = copy.deepcopy(patient["_expected"])
    expected["case"]["m_category"] = "M0"
    expected["decision"] = spec_oracle.decide(expected["case"])
    assert expected["decision"]["pathway"] == "resectability_assessment"
    assert card_mismatches(card, expected, cards_sheet, sha256_of(shipped_path)) == []


def test_a_broken_card_fails_the_response_check(client: httpx.Client, keys: dict[str, str]) -> None:
    """The response check can fail: the service's own answer, mutated one rule at a time."""
    body = call(client, hook_request(load_patient("03-ivb-from-tnm-loinc"), keys)).json()
    assert response_problems(body) == []
    mutations = {
        "summary": lambda c: c.update(summary=c["summary"] + " " + "x" * 140),
        "indicator": lambda c: c.update(indicator="urgent"),
        "source.label": lambda c: c["source"].pop("label"),
        "uuid": lambda c: c.update(uuid="card-1"),
        "cds-resp-6": lambda c: c.update(suggestions=[{"label": "Order a neck CT"}]),
        "cds-resp-4": lambda c: c.update(overrideReasons=[{"system": "urn:x", "code": "declined"}]),
    }
    for rule, mutate in mutations.items():
        broken = copy.deepcopy(body)
        mutate(broken["cards"][0])
        assert any(rule in p for p in response_problems(broken)), rule


# -- prefetch left out, null, or malformed ---------------------------------------------------------------------


def test_a_key_left_out_is_fetched_from_the_fhir_server_with_the_token(
    client: httpx.Client, keys: dict[str, str], fhir: StubFhirServer, cards_sheet: CardsSheet, shipped_path: Path
) -> None:
    patient = load_patient("07-ret-fusion-braf-absent")
    token = f"opaque-{uuid.uuid4()}"
    body = hook_request(patient, keys, leave_out=["Condition", "Observation"], fhir_server=fhir.url, access_token=token)
    card = one_card(call(client, body))
    assert card_mismatches(card, patient["_expected"], cards_sheet, sha256_of(shipped_path)) == []
    seen = fhir.seen()
    ident = patient["context"]["patientId"]
    assert sorted(r.path for r in seen) == ["/fhir/Condition", "/fhir/Observation"]
    assert all(r.query["patient"] == [ident] for r in seen)
    assert {r.authorization for r in seen} == {f"Bearer {token}"}


def test_no_prefetch_at_all_reads_everything_from_the_fhir_server(
    client: httpx.Client, fhir: StubFhirServer, cards_sheet: CardsSheet, shipped_path: Path
) -> None:
    patient = load_patient("10-newest-result-wins")
    body = hook_request(patient, fhir_server=fhir.url, access_token="t-1")
    del body["prefetch"]
    card = one_card(call(client, body))
    assert card_mismatches(card, patient["_expected"], cards_sheet, sha256_of(shipped_path)) == []
    ident = patient["context"]["patientId"]
    assert sorted(r.path for r in fhir.seen()) == ["/fhir/Condition", "/fhir/Observation", f"/fhir/Patient/{ident}"]


def test_a_key_left_out_without_a_fhir_server_is_412(client: httpx.Client, keys: dict[str, str]) -> None:
    body = hook_request(load_patient("05-ivc-undecided"), keys, leave_out=["Observation"])
    issue = outcome_of(call(client, body), 412, "PREFETCH_MISSING")
    assert issue["expression"] == [f"prefetch.{keys['Observation']}"]
    assert keys["Observation"] in issue["diagnostics"]


@pytest.mark.parametrize(("failure", "seconds"), [("status", 0.0), ("timeout", 3.5)])
def test_a_fhir_server_that_fails_or_hangs_is_412_not_a_card_from_part_of_the_record(
    client: httpx.Client, keys: dict[str, str], fhir: StubFhirServer, failure: str, seconds: float
) -> None:
    if failure == "status":
        fhir.fail(503)
    else:
        fhir.slow(seconds)
    body = hook_request(load_patient("05-ivc-undecided"), keys, leave_out=["Observation"], fhir_server=fhir.url)
    start = time.perf_counter()
    response = call(client, body)
    elapsed = time.perf_counter() - start
    outcome_of(response, 412, "FHIR_FETCH_FAILED")
    assert elapsed < 3.0, f"the service waited {elapsed:.1f} s for the FHIR server"
    assert [r.path for r in fhir.seen()] == ["/fhir/Observation"]


def test_null_prefetch_means_no_data_and_gives_the_work_up_card(
    client: httpx.Client, keys: dict[str, str], fhir: StubFhirServer, cards_sheet: CardsSheet, shipped_path: Path
) -> None:
    patient = load_patient("05-ivc-undecided")
    body = hook_request(patient, keys, null=["Patient", "Condition", "Observation"], fhir_server=fhir.url)
    card = one_card(call(client, body))
    expected = {"case": {}, "sources": {}, "ignored": [], "others": {}, "decision": spec_oracle.decide({})}
    assert expected["decision"]["pathway"] == "diagnostic_workup"
    assert card_mismatches(card, expected, cards_sheet, sha256_of(shipped_path)) == []
    assert fhir.seen() == [], "a null key is no data, not a key to fetch"


def _observation(body: dict[str, Any], keys: dict[str, str], number: int) -> dict[str, Any]:
    return body["prefetch"][keys["Observation"]]["entry"][number]["resource"]


MALFORMED = {
    "coding not a list": (lambda r: r["code"].update(coding="399387003"), "code.coding"),
    "a date that is no FHIR dateTime": (lambda r: r.update(effectiveDateTime="yesterday"), "effectiveDateTime"),
    "a Coding's code a number": (lambda r: r["valueCodeableConcept"]["coding"][0].update(code=1229903009), "coding[0]"),
    "no resourceType": (lambda r: r.pop("resourceType"), ""),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_malformed_fhir_is_400_naming_the_path(client: httpx.Client, keys: dict[str, str], kind: str) -> None:
    body = hook_request(load_patient("05-ivc-undecided"), keys)
    damage, tail = MALFORMED[kind]
    damage(_observation(body, keys, 2))
    issue = outcome_of(call(client, body), 400, "FHIR_INVALID")
    where = f"prefetch.{keys['Observation']}.entry[2].resource"
    assert any(e.startswith(where) and e.endswith(tail) for e in issue["expression"]), issue


def test_a_prefetch_value_that_is_not_fhir_is_400(client: httpx.Client, keys: dict[str, str]) -> None:
    body = hook_request(load_patient("05-ivc-undecided"), keys)
    body["prefetch"][keys["Condition"]] = "Condition?patient=123"
    issue = outcome_of(call(client, body), 400, "FHIR_INVALID")
    assert any(e.startswith(f"prefetch.{keys['Condition']}") for e in issue["expression"]), issue


# -- what the record says that is no basis (review of issue 12) ------------------------------------------------


def test_a_newer_refuted_diagnosis_gives_the_diagnostic_work_up(client: httpx.Client, keys: dict[str, str]) -> None:
    # condition-ver-status refuted (FHIR!B8 -> false); decision-model.md: not confirmed -> diagnostic_workup.
    refuted = anna_resource(
        "Condition",
        ANNA_DX,
        id="cond-refuted",
        recordedDate="2026-03-01",
        verificationStatus={"coding": [{"system": VER, "code": "refuted"}]},
    )
    card = one_card(call(client, anna(keys, refuted)))
    detail = plain(card["detail"])
    assert "`diagnostic_workup`" in section(detail, "Recommendation")
    assert "| Condition/cond-refuted |" in section(detail, "Inputs read from the record")
    assert f"Condition/{ANNA_DX}" in section(detail, "Resources not used")


def test_a_newer_diagnosis_without_verification_status_is_listed_and_leaves_it_unknown(
    client: httpx.Client, keys: dict[str, str]
) -> None:
    bare = anna_resource("Condition", ANNA_DX, id="cond-bare", recordedDate="2026-03-01")
    del bare["verificationStatus"]
    detail = plain(one_card(call(client, anna(keys, bare)))["detail"])
    # Unknown diagnosis -> the diagnostic work-up (decision-model.md), never the older confirmed one's pathway.
    assert "`diagnostic_workup`" in section(detail, "Recommendation")
    assert f"Condition/{ANNA_DX}" not in section(detail, "Inputs read from the record")
    assert "no verificationStatus" in line_of(section(detail, "Resources not used"), "Condition/cond-bare")
    assert "Condition/cond-bare" in section(detail, "Ambiguous in the record")


def test_a_newer_preliminary_m1_is_listed_as_not_used_while_the_final_m0_is_the_basis(
    client: httpx.Client, keys: dict[str, str]
) -> None:
    prelim = anna_resource(
        "Observation",
        ANNA_M,
        id="m1-preliminary",
        status="preliminary",
        effectiveDateTime="2026-03-01",
        valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "1229903009"}]},
    )
    detail = plain(one_card(call(client, anna(keys, observations=(prelim,))))["detail"])
    assert f"| Observation/{ANNA_M} |" in section(detail, "Inputs read from the record")
    line = line_of(section(detail, "Resources not used"), "Observation/m1-preliminary")
    assert "not used:" in line and "(preliminary, 2026-03-01" in line and "`M1`" in line, line


def test_a_result_dated_in_the_future_is_not_the_basis(client: httpx.Client, keys: dict[str, str]) -> None:
    typo = anna_resource("Observation", ANNA_M, id="m0-typo-2062", effectiveDateTime="2062-01-22")
    m1 = anna_resource(
        "Observation",
        ANNA_M,
        id="m1-final",
        effectiveDateTime="2026-03-01",
        valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "1229903009"}]},
    )
    body = anna(keys, observations=(typo, m1))
    detail = plain(one_card(call(client, body))["detail"])
    # M1 (the newest result not in the future) -> stage IVC (decision-model.md).
    assert "`IVC`" in section(detail, "Recommendation")
    assert "dated in the future" in line_of(section(detail, "Resources not used"), "Observation/m0-typo-2062")


def test_a_resolved_diagnosis_is_not_a_current_one(client: httpx.Client, keys: dict[str, str]) -> None:
    body = anna(keys)
    dx = body["prefetch"][keys["Condition"]]["entry"][0]["resource"]
    dx.update(clinicalStatus={"coding": [{"system": CLINICAL, "code": "resolved"}]}, recordedDate="2015-01-01")
    detail = plain(one_card(call(client, body))["detail"])
    assert "`diagnostic_workup`" in section(detail, "Recommendation")
    line = line_of(section(detail, "Resources not used"), f"Condition/{ANNA_DX}")
    assert "not used:" in line and "clinicalStatus resolved" in line, line


def test_each_input_read_shows_the_criteria_codings_with_their_source(
    client: httpx.Client, keys: dict[str, str]
) -> None:
    detail = plain(one_card(call(client, anna(keys)))["detail"])
    rows = section(detail, "Inputs read from the record").splitlines()
    assert "Criteria met (source)" in rows[1]
    diagnosis = next(r for r in rows if f"Condition/{ANNA_DX}" in r)
    criteria = diagnosis.split(" | ")[-1]
    # FHIR!E35 C73 (mCODE's value set), FHIR!E37 8021/3 (unverified): what made the Condition "ATC".
    assert "icd-10-cm|C73 (mCODE 4.0.0" in criteria and "icd-o-3|8021/3 (**unverified**)" in criteria, criteria
    fusion = next(r for r in rows if "RET_fusion" in r).split(" | ")[-1]
    assert "69548-6" in fusion and "HGNC:9967 (**unverified**)" in fusion and "SO:0001565" in fusion, fusion


IMPOSSIBLE = {
    "2026-02-30": (lambda r: r.update(effectiveDateTime="2026-02-30"), "effectiveDateTime"),
    "2026-04-31": (lambda r: r.update(effectiveDateTime="2026-04-31"), "effectiveDateTime"),
    "status a list": (lambda r: r.update(status=["final"]), "status"),
    "status an object": (lambda r: r.update(status={"code": "final"}), "status"),
}


@pytest.mark.parametrize("kind", IMPOSSIBLE)
def test_an_impossible_date_or_a_status_of_the_wrong_type_is_400(
    client: httpx.Client, keys: dict[str, str], kind: str
) -> None:
    body = hook_request(load_patient("05-ivc-undecided"), keys)
    damage, tail = IMPOSSIBLE[kind]
    damage(_observation(body, keys, 2))
    issue = outcome_of(call(client, body), 400, "FHIR_INVALID")
    assert f"prefetch.{keys['Observation']}.entry[2].resource.{tail}" in issue["expression"], issue


# -- the CDS Hooks specification's own example requests --------------------------------------------------------


def test_the_specs_call_example_with_its_fhir_server_replaced_by_the_stub(
    client: httpx.Client, fhir: StubFhirServer, cards_sheet: CardsSheet
) -> None:
    body = load_spec_example("request-call")
    assert body["fhirServer"] == "http://hooks.smarthealthit.org:9080"
    body["fhirServer"] = fhir.url
    card = one_card(call(client, body))
    # Its prefetch key (patientToGreet) is not one the service asked for: the service fetches its own keys.
    assert card["summary"] == cards_sheet.summary_for(spec_oracle.decide({}))
    seen = fhir.seen()
    assert {r.authorization for r in seen} == {"Bearer some-opaque-fhir-access-token"}
    assert {r.path for r in seen} >= {"/fhir/Condition", "/fhir/Observation"}
    assert all(r.query.get("patient", [SPEC_PATIENT]) == [SPEC_PATIENT] for r in seen)


def test_the_specs_call_example_as_published_is_refused_for_its_plain_http_fhir_server(client: httpx.Client) -> None:
    # CDS Hooks 2.0.1: "The scheme MUST be https when production data is exchanged"; the service calls
    # no plain-http server beyond loopback, so the token would not travel in clear.
    issue = outcome_of(call(client, load_spec_example("request-call")), 400, "CDS_REQUEST")
    assert issue["expression"] == ["fhirServer"]


@pytest.mark.parametrize("number", [0, 1])
def test_the_patient_view_hooks_context_examples_without_prefetch(
    client: httpx.Client, fhir: StubFhirServer, number: int
) -> None:
    context = load_spec_example("patient-view-contexts")["examples"][number]["context"]
    body = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": context, "fhirServer": fhir.url}
    one_card(call(client, body))
    assert {r.path for r in fhir.seen()} == {f"/fhir/Patient/{SPEC_PATIENT}", "/fhir/Condition", "/fhir/Observation"}
    assert {r.authorization for r in fhir.seen()} == {None}


def test_the_specs_extension_example_is_refused_for_its_missing_patient(client: httpx.Client) -> None:
    # The example shows an extension; its context has no patientId, which patient-view requires.
    issue = outcome_of(call(client, load_spec_example("request-extension")), 400, "CDS_REQUEST")
    assert issue["expression"] == ["context.patientId"]


def test_an_extension_is_accepted_beside_a_complete_call(client: httpx.Client, keys: dict[str, str]) -> None:
    body = hook_request(load_patient("03-ivb-from-tnm-loinc"), keys)
    body["extension"] = load_spec_example("request-extension")["extension"]
    one_card(call(client, body))


@pytest.mark.parametrize(
    ("field", "value"),
    [("hook", "order-sign"), ("hookInstance", "not-a-uuid"), ("context", "1288992"), ("hook", None)],
)
def test_a_call_that_is_not_cds_hooks_is_400_naming_the_field(
    client: httpx.Client, keys: dict[str, str], field: str, value: Any
) -> None:
    body = hook_request(load_patient("03-ivb-from-tnm-loinc"), keys)
    if value is None:
        del body[field]
    else:
        body[field] = value
    issue = outcome_of(call(client, body), 400, "CDS_REQUEST")
    assert issue["expression"] == [field]


def test_an_unknown_service_is_404(client: httpx.Client, keys: dict[str, str]) -> None:
    body = hook_request(load_patient("03-ivb-from-tnm-loinc"), keys)
    response = client.post("/cds-services/no-such-model", json=body)
    outcome_of(response, 404, "UNKNOWN_SERVICE")


# -- feedback --------------------------------------------------------------------------------------------------


def _audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _feedback_lines(path: Path, card: str) -> list[dict[str, Any]]:
    return [
        line
        for line in _audit_lines(path)
        if line.get("event") == "feedback" and line.get("feedback", {}).get("card") == card
    ]


@pytest.mark.parametrize("name", ["feedback-accepted", "feedback-overridden", "feedback-override-reason"])
def test_the_specs_feedback_examples_are_accepted_and_audited(
    client: httpx.Client, service: Service, audit_log: Path, name: str
) -> None:
    body = load_spec_example(name)
    response = client.post(FEEDBACK, json=body)
    assert response.status_code == 200, response.text
    entry = body["feedback"][0]
    lines = service.wait_for(lambda: _feedback_lines(audit_log, entry["card"]), what="the feedback's audit line")
    assert lines[-1]["feedback"] == entry
    assert lines[-1]["model"]["identifier"] == SERVICE_ID and lines[-1]["model"]["sha256"]


def test_feedback_on_a_card_the_service_gave(
    client: httpx.Client, service: Service, audit_log: Path, keys: dict[str, str]
) -> None:
    body = hook_request(load_patient("06-braf-v600e"), keys)
    card = one_card(call(client, body))
    calls = [
        line for line in _audit_lines(audit_log) if line.get("cds", {}).get("hookInstance") == body["hookInstance"]
    ]
    assert len(calls) == 1 and calls[0]["cds"]["cards"] == [card["uuid"]], calls
    expected = load_patient("06-braf-v600e")["_expected"]["decision"]
    assert spec_oracle.comparable(calls[0]["decision"]) == spec_oracle.comparable(expected)
    entry = {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"userComment": "Patient prefers palliative care; discussed with family."},
        "outcomeTimestamp": "2026-02-20T10:05:31Z",
    }
    assert client.post(FEEDBACK, json={"feedback": [entry]}).status_code == 200
    lines = service.wait_for(lambda: _feedback_lines(audit_log, card["uuid"]), what="the feedback's audit line")
    assert lines[-1]["feedback"] == entry


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"feedback": []},
        {"feedback": [{"card": "x", "outcome": "ignored", "outcomeTimestamp": "2026-02-20T10:05:31Z"}]},
        {"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-02-20T10:05:31Z"}]},
    ],
)
def test_feedback_that_is_not_cds_hooks_is_400(client: httpx.Client, bad: dict[str, Any]) -> None:
    outcome_of(client.post(FEEDBACK, json=bad), 400, "CDS_REQUEST")


# -- browsers --------------------------------------------------------------------------------------------------


def test_cors_preflight_from_a_browser_based_ehr(client: httpx.Client, keys: dict[str, str]) -> None:
    preflight = client.options(
        HOOK,
        headers={
            "Origin": EHR_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code in (200, 204), preflight.text
    allowed_origin = preflight.headers["access-control-allow-origin"]
    assert allowed_origin in (EHR_ORIGIN, "*")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    answer = call(client, hook_request(load_patient("03-ivb-from-tnm-loinc"), keys), Origin=EHR_ORIGIN)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] in (EHR_ORIGIN, "*")
    assert client.get("/cds-services", headers={"Origin": EHR_ORIGIN}).headers["access-control-allow-origin"]
