"""atc-dmn diff: the rule-level changes of edited copies of the shipped workbook, and their impact counted
against a brute force here: both models evaluate every combination of the inputs' allowed values (each
also missing) one by one, and the differing answers are counted without the diff's own code."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from atc_dmn import load_model
from atc_dmn.cli import main
from atc_dmn.errors import EvaluationError, InputError

MISSING = object()
# A part of the space small enough to count by brute force (15,552 combinations of the shipped inputs,
# about 0.3 s per model), and keeping values that cells test alike (T1 and T2, N0 and NX) to be grouped.
GIVEN = {
    "diagnosis_confirmed": ["true", "unknown"],
    "stage": ["IVB", "IVC", "unknown"],
    "t_category": ["T1", "T2", "T4"],
    "n_category": ["N0", "NX", "N1"],
    "m_category": ["M0", "M1", "unknown"],
    "airway_compromise": ["true"],
    "targetable_alteration": ["BRAF_V600E", "none", "not_tested", "unknown"],
    "clinical_trial_available": ["true", "unknown"],
}


def _text(value: Any) -> str:
    if value is MISSING:
        return "unknown"
    return {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else str(value)


def _edit_copy(source: Path, dest: Path, edit) -> Path:
    shutil.copyfile(source, dest)
    wb = openpyxl.load_workbook(dest)
    edit(wb)
    wb.save(dest)
    return dest


def _cell(wb: openpyxl.Workbook, sheet: str, value: Any) -> str:
    for row in wb[sheet].iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.coordinate
    raise LookupError(value)


def _edit_rule(wb: openpyxl.Workbook) -> None:
    # Molecular Testing MT3: a tumour not yet tested gets testing recommended on every pathway.
    ws = wb["Molecular Testing"]
    row = ws[_cell(wb, "Molecular Testing", "MT3")].row
    col = ws[_cell(wb, "Molecular Testing", "Molecular testing")].column
    ws.cell(row=row, column=col, value='"recommended"')


def _delete_rule(wb: openpyxl.Workbook) -> None:
    ws = wb["Surgery"]
    ws.delete_rows(ws[_cell(wb, "Surgery", "SU2")].row)


REWORDED = "No surgery <b>&</b> none planned."


def _reword(wb: openpyxl.Workbook) -> None:
    ws = wb["Wording"]
    for row in ws.iter_rows():
        if [c.value for c in row[1:3]] == ["surgery", "none"]:
            row[3].value = REWORDED
            return
    raise LookupError("surgery = none on the Wording sheet")


def _new_value(wb: openpyxl.Workbook) -> None:
    # ROS1_fusion: a new targetable alteration, allowed and treated as the other fusions.
    for sheet in ("Systemic Therapy", "Molecular Testing", "Actions"):
        for row in wb[sheet].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and '"ALK_fusion"' in cell.value:
                    cell.value = cell.value.replace('"ALK_fusion"', '"ALK_fusion","ROS1_fusion"')


def _trial_known_open(wb: openpyxl.Workbook) -> None:
    # Actions AC11 (the README's walk-through): consider a clinical trial only where one is known to be open.
    ws = wb["Actions"]
    row = ws[_cell(wb, "Actions", "AC11")].row
    col = ws[_cell(wb, "Actions", "Clinical trial available")].column
    assert ws.cell(row=row, column=col).value == "not(false)"
    ws.cell(row=row, column=col, value="true")


def _raise_version(wb: openpyxl.Workbook) -> None:
    ws = wb["Model"]
    ws[_cell(wb, "Model", "Version").replace("B", "C")] = "1.2.0"


EDITS = {
    "rule": _edit_rule,
    "deleted": _delete_rule,
    "reworded": _reword,
    "new_value": _new_value,
    "version": _raise_version,
    "trial": _trial_known_open,
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory, shipped_path: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("diff")
    return {name: _edit_copy(shipped_path, folder / f"{name}.xlsx", edit) for name, edit in EDITS.items()}


@pytest.fixture(scope="module")
def models(copies: dict[str, Path], shipped_path: Path) -> dict[str, Any]:
    loaded = {name: load_model(path) for name, path in copies.items()}
    loaded["shipped"] = load_model(shipped_path)
    return loaded


def _domains(*models: Any, given: dict[str, list[str]] | None = None) -> list[tuple[str, list[Any]]]:
    """Every input's allowed values over both models, and missing; only the ``given`` ones where listed."""
    out: dict[str, list[Any]] = {}
    for m in models:
        for spec in m.inputs:
            values = out.setdefault(spec.key, [])
            values += [v for v in spec.allowed if v is not None and v not in values]
    domains = []
    for key, values in out.items():
        values = [*values, MISSING]
        if given and key in given:
            values = [v for v in values if _text(v) in given[key]]
        domains.append((key, values))
    return domains


def _answer(model: Any, case: dict[str, Any]) -> Any:
    known = {s.key for s in model.inputs}
    try:
        return model.evaluate({k: v for k, v in case.items() if k in known}).decision
    except InputError as error:
        return ("error", error.code, error.field)
    except EvaluationError as error:
        return ("error", "NO_ANSWER", error.table)


_ANSWERS: dict[tuple[int, tuple[Any, ...]], Any] = {}  # the shipped model's, shared by the edits' brute forces


def brute_force(old: Any, new: Any, given: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Both models on every combination, one by one: what changes, counted."""
    domains = _domains(old, new, given=given)
    total = changed = becomes = stops = other = 0
    per_output: Counter[str] = Counter()
    for combo in itertools.product(*(values for _, values in domains)):
        case = {k: v for (k, _), v in zip(domains, combo) if v is not MISSING}
        key = (id(old), combo)
        if key not in _ANSWERS:
            _ANSWERS[key] = _answer(old, case)
        a, b = _ANSWERS[key], _answer(new, case)
        total += 1
        if a == b:
            continue
        changed += 1
        if isinstance(a, tuple) or isinstance(b, tuple):
            if not isinstance(a, tuple):
                becomes += 1
            elif not isinstance(b, tuple):
                stops += 1
            else:
                other += 1
            continue
        for key in a:
            if a[key] != b.get(key):
                per_output[key] += 1
    return {
        "combinations": total,
        "changed": changed,
        "outputs": dict(per_output),
        "become_errors": becomes,
        "stop_being_errors": stops,
        "another_error": other,
    }


def _given_args(given: dict[str, list[str]]) -> list[str]:
    return [arg for key, values in given.items() for arg in ("--given", f"{key}={','.join(values)}")]


def _counts(report: dict[str, Any]) -> dict[str, Any]:
    imp = report["impact"]
    return {
        "combinations": imp["combinations"],
        "changed": imp["changed"],
        "outputs": {o["output"]: o["combinations"] for o in imp["outputs"]},
        **{k: imp["errors"][k] for k in ("become_errors", "stop_being_errors", "another_error")},
    }


def _diff_json(run_atc, old: Path, new: Path, *args: str, process: bool = False) -> tuple[int, dict[str, Any]]:
    """The diff's JSON and exit status: through click's runner in this process (the models it loads are
    cached), or with ``process`` through the installed command."""
    if process:
        done = run_atc("diff", old, new, "--format", "json", *args)
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)
    result = CliRunner().invoke(main, ["diff", str(old), str(new), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


# -- rule level -------------------------------------------------------------------------------------


def test_an_edited_rule_cell_is_shown_before_and_after(run_atc, shipped_path, copies):
    rc, report = _diff_json(run_atc, shipped_path, copies["rule"], process=True)
    assert rc == 1 and report["changes_an_answer"] is True
    [change] = report["changes"]
    assert (change["part"], change["kind"], change["name"]) == ("rule", "changed", "Molecular Testing MT3")
    assert change["location"] == "Molecular Testing!B7"
    assert change["fields"] == [
        {"field": "Molecular testing (output)", "before": '"not_required"', "after": '"recommended"'}
    ]
    assert report["counts"] == {"rule": {"added": 0, "removed": 0, "changed": 1}}


def test_a_deleted_rule_is_listed_with_its_cells(run_atc, shipped_path, copies):
    rc, report = _diff_json(run_atc, shipped_path, copies["deleted"])
    assert rc == 1
    [change] = report["changes"]
    assert (change["kind"], change["name"]) == ("removed", "Surgery SU2")
    fields = {f["field"]: f["before"] for f in change["fields"]}
    assert fields["Surgery (output)"] == '"none"'


def test_a_reworded_text_changes_no_answer_but_needs_a_version(run_atc, shipped_path, copies):
    rc, report = _diff_json(run_atc, shipped_path, copies["reworded"])
    assert rc == 0 and report["changes_an_answer"] is False
    [change] = report["changes"]
    assert (change["part"], change["name"]) == ("wording", "surgery = none")
    assert change["fields"][0]["after"] == REWORDED
    assert report["impact"]["changed"] == 0
    assert [f["code"] for f in report["findings"]] == ["VERSION_NOT_RAISED"]


def test_a_new_allowed_value_shows_in_glossary_tables_and_rules(run_atc, shipped_path, copies):
    _, report = _diff_json(run_atc, shipped_path, copies["new_value"])
    parts = Counter((c["part"], c["kind"]) for c in report["changes"])
    assert parts == {("glossary", "changed"): 1, ("table", "changed"): 3, ("rule", "changed"): 3}
    glossary = next(c for c in report["changes"] if c["part"] == "glossary")
    assert "ROS1_fusion" in glossary["fields"][0]["after"] and "ROS1_fusion" not in glossary["fields"][0]["before"]
    values = next(i["values"] for i in report["impact"]["inputs"] if i["input"] == "targetable_alteration")
    assert "ROS1_fusion" in values and values[-1] == "unknown"


def test_a_raised_version_alone_changes_no_answer_and_is_no_finding(run_atc, shipped_path, copies):
    rc, report = _diff_json(run_atc, shipped_path, copies["version"])
    assert rc == 0
    assert report["changes"] == [
        {
            "part": "model",
            "kind": "changed",
            "name": "Model",
            "location": "Model",
            "fields": [{"field": "Version", "before": "1.1.0", "after": "1.2.0"}],
        }
    ]
    assert report["findings"] == []
    assert (report["old"]["version"], report["new"]["version"]) == ("1.1.0", "1.2.0")


def test_a_changed_rule_id_is_matched_by_content(tmp_path, shipped_path):
    from atc_dmn.diff.changes import compare_models

    def rename(wb):
        wb["Molecular Testing"][_cell(wb, "Molecular Testing", "MT3")] = "MT9"

    renamed = load_model(_edit_copy(shipped_path, tmp_path / "renamed.xlsx", rename)).model
    [change] = compare_models(load_model(shipped_path).model, renamed).changes
    assert (change.kind, change.name) == ("changed", "Molecular Testing MT9")
    assert [(f.name, f.before, f.after) for f in change.fields] == [("id", "MT3", "MT9")]


def test_the_same_workbook_has_no_change(run_atc, shipped_path):
    rc, report = _diff_json(run_atc, shipped_path, shipped_path)
    assert rc == 0 and report["changes"] == [] and report["impact"]["changed"] == 0
    assert [f["code"] for f in report["findings"]] == ["SAME_FILE"]


# -- impact, against the brute force --------------------------------------------------------------


@pytest.mark.parametrize("edit", ["rule", "deleted", "new_value", "reworded", "trial"])
def test_impact_counts_match_the_brute_force(run_atc, shipped_path, copies, models, edit):
    given = {**GIVEN}
    if edit == "new_value":
        given["targetable_alteration"] = [*given["targetable_alteration"], "ROS1_fusion"]
    rc, report = _diff_json(run_atc, shipped_path, copies[edit], *_given_args(given), process=edit == "rule")
    expected = brute_force(models["shipped"], models[edit], given)
    assert _counts(report) == expected
    assert rc == (1 if expected["changed"] else 0)
    if edit in ("rule", "deleted", "trial"):
        assert expected["changed"] > 0  # the part of the space chosen holds the change
    if edit == "new_value":
        assert expected["stop_being_errors"] > 0  # ROS1_fusion was refused by the shipped model


def test_the_whole_space_is_every_allowed_value_and_missing(run_atc, shipped_path, copies, models):
    """The whole product (1.8 million combinations) is counted; its size is checked here, the counts on parts."""
    _, report = _diff_json(run_atc, shipped_path, copies["rule"])
    sizes = [len(values) for _, values in _domains(models["shipped"], models["rule"])]
    total = 1
    for n in sizes:
        total *= n
    assert report["impact"]["combinations"] == total
    outputs = {o["output"] for o in report["impact"]["outputs"]}
    assert outputs == {"molecular_testing"}
    shift = report["impact"]["shifts"][0]
    assert (shift["before"], shift["after"]) == ("not_required", "recommended")
    assert shift["before_text"] and shift["after_text"]  # the Wording sheet's words for both codes
    for example in shift["examples"]:
        assert example["inputs"]["targetable_alteration"] == ["not_tested", "unknown"]


def test_a_list_output_change_reads_as_the_items_dropped(run_atc, shipped_path, copies):
    _, report = _diff_json(run_atc, shipped_path, copies["trial"])
    [shift] = report["impact"]["shifts"]
    assert (shift["output"], shift["list"], shift["before"], shift["after"]) == (
        "actions",
        True,
        "consider_clinical_trial",
        "",
    )
    assert shift["combinations"] == report["impact"]["changed"] > 0
    assert shift["before_text"]  # the Wording sheet's words for the item dropped
    text = run_atc("diff", shipped_path, copies["trial"]).stdout
    assert "drops consider_clinical_trial: " in text


def test_examples_reproduce_the_change(run_atc, shipped_path, copies, models):
    """Every value an example names gives the change it illustrates, with the inputs it leaves out as missing."""
    _, report = _diff_json(run_atc, shipped_path, copies["deleted"])
    shift = report["impact"]["shifts"][0]
    for example in shift["examples"]:
        first = {
            k: {"true": True, "false": False}.get(v[0], v[0]) for k, v in example["inputs"].items() if v[0] != "unknown"
        }
        if "Stage" in example["decided"]:  # the staging inputs left out, named by the stage: a recorded one (spec)
            first["stage"] = example["decided"]["Stage"]
            assert example["text"].startswith(f"Stage {first['stage']}")
        before = models["shipped"].evaluate(first).decision[shift["output"]]
        after = models["deleted"].evaluate(first).decision[shift["output"]]
        assert (before, after) == (shift["before"], shift["after"])


# -- formats, sources, exit codes ---------------------------------------------------------------


def test_text_output_names_the_change_the_impact_and_the_record(run_atc, shipped_path, copies):
    done = run_atc("diff", shipped_path, copies["rule"])
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "changed rule Molecular Testing MT3 (Molecular Testing!B7)" in out
    assert 'Molecular testing (output): "not_required" -> "recommended"' in out
    assert "Molecular testing: " in out and "not_required -> recommended: " in out
    assert "VERSION_NOT_RAISED" in out
    assert "Change record" in out and "SHA-256 " in out


def test_html_is_one_escaped_page(run_atc, shipped_path, copies, tmp_path):
    page = tmp_path / "diff.html"
    done = run_atc("diff", shipped_path, copies["reworded"], "--format", "html", "-o", page)
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html.split("</style>")[0]
    assert "No surgery &lt;b&gt;&amp;&lt;/b&gt; none planned." in html and REWORDED not in html


def test_click_runner_json(shipped_path, copies):
    result = CliRunner().invoke(main, ["diff", str(shipped_path), str(copies["version"]), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["new"]["version"] == "1.2.0"


def test_git_versions(run_atc, shipped_path, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    shutil.copyfile(shipped_path, repo / "model.xlsx")
    git("add", "model.xlsx")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "shipped")
    _edit_copy(shipped_path, repo / "model.xlsx", _edit_rule)
    done = run_atc("diff", "git:HEAD:model.xlsx", "model.xlsx", "--format", "json", cwd=repo)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["old"]["source"] == "git:HEAD:model.xlsx"
    assert [c["name"] for c in report["changes"]] == ["Molecular Testing MT3"]
    bad = run_atc("diff", "git:nosuchrev:model.xlsx", "model.xlsx", cwd=repo)
    assert bad.returncode == 2 and "nosuchrev" in bad.stderr
    assert run_atc("diff", "git:HEAD", "model.xlsx", cwd=repo).returncode == 2


def test_bad_input_exit_codes(run_atc, shipped_path, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    done = run_atc("diff", shipped_path, broken)
    assert done.returncode == 3 and "broken.xlsx" in done.stderr
    done = run_atc("diff", shipped_path, shipped_path, "--given", "stage=IVD")
    assert done.returncode == 2 and "IVD" in done.stderr
    assert run_atc("diff", shipped_path, shipped_path, "--given", "nosuch=1").returncode == 2
    assert run_atc("diff", shipped_path).returncode == 2


def test_the_readme_walk_through_shows_the_real_output(run_atc, shipped_path, copies):
    """The README's diff of the AC11 edit, from its changes to its errors line, is what the command prints
    (the paths and SHA-256s of the change record depend on the files, so they are left out)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ atc-dmn diff decisions/atc_treatment.xlsx my_copy.xlsx\n", 1)[1].split("```", 1)[0]
    out = run_atc("diff", shipped_path, copies["trial"]).stdout

    def body(text: str) -> str:
        return text.split("\nChanges (", 1)[1].split("\nFindings", 1)[0]

    assert body(shown) == body(out)


def test_a_moved_number_bound_changes_the_pieces_between_the_bounds(workbook_writer, tmp_path):
    """A number input is cut at every bound either model names: < 18 -> < 21 changes 18 and (18..21) only."""
    from atc_dmn.diff.impact import compare_space

    def tables(bound: int) -> list[dict[str, Any]]:
        rules = [("AG1", [f"< {bound}"], ['"minor"']), ("AG2", [f">= {bound}"], ['"adult"'])]
        rules.append(("AG3", ["null"], ['"unknown"']))
        return [
            {
                "name": "Age group",
                "hp": "U",
                "inputs": [("Age", "[0..120]")],
                "outputs": [("Group", '"minor","adult","unknown"')],
                "rules": rules,
            }
        ]

    old = load_model(workbook_writer(tmp_path / "18.xlsx", tables(18)), use_cache=False)
    new = load_model(workbook_writer(tmp_path / "21.xlsx", tables(21)), use_cache=False)
    impact = compare_space(old, new)
    [shift] = impact.shifts
    assert (shift.before, shift.after, shift.count) == ("adult", "minor", 2)
    [axis] = impact.axes
    assert [axis.text(v) for c in (axis.classes[i] for i in shift.examples[0]) for v in c] == ["18", "(18..21)"]
    # Whole ages one by one: the answer changes exactly from 18 to 20.
    moved = [a for a in range(121) if old.evaluate({"age": a}).decision != new.evaluate({"age": a}).decision]
    assert moved == [18, 19, 20]
