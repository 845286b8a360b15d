"""The ``atc-dmn`` command: in-process with click's CliRunner and as the installed command.

Exit status: 0 success, 2 a bad case, 3 a bad workbook; errors go to stderr
with nothing on stdout and never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import atc_dmn
from atc_dmn import load_model
from atc_dmn.cli import main

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent
CASE = {
    "diagnosis_confirmed": True,
    "t_category": "T4a",
    "n_category": "N1b",
    "m_category": "M0",
    "resectable": False,
    "airway_compromise": True,
    "targetable_alteration": "BRAF_V600E",
}
UNRESECTABLE = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False}


def flat(text: str) -> str:
    """Text with its line wrapping undone, to find wrapped sentences."""
    return " ".join(text.split())


def fired_ids(data: dict) -> list[list[str]]:
    return [[r["id"] for r in t["rules"]] for t in data["trace"]]


def as_json(result) -> dict:
    return json.loads(json.dumps(result.to_dict()))


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE))
    return path


# -- evaluate ---------------------------------------------------------------------


def test_evaluate_text_is_a_readable_summary(model, case_file):
    done = runner.invoke(main, ["evaluate", "--case", str(case_file)])
    assert done.exit_code == 0, done.stderr
    assert done.stderr == ""
    result = model.evaluate(CASE)
    text = flat(done.stdout)
    for key, value in result.decision.items():
        for code in value if isinstance(value, list) else [value]:
            assert code in text, key
        for wording in result.text[key] if isinstance(value, list) else [result.text[key]]:
            assert flat(wording) in text
    for step in result.trace:
        for rule in step.rules:
            assert f"{step.table} {rule.id}: {flat(rule.annotation)}" in text
    for ref in result.references:
        assert f"[{ref['citation']}]" in text
    for entry in result.reference_list:
        assert flat(entry["title"]) in text
    assert result.model.version in text
    assert result.model.name in text
    assert result.model.sha256[:12] in text
    assert flat(result.notice) in text


def test_evaluate_json_is_result_to_dict(model, case_file):
    done = runner.invoke(main, ["evaluate", "--case", str(case_file), "--format", "json"])
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == as_json(model.evaluate(CASE))
    assert set(data["decision"]) == {
        "stage",
        "pathway",
        "surgery",
        "radiotherapy",
        "systemic_therapy",
        "molecular_testing",
        "actions",
    }


def test_installed_evaluate_json_and_text(run_atc, model, case_file):
    done = run_atc("evaluate", "--case", case_file, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == as_json(model.evaluate(CASE))
    text = run_atc("evaluate", "--case", case_file)
    assert text.returncode == 0
    assert text.stdout == runner.invoke(main, ["evaluate", "--case", str(case_file)]).stdout


def test_case_from_stdin(model):
    done = runner.invoke(main, ["evaluate", "--case", "-", "--format", "json"], input=json.dumps(CASE))
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == model.evaluate(CASE).decision


def test_installed_case_from_stdin(run_atc, model):
    done = run_atc("evaluate", "--case", "-", "--format", "json", input=json.dumps(UNRESECTABLE))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["decision"] == model.evaluate(UNRESECTABLE).decision


def test_set_overrides_the_case(model, case_file):
    args = ["evaluate", "--case", str(case_file), "--format", "json", "--set", "m_category=M1", "--set", "resectable="]
    done = runner.invoke(main, args)
    assert done.exit_code == 0, done.stderr
    data = json.loads(done.stdout)
    expected = model.evaluate({**CASE, "m_category": "M1", "resectable": None})
    assert data["decision"] == expected.decision
    assert data["decision"]["stage"] == "IVC"
    assert data["inputs"]["resectable"] is None


def test_set_alone(model):
    sets = ["--set", "diagnosis_confirmed=true", "--set", "stage=IVB", "--set", "resectable=true"]
    done = runner.invoke(main, ["evaluate", "--format", "json", *sets])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["decision"]["pathway"] == "multimodal_therapy"


def test_set_without_equals_is_an_input_error():
    done = runner.invoke(main, ["evaluate", "--set", "stage"])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert "name=value" in done.stderr


def test_missing_case_file_is_an_input_error(tmp_path):
    done = runner.invoke(main, ["evaluate", "--case", str(tmp_path / "nowhere.json")])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert "nowhere.json" in done.stderr


def test_engine_pydmnrules_gives_the_same_decision(model, reference, case_file):
    for case in (CASE, UNRESECTABLE, {}, {"diagnosis_confirmed": True, "m_category": "M1"}):
        path = case_file.parent / "engine.json"
        path.write_text(json.dumps(case))
        compiled = runner.invoke(main, ["evaluate", "--case", str(path), "--format", "json"])
        ref = runner.invoke(main, ["evaluate", "--case", str(path), "--format", "json", "--engine", "pydmnrules"])
        assert ref.exit_code == 0, ref.stderr
        a, b = json.loads(compiled.stdout), json.loads(ref.stdout)
        assert a["decision"] == b["decision"]
        assert fired_ids(a) == fired_ids(b)
    text = runner.invoke(main, ["evaluate", "--case", str(case_file), "--engine", "pydmnrules"])
    assert text.exit_code == 0
    assert text.stdout == runner.invoke(main, ["evaluate", "--case", str(case_file)]).stdout


def test_engine_pydmnrules_refuses_bad_input_the_same_way(reference):
    done = runner.invoke(main, ["evaluate", "--engine", "pydmnrules", "--set", "stage=ivb"])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert "stage" in done.stderr and "IVB" in done.stderr


# -- the test: one output cell changed in a copied workbook ------------------------


def test_changing_one_output_cell_changes_the_answer(shipped_workbook, run_atc, model):
    table = next(t for t in model.model.tables if "Systemic" in t.name)
    rule = next(
        r for r in table.rules if "chemotherapy" in r.outputs and any("not_tested" in t.literals for t in r.tests)
    )
    heading = table.outputs[0].variable
    cell = shipped_workbook.rule_cell(table.sheet, rule.id, heading)
    assert shipped_workbook.value(table.sheet, cell) == '"chemotherapy"'
    edited = shipped_workbook.copy({f"{table.sheet}!{cell}": '"targeted_therapy"'})

    sets = ["--set", "diagnosis_confirmed=true", "--set", "stage=IVB", "--set", "resectable=false"]
    before = run_atc("evaluate", "--format", "json", *sets)
    after = run_atc("evaluate", "--format", "json", "--model", edited, *sets)
    assert before.returncode == 0 and after.returncode == 0, after.stderr
    assert json.loads(before.stdout)["decision"]["systemic_therapy"] == "chemotherapy"
    assert json.loads(after.stdout)["decision"]["systemic_therapy"] == "targeted_therapy"
    assert json.loads(after.stdout)["model"]["sha256"] != json.loads(before.stdout)["model"]["sha256"]
    # The same through CliRunner and the API.
    in_process = runner.invoke(main, ["evaluate", "--format", "json", "--model", str(edited), *sets])
    assert json.loads(in_process.stdout)["decision"]["systemic_therapy"] == "targeted_therapy"
    assert load_model(edited).evaluate(UNRESECTABLE).decision["systemic_therapy"] == "targeted_therapy"


def test_model_option_with_the_shipped_path(shipped_path, model):
    done = runner.invoke(main, ["evaluate", "--model", str(shipped_path), "--format", "json"])
    assert done.exit_code == 0
    assert json.loads(done.stdout)["model"]["sha256"] == model.identity.sha256


# -- broken workbooks: exit 3, sheet and cell named ----------------------------------------------


@pytest.fixture
def bad_output_workbook(shipped_workbook):
    cell = shipped_workbook.rule_cell("Pathway", "PW3", "Pathway")
    path = shipped_workbook.copy({f"Pathway!{cell}": '"staging_work_up"'})
    return path, f"Pathway!{cell}"


@pytest.fixture
def renamed_table_workbook(shipped_workbook):
    row = shipped_workbook.row_of("Decision", 3, "Pathway")
    path = shipped_workbook.copy({"Pathway!B2": "Care pathway"})
    return path, f"Decision!C{row}"


@pytest.mark.parametrize("broken", ["bad_output_workbook", "renamed_table_workbook"])
@pytest.mark.parametrize("command", [["evaluate", "--set", "diagnosis_confirmed=true"], ["inputs"]])
def test_broken_workbook_exits_3_naming_sheet_and_cell(request, run_atc, broken, command):
    path, where = request.getfixturevalue(broken)
    done = runner.invoke(main, [*command, "--model", str(path)])
    assert done.exit_code == 3
    assert done.stdout == ""
    assert where in done.stderr
    assert "Traceback" not in done.stderr
    installed = run_atc(*command, "--model", path)
    assert installed.returncode == 3
    assert installed.stdout == ""
    assert where in installed.stderr
    assert "Traceback" not in installed.stderr


def test_bad_output_code_is_named(bad_output_workbook):
    path, _ = bad_output_workbook
    done = runner.invoke(main, ["evaluate", "--model", str(path)])
    assert "staging_work_up" in done.stderr


def test_missing_workbook_exits_3(run_atc, tmp_path):
    done = run_atc("evaluate", "--model", tmp_path / "missing.xlsx")
    assert done.returncode == 3
    assert done.stdout == ""
    assert "missing.xlsx" in done.stderr
    assert "Traceback" not in done.stderr


def test_not_a_workbook_exits_3(run_atc, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    done = run_atc("inputs", "--model", path)
    assert done.returncode == 3
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


# -- exit status, each way --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["evaluate", "--set", "diagnosis_confirmed=true"], 0),
        (["evaluate", "--set", "stage=IVD"], 2),
        (["evaluate", "--model", "does-not-exist.xlsx"], 3),
        (["inputs"], 0),
        (["inputs", "--model", "does-not-exist.xlsx"], 3),
    ],
)
def test_exit_status(run_atc, args, status):
    assert runner.invoke(main, args).exit_code == status
    done = run_atc(*args)
    assert done.returncode == status, done.stderr
    assert (done.stdout == "") == (status != 0)
    assert (done.stderr == "") == (status == 0)


# -- inputs ------------------------------------------------------------------------------------


def test_inputs_json_lists_the_workbook_inputs(model):
    done = runner.invoke(main, ["inputs", "--format", "json"])
    assert done.exit_code == 0
    data = json.loads(done.stdout)
    assert [d["name"] for d in data] == [s.key for s in model.inputs]
    by_name = {d["name"]: d for d in data}
    assert by_name["stage"]["allowed"] == ["IVA", "IVB", "IVC"]
    assert by_name["resectable"]["allowed"] == [True, False]
    assert by_name["patient_preference"]["default"] == "undecided"
    assert by_name["targetable_alteration"]["default"] == "not_tested"
    for spec in model.inputs:
        assert by_name[spec.key]["meaning"] == spec.meaning != ""


def test_inputs_text(run_atc, model):
    done = run_atc("inputs")
    assert done.returncode == 0
    text = flat(done.stdout)
    for spec in model.inputs:
        assert spec.key in text
        assert flat(spec.meaning) in text
    assert "IVA, IVB, IVC" in text
    assert "missing means undecided" in text


def test_inputs_meaning_comes_from_the_workbook(shipped_workbook, run_atc):
    column = shipped_workbook.heading_column("Glossary", "Meaning")
    row = shipped_workbook.row_of("Glossary", shipped_workbook.heading_column("Glossary", "Attribute"), "resectable")
    cell = shipped_workbook.sheet("Glossary").cell(row=row, column=column).coordinate
    new = "Edited meaning: the surgeon expects an R0 resection"
    path = shipped_workbook.copy({f"Glossary!{cell}": new})
    data = json.loads(runner.invoke(main, ["inputs", "--format", "json", "--model", str(path)]).stdout)
    assert next(d for d in data if d["name"] == "resectable")["meaning"] == new
    done = run_atc("inputs", "--model", path)
    assert new in flat(done.stdout)
    assert new not in run_atc("inputs").stdout


# -- batch ---------------------------------------------------------------------------------------

BATCH = [
    {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True},
    {"diagnosis_confirmed": True, "stage": "IVB", "resectible": True},
    {"diagnosis_confirmed": "no"},
    {"diagnosis_confirmed": True, "m_category": "M1", "patient_preference": "active_treatment"},
]


def check_batch_lines(model, stdout: str, labels: list[str]) -> None:
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [line["case"] for line in lines] == labels
    assert [line["status"] for line in lines] == ["ok", "error", "ok", "ok"]
    for line, case in zip(lines, BATCH):
        if line["status"] == "ok":
            assert line["decision"] == model.evaluate(case).decision
            assert line["model"]["sha256"] == model.identity.sha256
    assert lines[1]["error"]["field"] == "resectible"
    assert "resectable" in lines[1]["error"]["message"]


def test_batch_jsonl(model, tmp_path, run_atc):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in BATCH) + "\n")
    done = runner.invoke(main, ["batch", str(path)])
    assert done.exit_code == 1
    check_batch_lines(model, done.stdout, ["line 1", "line 2", "line 3", "line 4"])
    assert done.stderr.startswith("4 rows, 1 failed, in ")
    assert "\n  line 2: unknown input 'resectible'" in done.stderr
    installed = run_atc("batch", path)
    assert installed.returncode == 1
    assert installed.stdout == done.stdout
    assert "Traceback" not in installed.stderr


def test_batch_json_array(model, tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(BATCH))
    done = runner.invoke(main, ["batch", str(path)])
    assert done.exit_code == 1
    check_batch_lines(model, done.stdout, ["item 1", "item 2", "item 3", "item 4"])


def test_batch_csv(model, tmp_path):
    columns = ["diagnosis_confirmed", "stage", "resectable", "m_category", "patient_preference"]
    rows = [
        "true,IVB,true,,",
        "true,IVB,maybe,,",
        "no,,,,",
        "true,,,M1,active_treatment",
    ]
    path = tmp_path / "cases.csv"
    path.write_text(",".join(columns) + "\n" + "\n".join(rows) + "\n")
    done = runner.invoke(main, ["batch", str(path)])
    assert done.exit_code == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["ok", "error", "ok", "ok"]
    assert [line["case"] for line in lines] == ["row 2", "row 3", "row 4", "row 5"]
    assert lines[1]["error"]["field"] == "resectable"
    assert lines[0]["decision"] == model.evaluate(BATCH[0]).decision
    assert lines[3]["decision"] == model.evaluate(BATCH[3]).decision


def test_batch_csv_output_keeps_every_row(model, tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in BATCH) + "\nnot json\n")
    done = runner.invoke(main, ["batch", str(path), "--format", "csv"])
    assert done.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[:2] == ["diagnosis_confirmed", "stage"]
    assert [r["error_code"] for r in rows] == ["", "UNKNOWN_INPUT", "", "", "BAD_JSON"]
    assert rows[0]["decision_pathway"] == "multimodal_therapy"


def test_batch_all_good_exits_0(model, tmp_path, run_atc):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in (BATCH[0], BATCH[3])) + "\n")
    done = run_atc("batch", path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2


# -- version, help, launchers --------------------------------------------------------------------


def test_version(run_atc):
    assert atc_dmn.__version__ in runner.invoke(main, ["--version"]).stdout
    done = run_atc("--version")
    assert done.returncode == 0
    assert atc_dmn.__version__ in done.stdout


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_help_shows_an_example(command):
    args = [command, "--help"] if command else ["--help"]
    done = runner.invoke(main, args)
    assert done.exit_code == 0
    assert "Example" in done.stdout
    assert "atc-dmn " in done.stdout


def test_installed_help(run_atc):
    done = run_atc("evaluate", "--help")
    assert done.returncode == 0
    assert "Example" in done.stdout and "--engine" in done.stdout


@pytest.mark.parametrize("launcher", [["-m", "atc_dmn"], ["cli.py"]])
def test_launchers_from_the_repo_root(run_python, model, launcher):
    sets = ["--set", "diagnosis_confirmed=true", "--set", "stage=IVC"]
    done = run_python(*launcher, "evaluate", "--format", "json", *sets, cwd=REPO)
    assert done.returncode == 0, done.stderr
    expected = model.evaluate({"diagnosis_confirmed": True, "stage": "IVC"}).decision
    assert json.loads(done.stdout)["decision"] == expected
    bad = run_python(*launcher, "evaluate", "--set", "stage=IVD", cwd=REPO)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "atc-dmn" in run_python(*launcher, "--help", cwd=REPO).stdout
