"""The FEEL value module: equality, key, rank and printer, against FEEL's rules (not Python's)."""

from __future__ import annotations

import itertools

import pytest

from atc_dmn.feel import Equals, UnaryTest, compile_test
from atc_dmn.feel_value import code, contains, distinct, equal, key, rank, same, show

SAMPLE = [True, False, 1, 0, 1.0, 0.0, 2, 1.5, "1", "true", "IVB", "ivb", "", None]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (True, 1, False),
        (False, 0, False),
        (True, 1.0, False),
        (True, True, True),
        (1, 1.0, True),
        (0, 0.0, True),
        ("IVB", "IVB", True),
        ("IVB", "ivb", False),
        ("1", 1, False),
        ("true", True, False),
        (None, None, True),
        (None, 0, False),
        (None, False, False),
    ],
)
def test_equal_follows_feel(a, b, expected) -> None:
    assert equal(a, b) is expected
    assert equal(b, a) is expected


def test_key_is_equal_exactly_when_the_values_are() -> None:
    for a, b in itertools.product(SAMPLE, repeat=2):
        assert (key(a) == key(b)) is equal(a, b), (a, b)
        if equal(a, b):
            assert hash(key(a)) == hash(key(b))


def test_true_and_1_never_share_a_dict_slot() -> None:
    slots = {key(True): "a", key(1): "b", key(False): "c", key(0): "d"}
    assert len(slots) == 4
    assert slots[key(1.0)] == "b"


def test_literal_tests_are_equal_by_feel_equality() -> None:
    assert UnaryTest((Equals(True),)) != UnaryTest((Equals(1),))
    assert UnaryTest((Equals(False),)) != UnaryTest((Equals(0),))
    assert UnaryTest((Equals(1),)) == UnaryTest((Equals(1.0),))
    assert len({UnaryTest((Equals(v),)) for v in (True, 1, 1.0, False, 0)}) == 4  # 1 and 1.0 are one


def test_rank_is_the_position_in_the_list_by_feel_equality() -> None:
    assert rank(2, (2.0, 1.0)) == 0
    assert rank(1, (2.0, 1.0)) == 1
    assert rank(True, (1, True)) == 1
    assert rank(1, (True, False)) == 2  # absent: after every listed value
    assert rank("x", ()) == 0


def test_contains_same_and_distinct() -> None:
    assert contains((2.0, 1.0), 1)
    assert not contains((1, 0), True)
    assert same((1, "a", True), (1.0, "a", True))
    assert not same((1,), (True,))
    assert not same((1,), (1, 2))
    assert distinct([1, True, 1.0, "a", True, 0, False]) == [1, True, "a", 0, False]


@pytest.mark.parametrize(
    ("value", "cell", "as_code"),
    [("IVB", '"IVB"', "IVB"), (True, "true", "true"), (False, "false", "false"), (None, "null", "null"),
     (1.5, "1.5", "1.5"), (2, "2", "2")],
)  # fmt: skip
def test_printer(value, cell, as_code) -> None:
    assert show(value) == cell
    assert code(value) == as_code


@pytest.mark.parametrize("negated", [False, True])
@pytest.mark.parametrize("literals", [(True,), (1,), (True, None), (0, 1.5), ("a", None), (True, 1), (False, "0")])
def test_compiled_literal_tests_agree_with_equal(literals, negated) -> None:
    # compile_test keeps booleans apart inline (the hot path); it must give what FEEL equality gives.
    predicate = compile_test(UnaryTest(tuple(Equals(v) for v in literals), negated))
    for value in SAMPLE:
        assert predicate(value) is (contains(literals, value) != negated), (literals, negated, value)
