"""Cross-origin requests for browser-based CDS Clients, on the CDS Hooks routes only.

A plain ASGI middleware, like the Gate. The CDS routes authenticate with a
bearer JWT (never a cookie), so no credentials are allowed and any origin may
be let in by default; ``--cors-origin`` narrows it to the EHRs' own origins. A
preflight (OPTIONS with Access-Control-Request-Method) is answered here, before
any authentication, as browsers send it without the Authorization header.
The other routes get no CORS headers: a browser page elsewhere cannot read them.
"""

from __future__ import annotations

from typing import Any

import orjson

from .cds_request import outcome

PREFIX = "/cds-services"
METHODS = b"GET, POST, OPTIONS"
HEADERS = b"Authorization, Content-Type, X-Request-ID"
EXPOSED = b"X-Request-ID, X-Model-Id, X-Model-Version, X-Model-SHA256"
MAX_AGE = b"600"


class Cors:
    """CORS on ``/cds-services`` and below: ``origins`` empty means any origin."""

    def __init__(self, app: Any, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    def _allowed(self, origin: str) -> bool:
        return not self.origins or origin in self.origins

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self._allowed(origin)
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            await self._preflight(send, origin, allowed)
            return
        if not allowed:  # answered without CORS headers: the browser does not let the page read it
            await self.app(scope, receive, send)
            return
        extra = self._headers(origin)

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, sending)

    def _headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        if not self.origins:
            return [(b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSED)]
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", EXPOSED),
        ]

    async def _preflight(self, send: Any, origin: str, allowed: bool) -> None:
        if not allowed:
            body = orjson.dumps(
                outcome("ORIGIN_NOT_ALLOWED", f"origin {origin[:100]} is not allowed; see the service's --cors-origin")
            )
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            if self.origins:
                headers.append((b"vary", b"Origin"))
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers = [
            *self._headers(origin),
            (b"access-control-allow-methods", METHODS),
            (b"access-control-allow-headers", HEADERS),
            (b"access-control-max-age", MAX_AGE),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None
