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
from pathlib import Path

from .config import is_lock_file
from .registry import Registry

log = logging.getLogger("atc_dmn.service")


async def watch(registry: Registry, stop: asyncio.Event, debounce_ms: int = 300) -> None:
    """Reload each served file that changes, until ``stop`` is set."""
    from watchfiles import awatch

    served = {str(Path(slot.path).resolve()): slot for slot in registry.slots}
    folders = sorted({str(Path(p).parent) for p in served})
    await asyncio.to_thread(registry.loaded.wait)

    def relevant(change: object, path: str) -> bool:
        return not is_lock_file(Path(path).name) and str(Path(path).resolve()) in served

    async for changes in awatch(
        *folders, watch_filter=relevant, debounce=debounce_ms, stop_event=stop, rust_timeout=1000
    ):
        for path in sorted({str(Path(p).resolve()) for _, p in changes}):
            slot = served[path]
            if not Path(path).exists():
                continue  # removed, or between a save's delete and rename: the next event brings it back
            await asyncio.to_thread(slot.load)  # logs the reload or the refusal itself
