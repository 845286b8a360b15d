"""Evaluate a case: walk the tables in the Decision sheet's order, applying each hit policy.

:class:`DecisionModel` is the compiled, immutable form of a workbook. It
holds no per-evaluation state, so one instance serves any number of
threads at once. :meth:`DecisionModel.run` is the one evaluation loop:
the reference engine's adapter and the test runner's coverage use it too,
so a refusal, a gap and their partial trace mean the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from . import hitpolicy
from .compiler import CompiledTable, compile_table
from .errors import DmnError, EvaluationError, InputError
from .feel_value import show
from .gc_pause import paused_gc
from .inputs import Normaliser
from .model import CHECK_PASSED, InputSpec, Model
from .no_match import NULL, no_match
from .result import ModelIdentity, Result, Step, trace_of

if TYPE_CHECKING:
    from datetime import datetime

    from .fhir_case import FhirCase
    from .fhir_mapping import MappingRow

# Another engine's answer for one table: (compiled table, input values) -> (matched rule indices, outputs).
Decided = Callable[[CompiledTable, tuple[Any, ...]], tuple[list[int], tuple[Any, ...]]]


class DecisionModel:
    """A loaded, compiled decision model. Build one with :func:`atc_dmn.load_model`."""

    def __init__(self, model: Model, indexed: bool = True) -> None:
        self.model = model
        info = model.info
        self.identity = ModelIdentity(
            info.name, info.identifier, info.version, info.effective_date, model.sha256, model.path
        )
        with paused_gc():
            self.tables: tuple[CompiledTable, ...] = tuple(compile_table(t, indexed) for t in model.tables)
        self._specs: dict[str, InputSpec] = {s.key: s for s in model.inputs}
        self._normalise = Normaliser(self._specs)
        variables = model.variables
        # The evaluation state is one dict: a copy of the normalised case (inputs under their keys),
        # then each table's outputs under their glossary names, or a private slot if a name is also an input key.
        slots = {s.name: s.key for s in model.inputs}
        for name in variables:
            if name not in slots:
                slots[name] = name if name not in self._specs else ("variable", name)
        self._checks = {
            i: tuple(j for j, name in enumerate(ct.output_names) if variables[name].role == "check")
            for i, ct in enumerate(self.tables)
        }
        # Under No match = null, what each single-hit table gives when no rule matches (see no_match.py).
        dmn_nulls = no_match(model.info) == NULL
        self._plan = tuple(
            (
                ct,
                ct.select,
                ct.outputs if ct.single_hit else None,  # a single-hit table's outputs, rule by rule
                _getter([slots[n] for n in ct.input_names]),
                slots[ct.output_names[0]] if len(ct.output_names) == 1 else None,  # the usual one output
                tuple(slots[n] for n in ct.output_names),
                self._checks[i],
                _scope_getter([slots[n] for n in ct.scope]) if ct.scope else None,  # cells naming variables
                tuple(variables[n].default for n in ct.output_names) if dmn_nulls else None,  # no rule matches
            )
            for i, ct in enumerate(self.tables)
        )
        outputs = model.variables_with_role("output")
        self._decision_keys = tuple(v.key for v in outputs)
        self._decision_values = _getter([slots[v.name] for v in outputs])

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        """The model's inputs: key, allowed values, meaning and default, as the workbook declares them."""
        return self.model.inputs

    @property
    def info(self):
        return self.model.info

    @property
    def fhir_mapping(self) -> tuple[MappingRow, ...]:
        """The FHIR sheet's mapping rows (empty for a workbook without one, such as a DMN file)."""
        return self.model.fhir_mapping

    def read_fhir(self, data: Any, now: datetime | None = None) -> FhirCase:
        """Read a case from a patient's FHIR R4 data through this model's FHIR sheet.

        ``data`` is a resource, a Bundle, a CDS Hooks prefetch object (key -> resource,
        Bundle or None) or a list of them. The case holds only the inputs some mapping
        row matched (the rest stay unknown, so :meth:`evaluate` answers them with the
        model's work-up step); ``provenance`` says which resource and coding each came
        from. Raises :class:`~atc_dmn.fhir_case.FhirError` (with the path, and an
        OperationOutcome for a service's 400) for malformed FHIR. ``now`` is the time of
        the call (default: the current UTC time): a resource dated after it is no basis.
        """
        from .fhir_case import case_from_fhir  # imported on use: evaluation alone never needs it

        return case_from_fhir(self.model.fhir_mapping, data, now)

    def normalise(self, case: Mapping[str, Any]) -> dict[str, Any]:
        """The case as the tables will see it, or an :class:`InputError`."""
        return self._normalise(case)

    def evaluate(self, case: Mapping[str, Any]) -> Result:
        """Decide one case. Raises :class:`InputError` for a bad case, :class:`EvaluationError` for a table gap.

        A refusal or a gap found by the tables carries the partial trace as ``error.trace`` (see :meth:`run`).
        """
        return self.run(self._normalise(case))

    def evaluate_many(self, cases: Iterable[Mapping[str, Any]]) -> Iterator[Result | DmnError]:
        """Decide cases one by one, as they come: a :class:`Result` per case, in order, or its error in its place.

        A bad case's :class:`InputError` (or a table gap's :class:`EvaluationError`) is yielded, never
        raised, so one bad case does not lose the rest. Lazy: it reads the next case only when asked for
        the next answer, so it serves a stream that never ends.
        """
        for case in cases:
            try:
                result = self.evaluate(case)
            except (InputError, EvaluationError) as error:
                yield error
            else:
                yield result

    def run(self, normalised: dict[str, Any], decided: Decided | None = None) -> Result:
        """Walk the tables for a case already normalised (:meth:`normalise`): the one evaluation loop.

        ``decided`` stands in for the compiled tables' matching and hit policy with another engine's
        answer (the pyDMNrules adapter's), so both engines share the state, the refusals and the trace.

        A failure keeps what was decided so far for an audit: the :class:`InputError` of a check table's
        refusal and the :class:`EvaluationError` of a table that matches nothing (or a unique table that
        matches twice) get ``trace``, a :class:`TableTrace` per table that decided, in order. A refusal's
        ends with the refusing check table and the rule that refused. A table that could not decide has
        no outputs and is left out: the error's ``table``, ``rule_ids`` and ``inputs`` name it. The trace
        is built only on failure, from the steps the loop keeps anyway; a case refused before the
        tables has an empty one.
        """
        state = normalised.copy()
        steps: list[Step] = []
        apply = hitpolicy.apply
        try:
            for ct, select, single, getter, out_slot, out_slots, checks, scope, absent in self._plan:
                values = getter(state)
                if scope is not None and decided is None:
                    hits, outputs = self._decide_in(ct, values, scope(state), absent)
                elif decided is None:
                    hits = select(values)
                    # One rule of a single-hit table gives its outputs; everything else is the hit policy's business.
                    if single is not None and len(hits) == 1:
                        outputs = single[hits[0]]
                    else:
                        outputs = apply(ct, hits, values, absent)
                else:
                    hits, outputs = decided(ct, values)
                if out_slot is not None:
                    state[out_slot] = outputs[0]
                else:
                    state.update(zip(out_slots, outputs))
                steps.append((ct, values, hits, outputs))
                if checks:
                    for j in checks:
                        if outputs[j] != CHECK_PASSED:
                            raise self._refusal(ct, ct.output_names[j], outputs[j], hits, values, steps, normalised)
        except (InputError, EvaluationError) as error:
            error.trace = trace_of(steps)
            raise
        decision = dict(zip(self._decision_keys, self._decision_values(state)))
        return Result(self.model, self.identity, normalised, decision, steps)

    def _decide_in(
        self, ct: CompiledTable, values: tuple[Any, ...], env: tuple[Any, ...], absent: tuple[Any, ...] | None
    ) -> tuple[list[int], Any]:
        """A table whose cells name variables: its rules checked against their values (``env``), and the
        selected rules' expression outputs worked out, before the hit policy (see compiler.py)."""
        hits = ct.select_in(values, env)
        now = ct.resolved(hits, env)
        if ct.single_hit and len(hits) == 1:
            return hits, now.outputs[hits[0]]
        return hits, hitpolicy.apply(now, hits, values, absent)

    def _refusal(
        self,
        ct: CompiledTable,
        check: str,
        code: Any,
        hits: list[int],
        values: tuple[Any, ...],
        steps: list[Step],
        normalised: dict[str, Any],
    ) -> InputError:
        """An input conflict found by a check table, naming the inputs its rule tested."""
        variables = self.model.variables
        key = variables[check].key
        text = self.model.wording.get((key, str(code)), str(code))
        rule = ct.table.rules[hits[0]] if hits else None
        tested = [n for pos, n in enumerate(ct.input_names) if rule is None or not rule.tests[pos].any]
        fields = [variables[n].key for n in tested if variables[n].role == "input"]
        related: dict[str, Any] = {}
        for n in tested:
            if variables[n].role != "input":
                related[variables[n].key] = values[ct.input_names.index(n)]
                producer = next((s for s in steps if n in s[0].output_names), None)
                if producer is not None:
                    for pn, pv in zip(producer[0].input_names, producer[1]):
                        if pv is not None and variables[pn].role == "input":
                            related[variables[pn].key] = pv
        field = fields[0] if fields else key
        detail = "; ".join(
            f"{k} = {show(v)}" for k, v in [(f, normalised.get(f)) for f in fields] + list(related.items())
        )
        # The rule's annotation says why these values conflict (e.g. "M1 allows only stage IVC").
        why = f" {rule.annotation.rstrip('.')}" if rule and rule.annotation else ""
        rid = f" (rule {rule.id} of table '{ct.table.name}')" if rule else ""
        return InputError(
            field, normalised.get(field), (), f"{text} Given: {detail}.{why}{rid}.", related, code="CONFLICT"
        )


def _scope_getter(names: list[Any]) -> Callable[[dict[Any, Any]], tuple[Any, ...]]:
    """The values of the variables a table's cells name, read from the state (null until decided:
    the validator's CELL_NAME_ORDER refuses a cell naming a variable decided later)."""
    return lambda state: tuple(state.get(n) for n in names)


def _getter(names: list[Any]) -> Callable[[dict[Any, Any]], tuple[Any, ...]]:
    """A function that reads the values of ``names`` from the evaluation state, as a tuple."""
    if len(names) == 1:
        name = names[0]
        return lambda state: (state[name],)
    if not names:
        return lambda state: ()
    return itemgetter(*names)
