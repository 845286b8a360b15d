"""Evaluate a case: walk the tables in the Decision sheet's order, applying each hit policy.

:class:`DecisionModel` is the compiled, immutable form of a workbook. It
holds no per-evaluation state, so one instance serves any number of
threads at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import hitpolicy
from .compiler import CompiledTable, compile_table
from .errors import InputError
from .feel import show
from .inputs import normalise
from .model import CHECK_PASSED, InputSpec, Model
from .result import ModelIdentity, Result, Step


class DecisionModel:
    """A loaded, compiled decision model. Build one with :func:`atc_dmn.load_model`."""

    def __init__(self, model: Model, indexed: bool = True) -> None:
        self.model = model
        info = model.info
        self.identity = ModelIdentity(
            info.name, info.identifier, info.version, info.effective_date, model.sha256, model.path
        )
        self.tables: tuple[CompiledTable, ...] = tuple(compile_table(t, indexed) for t in model.tables)
        self._specs: dict[str, InputSpec] = {s.key: s for s in model.inputs}
        variables = model.variables
        # Inputs enter the evaluation state under their glossary variable names.
        self._input_names = tuple((s.key, s.name) for s in model.inputs)
        self._outputs = tuple((v.name, v.key) for v in variables.values() if v.role == "output")
        self._checks = {
            i: tuple(j for j, name in enumerate(ct.output_names) if variables[name].role == "check")
            for i, ct in enumerate(self.tables)
        }
        self._plan = tuple(
            (i, ct, ct.input_names, ct.output_names, self._checks[i], ct.table.hit_policy == "F")
            for i, ct in enumerate(self.tables)
        )

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        """The model's inputs: key, allowed values, meaning and default, as the workbook declares them."""
        return self.model.inputs

    @property
    def info(self):
        return self.model.info

    def normalise(self, case: Mapping[str, Any]) -> dict[str, Any]:
        """The case as the tables will see it, or an :class:`InputError`."""
        return normalise(case, self._specs)

    def evaluate(self, case: Mapping[str, Any]) -> Result:
        """Decide one case. Raises :class:`InputError` for a bad case, :class:`EvaluationError` for a table gap."""
        normalised = normalise(case, self._specs)
        state = {name: normalised[key] for key, name in self._input_names}
        steps: list[Step] = []
        apply = hitpolicy.apply
        for _i, ct, names, out_names, checks, first in self._plan:
            values = tuple([state[n] for n in names])
            if first:
                hit = ct.first_match(values)
                hits = [hit] if hit is not None else []
            else:
                hits = ct.matches(values)
            outputs = apply(ct, hits, values)
            for name, value in zip(out_names, outputs):
                state[name] = value
            steps.append((ct, values, hits, outputs))
            if checks:
                for j in checks:
                    if outputs[j] != CHECK_PASSED:
                        raise self._refusal(ct, out_names[j], outputs[j], hits, values, steps, normalised)
        decision = {key: state.get(name) for name, key in self._outputs}
        return Result(self.model, self.identity, normalised, decision, steps)

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
        rid = f" (rule {rule.id} of table '{ct.table.name}')" if rule else ""
        return InputError(field, normalised.get(field), (), f"{text} Given: {detail}{rid}.", related)
