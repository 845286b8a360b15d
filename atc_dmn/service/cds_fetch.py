"""The prefetch keys a CDS Client left out, fetched from its ``fhirServer`` (CDS Hooks 2.0.1 §FHIR Resource Access).

httpx's asynchronous client, one per worker (its connections are kept), with a
short timeout: the EHR waits for the card, and CDS Hooks asks for an answer on
the order of 500 ms. Keys are fetched at once, side by side. A search's later
pages (its Bundle's ``next`` link) are fetched too, from the same server only:
advice read from the first page alone could miss the newest result. Any
failure is a 412 naming the key (CDS Hooks: the service cannot get the data it
needs), never a card from part of the record.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote, urlsplit

from .cds_request import CdsProblem, HookCall, fhir_base, next_page

TIMEOUT_S = 2.0  # per request to the FHIR server: connect, and each read
MAX_PAGES = 20  # pages of one search; more and the key is refused rather than read in part
MAX_BYTES = 8 * 1024 * 1024  # one page's body
PATIENT_TOKEN = "{{context.patientId}}"
ACCEPT = "application/fhir+json, application/json;q=0.9"


def resolve(template: str, call: HookCall) -> str:
    """A prefetch template with its token replaced by the call's patient (a FHIR id: already URL-safe)."""
    return template.replace(PATIENT_TOKEN, quote(call.patient_id, safe=""))


async def fetch_keys(client: Any, call: HookCall, queries: dict[str, str]) -> dict[str, Any]:
    """Each key's FHIR data from ``call.fhir_server``: ``queries`` maps a key to a relative URL."""
    if not queries:
        return {}
    if call.fhir_server is None:
        keys = ", ".join(sorted(queries))
        raise CdsProblem(
            "PREFETCH_MISSING",
            f"the prefetch lacks {keys} and the call has no fhirServer to fetch it from: send the key "
            "(null when there is no data) or a fhirServer",
            f"prefetch.{sorted(queries)[0]}",
        )
    base = fhir_base(call.fhir_server)
    found = await asyncio.gather(*(_fetch(client, call, base, key, f"{base}/{q}") for key, q in queries.items()))
    return dict(zip(queries, found))


async def complete(client: Any, call: HookCall, key: str, bundle: dict[str, Any]) -> dict[str, Any]:
    """A prefetched search the client paginated, with its later pages fetched from fhirServer."""
    if call.fhir_server is None:
        raise CdsProblem(
            "PREFETCH_MISSING",
            f"prefetch.{key} is one page of a search (it has a next link) and the call has no fhirServer "
            "to fetch the others from",
            f"prefetch.{key}",
        )
    base = fhir_base(call.fhir_server)
    return await _pages(client, call, base, key, bundle)


async def _fetch(client: Any, call: HookCall, base: str, key: str, url: str) -> Any:
    data = await _get(client, call, key, url)
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return await _pages(client, call, base, key, data)
    return data


async def _pages(client: Any, call: HookCall, base: str, key: str, first: dict[str, Any]) -> dict[str, Any]:
    """A Bundle with the entries of every later page (same scheme, host and port as the FHIR server only)."""
    entries = list(first.get("entry") or [])
    link = next_page(first)
    pages = 1
    origin = _origin(base)
    while link is not None:
        if _origin(link) != origin:
            raise CdsProblem(
                "FHIR_FETCH_FAILED", f"{key}: the next page is at another server ({link[:100]}); not followed", key
            )
        pages += 1
        if pages > MAX_PAGES:
            raise CdsProblem("FHIR_FETCH_FAILED", f"{key}: the search has more than {MAX_PAGES} pages", key)
        page = await _get(client, call, key, link)
        if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
            raise CdsProblem("FHIR_FETCH_FAILED", f"{key}: a next page is not a Bundle", key)
        more = page.get("entry") or []
        if not isinstance(more, list):
            raise CdsProblem("FHIR_INVALID", f"{key}: a next page's entry is not a list", f"{key}.entry")
        entries += more
        link = next_page(page)
    return {**{k: v for k, v in first.items() if k != "link"}, "entry": entries}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


async def _get(client: Any, call: HookCall, key: str, url: str) -> Any:
    import httpx

    headers = {"Accept": ACCEPT}
    if call.access_token:
        headers["Authorization"] = f"Bearer {call.access_token}"
    try:
        async with client.stream("GET", url, headers=headers, timeout=TIMEOUT_S) as response:
            if not 200 <= response.status_code < 300:
                raise CdsProblem(
                    "FHIR_FETCH_FAILED",
                    f"{key}: the FHIR server answered {response.status_code} to GET {_shown(url)}",
                    key,
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise CdsProblem(
                        "FHIR_FETCH_FAILED", f"{key}: the FHIR server's answer is over {MAX_BYTES} bytes", key
                    )
    except httpx.TimeoutException:
        message = f"{key}: the FHIR server did not answer in {TIMEOUT_S:g} s"
        raise CdsProblem("FHIR_FETCH_FAILED", message, key) from None
    except httpx.HTTPError as error:
        raise CdsProblem(
            "FHIR_FETCH_FAILED", f"{key}: the FHIR server could not be reached ({type(error).__name__})", key
        ) from None
    try:
        return json.loads(bytes(body).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise CdsProblem("FHIR_FETCH_FAILED", f"{key}: the FHIR server's answer is not JSON", key) from None


def _shown(url: str) -> str:
    """A URL as an error names it: no query (it names the patient), at most 100 characters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:100]
