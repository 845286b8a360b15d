"""One compiled model serves many threads at once and gives exactly the sequential answers.

A :class:`DecisionModel` keeps no per-evaluation state. The switch interval
is shortened so that threads interleave inside evaluations as often as
possible, which is where shared state would show.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from atc_dmn import InputError

THREADS = 8


def answer(model, case: dict[str, Any]) -> tuple[Any, ...]:
    try:
        result = model.evaluate(case)
    except InputError as error:
        return ("refused", error.field, str(error))
    return (
        "ok",
        result.decision,
        result.text,
        [(step.table, [r.id for r in step.rules], dict(step.inputs)) for step in result.trace],
        [r["citation"] for r in result.references],
    )


@pytest.fixture
def busy_switching():
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_shared_model_across_threads(model, main_cases, tnm_cases, busy_switching):
    cases = [*main_cases, *tnm_cases]
    sequential = [answer(model, case) for case in cases]
    assert any(a[0] == "refused" for a in sequential) and any(a[0] == "ok" for a in sequential)
    # Interleave the order so that neighbouring threads work on different kinds of case.
    order = list(range(len(cases)))[::-1]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        threaded = list(pool.map(lambda i: (i, answer(model, cases[i])), order, chunksize=7))
    mismatches = [i for i, got in threaded if got != sequential[i]]
    assert len(threaded) == len(cases)
    assert not mismatches, f"{len(mismatches)} threaded answers differ, e.g. case {cases[mismatches[0]]}"


def test_reference_engine_across_threads(model, reference, main_cases, busy_switching):
    """pyDMNrules is not thread-safe; the adapter gives each thread its own instance."""
    from atc_dmn.reference import evaluate_reference

    cases = main_cases[::150]
    sequential = [evaluate_reference(model, case).decision for case in cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda case: evaluate_reference(model, case).decision, cases))
    assert threaded == sequential
