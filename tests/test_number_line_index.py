"""The number-line index of columns without a list (numbers or dates): the same rules as the plain scan.

A column whose cells compare numbers (or dates) is indexed by its boundaries: the rules accepting each
boundary and each stretch between two, found by bisection. The plain row-by-row scan is the reference.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from workbook_writer import write_workbook

from atc_dmn.compiler import LineLookup
from atc_dmn.engine import DecisionModel
from atc_dmn.loader import build_model
from atc_dmn.workbook import read_workbook


def _number_cell(rng: random.Random) -> str:
    a, b = sorted(rng.sample(range(0, 20), 2))
    return rng.choice(
        [f"< {a}", f"<= {a}", f"> {b}", f">= {b}", f"[{a}..{b}]", f"({a}..{b})", f"[{a}..{b})", f"{a}",
         f"{a}, {b}", f"not([{a}..{b}])", f"not(< {a})", f"< {a}, > {b}", "-", f"{a}.5"]
    )  # fmt: skip


def _date_cell(rng: random.Random) -> str:
    a, b = sorted(rng.sample(range(1, 28), 2))
    return rng.choice(
        [f'< date("2025-01-{a:02d}")', f'>= @"2025-01-{b:02d}"', f'[date("2025-01-{a:02d}")..date("2025-01-{b:02d}")]',
         f'not(@"2025-01-{a:02d}")', "-"]
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
def test_the_line_index_gives_the_rules_the_scan_gives(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    rules = [(f"R{i}", [_number_cell(rng), _date_cell(rng)], ['"x"']) for i in range(rng.randint(2, 12))]
    rules.append(("ELSE", ["-", "-"], ['"x"']))
    table = {"name": "Line", "hp": "C", "inputs": [("Amount", None), ("Day", None)], "outputs": [("Out", '"x"')]}
    table["rules"] = rules
    path = write_workbook(tmp_path / "line.xlsx", [table], types={"Day": "date"})
    model = build_model(read_workbook(path))  # the table's overlaps are the point: no validation
    (ct,) = DecisionModel(model).tables
    if any(not r.tests[0].any for r in ct.table.rules[:-1]):
        assert any(isinstance(c.lookup, LineLookup) for c in ct.columns)
    (plain,) = DecisionModel(model, indexed=False).tables
    amounts = [None, -1, 0, 0.5, 3, 7.5, 19, 20, 25, *range(0, 21)]
    days = [None, *(dt.date(2025, 1, d) for d in range(1, 31)), dt.date(2024, 12, 31)]
    for amount in amounts:
        for day in days:
            values = (amount, day)
            assert ct.matches(values) == plain.matches(values), (values, [r.tests for r in ct.table.rules])
    # A value of another kind than the line's goes to the rules' own predicates.
    for odd in ("text", True, False, dt.datetime(2025, 1, 5)):
        assert ct.matches((odd, dt.date(2025, 1, 5))) == plain.matches((odd, dt.date(2025, 1, 5)))
        assert ct.matches((3, odd)) == plain.matches((3, odd))
