"""DMN's no-match semantics behind the Model sheet's ``No match`` property, and P/O priorities by the first list.

Expected answers are DMN 1.3's (8.2.11, 8.3.2): a single-hit table that matches no rule gives each output's
default (``defaultOutputEntry``) else null; a multiple-hit table gives an empty list, ``0`` for C#, null for
C+, C< and C>; P and O rank the matching rules by the first output that has an ordered list of values.
Under ``No match`` = error (the default, the clinical model's) a gap is an error and so is an evaluation
that matches nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
import workbook_writer as writer
from click.testing import CliRunner

from atc_dmn import EvaluationError, ModelError, load_model
from atc_dmn.cli import main

APPROVAL = {
    "name": "Approval",
    "hp": "U",
    "inputs": [("Risk", '"Low","Medium","High"')],
    "outputs": [("Status", '"Approved","Declined"'), ("Rate", '"Best","Standard"')],
    "rules": [
        ("A1", ['"Low"'], ['"Approved"', '"Best"']),
        ("A2", ['"Medium"'], ['"Approved"', '"Standard"']),
    ],  # "High" matches no rule
}


def _with_property(path: Path, key: str, value: str) -> Path:
    """Add a row to the Model sheet's Property | Value list, as an author would in Excel."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Model"]
    row = 3
    while ws.cell(row=row, column=2).value:
        row += 1
    ws.cell(row=row, column=2, value=key)
    ws.cell(row=row, column=3, value=value)
    wb.save(path)
    return path


def _book(tmp_path: Path, tables: list[dict], no_match: str | None, **kw) -> Path:
    path = writer.write_workbook(tmp_path / "model.xlsx", tables, **kw)
    return _with_property(path, "No match", no_match) if no_match is not None else path


def test_null_gives_each_outputs_default_else_null(tmp_path: Path) -> None:
    model = load_model(_book(tmp_path, [APPROVAL], "null", defaults={"Status": '"Declined"'}), use_cache=False)
    assert model.evaluate({"risk": "High"}).decision == {"status": "Declined", "rate": None}
    assert model.evaluate({"risk": "Low"}).decision == {"status": "Approved", "rate": "Best"}


def test_null_makes_a_gap_a_warning(tmp_path: Path) -> None:
    path = _book(tmp_path, [APPROVAL], "null")
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "TABLE_GAP" in res.output and "warning" in res.output


def test_error_is_the_default_and_refuses_a_gap(tmp_path: Path) -> None:
    for no_match in (None, "error", "Error"):
        path = _book(tmp_path, [APPROVAL], no_match)
        with pytest.raises(ModelError) as caught:
            load_model(path, use_cache=False)
        assert caught.value.code == "TABLE_GAP"


def test_error_refuses_an_evaluation_that_matches_nothing(tmp_path: Path) -> None:
    """Without the validator (a table whose gap the analysis cannot see), the engine still refuses."""
    from atc_dmn.engine import DecisionModel
    from atc_dmn.formats import read

    path = _book(tmp_path, [APPROVAL], None)
    model = DecisionModel(read(path).model_or_raise())
    with pytest.raises(EvaluationError) as caught:
        model.evaluate({"risk": "High"})
    assert caught.value.table == "Approval"


def test_a_bad_no_match_value_is_located(tmp_path: Path) -> None:
    path = _book(tmp_path, [APPROVAL], "nothing")
    with pytest.raises(ModelError) as caught:
        load_model(path, use_cache=False)
    error = caught.value
    assert error.code == "MODEL_INFO" and error.sheet == "Model" and error.cell == "C5"
    assert "error or null" in str(error)


@pytest.mark.parametrize(("policy", "expected"), [("C", []), ("C#", 0), ("C+", None), ("C<", None), ("C>", None)])
@pytest.mark.parametrize("no_match", ["null", None])
def test_a_multiple_hit_table_that_matches_nothing(tmp_path: Path, policy: str, expected, no_match) -> None:
    table = {
        "name": "Score",
        "hp": policy,
        "inputs": [("Risk", '"Low","Medium","High"')],
        "outputs": [("Points", None)],
        "rules": [("S1", ['"Low"'], [1]), ("S2", ['"Low","Medium"'], [2])],
    }
    model = load_model(_book(tmp_path, [table], no_match), use_cache=False)
    assert model.evaluate({"risk": "High"}).decision == {"points": expected}


def test_priority_ranks_by_the_first_output_with_a_list(tmp_path: Path) -> None:
    """P with two outputs, only the first listed: the rule whose Status is first in its list wins."""
    table = {
        "name": "Approval",
        "hp": "P",
        "inputs": [("Risk", '"Low","Medium","High"')],
        "outputs": [("Status", '"Declined","Approved"'), ("Rate", None)],
        "rules": [
            ("A1", ["-"], ['"Approved"', '"Standard"']),
            ("A2", ['"High"'], ['"Declined"', '"None"']),
            ("A3", ['"Low"'], ['"Approved"', '"Best"']),
        ],
    }
    path = _book(tmp_path, [table], None)
    model = load_model(path, use_cache=False)
    assert model.evaluate({"risk": "High"}).decision == {"status": "Declined", "rate": "None"}
    # A tie on Status goes to the first rule in table order (A1 before A3).
    assert model.evaluate({"risk": "Low"}).decision == {"status": "Approved", "rate": "Standard"}
    table_o = dict(table, hp="O")
    path_o = writer.write_workbook(tmp_path / "o.xlsx", [table_o])
    got = load_model(path_o, use_cache=False).evaluate({"risk": "High"}).decision
    assert got == {"status": ["Declined", "Approved"], "rate": ["None", "Standard"]}


def test_priority_needs_one_listed_output(tmp_path: Path) -> None:
    table = {
        "name": "Approval",
        "hp": "P",
        "inputs": [("Risk", '"Low","High"')],
        "outputs": [("Status", None)],
        "rules": [("A1", ["-"], ['"Approved"']), ("A2", ['"High"'], ['"Declined"'])],
    }
    with pytest.raises(ModelError) as caught:
        load_model(writer.write_workbook(tmp_path / "p.xlsx", [table]), use_cache=False)
    assert caught.value.code == "HIT_POLICY"


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="Loans" namespace="urn:loans">
  <inputData id="in_risk" name="Risk"><variable name="Risk" typeRef="string"/></inputData>
  <decision id="d_status" name="Status">
    <informationRequirement><requiredInput href="#in_risk"/></informationRequirement>
    <decisionTable id="t_status" hitPolicy="UNIQUE">
      <input id="i1"><inputExpression typeRef="string"><text>Risk</text></inputExpression>
        <inputValues><text>"Low","Medium","High"</text></inputValues></input>
      <output id="o1" typeRef="string"><outputValues><text>"Approved","Referred","Declined"</text></outputValues>
        <defaultOutputEntry><text>"Referred"</text></defaultOutputEntry></output>
      <rule id="r1"><inputEntry><text>"Low"</text></inputEntry><outputEntry><text>"Approved"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>"High"</text></inputEntry>
        <outputEntry><text>"Declined"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_import_dmn_writes_null_and_the_default_output_entry(tmp_path: Path, run_atc) -> None:
    """A DMN file from elsewhere has DMN's semantics: import-dmn writes No match = null and the default."""
    source = tmp_path / "loans.dmn"
    source.write_text(DMN, encoding="utf-8")
    book = tmp_path / "loans.xlsx"
    done = run_atc("import-dmn", source, "-o", book)
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(book)["Model"]
    props = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=3).value for r in range(3, 20)}
    assert props.get("No match") == "null"
    done = run_atc("evaluate", "--model", book, "--set", "Risk=Medium", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == {"Status": "Referred"}
    # Exported again, the default is DMN's defaultOutputEntry once more.
    out = tmp_path / "again.dmn"
    res = CliRunner().invoke(main, ["export-dmn", str(book), "-o", str(out)])
    assert res.exit_code == 0, res.output
    exported = out.read_text(encoding="utf-8")
    assert re.search(r"<defaultOutputEntry>\s*<text>\"Referred\"</text>\s*</defaultOutputEntry>", exported)
    assert load_model(out, use_cache=False).evaluate({"Risk": "Medium"}).decision == {"Status": "Referred"}


def test_the_export_with_a_default_is_valid_dmn(tmp_path: Path) -> None:
    from lxml import etree
    from test_dmn_export import SCHEMAS

    source = tmp_path / "loans.dmn"
    source.write_text(DMN, encoding="utf-8")
    book, out = tmp_path / "loans.xlsx", tmp_path / "again.dmn"
    assert CliRunner().invoke(main, ["import-dmn", str(source), "-o", str(book)]).exit_code == 0
    assert CliRunner().invoke(main, ["export-dmn", str(book), "-o", str(out)]).exit_code == 0
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "DMN13.xsd")))
    assert schema.validate(etree.parse(str(out))), schema.error_log


def test_an_input_column_that_tests_nothing_is_a_warning(tmp_path: Path) -> None:
    """DMN allows a column every rule leaves '-'; it changes no answer, so the model loads with a warning."""
    table = {
        "name": "Score",
        "hp": "C+",
        "inputs": [("Risk", '"Low","High"'), ("Region", '"North","South"')],
        "outputs": [("Points", None)],
        "rules": [("S1", ['"Low"', "-"], [1]), ("S2", ["-", "-"], [2])],
    }
    path = writer.write_workbook(tmp_path / "score.xlsx", [table])
    assert load_model(path, use_cache=False).evaluate({"risk": "Low", "region": "North"}).decision == {"points": 3}
    res = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    found = [(f["code"], f["severity"]) for f in json.loads(res.output)["findings"]]
    assert ("INPUT_UNTESTED", "warning") in found


def test_a_structured_dmn_input_is_read_as_its_components(tmp_path: Path, run_atc) -> None:
    """An inputData typed by an item definition with components (TCK 0017's structA): each component a
    table reads is an input of its own, named as FEEL names it (structA.price), given as structA_price;
    under DMN's semantics an input a case leaves out is null."""
    source = Path(__file__).parent / "tck" / "TestCases" / "compliance-level-3" / "0017-tableTests"
    book = tmp_path / "struct.xlsx"
    done = run_atc("import-dmn", source / "0017-tableTests.dmn", "-o", book)
    assert done.returncode == 0, done.stderr
    model = load_model(book, use_cache=False)
    names = {v.name: v.key for v in model.model.variables.values()}
    assert names["structA.price"] == "structA_price" and "structA.name" not in names  # no table reads it
    got = model.evaluate({"structA_price": 12, "numB": 10, "numC": 20}).decision
    assert got["priceGt10"] is True and got["priceInRange"] == "In range"
    assert got["dateCompare1"] is None  # dateD left out: null, and the table gives null
