"""``--jobs N``: rows decided by N worker processes, chunk by chunk, the answers written in input order.

The reading and the writing stay in the main process (a file is read once, in order); each
worker loads the model once (inherited when the platform forks, else loaded from the file) and
sends back its chunk already encoded. ``imap`` hands the chunks back in the order they were sent.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import EvaluationError, InputError
from .columns import Columns
from .outcome import ENCODERS, Outcome, decide
from .rows import Row


@dataclass
class Chunk:
    """A chunk's answers, encoded, with how many of its rows failed and how many hit a table gap."""

    encoded: Any
    rows: int
    errors: int
    gaps: int
    failures: list[str]  # the first few failed rows, "label: message", for the summary


def decide_chunk(model: Any, columns: Columns, fmt: str, rows: list[Row], audit: Any = None) -> Chunk:
    outcomes: list[Outcome] = [decide(model, columns, row, audit) for row in rows]
    errors = sum(o.error is not None for o in outcomes)
    gaps = sum(isinstance(o.error, EvaluationError) for o in outcomes)
    failures = [_failure(o) for o in outcomes if o.error is not None][:3] if errors else []
    return Chunk(ENCODERS[fmt](outcomes, columns, model), len(rows), errors, gaps, failures)


def _failure(outcome: Outcome) -> str:
    message = str(outcome.error)
    return message if message.startswith(outcome.label) else f"{outcome.label}: {message}"


_worker: dict[str, Any] = {}


def _start(model_path: str, sha256: str, columns: Columns, fmt: str, audit_path: str | None) -> None:
    from ..api import load_model
    from ..audit import AuditLog

    inherited = _worker.get("model")
    if inherited is None or inherited.identity.sha256 != sha256:
        inherited = load_model(model_path)
        if inherited.identity.sha256 != sha256:
            raise RuntimeError(f"{model_path} changed while the batch started its workers")
    _worker.update(model=inherited, columns=columns, fmt=fmt, audit=AuditLog.from_option(audit_path))


def _work(rows: list[Row]) -> Chunk:
    return decide_chunk(_worker["model"], _worker["columns"], _worker["fmt"], rows, _worker["audit"])


def in_parallel(
    model: Any, columns: Columns, fmt: str, chunks: Iterable[list[Row]], jobs: int, audit_path: str | None
) -> Iterator[Chunk]:
    """The chunks' answers in order, decided by ``jobs`` processes, with at most 4 chunks per worker in flight.

    ``Pool.imap`` would read its whole input ahead into its task queue; a semaphore released as each
    answer is taken keeps the reading (in the pool's feeder thread) just ahead of the workers, so memory
    stays bounded however long the input is.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _worker["model"] = model  # a forked worker starts with it loaded
    ahead = jobs * 4
    room = threading.Semaphore(ahead)
    stop = threading.Event()

    def gated() -> Iterator[list[Row]]:
        for chunk in chunks:
            room.acquire()
            if stop.is_set():
                return
            yield chunk

    args = (model.identity.path, model.identity.sha256, columns, fmt, audit_path)
    with context.Pool(jobs, initializer=_start, initargs=args) as pool:
        try:
            for answer in pool.imap(_work, gated(), chunksize=1):
                room.release()
                yield answer
        finally:
            stop.set()
            for _ in range(ahead + 1):
                room.release()  # a feeder waiting for room sees the stop


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Rows in lists of ``size``; when the input breaks off (an unclosed JSON array), the rows before it still go."""
    chunk: list[Row] = []
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except InputError:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk
