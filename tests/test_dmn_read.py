"""Reading DMN XML: an exported workbook decides exactly as the workbook does; what we cannot run is refused by id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import input_space
import pytest

from atc_dmn import load_model
from atc_dmn.errors import InputError, ModelError
from atc_dmn.formats import read
from atc_dmn.formats.dmn_export import write_dmn

DMN11 = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN14 = "https://www.omg.org/spec/DMN/20211108/MODEL/"


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory) -> Path:
    return write_dmn(model.model, tmp_path_factory.mktemp("dmn") / "atc.dmn")


@pytest.fixture(scope="module")
def from_dmn(exported):
    return load_model(exported, use_cache=False)


def outcome(model, case: dict[str, Any]) -> Any:
    """The decision and the fired rule ids of every table, or what refused the case."""
    try:
        result = model.evaluate(case)
    except InputError as error:
        return ("refused", error.field, [(s.table, [r.id for r in s.rules]) for s in error.trace])
    return (result.to_dict()["decision"], [(s.table, [r.id for r in s.rules]) for s in result.trace])


@pytest.mark.parametrize("space", ["main", "tnm"])
def test_same_decisions_and_fired_rules_over_the_input_space(model, from_dmn, space):
    cases = input_space.main_cases() if space == "main" else input_space.tnm_cases()
    assert len(cases) == {"main": 9072, "tnm": 792}[space]
    for case in cases:
        assert outcome(from_dmn, case) == outcome(model, case), case


def test_same_rules_wording_references_and_tests(model, from_dmn):
    a, b = model.model, from_dmn.model
    assert [t.name for t in b.tables] == [t.name for t in a.tables]
    for x, y in zip(a.tables, b.tables, strict=True):
        assert y.hit_policy == x.hit_policy
        assert [(r.id, r.tests, r.outputs, r.annotations, r.citations) for r in y.rules] == [
            (r.id, r.tests, r.outputs, r.annotations, r.citations) for r in x.rules
        ]
        assert [(c.variable, c.allowed) for c in y.inputs + y.outputs] == [
            (c.variable, c.allowed) for c in x.inputs + x.outputs
        ]
    assert b.info == a.info
    assert b.wording == a.wording
    assert b.references == a.references
    assert b.citations == a.citations
    assert b.inputs == a.inputs
    strip = [(v.name, v.concept, v.attribute, v.role, v.default, v.meaning) for v in a.variables.values()]
    assert [(v.name, v.concept, v.attribute, v.role, v.default, v.meaning) for v in b.variables.values()] == strip
    fields = [(t.id, t.description, t.inputs, t.expected, t.expected_error, t.reason) for t in a.tests]
    assert [(t.id, t.description, t.inputs, t.expected, t.expected_error, t.reason) for t in b.tests] == fields


def test_origins_name_the_dmn_elements(from_dmn):
    table = from_dmn.model.tables[0]
    assert table.origin.source == "decision_TNM_Stage"
    rule = table.rules[0]
    assert (rule.origin.source, rule.origin.location, rule.origin.element_id) == ("decision_TNM_Stage",) + (
        rule.id,
    ) * 2
    assert rule.cells[0] == f"{rule.id}_in_1"


def test_evaluate_command_reads_a_dmn_file(run_atc, exported):
    done = run_atc("evaluate", "--model", exported, "--set", "diagnosis_confirmed=true", "--set", "m_category=M1")
    assert done.returncode == 0, done.stderr
    done = run_atc(
        "evaluate", "--model", exported, "--format", "json", "--set", "diagnosis_confirmed=true", "--set", "stage=IVB"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"]["stage"] == "IVB"


# -- hand-written files ------------------------------------------------------------------------


def dmn(body: str, ns: str = DMN13, rule: str = "", expression: str = "x") -> str:
    """A small model: input 'x' in a, b; decision 'y' a unique table (its second rule ``rule``); ``body`` added."""
    rule = rule or RULE.format(entry='"b"', out='"no"')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{ns}" id="defs" name="Small" namespace="urn:test">
  <inputData id="in_x" name="x"/>
  <decision id="dec_y" name="y">
    <informationRequirement id="req"><requiredInput href="#in_x"/></informationRequirement>
    <decisionTable id="dt_y" hitPolicy="UNIQUE">
      <input id="col_x" label="x"><inputExpression typeRef="string"><text>{expression}</text></inputExpression>
        <inputValues><text>"a", "b"</text></inputValues></input>
      <output id="col_y" typeRef="string"><outputValues><text>"yes", "no"</text></outputValues></output>
      <rule id="r1"><inputEntry id="r1_in"><text>"a"</text></inputEntry>
        <outputEntry id="r1_out"><text>"yes"</text></outputEntry></rule>
      {rule}
    </decisionTable>
  </decision>
  {body}
</definitions>
"""


def write(tmp_path: Path, text: str, name: str = "small.dmn") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("ns", [DMN11, DMN14])
def test_reads_dmn_11_and_14_files(tmp_path, ns):
    model = load_model(write(tmp_path, dmn("", ns)), use_cache=False)
    assert model.evaluate({"x": "a"}).to_dict()["decision"] == {"y": "yes"}
    assert [r.id for r in model.model.tables[0].rules] == ["r1", "r2"]
    assert model.model.tables[0].inputs[0].enumeration == ("a", "b")


LITERAL = '<decision id="dec_lit" name="z"><literalExpression id="lit_z"><text>x</text></literalExpression></decision>'
CONTEXT = '<decision id="dec_ctx" name="z"><context id="ctx_z"/></decision>'
INVOKE = '<decision id="dec_inv" name="z"><invocation id="inv_z"/></decision>'
BKM = '<businessKnowledgeModel id="bkm_f" name="f"/>'
SERVICE = '<decisionService id="svc_s" name="s"/>'
EMPTY = '<decision id="dec_empty" name="z"/>'
RULE = (
    '<rule id="r2"><inputEntry id="r2_in"><text>{entry}</text></inputEntry>'
    '<outputEntry id="r2_out"><text>{out}</text></outputEntry></rule>'
)
BAD_IN = RULE.format(entry="x + 1 &gt; 2", out='"no"')
BAD_OUT = RULE.format(entry='"b"', out='if x = "b" then "no" else "yes"')


@pytest.mark.parametrize(
    ("kwargs", "element_id", "words"),
    [
        ({"body": LITERAL}, "lit_z", "literal expressions are not supported"),
        ({"body": CONTEXT}, "ctx_z", "boxed contexts are not supported"),
        ({"body": INVOKE}, "inv_z", "invocations are not supported"),
        ({"body": BKM}, "bkm_f", "business knowledge models are not supported"),
        ({"body": SERVICE}, "svc_s", "decision services are not supported"),
        ({"body": EMPTY}, "dec_empty", "has no decision table"),
        ({"body": "", "rule": BAD_IN}, "r2_in", "r2_in: "),
        ({"body": "", "rule": BAD_OUT}, "r2_out", "r2_out: "),
        ({"body": "", "expression": "x * 2"}, "col_x", "input expression 'x * 2' is not supported"),
    ],
)
def test_unsupported_constructs_are_refused_by_id(tmp_path, kwargs, element_id, words):
    path = write(tmp_path, dmn(**kwargs))
    reading = read(path)
    assert reading.model is None
    assert any(f.origin.element_id == element_id and words in f.message for f in reading.findings.errors), [
        f.message for f in reading.findings
    ]
    with pytest.raises(ModelError) as raised:
        load_model(path, use_cache=False)
    assert element_id in str(raised.value)


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE definitions [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE definitions SYSTEM "http://example.invalid/dmn.dtd">',
    ],
)
def test_entity_and_dtd_bombs_are_refused(tmp_path, prologue):
    text = dmn("").replace('<?xml version="1.0" encoding="UTF-8"?>\n', f'<?xml version="1.0"?>\n{prologue}\n')
    with pytest.raises(ModelError) as raised:
        load_model(write(tmp_path, text.replace('name="Small"', 'name="&b;"')), use_cache=False)
    assert raised.value.code == "DMN_UNSAFE"


def test_a_file_that_is_not_dmn_is_refused(tmp_path):
    with pytest.raises(ModelError) as raised:
        load_model(write(tmp_path, '<definitions xmlns="urn:other"/>'), use_cache=False)
    assert raised.value.code == "DMN_NOT_DMN"


# -- inputs whose allowed values only their inputData declares; a table read under its own name ----------

SHOP = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{ns}" id="Shop" name="Shop" namespace="http://example.com/shop">
  <itemDefinition name="tColour"><typeRef>string</typeRef><allowedValues><text>"red","blue"</text></allowedValues>
  </itemDefinition>
  <itemDefinition name="tSize"><typeRef>string</typeRef><allowedValues><text>"S","M","L"</text></allowedValues>
  </itemDefinition>
  <inputData id="InputData_colour" name="colour"><variable name="colour" typeRef="tColour"/></inputData>
  <inputData id="InputData_size" name="size"><variable name="size" typeRef="tSize"/></inputData>
  <decision id="Decision_price" name="price">
    <informationRequirement><requiredInput href="#InputData_colour"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_size"/></informationRequirement>
    <decisionTable id="DecisionTable_price" hitPolicy="FIRST">
      <input id="Input_colour"><inputExpression typeRef="string"><text>colour</text></inputExpression></input>
      <input id="Input_size"><inputExpression typeRef="tSize"><text>size</text></inputExpression>
        <inputValues><text>"S","M"</text></inputValues></input>
      <output id="Output_price" typeRef="number"/>
      <rule id="R_small"><inputEntry><text>"red"</text></inputEntry><inputEntry><text>"S"</text></inputEntry>
        <outputEntry><text>1</text></outputEntry></rule>
      <rule id="R_other"><inputEntry><text>-</text></inputEntry><inputEntry><text>{last}</text></inputEntry>
        <outputEntry><text>2</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def shop(tmp_path: Path, last: str = "-") -> Path:
    return write(tmp_path, SHOP.format(ns=DMN13, last=last), "shop.dmn")


def test_an_input_clause_typed_with_a_built_in_type_takes_its_input_datas_allowed_values(tmp_path):
    model = read(shop(tmp_path)).model
    (colour, _) = model.tables[0].inputs
    assert colour.enumeration == ("red", "blue")
    assert {s.key: s.allowed for s in model.inputs}["colour"] == ("red", "blue")
    with pytest.raises(InputError):
        load_model(shop(tmp_path), use_cache=False).evaluate({"colour": "green", "size": "S"})


def test_an_input_keeps_its_own_allowed_values_beside_a_narrower_column_through_the_workbook(tmp_path):
    from atc_dmn.formats.xlsx_write import write_workbook

    workbook = write_workbook(read(shop(tmp_path)).model, tmp_path / "shop.xlsx")
    for path in (shop(tmp_path), workbook):
        model = load_model(path, use_cache=False)
        assert {s.key: s.allowed for s in model.model.inputs}["size"] == ("S", "M", "L"), path
        assert model.model.tables[0].inputs[1].enumeration == ("S", "M"), path  # the column's own list
        assert model.evaluate({"colour": "blue", "size": "L"}).decision == {"price": 2}  # no rule names "L": R_other
        with pytest.raises(InputError):
            model.evaluate({"colour": "blue", "size": "XL"})  # outside what the input allows


def test_a_value_the_input_allows_but_a_narrower_column_does_not_list_is_a_gap_where_no_rule_takes_it(tmp_path):
    from atc_dmn.validate import validate_model

    findings = list(validate_model(read(shop(tmp_path, last='"S","M"')).model))
    gaps = [f for f in findings if f.code == "TABLE_GAP"]
    assert gaps and all('"L"' in f.message for f in gaps), findings
    assert not [f for f in findings if f.code == "GRAPH_DOMAIN"]


RISK = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{ns}" id="Risk" name="Risk" namespace="http://example.com/risk">
  <itemDefinition name="tAge"><typeRef>number</typeRef><allowedValues><text>[0..130]</text></allowedValues>
  </itemDefinition>
  <inputData id="InputData_age" name="age"><variable name="age" typeRef="tAge"/></inputData>
  <decision id="Decision_band" name="band">
    <informationRequirement><requiredInput href="#InputData_age"/></informationRequirement>
    <decisionTable hitPolicy="FIRST">
      <input><inputExpression typeRef="tAge"><text>age</text></inputExpression></input>
      <output typeRef="string"/>
      <rule id="B1"><inputEntry><text>&lt; 40</text></inputEntry><outputEntry><text>"young"</text></outputEntry></rule>
      <rule id="B2"><inputEntry><text>-</text></inputEntry><outputEntry><text>"old"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="Decision_risk" name="risk">
    <informationRequirement><requiredDecision href="#Decision_band"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_age"/></informationRequirement>
    <decisionTable hitPolicy="COLLECT" aggregation="MAX">
      <input><inputExpression typeRef="string"><text>band</text></inputExpression></input>
      <input><inputExpression typeRef="tAge"><text>age</text></inputExpression></input>
      <output typeRef="number"/>
      <rule id="K1"><inputEntry><text>"old"</text></inputEntry><inputEntry><text>&gt;= 80</text></inputEntry>
        <outputEntry><text>3</text></outputEntry></rule>
      <rule id="K2"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>1</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_a_heading_naming_the_table_it_reads_is_not_a_second_table(run_atc, tmp_path, reference):
    """import-dmn writes a column ``band`` (no allowed values) before one with a list; the workbook loads,
    in pyDMNrules too: the tables, named as their outputs in the DMN, are ``Decide band`` and ``Decide risk``,
    so the Wording sheet's output keys ``band`` and ``risk`` are not taken for tables."""
    import pyDMNrules

    source = write(tmp_path, RISK.format(ns=DMN13), "risk.dmn")
    done = run_atc("import-dmn", str(source), "-o", str(tmp_path / "risk.xlsx"))
    assert done.returncode == 0, done.stdout + done.stderr
    model = load_model(tmp_path / "risk.xlsx", use_cache=False)
    assert [t.name for t in model.model.tables] == ["Decide band", "Decide risk"]
    assert model.evaluate({"age": 85}).decision["risk"] == 3
    theirs = pyDMNrules.DMN()
    assert theirs.load(str(tmp_path / "risk.xlsx")) == {}
    status, data = theirs.decide({"age": 85})
    assert not status.get("errors") and data[-1]["Result"]["risk"] == 3


SUM_OF_TEXT = """<definitions xmlns="{ns}" id="defs" name="S" namespace="urn:s">
  <inputData id="in_r" name="r"><variable name="r" typeRef="string"/></inputData>
  <decision id="d" name="score">
    <informationRequirement><requiredInput href="#in_r"/></informationRequirement>
    <decisionTable id="t" hitPolicy="COLLECT" aggregation="SUM">
      <input id="i"><inputExpression><text>r</text></inputExpression>
        <inputValues><text>"a","b"</text></inputValues></input>
      <output id="o" name="score"/>
      <rule id="r1"><inputEntry id="e1"><text>"a"</text></inputEntry>
        <outputEntry id="e2"><text>"x"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_a_sum_of_text_in_a_dmn_file_is_refused_at_the_entry(run_atc, tmp_path):
    """C+ over a text output is refused as a workbook's table is (it used to raise a TypeError at evaluation)."""
    source = write(tmp_path, SUM_OF_TEXT.format(ns=DMN13), "sum.dmn")
    done = run_atc("evaluate", "--model", source, "--set", "r=a")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "d!e2" in done.stderr and "TYPE_MISMATCH" in done.stderr
