"""CDS Hooks options of ``atc-dmn serve``: --public-url, --cds-issuers, --cors-origin, and who may call.

A bad option or issuers file stops the command with exit status 2 before it listens,
naming the option and the field; the exposure rules (no JWT only on loopback without
issuers, CDS_DISABLED beyond loopback without them, aud from --public-url, the
ATC_DMN_TOKEN gate not on /cds-services) are checked on a running ``atc-dmn serve``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from service_server import Service, free_port

from atc_dmn.cli import main
from atc_dmn.service.config import ServeConfig

ISS = "https://ehr.example.org"
KID = "ehr-key-1"


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def jwk_set(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    public = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": KID, "use": "sig", "alg": "ES384"}]}


def token(key: ec.EllipticCurvePrivateKey, aud: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISS, "aud": aud, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4()), **claims}
    return jwt.encode(body, key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})


def issuers_file(folder: Path, issuers: Any, jwks: Any = None) -> Path:
    if jwks is not None:
        (folder / "jwks.json").write_text(json.dumps(jwks), encoding="utf-8")
    path = folder / "issuers.json"
    path.write_text(issuers if isinstance(issuers, str) else json.dumps(issuers), encoding="utf-8")
    return path


def serve(*args: Any, env: dict[str, str | None] | None = None) -> Any:
    """``atc-dmn serve ARGS`` in process (click's runner): exit status and messages, nothing listens."""
    return CliRunner().invoke(main, ["serve", "--port", str(free_port()), *map(str, args)], env=env or {})


def refused(done: Any, *words: str) -> None:
    assert done.exit_code == 2, done.output
    for word in words:
        assert word in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# -- the configuration ------------------------------------------------------------


def test_the_options_travel_to_the_workers():
    config = ServeConfig(
        models=("a.xlsx",), public_url="https://cds.example.org", cds_issuers="/etc/issuers.json",
        cors_origins=("https://ehr.example.org", "https://other.example.org"),
    )  # fmt: skip
    os.environ["ATC_DMN_SERVE_CONFIG"] = config.to_env()
    try:
        again = ServeConfig.from_env()
    finally:
        del os.environ["ATC_DMN_SERVE_CONFIG"]
    assert again == config
    assert again.cors_origins == ("https://ehr.example.org", "https://other.example.org")


def test_cds_is_open_only_on_loopback_without_issuers():
    assert ServeConfig(models=()).cds_open
    assert not ServeConfig(models=(), cds_issuers="issuers.json").cds_open
    assert not ServeConfig(models=(), host="0.0.0.0").cds_open


# -- the issuers file: every mistake is exit 2 naming the issuer and field ------------


@pytest.mark.parametrize(
    ("issuers", "jwks", "words"),
    [
        ("[{", None, ["not JSON (line 1"]),
        ({"iss": ISS, "jwks_file": "jwks.json"}, None, ["a JSON array of issuers"]),
        ([], None, ["a JSON array of issuers"]),
        (["https://ehr.example.org"], None, ["issuer 1 is not an object"]),
        ([{"jwks_file": "jwks.json"}], None, ['issuer 1: "iss"']),
        ([{"iss": "", "jku": ["https://ehr.example.org/jwks"]}], None, ['issuer 1: "iss"']),
        ([{"iss": ISS, "jwks": "jwks.json"}], None, ['"jwks" is not a field', "jwks_file, jku"]),
        ([{"iss": ISS}], None, [f"issuer 1 ({ISS})", '"jwks_file"', '"jku"']),
        ([{"iss": ISS, "jku": ["x"]}, {"iss": ISS, "jku": ["x"]}], None, ['"jku"']),
        (
            [{"iss": ISS, "jku": ["https://a.example/jwks"]}, {"iss": ISS, "jku": ["https://b.example/jwks"]}],
            None,
            [f"issuer 2 ({ISS})", "given twice"],
        ),
        ([{"iss": ISS, "jwks_file": "absent.json"}], None, ['"jwks_file"', "absent.json", "cannot read"]),
        ([{"iss": ISS, "jwks_file": "jwks.json"}], {"keys": "none"}, ['"jwks_file"', '"keys" list']),
        ([{"iss": ISS, "jwks_file": "jwks.json"}], {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}, ["private"]),
        ([{"iss": ISS, "jku": "https://ehr.example.org/jwks"}], None, ['"jku" must be a non-empty list']),
        ([{"iss": ISS, "jku": ["http://ehr.example.org/jwks"]}], None, ["must be an https URL"]),
    ],
    ids=[
        "not-json",
        "not-an-array",
        "empty",
        "item-not-object",
        "no-iss",
        "empty-iss",
        "unknown-field",
        "no-keys",
        "bad-jku-url",
        "iss-twice",
        "jwks-file-missing",
        "jwks-not-a-set",
        "jwks-private",
        "jku-not-list",
        "jku-http",
    ],
)
def test_a_bad_issuers_file_exits_2_naming_the_field(tmp_path, issuers, jwks, words):
    path = issuers_file(tmp_path, issuers, jwks)
    refused(serve("--cds-issuers", path), "--cds-issuers", str(path), *words)


def test_a_missing_issuers_file_exits_2(tmp_path):
    refused(serve("--cds-issuers", tmp_path / "nowhere.json"), "--cds-issuers", "nowhere.json", "cannot read")


def test_a_good_issuers_file_is_taken(tmp_path, key, shipped_path):
    path = issuers_file(tmp_path, [{"iss": ISS, "jwks_file": "jwks.json"}], jwk_set(key))
    with Service(["--model", shipped_path, "--cds-issuers", path, "--no-reload"]) as running:
        assert running.process is not None and running.process.poll() is None


# -- the other options ------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://cds.example.org", "ftp://cds.example.org", "cds.example.org", "https://cds.example.org/?a=1"]
)
def test_a_public_url_that_is_not_an_https_url_exits_2(url):
    refused(serve("--public-url", url), "--public-url", url)


def test_beyond_loopback_issuers_need_the_public_url(tmp_path, key):
    path = issuers_file(tmp_path, [{"iss": ISS, "jwks_file": "jwks.json"}], jwk_set(key))
    done = serve("--host", "0.0.0.0", "--cds-issuers", path, env={"ATC_DMN_TOKEN": "a-token"})
    refused(done, "--public-url", "aud")


@pytest.mark.parametrize("origin", ["ehr.example.org", "https://ehr.example.org/app", "javascript:x"])
def test_a_cors_origin_that_is_not_an_origin_exits_2(origin):
    refused(serve("--cors-origin", origin), "--cors-origin", origin)


def test_the_real_command_exits_2_before_listening(atc_command, tmp_path):
    port = free_port()
    path = issuers_file(tmp_path, [{"iss": ISS}])
    done = subprocess.run(
        [atc_command, "serve", "--port", str(port), "--cds-issuers", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "--cds-issuers" in done.stderr and '"jwks_file"' in done.stderr and "Traceback" not in done.stderr
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


# -- who may call, on a running service -------------------------------------------


def code_of(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]["details"]["coding"][0]["code"]


def test_beyond_loopback_without_issuers_the_cds_routes_are_off_and_the_token_does_not_apply(shipped_path):
    guarded = Service(["--model", shipped_path, "--host", "0.0.0.0"], env={"ATC_DMN_TOKEN": "s3cret"})
    with guarded as running, httpx.Client(base_url=running.url, timeout=10) as http:
        for headers in ({}, {"Authorization": "Bearer s3cret"}):
            answer = http.get("/cds-services", headers=headers)
            assert answer.status_code == 403 and code_of(answer) == "CDS_DISABLED"
            answer = http.post("/cds-services/x/feedback", json={}, headers=headers)
            assert answer.status_code == 403 and code_of(answer) == "CDS_DISABLED"
        assert http.get("/models").status_code == 401  # the token still guards the rest


def test_on_loopback_without_issuers_no_jwt_is_needed(shipped_path):
    with Service(["--model", shipped_path, "--no-reload"], env={"ATC_DMN_TOKEN": "s3cret"}) as running:
        answer = httpx.get(running.url + "/cds-services", timeout=10)
        assert answer.status_code == 200 and "services" in answer.json()


@pytest.fixture(scope="module")
def verified(tmp_path_factory, key, shipped_path) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("issuers")
    path = issuers_file(folder, [{"iss": ISS, "jwks_file": "jwks.json"}], jwk_set(key))
    args = ["--model", shipped_path, "--cds-issuers", path, "--no-reload", "--cors-origin", "https://ehr.example.org"]
    with Service(args) as running:
        yield running


def test_with_issuers_every_cds_call_needs_a_jwt_whose_aud_is_the_url_called(verified, key):
    url = verified.url + "/cds-services"
    with httpx.Client(timeout=10) as http:
        missing = http.get(url)
        assert missing.status_code == 401 and code_of(missing) == "MISSING"
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = http.get(url, headers={"Authorization": f"Bearer {token(key, url + '/atc-treatment')}"})
        assert wrong.status_code == 401 and code_of(wrong) == "WRONG_AUDIENCE"
        good = {"Authorization": f"Bearer {token(key, url)}"}
        assert http.get(url, headers=good).status_code == 200
        assert code_of(http.get(url, headers=good)) == "REPLAYED"
        unknown = http.post(url + "/nope", json={}, headers={"Authorization": f"Bearer {token(key, url + '/nope')}"})
        assert unknown.status_code == 404 and code_of(unknown) == "UNKNOWN_SERVICE"


def test_the_public_url_is_the_audience(tmp_path, key, shipped_path):
    path = issuers_file(tmp_path, [{"iss": ISS, "jwks_file": "jwks.json"}], jwk_set(key))
    public = "https://cds.example.org/atc"
    with Service(["--model", shipped_path, "--cds-issuers", path, "--public-url", public, "--no-reload"]) as running:
        url = running.url + "/cds-services"
        with httpx.Client(timeout=10) as http:
            local = http.get(url, headers={"Authorization": f"Bearer {token(key, url)}"})
            assert local.status_code == 401 and code_of(local) == "WRONG_AUDIENCE"
            assert public + "/cds-services" in local.json()["issue"][0]["diagnostics"]
            good = http.get(url, headers={"Authorization": f"Bearer {token(key, public + '/cds-services')}"})
            assert good.status_code == 200


def test_cors_for_the_listed_origin_only(verified):
    url = verified.url + "/cds-services/atc-treatment"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    with httpx.Client(timeout=10) as http:
        ok = http.options(url, headers={"Origin": "https://ehr.example.org", **preflight})
        assert ok.status_code == 204
        assert ok.headers["Access-Control-Allow-Origin"] == "https://ehr.example.org"
        assert "Authorization" in ok.headers["Access-Control-Allow-Headers"]
        assert "Content-Type" in ok.headers["Access-Control-Allow-Headers"]
        assert "POST" in ok.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in ok.headers
        other = http.options(url, headers={"Origin": "https://evil.example", **preflight})
        assert other.status_code == 403 and code_of(other) == "ORIGIN_NOT_ALLOWED"
        # An actual request (refused here for its missing JWT) carries the header the browser needs to read it.
        answer = http.get(verified.url + "/cds-services", headers={"Origin": "https://ehr.example.org"})
        assert answer.status_code == 401
        assert answer.headers["Access-Control-Allow-Origin"] == "https://ehr.example.org"
        assert "Access-Control-Allow-Origin" not in http.get(verified.url + "/health").headers


def test_cors_allows_any_origin_by_default(shipped_path):
    with Service(["--model", shipped_path, "--no-reload"]) as running:
        preflight = {"Origin": "https://any.example", "Access-Control-Request-Method": "POST"}
        answer = httpx.options(running.url + "/cds-services/atc-treatment", headers=preflight, timeout=10)
        assert answer.status_code == 204 and answer.headers["Access-Control-Allow-Origin"] == "*"
