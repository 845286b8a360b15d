"""CDS Hooks JWT verification (CDS Hooks 2.0.1, "Trusting CDS Clients"), with real tokens signed by test keys.

Every refusal is produced by a token a client could send; the expected reason codes
are the ones the CDS Hooks rules call for, not read back from the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from atc_dmn.errors import DmnError
from atc_dmn.service.cds_auth import CdsTokenVerifier, Issuer, TokenError, load_jwks
from atc_dmn.service.config import ServeError

NOW = 1_800_000_000.0
ISS = "https://ehr.example.org"
OTHER_ISS = "https://other-ehr.example.org"
AUD = "https://cds.example.org/cds-services/atc_treatment"
JKU = "https://ehr.example.org/.well-known/jwks.json"


def _public_jwk(key: Any, kid: str, algorithm: type) -> dict[str, Any]:
    jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig"}


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    """EC P-384 for ES384, RSA 2048 for RS384, and a second EC key the service does not trust."""
    return {
        "ec": ec.generate_private_key(ec.SECP384R1()),
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "stranger": ec.generate_private_key(ec.SECP384R1()),
        "jku": ec.generate_private_key(ec.SECP384R1()),
    }


@pytest.fixture(scope="module")
def jwks(keys: dict[str, Any]) -> dict[str, Any]:
    return {"keys": [_public_jwk(keys["ec"], "ec-1", ECAlgorithm), _public_jwk(keys["rsa"], "rsa-1", RSAAlgorithm)]}


@pytest.fixture(scope="module")
def jku_jwks(keys: dict[str, Any]) -> dict[str, Any]:
    return {"keys": [_public_jwk(keys["jku"], "jku-1", ECAlgorithm)]}


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    """Stands in for the HTTP GET of a JWK Set URL, counting its calls."""

    def __init__(self, sets: dict[str, Any]) -> None:
        self.sets = sets
        self.calls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        if url not in self.sets:
            raise ConnectionError(f"cannot reach {url}")
        return self.sets[url]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fetch(jku_jwks: dict[str, Any]) -> FakeFetch:
    return FakeFetch({JKU: jku_jwks})


@pytest.fixture
def verifier(jwks: dict[str, Any], fetch: FakeFetch, clock: Clock) -> CdsTokenVerifier:
    issuers = [Issuer(ISS, jwks=jwks, jku_allowed=(JKU,)), Issuer(OTHER_ISS, jku_allowed=(JKU,))]
    return CdsTokenVerifier(issuers, fetch_jwks=fetch, clock=clock)


def claims(**changes: Any) -> dict[str, Any]:
    base = {"iss": ISS, "aud": AUD, "exp": int(NOW) + 300, "iat": int(NOW), "jti": str(uuid.uuid4())}
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def sign(keys: dict[str, Any], payload: dict[str, Any] | None = None, *, alg: str = "ES384", **header: Any) -> str:
    key = {"ES384": keys["ec"], "RS384": keys["rsa"]}[alg]
    headers = {"typ": "JWT", "kid": "ec-1" if alg == "ES384" else "rsa-1", **header}
    return jwt.encode(claims() if payload is None else payload, key, algorithm=alg, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict[str, Any], payload: dict[str, Any], signer: Any = None) -> str:
    """A token built by hand: the attacks that a JWT library refuses to produce."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = signer(signing_input.encode()) if signer else b""
    return f"{signing_input}.{_b64(signature)}"


def refused(verifier: CdsTokenVerifier, token: str, audience: str = AUD) -> TokenError:
    return refused_header(verifier, f"Bearer {token}", audience)


def refused_header(verifier: CdsTokenVerifier, header: str | None, audience: str = AUD) -> TokenError:
    with pytest.raises(TokenError) as caught:
        verifier.verify(header, audience)
    return caught.value


# Accepted


def test_an_es384_token_from_a_trusted_issuer_is_accepted_with_its_claims(verifier, keys) -> None:
    payload = claims(tenant="2ddd6c3a-8e9a-44c6-a305-52111ad302a2")
    got = verifier.verify(f"Bearer {sign(keys, payload)}", AUD)
    assert got["iss"] == ISS and got["jti"] == payload["jti"]
    assert got["tenant"] == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"


def test_an_rs384_token_is_accepted(verifier, keys) -> None:
    payload = claims()
    assert verifier.verify(f"Bearer {sign(keys, payload, alg='RS384')}", AUD)["jti"] == payload["jti"]


def test_the_bearer_scheme_is_case_insensitive_and_typ_is_optional(verifier, keys) -> None:
    token = jwt.encode(claims(), keys["ec"], algorithm="ES384", headers={"kid": "ec-1"})
    assert "typ" in jwt.get_unverified_header(token)  # PyJWT adds typ; drop it by hand
    header = {"alg": "ES384", "kid": "ec-1"}
    key = ECAlgorithm(ECAlgorithm.SHA384)
    no_typ = handmade(header, claims(), lambda data: key.sign(data, keys["ec"]))
    assert verifier.verify(f"bearer {no_typ}", AUD)["iss"] == ISS


def test_an_audience_list_containing_the_service_url_is_accepted(verifier, keys) -> None:
    payload = claims(aud=["https://elsewhere.example.org/cds-services/x", AUD])
    assert verifier.verify(f"Bearer {sign(keys, payload)}", AUD)["aud"] == payload["aud"]


def test_a_token_within_the_leeway_is_accepted(verifier, keys, clock) -> None:
    clock.now = NOW + 300 + 20  # expired 20 s ago, inside the 30 s leeway
    assert verifier.verify(f"Bearer {sign(keys)}", AUD)["iss"] == ISS


# The header and the algorithm


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "MISSING"),
        ("", "MISSING"),
        ("Basic dXNlcjpwYXNz", "MALFORMED"),
        ("Bearer", "MALFORMED"),
        ("Bearer   ", "MALFORMED"),
        ("Bearer not-a-jwt", "MALFORMED"),
        ("Bearer a.b.c", "MALFORMED"),
        ("Bearer " + "x" * 20_000 + ".a.b", "MALFORMED"),
        ("Bearer !!!.???.***", "MALFORMED"),
    ],
)
def test_a_missing_or_malformed_authorization_header_is_refused(verifier, header, reason) -> None:
    error = refused_header(verifier, header)
    assert error.reason == reason
    assert error.claim == "Authorization"
    assert isinstance(error, DmnError) and error.message


def test_alg_none_is_refused_before_any_key_is_looked_up(verifier, fetch) -> None:
    token = handmade({"alg": "none", "typ": "JWT", "kid": "ec-1", "jku": JKU}, claims())
    error = refused(verifier, token)
    assert (error.reason, error.claim) == ("ALG_NOT_ALLOWED", "alg")
    assert fetch.calls == []


def test_hs256_signed_with_the_public_key_text_is_refused(verifier, keys) -> None:
    """The classic confusion attack: the public key, which anyone has, used as an HMAC secret."""
    pem = (
        keys["ec"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    token = handmade(
        {"alg": "HS256", "typ": "JWT", "kid": "ec-1"},
        claims(),
        lambda data: hmac.new(pem, data, hashlib.sha256).digest(),
    )
    assert refused(verifier, token).reason == "ALG_NOT_ALLOWED"


def test_hs384_is_refused(verifier) -> None:
    token = jwt.encode(
        claims(), "a shared secret that is long enough for HS384, 48+ bytes", algorithm="HS384", headers={"kid": "ec-1"}
    )
    assert refused(verifier, token).reason == "ALG_NOT_ALLOWED"


@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS384", "EdDSA", None, 384])
def test_any_other_alg_is_refused(verifier, keys, alg) -> None:
    key = ECAlgorithm(ECAlgorithm.SHA384)
    token = handmade({"alg": alg, "kid": "ec-1"}, claims(), lambda data: key.sign(data, keys["ec"]))
    assert refused(verifier, token).reason == "ALG_NOT_ALLOWED"


def test_a_typ_other_than_jwt_is_refused(verifier, keys) -> None:
    error = refused(verifier, sign(keys, typ="at+jwt"))
    assert (error.reason, error.claim) == ("MALFORMED", "typ")


def test_a_token_without_kid_is_refused(verifier, keys) -> None:
    token = jwt.encode(claims(), keys["ec"], algorithm="ES384")
    error = refused(verifier, token)
    assert (error.reason, error.claim) == ("MISSING_CLAIM", "kid")


# Issuer and keys


def test_a_token_signed_with_another_key_under_a_known_kid_is_a_bad_signature(verifier, keys) -> None:
    token = jwt.encode(claims(), keys["stranger"], algorithm="ES384", headers={"kid": "ec-1"})
    assert refused(verifier, token).reason == "BAD_SIGNATURE"


def test_a_tampered_payload_is_a_bad_signature(verifier, keys) -> None:
    header, _, signature = sign(keys).split(".")
    forged = f"{header}.{_b64(json.dumps(claims(aud=AUD, iss=ISS)).encode())}.{signature}"
    assert refused(verifier, forged).reason == "BAD_SIGNATURE"


def test_an_unknown_kid_is_refused(verifier, keys) -> None:
    error = refused(verifier, sign(keys, kid="ec-2"))
    assert (error.reason, error.claim) == ("UNKNOWN_KEY", "kid")


def test_an_rs384_token_naming_the_ec_key_is_refused(verifier, keys) -> None:
    assert refused(verifier, sign(keys, alg="RS384", kid="ec-1")).reason == "UNKNOWN_KEY"


def test_an_issuer_not_on_the_allowlist_is_refused(verifier, keys) -> None:
    error = refused(verifier, sign(keys, claims(iss="https://attacker.example.org")))
    assert (error.reason, error.claim) == ("UNKNOWN_ISSUER", "iss")


def test_a_jku_not_on_the_issuers_allowlist_is_refused_without_fetching_it(verifier, keys, fetch) -> None:
    token = jwt.encode(
        claims(),
        keys["stranger"],
        algorithm="ES384",
        headers={"kid": "s-1", "jku": "https://attacker.example.org/jwks"},
    )
    error = refused(verifier, token)
    assert (error.reason, error.claim) == ("JKU_NOT_ALLOWED", "jku")
    assert fetch.calls == []


def test_an_allowlisted_jku_is_fetched_once_and_cached(verifier, keys, fetch, clock) -> None:
    def token() -> str:
        return jwt.encode(claims(), keys["jku"], algorithm="ES384", headers={"kid": "jku-1", "jku": JKU})

    assert verifier.verify(f"Bearer {token()}", AUD)["iss"] == ISS
    assert verifier.verify(f"Bearer {token()}", AUD)["iss"] == ISS
    assert fetch.calls == [JKU]
    clock.now = NOW + 301  # past the cache's five minutes the set is fetched again
    fresh = claims(iat=int(clock.now), exp=int(clock.now) + 60)
    verifier.verify(
        f"Bearer {jwt.encode(fresh, keys['jku'], algorithm='ES384', headers={'kid': 'jku-1', 'jku': JKU})}", AUD
    )
    assert fetch.calls == [JKU, JKU]


def test_an_issuer_with_only_an_allowlisted_url_uses_it_when_the_token_names_no_jku(verifier, keys, fetch) -> None:
    token = jwt.encode(claims(iss=OTHER_ISS), keys["jku"], algorithm="ES384", headers={"kid": "jku-1"})
    assert verifier.verify(f"Bearer {token}", AUD)["iss"] == OTHER_ISS
    assert fetch.calls == [JKU]


def test_a_jwks_that_cannot_be_fetched_is_jwks_unavailable_and_retried_only_after_a_pause(keys, clock) -> None:
    fetch = FakeFetch({})
    verifier = CdsTokenVerifier([Issuer(ISS, jku_allowed=(JKU,))], fetch_jwks=fetch, clock=clock)
    token = jwt.encode(claims(), keys["jku"], algorithm="ES384", headers={"kid": "jku-1", "jku": JKU})
    assert refused(verifier, token).reason == "JWKS_UNAVAILABLE"
    fetch.sets[JKU] = {"not": "a jwks"}
    assert refused(verifier, token).reason == "JWKS_UNAVAILABLE"
    assert fetch.calls == [JKU]  # the failure is remembered: no second wait on a key server that is down
    clock.now = NOW + 11
    error = refused(verifier, token)
    assert (error.reason, error.claim) == ("JWKS_UNAVAILABLE", "jku")
    assert fetch.calls == [JKU, JKU]


def test_a_key_rotated_into_the_jku_set_is_found_after_the_retry_interval(keys, jku_jwks, clock) -> None:
    fetch = FakeFetch({JKU: jku_jwks})
    verifier = CdsTokenVerifier([Issuer(ISS, jku_allowed=(JKU,))], fetch_jwks=fetch, clock=clock)
    first = jwt.encode(claims(), keys["jku"], algorithm="ES384", headers={"kid": "jku-1", "jku": JKU})
    verifier.verify(f"Bearer {first}", AUD)
    fetch.sets[JKU] = {"keys": [*jku_jwks["keys"], _public_jwk(keys["stranger"], "jku-2", ECAlgorithm)]}

    def rotated() -> str:
        payload = claims(iat=int(clock.now), exp=int(clock.now) + 60)
        return jwt.encode(payload, keys["stranger"], algorithm="ES384", headers={"kid": "jku-2", "jku": JKU})

    assert refused(verifier, rotated()).reason == "UNKNOWN_KEY"
    assert fetch.calls == [JKU]  # an unknown kid does not refetch at once: random kids cannot flood the key server
    clock.now = NOW + 11
    assert verifier.verify(f"Bearer {rotated()}", AUD)["iss"] == ISS
    assert fetch.calls == [JKU, JKU]


# Audience


@pytest.mark.parametrize(
    "aud",
    [
        "https://cds.example.org/cds-services/other",
        AUD + "/",
        "https://cds.example.org",
        ["https://cds.example.org/cds-services/other"],
    ],
)
def test_an_audience_other_than_the_exact_url_called_is_refused(verifier, keys, aud) -> None:
    error = refused(verifier, sign(keys, claims(aud=aud)))
    assert (error.reason, error.claim) == ("WRONG_AUDIENCE", "aud")


# Time


def test_an_expired_token_is_refused(verifier, keys, clock) -> None:
    clock.now = NOW + 300 + 31
    error = refused(verifier, sign(keys))
    assert (error.reason, error.claim) == ("EXPIRED", "exp")


def test_a_token_issued_in_the_future_is_refused(verifier, keys) -> None:
    error = refused(verifier, sign(keys, claims(iat=int(NOW) + 120, exp=int(NOW) + 400)))
    assert (error.reason, error.claim) == ("ISSUED_IN_FUTURE", "iat")


def test_a_token_issued_too_long_ago_is_refused_even_if_not_expired(verifier, keys) -> None:
    error = refused(verifier, sign(keys, claims(iat=int(NOW) - 3600, exp=int(NOW) + 3600)))
    assert (error.reason, error.claim) == ("EXPIRED", "iat")


def test_a_token_not_yet_valid_is_refused(verifier, keys) -> None:
    error = refused(verifier, sign(keys, claims(nbf=int(NOW) + 120)))
    assert (error.reason, error.claim) == ("NOT_YET_VALID", "nbf")


@pytest.mark.parametrize("name", ["iss", "aud", "exp", "iat", "jti"])
def test_a_token_missing_a_required_claim_is_refused(verifier, keys, name) -> None:
    error = refused(verifier, sign(keys, claims(**{name: None})))
    assert (error.reason, error.claim) == ("MISSING_CLAIM", name)


@pytest.mark.parametrize(("name", "value"), [("exp", "soon"), ("iat", True), ("jti", 7), ("tenant", ["a"])])
def test_a_claim_of_the_wrong_type_is_malformed(verifier, keys, name, value) -> None:
    error = refused(verifier, sign(keys, claims(**{name: value})))
    assert (error.reason, error.claim) == ("MALFORMED", name)


# Replay


def test_a_jti_used_twice_is_refused_the_second_time(verifier, keys) -> None:
    token = sign(keys)
    verifier.verify(f"Bearer {token}", AUD)
    error = refused(verifier, token)
    assert (error.reason, error.claim) == ("REPLAYED", "jti")


def test_the_same_jti_from_another_issuer_is_not_a_replay(verifier, keys) -> None:
    jti = "shared-nonce"
    verifier.verify(f"Bearer {sign(keys, claims(jti=jti))}", AUD)
    other = jwt.encode(claims(iss=OTHER_ISS, jti=jti), keys["jku"], algorithm="ES384", headers={"kid": "jku-1"})
    assert verifier.verify(f"Bearer {other}", AUD)["jti"] == jti


def test_a_refused_token_does_not_use_up_its_jti(verifier, keys) -> None:
    payload = claims()
    refused(verifier, sign(keys, payload), audience="https://cds.example.org/cds-services/other")
    assert verifier.verify(f"Bearer {sign(keys, payload)}", AUD)["jti"] == payload["jti"]


def test_a_jti_is_forgotten_once_its_token_has_expired(jwks, keys, clock) -> None:
    verifier = CdsTokenVerifier([Issuer(ISS, jwks=jwks)], clock=clock, max_replay_entries=4)
    verifier.verify(f"Bearer {sign(keys, claims(jti='once', exp=int(NOW) + 60))}", AUD)
    assert len(verifier._replays) == 1
    clock.now = NOW + 60 + 31  # the first token is now past exp and leeway
    later = claims(jti="once", iat=int(clock.now), exp=int(clock.now) + 60)
    assert verifier.verify(f"Bearer {sign(keys, later)}", AUD)["jti"] == "once"
    assert len(verifier._replays) == 1


def test_the_replay_cache_is_bounded(jwks, keys, clock) -> None:
    verifier = CdsTokenVerifier([Issuer(ISS, jwks=jwks)], clock=clock, max_replay_entries=3)
    for _ in range(10):
        verifier.verify(f"Bearer {sign(keys)}", AUD)
    assert len(verifier._replays) == 3


def test_sixteen_threads_accept_distinct_tokens_and_the_shared_one_once(verifier, keys) -> None:
    shared = sign(keys)
    own = [sign(keys, alg="RS384" if n % 2 else "ES384") for n in range(16)]
    start = threading.Barrier(16)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        start.wait()
        for label, token in (("shared", shared), ("own", own[n])):
            try:
                verifier.verify(f"Bearer {token}", AUD)
                result = "accepted"
            except TokenError as error:
                result = error.reason
            with lock:
                outcomes.append((label, result))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shared_results = sorted(result for label, result in outcomes if label == "shared")
    assert shared_results == ["REPLAYED"] * 15 + ["accepted"]
    assert [result for label, result in outcomes if label == "own"] == ["accepted"] * 16


# Configuration


def test_load_jwks_reads_a_jwks_file(tmp_path: Path, jwks) -> None:
    path = tmp_path / "ehr.jwks.json"
    path.write_text(json.dumps(jwks))
    assert load_jwks(path) == jwks


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, "cannot read"),
        ("{not json", "not JSON"),
        ('{"keys": {}}', '"keys" list'),
        ('{"keys": [{"kid": "a"}]}', "not a JWK"),
        ('{"keys": [{"kty": "oct", "kid": "a", "k": "c2VjcmV0"}]}', "private or symmetric"),
        ('{"keys": [{"kty": "EC", "kid": "a"}, {"kty": "EC", "kid": "a"}]}', "twice"),
    ],
)
def test_a_bad_jwks_file_is_a_serve_error_naming_it(tmp_path: Path, text, words) -> None:
    path = tmp_path / "ehr.jwks.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ServeError) as caught:
        load_jwks(path)
    assert str(path) in caught.value.message and words in caught.value.message


def test_an_issuer_without_keys_or_configured_twice_is_a_serve_error(jwks) -> None:
    with pytest.raises(ServeError, match="neither"):
        CdsTokenVerifier([Issuer(ISS)])
    with pytest.raises(ServeError, match="twice"):
        CdsTokenVerifier([Issuer(ISS, jwks=jwks), Issuer(ISS, jwks=jwks)])


def test_no_pyjwt_exception_escapes_for_garbage_tokens(verifier) -> None:
    header = _b64(json.dumps({"alg": "ES384", "kid": "ec-1"}).encode())
    for payload in (b"[]", b"not json", b'"a string"', json.dumps(claims()).encode()):
        for signature in ("", "AAAA", "%%%%"):
            token = f"{header}.{_b64(payload)}.{signature}"
            assert refused(verifier, token).reason in {"MALFORMED", "BAD_SIGNATURE"}
