"""The compiled engine and pyDMNrules (the reference engine) agree over the whole input space.

Both engines see only the normalised case (``evaluate_reference`` normalises
with the model's own code before pyDMNrules is called), so cases that
normalise alike (a missing preference and ``undecided``, a missing alteration
and ``not_tested``) are sent to pyDMNrules once; every one of the 9,072
combinations is still compared, each against the reference answer for its
normalised form. That keeps this test to one pass of about 6,600
pyDMNrules decisions (some 20 ms each on this model), shared between the
machine's cores by forked workers that inherit the session's loaded
pyDMNrules instance, so nothing is imported or loaded twice.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any

import pytest

from atc_dmn import InputError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def signature(result) -> tuple[Any, ...]:
    """What must agree: every output code, and the rule ids fired in each table."""
    decision = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in result.decision.items()))
    fired = tuple((step.table, tuple(r.id for r in step.rules)) for step in result.trace)
    return decision, fired


def outcome(evaluate, case: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return ("ok", signature(evaluate(case)))
    except InputError as error:
        return ("refused", error.field)


_forked: dict[str, Callable[[dict[str, Any]], Any]] = {}


def _reference_outcomes(cases: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [outcome(_forked["reference"], case) for case in cases]


def reference_outcomes(reference, cases: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The reference engine's outcome for each case, in order, on every core when the OS can fork."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _serial(reference, cases)
    _forked["reference"] = reference
    size = -(-len(cases) // (workers * 4))
    chunks = [cases[i : i + size] for i in range(0, len(cases), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_reference_outcomes, chunks)
    return [answer for part in parts for answer in part]


def _serial(reference, cases: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [outcome(reference, case) for case in cases]


def compare(model, reference, cases: list[dict[str, Any]]) -> tuple[int, int, list[Any]]:
    distinct: dict[tuple[Any, ...], dict[str, Any]] = {}
    for case in cases:
        distinct.setdefault(tuple(model.normalise(case).items()), case)
    answers = dict(zip(distinct, reference_outcomes(reference, list(distinct.values()))))
    mismatches = []
    refused = 0
    for case in cases:
        key = tuple(model.normalise(case).items())
        compiled = outcome(model.evaluate, case)
        refused += compiled[0] == "refused"
        if compiled != answers[key]:
            mismatches.append((case, compiled, answers[key]))
    return len(answers), refused, mismatches


def test_forked_workers_answer_like_the_parent(model, reference, main_cases):
    sample = main_cases[::401]
    assert reference_outcomes(reference, sample) == _serial(reference, sample)


def test_engines_agree_over_main_input_space(model, reference, main_cases):
    assert len(main_cases) == 9072
    distinct, refused, mismatches = compare(model, reference, main_cases)
    assert distinct == 3 * 4 * 3 * 3 * 3 * 6 * 3  # preference and alteration defaults fold two values each
    assert refused == 0
    assert not mismatches, f"{len(mismatches)} disagreements, e.g. {mismatches[:3]}"


def test_engines_agree_over_tnm_cases(model, reference, tnm_cases):
    distinct, refused, mismatches = compare(model, reference, tnm_cases)
    assert distinct == len(tnm_cases)
    assert refused > 0  # the conflicts are refused by both, naming the same field
    assert not mismatches, f"{len(mismatches)} disagreements, e.g. {mismatches[:3]}"


def test_reference_engine_refuses_bad_input_like_the_compiled_one(model, reference):
    for case in ({"stage": "ivb"}, {"resectible": True}, {"diagnosis_confirmed": 1}):
        with pytest.raises(InputError) as compiled:
            model.evaluate(case)
        with pytest.raises(InputError) as ref:
            reference(case)
        assert ref.value.field == compiled.value.field


def test_reference_result_has_the_same_explanation(model, reference):
    case = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False, "airway_compromise": True}
    a, b = model.evaluate(case), reference(case)
    assert a.text == b.text
    assert a.references == b.references
    assert a.model == b.model
    assert [[r.annotation for r in s.rules] for s in a.trace] == [[r.annotation for r in s.rules] for s in b.trace]


def test_workbook_loads_and_decides_in_pydmnrules_itself(model, reference, shipped_path):
    from pyDMNrules import DMN

    dmn = DMN()
    status = dmn.load(str(shipped_path))
    assert not status.get("errors"), status
    data = {spec.name: None for spec in model.inputs}
    data.update({"Diagnosis confirmed": True, "Stage (given)": "IVB", "Resectable": True})
    data.update({spec.name: spec.default for spec in model.inputs if spec.default is not None})
    status, new_data = dmn.decide(data)
    assert not status.get("errors"), status
    final = (new_data if isinstance(new_data, list) else [new_data])[-1]["Result"]
    expected = model.evaluate({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}).decision
    assert final["Pathway"] == expected["pathway"]
    assert final["Surgery"] == expected["surgery"]
    assert list(final["Actions"]) == expected["actions"]
