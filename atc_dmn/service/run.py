"""Run the service with uvicorn: check what can be checked before listening, then start the workers.

The models are loaded once here first, so that a broken workbook, two
models with one identifier or a missing token stops the command with a
clear message and an exit status before any port is opened; the workers
then load them again, from the cache, each on its own.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

from ..errors import EngineUnavailable
from .config import CONFIG_ENV, ServeConfig, ServeError, check_cds, check_exposure, same_identifier


def app():
    """uvicorn's application factory (``atc_dmn.service.run:app``)."""
    from . import create_app
    from .gate import configure_logging

    configure_logging()
    return create_app(ServeConfig.from_env())


def preflight(config: ServeConfig) -> list[str]:
    """Load every model once (refusing a broken one with its findings); the identifiers, in order."""
    from ..api import load_model

    ids: dict[str, str] = {}
    for path in config.models:
        model = load_model(path)
        ident = model.identity.identifier or model.identity.name
        if ident in ids:
            raise same_identifier(ids[ident], path, ident)
        ids[ident] = path
    return list(ids)


def check_port(config: ServeConfig) -> None:
    """Refuse a port that is taken, with the option to change (uvicorn would exit 3, our bad-workbook status)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((config.host.strip("[]"), config.port))
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}; choose another --port or --host",
                "--port",
            ) from None


def serve(config: ServeConfig) -> None:
    """Check, then listen until interrupted."""
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise EngineUnavailable("the service needs its extra: pip install 'atc-dmn[serve]'") from None
    if config.workers < 1:
        raise ServeError(f"--workers {config.workers}: give 1 or more", "--workers")
    check_exposure(config)
    check_cds(config)
    check_issuers(config)
    check_port(config)
    ids = preflight(config)
    os.environ[CONFIG_ENV] = config.to_env()
    where = f"http://{config.host}:{config.port}"
    print(
        f"atc-dmn serve: {', '.join(ids)} at {where} ({config.workers} worker{'s' if config.workers > 1 else ''}"
        f"{', token required' if config.token else ''}{', audit log ' + config.audit_log if config.audit_log else ''}"
        f"; CDS Hooks at {where}/cds-services {_cds_state(config)})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run("atc_dmn.service.run:app", **uvicorn_options(config))


def check_issuers(config: ServeConfig) -> None:
    """Read the issuers file and build the verifier once, so that a bad file stops the command (exit 2)."""
    if config.cds_issuers is None:
        return
    try:
        from .app import cds_verifier
    except ImportError:
        raise EngineUnavailable("--cds-issuers needs the cds extra: pip install 'atc-dmn[cds]'") from None
    try:
        cds_verifier(config)
    except ServeError as error:
        raise ServeError(error.message, error.option or "--cds-issuers") from None
    except ImportError:
        raise EngineUnavailable("--cds-issuers needs the cds extra: pip install 'atc-dmn[cds]'") from None


def _cds_state(config: ServeConfig) -> str:
    if config.cds_issuers is not None:
        return "(JWT verified)"
    return "(no JWT: loopback)" if config.cds_open else "(off: no --cds-issuers)"


def uvicorn_options(config: ServeConfig) -> dict[str, Any]:
    """How the service runs under uvicorn (the benchmark's floor runs with the same)."""
    return {
        "factory": True,
        "host": config.host,
        "port": config.port,
        "workers": config.workers if config.workers > 1 else None,
        "loop": "atc_dmn.service.event_loop:NoDelayEventLoop",  # neither uvloop nor asyncio as it is: see there
        "log_config": None,  # the service's own JSON lines (gate.configure_logging)
        "access_log": False,  # the Gate logs each request
        "server_header": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": 5,
    }
