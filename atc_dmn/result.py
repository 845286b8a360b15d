"""What an evaluation returns: the codes, and on demand their wording, the trace and the references.

Evaluation records only which rules fired and what each table saw; the
wording, explanation and reference list are built the first time a caller
asks, so a service that needs only the codes pays only for the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .feel_value import code as _code

if TYPE_CHECKING:
    from .compiler import CompiledTable
    from .model import Model


@dataclass(frozen=True)
class ModelIdentity:
    """Which model produced an answer: enough to find the exact workbook again.

    ``path`` is where this process read the workbook; it stays out of
    :meth:`to_dict`, since a result sent to a client must not reveal the
    server's files. The SHA-256 identifies the workbook wherever it is.
    """

    name: str
    identifier: str
    version: str
    effective_date: str
    sha256: str
    path: str

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "identifier": self.identifier,
            "version": self.version,
            "effective_date": self.effective_date,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class FiredRule:
    id: str
    sheet: str
    row: int
    annotation: str
    citations: tuple[int | str, ...]
    annotations: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sheet": self.sheet,
            "row": self.row,
            "annotation": self.annotation,
            "citations": list(self.citations),
            "annotations": dict(self.annotations),
        }


@dataclass(frozen=True)
class TableTrace:
    """One table's part in a decision: what it saw, which rules fired, what it decided."""

    table: str
    sheet: str
    hit_policy: str
    inputs: Mapping[str, Any]
    rules: tuple[FiredRule, ...]
    outputs: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "sheet": self.sheet,
            "hit_policy": self.hit_policy,
            "inputs": dict(self.inputs),
            "rules": [r.to_dict() for r in self.rules],
            "outputs": dict(self.outputs),
        }


# One evaluated table: (compiled table, the input values it saw, matched rule indices, its outputs).
Step = tuple["CompiledTable", tuple[Any, ...], list[int], tuple[Any, ...]]


def trace_of(steps: list[Step]) -> tuple[TableTrace, ...]:
    """The steps an evaluation kept, as the trace a person reads: built only when someone asks.

    A :class:`Result` builds it on first access; a failed evaluation, for its error's ``trace``.
    """
    traces = []
    for ct, values, hits, outputs in steps:
        t = ct.table
        rules = tuple(
            FiredRule(r.id, t.sheet, r.row, r.annotation, r.citations, r.annotations)
            for r in (t.rules[i] for i in hits)
        )
        traces.append(
            TableTrace(
                t.name,
                t.sheet,
                t.hit_policy,
                dict(zip(ct.input_names, values)),
                rules,
                dict(zip(ct.output_names, outputs)),
            )
        )
    return tuple(traces)


class Result:
    """The recommendation for one case.

    ``decision`` maps each output key to its code (a list for collected
    outputs); ``text`` maps it to the workbook's wording; ``trace`` explains it
    table by table; ``references`` lists what the fired rules cite; ``model``
    identifies the workbook; ``notice`` is the model's standing disclaimer.
    """

    def __init__(
        self, model: Model, identity: ModelIdentity, inputs: dict[str, Any], decision: dict[str, Any], steps: list[Step]
    ) -> None:
        self._model = model
        self._steps = steps
        self._inputs = inputs
        self.decision: dict[str, Any] = decision
        self.model: ModelIdentity = identity

    @property
    def inputs(self) -> dict[str, Any]:
        """The case as the tables saw it: normalised, with defaults filled in."""
        return dict(self._inputs)

    @property
    def notice(self) -> str:
        return self._model.info.notice

    @cached_property
    def text(self) -> dict[str, Any]:
        wording = self._model.wording
        out: dict[str, Any] = {}
        for key, value in self.decision.items():
            if isinstance(value, list):
                out[key] = [wording.get((key, _code(v)), _code(v)) for v in value]
            else:
                out[key] = wording.get((key, _code(value)), _code(value))
        return out

    @cached_property
    def trace(self) -> tuple[TableTrace, ...]:
        return trace_of(self._steps)

    @cached_property
    def references(self) -> tuple[dict[str, Any], ...]:
        """What the fired rules cite: the source's numbers first, then the model's own sources.

        Each gives the pairing's ``status`` (``proposed``, ``confirmed``, ``unpaired`` or
        ``model_source``), the ``entry`` it points to (None when unpaired) and the ``reason``.
        """
        cited = {n for step in self.trace for rule in step.rules for n in rule.citations}
        entries = {ref.entry: ref for ref in self._model.references}
        out = []
        for n in sorted(cited, key=lambda n: (isinstance(n, str), n if isinstance(n, int) else 0, str(n))):
            citation = self._model.citations.get(n)
            ref = entries.get(citation.entry) if citation and citation.entry is not None else None
            out.append(
                {
                    "citation": n,
                    "status": citation.status if citation else "unpaired",
                    "entry": asdict(ref) if ref else None,
                    "reason": citation.reason if citation else "",
                }
            )
        return tuple(out)

    @property
    def reference_list(self) -> tuple[dict[str, Any], ...]:
        """The source's reference list as it gives it (labelled A, B, ...), then the model's own sources."""
        return tuple(asdict(ref) for ref in self._model.references)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": {k: (list(v) if isinstance(v, list) else v) for k, v in self.decision.items()},
            "text": self.text,
            "inputs": self.inputs,
            "trace": [t.to_dict() for t in self.trace],
            "references": list(self.references),
            "reference_list": list(self.reference_list),
            "model": self.model.to_dict(),
            "notice": self.notice,
        }

    def __repr__(self) -> str:
        return f"Result({self.decision!r}, model={self.model.name!r} {self.model.version})"
