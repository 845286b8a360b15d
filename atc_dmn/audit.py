"""The audit log: one JSON line per evaluation, on disk before the caller gives the answer.

A recommendation must be traceable to the exact workbook and rules that made
it, including the ones that were refused. Each record is one ``write`` of a
whole line to a file opened with ``O_APPEND``, under an exclusive ``flock``,
so processes sharing the file (server workers, parallel batch runs) never
interleave lines, and a line is in the kernel before :meth:`AuditLog.record`
returns: a crash of the process loses nothing a client was answered for.
There is no ``fsync`` per record, so a power cut can lose the last lines.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
import threading
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from .errors import AuditError, DmnError
from .feel_types import json_value
from .result import ModelIdentity, Result, TableTrace, fired_rules

ENV_VAR = "ATC_DMN_AUDIT_LOG"
SOURCES = frozenset({"evaluate", "batch", "serve", "cds"})


class AuditLog:
    """An append-only JSON Lines file of evaluations; safe to share between threads and processes.

    Opening it fails at once (an :class:`AuditError`) when the file cannot be
    opened for appending, so a command refuses to start rather than answer
    unlogged. After ``fork`` the child reopens the file, so that each process
    holds its own lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._fd: int | None = self._open()
        self._reopen_failure: str | None = None
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _after_fork(ref))

    @classmethod
    def from_option(cls, path: str | None) -> AuditLog | None:
        """The log a command line option names, else the one ``ATC_DMN_AUDIT_LOG`` names, else none."""
        chosen = path or os.environ.get(ENV_VAR) or None
        return cls(chosen) if chosen else None

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditError(self.path, exc.strerror or str(exc)) from None

    def _forked(self) -> None:
        """In a new child process: a fresh lock, and a file description of its own (flock is per description)."""
        self._lock = threading.Lock()
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        try:
            self._fd = self._open()
        except AuditError as error:
            self._reopen_failure = error.reason

    def record(
        self,
        *,
        identity: ModelIdentity,
        source: str,
        inputs: Mapping[str, Any] | None,
        result: Result | None = None,
        error: DmnError | None = None,
        request_id: str | None = None,
        case: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Append one evaluation's line: its answer (``result``) or its refusal (``error``), exactly one.

        ``inputs`` is the case as given: the line holds it when the case was refused, and the
        normalised case (``result.inputs``) when it was accepted. ``extra`` adds fields of the caller's
        own (a CDS Hooks call's ``cds``: hook instance, card ids, FHIR resources), never over the line's
        own. Raises :class:`AuditError` when the line cannot be written; the caller must then not give the answer.
        """
        if (result is None) == (error is None):
            raise TypeError("record() takes a result or an error, exactly one")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {sorted(SOURCES)}, not {source!r}")
        line: dict[str, Any] = {
            "time": utc_timestamp(),
            "source": source,
            "model": {"identifier": identity.identifier, "version": identity.version, "sha256": identity.sha256},
        }
        if request_id is not None:
            line["request_id"] = request_id
        if case is not None:
            line["case"] = case
        if result is not None:
            rules = [{"table": table, "rules": ids} for table, ids in result.fired()]
            line.update(inputs=result.inputs, decision=result.decision, rules=rules)
        else:
            assert error is not None
            line.update(inputs=_as_given(inputs), decision=None, rules=_fired(error.trace), error=_error(error))
        for key, value in (extra or {}).items():
            line.setdefault(key, value)
        self._write(_encode(line))

    def record_event(self, event: str, *, source: str, request_id: str | None = None, **fields: Any) -> None:
        """Append a line that is not an evaluation (a CDS Hooks card's feedback, say): ``event`` and ``fields``.

        Written as an evaluation's line is (whole, under the lock, before the caller answers); AuditError if not.
        """
        if source not in SOURCES:
            raise ValueError(f"source must be one of {sorted(SOURCES)}, not {source!r}")
        line: dict[str, Any] = {"time": utc_timestamp(), "source": source, "event": event}
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in fields.items():
            line.setdefault(key, value)
        self._write(_encode(line))

    def _write(self, data: bytes) -> None:
        with self._lock:
            if self._fd is None:
                raise AuditError(self.path, self._reopen_failure or "the audit log is closed")
            fd = self._fd
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    view = memoryview(data)
                    while view:
                        written = os.write(fd, view)
                        if written == 0:
                            raise OSError(0, "the file takes no more data")
                        view = view[written:]
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                raise AuditError(self.path, exc.strerror or str(exc)) from None

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def __repr__(self) -> str:
        return f"AuditLog({self.path!r})"


def _after_fork(ref: weakref.ref[AuditLog]) -> None:
    log = ref()
    if log is not None:
        log._forked()


def utc_timestamp(seconds: float | None = None) -> str:
    """UTC, to the millisecond, with Z: 2026-12-02T03:04:05.678Z (now, or ``seconds`` since the epoch).

    The one format of time in audit lines and the service's log lines and model states.
    """
    when = dt.datetime.now(dt.UTC) if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _fired(trace: tuple[TableTrace, ...]) -> list[dict[str, Any]]:
    """A refusal's partial trace as the line keeps it: table names and fired rule ids."""
    return [{"table": table, "rules": ids} for table, ids in fired_rules(trace)]


def _error(error: DmnError) -> dict[str, Any]:
    return {
        "type": type(error).__name__,
        "code": getattr(error, "code", None),
        "message": getattr(error, "message", None) or str(error),
        "field": getattr(error, "field", None),
    }


def _as_given(inputs: Any) -> Any:
    """A refused case as it came, made JSON-safe: names that are not text become their repr."""
    if isinstance(inputs, Mapping):
        return {k if isinstance(k, str) else repr(k): v for k, v in inputs.items()}
    return inputs


def _encode(line: dict[str, Any]) -> bytes:
    """The record as one line of strict JSON (no NaN); a refused case that cannot be JSON is kept as its repr."""
    try:
        text = _dumps(line)
    except (ValueError, TypeError, RecursionError):  # a NaN, a circular or too deep case as given
        try:
            text = _dumps({**line, "inputs": _finite(line["inputs"], 0)})
        except (ValueError, TypeError, RecursionError):
            text = _dumps({**line, "inputs": repr(line["inputs"])})
    return (text + "\n").encode("utf-8", "backslashreplace")


def _finite(value: Any, depth: int) -> Any:
    """A case as given with NaN and infinities as text (strict JSON has no token for them)."""
    if depth > 50:
        raise ValueError("too deep")
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {k: _finite(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v, depth + 1) for v in value]
    return value


def _dumps(line: dict[str, Any]) -> str:
    return _ENCODER.encode(line)


def _json_default(value: Any) -> Any:
    """Dates and durations as ISO 8601 (as a case gives them); anything else a refused case held, as its repr."""
    try:
        return json_value(value)
    except TypeError:
        return repr(value)


# One encoder for every record (json.dumps with options builds a new one per call, a third of the cost).
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_json_default, separators=(",", ":"))
