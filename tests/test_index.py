"""The rule index and the fast paths give exactly what the plain row-by-row scan gives.

``DecisionModel(model, indexed=False)`` and ``compile_table(table, False)``
test every cell of every rule in order: the reference semantics. The index
(one bitmask per listed value, and predicates only where there is no list)
and the normalisation fast path must never change an answer, an error or a
trace, on the shipped model, on generated tables of every size and on
random tables with every kind of cell.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

from atc_dmn import DecisionModel, EvaluationError, InputError, load_model
from atc_dmn.compiler import compile_table
from atc_dmn.feel import ANY, Compare, Equals, Range, UnaryTest
from atc_dmn.hitpolicy import apply
from atc_dmn.inputs import coerce
from atc_dmn.model import Column, DecisionTable, Rule
from atc_dmn.origin import Origin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from gen_tables import random_cases, rule_rows, write_workbook

HERE = Origin("T", "B3")  # a heading cell: the index never reads where a column came from


def outcome(model: DecisionModel, case: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a caller can see of one evaluation: decision and trace, or the error and its fields."""
    try:
        result = model.evaluate(case)
    except (InputError, EvaluationError) as exc:
        return ("error", type(exc).__name__, exc.to_dict())
    return ("ok", result.decision, [t.to_dict() for t in result.trace], result.inputs)


def test_shipped_model_indexed_and_plain_agree_on_all_9072_combinations(main_cases: list[dict[str, Any]]) -> None:
    indexed = load_model()
    plain = DecisionModel(indexed.model, indexed=False)
    assert len(main_cases) == 9072
    assert all(ct.indexed for ct in indexed.tables) and not any(ct.indexed for ct in plain.tables)
    decisions = set()
    for case in main_cases:
        seen = outcome(indexed, case)
        assert seen == outcome(plain, case), case
        if seen[0] == "ok":
            decisions.add(repr(seen[1]))
    assert len(decisions) > 20  # the combinations reach many different recommendations


def test_shipped_model_agrees_on_tnm_combinations_including_refusals(tnm_cases: list[dict[str, Any]]) -> None:
    indexed = load_model()
    plain = DecisionModel(indexed.model, indexed=False)
    kinds = set()
    for case in tnm_cases:
        seen = outcome(indexed, case)
        assert seen == outcome(plain, case), case
        kinds.add(seen[0])
    assert kinds == {"ok", "error"}  # stage conflicts are refused the same way by both


@pytest.mark.parametrize("hit_policy", ["F", "U", "C"])
@pytest.mark.parametrize("rules", [10, 37, 300])
@pytest.mark.parametrize("numeric", [False, True])
def test_generated_tables_indexed_and_plain_agree(tmp_path: Path, hit_policy: str, rules: int, numeric: bool) -> None:
    path = write_workbook(tmp_path / "gen.xlsx", rules, hit_policy, numeric)
    indexed = load_model(path, use_cache=False)
    plain = DecisionModel(indexed.model, indexed=False)
    assert len(indexed.tables[0].table.rules) == rules
    fired = set()
    for case in random_cases(400, rules, numeric, seed=rules):
        seen = outcome(indexed, case)
        assert seen == outcome(plain, case), case
        assert seen[0] == "ok"
        fired.add(seen[2][0]["rules"][0]["id"])
    assert len(fired) > min(rules, 400) // 4  # the cases spread over the table


def test_generated_rules_are_complete_and_exact_in_number() -> None:
    for rules in (1, 2, 3, 5, 10, 11, 99, 100, 1000, 10_000):
        for numeric in (False, True):
            assert len(rule_rows(rules, numeric)) == rules


# -- random tables with every kind of cell, compared table by table -----------------

# Listed values mix text, numbers (0 and 1 among them), booleans and null: the
# cases where Python's True == 1 and FEEL's true != 1 part ways.
POOL = ("a", "b", "c", 0, 1, 2.5, True, False, None)
OUTSIDE = ("zzz", 3, 0.0, 1.0, -7)  # values no list holds (0.0 and 1.0 equal listed numbers)


def random_test(rng: random.Random, listed: tuple[Any, ...]) -> UnaryTest:
    kind = rng.random()
    if kind < 0.25:
        return ANY
    if kind < 0.85:
        values = rng.sample(listed, rng.randint(1, min(3, len(listed))))
        return UnaryTest(tuple(Equals(v) for v in values), negated=rng.random() < 0.3)
    if kind < 0.93:
        return UnaryTest((Compare(rng.choice(["<", "<=", ">", ">="]), rng.choice([0, 1, 2])),), rng.random() < 0.2)
    low = rng.choice([0, 0.5, 1])
    return UnaryTest((Range(low, low + rng.choice([0, 1, 2]), rng.random() < 0.5, rng.random() < 0.5),))


def random_table(rng: random.Random, hit_policy: str) -> DecisionTable:
    inputs = []
    for j in range(rng.randint(1, 4)):
        if rng.random() < 0.8:
            listed = tuple(rng.sample(POOL, rng.randint(2, len(POOL))))
            inputs.append(Column(f"in{j}", HERE, UnaryTest(tuple(Equals(v) for v in listed))))
        else:  # no list: numbers in a range, or anything
            inputs.append(Column(f"in{j}", HERE, None))
    rules = []
    for i in range(rng.randint(1, 40)):
        tests = tuple(random_test(rng, col.enumeration if col.enumeration is not None else POOL) for col in inputs)
        rules.append(Rule(f"R{i}", Origin("T", f"B{5 + i}"), tests, (f"o{i % 5}",)))
    output = Column("out", HERE, UnaryTest(tuple(Equals(f"o{k}") for k in range(5))))
    return DecisionTable("T", Origin("T", "B2"), hit_policy, tuple(inputs), (output,), tuple(rules))


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_index_matches_plain_scan(seed: int) -> None:
    rng = random.Random(seed)
    table = random_table(rng, rng.choice(["U", "F", "C", "A", "P", "R", "O"]))
    indexed, plain = compile_table(table, True), compile_table(table, False)
    for _ in range(300):
        values = tuple(
            rng.choice(
                (*col.enumeration, *OUTSIDE)
                if col.enumeration is not None and rng.random() < 0.8
                else (*POOL, *OUTSIDE)
            )
            for col in table.inputs
        )
        assert indexed.matches(values) == plain.matches(values), values
        assert indexed.first_match(values) == plain.first_match(values), values
        assert indexed.select(values) == plain.select(values), values


def test_true_and_one_stay_apart_in_the_index() -> None:
    # A column listing both 1 and true: rule R0 accepts only true, R1 only 1, R2 only 0, R3 only false.
    col = Column("x", HERE, UnaryTest((Equals(True), Equals(1), Equals(0), Equals(False), Equals(None))))
    rules = tuple(
        Rule(f"R{i}", Origin("T", f"B{5 + i}"), (UnaryTest((Equals(v),)),), (f"o{i}",))
        for i, v in enumerate([True, 1, 0, False])
    )
    ct = compile_table(DecisionTable("T", Origin("T", "B2"), "C", (col,), (Column("out", HERE),), rules))
    assert ct.indexed
    assert ct.matches((True,)) == [0]
    assert ct.matches((1,)) == [1]
    assert ct.matches((1.0,)) == [1]
    assert ct.matches((0,)) == [2]
    assert ct.matches((False,)) == [3]
    assert ct.matches((None,)) == []


def test_a_unique_table_matching_twice_is_still_an_error_with_the_index() -> None:
    table = DecisionTable(
        "T",
        Origin("T", "B2"),
        "U",
        (Column("x", HERE, UnaryTest((Equals("a"), Equals("b")))),),
        (Column("out", HERE, None),),
        (
            Rule("R1", Origin("T", "B5"), (UnaryTest((Equals("a"),)),), ("one",)),
            Rule("R2", Origin("T", "B6"), (ANY,), ("two",)),
        ),
    )
    for indexed in (True, False):
        ct = compile_table(table, indexed)
        assert ct.select(("b",)) == [1]
        with pytest.raises(EvaluationError) as err:
            apply(ct, ct.select(("a",)), ("a",))
        assert err.value.rule_ids == ("R1", "R2")


# -- normalisation: the fast path against coerce() ------------------------------------

RAW = (True, False, 1, 0, 1.0, "true", "yes", "No", "IVA", "iva", "IVB ", "", None, "x" * 300, [1], {"a": 1}, 3.5)


def test_normalise_fast_path_gives_what_coerce_gives() -> None:
    model = load_model()
    for spec in model.inputs:
        for raw in (*RAW, *spec.allowed):
            try:
                value = coerce(spec, raw)
                expected: Any = ("ok", spec.default if value is None else value)
            except InputError as exc:
                expected = ("error", exc.to_dict())
            try:
                seen: Any = ("ok", model.normalise({spec.key: raw})[spec.key])
            except InputError as exc:
                seen = ("error", exc.to_dict())
            assert seen == expected, (spec.key, raw)
            assert type(seen[1]) is type(expected[1]), (spec.key, raw)  # true stays true, never 1


def test_normalise_keeps_the_first_bad_field_and_fills_defaults() -> None:
    model = load_model()
    with pytest.raises(InputError) as err:
        model.normalise({"stage": "IVB", "resectable": 1, "airway_compromise": "maybe"})
    assert err.value.field == "resectable"
    out = model.normalise({"stage": "IVB", "targetable_alteration": None})
    assert list(out) == [spec.key for spec in model.inputs]
    defaults = {spec.key: spec.default for spec in model.inputs}
    assert out == {**defaults, "stage": "IVB"}
