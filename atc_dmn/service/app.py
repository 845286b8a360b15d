"""The HTTP routes: models, their schemas, evaluation (one case or a batch), health and readiness.

Bodies are read by atc-dmn's own JSON reader (:func:`atc_dmn.cases.parse_json`),
not by pydantic: it refuses a key given twice and nesting no case needs, and
it names what it refuses, as the command line does. Evaluation runs on the
event loop: a case takes microseconds, less than a thread hop would cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..cases import MAX_DEPTH, parse_json
from ..errors import DmnError, InputError
from ..feel_types import json_value
from ..result import Result
from .body import read_limited
from .cds_request import CdsProblem, is_cds_path
from .config import ServeConfig
from .evaluation import evaluate_audited
from .gate import Gate
from .openapi import openapi_document
from .problems import ERROR_CODES, Problem, problem_of, status_of
from .registry import ModelSlot, Registry, Serving
from .reload import watch

log = logging.getLogger("atc_dmn.service")
JSON_TYPES = ("application/json", "text/json")
CASE_BODY = 'a case object, or {"cases": [...]}'  # what the evaluation routes take
BATCH_CHUNK = 10  # cases evaluated between two turns of the event loop (about 2 ms)


# orjson: a result's JSON (about 14 KB for the ATC model) in 5 us against json's 69 us, a fifth of a request's time.
# Dates and durations still go through json_value, so the text is the same as the command line's.
_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, default=json_value, option=_ORJSON)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json", headers=headers)


def build_app(config: ServeConfig) -> FastAPI:
    """The service for ``config``: each worker loads the models before it takes requests."""
    registry = Registry(config.models)
    audit = _audit_log(config.audit_log)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        # Loaded before the worker takes requests: with several workers, /ready may be asked of any of them.
        # (The command line loaded every file once already, so this reads the cache: milliseconds.)
        await _load(registry)
        app.state.cds_http = _http_client()
        tasks = []
        if config.reload:
            added = lambda: setattr(app, "openapi_schema", None)  # noqa: E731 - the document names every model
            tasks.append(asyncio.create_task(watch(registry, stop, config.debounce_ms, config.folders, added)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if app.state.cds_http is not None:
                await app.state.cds_http.aclose()
            if audit is not None:
                audit.close()

    app = FastAPI(
        title="atc-dmn decision service",
        version=__version__,
        description="Decision models authored as Excel workbooks (DMN decision tables), evaluated over HTTP.",
        docs_url=None,  # FastAPI's docs pages load scripts from a CDN; the service serves only its own files
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.config = config
    app.state.audit = audit
    app.state.cds_verifier = cds_verifier(config)
    app.state.cds_http = None  # made in the lifespan, on the worker's event loop
    app.openapi = lambda: openapi_document(app, registry)  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            problem = Problem("METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {request.url.path}")
            problem.headers = {"Allow": (exc.headers or {}).get("Allow", "")}
            return problem_response(request, problem)
        return problem_response(
            request, Problem("NOT_FOUND", f"no route {request.url.path}; see /openapi.json for the routes")
        )

    @app.exception_handler(DmnError)
    async def _ours(request: Request, exc: DmnError) -> Response:
        if type(exc).__name__ == "AuditError":  # the answer could not be logged: it is not given
            log.error("audit log failed", extra={"event": "audit_failed", "error": str(exc)})
            return problem_response(request, Problem("AUDIT_FAILED", "the audit log could not be written; retry later"))
        return await _crash(request, exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        rid = request.scope.get("atc_request_id")
        log.error("internal error", exc_info=exc, extra={"event": "internal_error", "request_id": rid})
        return problem_response(
            request,
            Problem("INTERNAL", f"the service failed on this request (request id {rid}); its log has the details"),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(request, Problem("INPUT", "the request does not fit the route"))

    @app.api_route("/health", methods=["GET", "HEAD"], summary="Liveness: the process answers")
    async def health() -> Response:
        return json_response({"status": "ok"})

    @app.api_route(
        "/ready",
        methods=["GET", "HEAD"],
        summary="Readiness: every served model has loaded",
        responses={503: {"description": "not ready"}},
    )
    async def ready() -> Response:
        states = {slot.identifier or slot.path: slot.current is not None for slot in registry.slots}
        ok = registry.ready()
        return json_response({"status": "ready" if ok else "loading", "models": states}, 200 if ok else 503)

    @app.get("/models", summary="The served models: identity and serving state")
    async def models() -> Response:
        listed = [_summary(slot) for slot in registry.slots]
        default = registry.default.identifier if registry.default else None
        return json_response({"default": default, "models": listed})

    @app.get(
        "/models/{model_id}",
        summary="One model: identity, inputs with allowed values, outputs, state",
        responses={404: {"description": "no served model has this identifier"}},
    )
    async def model(model_id: str) -> Response:
        slot = _slot(registry, model_id)
        serving = slot.current
        body = {**(serving.description if serving else {"model": None}), **slot.state()}
        return json_response(body, headers=serving.headers if serving else None)

    @app.get(
        "/models/{model_id}/schema",
        summary="A JSON Schema of one case for this model",
        responses={
            200: {"content": {"application/schema+json": {}}},
            404: {"description": "no such model"},
            503: {"description": "not loaded yet"},
        },
    )
    async def schema(model_id: str) -> Response:
        serving = _serving(_slot(registry, model_id))
        return Response(dumps(serving.schema), media_type="application/schema+json", headers=serving.headers)

    async def evaluate_with(slot: ModelSlot, request: Request) -> Response:
        serving = _serving(slot)
        try:
            data = parse_body(await read_body(request, config.max_body))
        except Problem as problem:  # a body the service cannot read still names the model it was sent to
            problem.headers = serving.headers
            problem.model = serving.model.identity.to_dict()
            raise
        rid = request.scope.get("atc_request_id")
        if isinstance(data, dict) and "cases" in data and len(data) == 1:
            cases = data["cases"]
            if not isinstance(cases, list):
                raise Problem("NOT_AN_OBJECT", '"cases" must be an array of case objects', field="cases")
            if len(cases) > config.max_cases:
                raise Problem(
                    "TOO_MANY_CASES",
                    f"{len(cases)} cases in one request; at most {config.max_cases} are allowed",
                    field="cases",
                    limit=config.max_cases,
                )
            results = await _many(serving, cases, audit, rid)
            model = dumps(serving.model.identity.to_dict())
            body = b'{"model":' + model + b',"results":[' + b",".join(results) + b"]}"
            return Response(body, media_type="application/json", headers=serving.headers)
        if not isinstance(data, dict):
            raise Problem("NOT_AN_OBJECT", 'the body must be one case object, or {"cases": [...]}')
        item, status = _one(serving, data, audit, rid, None)
        return json_response(item, status, serving.headers)

    body_doc = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}}
    responses = {code: {"description": "an error"} for code in (400, 401, 404, 413, 415, 422, 503)}

    @app.post(
        "/models/{model_id}/evaluate",
        summary='Evaluate one case, or {"cases": [...]}, with this model',
        openapi_extra=body_doc,
        responses=responses,
    )
    async def evaluate_model(model_id: str, request: Request) -> Response:
        return await evaluate_with(_slot(registry, model_id), request)

    @app.post(
        "/evaluate",
        summary="Evaluate with the default (first) model",
        openapi_extra=body_doc,
        responses=responses,
    )
    async def evaluate_default(request: Request) -> Response:
        slot = registry.default
        if slot is None:
            raise Problem("UNKNOWN_MODEL", "no model is served")
        return await evaluate_with(slot, request)

    from .cds import router as cds_router
    from .cors import Cors
    from .page import router as page_router
    from .render_page import router as render_router

    app.include_router(cds_router)
    app.include_router(page_router)
    app.include_router(render_router)
    return Gate(Cors(app, config.cors_origins), config.token)  # type: ignore[return-value]


def problem_response(request: Request, problem: Problem) -> Response:
    """An error answer in the shape of its route: a FHIR OperationOutcome on the CDS Hooks routes (a CDS
    Client reads no other), ``{"error": ...}`` elsewhere."""
    if is_cds_path(request.url.path):
        return json_response(CdsProblem.of(problem).body(), problem.status, problem.headers)
    return json_response(problem.body(), problem.status, problem.headers)


def cds_verifier(config: ServeConfig) -> Any:
    """The CDS Hooks JWT verifier for ``config``'s issuers file, or None when none is configured."""
    if config.cds_issuers is None:
        return None
    from .cds_auth import CdsTokenVerifier
    from .cds_issuers import load_issuers

    return CdsTokenVerifier(load_issuers(config.cds_issuers))


def _http_client() -> Any:
    """The client that fetches what a CDS Client left out of its prefetch (None without httpx: the cds extra)."""
    try:
        import httpx
    except ImportError:
        return None
    return httpx.AsyncClient(follow_redirects=False, limits=httpx.Limits(max_connections=32))


async def _load(registry: Registry) -> None:
    try:
        await asyncio.to_thread(registry.load_all)
    except DmnError as error:
        log.error("models not loaded", extra={"event": "load_failed", "error": str(error)})


def _audit_log(path: str | None) -> Any:
    if not path:
        return None
    from ..audit import AuditLog

    return AuditLog(path)


def _slot(registry: Registry, model_id: str) -> ModelSlot:
    slot = registry.by_id.get(model_id)
    if slot is None:
        known = sorted(registry.by_id)
        raise Problem(
            "UNKNOWN_MODEL",
            f"no served model '{model_id[:80]}'; served: {', '.join(known) or 'none yet'}",
            field="model_id",
            allowed=known,
        )
    return slot


def _serving(slot: ModelSlot) -> Serving:
    serving = slot.current
    if serving is None:
        raise Problem(
            "MODEL_NOT_READY",
            f"no version of {slot.identifier or slot.path.rsplit('/', 1)[-1]} has loaded yet",
            refused=slot.refused,
        )
    return serving


def _summary(slot: ModelSlot) -> dict[str, Any]:
    state = slot.state()
    return {"id": slot.identifier or None, **state}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes (before reading it, when Content-Length says so)."""
    kind, _, params = request.headers.get("content-type", "application/json").partition(";")
    kind = kind.strip().lower()
    if kind not in JSON_TYPES and not kind.endswith("+json"):
        raise Problem(
            "UNSUPPORTED_MEDIA_TYPE",
            f"the body is {kind[:60]}; send JSON with the header Content-Type: application/json",
            allowed=["application/json"],
        )
    charset = _charset(params)
    if charset not in (None, "utf-8", "utf8"):
        raise Problem(
            "UNSUPPORTED_MEDIA_TYPE",
            f"the body is in {charset[:40]}; JSON is UTF-8 (send charset=utf-8, or no charset)",
            allowed=["application/json; charset=utf-8"],
        )
    return await read_limited(request, limit)


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def parse_body(body: bytes, max_depth: int = MAX_DEPTH + 1, expected: str = CASE_BODY) -> Any:
    """The parsed JSON body, or Problem 400; ``expected`` says what the route takes, for an empty body."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem("BAD_JSON", f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise Problem("BAD_JSON", f"the body is empty; send {expected}")
    try:
        return parse_json(text, "body", max_depth)
    except InputError as error:
        code = error.code if error.code in ERROR_CODES and ERROR_CODES[error.code][0] == 400 else "BAD_JSON"
        raise Problem(code, error.message, field=error.field) from None


async def _many(serving: Serving, cases: list[Any], audit: Any, rid: str | None) -> list[bytes]:
    """A batch's answers in order, as JSON, a few cases at a time: between two chunks the loop answers others.

    A batch of 100 cases takes about 20 ms; done in one go, it made the other clients of its worker wait
    (p99 5.4 s under 32 clients sending batches); in a thread, the GIL's hand-offs halved the throughput.
    Each answer is encoded at once, so that interleaved batches keep bytes, not thousands of objects, alive.
    """
    answers = []
    for start in range(0, len(cases), BATCH_CHUNK):
        if start:
            await asyncio.sleep(0)
        chunk = cases[start : start + BATCH_CHUNK]
        answers += [dumps(_one(serving, case, audit, rid, f"item {i}")[0]) for i, case in enumerate(chunk, start + 1)]
    return answers


def _one(serving: Serving, case: Any, audit: Any, rid: str | None, label: str | None) -> tuple[dict[str, Any], int]:
    """One case's body and status: its result, or its error in place (audited either way)."""
    answer = evaluate_audited(serving, case, audit, rid, label)
    if isinstance(answer, Result):
        return answer.to_dict(), 200
    problem = problem_of(answer)
    if label is not None:
        problem["case"] = label
    return {"error": problem, "model": serving.model.identity.to_dict()}, status_of(answer)
