"""``GET /models/{id}/render``: the served model for people to read, as ``atc-dmn render`` writes it.

HTML by default (one self-contained page), ``?format=markdown`` for the text.
The page is made once per loaded version of a model (its SHA-256) and kept,
so a reload serves the new version's page and a request costs no rendering.
"""

from __future__ import annotations

from collections import OrderedDict

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ..render import FORMATS, render
from .problems import Problem

router = APIRouter()
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8"}
_KEPT = 16  # rendered pages kept: a few formats of a few versions of each served model
_pages: OrderedDict[tuple[str, str], bytes] = OrderedDict()


def _rendered(serving, fmt: str) -> bytes:
    key = (serving.model.identity.sha256, fmt)
    page = _pages.get(key)
    if page is None:
        page = render(serving.model.model, fmt).encode("utf-8")
        _pages[key] = page
        while len(_pages) > _KEPT:
            _pages.popitem(last=False)
    return page


@router.api_route(
    "/models/{model_id}/render",
    methods=["GET", "HEAD"],
    summary="The whole model for review: one self-contained HTML page, or ?format=markdown",
    responses={
        200: {"content": {"text/html": {}, "text/markdown": {}}},
        404: {"description": "no such model"},
        422: {"description": "an unknown format"},
        503: {"description": "not loaded yet"},
    },
)
async def render_model(
    request: Request,
    model_id: str,
    format: str = Query("html", description="html or markdown", json_schema_extra={"enum": list(FORMATS)}),
) -> Response:
    from .app import _serving, _slot  # the same 404 and 503 as every other /models/{id} route

    if format not in FORMATS:
        raise Problem(
            "INPUT",
            f"format: {format[:40]!r} is not a render format; allowed: {', '.join(FORMATS)}",
            field="format",
            allowed=list(FORMATS),
        )
    serving = _serving(_slot(request.app.state.registry, model_id))
    return Response(_rendered(serving, format), media_type=MEDIA_TYPES[format], headers=serving.headers)
