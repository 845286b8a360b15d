"""Dates, times and durations in cells, and FEEL's temporal arithmetic (DMN 1.3, 10.3.2.3 and 10.3.4.1).

Expected values are the specification's: ``date("2025-01-31") + duration("P1M")`` is the last day of
February (xs:date plus xs:yearMonthDuration), a date minus a date is a days and time duration, a
duration times a number is a duration; comparisons order each temporal type with itself only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from workbook_writer import write_workbook

from atc_dmn import load_model
from atc_dmn.cli import main
from atc_dmn.feel_arith import NoValue, arithmetic, compare
from atc_dmn.temporal import YearsMonths

PERIOD = {
    "name": "Period",
    "hp": "U",
    "inputs": [("Diagnosis date", None)],
    "outputs": [("Period", '"before 2025", "2025", "after 2025"')],
    "rules": [
        ("D1", ['< date("2025-01-01")'], ['"before 2025"']),
        ("D2", ['[@"2025-01-01"..@"2025-12-31"]'], ['"2025"']),
        ("D3", ['> date("2025-12-31")'], ['"after 2025"']),
    ],
}


@pytest.fixture
def period(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "period.xlsx", [PERIOD], types={"Diagnosis date": "date"})


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2024, 12, 31), "before 2025"),
        (dt.date(2025, 1, 1), "2025"),  # the range's closed ends
        (dt.date(2025, 12, 31), "2025"),
        (dt.date(2026, 1, 1), "after 2025"),
    ],
)
def test_date_comparisons_and_ranges(period: Path, day: dt.date, expected: str) -> None:
    assert load_model(period, use_cache=False).evaluate({"diagnosis_date": day}).decision == {"period": expected}


def test_a_date_table_is_checked_for_gaps_and_answers_through_the_cli(period: Path, run_atc) -> None:
    """Literal dates are analysable: the three rules cover every date, so the table has no gap."""
    res = CliRunner().invoke(main, ["validate", str(period)])
    assert res.exit_code == 0, res.output
    args = ["evaluate", "--model", str(period), "--set", "diagnosis_date=2025-06-30", "--format", "json"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["decision"] == {"period": "2025"}
    proc = run_atc(*args)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["decision"] == {"period": "2025"}


def test_temporal_arithmetic_in_output_cells(tmp_path: Path) -> None:
    table = {
        "name": "Schedule",
        "hp": "U",
        "inputs": [("Start", None), ("End", None)],
        "outputs": [("Review", None), ("Length", None), ("Next month", None)],
        "rules": [("S1", ["-", "-"], ['Start + duration("P21D")', "End - Start", 'Start + duration("P1M")'])],
    }
    path = write_workbook(tmp_path / "schedule.xlsx", [table], types={"Start": "date", "End": "date"})
    result = load_model(path, use_cache=False).evaluate({"start": dt.date(2025, 1, 31), "end": dt.date(2025, 3, 1)})
    assert result.decision == {
        "review": dt.date(2025, 2, 21),
        "length": dt.timedelta(days=29),
        "next_month": dt.date(2025, 2, 28),
    }


def test_a_cell_comparing_with_another_date_input(tmp_path: Path) -> None:
    table = {
        "name": "Order",
        "hp": "F",
        "inputs": [("Surgery date", None), ("Diagnosis date", None)],
        "outputs": [("Sequence", '"after diagnosis", "not after"')],
        "rules": [
            ("O1", ['> Diagnosis date + duration("P7D")', "-"], ['"after diagnosis"']),
            ("O2", ["-", "-"], ['"not after"']),
        ],
    }
    types = {"Surgery date": "date", "Diagnosis date": "date"}
    model = load_model(write_workbook(tmp_path / "order.xlsx", [table], types=types), use_cache=False)
    later = {"surgery_date": dt.date(2025, 3, 10), "diagnosis_date": dt.date(2025, 3, 1)}
    assert model.evaluate(later).decision == {"sequence": "after diagnosis"}
    week = {"surgery_date": dt.date(2025, 3, 8), "diagnosis_date": dt.date(2025, 3, 1)}
    assert model.evaluate(week).decision == {"sequence": "not after"}


def test_a_bad_date_is_a_located_error(tmp_path: Path) -> None:
    from atc_dmn import ModelError

    table = {**PERIOD, "rules": [("D1", ['< date("2025-02-30")'], ['"before 2025"']), *PERIOD["rules"][1:]]}
    path = write_workbook(tmp_path / "bad.xlsx", [table], types={"Diagnosis date": "date"})
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)
    (finding,) = [f for f in info.value.findings if f.code == "CELL_SYNTAX"]
    assert finding.origin.location == "C5" and "not a date of the calendar" in finding.message


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("-", dt.date(2025, 3, 1), dt.date(2025, 2, 1), dt.timedelta(days=28)),
        ("+", dt.date(2024, 1, 31), YearsMonths(1), dt.date(2024, 2, 29)),
        ("-", dt.date(2024, 3, 31), YearsMonths(1), dt.date(2024, 2, 29)),
        ("+", dt.datetime(2025, 1, 1, 23), dt.timedelta(hours=2), dt.datetime(2025, 1, 2, 1)),
        ("+", dt.time(23, 0), dt.timedelta(hours=2), dt.time(1, 0)),
        ("*", dt.timedelta(days=1), 3, dt.timedelta(days=3)),
        ("*", 2, YearsMonths(7), YearsMonths(14)),
        ("+", YearsMonths(5), YearsMonths(7), YearsMonths(12)),
        ("/", dt.timedelta(days=3), dt.timedelta(days=2), 1.5),
        ("+", 0.1, 0.2, 0.3),
        ("*", 1.1, 1.1, 1.21),
        ("**", 2, 10, 1024),
        ("+", "ab", "cd", "abcd"),
    ],
)
def test_feel_arithmetic(op: str, a, b, expected) -> None:
    assert arithmetic(op, a, b) == expected


@pytest.mark.parametrize(
    ("op", "a", "b"),
    [("+", 1, None), ("+", 1, "a"), ("-", dt.date(2025, 1, 1), 1), ("+", dt.date(2025, 1, 1), dt.date(2025, 1, 1))],
)
def test_arithmetic_FEEL_does_not_define_is_null(op: str, a, b) -> None:
    with pytest.raises(NoValue):
        arithmetic(op, a, b)


def test_only_values_of_one_type_are_ordered() -> None:
    assert compare(dt.date(2025, 1, 1), dt.date(2025, 1, 2)) == -1
    assert compare(dt.date(2025, 1, 1), dt.datetime(2025, 1, 1)) is None  # a date is not a date and time
    assert compare(dt.date(2025, 1, 1), 5) is None
    assert compare("a", 1) is None
    assert compare(True, False) is None
    assert compare(dt.time(1, tzinfo=dt.UTC), dt.time(2)) is None  # with and without a zone
    assert compare(YearsMonths(12), YearsMonths(13)) == -1
    assert compare(1, 1.0) == 0
