"""The Python API for embedding: evaluate_many (a lazy generator, errors in place), Result.from_dict, py.typed.

Expected decisions come from the spec (spec_oracle reads shared/spec/decision-model.md),
never from the engine under test.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from spec_oracle import StageConflict, comparable, decide

import atc_dmn
from atc_dmn import DecisionModel, EvaluationError, FiredRule, InputError, Result, TableTrace
from atc_dmn.feel_types import json_value
from atc_dmn.loader import build_model
from atc_dmn.workbook import read_workbook

MULTI_RULE = {  # chemoradiotherapy with a targetable alteration: nine actions collected from nine rules
    "diagnosis_confirmed": True,
    "t_category": "T4a",
    "n_category": "N1b",
    "m_category": "M0",
    "resectable": False,
    "airway_compromise": True,
    "targetable_alteration": "BRAF_V600E",
}
CASES = [
    MULTI_RULE,
    {},
    {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True},
    {"diagnosis_confirmed": True, "m_category": "M1", "patient_preference": "active_treatment"},
    {"diagnosis_confirmed": True, "stage": "IVC", "patient_preference": "palliative_care", "airway_compromise": False},
]


def spec_decision(model: DecisionModel, case: dict[str, Any]) -> tuple[Any, ...]:
    """The spec's answer for a case, in comparable form (the oracle reads a case with every input, None if missing)."""
    full = {spec.key: None for spec in model.inputs} | case
    return comparable(decide(full))


def as_json(result: Result) -> dict[str, Any]:
    return json.loads(json.dumps(result.to_dict(), default=json_value))


# -- evaluate_many ------------------------------------------------------------------------------


def test_evaluate_many_answers_in_order_with_errors_in_place(model):
    bad_value = {"diagnosis_confirmed": True, "stage": "V"}
    unknown = {"resectible": True}
    conflict = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}  # the spec: M1 allows only IVC
    cases = [CASES[0], bad_value, CASES[2], unknown, conflict, CASES[3], "not a case"]
    answers = list(model.evaluate_many(cases))
    assert len(answers) == len(cases)
    for i in (0, 2, 5):
        assert isinstance(answers[i], Result)
        assert comparable(answers[i].decision) == spec_decision(model, cases[i])
    assert [type(answers[i]) for i in (1, 3, 4, 6)] == [InputError] * 4
    assert answers[1].field == "stage" and answers[1].value == "V"
    assert answers[3].field == "resectible"
    with pytest.raises(StageConflict):
        decide({spec.key: None for spec in model.inputs} | conflict)
    assert answers[4].field == StageConflict.field
    assert answers[4].trace  # a refusal by a check table keeps its partial trace
    assert answers[6].field is None


def test_evaluate_many_over_the_spec_input_space(model, main_cases):
    sample = main_cases[::37]
    for case, answer in zip(sample, model.evaluate_many(sample), strict=True):
        assert isinstance(answer, Result), (case, answer)
        assert comparable(answer.decision) == spec_decision(model, case), case


def test_evaluate_many_is_lazy_and_serves_an_endless_stream(model):
    taken: list[int] = []

    def endless() -> Iterator[dict[str, Any]]:
        for n in itertools.count():
            taken.append(n)
            yield CASES[n % len(CASES)] if n % 3 else {"stage": n}  # every third case is refused

    answers = model.evaluate_many(endless())
    assert taken == []  # nothing is read before the first answer is asked for
    first = next(answers)
    assert taken == [0] and isinstance(first, InputError)
    rest = list(itertools.islice(answers, 9))
    assert taken == list(range(10))
    assert [isinstance(a, InputError) for a in rest] == [n % 3 == 0 for n in range(1, 10)]


def test_evaluate_many_gives_a_table_gap_in_place(tiny_workbook):
    # Compiled without validation (which refuses a gap at load): the evaluator itself must not guess.
    path = tiny_workbook(
        [
            {
                "name": "T",
                "hp": "U",
                "inputs": [("Score", None)],
                "outputs": [("Result", '"low","high"')],
                "rules": [("r1", ["[0..10]"], ['"low"']), ("r2", ["[20..30]"], ['"high"'])],
            }
        ]
    )
    model = DecisionModel(build_model(read_workbook(path)))
    answers = list(model.evaluate_many([{"score": 5}, {"score": 15}, {"score": 25}]))
    assert [a.decision["result"] for a in (answers[0], answers[2])] == ["low", "high"]
    assert isinstance(answers[1], EvaluationError) and answers[1].table == "T"


# -- Result.from_dict ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=["multi-rule", "empty", "multimodal", "ivc-active", "palliative"])
def test_from_dict_round_trip(model, case):
    result = model.evaluate(case)
    data = as_json(result)
    rebuilt = Result.from_dict(data)
    assert rebuilt.to_dict() == data
    assert comparable(rebuilt.decision) == spec_decision(model, case)
    assert rebuilt.decision == result.decision
    assert rebuilt.text == result.text
    assert rebuilt.inputs == result.inputs
    assert rebuilt.references == result.references
    assert rebuilt.reference_list == result.reference_list
    assert rebuilt.notice == result.notice
    assert rebuilt.model == dataclasses.replace(result.model, path="")
    assert rebuilt.trace == result.trace
    assert all(isinstance(t, TableTrace) and all(isinstance(r, FiredRule) for r in t.rules) for t in rebuilt.trace)
    assert [(t, ids) for t, ids in rebuilt.fired()] == [(t.table, [r.id for r in t.rules]) for t in result.trace]
    # A rebuilt result travels again unchanged.
    assert Result.from_dict(json.loads(json.dumps(rebuilt.to_dict()))).to_dict() == data


def test_from_dict_keeps_a_collect_table_s_many_rules(model):
    rebuilt = Result.from_dict(as_json(model.evaluate(MULTI_RULE)))
    # The spec's actions for this case (chemoradiotherapy, targetable, airway threatened): nine codes.
    assert len(rebuilt.decision["actions"]) == 9 == len(rebuilt.text["actions"])
    actions = next(t for t in rebuilt.trace if len(t.rules) > 1)
    assert len(actions.rules) == 9
    assert all(isinstance(c, int | str) for r in actions.rules for c in r.citations)
    assert isinstance(actions.rules[0].citations, tuple)


def _without(data: dict[str, Any], *path: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return out


def _with(data: dict[str, Any], value: Any, *path: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


BAD = {
    "missing decision": (lambda d: _without(d, "decision"), "decision"),
    "missing notice": (lambda d: _without(d, "notice"), "notice"),
    "missing model.sha256": (lambda d: _without(d, "model", "sha256"), "model.sha256"),
    "missing trace rule id": (lambda d: _without(d, "trace", 0, "rules", 0, "id"), "trace[0].rules[0].id"),
    "decision a list": (lambda d: _with(d, [], "decision"), "decision"),
    "trace an object": (lambda d: _with(d, {}, "trace"), "trace"),
    "row as text": (lambda d: _with(d, "6", "trace", 0, "rules", 0, "row"), "trace[0].rules[0].row"),
    "row as a bool": (lambda d: _with(d, True, "trace", 0, "rules", 0, "row"), "trace[0].rules[0].row"),
    "citation null": (
        lambda d: _with(d, [None], "trace", 0, "rules", 0, "citations"),
        "trace[0].rules[0].citations[0]",
    ),
    "version a number": (lambda d: _with(d, 1.1, "model", "version"), "model.version"),
    "reference not an object": (lambda d: _with(d, ["A"], "reference_list"), "reference_list[0]"),
    "unknown key": (lambda d: _with(d, 1, "extra"), "extra"),
    "unknown trace key": (lambda d: _with(d, 1, "trace", 0, "extra"), "trace[0].extra"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_from_dict_refuses_a_malformed_dict_naming_the_key(model, name):
    spoil, field = BAD[name]
    data = spoil(as_json(model.evaluate(MULTI_RULE)))
    with pytest.raises(InputError) as info:
        Result.from_dict(data)
    assert info.value.code == "BAD_RESULT"
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize("data", [None, [], "result", 3])
def test_from_dict_refuses_what_is_not_an_object(data):
    with pytest.raises(InputError) as info:
        Result.from_dict(data)
    assert info.value.code == "BAD_RESULT" and info.value.field is None


# -- typing marker -------------------------------------------------------------------------------


def test_the_package_declares_its_type_hints():
    marker = Path(atc_dmn.__file__).with_name("py.typed")
    assert marker.is_file() and marker.read_bytes() == b""
