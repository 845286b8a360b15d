"""A progress bar on a terminal's standard error (nothing when it is piped), and the closing summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO

_WIDTH = 24


class Progress:
    """Redrawn at most five times a second; the share done is told by bytes read, where the input's size is known."""

    def __init__(
        self, enabled: bool, total: int | None, position: Callable[[], int | None], stream: IO[str] | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.total = total
        self.position = position
        self.start = time.perf_counter()
        self._drawn = 0.0
        self._shown = False

    @classmethod
    def on_terminal(cls, total: int | None, position: Callable[[], int | None]) -> Progress:
        stream = sys.stderr
        try:
            enabled = stream.isatty()
        except (AttributeError, ValueError):
            enabled = False
        return cls(enabled, total, position, stream)

    def update(self, rows: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._drawn < 0.2:
            return
        self._drawn = now
        rate = rows / max(now - self.start, 1e-9)
        where = self.position()
        if self.total and where is not None:
            share = min(where / self.total, 1.0)
            filled = int(share * _WIDTH)
            bar = f"{share:4.0%} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
        else:
            bar = ""
        self.stream.write(f"\r{bar}{rows:,} rows, {rate:,.0f} rows/s ")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def elapsed(self) -> float:
        return time.perf_counter() - self.start
