"""The framework's floor for benchmarks/service.py: the real service, plus a route that answers a constant.

    python benchmarks/service_floor.py --port 8001 [--workers 2]

:func:`app` builds the service exactly as ``atc-dmn serve`` does (the same
:func:`atc_dmn.service.create_app`, the same :class:`ServeConfig` read from
the environment, the same logging and Gate middleware) and adds
``POST /floor``, which reads the body and returns a constant JSON object.
:func:`serve` starts it with uvicorn's options of
:func:`atc_dmn.service.run.serve`, so that the floor's requests/s and latency
are what the stack costs before any parsing or evaluation.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from atc_dmn import shipped_model_path
from atc_dmn.service import ServeConfig, create_app
from atc_dmn.service.config import CONFIG_ENV
from atc_dmn.service.gate import configure_logging
from atc_dmn.service.run import uvicorn_options

HERE = Path(__file__).resolve().parent
CONSTANT = b'{"status":"ok"}'


def app() -> Any:
    """uvicorn's application factory (``service_floor:app`` with ``--app-dir benchmarks``)."""
    configure_logging()
    return with_floor(create_app(ServeConfig.from_env()))


def fastapi_of(gated: Any) -> Any:
    """The FastAPI application inside create_app's answer (the Gate and CORS layers around it)."""
    inner = gated
    while not hasattr(inner, "post"):
        inner = inner.app
    return inner


def with_floor(gated: Any) -> Any:
    """The service ``gated`` (create_app's answer) with ``POST /floor`` added."""

    @fastapi_of(gated).post("/floor", summary="The framework's floor: read the body, answer a constant")
    async def floor(request: Request) -> Response:
        await request.body()
        return Response(CONSTANT, media_type="application/json")

    return gated


def serve(config: ServeConfig) -> None:
    """Listen with the options :func:`atc_dmn.service.run.serve` gives uvicorn, until interrupted."""
    import uvicorn

    os.environ[CONFIG_ENV] = config.to_env()
    uvicorn.run("service_floor:app", app_dir=str(HERE), **uvicorn_options(config))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(shipped_model_path()), help="the workbook served (default: shipped)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve(ServeConfig(models=(str(Path(args.model).resolve()),), host=args.host, port=args.port, workers=args.workers))


if __name__ == "__main__":
    main()
