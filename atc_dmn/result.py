"""What an evaluation returns: the codes, and on demand their wording, the trace and the references.

Evaluation records only which rules fired and what each table saw; the
wording, explanation and reference list are built the first time a caller
asks, so a service that needs only the codes pays only for the codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .feel_value import code as _code

if TYPE_CHECKING:
    from .compiler import CompiledTable
    from .model import Model, Reference


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


_RESULT_KEYS = ("decision", "text", "inputs", "trace", "references", "reference_list", "model", "notice")
_IDENTITY_KEYS = ("name", "identifier", "version", "effective_date", "sha256")
_TRACE_KEYS = ("table", "sheet", "hit_policy", "inputs", "rules", "outputs")
_RULE_KEYS = ("id", "sheet", "row", "annotation", "citations", "annotations")


class _Reader:
    """Read a :meth:`Result.to_dict` dict part by part, naming the first key that is missing or of the wrong type.

    Strict both ways: a key it does not know is refused too, since dropping it would make the
    round trip silently lose what the sender said.
    """

    def __init__(self, data: Any) -> None:
        self.data = self._object(data, "result", _RESULT_KEYS)

    @staticmethod
    def _fail(where: str, value: Any, message: str) -> InputError:
        return InputError(where, value, (), f"not a result: {where} {message}", code="BAD_RESULT")

    def _object(self, value: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            if where == "result":  # the whole thing: no one key is at fault
                raise InputError(
                    None, value, (), f"not a result: {type(value).__name__}, not an object", code="BAD_RESULT"
                )
            raise self._fail(where, value, f"must be an object, not {type(value).__name__}")
        for key in keys:
            if key not in value:
                raise self._fail(f"{where}.{key}" if where != "result" else key, None, "is missing")
        extra = [k for k in value if k not in keys]
        if extra:
            name = f"{where}.{extra[0]}" if where != "result" else str(extra[0])
            raise self._fail(name, value[extra[0]], "is not part of a result")
        return dict(value)

    def _typed(self, value: Any, where: str, kind: type | tuple[type, ...], what: str) -> Any:
        # bool is an int in Python, never a row number or a citation (and no part of a result is a bool).
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self._fail(where, value, f"must be {what}, not {type(value).__name__}")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        return dict(self._typed(self.data[key], key, Mapping, "an object"))

    def text(self, key: str) -> str:
        return self._typed(self.data[key], key, str, "text")

    def _list(self, value: Any, where: str) -> list[Any]:
        return self._typed(value, where, list | tuple, "a list")

    def identity(self) -> ModelIdentity:
        ident = self._object(self.data["model"], "model", _IDENTITY_KEYS)
        values = [self._typed(ident[k], f"model.{k}", str, "text") for k in _IDENTITY_KEYS]
        return ModelIdentity(*values, path="")

    def trace(self) -> tuple[TableTrace, ...]:
        steps = []
        for i, item in enumerate(self._list(self.data["trace"], "trace")):
            where = f"trace[{i}]"
            step = self._object(item, where, _TRACE_KEYS)
            table, sheet, hit_policy = (self._typed(step[k], f"{where}.{k}", str, "text") for k in _TRACE_KEYS[:3])
            inputs, outputs = (
                dict(self._typed(step[k], f"{where}.{k}", Mapping, "an object")) for k in _TRACE_KEYS[3::2]
            )
            rules = tuple(
                self._rule(r, f"{where}.rules[{j}]") for j, r in enumerate(self._list(step["rules"], f"{where}.rules"))
            )
            steps.append(TableTrace(table, sheet, hit_policy, inputs, rules, outputs))
        return tuple(steps)

    def _rule(self, item: Any, where: str) -> FiredRule:
        rule = self._object(item, where, _RULE_KEYS)
        rid, sheet = (self._typed(rule[k], f"{where}.{k}", str, "text") for k in ("id", "sheet"))
        row = self._typed(rule["row"], f"{where}.row", int, "a row number")
        annotation = self._typed(rule["annotation"], f"{where}.annotation", str, "text")
        citations = tuple(
            self._typed(c, f"{where}.citations[{k}]", int | str, "a citation number or label")
            for k, c in enumerate(self._list(rule["citations"], f"{where}.citations"))
        )
        notes = self._typed(rule["annotations"], f"{where}.annotations", Mapping, "an object")
        return FiredRule(rid, sheet, row, annotation, citations, dict(notes))

    def references(self) -> tuple[dict[str, Any], ...]:
        return self._objects("references")

    def reference_list(self) -> tuple[dict[str, Any], ...]:
        return self._objects("reference_list")

    def _objects(self, key: str) -> tuple[dict[str, Any], ...]:
        items = self._list(self.data[key], key)
        return tuple(dict(self._typed(x, f"{key}[{i}]", Mapping, "an object")) for i, x in enumerate(items))


@lru_cache(maxsize=4096)
def _entry_fields(ref: Reference) -> tuple[tuple[str, Any], ...]:
    # dataclasses.asdict copies recursively and costs microseconds a reference, for every result.
    return tuple(asdict(ref).items())


def _entry(ref: Reference) -> dict[str, Any]:
    """A reference as the JSON gives it: a new dict each time (a caller may change its copy)."""
    return dict(_entry_fields(ref))


def fired_rules(trace: tuple[TableTrace, ...]) -> list[tuple[str, list[str]]]:
    """Each table of a trace with the ids of the rules that fired, in order."""
    return [(t.table, [r.id for r in t.rules]) for t in trace]


class Result:
    """The recommendation for one case.

    ``decision`` maps each output key to its code (a list for collected
    outputs); ``text`` maps it to the workbook's wording; ``trace`` explains it
    table by table; ``references`` lists what the fired rules cite; ``model``
    identifies the workbook; ``notice`` is the model's standing disclaimer.
    """

    # What a result rebuilt by :meth:`from_dict` was sent, where a live one asks its model.
    _notice: str = ""
    _reference_list: tuple[dict[str, Any], ...] = ()

    def __init__(
        self, model: Model, identity: ModelIdentity, inputs: dict[str, Any], decision: dict[str, Any], steps: list[Step]
    ) -> None:
        self._model: Model | None = model  # None for a result rebuilt by from_dict
        self._steps = steps
        self._inputs = inputs
        self.decision: dict[str, Any] = decision
        self.model: ModelIdentity = identity

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """Rebuild a result from its :meth:`to_dict` JSON, with no model at hand (a client, an audit replay).

        ``Result.from_dict(d).to_dict() == d``. The identity's ``path`` is empty: the dict does not carry it.
        A dict that is not such a result is an :class:`InputError` (code ``BAD_RESULT``) naming the key.
        """
        read = _Reader(data)
        result = cls.__new__(cls)
        result._model = None
        result._steps = []
        result._inputs = read.mapping("inputs")
        result.decision = read.mapping("decision")
        result.model = read.identity()
        # What a live result works out from its model on demand, taken as it was sent.
        result.__dict__.update(text=read.mapping("text"), trace=read.trace(), references=read.references())
        result._notice = read.text("notice")
        result._reference_list = read.reference_list()
        return result

    @property
    def inputs(self) -> dict[str, Any]:
        """The case as the tables saw it: normalised, with defaults filled in."""
        return dict(self._inputs)

    @property
    def notice(self) -> str:
        return self._model.info.notice if self._model is not None else self._notice

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

    def fired(self) -> list[tuple[str, list[str]]]:
        """Each table's name with the ids of the rules that fired, in order: what an audit line keeps.

        Read from the evaluation's steps, without building the full :attr:`trace` a person reads.
        """
        if self._model is None or "trace" in self.__dict__:
            return fired_rules(self.trace)
        return [(ct.table.name, [ct.table.rules[i].id for i in hits]) for ct, _, hits, _ in self._steps]

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
                    "entry": _entry(ref) if ref else None,
                    "reason": citation.reason if citation else "",
                }
            )
        return tuple(out)

    @property
    def reference_list(self) -> tuple[dict[str, Any], ...]:
        """The source's reference list as it gives it (labelled A, B, ...), then the model's own sources."""
        if self._model is None:
            return self._reference_list
        return tuple(_entry(ref) for ref in self._model.references)

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
