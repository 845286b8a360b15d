"""Reading a request body within the service's size limit: one reader for the API and the page."""

from __future__ import annotations

from fastapi import Request

from .problems import Problem


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused past ``limit`` bytes: before reading it when Content-Length says so, else while reading."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem("BODY_TOO_LARGE", f"the body is {declared} bytes; at most {limit} are allowed", limit=limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem("BODY_TOO_LARGE", f"the body is over {limit} bytes; at most {limit} are allowed", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)
