"""Around every request: a request id, the bearer token, and one JSON log line.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware): it adds a
few microseconds, not a task per request. The log line holds the route,
status, latency and model version, never the body: no patient data.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from ..audit import utc_timestamp
from .problems import Problem

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Open without a token: probes, the OpenAPI document, the page's empty form and its files.
PUBLIC = ("/health", "/ready", "/openapi.json", "/static/")
# Their own authentication: a CDS Client's Authorization header carries its signed JWT (service/cds.py).
OWN_AUTH = ("/cds-services",)
access = logging.getLogger("atc_dmn.service.access")


class Gate:
    """Request id, auth and the access log, for every HTTP request."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = _header(scope, b"x-request-id")
        rid = given if given and REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope["atc_request_id"] = rid
        seen: dict[str, Any] = {"status": 500, "version": None, "model": None}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
                headers = list(message.get("headers", []))
                for name, value in headers:
                    if name == b"x-model-version":
                        seen["version"] = value.decode()
                    elif name == b"x-model-id":
                        seen["model"] = value.decode()
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if self.token is not None and _needs_token(scope) and not self._authorised(scope):
                await _respond(
                    sending,
                    Problem("UNAUTHORIZED", "send the service's token as 'Authorization: Bearer <token>'"),
                    [(b"www-authenticate", b'Bearer realm="atc-dmn"')],
                )
            else:
                await self.app(scope, receive, sending)
        finally:
            _log(scope, seen, rid, start)

    def _authorised(self, scope: dict[str, Any]) -> bool:
        given = _header(scope, b"authorization") or ""
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.token or b"")


def _needs_token(scope: dict[str, Any]) -> bool:
    path = scope["path"]
    if path == "/":
        # The page: its empty form is public, and the form itself asks for the token before it evaluates a case.
        return scope["method"] not in ("GET", "HEAD", "POST")
    if any(path == p or path.startswith(p + "/") for p in OWN_AUTH):
        return False
    return not any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _respond(send: Any, problem: Problem, extra: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps(problem.body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _log(scope: dict[str, Any], seen: dict[str, Any], rid: str, start: float) -> None:
    if not access.isEnabledFor(logging.INFO):
        return
    route = scope.get("route")
    access.info(
        "request",
        extra={
            "event": "request",
            "request_id": rid,
            "method": scope["method"],
            "route": getattr(route, "path", None) or scope["path"][:100],
            "status": seen["status"],
            "model": seen["model"],
            "version": seen["version"],
            "latency_ms": round((time.perf_counter() - start) * 1000, 3),
        },
    )


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, message and the record's ``extra`` fields."""

    FIELDS = (
        "event",
        "request_id",
        "method",
        "route",
        "status",
        "model",
        "version",
        "sha256",
        "latency_ms",
        "findings",
        "path",
        "error",
    )

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """The service's loggers write JSON lines to standard error (uvicorn's own access log is off)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in ("atc_dmn.service", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
