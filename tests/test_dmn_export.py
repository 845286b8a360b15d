"""``atc-dmn export-dmn``: DMN 1.3 XML that the OMG schemas accept and that keeps everything the workbook holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from atc_dmn import load_model
from atc_dmn.cli import main
from atc_dmn.formats.dmn_export import EXT, to_dmn, write_dmn

SCHEMAS = Path(__file__).resolve().parent / "data" / "dmn13"
NS = {
    "d": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
    "di": "http://www.omg.org/spec/DMN/20180521/DI/",
    "atc": EXT,
}
POLICIES = {"U": ("UNIQUE", None), "F": ("FIRST", None), "C": ("COLLECT", None)}


@pytest.fixture(scope="module")
def exported(model):
    return etree.fromstring(to_dmn(model.model))


def test_validates_against_the_omg_schema(exported):
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "DMN13.xsd")))
    assert schema.validate(exported), schema.error_log


def test_one_decision_per_table_with_its_hit_policy_and_rules(exported, model):
    decisions = exported.findall("d:decision", NS)
    assert [d.get("label") for d in decisions] == [t.name for t in model.model.tables]
    for decision, table in zip(decisions, model.model.tables, strict=True):
        dt = decision.find("d:decisionTable", NS)
        assert (dt.get("hitPolicy"), dt.get("aggregation")) == POLICIES[table.hit_policy]
        rules = dt.findall("d:rule", NS)
        assert [r.get("label") for r in rules] == [r.id for r in table.rules]
        assert [r.get("id") for r in rules] == [r.id for r in table.rules]  # the workbook's ids are NCNames
        assert all(len(r.findall("d:inputEntry", NS)) == len(table.inputs) for r in rules)
        assert len(dt.findall("d:input", NS)) == len(table.inputs)


def test_requirements_are_the_tables_real_inputs(exported, model):
    ids = {e.get("id"): e.get("name") for e in exported.findall("d:inputData", NS)}
    decisions = exported.findall("d:decision", NS)
    ids.update({d.get("id"): d.find("d:variable", NS).get("name") for d in decisions})
    for decision, table in zip(decisions, model.model.tables, strict=True):
        hrefs = [r.get("href")[1:] for r in decision.iterfind("d:informationRequirement/*", NS)]
        assert sorted(ids[h] for h in hrefs) == sorted({c.variable for c in table.inputs})
    kinds = {r.tag.split("}")[1] for r in exported.iterfind(".//d:informationRequirement/*", NS)}
    assert kinds == {"requiredInput", "requiredDecision"}  # Stage reads TNM stage, decided by TNM Stage


def test_diagram_has_a_shape_per_node_and_an_edge_per_requirement(exported):
    nodes = {e.get("id") for e in [*exported.findall("d:decision", NS), *exported.findall("d:inputData", NS)]}
    shapes = exported.findall(".//dmndi:DMNShape", NS)
    assert sorted(s.get("dmnElementRef") for s in shapes) == sorted(nodes)
    assert all(s.find("dc:Bounds", NS) is not None for s in shapes)
    requirements = {r.get("id") for r in exported.iterfind(".//d:informationRequirement", NS)}
    edges = exported.findall(".//dmndi:DMNEdge", NS)
    assert sorted(e.get("dmnElementRef") for e in edges) == sorted(requirements)
    assert all(len(e.findall("di:waypoint", NS)) == 2 for e in edges)


def test_extensions_carry_wording_references_and_tests(exported, model):
    m = model.model
    entries = exported.findall(".//atc:wording/atc:entry", NS)
    assert {(e.get("output"), json.loads(e.get("code"))): e.text for e in entries} == m.wording
    refs = exported.findall(".//atc:references/atc:reference", NS)
    assert [(r.get("entry"), r.get("title")) for r in refs] == [(r.entry, r.title) for r in m.references]
    cites = exported.findall(".//atc:citations/atc:citation", NS)
    assert {json.loads(c.get("number")): (json.loads(c.get("entry")), c.get("status")) for c in cites} == {
        n: (c.entry, c.status) for n, c in m.citations.items()
    }
    tests = exported.findall(".//atc:tests/atc:test", NS)
    assert [t.get("id") for t in tests] == [t.id for t in m.tests]
    for el, case in zip(tests, m.tests, strict=True):
        assert {i.get("key"): json.loads(i.get("value")) for i in el.findall("atc:input", NS)} == case.inputs
        assert {i.get("output"): json.loads(i.get("value")) for i in el.findall("atc:expected", NS)} == case.expected
    roles = {v.get("name"): v.get("role") for v in exported.iterfind(".//atc:glossary/atc:variable", NS)}
    assert roles == {v.name: v.role for v in m.variables.values()}


def test_write_dmn_through_the_api(tmp_path, model):
    path = write_dmn(load_model(), tmp_path / "model.dmn")
    assert path.read_bytes() == to_dmn(model.model)


def test_cli_writes_the_file(tmp_path):
    out = tmp_path / "model.dmn"
    result = CliRunner().invoke(main, ["export-dmn", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert etree.parse(str(out)).getroot().tag == f"{{{NS['d']}}}definitions"


def test_installed_command(tmp_path, shipped_path):
    out = tmp_path / "model.dmn"
    exe = Path(sys.executable).with_name("atc-dmn")
    done = subprocess.run([str(exe), "export-dmn", str(shipped_path), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0


def test_a_broken_workbook_exits_3_with_its_located_finding(tmp_path):
    broken = Path(__file__).resolve().parent / "broken" / "gap.xlsx"
    result = CliRunner().invoke(main, ["export-dmn", str(broken), "-o", str(tmp_path / "x.dmn")])
    assert result.exit_code == 3
    assert "Stage!" in result.output and "TABLE_GAP" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.dmn").exists()


def test_an_unwritable_output_says_so(tmp_path):
    result = CliRunner().invoke(main, ["export-dmn", "-o", str(tmp_path / "missing" / "x.dmn")])
    assert result.exit_code not in (0, 3)
    assert "x.dmn" in result.output and "Traceback" not in result.output
