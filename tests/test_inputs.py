"""Every kind of bad input the spec names, through the API and through the command line.

A bad case is refused with an :class:`InputError` carrying the field, the
value and the allowed values; the command exits 2 with that on stderr,
nothing on stdout and no traceback. Nothing is guessed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import spec_oracle
from click.testing import CliRunner

from atc_dmn import DmnError, InputError
from atc_dmn.cli import main

T_ALLOWED = ("T1", "T1a", "T1b", "T2", "T3", "T3a", "T3b", "T4", "T4a", "T4b")
STAGES = ("IVA", "IVB", "IVC")
INPUT_NAMES = spec_oracle.INPUTS
BASE = {"diagnosis_confirmed": True, "stage": "IVB"}

# (id, case, field, allowed values that must be listed)
BAD_CASES: list[tuple[str, dict[Any, Any], str, tuple[Any, ...]]] = [
    ("unknown-name", {**BASE, "resectible": True}, "resectible", ("resectable",)),
    ("t-outside-list", {**BASE, "t_category": "T5"}, "t_category", T_ALLOWED),
    ("stage-lower-case", {"stage": "ivb"}, "stage", STAGES),
    ("stage-trailing-space", {"stage": "IVB "}, "stage", STAGES),
    ("stage-number", {"stage": 4}, "stage", STAGES),
    ("stage-boolean", {"stage": True}, "stage", STAGES),
    ("preference-misspelt", {"patient_preference": "palliative"}, "patient_preference", ("palliative_care",)),
    ("alteration-case", {"targetable_alteration": "braf_v600e"}, "targetable_alteration", ("BRAF_V600E",)),
    ("boolean-int-1", {"diagnosis_confirmed": 1}, "diagnosis_confirmed", (True, False)),
    ("boolean-int-0", {"resectable": 0}, "resectable", (True, False)),
    ("boolean-float", {"resectable": 1.0}, "resectable", (True, False)),
    ("boolean-string-1", {"diagnosis_confirmed": "1"}, "diagnosis_confirmed", (True, False)),
    ("boolean-y", {"airway_compromise": "y"}, "airway_compromise", (True, False)),
    ("boolean-TRUE-space", {"clinical_trial_available": "TRUE "}, "clinical_trial_available", (True, False)),
    ("boolean-list", {"resectable": [True]}, "resectable", (True, False)),
]


def shown(value: Any) -> str:
    """A value as the error messages write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- through the API ------------------------------------------------------------


@pytest.mark.parametrize(("case", "field", "allowed"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_value_is_an_input_error(model, case, field, allowed):
    with pytest.raises(InputError) as info:
        model.evaluate(case)
    error = info.value
    assert isinstance(error, DmnError)
    assert error.field == field
    assert error.value == case[field] or error.value == repr(case[field])
    assert set(allowed) <= set(error.allowed)
    message = str(error)
    assert field in message
    for value in allowed:
        assert shown(value) in message
    assert error.to_dict()["field"] == field


def test_unknown_name_suggests_the_known_one(model):
    with pytest.raises(InputError) as info:
        model.evaluate({"resectible": True})
    error = info.value
    assert set(error.allowed) == INPUT_NAMES
    assert "did you mean 'resectable'" in str(error)


def test_category_values_are_exact(model):
    for value in ("ivb", "IVB ", " IVB", "Ivb", "IV B", "4B"):
        with pytest.raises(InputError):
            model.evaluate({"stage": value})
    with pytest.raises(InputError) as info:
        model.evaluate({"stage": "ivb"})
    assert "did you mean 'IVB'" in str(info.value)


BOOLEAN_WORDS = [("true", True), ("false", False), ("yes", True), ("no", False)]
SPELLINGS = [
    (spelling, value)
    for word, value in BOOLEAN_WORDS
    for spelling in dict.fromkeys([word, word.upper(), word.capitalize(), word[0] + word[1:].upper()])
]


@pytest.mark.parametrize(("word", "value"), SPELLINGS)
def test_boolean_words_in_any_case_are_accepted(model, word, value):
    case = {"diagnosis_confirmed": True, "stage": "IVA", "resectable": word, "airway_compromise": word}
    result = model.evaluate(case)
    assert result.inputs["resectable"] is value
    assert result.inputs["airway_compromise"] is value
    expected = model.evaluate({**case, "resectable": value, "airway_compromise": value})
    assert result.decision == expected.decision


@pytest.mark.parametrize("missing", [None, ""])
def test_null_and_empty_mean_missing(model, missing):
    full = {name: missing for name in INPUT_NAMES}
    assert model.evaluate(full).decision == model.evaluate({}).decision
    case = {"diagnosis_confirmed": True, "stage": missing, "resectable": missing, "patient_preference": missing}
    result = model.evaluate(case)
    assert result.inputs["stage"] is None
    assert result.inputs["resectable"] is None
    assert result.inputs["patient_preference"] == "undecided"
    assert result.decision == model.evaluate({"diagnosis_confirmed": True}).decision


def test_oversized_string_is_refused_with_a_clear_message(model):
    huge = "IVB" + "x" * 1_000_000
    with pytest.raises(InputError) as info:
        model.evaluate({"stage": huge})
    error = info.value
    assert error.field == "stage"
    assert set(error.allowed) == set(STAGES)
    assert "1000003 characters" in str(error)
    assert "at most" in str(error)
    # Neither the error nor its message carries the megabyte back.
    assert len(str(error)) < 500
    assert len(json.dumps(error.to_dict())) < 1000


def test_oversized_unknown_name_is_refused_briefly(model):
    with pytest.raises(InputError) as info:
        model.evaluate({"x" * 1_000_000: True})
    assert len(str(info.value)) < 2000


@pytest.mark.parametrize("case", [[], ["stage", "IVB"], "stage=IVB", 3, 3.5, True, None])
def test_non_object_case_is_refused(model, case):
    with pytest.raises(InputError) as info:
        model.evaluate(case)
    assert info.value.field is None
    assert "object" in str(info.value)


@pytest.mark.parametrize("key", [1, None, ("stage",), 2.5])
def test_non_string_keys_are_refused(model, key):
    with pytest.raises(InputError) as info:
        model.evaluate({key: "IVB"})
    assert info.value.field == str(key)
    assert set(info.value.allowed) == INPUT_NAMES


def test_stage_tnm_conflict(model):
    with pytest.raises(InputError) as info:
        model.evaluate({"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"})
    error = info.value
    assert error.field == "stage"
    assert error.value == "IVA"
    assert "IVA" in str(error) and "IVC" in str(error)


# -- through the command line ----------------------------------------------------------

runner = CliRunner()


def assert_cli_input_error(exit_code: int, stdout: str, stderr: str, field: str, allowed: tuple[Any, ...]) -> None:
    assert exit_code == 2, stderr
    assert stdout == ""
    assert field in stderr
    for value in allowed:
        assert shown(value) in stderr
    assert "Traceback" not in stderr


CLI_BAD = [(c[0], c[1], c[2], c[3]) for c in BAD_CASES]


@pytest.mark.parametrize(("case", "field", "allowed"), [c[1:] for c in CLI_BAD], ids=[c[0] for c in CLI_BAD])
def test_cli_refuses_bad_json_case(tmp_path, case, field, allowed):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    result = runner.invoke(main, ["evaluate", "--case", str(path)])
    assert_cli_input_error(result.exit_code, result.stdout, result.stderr, field, allowed)


SET_BAD = [
    ("resectible=true", "resectible", ("resectable",)),
    ("t_category=T5", "t_category", T_ALLOWED),
    ("stage=ivb", "stage", STAGES),
    ("stage=IVB ", "stage", STAGES),
    ("diagnosis_confirmed=1", "diagnosis_confirmed", (True, False)),
    ("diagnosis_confirmed=0", "diagnosis_confirmed", (True, False)),
    ("resectable=y", "resectable", (True, False)),
    ("resectable=TRUE ", "resectable", (True, False)),
]


@pytest.mark.parametrize(("assignment", "field", "allowed"), SET_BAD)
def test_cli_refuses_bad_set(assignment, field, allowed):
    result = runner.invoke(main, ["evaluate", "--set", assignment])
    assert_cli_input_error(result.exit_code, result.stdout, result.stderr, field, allowed)


@pytest.mark.parametrize(("assignment", "field", "allowed"), SET_BAD)
def test_installed_command_refuses_bad_set(run_atc, assignment, field, allowed):
    done = run_atc("evaluate", "--set", assignment)
    assert_cli_input_error(done.returncode, done.stdout, done.stderr, field, allowed)


def test_installed_command_refuses_oversized_string(run_atc, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"diagnosis_confirmed": True, "stage": "x" * 1_000_000}))
    done = run_atc("evaluate", "--case", path)
    assert_cli_input_error(done.returncode, done.stdout, done.stderr, "stage", STAGES)
    assert "1000000 characters" in done.stderr
    assert len(done.stderr) < 2000


@pytest.mark.parametrize("text", ["[]", '"stage"', "3", "null", '[{"stage": "IVB"}]'])
def test_installed_command_refuses_non_object_case(run_atc, text):
    done = run_atc("evaluate", "--case", "-", input=text)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "object" in done.stderr
    assert "Traceback" not in done.stderr


def test_installed_command_refuses_invalid_json(run_atc):
    done = run_atc("evaluate", "--case", "-", input='{"stage": "IVB",')
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_installed_command_refuses_conflict(run_atc):
    done = run_atc("evaluate", "--set", "diagnosis_confirmed=true", "--set", "stage=IVC", "--set", "t_category=T2")
    assert done.returncode == 0, done.stderr  # T alone cannot decide: no conflict
    done = run_atc(
        "evaluate",
        "--set",
        "stage=IVC",
        "--set",
        "t_category=T2",
        "--set",
        "n_category=N0",
        "--set",
        "m_category=M0",
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "stage" in done.stderr and "IVC" in done.stderr and "IVA" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("word", "value"), SPELLINGS)
def test_cli_boolean_words_in_json_and_set(model, tmp_path, word, value):
    expected = model.evaluate({"diagnosis_confirmed": True, "stage": "IVA", "resectable": value}).decision
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"diagnosis_confirmed": word, "stage": "IVA", "resectable": word}))
    via_json = runner.invoke(main, ["evaluate", "--case", str(path), "--format", "json"])
    assert via_json.exit_code == 0, via_json.stderr
    data = json.loads(via_json.stdout)
    assert data["inputs"]["resectable"] is value
    args = ["evaluate", "--format", "json", "--set", f"diagnosis_confirmed={word}", "--set", "stage=IVA"]
    via_set = runner.invoke(main, [*args, "--set", f"resectable={word}"])
    assert via_set.exit_code == 0, via_set.stderr
    if value:
        assert data["decision"] == expected
        assert json.loads(via_set.stdout)["decision"] == expected
    else:
        # diagnosis_confirmed=false too: the diagnostic work-up.
        assert data["decision"]["pathway"] == "diagnostic_workup"
        assert json.loads(via_set.stdout)["decision"]["pathway"] == "diagnostic_workup"


def test_installed_command_accepts_boolean_words(run_atc):
    sets = ["--set", "diagnosis_confirmed=YES", "--set", "stage=IVB", "--set", "resectable=No"]
    done = run_atc("evaluate", "--format", "json", *sets)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["inputs"]["diagnosis_confirmed"] is True
    assert data["inputs"]["resectable"] is False
    assert data["decision"]["pathway"] == "chemoradiotherapy"


def test_cli_empty_set_means_missing(model):
    sets = ["--set", "diagnosis_confirmed=true", "--set", "stage="]
    result = runner.invoke(main, ["evaluate", "--format", "json", *sets])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == model.evaluate({"diagnosis_confirmed": True}).decision


def test_csv_booleans_and_empty_cells(model, tmp_path):
    rows = [
        "diagnosis_confirmed,stage,resectable,patient_preference,airway_compromise",
        "TRUE,IVB,no,,",
        "Yes,IVA,True,,yes",
        "true,,,,",
        "1,IVB,false,,",
        "true,IVB,y,,",
        "true,IVB,TRUE ,,",
    ]
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(rows) + "\n")
    result = runner.invoke(main, ["batch", str(path)])
    assert result.exit_code == 1  # a row failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["ok", "ok", "ok", "error", "error", "error"]
    first = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False}
    second = {"diagnosis_confirmed": True, "stage": "IVA", "resectable": True, "airway_compromise": True}
    assert lines[0]["decision"] == model.evaluate(first).decision
    assert lines[1]["decision"] == model.evaluate(second).decision
    assert lines[2]["decision"] == model.evaluate({"diagnosis_confirmed": True}).decision
    assert [line["error"]["field"] for line in lines[3:]] == ["diagnosis_confirmed", "resectable", "resectable"]
    for line in lines[3:]:
        assert line["error"]["allowed"] == ["true", "false"]
