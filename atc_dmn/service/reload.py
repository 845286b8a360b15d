"""Hot reload: watch the served workbooks' folders and load a changed file in a worker thread.

Folders, not files, are watched: Excel and LibreOffice save by writing a new
file and renaming it over the old one, which a watch on the file itself
would lose. Their lock files (``~$name.xlsx``, ``.~lock.name.xlsx#``) are
ignored, and changes are debounced so that a save written in several steps
is read once, complete. Every worker process runs its own watcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from .config import is_lock_file, is_model_file
from .registry import Registry

log = logging.getLogger("atc_dmn.service")


async def watch(
    registry: Registry,
    stop: asyncio.Event,
    debounce_ms: int = 300,
    folders: tuple[str, ...] = (),
    on_added: Callable[[], None] | None = None,
) -> None:
    """Reload each served file that changes, and serve a model file that appears in ``folders``, until ``stop``.

    A new file that does not load is logged and left out (it would make the service not ready); its
    next save is tried again. A served file that is deleted keeps serving its last good version.
    """
    from watchfiles import awatch

    served = {str(Path(slot.path).resolve()): slot for slot in registry.slots}
    watched = {str(Path(f).resolve()) for f in folders}

    def relevant(change: object, path: str) -> bool:
        where = Path(path)
        if is_lock_file(where.name):
            return False
        resolved = str(where.resolve())
        return resolved in served or (str(Path(resolved).parent) in watched and is_model_file(where))

    roots = sorted({str(Path(p).parent) for p in served} | watched)
    async for changes in awatch(
        *roots, watch_filter=relevant, debounce=debounce_ms, stop_event=stop, rust_timeout=1000
    ):
        for path in sorted({str(Path(p).resolve()) for _, p in changes}):
            if not Path(path).is_file():
                continue  # removed, or between a save's delete and rename: the next event brings it back
            slot = served.get(path)
            if slot is not None:
                await asyncio.to_thread(slot.load)  # logs the reload or the refusal itself
                continue
            new = await asyncio.to_thread(registry.new_slot, path)
            if new is not None and registry.register(new):
                served[path] = new
                if on_added is not None:
                    on_added()
