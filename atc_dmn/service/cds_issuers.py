"""The ``--cds-issuers`` file: which CDS Clients may call, and where their public keys are.

A JSON array, one object per trusted issuer::

    [
      {"iss": "https://ehr.example.org", "jwks_file": "ehr-jwks.json"},
      {"iss": "https://other.example.org", "jku": ["https://other.example.org/.well-known/jwks.json"]}
    ]

``iss`` is the token's ``iss`` exactly. ``jwks_file`` is a JWK Set (public keys only),
relative to the issuers file's folder; ``jku`` lists the JWK Set URLs a token may name
in its ``jku`` header (https, or http to this machine), and, for a token without one,
where the issuer's keys are fetched. At least one of the two. Any other key is refused,
so a misspelt option cannot leave a check out. A bad file stops ``serve`` before it
listens (exit status 2), naming the issuer and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .config import ServeError, is_loopback

FIELDS = ("iss", "jwks_file", "jku")
OPTION = "--cds-issuers"


def _fail(path: Path, message: str) -> ServeError:
    return ServeError(f"{OPTION} {path}: {message}", OPTION)


def load_issuers(path: str | Path) -> list[Any]:
    """The file's issuers as cds_auth.Issuer objects; ServeError naming the field when it is not right."""
    from .cds_auth import Issuer, load_jwks

    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(where, f"cannot read it: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(where, f"not JSON (line {error.lineno}, column {error.colno}): {error.msg}") from None
    if not isinstance(data, list) or not data:
        raise _fail(where, 'give a JSON array of issuers, each {"iss": ..., "jwks_file": ... or "jku": [...]}')
    issuers = []
    seen: set[str] = set()
    for number, item in enumerate(data, 1):
        at = f"issuer {number}"
        if not isinstance(item, dict):
            raise _fail(where, f"{at} is not an object")
        unknown = [k for k in item if k not in FIELDS]
        if unknown:
            raise _fail(where, f'{at}: "{unknown[0]}" is not a field; the fields are {", ".join(FIELDS)}')
        iss = item.get("iss")
        if not isinstance(iss, str) or not iss.strip():
            raise _fail(where, f'{at}: "iss" must be a non-empty string (the tokens\' iss, exactly)')
        at = f"issuer {number} ({iss})"
        if iss in seen:
            raise _fail(where, f'{at}: "iss" is given twice')
        seen.add(iss)
        if "jwks_file" not in item and "jku" not in item:
            raise _fail(where, f'{at}: give "jwks_file" (a JWK Set file) or "jku" (a list of JWK Set URLs)')
        jwks = None
        if "jwks_file" in item:
            name = item["jwks_file"]
            if not isinstance(name, str) or not name:
                raise _fail(where, f'{at}: "jwks_file" must be a file name')
            try:
                jwks = load_jwks(where.parent / name)
            except ServeError as error:
                raise _fail(where, f'{at}: "jwks_file": {error.message}') from None
        urls: tuple[str, ...] = ()
        if "jku" in item:
            urls = _urls(where, at, item["jku"])
        issuers.append(Issuer(iss, jwks, urls))
    return issuers


def _urls(where: Path, at: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(u, str) for u in value):
        raise _fail(where, f'{at}: "jku" must be a non-empty list of URLs')
    for url in value:
        parts = urlsplit(url)
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))
        if not secure or not parts.hostname:
            raise _fail(where, f'{at}: "jku" {url[:100]!r} must be an https URL (or http to a loopback address)')
    return tuple(value)
