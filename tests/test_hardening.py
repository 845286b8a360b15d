"""Every input path hardened: hostile JSON, unwritable output, a missing engine, a folder as workbook.

Each refusal is a clear message and a documented exit status, never a
traceback; in ``batch`` a bad case fails only its own line. Most tests run
the installed ``atc-dmn`` in a subprocess, since stdin, pipes, /dev/full and
the missing engine only behave for real in a separate process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from atc_dmn import InputError
from atc_dmn.cli import main

runner = CliRunner()
ATC = str(Path(sys.executable).with_name("atc-dmn"))
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}

OK = {"diagnosis_confirmed": True, "stage": "IVB"}
DEEP = '{"stage": ' + "[" * 100_000 + "]" * 100_000 + "}"
DUPLICATE = '{"diagnosis_confirmed": true, "stage": "IVB", "stage": "IVA"}'
LONG_INTEGER = '{"diagnosis_confirmed": true, "stage": ' + "7" * 5000 + "}"


def atc(*args: str, input: str | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATC, *args], input=input, capture_output=True, text=True, env=kwargs.pop("env", ENV), check=False, **kwargs
    )


def refused(done, *words: str) -> None:
    """Exit 2, nothing on stdout, a one-error message holding every word, no traceback."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    for word in words:
        assert word in done.stderr, (word, done.stderr)


# -- one case: --case FILE and standard input ----------------------------------------------


def test_deep_nesting_on_stdin_is_refused_naming_the_case_and_what_is_allowed():
    done = atc("evaluate", "--case", "-", input=DEEP)
    refused(done, "standard input", "nested 100001 levels deep", "one JSON object", "at most 4")
    assert len(done.stderr) < 400


def test_deep_nesting_in_a_case_file_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    done = atc("evaluate", "--case", str(path), "--format", "json")
    refused(done, str(path), "nested 100000 levels deep")


def test_long_integer_is_refused_naming_its_field():
    done = atc("evaluate", "--case", "-", input=LONG_INTEGER)
    refused(done, "stage: the number has 5000 digits; at most 100 are allowed")


def test_duplicate_key_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "twice.json"
    path.write_text(DUPLICATE)
    done = runner.invoke(main, ["evaluate", "--case", str(path)])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert f"{path}: 'stage' is given twice" in done.stderr


def test_duplicate_key_inside_a_value_is_refused_too():
    done = atc("evaluate", "--case", "-", input='{"stage": {"a": 1, "a": 2}}')
    refused(done, "'a' is given twice")


def test_shallow_nesting_keeps_its_field_specific_message():
    done = runner.invoke(main, ["evaluate", "--case", "-"], input='{"stage": ["IVB"]}')
    assert done.exit_code == 2
    assert done.stderr.startswith("error: stage: ['IVB'] is not allowed; allowed: 'IVA', 'IVB', 'IVC'")


def test_a_missing_case_file_is_named_as_the_option_by_the_cli_only(tmp_path):
    done = runner.invoke(main, ["evaluate", "--case", str(tmp_path / "none.json")])
    assert done.exit_code == 2
    assert done.stderr.startswith(f"error: --case: no case file at {tmp_path / 'none.json'}")


def test_stdin_that_is_not_utf8_is_refused():
    done = subprocess.run([ATC, "evaluate", "--case", "-"], input=b'{"stage": "\xff"}', capture_output=True, env=ENV)
    assert done.returncode == 2
    assert b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr


def test_lone_surrogate_escape_is_refused_naming_its_key():
    done = atc("evaluate", "--case", "-", "--format", "json", input='{"stage": "\\ud800"}')
    refused(done, "stage", "surrogate")


# -- batch: each bad case fails its own line ------------------------------------------------


BATCH_LINES = [json.dumps(OK), DEEP, DUPLICATE, LONG_INTEGER, json.dumps({**OK, "stage": "IVC"})]


def _batch_text(fmt: str) -> str:
    return "\n".join(BATCH_LINES) if fmt == "jsonl" else "[" + ",\n".join(BATCH_LINES) + "]"


@pytest.mark.parametrize(("fmt", "unit"), [("jsonl", "line"), ("json", "item")])
def test_batch_fails_only_the_bad_cases(model, tmp_path, fmt, unit):
    path = tmp_path / f"cases.{fmt}"
    path.write_text(_batch_text(fmt))
    done = atc("batch", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("5 rows, 3 failed, in ")
    assert f"\n  {unit} 2: the JSON is nested" in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["case"] for line in lines] == [f"{unit} {n}" for n in range(1, 6)]
    assert [line["status"] for line in lines] == ["ok", "error", "error", "error", "ok"]
    assert lines[0]["decision"] == model.evaluate(OK).decision
    assert lines[4]["decision"] == model.evaluate({**OK, "stage": "IVC"}).decision
    deep, twice, digits = (line["error"] for line in lines[1:4])
    assert deep["field"] is None and deep["message"].startswith(f"{unit} 2: the JSON is nested")
    assert twice["field"] == "stage" and twice["message"] == f"{unit} 3: 'stage' is given twice; give each name once"
    assert digits["field"] == "stage" and "5000 digits" in digits["message"]


def test_batch_from_stdin_with_csv_output_puts_each_error_in_its_row(model):
    done = atc("batch", "-", "--input-format", "jsonl", "--format", "csv", input=_batch_text("jsonl"))
    assert done.returncode == 1
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["error_code"] for r in rows] == ["", "TOO_DEEP", "DUPLICATE_KEY", "NUMBER_TOO_LONG", ""]
    assert [r["error_field"] for r in rows] == ["", "", "stage", "stage", ""]
    assert rows[0]["decision_pathway"] == model.evaluate(OK).decision["pathway"]


def test_json_array_that_cannot_be_read_on_stops_where_it_breaks(tmp_path):
    # The array is read item by item: the items before the break are answered, then the batch stops (exit 2).
    path = tmp_path / "broken.json"
    path.write_text('[{"stage": "IVB"}, {"stage": ]')
    done = atc("batch", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "item 2" in done.stderr and "not closed" in done.stderr
    assert [json.loads(line)["case"] for line in done.stdout.splitlines()] == ["item 1"]


def test_csv_cell_beyond_the_csv_limit_fails_its_row_only(model, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(f'diagnosis_confirmed,stage\ntrue,{"x" * 200_000}\ntrue,"{"x" * 200_000}"\ntrue,IVB\n')
    done = atc("batch", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    first, quoted, last = (json.loads(line) for line in done.stdout.splitlines())
    assert first["status"] == quoted["status"] == "error"
    assert first["error"]["field"] == quoted["error"]["field"] == "stage"
    assert [first["case"], quoted["case"]] == ["row 2", "row 3"]
    assert last["decision"] == model.evaluate(OK).decision


def test_a_csv_row_of_the_wrong_width_has_no_pseudo_field(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("diagnosis_confirmed,stage\ntrue\n")
    done = runner.invoke(main, ["batch", str(path)])
    error = json.loads(done.stdout)["error"]
    assert error["field"] is None
    assert error["message"] == "row 2: has 1 cells for 2 columns"


# -- library types free of command-line concerns --------------------------------------------


@pytest.mark.parametrize("case", [[], "stage=IVB", 3, None])
def test_a_non_object_case_has_no_field(model, case):
    with pytest.raises(InputError) as info:
        model.evaluate(case)
    assert info.value.field is None
    assert info.value.to_dict()["field"] is None


def test_result_json_does_not_carry_the_workbook_path(model):
    data = model.evaluate(OK).to_dict()
    assert set(data["model"]) == {"name", "identifier", "version", "effective_date", "sha256"}
    assert data["model"]["sha256"] == model.identity.sha256
    assert str(model.model.path) not in json.dumps(data)
    assert model.identity.path == str(model.model.path)  # the caller still has it


def test_batch_output_does_not_carry_the_workbook_path(model):
    done = runner.invoke(main, ["batch", "-"], input=json.dumps(OK))
    assert done.exit_code == 0
    assert "path" not in json.loads(done.stdout)["model"]
    assert str(model.model.path) not in done.stdout


# -- exit codes: a missing engine, a folder as workbook -----------------------------------


def test_missing_reference_engine_has_its_own_exit_status(tmp_path):
    fake = tmp_path / "pyDMNrules"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('pyDMNrules is not installed here')\n")
    env = {**ENV, "PYTHONPATH": str(tmp_path)}
    done = atc("evaluate", "--set", "stage=IVB", "--engine", "pydmnrules", env=env)
    assert done.returncode == 4, done.stderr
    assert done.stdout == ""
    assert done.stderr == "error: the pydmnrules engine needs pyDMNrules: pip install 'atc-dmn[reference]'\n"


@pytest.mark.parametrize(
    "args",
    [("evaluate", "--set", "stage=IVB", "--model"), ("inputs", "--model"), ("batch", "-", "--model"), ("test",)],
)
def test_a_folder_as_workbook_is_a_bad_workbook(tmp_path, args):
    done = runner.invoke(main, [*args, str(tmp_path)], input="{}")
    assert done.exit_code == 3, done.stderr
    assert f"{tmp_path} is a folder, not a workbook" in done.stderr


# -- standard output that cannot be written -----------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [("evaluate", "--set", "stage=IVB"), ("evaluate", "--set", "stage=IVB", "--format", "json"), ("inputs",)]
)
def test_full_disk_ends_with_a_short_message(args):
    with open("/dev/full", "w") as full:
        done = subprocess.run([ATC, *args], stdout=full, stderr=subprocess.PIPE, text=True, env=ENV, check=False)
    assert done.returncode == 5
    assert done.stderr == "error: cannot write the output: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_in_batch_ends_with_a_short_message(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(OK) + "\n")
    with open("/dev/full", "w") as full:
        done = subprocess.run([ATC, "batch", str(path)], stdout=full, stderr=subprocess.PIPE, text=True, env=ENV)
    assert (done.returncode, done.stderr) == (5, "error: cannot write the output: No space left on device\n")


def test_closed_pipe_ends_silently_with_a_nonzero_status():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        done = subprocess.run(
            [ATC, "evaluate", "--set", "stage=IVB"], stdout=write_end, stderr=subprocess.PIPE, text=True, env=ENV
        )
    finally:
        os.close(write_end)
    assert done.returncode == 5
    assert done.stderr == ""


def test_batch_piped_into_head_ends_silently(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text((json.dumps(OK) + "\n") * 3000)  # far more output than a pipe buffers
    script = f'set -o pipefail; "{ATC}" batch "{path}" | head -c1 >/dev/null; echo "status ${{PIPESTATUS[0]}}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=ENV, check=False)
    assert done.stdout == "status 5\n"
    assert done.stderr == ""
