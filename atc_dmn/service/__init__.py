"""``atc-dmn serve``: the decision models over HTTP (FastAPI on uvicorn), with a page for clinicians.

Install with ``pip install 'atc-dmn[serve]'``. :func:`create_app` builds the
ASGI application for a :class:`ServeConfig`; the command line runs it with
uvicorn (see :mod:`atc_dmn.service.run`).
"""

from __future__ import annotations

from .config import ServeConfig

__all__ = ["ServeConfig", "create_app"]


def create_app(config: ServeConfig):
    """The ASGI application serving ``config``'s models (imported here: FastAPI is optional)."""
    from .app import build_app

    return build_app(config)
