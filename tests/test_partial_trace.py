"""A failed evaluation carries its partial trace: the tables evaluated up to the failure, for an audit.

A check table's refusal (InputError) ends its trace with the refusing table and
rule; a table that matches nothing or a unique table that matches twice
(EvaluationError) ends it just before that table, which the error names.
Rule coverage of refused cases reads this trace, and is checked here against
an independent row-by-row walk of the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from atc_dmn import DecisionModel, EvaluationError, InputError, TableTrace
from atc_dmn.case_runner import fired_rules, run_case
from atc_dmn.loader import build_model
from atc_dmn.model import CHECK_PASSED
from atc_dmn.workbook import read_workbook

REFUSED = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}  # M1 allows only stage IVC


def table_order(model: DecisionModel) -> list[str]:
    return [t.name for t in model.model.tables]


# -- a refusal ----------------------------------------------------------------------------


def test_a_refusal_carries_the_trace_up_to_the_refusing_check_rule(model: DecisionModel) -> None:
    with pytest.raises(InputError) as info:
        model.evaluate(REFUSED)
    trace = info.value.trace
    assert all(isinstance(step, TableTrace) for step in trace)
    order = table_order(model)
    assert [step.table for step in trace] == order[: order.index("Stage Check") + 1]
    tnm, check = trace[0], trace[-1]
    assert [r.id for r in tnm.rules] == ["TS1"] and tnm.outputs == {"TNM stage": "IVC"}
    # The check table's one fired rule is the one the message names, with its failing code.
    [rule] = check.rules
    assert f"rule {rule.id} of table 'Stage Check'" in str(info.value)
    assert rule.annotation and rule.annotation.rstrip(".") in str(info.value)
    assert list(check.outputs.values()) != [CHECK_PASSED]
    assert (check.inputs["Stage (given)"], check.inputs["M category"]) == ("IVA", "M1")


def test_a_case_refused_before_the_tables_has_an_empty_trace(model: DecisionModel) -> None:
    with pytest.raises(InputError) as info:
        model.evaluate({"stage": "V"})
    assert info.value.trace == ()


def test_a_decided_case_keeps_its_trace_on_the_result(model: DecisionModel) -> None:
    """The steps behind a refusal's trace are the ones a Result explains: the same prefix, the same rules."""
    given = {"diagnosis_confirmed": True, "stage": "IVC", "m_category": "M1"}
    result = model.evaluate(given)
    with pytest.raises(InputError) as info:
        model.evaluate(REFUSED)
    assert [s.to_dict() for s in info.value.trace[:1]] == [s.to_dict() for s in result.trace[:1]]


def test_the_reference_engine_refuses_with_the_same_message_and_trace(model: DecisionModel, reference) -> None:
    with pytest.raises(InputError) as ours:
        model.evaluate(REFUSED)
    with pytest.raises(InputError) as theirs:
        reference(REFUSED)
    assert str(theirs.value) == str(ours.value)
    assert [s.to_dict() for s in theirs.value.trace] == [s.to_dict() for s in ours.value.trace]


# -- a table that cannot decide -----------------------------------------------------------------


BAND = {
    "name": "Band",
    "hp": "U",
    "inputs": [("Score", None)],
    "outputs": [("Band", '"low","high"')],
    "rules": [("B1", ["[0..10]"], ['"low"']), ("B2", ["(10..20]"], ['"high"'])],
}


def advice(rules: list[tuple[str, list[Any], list[Any]]]) -> dict[str, Any]:
    return {
        "name": "Advice",
        "hp": "U",
        "inputs": [("Band", '"low","high"'), ("Urgent", None)],
        "outputs": [("Advice", '"wait","act"')],
        "rules": rules,
    }


@pytest.fixture
def chained(tiny_workbook):
    """``chained(advice_rules)``: Band then Advice, compiled without the validation that refuses gaps and overlaps."""

    def make(rules: list[tuple[str, list[Any], list[Any]]]) -> DecisionModel:
        return DecisionModel(build_model(read_workbook(tiny_workbook([BAND, advice(rules)]))))

    return make


def test_a_table_that_matches_nothing_fails_with_the_trace_before_it(chained) -> None:
    model = chained([("A1", ['"low"', "-"], ['"wait"']), ("A2", ['"high"', "true"], ['"act"'])])  # gap: high, false
    assert model.evaluate({"score": 15, "urgent": True}).decision["advice"] == "act"
    with pytest.raises(EvaluationError) as info:
        model.evaluate({"score": 15, "urgent": False})
    error = info.value
    assert error.table == "Advice" and error.rule_ids == ()
    [band] = error.trace
    assert (band.table, [r.id for r in band.rules], dict(band.outputs)) == ("Band", ["B2"], {"Band": "high"})


def test_a_unique_table_that_matches_twice_fails_with_the_trace_before_it(chained) -> None:
    model = chained([("A1", ['"low"', "-"], ['"wait"']), ("A2", ['"low"', "true"], ['"act"'])])
    with pytest.raises(EvaluationError) as info:
        model.evaluate({"score": 3, "urgent": True})
    assert info.value.rule_ids == ("A1", "A2")
    assert [(s.table, [r.id for r in s.rules]) for s in info.value.trace] == [("Band", ["B1"])]
    # Coverage counts what fired before the failure and the failing table's matched rules, as it always did.
    assert fired_rules(model, {"score": 3, "urgent": True}) == [("Band", "B1"), ("Advice", "A1"), ("Advice", "A2")]
    outcome = run_case(model, "C1", "", "here", {"score": 3, "urgent": True}, {})
    assert not outcome.passed and outcome.problem.startswith("no answer:")
    assert outcome.fired == (("Band", "B1"), ("Advice", "A1"), ("Advice", "A2"))


# -- coverage of refused cases is what an independent walk finds ----------------------------------


def walked(model: DecisionModel, case: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The rules that fire up to a refusal or a failing table, found row by row with the loader's own tests.

    Independent of the engine's index, plan and trace: the walk coverage used before failures carried a trace.
    """
    from atc_dmn import hitpolicy

    try:
        normalised = model.normalise(case)
    except InputError:
        return []
    variables = model.model.variables
    state = {spec.name: normalised.get(spec.key) for spec in model.model.inputs}
    fired: list[tuple[str, str]] = []
    for ct in model.tables:
        table = ct.table
        values = tuple(state.get(col.variable) for col in table.inputs)
        hits = [i for i, r in enumerate(table.rules) if all(t.matches(v) for t, v in zip(r.tests, values))]
        if table.hit_policy == "F":
            hits = hits[:1]
        fired.extend((table.name, table.rules[i].id) for i in hits)
        try:
            outputs = hitpolicy.apply(ct, hits, values)
        except EvaluationError:
            break
        state.update(zip((col.variable for col in table.outputs), outputs))
        if any(
            variables[col.variable].role == "check" and value != CHECK_PASSED
            for col, value in zip(table.outputs, outputs)
        ):
            break
    return fired


def test_coverage_of_refused_cases_is_unchanged(model: DecisionModel, tnm_cases: list[dict[str, Any]]) -> None:
    refused = 0
    for case in tnm_cases:
        try:
            model.evaluate(case)
        except InputError:
            refused += 1
        assert fired_rules(model, case) == walked(model, case), case
    assert refused > 100  # the sweep exercises refusals, not only decisions


def test_the_test_sheet_refusals_cover_their_check_rules(model: DecisionModel) -> None:
    refusals = [c for c in model.model.tests if c.expected_error is not None]
    assert refusals
    for case in refusals:
        outcome = run_case(model, case.id, "", "sheet", case.inputs, case.expected, case.expected_error)
        assert outcome.passed, outcome.problem
        assert list(outcome.fired) == walked(model, case.inputs) and outcome.fired[-1][0] == "Stage Check", case.id
