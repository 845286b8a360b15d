"""DMN -> workbook -> DMN keeps every table, rule id and allowed value, read from the XML itself.

Each source DMN file (the export of the shipped workbook, and third-party-style
DMN 1.3 files written here, with none of our urn:atc-dmn:extensions:1
elements) goes through the real command: ``import-dmn`` writes a workbook and
``export-dmn`` writes that workbook back as DMN. Both files are then parsed
with lxml and compared element by element, never through the Model objects of
the code under test.

What the round trip may regenerate, and is therefore not compared: the ids of
input and output clauses, of input and output entries, of information
requirements, item definitions, variables and DMNDI shapes and edges (the
workbook has no cell for them; the exporter derives them from names), item
definition *names* (an inputData's type is compared through the item
definition its variable points to), labels, descriptions and annotation
columns the workbook adds. Decisions and inputData are compared by name: a
workbook has no place for a DMN id, so the exporter derives them from the
table and input names (``decision_<table>``, ``inputData_<key>``); they are
stable from the second round trip on, which is checked. The name of the single
output clause of a one-output table is not kept either (the column is named
after the decision, which DMN allows to stand for it). What must be kept:
decision names, hit policies and aggregations, input expressions, the output
names of multi-output tables, allowed values, rule ids, their order and their
entries.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from test_dmn_export import NS
from test_dmn_read import DMN13, write

from atc_dmn.cli import main

EXT = NS["atc"]  # urn:atc-dmn:extensions:1

# A third-party model, as a DMN modeler writes one: two decisions, the second requiring the first (a
# multi-output FIRST table, read as ``urgency.level``) and an input; item definitions with allowed values
# for the inputs; modeler-style ids; a COLLECT SUM table whose single output is named; a DMNDI diagram.
THIRD_PARTY = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13}" xmlns:dmndi="{NS["dmndi"]}" xmlns:dc="{NS["dc"]}"
    id="Definitions_Triage" name="Triage" namespace="http://example.com/dmn/triage">
  <itemDefinition id="ItemDefinition_tAge" name="tAge">
    <typeRef>number</typeRef>
    <allowedValues id="UnaryTests_age"><text>[0..130]</text></allowedValues>
  </itemDefinition>
  <itemDefinition id="ItemDefinition_tSymptom" name="tSymptom">
    <typeRef>string</typeRef>
    <allowedValues><text>"fever","cough", "rash"</text></allowedValues>
  </itemDefinition>
  <itemDefinition id="ItemDefinition_tLevel" name="tLevel">
    <typeRef>string</typeRef>
    <allowedValues><text>"low", "medium", "high"</text></allowedValues>
  </itemDefinition>
  <inputData id="InputData_0a1b" name="age">
    <variable id="InformationItem_age" name="age" typeRef="tAge"/>
  </inputData>
  <inputData id="InputData_1c2d" name="symptom">
    <variable id="InformationItem_symptom" name="symptom" typeRef="tSymptom"/>
  </inputData>
  <decision id="Decision_0urg" name="urgency">
    <informationRequirement id="InformationRequirement_1">
      <requiredInput href="#InputData_0a1b"/>
    </informationRequirement>
    <informationRequirement id="InformationRequirement_2">
      <requiredInput href="#InputData_1c2d"/>
    </informationRequirement>
    <decisionTable id="DecisionTable_urg" hitPolicy="FIRST">
      <input id="Input_1" label="Age">
        <inputExpression id="InputExpression_1" typeRef="tAge"><text>age</text></inputExpression>
      </input>
      <input id="Input_2" label="Symptom">
        <inputExpression id="InputExpression_2" typeRef="tSymptom"><text>symptom</text></inputExpression>
        <inputValues><text>"fever", "cough", "rash"</text></inputValues>
      </input>
      <output id="Output_1" label="Level" name="level" typeRef="tLevel">
        <outputValues><text>"low","medium","high"</text></outputValues>
      </output>
      <output id="Output_2" label="Advice" name="advice" typeRef="string"/>
      <rule id="DecisionRule_infant">
        <inputEntry id="UnaryTests_1a"><text>&lt; 1</text></inputEntry>
        <inputEntry id="UnaryTests_1b"><text>"fever"</text></inputEntry>
        <outputEntry id="LiteralExpression_1a"><text>"high"</text></outputEntry>
        <outputEntry id="LiteralExpression_1b"><text>"see a doctor now"</text></outputEntry>
      </rule>
      <rule id="DecisionRule_elderly">
        <inputEntry id="UnaryTests_2a"><text>&gt;= 80</text></inputEntry>
        <inputEntry id="UnaryTests_2b"><text>"fever", "cough"</text></inputEntry>
        <outputEntry id="LiteralExpression_2a"><text>"medium"</text></outputEntry>
        <outputEntry id="LiteralExpression_2b"><text>"call today"</text></outputEntry>
      </rule>
      <rule id="DecisionRule_other">
        <inputEntry id="UnaryTests_3a"><text>-</text></inputEntry>
        <inputEntry id="UnaryTests_3b"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_3a"><text>"low"</text></outputEntry>
        <outputEntry id="LiteralExpression_3b"><text>"rest"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <decision id="Decision_1scr" name="score">
    <variable id="InformationItem_score" name="score" typeRef="number"/>
    <informationRequirement id="InformationRequirement_3">
      <requiredDecision href="#Decision_0urg"/>
    </informationRequirement>
    <informationRequirement id="InformationRequirement_4">
      <requiredInput href="#InputData_0a1b"/>
    </informationRequirement>
    <decisionTable id="DecisionTable_scr" hitPolicy="COLLECT" aggregation="SUM">
      <input id="Input_3" label="Level">
        <inputExpression id="InputExpression_3" typeRef="tLevel"><text>urgency.level</text></inputExpression>
      </input>
      <input id="Input_4" label="Age">
        <inputExpression id="InputExpression_4" typeRef="number"><text>age</text></inputExpression>
        <inputValues><text>[0..130]</text></inputValues>
      </input>
      <output id="Output_3" label="Score" name="points" typeRef="number"/>
      <rule id="DecisionRule_s_high">
        <inputEntry id="UnaryTests_4a"><text>"high"</text></inputEntry>
        <inputEntry id="UnaryTests_4b"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_4"><text>10</text></outputEntry>
      </rule>
      <rule id="DecisionRule_s_old">
        <inputEntry id="UnaryTests_5a"><text>"medium", "high"</text></inputEntry>
        <inputEntry id="UnaryTests_5b"><text>[65..130]</text></inputEntry>
        <outputEntry id="LiteralExpression_5"><text>5</text></outputEntry>
      </rule>
      <rule id="DecisionRule_s_base">
        <inputEntry id="UnaryTests_6a"><text>-</text></inputEntry>
        <inputEntry id="UnaryTests_6b"><text>-</text></inputEntry>
        <outputEntry id="LiteralExpression_6"><text>1</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_urg" dmnElementRef="Decision_0urg">
        <dc:Bounds height="80" width="180" x="300" y="80"/>
      </dmndi:DMNShape>
      <dmndi:DMNShape id="DMNShape_scr" dmnElementRef="Decision_1scr">
        <dc:Bounds height="80" width="180" x="600" y="80"/>
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


# -- running the real command -------------------------------------------------------------------


def cli(*args: Any) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def console_script(*args: Any) -> None:
    """The installed ``atc-dmn`` next to this interpreter, in a subprocess."""
    exe = Path(sys.executable).with_name("atc-dmn")
    assert exe.is_file(), f"{exe} is not installed: pip install -e '.[test]'"
    done = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def round_trip(source: Path, folder: Path, *, installed: bool = False) -> Path:
    """``import-dmn`` ``source`` to a workbook, then ``export-dmn`` that workbook; the second DMN file."""
    workbook, back = folder / f"{source.stem}.xlsx", folder / f"{source.stem}.again.dmn"
    (console_script if installed else cli)("import-dmn", source, "-o", workbook)
    assert workbook.stat().st_size > 0
    cli("export-dmn", workbook, "-o", back)
    return back


# -- what the XML says ----------------------------------------------------------------------------


def parse(path: Path) -> etree._Element:
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.tag == f"{{{DMN13}}}definitions", root.tag
    return root


def feel_text(el: etree._Element | None) -> str | None:
    """The ``<text>`` of unary tests or a literal, without the blanks outside string literals.

    ``"a","b"`` and ``"a", "b"`` (or ``>=80`` and ``>= 80``) are the same FEEL: the workbook prints
    every cell one way, so only the blanks may differ. A string literal's content is kept exactly.
    """
    if el is None:
        return None
    text = el.findtext("d:text", default="", namespaces=NS)
    parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def item_definitions(root: etree._Element) -> dict[str, etree._Element]:
    return {i.get("name"): i for i in root.findall("d:itemDefinition", NS)}


def type_of(root: etree._Element, type_ref: str | None) -> tuple[str | None, str | None]:
    """(FEEL base type, allowed values) of a typeRef: an item definition's, or a built-in type with none."""
    item = item_definitions(root).get(type_ref)
    if item is None:
        return type_ref, None
    return item.findtext("d:typeRef", namespaces=NS), feel_text(item.find("d:allowedValues", NS))


def allowed(root: etree._Element, clause: etree._Element, values_tag: str, type_ref: str | None) -> str | None:
    """A clause's allowed values: its own inputValues/outputValues, else those of the type it names."""
    own = clause.find(f"d:{values_tag}", NS)
    return feel_text(own) if own is not None else type_of(root, type_ref)[1]


def decisions(root: etree._Element) -> dict[str, etree._Element]:
    """The decisions by name (a decision's name is its variable's, and what other decisions read)."""
    found = {d.get("name"): d for d in root.findall("d:decision", NS)}
    assert len(found) == len(root.findall("d:decision", NS)), "two decisions share a name"
    return found


def table(decision: etree._Element) -> etree._Element:
    dt = decision.find("d:decisionTable", NS)
    assert dt is not None, decision.get("id")
    return dt


def inputs(root: etree._Element, decision: etree._Element) -> list[tuple[str | None, str | None]]:
    return [
        (
            clause.findtext("d:inputExpression/d:text", namespaces=NS),
            allowed(root, clause, "inputValues", clause.find("d:inputExpression", NS).get("typeRef")),
        )
        for clause in table(decision).findall("d:input", NS)
    ]


def outputs(root: etree._Element, decision: etree._Element) -> list[tuple[str | None, str | None]]:
    return [
        (clause.get("name"), allowed(root, clause, "outputValues", clause.get("typeRef")))
        for clause in table(decision).findall("d:output", NS)
    ]


def rules(decision: etree._Element) -> list[tuple[str | None, list[str | None], list[str | None]]]:
    return [
        (
            rule.get("id"),
            [feel_text(e) for e in rule.findall("d:inputEntry", NS)],
            [feel_text(e) for e in rule.findall("d:outputEntry", NS)],
        )
        for rule in table(decision).findall("d:rule", NS)
    ]


def requirements(root: etree._Element, decision: etree._Element) -> list[tuple[str, str | None]]:
    """What a decision requires, by kind and by the name of the required element (their ids may change)."""
    names = {e.get("id"): e.get("name") for e in [*root.findall("d:decision", NS), *root.findall("d:inputData", NS)]}
    found = []
    for ref in decision.iterfind("d:informationRequirement/*", NS):
        found.append((etree.QName(ref).localname, names.get(ref.get("href", "").lstrip("#"))))
    return sorted(found)


def input_data(root: etree._Element) -> dict[str | None, tuple[str | None, str | None]]:
    """Every inputData by name: the base typeRef and allowed values of the item definition its variable names."""
    found = {}
    for el in root.findall("d:inputData", NS):
        variable = el.find("d:variable", NS)
        found[el.get("name")] = type_of(root, variable.get("typeRef") if variable is not None else None)
    return found


# -- the round trips --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_dmn(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "atc.dmn"
    cli("export-dmn", "-o", out)
    return out


@pytest.fixture(scope="module")
def shipped_trip(shipped_dmn, tmp_path_factory) -> tuple[etree._Element, etree._Element]:
    """(the shipped export, the DMN exported from the workbook import-dmn wrote from it), parsed."""
    back = round_trip(shipped_dmn, tmp_path_factory.mktemp("shipped_back"), installed=True)  # the console script
    return parse(shipped_dmn), parse(back)


@pytest.fixture(scope="module")
def third_party_trip(tmp_path_factory) -> tuple[etree._Element, etree._Element]:
    """(the third-party file, the DMN exported from the workbook import-dmn wrote from it), parsed."""
    folder = tmp_path_factory.mktemp("third_party")
    source = write(folder, THIRD_PARTY, "triage.dmn")
    return parse(source), parse(round_trip(source, folder))  # import-dmn through click's CliRunner


@pytest.fixture(params=["shipped", "third_party"])
def trip(request) -> tuple[etree._Element, etree._Element]:
    return request.getfixturevalue(f"{request.param}_trip")


def ours(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(f"{{{EXT}}}*"))


def test_the_sources_are_what_they_claim(shipped_trip, third_party_trip):
    for before, after in (shipped_trip, third_party_trip):
        assert len(decisions(before)) >= 2
        assert before.find("d:inputData", NS) is not None
        assert after.get("exporter") == "atc-dmn"
    assert ours(shipped_trip[0])
    assert not ours(third_party_trip[0])  # none of our extension elements: only DMN 1.3
    policies = {
        (table(d).get("hitPolicy"), table(d).get("aggregation")) for d in decisions(third_party_trip[0]).values()
    }
    assert policies == {("FIRST", None), ("COLLECT", "SUM")}


def test_same_decisions_by_name(trip):
    before, after = trip
    names = sorted(d.get("name") for d in before.findall("d:decision", NS))
    assert sorted(d.get("name") for d in after.findall("d:decision", NS)) == names


def test_ids_are_stable_from_the_second_round_trip_on(tmp_path):
    """DMN -> workbook -> DMN -> workbook -> DMN: the second trip gives the ids the first one derived."""
    once, twice = tmp_path / "once", tmp_path / "twice"
    once.mkdir()
    twice.mkdir()
    source = write(tmp_path, THIRD_PARTY, "triage.dmn")
    first = round_trip(source, once)
    second = round_trip(first, twice)

    def ids(path: Path) -> list[tuple[str, str | None, str | None]]:
        root = parse(path)
        found = [*root.findall("d:decision", NS), *root.findall("d:inputData", NS)]
        return sorted((etree.QName(e).localname, e.get("name"), e.get("id")) for e in found)

    assert len(ids(first)) == 4
    assert ids(second) == ids(first)


def test_same_requirements(trip):
    before, after = trip
    a, b = decisions(before), decisions(after)
    assert sorted(b) == sorted(a)
    for name in a:
        assert requirements(after, b[name]) == requirements(before, a[name]), name


def test_same_hit_policy_and_aggregation(trip):
    before, after = trip
    a, b = decisions(before), decisions(after)
    assert sorted(b) == sorted(a)
    for name in a:
        x, y = table(a[name]), table(b[name])
        # UNIQUE is DMN's default when hitPolicy is absent.
        assert (y.get("hitPolicy", "UNIQUE"), y.get("aggregation")) == (
            x.get("hitPolicy", "UNIQUE"),
            x.get("aggregation"),
        )


def test_same_input_clauses(trip):
    before, after = trip
    a, b = decisions(before), decisions(after)
    for name in a:
        assert inputs(after, b[name]) == inputs(before, a[name]), name


def test_same_output_clauses(trip):
    before, after = trip
    a, b = decisions(before), decisions(after)
    for name in a:
        x, y = outputs(before, a[name]), outputs(after, b[name])
        if len(x) == 1:
            # A one-output table's column is named after its decision (how other decisions read it), and
            # DMN lets the single output clause go unnamed: its name is not kept, its allowed values are.
            x, y = [v for _, v in x], [v for _, v in y]
        assert y == x, name


def test_same_rule_ids_in_order_with_same_entries(trip):
    before, after = trip
    a, b = decisions(before), decisions(after)
    assert sum(len(rules(d)) for d in a.values()) >= 6
    for name in a:
        assert rules(b[name]) == rules(a[name]), name


def test_same_allowed_values_of_every_input_data(trip):
    before, after = trip
    found = input_data(before)
    assert any(values is not None for _, values in found.values())
    assert input_data(after) == found


def test_the_shipped_export_is_unchanged_outside_our_extension(shipped_trip):
    """The shipped export comes back identical, but for our extension (its origins name the new workbook's cells)."""
    before, after = shipped_trip

    def dmn_only(root: etree._Element) -> bytes:
        root = etree.fromstring(etree.tostring(root))
        for el in list(root.iter(f"{{{EXT}}}*")):
            el.getparent().remove(el)
        return etree.tostring(root, method="c14n")

    assert dmn_only(after) == dmn_only(before)


# -- third-party shapes the model above does not have -------------------------------------------------

# Inputs whose allowed values are only on the item definition their inputData's variable names, as
# modelers often write them: a clause typed with a built-in type (colour), a clause narrowing the type
# with its own inputValues (size), and a boolean with no allowed values at all (vip).
TYPED_INPUTS = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13}" id="Definitions_Shop" name="Shop" namespace="http://example.com/dmn/shop">
  <itemDefinition id="ItemDefinition_tColour" name="tColour">
    <typeRef>string</typeRef><allowedValues><text>"red", "green", "blue"</text></allowedValues>
  </itemDefinition>
  <itemDefinition id="ItemDefinition_tSize" name="tSize">
    <typeRef>string</typeRef><allowedValues><text>"S", "M", "L"</text></allowedValues>
  </itemDefinition>
  <inputData id="InputData_colour" name="colour"><variable name="colour" typeRef="tColour"/></inputData>
  <inputData id="InputData_size" name="size"><variable name="size" typeRef="tSize"/></inputData>
  <inputData id="InputData_vip" name="vip"><variable name="vip" typeRef="boolean"/></inputData>
  <decision id="Decision_price" name="price">
    <informationRequirement><requiredInput href="#InputData_colour"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_size"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_vip"/></informationRequirement>
    <decisionTable id="DecisionTable_price" hitPolicy="FIRST">
      <input id="Input_colour"><inputExpression typeRef="string"><text>colour</text></inputExpression></input>
      <input id="Input_size"><inputExpression typeRef="tSize"><text>size</text></inputExpression>
        <inputValues><text>"S", "M"</text></inputValues></input>
      <input id="Input_vip"><inputExpression typeRef="boolean"><text>vip</text></inputExpression></input>
      <output id="Output_price" typeRef="number"/>
      <rule id="Rule_red_small_vip"><inputEntry><text>"red"</text></inputEntry><inputEntry><text>"S"</text></inputEntry>
        <inputEntry><text>true</text></inputEntry><outputEntry><text>1</text></outputEntry></rule>
      <rule id="Rule_any"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <inputEntry><text>-</text></inputEntry><outputEntry><text>2</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""

# A decision named as its single output (as DMN names a decision's variable), read under that name by a
# second decision whose input clause gives no allowed values of its own, followed by a clause that has some.
READ_BY_NAME = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13}" id="Definitions_Risk" name="Risk" namespace="http://example.com/dmn/risk">
  <itemDefinition id="ItemDefinition_tAge" name="tAge">
    <typeRef>number</typeRef><allowedValues><text>[0..130]</text></allowedValues>
  </itemDefinition>
  <inputData id="InputData_age" name="age"><variable name="age" typeRef="tAge"/></inputData>
  <decision id="Decision_band" name="band">
    <variable name="band" typeRef="string"/>
    <informationRequirement><requiredInput href="#InputData_age"/></informationRequirement>
    <decisionTable id="DecisionTable_band" hitPolicy="FIRST">
      <input id="Input_age"><inputExpression typeRef="tAge"><text>age</text></inputExpression></input>
      <output id="Output_band" typeRef="string"/>
      <rule id="Rule_young">
        <inputEntry><text>&lt; 40</text></inputEntry><outputEntry><text>"young"</text></outputEntry>
      </rule>
      <rule id="Rule_old"><inputEntry><text>-</text></inputEntry><outputEntry><text>"old"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="Decision_risk" name="risk">
    <variable name="risk" typeRef="number"/>
    <informationRequirement><requiredDecision href="#Decision_band"/></informationRequirement>
    <informationRequirement><requiredInput href="#InputData_age"/></informationRequirement>
    <decisionTable id="DecisionTable_risk" hitPolicy="COLLECT" aggregation="MAX">
      <input id="Input_band"><inputExpression typeRef="string"><text>band</text></inputExpression></input>
      <input id="Input_age_2"><inputExpression typeRef="tAge"><text>age</text></inputExpression></input>
      <output id="Output_risk" typeRef="number"/>
      <rule id="Rule_risk_old">
        <inputEntry><text>"old"</text></inputEntry><inputEntry><text>&gt;= 80</text></inputEntry>
        <outputEntry><text>3</text></outputEntry>
      </rule>
      <rule id="Rule_risk_any">
        <inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>1</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.fixture(scope="module")
def typed_inputs(tmp_path_factory) -> tuple[etree._Element, etree._Element]:
    folder = tmp_path_factory.mktemp("typed")
    source = write(folder, TYPED_INPUTS, "shop.dmn")
    return parse(source), parse(round_trip(source, folder))


@pytest.mark.parametrize("name", ["colour", "size", "vip"])
def test_an_input_datas_own_allowed_values_are_kept(typed_inputs, name):
    before, after = typed_inputs
    assert input_data(after)[name][1] == input_data(before)[name][1]


@pytest.mark.parametrize("name", ["colour", "size", "vip"])
def test_an_input_datas_own_type_is_kept(typed_inputs, name):
    before, after = typed_inputs
    assert input_data(after)[name][0] == input_data(before)[name][0]


def test_a_decision_read_under_its_own_name_comes_back(tmp_path):
    source = write(tmp_path, READ_BY_NAME, "risk.dmn")
    before = parse(source)
    after = parse(round_trip(source, tmp_path))
    a, b = decisions(before), decisions(after)
    assert sorted(b) == sorted(a) == ["band", "risk"]
    for name in a:
        assert rules(b[name]) == rules(a[name]), name
        assert inputs(after, b[name]) == inputs(before, a[name]), name
    assert input_data(after) == input_data(before)
