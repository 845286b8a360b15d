"""The ``atc-dmn serve`` command (registered on the command group in atc_dmn/cli.py).

Only click is imported here: FastAPI and uvicorn are an optional extra,
imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


@click.command()
@click.option(
    "--model",
    "model_paths",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="A workbook to serve (repeatable; the first is the default model). Default: the shipped model.",
)
@click.option(
    "--models",
    "models_dir",
    type=click.Path(),
    metavar="DIR",
    help="Serve every .xlsx and .dmn file of this folder too.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; beyond loopback, a token in ATC_DMN_TOKEN is required.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (each reloads on its own).")
@click.option(
    "--audit-log",
    "audit_log",
    type=click.Path(dir_okay=False),
    envvar="ATC_DMN_AUDIT_LOG",
    help="Append one JSON line per evaluation here (or set ATC_DMN_AUDIT_LOG).",
)
@click.option(
    "--max-body",
    default=1024 * 1024,
    show_default=True,
    type=click.IntRange(1024, None),
    help="Largest request body, in bytes.",
)
@click.option(
    "--max-cases",
    default=1000,
    show_default=True,
    type=click.IntRange(1, None),
    help='Most cases in one {"cases": [...]} request.',
)
@click.option(
    "--reload/--no-reload", default=True, show_default=True, help="Load a served workbook again when its file changes."
)
@click.option(
    "--public-url",
    "public_url",
    metavar="URL",
    help="The URL clients call the service at: CDS Hooks JWTs' aud is checked against it (with --cds-issuers, "
    "needed beyond loopback).",
)
@click.option(
    "--cds-issuers",
    "cds_issuers",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="JSON list of the CDS Clients trusted, each {iss, jwks_file | jku}; their JWTs are then always verified.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="A browser origin allowed to call /cds-services (repeatable). Default: any origin, without credentials.",
)
def serve(**options: Any) -> None:
    """Serve decision models over HTTP, with a page for clinicians at /.

    \b
    Routes: POST /evaluate, POST /models/{id}/evaluate, GET /models, GET /models/{id},
    GET /models/{id}/schema, GET /health, GET /ready, GET /openapi.json;
    CDS Hooks: GET /cds-services, POST /cds-services/{id}, POST /cds-services/{id}/feedback.

    \b
    Examples:
      atc-dmn serve
      atc-dmn serve --model decisions/atc_treatment.xlsx --port 8080 --workers 2
      ATC_DMN_TOKEN=secret atc-dmn serve --host 0.0.0.0 --audit-log audit.jsonl
    """
    from ..cli import handle_errors

    handle_errors(_serve)(**options)


def _serve(
    model_paths: tuple[str, ...],
    models_dir: str | None,
    host: str,
    port: int,
    workers: int,
    audit_log: str | None,
    max_body: int,
    max_cases: int,
    reload: bool,
    public_url: str | None = None,
    cds_issuers: str | None = None,
    cors_origins: tuple[str, ...] = (),
) -> None:
    from ..api import shipped_model_path
    from .config import ServeConfig, ServeError, model_files
    from .run import serve as run

    try:
        paths = model_files(model_paths, models_dir) if (model_paths or models_dir) else (str(shipped_model_path()),)
        folders = (str(Path(models_dir).resolve()),) if models_dir else ()
        config = ServeConfig(
            folders=folders,
            models=paths,
            host=host,
            port=port,
            workers=workers,
            audit_log=audit_log,
            max_body=max_body,
            max_cases=max_cases,
            reload=reload,
            public_url=public_url,
            cds_issuers=str(Path(cds_issuers).resolve()) if cds_issuers else None,
            cors_origins=tuple(o.rstrip("/") for o in cors_origins),
        )
        run(config)
    except ServeError as error:
        raise click.UsageError(error.message) from None
