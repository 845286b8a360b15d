"""``atc-dmn serve`` as its clients see it: the real command on a loopback port, a real HTTP client.

Expected answers come from the specification (shared/spec/decision-model.md,
through tests/spec_oracle.py) and from the workbook files themselves (their
SHA-256), never from the service's code. One server per scenario is shared by
the tests that do not change it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs  # schemathesis's JSON Schema validator (the test extra)
import pytest
import spec_oracle
from click.testing import CliRunner
from conftest import ShippedWorkbook
from service_server import Service, free_port

from atc_dmn.cli import main

SPEC_INPUTS = spec_oracle.INPUTS
SHIPPED_ID = "atc-treatment"
COPY_ID = "atc-treatment-copy"
MAX_CASES = 8
MAX_BODY = 4096
JSON = {"content-type": "application/json"}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def with_identifier(book: ShippedWorkbook, identifier: str, name: str) -> Path:
    """A copy of the shipped workbook whose Model sheet gives another Identifier (found by its label)."""
    label = book.sheet("Model")[book.find("Model", "Identifier")]
    value = book.sheet("Model").cell(row=label.row, column=label.column + 1).coordinate
    return book.copy({f"Model!{value}": identifier}, name=name)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def book(shipped_path: Path, folder: Path) -> ShippedWorkbook:
    return ShippedWorkbook(shipped_path, folder)


@pytest.fixture(scope="module")
def copy_path(book: ShippedWorkbook) -> Path:
    return with_identifier(book, COPY_ID, "copy.xlsx")


@pytest.fixture(scope="module")
def service(shipped_path: Path, copy_path: Path) -> Iterator[Service]:
    """The shipped model (the default) and a copy under another identifier, with small limits."""
    args = ["--model", shipped_path, "--model", copy_path, "--max-cases", MAX_CASES, "--max-body", MAX_BODY]
    with Service(args) as running:
        yield running


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=10) as http:
        yield http


def post(client: httpx.Client, body: bytes | str, path: str = "/evaluate", **headers: str) -> httpx.Response:
    return client.post(path, content=body, headers={**JSON, **headers})


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response's error object, once its status and code are the expected ones."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


def outputs(result: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return spec_oracle.comparable(result["decision"])


# -- the endpoints --------------------------------------------------------------------------------


def test_health_and_ready(client):
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["models"] == {SHIPPED_ID: True, COPY_ID: True}


def test_models_lists_both_with_the_first_as_default(client, shipped_path, copy_path):
    body = client.get("/models").json()
    assert body["default"] == SHIPPED_ID
    by_id = {m["id"]: m for m in body["models"]}
    assert set(by_id) == {SHIPPED_ID, COPY_ID}
    assert by_id[SHIPPED_ID]["serving"]["sha256"] == sha256_of(shipped_path)
    assert by_id[COPY_ID]["serving"]["sha256"] == sha256_of(copy_path)
    assert by_id[SHIPPED_ID]["serving"]["version"] == spec_oracle.MODEL_VERSION
    assert by_id[SHIPPED_ID]["refused"] is None


def test_one_model_describes_its_inputs_and_outputs(client, shipped_path):
    response = client.get(f"/models/{SHIPPED_ID}")
    assert response.status_code == 200
    body = response.json()
    assert body["model"]["identifier"] == SHIPPED_ID
    assert body["model"]["notice"]
    inputs = {i["name"]: i for i in body["inputs"]}
    assert set(inputs) == SPEC_INPUTS
    assert inputs["stage"]["allowed"] == ["IVA", "IVB", "IVC"]
    assert set(inputs["targetable_alteration"]["allowed"]) == {
        "BRAF_V600E",
        "NTRK_fusion",
        "RET_fusion",
        "ALK_fusion",
        "none",
        "not_tested",
    }
    assert all(i["meaning"] for i in inputs.values())
    names = {o["name"] for o in body["outputs"]}
    assert names >= {"pathway", "surgery", "radiotherapy", "systemic_therapy", "molecular_testing", "actions"}
    pathway = next(o for o in body["outputs"] if o["name"] == "pathway")
    assert {c["code"] for c in pathway["codes"]} == set(spec_oracle.PATHWAYS)
    assert body["serving"]["sha256"] == sha256_of(shipped_path)
    assert response.headers["X-Model-SHA256"] == sha256_of(shipped_path)


def test_schema_accepts_the_spec_cases_and_refuses_what_the_service_refuses(client, main_cases):
    response = client.get(f"/models/{SHIPPED_ID}/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    assert set(schema["properties"]) == SPEC_INPUTS
    validator = jsonschema_rs.validator_for(schema)
    for case in main_cases[::997]:
        assert validator.is_valid(case), case
        assert post(client, json.dumps(case)).status_code == 200
    with_null = {"stage": None, "diagnosis_confirmed": None}
    assert validator.is_valid(with_null)
    for bad in ({"resectible": True}, {"stage": "IVD"}, {"diagnosis_confirmed": 1}, {"stage": "ivc"}):
        assert not validator.is_valid(bad), bad
        assert post(client, json.dumps(bad)).status_code == 422, bad


def test_openapi_names_every_route_and_the_served_models(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for route in (
        "/health",
        "/ready",
        "/models",
        "/models/{model_id}",
        "/models/{model_id}/schema",
        "/evaluate",
        "/models/{model_id}/evaluate",
    ):
        assert route in paths, route
    parameter = next(p for p in paths["/models/{model_id}/evaluate"]["post"]["parameters"] if p["name"] == "model_id")
    assert set(parameter["schema"]["enum"]) == {SHIPPED_ID, COPY_ID}
    body = json.dumps(paths["/evaluate"]["post"]["requestBody"])
    assert "#/components/schemas/" in body
    cases = [s for name, s in doc["components"]["schemas"].items() if name.startswith("Case_")]
    assert len(cases) == 2
    assert all(set(s["properties"]) == SPEC_INPUTS for s in cases)


# -- evaluation -----------------------------------------------------------------------------------


def test_evaluate_one_case_gives_the_spec_decision_and_the_model_identity(client, shipped_path):
    case = {"diagnosis_confirmed": True, "stage": "IVA", "resectable": True, "airway_compromise": False}
    response = post(client, json.dumps(case))
    assert response.status_code == 200, response.text
    body = response.json()
    assert outputs(body) == spec_oracle.comparable(spec_oracle.decide(case))
    assert body["decision"]["pathway"] == "multimodal_therapy"
    assert body["decision"]["surgery"] == "total_thyroidectomy_with_neck_dissection"
    assert body["text"]["pathway"]
    assert any(t["rules"] for t in body["trace"])
    assert body["notice"]
    sha = sha256_of(shipped_path)
    assert body["model"]["identifier"] == SHIPPED_ID
    assert body["model"]["version"] == spec_oracle.MODEL_VERSION
    assert body["model"]["sha256"] == sha
    assert response.headers["X-Model-Id"] == SHIPPED_ID
    assert response.headers["X-Model-Version"] == spec_oracle.MODEL_VERSION
    assert response.headers["X-Model-SHA256"] == sha


def test_evaluate_by_model_id_uses_that_workbook(client, copy_path):
    case = {"diagnosis_confirmed": True, "m_category": "M1", "patient_preference": "active_treatment"}
    response = post(client, json.dumps(case), f"/models/{COPY_ID}/evaluate")
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["pathway"] == "systemic_therapy"
    assert response.json()["decision"]["stage"] == "IVC"
    assert response.headers["X-Model-Id"] == COPY_ID
    assert response.headers["X-Model-SHA256"] == sha256_of(copy_path)
    assert response.json()["model"]["identifier"] == COPY_ID


def test_batch_answers_in_order_against_the_spec(client, main_cases):
    sample = main_cases[::379][:MAX_CASES]
    assert len(sample) == MAX_CASES
    response = post(client, json.dumps({"cases": sample}), f"/models/{SHIPPED_ID}/evaluate")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["identifier"] == SHIPPED_ID
    assert response.headers["X-Model-Id"] == SHIPPED_ID
    assert len(body["results"]) == len(sample)
    for case, result in zip(sample, body["results"], strict=True):
        assert outputs(result) == spec_oracle.comparable(spec_oracle.decide(case)), case


def test_batch_gives_a_bad_case_its_error_in_place(client):
    cases = [
        {"diagnosis_confirmed": True},
        {"resectible": True},
        {"stage": "IVC", "m_category": "M0"},
        "not a case",
        {"diagnosis_confirmed": False},
    ]
    response = post(client, json.dumps({"cases": cases}))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 5
    assert results[0]["decision"]["pathway"] == "staging_workup"
    assert results[1]["error"]["code"] == "UNKNOWN_INPUT"
    assert results[1]["error"]["field"] == "resectible"
    assert set(results[1]["error"]["allowed"]) == SPEC_INPUTS
    assert results[2]["error"]["code"] == "CONFLICT"
    assert results[2]["error"]["field"] == "stage"
    assert results[3]["error"]["code"] == "NOT_AN_OBJECT"
    assert results[4]["decision"]["pathway"] == "diagnostic_workup"
    assert [r["error"].get("case") for r in results if "error" in r] == ["item 2", "item 3", "item 4"]


def test_request_id_is_echoed_when_given_and_made_when_not(client):
    given = "trace-" + uuid.uuid4().hex[:12]
    echoed = post(client, "{}", **{"X-Request-ID": given})
    assert echoed.headers["X-Request-ID"] == given
    made = [post(client, "{}").headers["X-Request-ID"] for _ in range(3)]
    assert all(re.fullmatch(r"[A-Za-z0-9._:-]{8,64}", rid) for rid in made), made
    assert len(set(made)) == 3
    assert client.get("/health").headers["X-Request-ID"]
    # An id that could forge a log line is not echoed: the service makes its own.
    forged = post(client, "{}", **{"X-Request-ID": 'a" b'}).headers["X-Request-ID"]
    assert forged != 'a" b'
    assert re.fullmatch(r"[A-Za-z0-9._:-]+", forged)


# -- bad requests: a 4xx with a stable code, never a 500 ----------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"stage": "IVA",', "BAD_JSON"),
        (b"{'stage': 'IVA'}", "BAD_JSON"),
        (b"", "BAD_JSON"),
        (b"   \n", "BAD_JSON"),
        (b'{"stage": "IV\xe9"}', "BAD_JSON"),
        (b"\xff\xfe{}", "BAD_JSON"),
        (b'[{"stage": "IVA"}]', "NOT_AN_OBJECT"),
        (b'"IVA"', "NOT_AN_OBJECT"),
        (b"null", "NOT_AN_OBJECT"),
        (b'{"cases": {"stage": "IVA"}}', "NOT_AN_OBJECT"),
        (b'{"stage": "IVA", "stage": "IVB"}', "DUPLICATE_KEY"),
    ],
    ids=[
        "truncated",
        "single-quotes",
        "empty",
        "blank",
        "latin-1",
        "utf-16",
        "array",
        "string",
        "null",
        "cases-not-array",
        "duplicate-key",
    ],
)
def test_unreadable_bodies_are_400(client, body, code):
    error = error_of(post(client, body), 400, code)
    if code == "DUPLICATE_KEY":
        assert error["field"] == "stage"


def test_duplicate_key_inside_a_batch_case_is_400(client):
    error = error_of(post(client, b'{"cases": [{"resectable": true, "resectable": false}]}'), 400, "DUPLICATE_KEY")
    assert error["field"] == "resectable"


@pytest.mark.parametrize(
    ("case", "field"),
    [({"diagnosis_confirmed": 1}, "diagnosis_confirmed"), ({"resectable": [True]}, "resectable")],
    ids=["number-for-boolean", "array-for-boolean"],
)
def test_wrong_types_are_422_naming_the_field(client, case, field):
    error = error_of(post(client, json.dumps(case)), 422, "WRONG_TYPE")
    assert error["field"] == field


def test_unknown_field_is_422_listing_the_inputs(client):
    response = post(client, json.dumps({"diagnosis_confirmed": True, "resectible": True}))
    error = error_of(response, 422, "UNKNOWN_INPUT")
    assert error["field"] == "resectible"
    assert set(error["allowed"]) == SPEC_INPUTS
    assert "resectable" in error["message"]
    assert response.json()["model"]["identifier"] == SHIPPED_ID
    assert response.headers["X-Model-Id"] == SHIPPED_ID  # a refusal names the model that refused it too


def test_value_not_allowed_is_422_listing_the_allowed_values(client):
    error = error_of(post(client, json.dumps({"stage": "IVD"})), 422, "NOT_ALLOWED")
    assert error["field"] == "stage"
    assert error["allowed"] == ["IVA", "IVB", "IVC"]
    assert error["value"] == "IVD"
    category = error_of(post(client, json.dumps({"patient_preference": "Palliative_Care"})), 422, "NOT_ALLOWED")
    assert set(category["allowed"]) == {"active_treatment", "palliative_care", "undecided"}


def test_a_stage_the_tnm_rules_out_is_422_conflict(client):
    error = error_of(post(client, json.dumps({"stage": "IVA", "m_category": "M1"})), 422, "CONFLICT")
    assert error["field"] == "stage"
    assert "M1" in error["message"]


def test_body_over_the_limit_with_content_length_is_413(client):
    body = json.dumps({"cases": [{"stage": "IVA"}] * 400}).encode()
    assert len(body) > MAX_BODY
    error = error_of(post(client, body), 413, "BODY_TOO_LARGE")
    assert error["limit"] == MAX_BODY


def test_body_over_the_limit_sent_chunked_is_413(client):
    def chunks() -> Iterator[bytes]:
        yield b'{"cases": ['
        for _ in range(400):
            yield b'{"stage": "IVA"},'
        yield b"{}]}"

    response = client.post("/evaluate", content=chunks(), headers=JSON)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    error_of(response, 413, "BODY_TOO_LARGE")


def test_a_small_chunked_body_is_read(client):
    response = client.post("/evaluate", content=iter([b'{"diagnosis_', b'confirmed": false}']), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["pathway"] == "diagnostic_workup"


def test_too_many_cases_is_413(client):
    error = error_of(post(client, json.dumps({"cases": [{}] * (MAX_CASES + 1)})), 413, "TOO_MANY_CASES")
    assert error["field"] == "cases"
    assert error["limit"] == MAX_CASES
    assert post(client, json.dumps({"cases": [{}] * MAX_CASES})).status_code == 200


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_body_that_is_not_json_is_415(client, kind):
    error = error_of(
        client.post("/evaluate", content=b"{}", headers={"content-type": kind}), 415, "UNSUPPORTED_MEDIA_TYPE"
    )
    assert error["allowed"] == ["application/json"]


def test_json_with_a_charset_is_accepted(client):
    response = client.post("/evaluate", content=b"{}", headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_json_in_another_charset_is_415(client):
    body = '{"stage": "IVB"}'.encode("latin-1")
    response = client.post("/evaluate", content=body, headers={"content-type": "application/json; charset=latin-1"})
    error = error_of(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "UTF-8" in error["message"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    # Python's json module reads them; RFC 8259 does not: a 400, not a value the model then refuses.
    error = error_of(post(client, f'{{"stage": "IVB", "resectable": {constant}}}'), 400, "BAD_JSON")
    assert constant.lstrip("-") in error["message"]


def test_an_unreadable_body_sent_to_a_model_still_names_the_model(client, copy_path):
    response = post(client, "{", f"/models/{COPY_ID}/evaluate")
    error_of(response, 400, "BAD_JSON")
    assert response.headers["x-model-id"] == COPY_ID
    assert response.headers["x-model-sha256"] == sha256_of(copy_path)
    assert response.json()["model"]["identifier"] == COPY_ID


def test_probes_answer_head(client):
    assert client.head("/health").status_code == 200
    assert client.head("/ready").status_code == 200


def test_unknown_model_is_404_listing_the_served_ones(client):
    for response in (post(client, "{}", "/models/atc-treatmnet/evaluate"), client.get("/models/atc-treatmnet")):
        error = error_of(response, 404, "UNKNOWN_MODEL")
        assert error["field"] == "model_id"
        assert set(error["allowed"]) == {SHIPPED_ID, COPY_ID}
    error_of(client.get("/models/nope/schema"), 404, "UNKNOWN_MODEL")


def test_unknown_route_is_404(client):
    error_of(client.get("/evaluations"), 404, "NOT_FOUND")
    error_of(post(client, "{}", "/models/atc-treatment/evaluate/now"), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(client):
    response = client.get("/evaluate")
    error_of(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["Allow"]
    error_of(client.delete(f"/models/{SHIPPED_ID}"), 405, "METHOD_NOT_ALLOWED")
    error_of(post(client, "{}", "/health"), 405, "METHOD_NOT_ALLOWED")


# -- the request log ----------------------------------------------------------------------------


def test_each_request_logs_one_json_line_without_patient_data(service, client):
    marker = "log-" + uuid.uuid4().hex[:10]
    secret_name, secret_value = "patient_name_" + uuid.uuid4().hex[:6], "Jane Q. Sample " + uuid.uuid4().hex[:6]
    requests = {
        f"{marker}-ok": ("/evaluate", {"diagnosis_confirmed": True, "targetable_alteration": "BRAF_V600E"}, 200),
        f"{marker}-unknown": ("/evaluate", {secret_name: secret_value}, 422),
        f"{marker}-bad": ("/evaluate", {"stage": secret_value}, 422),
        f"{marker}-copy": (f"/models/{COPY_ID}/evaluate", {"airway_compromise": True}, 200),
    }
    for rid, (path, case, status) in requests.items():
        assert post(client, json.dumps(case), path, **{"X-Request-ID": rid}).status_code == status
    client.get("/models", headers={"X-Request-ID": f"{marker}-models"})

    def lines() -> list[dict[str, Any]]:
        found = [r for r in service.records("request") if str(r.get("request_id", "")).startswith(marker)]
        return found if len(found) >= 5 else []

    found = service.wait_for(lines, what="five access lines")
    by_id: dict[str, list[dict[str, Any]]] = {}
    for record in found:
        by_id.setdefault(record["request_id"], []).append(record)
    assert {k: len(v) for k, v in by_id.items()} == {**{rid: 1 for rid in requests}, f"{marker}-models": 1}
    for rid, (path, _, status) in requests.items():
        (record,) = by_id[rid]
        assert record["status"] == status
        assert record["method"] == "POST"
        assert record["route"] == ("/evaluate" if path == "/evaluate" else "/models/{model_id}/evaluate")
        assert record["version"] == spec_oracle.MODEL_VERSION
        assert record["latency_ms"] >= 0
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", record["time"])
    assert by_id[f"{marker}-copy"][0]["model"] == COPY_ID
    log = service.log
    assert secret_name not in log and secret_value not in log
    access = json.dumps(found)
    assert "BRAF_V600E" not in access and "diagnosis_confirmed" not in access


# -- auth -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(shipped_path: Path) -> Iterator[Service]:
    """A token in ATC_DMN_TOKEN, listening beyond loopback (which the token allows)."""
    with Service(["--model", shipped_path, "--host", "0.0.0.0"], env={"ATC_DMN_TOKEN": "s3cret-token"}) as running:
        yield running


def test_a_token_is_required_when_set(guarded):
    with httpx.Client(base_url=guarded.url, timeout=10) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
            for response in (post(http, "{}", **headers), http.get("/models", headers=headers)):
                error_of(response, 401, "UNAUTHORIZED")
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
        good = {"Authorization": "Bearer s3cret-token"}
        answered = post(http, json.dumps({"diagnosis_confirmed": False}), **good)
        assert answered.status_code == 200
        assert answered.json()["decision"]["pathway"] == "diagnostic_workup"
        assert http.get(f"/models/{SHIPPED_ID}", headers=good).status_code == 200
        assert http.get("/health").status_code == 200
        assert http.get("/ready").status_code == 200
    assert "s3cret-token" not in guarded.log


def test_beyond_loopback_without_a_token_exits_2_before_listening(atc_command):
    port = free_port()
    done = subprocess.run(
        [atc_command, "serve", "--host", "0.0.0.0", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "ATC_DMN_TOKEN"},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "ATC_DMN_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_beyond_loopback_without_a_token_exits_2_in_process():
    done = CliRunner().invoke(
        main, ["serve", "--host", "0.0.0.0", "--port", str(free_port())], env={"ATC_DMN_TOKEN": None}
    )
    assert done.exit_code == 2
    assert "ATC_DMN_TOKEN" in done.stderr


def test_a_port_in_use_exits_2_naming_the_option(run_atc):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_atc("serve", "--port", str(port))
        in_process = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr
    assert in_process.exit_code == 2
    assert "--port" in in_process.stderr


# -- several models: a folder, with Excel's lock file, and two workers ---------------------------


@pytest.fixture(scope="module")
def models_dir(book: ShippedWorkbook, folder: Path) -> Path:
    where = folder / "models"
    where.mkdir()
    book.copy(name="models/a_shipped.xlsx")
    with_identifier(book, COPY_ID, "models/b_copy.xlsx")
    (where / "~$a_shipped.xlsx").write_bytes(b"\x00owner: a clinician\x00" * 8)  # Excel's lock file while open
    (where / "notes.txt").write_text("not a workbook", encoding="utf-8")
    return where


def test_a_folder_serves_each_workbook_and_ignores_lock_files_with_two_workers(models_dir):
    with Service(["--models", models_dir, "--workers", 2]) as running, httpx.Client(base_url=running.url) as http:
        listed = http.get("/models").json()
        assert listed["default"] == SHIPPED_ID
        assert {m["id"] for m in listed["models"]} == {SHIPPED_ID, COPY_ID}
        assert http.get("/ready").json()["models"] == {SHIPPED_ID: True, COPY_ID: True}
        shas = {SHIPPED_ID: sha256_of(models_dir / "a_shipped.xlsx"), COPY_ID: sha256_of(models_dir / "b_copy.xlsx")}
        case = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False, "targetable_alteration": "none"}
        expected = spec_oracle.comparable(spec_oracle.decide(case))
        for i in range(24):  # new connections, so both workers answer
            ident = (SHIPPED_ID, COPY_ID)[i % 2]
            with httpx.Client(base_url=running.url) as fresh:
                response = post(fresh, json.dumps(case), f"/models/{ident}/evaluate")
            assert response.status_code == 200, response.text
            assert outputs(response.json()) == expected
            assert response.headers["X-Model-SHA256"] == shas[ident]


def test_a_workbook_saved_into_the_folder_later_is_served_too(book, folder):
    where = folder / "later"
    where.mkdir()
    book.copy(name="later/a_shipped.xlsx")
    third = with_identifier(book, "atc-treatment-third", "third.xlsx")  # made outside the folder, then moved in
    twin = book.copy(name="twin.xlsx")  # the shipped identifier again: refused, not served
    broken = where.parent / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with Service(["--models", where]) as running, httpx.Client(base_url=running.url) as http:
        assert [m["id"] for m in http.get("/models").json()["models"]] == [SHIPPED_ID]
        os.replace(broken, where / "c_broken.xlsx")
        os.replace(twin, where / "d_twin.xlsx")
        os.replace(third, where / "b_third.xlsx")
        ids = running.wait_for(
            lambda: (found := [m["id"] for m in http.get("/models").json()["models"]]) and len(found) == 2 and found,
            what="the new workbook served",
        )
        assert ids == [SHIPPED_ID, "atc-treatment-third"]
        case = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}
        response = post(http, json.dumps(case), "/models/atc-treatment-third/evaluate")
        assert response.status_code == 200, response.text
        assert outputs(response.json()) == spec_oracle.comparable(spec_oracle.decide(case))
        assert response.headers["X-Model-SHA256"] == sha256_of(where / "b_third.xlsx")
        enum = http.get("/openapi.json").json()["paths"]["/models/{model_id}/evaluate"]["post"]["parameters"][0]
        assert set(enum["schema"]["enum"]) == {SHIPPED_ID, "atc-treatment-third"}
        assert http.get("/ready").status_code == 200  # the broken file and the twin are left out, logged
        running.wait_for(lambda: len(running.records("model_refused")) >= 2, what="the two refusals logged")


def test_two_workbooks_with_one_identifier_exit_2(run_atc, book, shipped_path):
    same = book.copy(name="same_identifier.xlsx")
    done = run_atc("serve", "--port", free_port(), "--model", shipped_path, "--model", same)
    assert done.returncode == 2, done.stderr
    assert SHIPPED_ID in done.stderr
    assert "same_identifier.xlsx" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_broken_workbook_exits_3_naming_its_sheet_and_cell(run_atc, book):
    cell = book.rule_cell("Pathway", "PW3", "Pathway")
    broken = book.copy({f"Pathway!{cell}": '"staging_work_up"'}, name="broken.xlsx")
    done = run_atc("serve", "--port", free_port(), "--model", broken)
    assert done.returncode == 3, done.stderr
    assert f"Pathway!{cell}" in done.stderr
    assert "Traceback" not in done.stderr
    in_process = CliRunner().invoke(main, ["serve", "--port", str(free_port()), "--model", str(broken)])
    assert in_process.exit_code == 3
    assert f"Pathway!{cell}" in in_process.stderr
