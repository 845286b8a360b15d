"""The served models: one slot per workbook, switched atomically when the file changes.

A slot's :attr:`ModelSlot.current` is replaced in one assignment, so a
request that read it keeps the model it started with and the next one sees
the new model: no request waits for a reload and none sees half of one. A
workbook that does not load is refused: the slot keeps serving the last good
model and remembers the refusal for ``GET /models/{id}``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..api import load_model
from ..audit import utc_timestamp
from ..engine import DecisionModel
from ..errors import DmnError, ModelError
from .config import same_identifier
from .describe import case_schema, description

log = logging.getLogger("atc_dmn.service")


@dataclass(frozen=True)
class Serving:
    """One loaded model with what the service says of it, prepared once per load."""

    model: DecisionModel
    description: dict[str, Any]
    schema: dict[str, Any]
    headers: dict[str, str]
    since: str


@dataclass
class ModelSlot:
    """One served workbook: the model it serves now, and the last refused version of the file."""

    path: str
    identifier: str = ""
    current: Serving | None = None
    refused: dict[str, Any] | None = None
    reloads: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def load(self) -> bool:
        """Load the file now; switch to it if it loads and validates. True when it switched."""
        with self._lock:  # two reloads of one file never race: the later one wins
            try:
                sha = hashlib.sha256(Path(self.path).read_bytes()).hexdigest()
            except OSError as exc:
                self._refuse(None, [{"code": "FILE", "message": f"cannot read {self.path}: {exc.strerror}"}])
                return False
            if self.current is not None and self.current.model.identity.sha256 == sha:
                return False  # touched, or saved unchanged
            try:
                model = load_model(self.path)
            except ModelError as error:
                self._refuse(sha, _findings(error))
                return False
            except DmnError as error:
                self._refuse(sha, [{"code": "MODEL", "message": str(error)}])
                return False
            ident = model.identity.identifier or model.identity.name
            if self.identifier and ident != self.identifier:
                self._refuse(
                    sha,
                    [
                        {
                            "code": "IDENTIFIER_CHANGED",
                            "message": f"the workbook's Model identifier changed from '{self.identifier}' to "
                            f"'{ident}': a served model keeps its identifier (serve the new one beside it)",
                        }
                    ],
                )
                return False
            serving = _serving(model)
            again = self.current is not None
            log.info(
                "model reloaded" if again else "model loaded",
                extra={
                    "event": "model_reloaded" if again else "model_loaded",
                    "model": ident,
                    "version": model.identity.version,
                    "sha256": sha,
                },
            )
            # The switch: one assignment, after the log line (whoever sees the new version can find it logged).
            self.identifier = ident
            self.reloads += 1
            self.refused = None
            self.current = serving
            return True

    def _refuse(self, sha: str | None, findings: list[dict[str, Any]]) -> None:
        refused = {"sha256": sha, "time": utc_timestamp(), "findings": findings}
        log.error(
            "model refused",
            extra={
                "event": "model_refused",
                "model": self.identifier or Path(self.path).name,
                "sha256": sha,
                "findings": findings,
            },
        )
        self.refused = refused  # after the log line: whoever sees the refusal can find it logged

    def state(self) -> dict[str, Any]:
        """Which version serves, since when, and the refused version of the file, if any."""
        serving = self.current
        return {
            "serving": None if serving is None else {**serving.model.identity.to_dict(), "since": serving.since},
            "refused": self.refused,
            "reloads": max(self.reloads - 1, 0),  # switches after the first load
        }


def _serving(model: DecisionModel) -> Serving:
    ident = model.identity
    headers = {
        "X-Model-Id": ident.identifier or ident.name,
        "X-Model-Version": ident.version,
        "X-Model-SHA256": ident.sha256,
    }
    return Serving(model, description(model), case_schema(model), headers, utc_timestamp())


def _findings(error: ModelError) -> list[dict[str, Any]]:
    found = error.findings or (error,)
    return [
        {
            "code": getattr(f, "code", "MODEL"),
            "location": getattr(f, "location", "") or "",
            "message": " ".join(str(getattr(f, "message", f)).split()),
            "hint": getattr(f, "hint", "") or "",
        }
        for f in found
    ]


class Registry:
    """Every served model by identifier; the first one given is the default."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.slots = [ModelSlot(p) for p in paths]
        self.by_id: dict[str, ModelSlot] = {}

    def load_all(self) -> None:
        """Load every model (at start); two files with one identifier is a configuration error."""
        for slot in self.slots:
            slot.load()
            if not slot.identifier:
                continue
            other = self.by_id.get(slot.identifier)
            if other is not None and other is not slot:
                raise same_identifier(other.path, slot.path, slot.identifier)
            self.by_id[slot.identifier] = slot

    @property
    def default(self) -> ModelSlot | None:
        return self.slots[0] if self.slots else None

    def new_slot(self, path: str) -> ModelSlot | None:
        """A file that appeared in a served folder, loaded (in a worker thread); None if it did not load.

        Only loaded here: :meth:`register` adds it, on the event loop, so that requests reading the
        registry never see it change under them.
        """
        slot = ModelSlot(path)
        return slot if slot.load() else None

    def register(self, slot: ModelSlot) -> bool:
        """Serve a new slot under its identifier, unless another file already has that identifier."""
        other = self.by_id.get(slot.identifier)
        if other is not None:
            log.error(
                "model refused",
                extra={
                    "event": "model_refused",
                    "model": slot.identifier,
                    "path": Path(slot.path).name,
                    "error": f"{Path(other.path).name} already serves the identifier '{slot.identifier}'",
                },
            )
            return False
        self.slots.append(slot)
        self.by_id[slot.identifier] = slot
        return True

    def ready(self) -> bool:
        """Every model has a version serving (a refused reload keeps it ready). Each worker loads its models
        before it takes requests (app.py's lifespan), so this is false only when no version of one loaded."""
        return all(s.current is not None for s in self.slots)
