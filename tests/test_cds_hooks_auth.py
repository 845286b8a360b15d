"""CDS Hooks JWTs over HTTP: ``atc-dmn serve --cds-issuers FILE --public-url URL`` and tokens signed by test keys.

The keys (ES384 and RS384) are made for this run; the issuers file names their JWK
Set file. What must be refused comes from CDS Hooks 2.0.1 "Trusting CDS Clients":
no ``none``, no HMAC, ``aud`` the exact URL called, ``exp`` and ``iat`` checked, a
``jti`` used once, ``iss`` on the allowlist. The specification's own example token
(signed by its published key, expired since 2015) is refused too. Every refusal is
a 401 with an OperationOutcome giving the reason's code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cds_tools import (
    JwtFactory,
    assert_valid_response,
    bearer,
    hook_request,
    is_operation_outcome,
    load_patient,
    load_spec_example,
    prefetch_keys,
)
from service_server import Service

SERVICE_ID = "atc-treatment"
HOOK = f"/cds-services/{SERVICE_ID}"
SPEC_ISSUER = "https://fhir-ehr.example.com/"  # the issuer of the specification's example token


@pytest.fixture(scope="module")
def factory() -> JwtFactory:
    return JwtFactory("https://ehr.example.org")


@pytest.fixture(scope="module")
def service(shipped_path: Path, factory: JwtFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("cds-auth")
    factory.write(folder, "ehr-jwks.json")
    (folder / "spec-jwks.json").write_text(json.dumps(load_spec_example("jwt-example")["jwks"]), encoding="utf-8")
    issuers = [
        {"iss": factory.iss, "jwks_file": "ehr-jwks.json"},
        {"iss": SPEC_ISSUER, "jwks_file": "spec-jwks.json"},
    ]
    (folder / "issuers.json").write_text(json.dumps(issuers), encoding="utf-8")
    running = Service(["--model", shipped_path, "--cds-issuers", folder / "issuers.json"])
    # The public URL is the one the server is reached at: each token's aud is it plus the route.
    running.args += ["--public-url", running.url]
    with running:
        yield running


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=15) as http:
        yield http


@pytest.fixture(scope="module")
def body(client: httpx.Client, service: Service, factory: JwtFactory) -> dict[str, Any]:
    discovery = client.get("/cds-services", headers=bearer(factory.token(service.url + "/cds-services")))
    assert discovery.status_code == 200, discovery.text
    entry = next(s for s in discovery.json()["services"] if s["id"] == SERVICE_ID)
    return hook_request(load_patient("05-ivc-undecided"), prefetch_keys(entry))


def post(client: httpx.Client, body: dict[str, Any], token: str | None, path: str = HOOK) -> httpx.Response:
    headers = {"Content-Type": "application/json", **(bearer(token) if token is not None else {})}
    return client.post(path, content=json.dumps(body), headers=headers)


def refused(response: httpx.Response, *reasons: str) -> str:
    """The response is a 401 OperationOutcome whose code is one of ``reasons``; the code is returned."""
    assert response.status_code == 401, response.text
    outcome = response.json()
    assert is_operation_outcome(outcome), outcome
    issue = outcome["issue"][0]
    code = issue["details"]["coding"][0]["code"]
    assert code in reasons, issue
    assert issue["diagnostics"]
    return code


@pytest.mark.parametrize("alg", ["ES384", "RS384"])
def test_a_valid_token_is_accepted(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any], alg: str
) -> None:
    response = post(client, body, factory.token(service.url + HOOK, alg=alg))
    assert response.status_code == 200, response.text
    assert_valid_response(response.json())


def test_aud_as_a_one_item_array_is_accepted(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any]
) -> None:
    # CDS Hooks 2.0.1: aud is "either a string or an array of strings".
    assert post(client, body, factory.token([service.url + HOOK])).status_code == 200


def test_no_token_is_refused(client: httpx.Client, body: dict[str, Any]) -> None:
    refused(post(client, body, None), "MISSING")
    refused(client.get("/cds-services"), "MISSING")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (JwtFactory.unsigned, "ALG_NOT_ALLOWED"),  # alg none
        (JwtFactory.hs256, "ALG_NOT_ALLOWED"),  # HMAC: the client's secret would be the service's too
        (JwtFactory.expired, "EXPIRED"),
        (JwtFactory.stranger, "UNKNOWN_ISSUER"),  # an iss not on the allowlist
    ],
    ids=["alg-none", "hmac", "expired", "unknown-issuer"],
)
def test_a_token_the_spec_rules_out_is_refused(
    client: httpx.Client,
    service: Service,
    factory: JwtFactory,
    body: dict[str, Any],
    make: Callable[[JwtFactory, str], str],
    reason: str,
) -> None:
    refused(post(client, body, make(factory, service.url + HOOK)), reason)


@pytest.mark.parametrize("aud", ["/cds-services", "/cds-services/other-service", "https://cds.example.org" + HOOK])
def test_a_token_for_another_url_is_refused(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any], aud: str
) -> None:
    target = aud if aud.startswith("https://") else service.url + aud
    refused(post(client, body, factory.token(target)), "WRONG_AUDIENCE")


def test_a_discovery_token_does_not_open_the_service(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any]
) -> None:
    token = factory.token(service.url + "/cds-services")
    assert client.get("/cds-services", headers=bearer(token)).status_code == 200
    refused(post(client, body, factory.token(service.url + "/cds-services")), "WRONG_AUDIENCE")


def test_a_replayed_token_is_refused(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any]
) -> None:
    token = factory.token(service.url + HOOK)
    assert post(client, body, token).status_code == 200
    refused(post(client, body, token), "REPLAYED")


def test_a_known_issuer_with_a_key_it_does_not_publish_is_refused(
    client: httpx.Client, service: Service, factory: JwtFactory, body: dict[str, Any]
) -> None:
    impostor = JwtFactory(factory.iss)  # same iss and kids, other keys
    refused(post(client, body, impostor.token(service.url + HOOK)), "BAD_SIGNATURE", "UNKNOWN_KEY")


def test_the_specifications_example_token_is_refused(client: httpx.Client, body: dict[str, Any]) -> None:
    # Signed with the spec's published key, whose issuer is trusted here with that key as a file; the token's
    # header names a jku (https://fhir-ehr.example.com/jwk_uri) the issuers file does not allowlist, so the
    # service takes no key from it. (It is also for another URL, and expired in 2015.)
    example = load_spec_example("jwt-example")
    assert example["header"]["jku"] == "https://fhir-ehr.example.com/jwk_uri"
    refused(post(client, body, example["token"]), "JKU_NOT_ALLOWED")


def test_feedback_needs_a_token_too(client: httpx.Client, service: Service, factory: JwtFactory) -> None:
    feedback = load_spec_example("feedback-overridden")
    path = HOOK + "/feedback"
    refused(post(client, feedback, None, path), "MISSING")
    assert post(client, feedback, factory.token(service.url + path), path).status_code == 200


def test_a_preflight_needs_no_token(client: httpx.Client) -> None:
    headers = {"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST"}
    assert client.options(HOOK, headers=headers).status_code in (200, 204)
