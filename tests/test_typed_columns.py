"""Typed columns (issue 10): the Glossary's Type column, through the loader, the validator, the inputs and DMN.

Expected behaviour from the DMN 1.3 specification: FEEL's types are string,
number, boolean, date, time, date and time, days and time duration and years
and months duration (chapter 10.3.2.9; DMN 1.1 named them dateTime,
dayTimeDuration and yearMonthDuration); a value of one type is never a value of
another (``"18"`` is not 18, a date and time is not a date). A number column
whose rules are ``< 18`` and ``>= 18`` covers every number, so a typed number
column with those rules has no gap; an untyped one may still receive text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree
from test_dmn_read import DMN13, write
from workbook_writer import write_workbook

from atc_dmn import cache, load_model
from atc_dmn.cli import main
from atc_dmn.errors import InputError, ModelError
from atc_dmn.temporal import TYPES as FEEL_TYPES
from atc_dmn.temporal import YearsMonths

AGE_TABLE = {
    "name": "Adult",
    "hp": "U",
    "inputs": [("Age", None), ("Visit", None)],
    "outputs": [("Band", '"child","adult"')],
    "rules": [("1", ["< 18", "not(null)"], ['"child"']), ("2", [">= 18", "not(null)"], ['"adult"'])],
}
TYPES = {"Age": "number", "Visit": "date"}


def cli(*args: Any) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def adult(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("typed") / "adult.xlsx", [AGE_TABLE], types=TYPES)


# -- a typed number column without a range ---------------------------------------------------------


def test_a_typed_number_column_covered_by_its_rules_has_no_gap(adult):
    assert load_model(adult, use_cache=False).model.variables["Age"].type == "number"
    done = cli("validate", adult)
    assert done.exit_code == 0, done.output
    assert "TABLE_GAP" not in done.output


def test_the_same_column_untyped_may_receive_text_a_gap(tmp_path):
    untyped = write_workbook(tmp_path / "untyped.xlsx", [AGE_TABLE], types={"Visit": "date"})
    with pytest.raises(ModelError) as raised:
        load_model(untyped, use_cache=False)
    gaps = [f for f in raised.value.findings if f.code == "TABLE_GAP"]
    assert gaps and "Age has a value no rule names" in gaps[0].message


def test_null_is_a_gap_where_the_typed_column_admits_it(tmp_path):
    table = {**AGE_TABLE, "inputs": [("Age", "null, [0..150]"), ("Visit", None)]}
    path = write_workbook(tmp_path / "nullable.xlsx", [table], types=TYPES)
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    assert [f.message for f in raised.value.findings if f.code == "TABLE_GAP"] == [
        "table 'Adult' has a gap: no rule matches Age = null (whatever the Visit)"
    ]


@pytest.mark.parametrize(
    ("age", "band"), [(17, "child"), (17.999, "child"), (18, "adult"), (-3, "child"), (130, "adult")]
)
def test_it_answers_through_the_api(adult, age, band):
    assert load_model(adult).evaluate({"age": age, "visit": "2025-01-31"}).decision == {"band": band}


def test_it_answers_through_the_cli(adult):
    done = cli("evaluate", "--model", adult, "--set", "age=18", "--set", "visit=2025-01-31", "--format", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["decision"] == {"band": "adult"}


def test_it_answers_through_the_installed_command(adult, run_atc):
    done = run_atc("evaluate", "--model", adult, "--set", "age=17", "--set", "visit=2025-01-31", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == {"band": "child"}


def gaps_of(path: Path) -> list[str]:
    """The TABLE_GAP messages of a workbook (none when it loads)."""
    try:
        load_model(path, use_cache=False)
    except ModelError as error:
        return [f.message for f in error.findings if f.code == "TABLE_GAP"]
    return []


def one_column(name: str, cells: list[str], allowed: str | None = None) -> dict[str, Any]:
    """A table of one input column ``name``, one rule per cell, each giving its own output code."""
    codes = [f'"r{i}"' for i in range(len(cells))]
    return {
        "name": "Pick",
        "hp": "U",
        "inputs": [(name, allowed)],
        "outputs": [("Picked", ",".join(codes))],
        "rules": [(str(i), [cell], [codes[i]]) for i, cell in enumerate(cells)],
    }


def test_a_typed_boolean_column_is_true_and_false(tmp_path):
    table = one_column("Smoker", ["true", "false"])
    assert gaps_of(write_workbook(tmp_path / "b.xlsx", [table], types={"Smoker": "boolean"})) == []
    assert gaps_of(write_workbook(tmp_path / "u.xlsx", [table])) == [
        "table 'Pick' has a gap: no rule matches Smoker has a value no rule names; also with Smoker = null"
    ]


def test_a_typed_string_column_is_any_text(tmp_path):
    covered = one_column("Colour", ['"red"', 'not("red")'])
    assert gaps_of(write_workbook(tmp_path / "c.xlsx", [covered], types={"Colour": "string"})) == []
    named = one_column("Colour", ['"red"', '"blue"'])
    assert gaps_of(write_workbook(tmp_path / "n.xlsx", [named], types={"Colour": "string"})) == [
        "table 'Pick' has a gap: no rule matches Colour has a text no rule names"
    ]


def test_a_typed_number_range_is_the_part_of_the_line_it_allows(tmp_path):
    table = one_column("Age", ["< 18", "[18..65]"], allowed="[0..65]")
    assert gaps_of(write_workbook(tmp_path / "r.xlsx", [table], types={"Age": "number"})) == []
    short = one_column("Age", ["< 18", "(18..65]"], allowed="[0..65]")
    assert gaps_of(write_workbook(tmp_path / "s.xlsx", [short], types={"Age": "number"})) == [
        "table 'Pick' has a gap: no rule matches Age = 18"
    ]


# Temporal lines: DMN 1.3 10.3.2.3 orders dates, times, dates and times and each kind of duration among
# themselves; a date has no value between two neighbouring days, a years and months duration none between
# two neighbouring months.
TEMPORAL_GAPS = [
    ("date", ['< date("2025-01-01")', '>= date("2025-01-01")'], []),
    ("date", ['<= date("2024-12-31")', '>= @"2025-01-01"'], []),
    ("date", ['<= date("2024-12-30")', '>= date("2025-01-01")'], ['Visit = date("2024-12-31")']),
    ("date", ['<= date("2024-12-20")', '>= date("2025-01-01")'], ['Visit in (date("2024-12-20")..date("2025-01-01"))']),
    ("days and time duration", ['< duration("P2D")', '> duration("P2D")'], ['Visit = duration("P2D")']),
    ("days and time duration", ['<= duration("PT12H")', '> duration("PT12H")'], []),
    ("years and months duration", ['<= duration("P1Y")', '>= duration("P1Y1M")'], []),
    ("time", ['< time("08:00:00")', '[time("08:00:00")..time("12:00:00")]'], ['Visit > time("12:00:00")']),
    ("date and time", ['< date and time("2025-01-31T12:00:00")', '>= @"2025-01-31T12:00:00"'], []),
]


@pytest.mark.parametrize(("type_", "cells", "gaps"), TEMPORAL_GAPS)
def test_a_typed_temporal_column_is_the_line_of_its_type(tmp_path, type_, cells, gaps):
    path = write_workbook(tmp_path / "t.xlsx", [one_column("Visit", cells)], types={"Visit": type_})
    assert gaps_of(path) == [f"table 'Pick' has a gap: no rule matches {gap}" for gap in gaps]


def test_an_untyped_date_column_may_receive_other_values(tmp_path):
    cells = ['< date("2025-01-01")', '>= date("2025-01-01")']
    path = write_workbook(tmp_path / "u.xlsx", [one_column("Visit", cells)])
    assert gaps_of(path) == [
        "table 'Pick' has a gap: no rule matches Visit has a value no rule names; also with Visit = null"
    ]


def test_a_date_comparison_answers_a_case_given_as_text(tmp_path, run_atc):
    cells = ['< date("2025-01-01")', '>= date("2025-01-01")']
    path = write_workbook(tmp_path / "d.xlsx", [one_column("Visit", cells)], types={"Visit": "date"})
    model = load_model(path)
    assert model.evaluate({"visit": "2024-12-31"}).decision == {"picked": "r0"}
    assert model.evaluate({"visit": dt.date(2025, 1, 1)}).decision == {"picked": "r1"}
    done = run_atc("evaluate", "--model", path, "--set", "visit=2025-06-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == {"picked": "r1"}


def test_temporal_cells_survive_the_cache(tmp_path):
    cells = ['< date("2025-01-01")', '[@"2025-01-01"..date("2025-12-31")]', '> date("2025-12-31")']
    path = write_workbook(tmp_path / "c.xlsx", [one_column("Visit", cells)], types={"Visit": "date"})
    fresh = load_model(path, use_cache=False)
    load_model(path)  # stores the entry
    assert cache.load(path) is not None  # the entry is read back, dates and all
    cached = load_model(path)
    assert cached.model == fresh.model
    assert cached.evaluate({"visit": "2025-12-31"}).decision == {"picked": "r1"}


DATES = ['< date("2025-01-01")', '>= date("2025-01-01")']


def test_dates_typed_as_dates_in_excel_on_the_glossary_and_the_test_sheet(tmp_path):
    path = write_workbook(
        tmp_path / "excel.xlsx",
        [one_column("Visit", DATES)],
        types={"Visit": "date"},
        defaults={"Visit": dt.datetime(2024, 6, 1)},  # openpyxl writes a date cell; Excel reads it back at midnight
        tests=[("T1", {"Visit": dt.datetime(2025, 2, 1)}, {"Picked": "r1"}, None), ("T2", {}, {"Picked": "r0"}, None)],
    )
    assert load_model(path, use_cache=False).model.variables["Visit"].default == dt.date(2024, 6, 1)
    done = cli("test", path)
    assert done.exit_code == 0, done.output
    assert "2 passed, 0 failed" in done.output


@pytest.mark.parametrize("cell", ['date("2024-06-01")', '@"2024-06-01"'])
def test_a_temporal_default_written_in_feel(tmp_path, cell):
    path = write_workbook(
        tmp_path / "d.xlsx", [one_column("Visit", DATES)], types={"Visit": "date"}, defaults={"Visit": cell}
    )
    model = load_model(path, use_cache=False)
    assert model.model.variables["Visit"].default == dt.date(2024, 6, 1)
    assert model.evaluate({}).decision == {"picked": "r0"}


def test_a_temporal_default_of_another_type_is_located(tmp_path):
    path = write_workbook(
        tmp_path / "d.xlsx", [one_column("Visit", DATES)], types={"Visit": "date"}, defaults={"Visit": '@"P2D"'}
    )
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    assert [(f.code, f.origin.location) for f in raised.value.findings] == [("GLOSSARY_TYPE", "F4")]


# -- a date input ------------------------------------------------------------------------------------


def test_a_date_given_as_iso_text_in_a_json_case(adult, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age": 40, "visit": "2025-01-31"}), encoding="utf-8")
    done = cli("evaluate", "--model", adult, "--case", case, "--format", "json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["decision"] == {"band": "adult"}
    assert result["inputs"]["visit"] == "2025-01-31"  # printed back as ISO 8601 text
    assert load_model(adult).evaluate({"age": 40, "visit": "2025-01-31"}).inputs["visit"] == dt.date(2025, 1, 31)


def test_dates_in_a_csv_batch(adult, tmp_path, run_atc):
    cases = tmp_path / "cases.csv"
    cases.write_text("age,visit\n12,2025-01-31\n40,2024-02-29\n40,31/01/2025\n", encoding="utf-8")
    done = run_atc("batch", "--model", adult, cases, "--format", "csv")
    assert done.returncode == 1, done.stderr  # one row failed
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["age"], r["visit"], r["decision_band"], r["error_code"]) for r in rows[:2]] == [
        ("12", "2025-01-31", "child", ""),
        ("40", "2024-02-29", "adult", ""),
    ]
    assert (rows[2]["visit"], rows[2]["decision_band"], rows[2]["error_field"]) == ("31/01/2025", "", "visit")
    assert "is not a date; write it as 2025-01-31" in rows[2]["error"]


def test_a_missing_typed_value_is_required(adult):
    with pytest.raises(InputError) as raised:
        load_model(adult).evaluate({"age": 40})
    assert raised.value.field == "visit"
    assert str(raised.value) == "visit is required: a date, e.g. 2025-01-31"


# -- every type: good values accepted, bad ones refused with the field named ------------------------

ALL = {
    "Name": "string",
    "Weight": "number",
    "Smoker": "boolean",
    "Born": "date",
    "Wakes": "time",
    "Seen": "date and time",
    "Stay": "days and time duration",
    "Term": "years and months duration",
}
GOOD: dict[str, Any] = {
    "name": "Ann",
    "weight": 61.5,
    "smoker": "no",
    "born": "1980-05-17",
    "wakes": "07:30:00",
    "seen": "2025-01-31T14:30:00",
    "stay": "P2DT3H",
    "term": "P1Y6M",
}
AS_PYTHON = {
    "born": dt.date(1980, 5, 17),
    "wakes": dt.time(7, 30),
    "seen": dt.datetime(2025, 1, 31, 14, 30),
    "stay": dt.timedelta(days=2, hours=3),
    "term": YearsMonths(18),
}
BAD = {
    "name": (5, "is not a string"),
    "weight": ("sixty", "is not a number"),
    "smoker": ("perhaps", "is not a boolean"),
    "born": ("17/05/1980", '"17/05/1980" is not a date; write it as 2025-01-31'),
    "wakes": ("7.30am", '"7.30am" is not a time; write it as 14:30:00'),
    "seen": ("2025-01-31 14:30", "is not a date and time; write it as 2025-01-31T14:30:00"),
    "stay": ("P1Y", '"P1Y" is not a days and time duration; write it as P2DT3H'),
    "term": ("P2D", '"P2D" is not a years and months duration; write it as P1Y6M'),
}


@pytest.fixture(scope="module")
def every_type(tmp_path_factory) -> Path:
    table = {
        "name": "Everything",
        "hp": "U",
        "inputs": [(name, None) for name in ALL],
        "outputs": [("Answer", '"ok"')],
        "rules": [("1", ["not(null)"] * len(ALL), ['"ok"'])],
    }
    return write_workbook(tmp_path_factory.mktemp("every") / "every.xlsx", [table], types=ALL)


def test_good_values_of_every_type_are_taken_and_normalised(every_type):
    result = load_model(every_type).evaluate(GOOD)
    assert result.decision == {"answer": "ok"}
    assert result.inputs == {**GOOD, "smoker": False, **AS_PYTHON}


def test_python_values_of_every_temporal_type_are_taken_as_they_are(every_type):
    assert load_model(every_type).evaluate({**GOOD, **AS_PYTHON}).inputs == {**GOOD, "smoker": False, **AS_PYTHON}


@pytest.mark.parametrize("key", list(BAD))
def test_a_bad_value_of_each_type_is_refused_naming_the_field(every_type, key):
    value, words = BAD[key]
    with pytest.raises(InputError) as raised:
        load_model(every_type).evaluate({**GOOD, key: value})
    assert raised.value.field == key
    assert str(raised.value).startswith(f"{key}: ") and words in str(raised.value)


def test_a_python_datetime_is_not_a_date(every_type):
    with pytest.raises(InputError, match=r"born: .* is not a date"):
        load_model(every_type).evaluate({**GOOD, "born": dt.datetime(1980, 5, 17, 8)})


def test_the_cli_refuses_a_bad_date_naming_the_field(every_type, run_atc):
    args = [f"--set={k}={v}" for k, v in {**GOOD, "born": "1980-13-01"}.items()]
    done = run_atc("evaluate", "--model", every_type, *args)
    assert done.returncode != 0
    assert "born" in done.stderr and "date" in done.stderr and "Traceback" not in done.stderr


# -- mistakes in the workbook, located ---------------------------------------------------------------


def test_a_bad_type_name_is_located_at_its_glossary_cell(tmp_path):
    path = write_workbook(tmp_path / "bad.xlsx", [AGE_TABLE], types={"Age": "integer", "Visit": "date"})
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    found = [f for f in raised.value.findings if f.code == "GLOSSARY_TYPE"]
    assert len(found) == 1
    assert (found[0].origin.source, found[0].origin.location) == ("Glossary", "H4")
    assert "'integer'" in found[0].message and "date and time, days and time duration" in found[0].message


def test_a_type_name_in_other_letters_is_that_type(tmp_path):
    path = write_workbook(tmp_path / "caps.xlsx", [AGE_TABLE], types={"Age": " Number ", "Visit": "Date"})
    assert load_model(path, use_cache=False).model.variables["Visit"].type == "date"


def test_a_text_in_a_number_column_is_located(tmp_path):
    table = {**AGE_TABLE, "rules": [*AGE_TABLE["rules"], ("3", ['"18"', "not(null)"], ['"adult"'])]}
    path = write_workbook(tmp_path / "text.xlsx", [table], types=TYPES)
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    found = [f for f in raised.value.findings if f.code == "NUMBER_AS_TEXT"]
    assert [(f.origin.source, f.origin.location) for f in found] == [("Adult", "C7")]


def test_a_default_of_another_type_is_refused(tmp_path):
    path = write_workbook(
        tmp_path / "default.xlsx", [AGE_TABLE], types={"Age": "number", "Visit": "date"}, defaults={"Age": '"old"'}
    )
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    assert [f.origin.location for f in raised.value.findings if f.code == "GLOSSARY_TYPE"] == ["F4"]


def test_the_type_survives_the_cache(adult):
    load_model(adult)  # stores the entry
    cached = load_model(adult)
    assert cached.model.variables["Visit"].type == "date"
    assert cached.evaluate({"age": 1, "visit": "2025-01-31"}).inputs["visit"] == dt.date(2025, 1, 31)


def test_an_untyped_workbook_has_no_type(adult, shipped_path):
    assert all(v.type == "" for v in load_model(shipped_path).model.variables.values())


# -- DMN: typeRefs in, the Type column, typeRefs out --------------------------------------------------

TYPED_DMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13}" id="Definitions_Visit" name="Visit" namespace="http://example.com/dmn/visit">
  <itemDefinition id="ItemDefinition_tAge" name="tAge"><typeRef>number</typeRef></itemDefinition>
  <itemDefinition id="ItemDefinition_tYears" name="tYears"><typeRef>tAge</typeRef></itemDefinition>
  <inputData id="InputData_age" name="age"><variable name="age" typeRef="tYears"/></inputData>
  <inputData id="InputData_seen" name="seen"><variable name="seen" typeRef="dateTime"/></inputData>
  <inputData id="InputData_born" name="born"><variable name="born"/></inputData>
  <decision id="Decision_band" name="band">
    <variable name="band" typeRef="string"/>
    <informationRequirement><requiredInput href="#InputData_age"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_seen"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_born"/></informationRequirement>
    <decisionTable id="DecisionTable_band" hitPolicy="UNIQUE">
      <input id="Input_age"><inputExpression typeRef="number"><text>age</text></inputExpression></input>
      <input id="Input_seen"><inputExpression><text>seen</text></inputExpression></input>
      <input id="Input_born"><inputExpression typeRef="date"><text>born</text></inputExpression></input>
      <output id="Output_band" typeRef="string"/>
      <rule id="Rule_child"><inputEntry><text>&lt; 18</text></inputEntry>
        <inputEntry><text>not(null)</text></inputEntry><inputEntry><text>not(null)</text></inputEntry><outputEntry><text>"child"</text></outputEntry></rule>
      <rule id="Rule_adult"><inputEntry><text>&gt;= 18</text></inputEntry>
        <inputEntry><text>not(null)</text></inputEntry><inputEntry><text>not(null)</text></inputEntry><outputEntry><text>"adult"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""
DMN_TYPES = {"age": "number", "seen": "date and time", "born": "date", "band": "string"}


@pytest.fixture(scope="module")
def typed_dmn(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("dmn"), TYPED_DMN, "visit.dmn")


def test_typerefs_are_read_through_item_definitions_and_dmn_11_names(typed_dmn):
    model = load_model(typed_dmn, use_cache=False)
    assert {name: v.type for name, v in model.model.variables.items()} == DMN_TYPES
    assert model.evaluate({"age": 18, "seen": "2025-01-31T09:00:00", "born": "2007-01-31"}).decision == {
        "band": "adult"
    }


def test_import_dmn_writes_the_type_column_and_export_dmn_the_typerefs(typed_dmn, tmp_path):
    workbook, back = tmp_path / "visit.xlsx", tmp_path / "visit.again.dmn"
    done = cli("import-dmn", typed_dmn, "-o", workbook)
    assert done.exit_code == 0, done.output
    variables = load_model(workbook, use_cache=False).model.variables
    assert {name: v.type for name, v in variables.items()} == DMN_TYPES
    done = cli("export-dmn", workbook, "-o", back)
    assert done.exit_code == 0, done.output
    root = etree.parse(str(back)).getroot()
    ns = {"d": DMN13}
    items = {i.get("name"): i.findtext("d:typeRef", namespaces=ns) for i in root.findall("d:itemDefinition", ns)}
    for data in root.findall("d:inputData", ns):
        name = data.get("name")
        assert items[data.find("d:variable", ns).get("typeRef")] == DMN_TYPES[name], name


def test_tidy_offers_the_type_names_in_the_type_column(adult, tmp_path):
    tidied = tmp_path / "tidied.xlsx"
    done = cli("tidy", adult, "-o", tidied)
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(tidied)
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in book["Glossary"].data_validations.dataValidation}
    assert "H4" in lists  # the Type column (Glossary!H) of the first variable's row
    sheet, cells = book.defined_names[lists["H4"]].attr_text.split("!")
    values = [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert values == list(FEEL_TYPES)
    assert load_model(tidied, use_cache=False).model.variables["Visit"].type == "date"
