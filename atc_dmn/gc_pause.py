"""Pause the cyclic garbage collector while a model is built: reading, loading from the cache, compiling."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a model.

    Loading creates many small containers that all stay alive; the collector
    would walk them again and again (a third of the load of a 10,000-rule table).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
