"""The CDS Hooks test tools and data checked on their own, so that a passing service test means something.

The response checker passes the CDS Hooks 2.0.1 specification's own example
responses and fails each one mutated to break one rule; the patient files are
what tests/make_cds_bundles.py writes, their expected decisions are the spec
oracle's for the hand-written case, and every resource belongs to its patient;
the stub FHIR server answers and records; the tokens verify with their JWK Set.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import jwt
import make_cds_bundles
import pytest
import spec_oracle
from cds_tools import (
    DATA,
    JwtFactory,
    StubFhirServer,
    assert_valid_response,
    hook_request,
    load_patient,
    load_spec_example,
    patient_files,
    prefetch_keys,
    response_problems,
)

AUD = "https://cds.example.org/cds-services/atc-treatment"

# -- the response checker --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["response-example", "response-system-actions"])
def test_the_specifications_example_responses_pass(name: str) -> None:
    assert response_problems(load_spec_example(name)) == []


def test_the_specifications_autolaunchable_example_lacks_its_indicator() -> None:
    # The 2.0.1 text's own example omits the REQUIRED indicator: the checker sees it, and nothing else.
    assert response_problems(load_spec_example("response-autolaunchable")) == [
        "cards[0].indicator: None is not one of info, warning, critical"
    ]


def _card() -> dict[str, Any]:
    return copy.deepcopy(load_spec_example("response-example")["cards"][0])


def _with_suggestions(**card: Any) -> dict[str, Any]:
    found = _card()
    found.update(card)
    return found


DELETE = {"type": "delete", "description": "Remove the order", "resourceId": "ServiceRequest/1"}

# One mutation per rule: (rule id in the message, the bad response).
BROKEN: list[tuple[str, dict[str, Any]]] = [
    (
        "cds-resp-1",
        {
            "cards": [
                _with_suggestions(
                    selectionBehavior="at-most-one",
                    suggestions=[{"label": "A", "isRecommended": True}, {"label": "B", "isRecommended": True}],
                )
            ]
        },
    ),
    (
        "cds-resp-2",
        {
            "cards": [
                _with_suggestions(
                    selectionBehavior="any",
                    suggestions=[
                        {"label": "A", "actions": [{**DELETE, "resource": {"resourceType": "ServiceRequest"}}]}
                    ],
                )
            ]
        },
    ),
    ("cds-resp-2", {"cards": [], "systemActions": [{"type": "delete", "description": "Remove"}]}),
    (
        "cds-resp-3",
        {
            "cards": [
                _with_suggestions(links=[{"label": "L", "url": "https://x.org", "type": "absolute", "appContext": "x"}])
            ]
        },
    ),
    ("cds-resp-4", {"cards": [_with_suggestions(overrideReasons=[{"code": "x", "system": "https://x.org"}])]}),
    (
        "cds-resp-5",
        {
            "cards": [
                _with_suggestions(
                    selectionBehavior="any",
                    suggestions=[{"label": "A", "actions": [{"type": "create", "resource": {}}]}],
                )
            ]
        },
    ),
    ("cds-resp-6", {"cards": [_with_suggestions(suggestions=[{"label": "A"}])]}),
    (
        "cds-resp-7",
        {
            "cards": [
                _with_suggestions(
                    selectionBehavior="any", suggestions=[{"label": "A", "actionSelectionBehavior": "some"}]
                )
            ]
        },
    ),
    ("summary", {"cards": [_with_suggestions(summary="x" * 140)]}),
    ("summary", {"cards": [{k: v for k, v in _card().items() if k != "summary"}]}),
    ("indicator", {"cards": [_with_suggestions(indicator="hard-stop")]}),
    ("source.label", {"cards": [_with_suggestions(source={"url": "https://example.com"})]}),
    ("uuid", {"cards": [_with_suggestions(uuid="not-a-uuid")]}),
    ("cards", {"systemActions": []}),
]


@pytest.mark.parametrize(("rule", "response"), BROKEN, ids=[f"{r}-{n}" for n, (r, _) in enumerate(BROKEN)])
def test_each_broken_rule_is_caught_and_named(rule: str, response: dict[str, Any]) -> None:
    problems = response_problems(response)
    assert problems, f"the checker passed a response that breaks {rule}"
    assert any(rule in p for p in problems), problems
    with pytest.raises(AssertionError, match=rule.replace(".", r"\.")):
        assert_valid_response(response)


def test_a_card_without_uuid_cannot_take_feedback() -> None:
    second = load_spec_example("response-example")  # its second card has no uuid
    assert response_problems(second) == []
    with pytest.raises(AssertionError, match=r"cards\[1\]\.uuid"):
        assert_valid_response(second)


# -- the patient files -----------------------------------------------------------------------------------------


def test_the_files_are_what_the_script_writes(tmp_path: Path) -> None:
    written = {p.name: p.read_text(encoding="utf-8") for p in make_cds_bundles.write(tmp_path)}
    kept = {p.name: p.read_text(encoding="utf-8") for p in patient_files()}
    assert kept == written, "run: python tests/make_cds_bundles.py"


def test_at_least_ten_patients_and_every_reachable_pathway() -> None:
    files = [load_patient(p) for p in patient_files()]
    assert len({f["context"]["patientId"] for f in files}) >= 10
    pathways = {f["_expected"]["decision"]["pathway"] for f in files if "decision" in f["_expected"]}
    # resectable, preference and trial availability are not coded in FHIR: these are the pathways left.
    assert pathways == {
        "diagnostic_workup",
        "staging_workup",
        "resectability_assessment",
        "clinical_trial_or_palliative",
    }
    alterations = {f["_expected"].get("case", {}).get("targetable_alteration") for f in files}
    assert {"BRAF_V600E", "RET_fusion", "NTRK_fusion"} <= alterations
    assert any("refused" in f.get("_expected_site_mapping", {}) for f in files)
    assert any(f["_expected"]["status"] == 400 for f in files)


@pytest.mark.parametrize("path", patient_files(), ids=lambda p: p.stem)
def test_a_patient_file_is_consistent(path: Path) -> None:
    data = load_patient(path)
    expected = data["_expected"]
    patient = data["prefetch"]["patient"]
    assert patient["resourceType"] == "Patient" and patient["id"] == data["context"]["patientId"]
    resources = {f"{r['resourceType']}/{r['id']}": r for r in _resources(data)}
    for key, kind in (("conditions", "Condition"), ("observations", "Observation")):
        bundle = data["prefetch"][key]
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        assert bundle["total"] == len(bundle["entry"])
        assert all(e["resource"]["resourceType"] == kind for e in bundle["entry"])
    strangers = [
        r
        for r, res in resources.items()
        if res.get("subject", {}).get("reference", f"Patient/{patient['id']}") != f"Patient/{patient['id']}"
    ]
    for resource in resources.values():
        assert resource["meta"]["profile"], resource["id"]
        if resource["resourceType"] == "Observation":
            assert resource["status"] and resource["effectiveDateTime"], resource["id"]
    if expected["status"] == 400:
        assert strangers, "a refused file holds a resource of another patient"
        return
    assert not strangers
    for key in ("_expected", "_expected_site_mapping"):
        if key in data:
            _check_expectation(data[key], resources)
    if "_expected_site_mapping" in data:
        site = data["_expected_site_mapping"]
        stage = resources[site["sources"]["stage"]]
        assert stage["meta"]["profile"] == ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tnm-stage-group"]
        assert site["sources"]["stage"] in expected["ignored"], "the shipped mapping reads no stage group"


def _check_expectation(expected: dict[str, Any], resources: dict[str, Any]) -> None:
    assert set(expected["sources"]) == set(expected["case"]), "every input read names its resource"
    for reference in [
        *expected["sources"].values(),
        *expected["ignored"],
        *(r for v in expected["others"].values() for r in v),
    ]:
        assert reference in resources, reference
    if "refused" in expected:
        with pytest.raises(spec_oracle.StageConflict):
            spec_oracle.decide(expected["case"])
    else:
        assert expected["decision"] == spec_oracle.decide(expected["case"])


def _resources(data: dict[str, Any]) -> list[dict[str, Any]]:
    prefetch = data["prefetch"]
    return [prefetch["patient"], *(e["resource"] for k in ("conditions", "observations") for e in prefetch[k]["entry"])]


def test_the_spec_examples_are_kept_with_their_source() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for path in sorted(DATA.glob("spec-*.json")):
        assert path.name in readme, f"{path.name} is not listed with its source in README.md"
        json.loads(path.read_text(encoding="utf-8"))


def test_the_specifications_example_jwt_verifies_with_its_jwks() -> None:
    example = load_spec_example("jwt-example")
    key = jwt.PyJWK(example["jwks"]["keys"][0])
    claims = jwt.decode(
        example["token"],
        key.key,
        algorithms=["ES384"],
        audience=example["payload"]["aud"],
        options={"verify_exp": False},
    )
    assert claims == example["payload"]
    assert jwt.get_unverified_header(example["token"]) == example["header"]


def test_a_request_takes_the_services_prefetch_keys() -> None:
    service = {"prefetch": {"pt": "Patient/{{context.patientId}}", "obs": "Observation?patient={{context.patientId}}"}}
    keys = prefetch_keys(service)
    assert keys == {"Patient": "pt", "Observation": "obs"}
    data = load_patient("05-ivc-undecided")
    body = hook_request(data, keys, null=["Observation"])
    assert body["prefetch"] == {"pt": data["prefetch"]["patient"], "obs": None}
    assert body["hook"] == "patient-view" and body["context"]["patientId"] == data["context"]["patientId"]


# -- the stub FHIR server and the tokens -----------------------------------------------------------------------


def test_the_stub_fhir_server_answers_records_and_fails_on_demand() -> None:
    data = load_patient("05-ivc-undecided")
    ident = data["context"]["patientId"]
    with StubFhirServer() as fhir:
        fhir.add(data)
        auth = {"Authorization": "Bearer opaque-token"}
        assert httpx.get(f"{fhir.url}/Patient/{ident}", headers=auth).json() == data["prefetch"]["patient"]
        found = httpx.get(f"{fhir.url}/Observation", params={"patient": ident}, headers=auth).json()
        assert found == data["prefetch"]["observations"]
        assert httpx.get(f"{fhir.url}/Patient/nobody").status_code == 404
        assert [r.authorization for r in fhir.seen()] == ["Bearer opaque-token", "Bearer opaque-token", None]
        fhir.fail(503)
        failed = httpx.get(f"{fhir.url}/Patient/{ident}")
        assert failed.status_code == 503 and failed.json()["resourceType"] == "OperationOutcome"
        fhir.reset()
        fhir.slow(0.5)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{fhir.url}/Patient/{ident}", timeout=0.1)


@pytest.fixture(scope="module")
def factory() -> JwtFactory:
    return JwtFactory()


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_valid_token_verifies_with_the_jwks_file(factory: JwtFactory, tmp_path: Path, alg: str) -> None:
    keys = json.loads(factory.write(tmp_path).read_text())
    assert all("d" not in k for k in keys["keys"]), "the JWK Set file holds public keys only"
    token = factory.token(AUD, alg=alg)
    header = jwt.get_unverified_header(token)
    key = next(jwt.PyJWK(k) for k in keys["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(token, key.key, algorithms=[alg], audience=AUD, issuer=factory.iss)
    assert set(claims) >= {"iss", "aud", "exp", "iat", "jti"}
    assert header["typ"] == "JWT"


def test_the_refused_variants_are_what_they_claim(factory: JwtFactory) -> None:
    key = jwt.PyJWK(factory.jwks()["keys"][0]).key
    assert jwt.get_unverified_header(factory.unsigned(AUD))["alg"] == "none"
    assert jwt.get_unverified_header(factory.hs256(AUD))["alg"] == "HS256"
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(factory.expired(AUD), key, algorithms=["ES384"], audience=AUD)
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(factory.token(AUD + "-other"), key, algorithms=["ES384"], audience=AUD)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(factory.stranger(AUD), key, algorithms=["ES384"], audience=AUD)
    assert jwt.decode(factory.stranger(AUD), options={"verify_signature": False})["iss"] != factory.iss
    same = factory.token(AUD, jti="once")
    assert jwt.decode(same, key, algorithms=["ES384"], audience=AUD)["jti"] == "once"
