"""Who may call the CDS Hooks service: the EHR's signed JWT, checked as CDS Hooks 2.0.1 asks.

CDS Hooks 2.0.1, §Security and Safety, "Trusting CDS Clients": every call carries
``Authorization: Bearer <jwt>``, signed by the CDS Client with a key it publishes as
a JWK Set; the CDS Service allowlists the issuers (``iss``) and JWK Set URLs (``jku``)
it trusts, checks that ``aud`` is the URL it was called at, that the token is fresh
(``exp``, ``iat``) and that its ``jti`` was not seen before. A token that fails any
check is refused with a :class:`TokenError` whose ``reason`` is a stable code for
programs and whose ``message`` says what the client must fix.

Signatures are PyJWT's; the choice of algorithm, key, issuer and clock is ours, so
that no header field of an unverified token decides how it is verified.
"""

from __future__ import annotations

import heapq
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from ..errors import DmnError
from .config import ServeError

# CDS Hooks 2.0.1 names the two asymmetric algorithms a CDS Client signs with. HMAC would
# need a secret shared with every EHR, and "none" is no signature at all.
ALGORITHMS = ("ES384", "RS384")
REASONS = (
    "MISSING",
    "MALFORMED",
    "ALG_NOT_ALLOWED",
    "UNKNOWN_ISSUER",
    "UNKNOWN_KEY",
    "JKU_NOT_ALLOWED",
    "BAD_SIGNATURE",
    "WRONG_AUDIENCE",
    "EXPIRED",
    "NOT_YET_VALID",
    "ISSUED_IN_FUTURE",
    "MISSING_CLAIM",
    "REPLAYED",
    "JWKS_UNAVAILABLE",
)
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
MAX_TOKEN = 16 * 1024  # characters: a CDS Hooks JWT is a few hundred; a larger one is refused before parsing
_PRIVATE_PARTS = ("d", "p", "q", "dp", "dq", "qi", "k")
_PYJWK_ERRORS = (jwt.PyJWTError, ValueError, TypeError)


class TokenError(DmnError):
    """A CDS Hooks call whose JWT is refused (the service answers 401).

    ``reason`` is one of :data:`REASONS`, stable for programs; ``message`` says what the
    client must fix; ``claim`` names the claim or header field at fault, or None.
    """

    def __init__(self, reason: str, message: str, claim: str | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown token error reason {reason!r}")
        self.reason = reason
        self.message = message
        self.claim = claim
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "reason": self.reason, "message": self.message, "claim": self.claim}


@dataclass(frozen=True)
class Issuer:
    """A CDS Client the service trusts, by its ``iss``, with where its public keys come from.

    ``jwks`` is a JWK Set configured out of band (see :func:`load_jwks`); ``jku_allowed``
    lists the JWK Set URLs a token from this issuer may name in its ``jku`` header. CDS
    Hooks 2.0.1 asks the service to allowlist ``jku``: fetching keys from any URL a token
    names would let anyone sign a token with a key of their own.
    """

    iss: str
    jwks: Mapping[str, Any] | None = None
    jku_allowed: tuple[str, ...] = ()


def load_jwks(path: str | Path) -> dict[str, Any]:
    """Read a JWK Set file for an :class:`Issuer`; a bad file is a ServeError naming it.

    A configuration mistake must stop the service at start, not refuse every EHR call later.
    """
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ServeError(
            f"{where}: cannot read the JWK Set file: {getattr(error, 'strerror', None) or error}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ServeError(f"{where}: not JSON (line {error.lineno}, column {error.colno}): {error.msg}") from None
    try:
        _KeySet(data)
    except ValueError as error:
        raise ServeError(f"{where}: {error}") from None
    return data


class _KeySet:
    """One JWK Set's public keys by ``kid``, each turned into a PyJWK once per algorithm."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ValueError('a JWK Set is a JSON object with a "keys" list (RFC 7517 §5)')
        self.keys: dict[str, dict[str, Any]] = {}
        for number, key in enumerate(data["keys"], 1):
            if not isinstance(key, dict) or not isinstance(key.get("kty"), str):
                raise ValueError(f'key {number} is not a JWK (an object with a "kty")')
            if any(part in key for part in _PRIVATE_PARTS):
                raise ValueError(f"key {number} holds private or symmetric key material; publish public keys only")
            kid = key.get("kid")
            if kid is None:
                continue  # CDS Hooks tokens always name their key; a key without a kid is never chosen
            if not isinstance(kid, str):
                raise ValueError(f'key {number}: "kid" is not a string')
            if kid in self.keys:
                raise ValueError(f"kid {kid!r} appears twice; a kid must pick one key")
            self.keys[kid] = key
        self._made: dict[tuple[str, str], jwt.PyJWK] = {}

    def key(self, kid: str, alg: str) -> jwt.PyJWK | None:
        """The key ``kid`` for ``alg``, or None if the set has no such key; TokenError if it cannot serve ``alg``."""
        made = self._made.get((kid, alg))
        if made is not None:
            return made
        data = self.keys.get(kid)
        if data is None:
            return None
        if data.get("use", "sig") != "sig":
            raise TokenError("UNKNOWN_KEY", f"key {kid!r} is not a signing key (use {data['use']!r})", "kid")
        if data.get("alg", alg) != alg:
            raise TokenError("UNKNOWN_KEY", f"key {kid!r} is for {data['alg']}, not the token's {alg}", "kid")
        try:
            made = jwt.PyJWK(data, algorithm=alg)
        except _PYJWK_ERRORS as error:
            raise TokenError("UNKNOWN_KEY", f"key {kid!r} cannot verify {alg}: {error}", "kid") from None
        self._made[(kid, alg)] = made
        return made


def _fetch_jwks(url: str) -> dict[str, Any]:
    """GET a JWK Set with a short timeout: the EHR waits on the answer (CDS Hooks asks for well under a second)."""
    import httpx  # only when a jku is fetched: the service needs no HTTP client otherwise

    response = httpx.get(url, timeout=2.0, follow_redirects=False, headers={"Accept": "application/json"})
    response.raise_for_status()
    return response.json()


class _ReplayCache:
    """The (iss, jti) pairs accepted, each until its token could no longer be accepted anyway.

    Thread-safe and bounded: expired entries are forgotten as time passes; if the bound is
    reached while all are live, the one nearest its end goes first (it is the one whose
    replay window is shortest).
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._until: dict[tuple[str, str], float] = {}
        self._heap: list[tuple[float, tuple[str, str]]] = []
        self._lock = threading.Lock()

    def add(self, key: tuple[str, str], until: float, now: float) -> bool:
        """Record ``key`` until ``until``; False if it is already recorded and live."""
        with self._lock:
            self._forget(now)
            if key in self._until:
                return False
            while len(self._until) >= self.max_entries and self._heap:
                _, oldest = heapq.heappop(self._heap)
                self._until.pop(oldest, None)
            self._until[key] = until
            heapq.heappush(self._heap, (until, key))
            return True

    def _forget(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            until, key = heapq.heappop(self._heap)
            if self._until.get(key) == until:
                del self._until[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)


class CdsTokenVerifier:
    """Verifies the ``Authorization`` header of a CDS Hooks call against the trusted issuers.

    ``leeway_s`` allows for clock skew between EHR and service; ``max_age_s`` refuses a token
    issued longer ago than that, whatever its ``exp`` (CDS Hooks 2.0.1 expects ``exp`` at
    most five minutes after ``iat``); ``fetch_jwks`` GETs a JWK Set URL (tests inject one),
    cached for ``jwks_ttl_s`` seconds, looked at again after ``jwks_retry_s`` when it failed
    or lacks the token's kid; ``clock`` gives the time in seconds since the epoch; at most
    ``max_replay_entries`` jti are remembered. A bad configuration is a ServeError, raised
    here so that the service does not start.
    """

    def __init__(
        self,
        issuers: Sequence[Issuer],
        *,
        leeway_s: float = 30,
        max_age_s: float = 300,
        fetch_jwks: Callable[[str], dict[str, Any]] | None = None,
        clock: Callable[[], float] = time.time,
        jwks_ttl_s: float = 300,
        jwks_retry_s: float = 10,
        max_replay_entries: int = 100_000,
    ) -> None:
        self.issuers: dict[str, Issuer] = {}
        self._configured: dict[str, _KeySet] = {}
        for issuer in issuers:
            if not isinstance(issuer.iss, str) or not issuer.iss:
                raise ServeError(f"issuer {issuer.iss!r}: iss must be a non-empty string")
            if issuer.iss in self.issuers:
                raise ServeError(f"issuer {issuer.iss!r} is configured twice")
            if issuer.jwks is None and not issuer.jku_allowed:
                raise ServeError(f"issuer {issuer.iss!r} has neither a JWK Set nor an allowlisted jku")
            if isinstance(issuer.jku_allowed, str) or not all(isinstance(u, str) for u in issuer.jku_allowed):
                raise ServeError(f"issuer {issuer.iss!r}: jku_allowed must be a tuple of URLs")
            if issuer.jwks is not None:
                try:
                    self._configured[issuer.iss] = _KeySet(issuer.jwks)
                except ValueError as error:
                    raise ServeError(f"issuer {issuer.iss!r}: its JWK Set: {error}") from None
            self.issuers[issuer.iss] = issuer
        self.leeway_s = leeway_s
        self.max_age_s = max_age_s
        self.jwks_ttl_s = jwks_ttl_s
        self.jwks_retry_s = jwks_retry_s
        self.clock = clock
        self._fetch = fetch_jwks or _fetch_jwks
        self._fetched: dict[str, tuple[_KeySet, float]] = {}
        self._failed: dict[str, tuple[str, float]] = {}
        self._fetch_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._replays = _ReplayCache(max_replay_entries)

    def verify(self, authorization_header: str | None, audience: str) -> dict[str, Any]:
        """The verified claims of the call's JWT (``tenant`` among them if sent), or TokenError.

        ``audience`` is the exact URL the service was called at, from the service's own
        configuration (CDS Hooks 2.0.1: ``aud`` is the CDS Service endpoint called), not from
        the request's Host header, which the caller chooses.
        """
        token = _bearer(authorization_header)
        header = _header(token)
        alg = header["alg"]
        unverified = _unverified_claims(token)
        iss = unverified.get("iss")
        if iss is None:
            raise TokenError("MISSING_CLAIM", "the token has no iss: name the CDS Client that signed it", "iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise TokenError("UNKNOWN_ISSUER", f"issuer {iss!r} is not trusted by this service", "iss")
        key = self._key(issuer, header, alg)
        claims = _decode(token, key, alg, audience, iss)
        return self._check_times_and_replay(claims)

    def _key(self, issuer: Issuer, header: dict[str, Any], alg: str) -> jwt.PyJWK:
        """The issuer's key the token names, from the jku it names (if allowlisted) or the configured set."""
        kid = header["kid"]
        jku = header.get("jku")
        if jku is not None:
            if jku not in issuer.jku_allowed:
                raise TokenError(
                    "JKU_NOT_ALLOWED", f"jku {jku!r} is not an allowlisted JWK Set URL for issuer {issuer.iss!r}", "jku"
                )
            urls: tuple[str, ...] = (jku,)
        elif issuer.iss in self._configured:
            found = self._configured[issuer.iss].key(kid, alg)
            if found is not None:
                return found
            urls = ()
        else:
            # No jku and no configured set: the allowlisted URLs are this issuer's out-of-band JWK Sets.
            urls = issuer.jku_allowed
        for url in urls:
            found = self._jwks_at(url).key(kid, alg)
            if found is None:
                # A kid missing from a cached set may be a key rotated in since: look again, at most every jwks_retry_s.
                found = self._jwks_at(url, refresh=True).key(kid, alg)
            if found is not None:
                return found
        raise TokenError("UNKNOWN_KEY", f"issuer {issuer.iss!r} has no key with kid {kid!r}", "kid")

    def _jwks_at(self, url: str, *, refresh: bool = False) -> _KeySet:
        """The JWK Set at ``url``, fetched at most once per TTL (or per retry interval) however many calls wait.

        A failed fetch is remembered for ``jwks_retry_s``: while the client's key server is
        down, calls are refused at once instead of each waiting for the fetch's timeout.
        """
        with self._lock:
            lock = self._fetch_locks.setdefault(url, threading.Lock())
        with lock:
            now = self.clock()
            cached = self._fetched.get(url)
            if cached is not None and now - cached[1] < (self.jwks_retry_s if refresh else self.jwks_ttl_s):
                return cached[0]
            failed = self._failed.get(url)
            if failed is not None and now - failed[1] < self.jwks_retry_s:
                raise TokenError("JWKS_UNAVAILABLE", failed[0], "jku")
            try:
                keys = _KeySet(self._fetch(url))
            except Exception as error:  # whatever the fetch raises, the call is refused, not crashed
                message = f"the JWK Set at {url} could not be used: {error}"
                self._failed[url] = (message, now)
                raise TokenError("JWKS_UNAVAILABLE", message, "jku") from None
            self._failed.pop(url, None)
            self._fetched[url] = (keys, now)
            return keys

    def _check_times_and_replay(self, claims: dict[str, Any]) -> dict[str, Any]:
        """Freshness on our clock (PyJWT reads the system clock), then the jti, recorded last."""
        now = self.clock()
        leeway = self.leeway_s
        exp = _number(claims, "exp")
        iat = _number(claims, "iat")
        if exp <= now - leeway:
            raise TokenError("EXPIRED", f"the token expired {now - exp:.0f} s ago; send a new one", "exp")
        if iat > now + leeway:
            raise TokenError(
                "ISSUED_IN_FUTURE", f"iat is {iat - now:.0f} s in the future; check the client's clock", "iat"
            )
        if now - iat > self.max_age_s + leeway:
            raise TokenError(
                "EXPIRED",
                f"the token was issued {now - iat:.0f} s ago; at most {self.max_age_s:.0f} s is accepted",
                "iat",
            )
        if "nbf" in claims:
            nbf = _number(claims, "nbf")
            if nbf > now + leeway:
                raise TokenError("NOT_YET_VALID", f"the token is not valid for another {nbf - now:.0f} s", "nbf")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti:
            raise TokenError("MALFORMED", "jti must be a non-empty string", "jti")
        tenant = claims.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise TokenError("MALFORMED", "tenant must be a string", "tenant")
        # Past this time the token fails the checks above anyway, so its jti need not be remembered longer.
        until = min(exp, iat + self.max_age_s) + leeway
        if not self._replays.add((claims["iss"], jti), until, now):
            raise TokenError("REPLAYED", f"jti {jti!r} was already used; every call needs a new jti", "jti")
        return claims


def _bearer(authorization_header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive, RFC 7235)."""
    if authorization_header is None or not authorization_header.strip():
        raise TokenError("MISSING", "send the CDS Client's JWT as Authorization: Bearer <jwt>", "Authorization")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise TokenError("MALFORMED", f"the Authorization scheme must be Bearer, not {scheme!r}", "Authorization")
    token = token.strip()
    if not token:
        raise TokenError("MALFORMED", "the Authorization header has no token after Bearer", "Authorization")
    if len(token) > MAX_TOKEN or token.count(".") != 2:
        raise TokenError(
            "MALFORMED", "the bearer token is not a compact JWS (header.payload.signature)", "Authorization"
        )
    return token


def _header(token: str) -> dict[str, Any]:
    """The token's JOSE header, with ``alg`` allowed and ``kid`` present, checked before any key is looked up."""
    try:
        header = jwt.get_unverified_header(token)
    except _PYJWK_ERRORS as error:
        raise TokenError("MALFORMED", f"the token's header cannot be read: {error}", "Authorization") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise TokenError(
            "ALG_NOT_ALLOWED", f"alg {alg!r} is refused; sign with {' or '.join(ALGORITHMS)} (CDS Hooks 2.0.1)", "alg"
        )
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise TokenError("MALFORMED", f"typ {typ!r} is not JWT", "typ")
    kid = header.get("kid")
    if kid is None:
        raise TokenError("MISSING_CLAIM", "the token's header has no kid: name the signing key", "kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("MALFORMED", "kid must be a non-empty string", "kid")
    return header


def _unverified_claims(token: str) -> dict[str, Any]:
    """The claims before the signature is checked: only to find the issuer, whose keys then check it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except _PYJWK_ERRORS as error:
        raise TokenError("MALFORMED", f"the token's claims cannot be read: {error}", "Authorization") from None
    return claims


def _decode(token: str, key: jwt.PyJWK, alg: str, audience: str, iss: str) -> dict[str, Any]:
    """Signature, audience, issuer and required claims by PyJWT; its exceptions become TokenErrors."""
    options: dict[str, Any] = {
        "require": list(REQUIRED_CLAIMS),
        "verify_exp": False,  # the times are checked on the verifier's clock
        "verify_iat": False,
        "verify_nbf": False,
        "verify_jti": False,  # checked with the replay cache, naming the claim
        "enforce_minimum_key_length": True,
    }
    try:
        return jwt.decode(token, key=key, algorithms=[alg], audience=audience, issuer=iss, options=options)
    except jwt.InvalidSignatureError:
        raise TokenError("BAD_SIGNATURE", "the signature does not verify with the issuer's key kid", "kid") from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenError("MISSING_CLAIM", f"the token has no {error.claim}", error.claim) from None
    except jwt.InvalidAudienceError:
        raise TokenError("WRONG_AUDIENCE", f"aud must be the URL called, {audience}", "aud") from None
    except jwt.InvalidIssuerError:
        raise TokenError("UNKNOWN_ISSUER", "iss is not the issuer the key belongs to", "iss") from None
    except jwt.InvalidAlgorithmError as error:
        raise TokenError("ALG_NOT_ALLOWED", str(error), "alg") from None
    except jwt.InvalidKeyError as error:
        raise TokenError("UNKNOWN_KEY", f"the key cannot verify this token: {error}", "kid") from None
    except _PYJWK_ERRORS as error:
        raise TokenError("MALFORMED", f"the token cannot be verified: {error}", None) from None


def _number(claims: dict[str, Any], name: str) -> float:
    """A NumericDate claim (RFC 7519 §2): seconds since the epoch, a JSON number."""
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError("MALFORMED", f"{name} must be a number of seconds since the epoch", name)
    return float(value)
