"""``write_workbook`` and ``atc-dmn import-dmn``: a Model written as a workbook reads back as the same model.

The shipped workbook is read, written anew and read again: the decisions and
the rules that fired agree over the whole input space, and everything else
the model holds (rule ids, wording, references, test cases, allowed values)
comes back equal. A .dmn is imported only when a DMN reader is registered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import input_space
import pytest
from click.testing import CliRunner

from atc_dmn import EvaluationError, InputError, load_model
from atc_dmn.cli import main
from atc_dmn.formats import FORMATS
from atc_dmn.formats.dmn_export import write_dmn
from atc_dmn.formats.xlsx_write import write_workbook
from atc_dmn.validate import validate_model

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# No DMN reader registered yet: the import of a .dmn is tested once one is.
needs_dmn_reader = pytest.mark.skipif(".dmn" not in FORMATS, reason="no .dmn reader is registered in atc_dmn.formats")


@pytest.fixture(scope="module")
def written(model, tmp_path_factory) -> Path:
    return write_workbook(model.model, tmp_path_factory.mktemp("written") / "model.xlsx")


@pytest.fixture(scope="module")
def reread(written):
    return load_model(written, use_cache=False)


def outcome(model, case: dict[str, Any]) -> tuple[Any, ...]:
    """A case's decision and the rule ids each table fired, or the refusal."""
    try:
        result = model.evaluate(case)
    except (InputError, EvaluationError) as exc:
        return ("refused", type(exc).__name__, str(exc))
    fired = tuple((t.table, tuple(r.id for r in t.rules)) for t in result.trace)
    return ("ok", result.decision, fired)


@pytest.mark.parametrize("space", sorted(input_space.all_cases()))
def test_same_decisions_and_fired_rules_over_the_input_space(model, reread, space):
    cases = input_space.all_cases()[space]
    differ = [case for case in cases if outcome(model, case) != outcome(reread, case)]
    assert not differ, f"{len(differ)} of {len(cases)} cases differ, e.g. {differ[0]}"


def test_tables_come_back_equal(model, reread):
    before, after = model.model, reread.model
    assert [t.name for t in after.tables] == [t.name for t in before.tables]
    for a, b in zip(before.tables, after.tables, strict=True):
        assert (b.hit_policy, b.description, b.purpose, b.annotation_headings) == (
            a.hit_policy,
            a.description,
            a.purpose,
            a.annotation_headings,
        )
        assert [(c.variable, c.allowed) for c in b.inputs + b.outputs] == [
            (c.variable, c.allowed) for c in a.inputs + a.outputs
        ]
        assert [(r.id, r.tests, r.outputs, r.annotations, r.citations) for r in b.rules] == [
            (r.id, r.tests, r.outputs, r.annotations, r.citations) for r in a.rules
        ]


def test_model_info_glossary_wording_references_and_tests_come_back_equal(model, reread):
    before, after = model.model, reread.model

    def glossary(m):
        return [(v.name, v.concept, v.attribute, v.role, v.default, v.meaning) for v in m.variables.values()]

    def tests(m):
        return [(t.id, t.description, t.inputs, t.expected, t.expected_error, t.reason) for t in m.tests]

    assert after.info == before.info
    assert glossary(after) == glossary(before)
    assert after.wording == before.wording
    assert after.citations == before.citations
    assert after.references == before.references
    assert tests(after) == tests(before)
    assert after.inputs == before.inputs


def test_validates_with_no_errors_and_is_tidied(written, reread):
    assert validate_model(reread.model).errors == []
    import openpyxl

    wb = openpyxl.load_workbook(written)
    assert "DropDownLists" in wb.sheetnames  # tidy's drop-downs
    assert wb["Pathway"].data_validations.dataValidation
    assert [str(r) for r in wb["Pathway"].merged_cells.ranges] == ["B3:B4"]


def test_atc_dmn_test_passes_on_it(written):
    result = CliRunner().invoke(main, ["test", str(written)])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_pydmnrules_loads_it_and_agrees(reread):
    pytest.importorskip("pyDMNrules", reason="the reference engine needs the 'reference' extra")
    from atc_dmn.reference import evaluate_reference

    for case in input_space.main_cases()[:: len(input_space.main_cases()) // 2][:2]:
        assert evaluate_reference(reread, case).decision == reread.evaluate(case).decision


def test_a_failed_tidy_leaves_the_target_untouched(model, tmp_path):
    from dataclasses import replace

    from atc_dmn import ModelError

    table = model.model.tables[2]  # Stage: without its last rule it has a gap
    broken = replace(model.model, tables=(*model.model.tables[:2], replace(table, rules=table.rules[:-1])))
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"kept")
    with pytest.raises(ModelError):
        write_workbook(broken, target)
    assert target.read_bytes() == b"kept" and list(tmp_path.iterdir()) == [target]


def test_cli_refuses_to_overwrite_without_force(tmp_path, shipped_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"kept")
    result = CliRunner().invoke(main, ["import-dmn", str(shipped_path), "-o", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"kept"
    result = CliRunner().invoke(main, ["import-dmn", str(shipped_path), "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert load_model(out, use_cache=False).model.tables


def test_cli_a_file_that_does_not_load_exits_3_with_its_located_finding(tmp_path):
    broken = Path(__file__).resolve().parent / "broken" / "gap.xlsx"
    result = CliRunner().invoke(main, ["import-dmn", str(broken), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 3
    assert "Stage!" in result.output and "TABLE_GAP" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.xlsx").exists()


@needs_dmn_reader
def test_cli_imports_an_exported_dmn(model, tmp_path):
    dmn = write_dmn(model, tmp_path / "model.dmn")
    out = tmp_path / "model.xlsx"
    result = CliRunner().invoke(main, ["import-dmn", str(dmn), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = load_model(out, use_cache=False)
    case = input_space.main_cases()[0]
    assert outcome(back, case) == outcome(model, case)
    assert [r.id for t in back.model.tables for r in t.rules] == [r.id for t in model.model.tables for r in t.rules]


def test_installed_command(tmp_path, shipped_path):
    # The command only needs load_model to give a model, so a workbook stands in for a .dmn here.
    out = tmp_path / "model.xlsx"
    exe = Path(sys.executable).with_name("atc-dmn")
    done = subprocess.run([str(exe), "import-dmn", str(shipped_path), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "9 decision tables" in done.stdout and out.stat().st_size > 0
