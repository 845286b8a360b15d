"""Hit policies and cell syntax, on small workbooks written for each test.

The runtime's semantics are checked on models compiled straight from the
workbook (``build_model``), without the validation that ``load_model`` adds:
validation refuses overlapping unique tables and gaps at load time, and these
tests show that the evaluator itself still never guesses when given such a
table. Cells outside the supported subset are load errors from the loader,
so those tests go through ``load_model``.
"""

from __future__ import annotations

from typing import Any

import pytest

from atc_dmn import DecisionModel, EvaluationError, ModelError, load_model
from atc_dmn.loader import build_model
from atc_dmn.workbook import read_workbook

OVERLAPPING = [
    ("r1", ["[0..10]"], ['"low"']),
    ("r2", ["[5..15]"], ['"high"']),
    ("r3", ["[6..7]"], ['"medium"']),
]
PRIORITY = '"high","medium","low"'


def table(hp: str, rules: list[tuple[str, list[Any], list[Any]]], **kw: Any) -> dict[str, Any]:
    return {
        "name": kw.get("name", "T"),
        "hp": hp,
        "inputs": kw.get("inputs", [("Score", None)]),
        "outputs": kw.get("outputs", [("Result", PRIORITY)]),
        "rules": rules,
    }


@pytest.fixture
def compiled(tiny_workbook):
    """``compiled(hp, rules, **kw)``: a one-table model compiled without validation."""

    def make(hp: str, rules: list[tuple[str, list[Any], list[Any]]], **kw: Any) -> DecisionModel:
        path = tiny_workbook([table(hp, rules, **kw)])
        return DecisionModel(build_model(read_workbook(path)))

    return make


def decide(model: DecisionModel, **case: Any) -> Any:
    return model.evaluate(case).decision["result"]


def fired(model: DecisionModel, **case: Any) -> list[str]:
    return [r.id for step in model.evaluate(case).trace for r in step.rules]


# -- single hit ---------------------------------------------------------------------


def test_unique_with_two_matches_names_both_rules(compiled):
    model = compiled("U", [*OVERLAPPING[:2], ("r3", [">= 20"], ['"medium"'])])
    assert decide(model, score=2) == "low"
    assert decide(model, score=30) == "medium"
    with pytest.raises(EvaluationError) as info:
        model.evaluate({"score": 7})
    error = info.value
    assert error.rule_ids == ("r1", "r2")
    assert error.table == "T"
    assert "r1" in str(error) and "r2" in str(error)
    assert error.inputs == {"Score": 7}


def test_any_with_equal_outputs_is_fine(compiled):
    rules = [("r1", ["[0..10]"], ['"low"']), ("r2", ["[5..15]"], ['"low"']), ("r3", ["[8..9]"], ['"high"'])]
    model = compiled("A", rules)
    assert decide(model, score=6) == "low"
    assert fired(model, score=6) == ["r1", "r2"]


def test_any_with_different_outputs_is_an_error(compiled):
    rules = [("r1", ["[0..10]"], ['"low"']), ("r2", ["[5..15]"], ['"low"']), ("r3", ["[8..9]"], ['"high"'])]
    model = compiled("A", rules)
    with pytest.raises(EvaluationError) as info:
        model.evaluate({"score": 8})
    assert info.value.rule_ids == ("r1", "r2", "r3")
    assert info.value.table == "T"


def test_first_takes_the_first_match_in_rule_order(compiled):
    model = compiled("F", OVERLAPPING)
    assert decide(model, score=7) == "low"
    assert fired(model, score=7) == ["r1"]
    assert decide(model, score=12) == "high"
    reordered = compiled("F", [OVERLAPPING[2], OVERLAPPING[1], OVERLAPPING[0]])
    assert decide(reordered, score=7) == "medium"


def test_priority_follows_the_allowed_values_order(compiled):
    model = compiled("P", OVERLAPPING)
    assert decide(model, score=7) == "high"  # r1 low, r2 high, r3 medium
    assert decide(model, score=3) == "low"
    assert decide(model, score=6) == "high"
    reversed_order = compiled("P", OVERLAPPING, outputs=[("Result", '"low","medium","high"')])
    assert decide(reversed_order, score=7) == "low"
    middle_first = compiled("P", OVERLAPPING, outputs=[("Result", '"medium","low","high"')])
    assert decide(middle_first, score=7) == "medium"
    assert decide(middle_first, score=12) == "high"


@pytest.mark.parametrize("hp", ["U", "A", "P", "F"])
def test_single_hit_without_a_match_is_an_error(compiled, hp):
    model = compiled(hp, OVERLAPPING)
    with pytest.raises(EvaluationError) as info:
        model.evaluate({"score": 50})
    assert info.value.table == "T"
    assert info.value.rule_ids == ()
    assert "50" in str(info.value)


# -- multiple hits -----------------------------------------------------------------


@pytest.mark.parametrize("hp", ["R", "C"])
def test_rule_order_and_collect_list_in_rule_order(compiled, hp):
    model = compiled(hp, OVERLAPPING)
    assert decide(model, score=7) == ["low", "high", "medium"]
    assert fired(model, score=7) == ["r1", "r2", "r3"]
    assert decide(model, score=12) == ["high"]
    reordered = compiled(hp, [OVERLAPPING[2], OVERLAPPING[0], OVERLAPPING[1]])
    assert decide(reordered, score=7) == ["medium", "low", "high"]


def test_output_order_sorts_by_priority(compiled):
    model = compiled("O", OVERLAPPING)
    assert decide(model, score=7) == ["high", "medium", "low"]
    assert decide(model, score=5) == ["high", "low"]
    other = compiled("O", OVERLAPPING, outputs=[("Result", '"low","medium","high"')])
    assert decide(other, score=7) == ["low", "medium", "high"]


@pytest.mark.parametrize("hp", ["R", "C", "O"])
def test_collect_without_a_match_is_an_empty_list(compiled, hp):
    model = compiled(hp, OVERLAPPING)
    assert decide(model, score=50) == []
    assert fired(model, score=50) == []


def test_collect_with_two_outputs_gives_a_list_each(compiled):
    rules = [("r1", ["< 5"], ['"a"', 1]), ("r2", ["< 10"], ['"b"', 2]), ("r3", [">= 5"], ['"c"', 3])]
    model = compiled("C", rules, outputs=[("Result", None), ("Weight", None)])
    decision = model.evaluate({"score": 7}).decision
    assert decision == {"result": ["b", "c"], "weight": [2, 3]}


NUMERIC = [("r1", ["[0..10]"], [1]), ("r2", ["[5..15]"], [10]), ("r3", ["[6..7]"], [5])]


@pytest.mark.parametrize(
    ("hp", "at_7", "at_12", "at_50"),
    [("C+", 16, 10, None), ("C<", 1, 10, None), ("C>", 10, 10, None), ("C#", 3, 1, 0)],
)
def test_aggregations(compiled, hp, at_7, at_12, at_50):
    model = compiled(hp, NUMERIC, outputs=[("Result", None)])
    assert decide(model, score=7) == at_7
    assert decide(model, score=12) == at_12
    assert decide(model, score=50) == at_50
    assert fired(model, score=7) == ["r1", "r2", "r3"]


def test_aggregation_of_decimals(compiled):
    rules = [("r1", ["-"], [0.5]), ("r2", ["-"], [1.25]), ("r3", ["> 100"], [9])]
    model = compiled("C+", rules, outputs=[("Result", None)])
    assert decide(model, score=1) == pytest.approx(1.75)
    assert decide(compiled("C<", rules, outputs=[("Result", None)]), score=1) == 0.5


def test_sum_of_text_outputs_is_a_load_error(tiny_workbook):
    path = tiny_workbook([table("C+", OVERLAPPING)])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert info.value.sheet == "T"


def test_priority_without_an_ordered_list_is_a_load_error(tiny_workbook):
    path = tiny_workbook([table("P", OVERLAPPING, outputs=[("Result", None)])])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert info.value.sheet == "T"
    assert "P" in str(info.value)


@pytest.mark.parametrize("hp", ["X", "u", "UNIQUE", "C*"])
def test_unknown_hit_policy_is_a_load_error(tiny_workbook, hp):
    path = tiny_workbook([table(hp, OVERLAPPING)])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert (info.value.sheet, info.value.cell) == ("T", "B3")


# -- cells: what each supported test matches ------------------------------------------------

VALUES = [0, 1, 3, 5, 7, 10, None]
NUMBER_CELLS: list[tuple[Any, set[Any]]] = [
    ("[1..5]", {1, 3, 5}),
    ("(1..5)", {3}),
    ("[1..5)", {1, 3}),
    ("(1..5]", {3, 5}),
    ("< 5", {0, 1, 3}),
    ("<= 5", {0, 1, 3, 5}),
    ("> 5", {7, 10}),
    (">=5", {5, 7, 10}),
    ("5", {5}),
    (5, {5}),
    ("1, 3, 5", {1, 3, 5}),
    ("<5, >7", {0, 1, 3, 10}),
    ("[1..5], 10", {1, 3, 5, 10}),
    ("not(5)", {0, 1, 3, 7, 10, None}),
    ("not(1, 3)", {0, 5, 7, 10, None}),
    ("not([1..5])", {0, 7, 10, None}),
    ("not(< 5)", {5, 7, 10, None}),
    ("null", {None}),
    ("null, 0", {None, 0}),
    ("-", set(VALUES)),
    ("[-1..0.5]", {0}),
]


@pytest.fixture(scope="module")
def cell_models(tmp_path_factory, workbook_writer):
    """One collect table per column type, each rule testing one cell; the rule id says which."""
    folder = tmp_path_factory.mktemp("cells")
    number_rules = [(f"n{i}", [cell], [f'"n{i}"']) for i, (cell, _) in enumerate(NUMBER_CELLS)]
    text_rules = [(f"t{i}", [cell], [f'"t{i}"']) for i, (cell, _) in enumerate(TEXT_CELLS)]
    bool_rules = [(f"b{i}", [cell], [f'"b{i}"']) for i, (cell, _) in enumerate(BOOLEAN_CELLS)]
    path = workbook_writer(
        folder / "cells.xlsx",
        [
            table("C", number_rules, name="Numbers", outputs=[("Number hits", None)]),
            table(
                "C",
                text_rules,
                name="Texts",
                inputs=[("Kind", '"a","b","c",null')],
                outputs=[("Text hits", None)],
            ),
            table(
                "C",
                bool_rules,
                name="Flags",
                inputs=[("Flag", "true,false,null")],
                outputs=[("Flag hits", None)],
            ),
        ],
    )
    return DecisionModel(build_model(read_workbook(path)))


@pytest.mark.parametrize("value", VALUES)
def test_number_cells(cell_models, value):
    hits = set(cell_models.evaluate({"score": value}).decision["number_hits"])
    expected = {f"n{i}" for i, (_, matches) in enumerate(NUMBER_CELLS) if value in matches}
    assert hits == expected, [NUMBER_CELLS[int(h[1:])][0] for h in hits ^ expected]


TEXT_CELLS: list[tuple[Any, set[Any]]] = [
    ('"a"', {"a"}),
    ('"a","b"', {"a", "b"}),
    ('"a", null', {"a", None}),
    ('not("a")', {"b", "c", None}),
    ('not("a", "b")', {"c", None}),
    ('not("a", null)', {"b", "c"}),
    ("null", {None}),
    ("-", {"a", "b", "c", None}),
    ("", {"a", "b", "c", None}),
]


@pytest.mark.parametrize("value", ["a", "b", "c", None])
def test_text_cells(cell_models, value):
    hits = set(cell_models.evaluate({"kind": value}).decision["text_hits"])
    expected = {f"t{i}" for i, (_, matches) in enumerate(TEXT_CELLS) if value in matches}
    assert hits == expected


BOOLEAN_CELLS: list[tuple[Any, set[Any]]] = [
    ("true", {True}),
    ("false", {False}),
    (True, {True}),  # an Excel boolean
    (False, {False}),
    ("not(true)", {False, None}),
    ("not(false)", {True, None}),
    ("true, false", {True, False}),
    ("null", {None}),
]


@pytest.mark.parametrize("value", [True, False, None])
def test_boolean_cells(cell_models, value):
    hits = set(cell_models.evaluate({"flag": value}).decision["flag_hits"])
    # ``in`` on a set of booleans would also match 0 and 1: compare by identity instead.
    expected = {f"b{i}" for i, (_, matches) in enumerate(BOOLEAN_CELLS) if any(value is m for m in matches)}
    assert hits == expected


def test_numbers_and_booleans_never_match_each_other(tiny_workbook):
    # Python says 0 == False and 1 == True; FEEL does not. Mixed lists must keep both members.
    rules = [
        ("r1", ["1"], ['"one"']),
        ("r2", ["true"], ['"yes"']),
        ("r3", ["0, false"], ['"zero-or-no"']),
        ("r4", ["true, 1"], ['"yes-or-one"']),
        ("r5", ["not(0, false)"], ['"neither"']),
    ]
    path = tiny_workbook([table("C", rules, inputs=[("Score", None)], outputs=[("Result", None)])])
    model = DecisionModel(build_model(read_workbook(path)))
    assert decide(model, score=1) == ["one", "yes-or-one", "neither"]
    assert decide(model, score=True) == ["yes", "yes-or-one", "neither"]
    assert decide(model, score=0) == ["zero-or-no"]
    assert decide(model, score=False) == ["zero-or-no"]
    assert decide(model, score=1.0) == ["one", "yes-or-one", "neither"]
    assert decide(model, score=2) == ["neither"]


# -- cells outside the supported subset are located load errors ----------------------------------

UNSUPPORTED = [
    "]1..5[",
    "[1..5[",
    "<< 5",
    ">> 5",
    "surgery",
    "TRUE",
    "True",
    "=1+1",
    "1..5",
    "[1..5",
    "[5..1]",
    '"a',
    "'a'",
    'not("a"',
    ">= 1 and <= 5",
    "!= 5",
    "not",
    "5 5",
    '"say \\"hi\\""',
]


@pytest.mark.parametrize("cell", UNSUPPORTED)
def test_unsupported_input_cell_is_a_located_model_error(tiny_workbook, cell):
    rules = [("r1", ["[0..1]"], ['"low"']), ("r2", [cell], ['"high"'])]
    path = tiny_workbook([table("F", rules)])
    with pytest.raises(ModelError) as info:
        load_model(path)
    error = info.value
    assert (error.sheet, error.cell) == ("T", "C6")
    assert "T!C6" in str(error)
    assert error.findings


@pytest.mark.parametrize("cell", ["high", "TRUE", "=1", '"hi', '""'])
def test_unsupported_output_cell_is_a_located_model_error(tiny_workbook, cell):
    rules = [("r1", ["[0..1]"], ['"low"']), ("r2", ["> 1"], [cell])]
    path = tiny_workbook([table("F", rules, outputs=[("Result", None)])])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert (info.value.sheet, info.value.cell) == ("T", "D6")


def test_output_code_outside_its_list_is_a_located_model_error(tiny_workbook):
    rules = [("r1", ["[0..1]"], ['"low"']), ("r2", ["> 1"], ['"hgih"'])]
    path = tiny_workbook([table("F", rules)])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert (info.value.sheet, info.value.cell) == ("T", "D6")
    assert "hgih" in str(info.value)


def test_input_value_outside_its_list_is_a_located_model_error(tiny_workbook):
    rules = [("r1", ['"a"'], ['"low"']), ("r2", ['"d"'], ['"high"'])]
    path = tiny_workbook([table("F", rules, inputs=[("Kind", '"a","b",null')])])
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert (info.value.sheet, info.value.cell) == ("T", "C6")
    assert '"d"' in str(info.value)


def test_every_bad_cell_is_reported(tiny_workbook):
    rules = [("r1", ["]1..5["], ['"low"']), ("r2", ["<< 5"], ['"high"']), ("r3", ["surgery"], ['"medium"'])]
    path = tiny_workbook([table("F", rules)])
    with pytest.raises(ModelError) as info:
        load_model(path)
    located = {(f.sheet, f.cell) for f in info.value.findings}
    assert {("T", "C5"), ("T", "C6"), ("T", "C7")} <= located
