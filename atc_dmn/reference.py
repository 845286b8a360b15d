"""Evaluate through pyDMNrules, the reference engine, and return the same :class:`Result`.

pyDMNrules is imported only here, and only when asked for: its import
takes seconds. Cases are normalised by our code first (pyDMNrules crashes
on some strings and reads "yes" as null), each thread gets its own
pyDMNrules object (one shared object gives wrong answers under threads),
and its answer (the rules each table fired, the final outputs) is fed to
the engine's own evaluation loop, :meth:`DecisionModel.run`, so both
engines keep the same state, refuse a case the same way and explain a
decision with the same trace.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .compiler import CompiledTable
from .engine import DecisionModel
from .errors import EngineUnavailable, EvaluationError, ModelError
from .result import Result

_local = threading.local()


class ReferenceUnavailable(EngineUnavailable):
    """pyDMNrules is not installed."""


def _engine(path: str) -> Any:
    engines = getattr(_local, "engines", None)
    if engines is None:
        engines = _local.engines = {}
    if path not in engines:
        try:
            from pyDMNrules import DMN
        except ImportError:
            raise ReferenceUnavailable(
                "the pydmnrules engine needs pyDMNrules: pip install 'atc-dmn[reference]'"
            ) from None
        dmn = DMN()
        status = dmn.load(path)
        if status.get("errors"):
            raise ModelError(
                "pyDMNrules cannot load the workbook: " + "; ".join(map(str, status["errors"])), code="REFERENCE_LOAD"
            )
        engines[path] = dmn
    return engines[path]


def evaluate_reference(model: DecisionModel, case: Mapping[str, Any]) -> Result:
    """Decide ``case`` with pyDMNrules; raise the same errors as :meth:`DecisionModel.evaluate`."""
    normalised = model.normalise(case)
    dmn = _engine(model.model.path)
    data = {spec.name: normalised[spec.key] for spec in model.inputs}
    try:
        status, new_data = dmn.decide(data)
    except Exception as exc:  # pyDMNrules raises bare exceptions on some inputs
        raise EvaluationError(f"pyDMNrules failed: {type(exc).__name__}: {exc}", "(pyDMNrules)") from None
    if status.get("errors"):
        raise EvaluationError("pyDMNrules: " + "; ".join(map(str, status["errors"])), "(pyDMNrules)")
    runs = new_data if isinstance(new_data, list) else [new_data]
    by_table: dict[str, list[str]] = {}
    for run in runs:
        executed = run["Executed Rule"]
        items = executed if isinstance(executed, list) else [executed]
        for _desc, table, rule_id in items:
            by_table.setdefault(table, []).append(str(rule_id))
    final = runs[-1]["Result"]

    def decided(ct: CompiledTable, values: tuple[Any, ...]) -> tuple[list[int], tuple[Any, ...]]:
        """pyDMNrules' answer for one table: the rules it fired (as our indices) and its outputs."""
        index = {r.id: i for i, r in enumerate(ct.table.rules)}
        hits = [index[i] for i in by_table.get(ct.table.name, []) if i in index]
        return hits, tuple(_plain(final.get(n)) for n in ct.output_names)

    return model.run(normalised, decided)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
