"""The audit log: one JSON line per evaluation, written before the answer, never interleaved.

Through the command line (CliRunner and the installed command) and through
AuditLog itself, with several processes and threads appending to one file.
Expected decisions come from the spec (spec_oracle), the SHA-256 from the
workbook's bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from spec_oracle import StageConflict, comparable, decide

from atc_dmn import InputError, load_model
from atc_dmn.audit import AuditLog
from atc_dmn.cli import main
from atc_dmn.errors import AuditError

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MULTIMODAL = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}
CONFLICT = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}  # the spec: M1 allows only IVC


def lines_of(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def spec_decision(model, case: dict[str, Any]) -> tuple[Any, ...]:
    return comparable(decide({spec.key: None for spec in model.inputs} | case))


def fired_ids(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"table": t["table"], "rules": [r["id"] for r in t["rules"]]} for t in answer["trace"]]


@pytest.fixture(scope="module")
def workbook_sha256(shipped_path) -> str:
    return hashlib.sha256(shipped_path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _no_inherited_log(monkeypatch):
    monkeypatch.delenv("ATC_DMN_AUDIT_LOG", raising=False)


def check_identity(line: dict[str, Any], sha256: str) -> None:
    assert line["model"] == {"identifier": "atc-treatment", "version": "1.1.0", "sha256": sha256}
    assert TIME.match(line["time"]), line["time"]
    when = dt.datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=5)


# -- evaluate ---------------------------------------------------------------------------------------


def test_evaluate_logs_one_line_matching_its_answer(model, tmp_path, workbook_sha256):
    log = tmp_path / "audit.jsonl"
    args = [f"--set={k}={json.dumps(v) if isinstance(v, bool) else v}" for k, v in MULTIMODAL.items()]
    done = runner.invoke(main, ["evaluate", *args, "--format", "json", "--audit-log", str(log)])
    assert done.exit_code == 0, done.stderr
    answer = json.loads(done.stdout)
    (line,) = lines_of(log)
    check_identity(line, workbook_sha256)
    assert line["source"] == "evaluate"
    assert comparable(line["decision"]) == spec_decision(model, MULTIMODAL)
    assert line["decision"]["pathway"] == "multimodal_therapy"
    assert line["decision"] == answer["decision"]
    assert line["inputs"] == answer["inputs"]  # the normalised case, defaults filled in
    assert line["inputs"]["patient_preference"] == "undecided"  # the spec's default for a missing preference
    assert line["rules"] == fired_ids(answer)
    assert "error" not in line and "request_id" not in line
    assert stat.S_IMODE(log.stat().st_mode) == 0o600

    again = runner.invoke(main, ["evaluate", *args, "--audit-log", str(log)])
    assert again.exit_code == 0
    assert len(lines_of(log)) == 2  # appended, not replaced


def test_a_refused_case_is_logged_with_its_error(model, tmp_path, workbook_sha256):
    with pytest.raises(StageConflict):
        decide({spec.key: None for spec in model.inputs} | CONFLICT)
    log = tmp_path / "audit.jsonl"
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CONFLICT))
    done = runner.invoke(main, ["evaluate", "--case", str(case), "--audit-log", str(log)])
    assert done.exit_code == 2 and done.stdout == ""
    (line,) = lines_of(log)
    check_identity(line, workbook_sha256)
    assert line["decision"] is None
    assert line["inputs"] == CONFLICT  # the case as given
    error = line["error"]
    assert error["type"] == "InputError" and error["field"] == StageConflict.field
    assert error["code"] and error["message"] in done.stderr
    # The tables up to the refusing check: the last one that ran refused with one rule.
    assert line["rules"] and len(line["rules"][-1]["rules"]) == 1
    assert line["rules"][-1]["rules"][0] in error["message"]


def test_the_environment_variable_names_the_log(tmp_path):
    log = tmp_path / "from-env.jsonl"
    done = runner.invoke(main, ["evaluate", "--set", "stage=IVB"], env={"ATC_DMN_AUDIT_LOG": str(log)})
    assert done.exit_code == 0, done.stderr
    assert [line["inputs"]["stage"] for line in lines_of(log)] == ["IVB"]
    other = tmp_path / "option.jsonl"
    done = runner.invoke(
        main, ["evaluate", "--set", "stage=IVC", "--audit-log", str(other)], env={"ATC_DMN_AUDIT_LOG": str(log)}
    )
    assert done.exit_code == 0
    assert len(lines_of(log)) == 1 and len(lines_of(other)) == 1  # the option wins


def test_no_log_is_written_without_the_option(tmp_path):
    done = runner.invoke(main, ["evaluate", "--set", "stage=IVB"])
    assert done.exit_code == 0
    assert AuditLog.from_option(None) is None


# -- batch ------------------------------------------------------------------------------------------


def test_batch_logs_every_case_with_its_label(model, tmp_path, workbook_sha256):
    cases = [MULTIMODAL, {"resectible": True}, CONFLICT, {"stage": "IVC", "diagnosis_confirmed": True}]
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join([*map(json.dumps, cases[:2]), "{not json", *map(json.dumps, cases[2:])]) + "\n")
    log = tmp_path / "audit.jsonl"
    done = runner.invoke(main, ["batch", str(source), "--audit-log", str(log)])
    assert done.exit_code == 1  # three rows failed
    outputs = [json.loads(line) for line in done.stdout.splitlines()]
    lines = lines_of(log)
    assert len(lines) == len(outputs) == 5
    assert [line["case"] for line in lines] == [f"line {n}" for n in range(1, 6)] == [o["case"] for o in outputs]
    for line in lines:
        check_identity(line, workbook_sha256)
        assert line["source"] == "batch"
    ok = [line for line in lines if line["decision"] is not None]
    assert [line["case"] for line in ok] == ["line 1", "line 5"]
    assert [comparable(line["decision"]) for line in ok] == [spec_decision(model, c) for c in (cases[0], cases[3])]
    assert lines[1]["error"]["field"] == "resectible" and lines[1]["inputs"] == {"resectible": True}
    assert lines[2]["error"]["field"] is None and lines[2]["inputs"] is None  # the line could not be read
    assert lines[3]["error"]["field"] == "stage" and lines[3]["inputs"] == CONFLICT


def test_the_installed_command_logs_evaluate_and_batch(model, tmp_path, run_atc, monkeypatch, workbook_sha256):
    log = tmp_path / "audit.jsonl"
    done = run_atc("evaluate", "--set", "diagnosis_confirmed=true", "--set", "stage=IVB", "--audit-log", log)
    assert done.returncode == 0, done.stderr
    source = tmp_path / "cases.csv"
    source.write_text("diagnosis_confirmed,stage,resectable\ntrue,IVB,true\ntrue,IVB,maybe\n")
    monkeypatch.setenv("ATC_DMN_AUDIT_LOG", str(log))
    done = run_atc("batch", source)
    assert done.returncode == 1
    lines = lines_of(log)
    assert [line["source"] for line in lines] == ["evaluate", "batch", "batch"]
    assert all(line["model"]["sha256"] == workbook_sha256 for line in lines)
    assert comparable(lines[1]["decision"]) == spec_decision(model, MULTIMODAL)
    assert lines[2]["decision"] is None and lines[2]["error"]["field"] == "resectable"


# -- a log that cannot be written -------------------------------------------------------------------


@pytest.mark.parametrize("where", ["missing-folder", "folder", "full-disk"])
def test_an_unwritable_log_stops_the_answer(tmp_path, run_atc, where):
    if where == "full-disk" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    path = {"missing-folder": tmp_path / "no" / "audit.jsonl", "folder": tmp_path, "full-disk": "/dev/full"}[where]
    for command in (["evaluate", "--set", "stage=IVB"], ["batch", "-"]):
        done = run_atc(*command, "--audit-log", path, input='{"stage": "IVB"}\n')
        assert done.returncode == 5, done.stderr
        assert done.stdout == ""  # no answer that is not logged
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith(f"error: cannot write the audit log {path}: ")


def test_a_failed_write_raises_an_audit_error(model):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    result = model.evaluate(MULTIMODAL)
    with AuditLog("/dev/full") as log, pytest.raises(AuditError) as info:
        log.record(identity=model.identity, source="evaluate", inputs=MULTIMODAL, result=result)
    assert info.value.path == "/dev/full" and info.value.reason
    assert info.value.to_dict()["reason"] == info.value.reason


# -- AuditLog itself --------------------------------------------------------------------------------


def test_record_takes_a_result_or_an_error(model, tmp_path):
    result = model.evaluate(MULTIMODAL)
    with AuditLog(tmp_path / "a.jsonl") as log:
        with pytest.raises(TypeError):
            log.record(identity=model.identity, source="evaluate", inputs={})
        with pytest.raises(TypeError):
            log.record(identity=model.identity, source="evaluate", inputs={}, result=result, error=InputError("x", 1))
        with pytest.raises(ValueError):
            log.record(identity=model.identity, source="elsewhere", inputs={}, result=result)
        log.record(identity=model.identity, source="serve", inputs=MULTIMODAL, result=result, request_id="r-1")
    with pytest.raises(AuditError):
        log.record(identity=model.identity, source="serve", inputs=MULTIMODAL, result=result)
    (line,) = lines_of(tmp_path / "a.jsonl")
    assert line["request_id"] == "r-1" and line["source"] == "serve"


def test_a_refused_case_as_given_keeps_dates_and_odd_values_readable(model, tmp_path):
    case = {"stage": dt.date(2025, 1, 31), "resectable": float("nan"), 3: "x"}
    with pytest.raises(InputError) as info:
        model.evaluate(case)
    with AuditLog(tmp_path / "a.jsonl") as log:
        log.record(identity=model.identity, source="evaluate", inputs=case, error=info.value)
        dated = {"stage": dt.date(2025, 1, 31), "duration": dt.timedelta(days=2)}
        log.record(identity=model.identity, source="evaluate", inputs=dated, error=InputError("stage", dated["stage"]))
    first, second = lines_of(tmp_path / "a.jsonl")  # strict JSON: no NaN token
    assert first["inputs"] == {"stage": "2025-01-31", "resectable": "nan", "3": "x"}
    assert second["inputs"] == {"stage": "2025-01-31", "duration": "P2D"}


def test_from_option_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ATC_DMN_AUDIT_LOG", str(tmp_path / "env.jsonl"))
    with AuditLog.from_option(None) as log:
        assert log.path == str(tmp_path / "env.jsonl")
    with AuditLog.from_option(str(tmp_path / "option.jsonl")) as log:
        assert log.path == str(tmp_path / "option.jsonl")


# -- several writers --------------------------------------------------------------------------------

WRITER = """
import sys
from atc_dmn import load_model
from atc_dmn.audit import AuditLog

path, writer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
model = load_model()
case = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}
result = model.evaluate(case)
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # start together
with AuditLog(path) as log:
    for n in range(count):
        # A request id of 6 kB: lines longer than one page, so a line written in pieces would show.
        log.record(identity=model.identity, source="serve", inputs=case, result=result, case=f"{writer}:{n}",
                   request_id="r" * 6000)
"""


def check_writers(path: Path, writers: list[str], count: int) -> None:
    lines = lines_of(path)  # every line is whole, valid JSON
    assert len(lines) == len(writers) * count
    for writer in writers:
        mine = [line["case"] for line in lines if line["case"].startswith(f"{writer}:")]
        assert mine == [f"{writer}:{n}" for n in range(count)]  # each writer's lines, whole and in order


def test_four_processes_append_without_interleaving(tmp_path):
    path = tmp_path / "shared.jsonl"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{i}", "500"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for i in range(4)
    ]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        proc.stdin.close()
        assert proc.wait(timeout=120) == 0
        proc.stdout.close()
    check_writers(path, [f"p{i}" for i in range(4)], 500)


def _forked_writer(log: AuditLog, writer: str, count: int, padding: str) -> None:
    model = load_model()
    case = {"diagnosis_confirmed": True, "stage": "IVB", "note": padding}  # refused: a long line of 20 kB
    try:
        model.evaluate(case)
    except InputError as error:
        for n in range(count):
            log.record(
                identity=model.identity,
                source="serve",
                inputs=case,
                error=error,
                request_id=writer,
                case=f"{writer}:{n}",
            )
    log.close()


@pytest.mark.skipif(sys.platform != "linux", reason="fork")
def test_forked_workers_sharing_one_log_keep_their_lines_whole(tmp_path):
    # Workers forked from a process that opened the log (a server's), with lines longer than a pipe's atomic size.
    path = tmp_path / "forked.jsonl"
    log = AuditLog(path)
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_forked_writer, args=(log, f"w{i}", 200, "x" * 20_000)) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    log.close()
    check_writers(path, [f"w{i}" for i in range(4)], 200)


def test_threads_sharing_one_log(model, tmp_path):
    path = tmp_path / "threads.jsonl"
    result = model.evaluate(MULTIMODAL)
    with AuditLog(path) as log:

        def write(writer: str) -> None:
            for n in range(200):
                log.record(
                    identity=model.identity, source="serve", inputs=MULTIMODAL, result=result, case=f"{writer}:{n}"
                )

        threads = [threading.Thread(target=write, args=(f"t{i}",)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    check_writers(path, [f"t{i}" for i in range(8)], 200)


KILLED = """
import os, signal, sys
from atc_dmn import load_model
from atc_dmn.audit import AuditLog

model = load_model()
case = {"diagnosis_confirmed": True, "stage": "IVC"}
log = AuditLog(sys.argv[1])
for n in range(int(sys.argv[2])):
    result = model.evaluate(case)
    log.record(identity=model.identity, source="serve", inputs=case, result=result, request_id=str(n))
    print(n, flush=True)  # the answer, given only after its line was written
os.kill(os.getpid(), signal.SIGKILL)  # no exit handler, no flush at exit: only what reached the kernel stays
"""


def test_a_killed_process_loses_no_line_it_answered_for(tmp_path):
    path = tmp_path / "killed.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(path), "300"], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == -signal.SIGKILL
    answered = done.stdout.split()
    assert len(answered) == 300
    assert [line["request_id"] for line in lines_of(path)] == answered
