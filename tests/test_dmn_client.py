"""A real DMN client opens the export: dmn-moddle reads it without warnings, dmn-js's viewer renders it.

dmn-moddle is the parser behind dmn-js and Camunda Modeler; dmn-js's viewer draws the requirements
diagram and every decision table in headless Chromium (puppeteer-core driving the system browser,
the bundle from ``tests/dmn_client/node_modules``, no network). The scripts print JSON; Node and
Chromium run once per session. Under CI (the CI variable set) missing Node, Chromium or
``node_modules`` fail the tests (``.ci/run`` installs them), a workstation may skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from atc_dmn.formats.dmn_export import write_dmn

CLIENT = Path(__file__).resolve().parent / "dmn_client"
CHROMIUM = "/usr/bin/chromium"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}, and CI must test the export in a DMN client (.ci/run installs it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        _missing("node (Node.js) is not installed")
    if not (CLIENT / "node_modules" / "dmn-js").is_dir():
        _missing("tests/dmn_client/node_modules is missing (npm ci in tests/dmn_client)")
    return found


@pytest.fixture(scope="session")
def dmn_file(tmp_path_factory: pytest.TempPathFactory, model) -> Path:
    return write_dmn(model, tmp_path_factory.mktemp("dmn_client") / "atc_treatment.dmn")


def _run(node: str, script: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run([node, script, *args], cwd=CLIENT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def read(node: str, dmn_file: Path) -> dict[str, Any]:
    return _run(node, "read.mjs", str(dmn_file))


@pytest.fixture(scope="session")
def rendered(node: str, dmn_file: Path) -> dict[str, Any]:
    chromium = os.environ.get("CHROMIUM", CHROMIUM)
    if not Path(chromium).is_file():
        _missing(f"{chromium} (Chromium) is not installed")
    return _run(node, "render.mjs", str(dmn_file), env={**os.environ, "CHROMIUM": chromium})


@pytest.fixture(scope="session")
def expected(dmn_file: Path) -> dict[str, list[str]]:
    """The ids of the export's decisions and input data, in document order."""
    root = etree.parse(str(dmn_file)).getroot()
    return {kind: [e.get("id") for e in root.iterfind(DMN + kind)] for kind in ("decision", "inputData")}


def test_dmn_moddle_reads_the_export_without_warnings(read, expected, model):
    assert read["warnings"] == []
    assert read["decisions"] == expected["decision"]
    assert len(read["decisions"]) == len(model.model.tables)
    assert read["inputs"] == expected["inputData"]


def test_dmn_js_renders_the_requirements_diagram(rendered, expected, dmn_file):
    assert rendered["warnings"] == [] and rendered["errors"] == []
    assert sorted(rendered["shapes"]) == sorted(expected["decision"] + expected["inputData"])
    requirements = etree.parse(str(dmn_file)).getroot().findall(f"{DMN}decision/{DMN}informationRequirement")
    assert rendered["connections"] == len(requirements)
    assert rendered["views"] == 1 + len(expected["decision"])  # the diagram and one table per decision


def test_dmn_js_renders_every_decision_table_with_its_rules(rendered, expected, model):
    tables = dict(zip(expected["decision"], model.model.tables, strict=True))
    assert list(rendered["tables"]) == list(tables)
    for key, table in tables.items():
        view = rendered["tables"][key]
        assert view["rules"] == [rule.id for rule in table.rules], key
        assert view["inputs"] == len(table.inputs), key
        assert view["outputs"] == len(table.outputs), key
