"""``atc-dmn batch`` over whole cohorts: every input combination in CSV, JSON Lines and xlsx, ids carried through.

Each output row is checked against the public API's answer for its case (and that against the spec
oracle). The injection, encoding, stdin, empty-input, bad-row, ordering and xlsx read-back cases
follow; the installed command runs where the exit status, streams or a terminal matter.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from batch_tools import INPUTS, OUTPUTS, TAIL, check_rows, every_case, write_csv, write_jsonl, write_xlsx
from click.testing import CliRunner

from atc_dmn.cli import main

runner = CliRunner()
CASES = every_case()


def read_csv(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_xlsx(path: Path, sheet: str = "Results") -> list[dict[str, object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = book[sheet].iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, r)) for r in rows]


# -- every combination, each format ------------------------------------------------------------------


def test_every_combination_through_the_installed_command_as_csv(model, tmp_path, run_atc):
    source = write_csv(tmp_path / "cohort.csv", CASES, id_column="patient_id")
    out = tmp_path / "results.csv"
    done = run_atc("batch", source, "-o", out, "--id-column", "patient_id")
    refused = check_rows(read_csv(out.read_text(encoding="utf-8")), CASES, model, "patient_id")
    assert refused > 0  # the stage-fit cases hold stages the TNM rules out
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"{len(CASES):,} rows, {refused:,} failed, in ")
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert header == ["patient_id", *INPUTS, *(f"decision_{o}" for o in OUTPUTS), *TAIL]


def test_every_combination_as_json_lines(model, tmp_path):
    source = write_jsonl(tmp_path / "cohort.jsonl", CASES)
    done = runner.invoke(main, ["batch", str(source), "--format", "csv"])  # a key named id is the id
    assert done.exit_code == 1
    check_rows(read_csv(done.stdout), CASES, model)
    # JSON Lines out: the id under columns, the decision as the API gives it, lists as lists
    done = runner.invoke(main, ["batch", str(source)])
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(CASES)
    for i in (0, 4_321, 9_071, 10_000):
        assert lines[i]["columns"] == {"id": f"P{i:05d}"}
        assert lines[i]["case"] == f"line {i + 1}"
        try:
            expected = model.evaluate(CASES[i]).decision
        except Exception as error:
            assert lines[i]["error"]["code"] == error.code
        else:
            assert lines[i]["decision"] == expected


def test_every_combination_from_and_to_xlsx(model, tmp_path):
    source = write_xlsx(tmp_path / "cohort.xlsx", CASES)
    out = tmp_path / "results.xlsx"
    done = runner.invoke(main, ["batch", str(source), "-o", str(out), "--sheet", "Cohort"])
    assert done.exit_code == 1, done.stderr
    rows = read_xlsx(out)
    check_rows(rows, CASES, model)
    first = rows[0]
    assert first["pathway_wording"] == model.evaluate(CASES[0]).text["pathway"]
    assert "TNM Stage" in first["reasons"] or "Stage" in first["reasons"]


# -- the xlsx output opens readable ----------------------------------------------------------------------


def test_xlsx_output_read_back(model, tmp_path):
    source = tmp_path / "cohort.csv"
    source.write_text(
        "patient_id,site,diagnosis_confirmed,stage,resectable\nP1,North,true,IVB,true\nP2,South,true,IVB,maybe\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.xlsx"
    done = runner.invoke(
        main, ["batch", str(source), "-o", str(out), "--id-column", "patient_id", "--keep-columns", "site"]
    )
    assert done.exit_code == 1
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Results", "About"]
    sheet = book["Results"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["patient_id", "site", "diagnosis_confirmed"]
    assert all(c.font.bold for c in sheet[1])
    at = {name: i for i, name in enumerate(header)}
    good, bad = sheet[2], sheet[3]
    answer = model.evaluate({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True})
    for o in OUTPUTS:
        want = answer.decision[o]
        assert good[at[f"decision_{o}"]].value == (";".join(want) if isinstance(want, list) else want)
        wording = answer.text[o]
        assert good[at[f"{o}_wording"]].value == ("; ".join(wording) if isinstance(wording, list) else wording)
    fired = [f"{t.table} {r.id}" for t in answer.trace for r in t.rules]
    assert [line.split(":")[0] for line in good[at["reasons"]].value.splitlines()] == fired
    assert good[at["reasons"]].alignment.wrap_text
    assert bad[at["error_field"]].value == "resectable"
    assert bad[at["error_code"]].value == "WRONG_TYPE"
    for name in ("error_code", "error_field", "error"):
        assert bad[at[name]].fill.fgColor.rgb.endswith("C7C3"), name  # highlighted
        assert good[at[name]].fill.fill_type is None
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert about["SHA-256"] == model.identity.sha256 and about["Version"] == model.identity.version
    assert about["Rows"] == 2 and about["Rows failed"] == 1
    assert about["Notice"] == model.model.info.notice


# -- values a spreadsheet would run ----------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_values_are_neutralised(tmp_path, fmt):
    source = tmp_path / "cohort.jsonl"
    rows = [{"note": f, "diagnosis_confirmed": f} for f in FORMULAS] + [{"note": f, "stage": "IVB"} for f in FORMULAS]
    rows.append({"note": "=ok", '=HYPERLINK("x")': True})  # an unknown input name that is a formula
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / f"results.{fmt}"
    done = runner.invoke(main, ["batch", str(source), "-o", str(out), "--keep-columns", "note"])
    assert done.exit_code == 1
    if fmt == "csv":
        text = out.read_bytes().decode("utf-8")  # as written: a CR inside a value stays a CR
        cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
        table = read_csv(text)
    else:
        book = openpyxl.load_workbook(out)
        cells = [c.value for row in book["Results"].iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type != "f" for row in book["Results"].iter_rows() for c in row)
        table = read_xlsx(out)
    assert not [c for c in cells if c and c[0] in "=+-@\t\r"]
    assert [r["note"] for r in table[: len(FORMULAS)]] == ["'" + f for f in FORMULAS]
    assert table[0]["error_field"] == "diagnosis_confirmed"
    assert table[-1]["error_field"] == '\'=HYPERLINK("x")'


# -- CSV as spreadsheets write it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-16"), (";", "utf-16"), (",", "utf-16-be-bom")],
)
def test_semicolon_and_utf16_csv_give_the_same_answers(model, tmp_path, delimiter, encoding):
    cases = CASES[::7]
    plain = runner.invoke(main, ["batch", str(write_csv(tmp_path / "plain.csv", cases)), "--format", "csv"])
    source = tmp_path / "excel.csv"
    if encoding == "utf-16-be-bom":
        write_csv(source, cases, delimiter, "utf-8")
        source.write_bytes(b"\xfe\xff" + source.read_text(encoding="utf-8").encode("utf-16-be"))
    else:
        write_csv(source, cases, delimiter, encoding)
    done = runner.invoke(main, ["batch", str(source), "--format", "csv"])
    assert done.exit_code == plain.exit_code == 1
    assert read_csv(done.stdout, delimiter) == read_csv(plain.stdout)  # the output keeps the input's separator
    check_rows(read_csv(done.stdout, delimiter), cases, model)


def test_a_quoted_cell_may_hold_the_separator_and_a_line_break(model, tmp_path):
    source = tmp_path / "cohort.csv"
    source.write_bytes(
        b"patient_id;note;stage;diagnosis_confirmed\r\n"
        b'P1;"two\r\nlines; and ""quotes""";IVB;true\r\n'
        b"P2;plain;IVC;true\r\n"
    )
    out = tmp_path / "results.csv"
    args = ["batch", str(source), "-o", str(out), "--keep-columns", "note", "--id-column", "patient_id"]
    done = runner.invoke(main, args)
    assert done.exit_code == 0, done.stderr
    assert out.read_bytes().startswith(b"patient_id;note;")  # the input's separator
    rows = read_csv(out.read_bytes().decode(), ";")
    assert [r["note"] for r in rows] == ['two\r\nlines; and "quotes"', "plain"]
    assert rows[0]["decision_stage"] == "IVB" and rows[1]["decision_stage"] == "IVC"


# -- standard input -------------------------------------------------------------------------------------------


def test_csv_on_standard_input_is_detected(model, tmp_path, run_atc):
    cases = CASES[:300]
    text = write_csv(tmp_path / "cohort.csv", cases).read_text(encoding="utf-8")
    detected = run_atc("batch", "-", "--format", "csv", input=text)
    given = run_atc("batch", "-", "--input-format", "csv", "--format", "csv", input=text)
    assert detected.returncode == given.returncode == 0, detected.stderr
    assert detected.stdout == given.stdout
    check_rows(read_csv(detected.stdout), cases, model)
    assert "standard output" in detected.stderr


def test_json_and_xlsx_on_standard_input(model, tmp_path, atc_command):
    cases = CASES[:200]
    xlsx = write_xlsx(tmp_path / "cohort.xlsx", cases).read_bytes()
    done = subprocess.run([atc_command, "batch", "-", "--format", "csv"], input=xlsx, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    check_rows(read_csv(done.stdout.decode()), cases, model)
    array = json.dumps([{"id": f"P{i:05d}", **c} for i, c in enumerate(cases)], indent=1)
    done = runner.invoke(main, ["batch", "-", "--format", "csv"], input=array)
    check_rows(read_csv(done.stdout), cases, model)


# -- empty inputs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [("", "no rows"), ("\n\n", "no rows"), ("diagnosis_confirmed,stage\n", "a header but no rows"), ("[]", "no rows")],
)
def test_an_empty_or_header_only_input_says_so(tmp_path, run_atc, content, said):
    source = tmp_path / ("cohort.json" if content == "[]" else "cohort.csv")
    source.write_text(content, encoding="utf-8")
    done = run_atc("batch", source, "--format", "csv")
    assert done.returncode == 0
    assert done.stderr == f"{source} holds {said}: nothing to evaluate\n"
    assert done.stdout.splitlines()[0].split(",")[-5:] == TAIL  # the header, for a pipeline that reads it
    assert len(done.stdout.splitlines()) == 1


# -- a bad row in the middle of a large file -------------------------------------------------------------------

BAD_ROWS = {
    "wrong width": b"P-BAD,true,IVB\n",
    "value outside its list": b"P-BAD,true,IVD,,,,,,,,\n",
    "not UTF-8": b"P-BAD,true,IVB,,,,,,,,caf\xe9\n",
    "longer than a row may be": b"P-BAD,true,IVB,,,,,,,," + b"x" * (1024 * 1024 + 10) + b"\n",
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_a_bad_row_in_the_middle_of_a_large_file_fails_alone(model, tmp_path, kind):
    cases = CASES  # 10,656 rows in 22 chunks of 500: the bad one in the 11th
    source = write_csv(tmp_path / "cohort.csv", cases)
    lines = source.read_bytes().splitlines(keepends=True)
    middle = 5_001
    source.write_bytes(b"".join([*lines[:middle], BAD_ROWS[kind], *lines[middle:]]))
    out = tmp_path / "results.csv"
    done = runner.invoke(main, ["batch", str(source), "-o", str(out)])
    assert done.exit_code == 1
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert len(rows) == len(cases) + 1
    bad = rows.pop(middle - 1)
    assert bad["error_code"], bad
    assert bad["decision_pathway"] == ""
    assert bad["id"] == ("" if kind == "longer than a row may be" else "P-BAD")  # the id shows which row failed
    check_rows(rows, cases, model)


# -- --jobs keeps the order --------------------------------------------------------------------------------------


def test_jobs_2_keeps_the_order(model, tmp_path, run_atc):
    cases = CASES * 2  # 21,312 rows: 21 chunks of 1,000 for two workers
    source = write_csv(tmp_path / "cohort.csv", cases)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    first = run_atc("batch", source, "-o", one)
    second = run_atc("batch", source, "-o", two, "--jobs", "2")
    assert first.returncode == second.returncode == 1, second.stderr
    assert two.read_bytes() == one.read_bytes()
    rows = read_csv(two.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == [f"P{i:05d}" for i in range(len(cases))]
    check_rows(rows[: len(CASES)], CASES, model)


def test_jobs_with_an_audit_log_writes_every_row_once(tmp_path):
    cases = CASES[:3_000]
    source = write_csv(tmp_path / "cohort.csv", cases)
    log = tmp_path / "audit.jsonl"
    done = runner.invoke(
        main, ["batch", str(source), "-o", str(tmp_path / "o.csv"), "--jobs", "2", "--audit-log", str(log)]
    )
    assert done.exit_code == 0, done.stderr
    labels = [json.loads(line)["case"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(labels) == sorted(f"row {i + 2} (id P{i:05d})" for i in range(len(cases)))


# -- columns: refused unless named ---------------------------------------------------------------------------------


def test_a_column_that_is_not_an_input_is_refused_before_any_row(tmp_path, run_atc):
    source = tmp_path / "cohort.csv"
    source.write_text("mrn,diagnosis_confirmed,stgae\n1,true,IVB\n", encoding="utf-8")
    done = run_atc("batch", source, "--format", "csv")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: columns mrn, stgae (did you mean stage?): not an input of the model;")
    assert "--keep-columns" in done.stderr and "stage" in done.stderr
    kept = run_atc("batch", source, "--format", "csv", "--keep-columns", "mrn,stgae")
    assert kept.returncode == 0
    assert read_csv(kept.stdout)[0]["stgae"] == "IVB"  # carried through, not read as the stage
    for args, message in (
        (["--id-column", "patient"], "--id-column patient: the input has no such column"),
        (["--keep-columns", "mrn,stage"], "stage is one of the model's inputs"),
    ):
        done = run_atc("batch", source, *args)
        assert done.returncode == 2 and message in done.stderr, done.stderr


# -- memory and size --------------------------------------------------------------------------------------------------


def test_memory_stays_flat_for_an_input_larger_than_any_file_limit(tmp_path, atc_command):
    # 80 MB of rows (each with a 16 kB kept column), read from a file and from a pipe: no whole-file limit applies
    source = tmp_path / "big.jsonl"
    row = {"note": "n" * 16_000, "diagnosis_confirmed": True, "stage": "IVB"}
    line = (json.dumps(row) + "\n").encode()
    with open(source, "wb") as f:
        for _ in range(5_000):
            f.write(line)
    assert source.stat().st_size > 80_000_000
    script = (
        "import resource, subprocess, sys\n"
        f"src = open({str(source)!r}, 'rb') if sys.argv[1] == 'pipe' else subprocess.DEVNULL\n"
        f"where = '-' if sys.argv[1] == 'pipe' else {str(source)!r}\n"
        f"args = [{atc_command!r}, 'batch', where, '--keep-columns', 'note', '--format', 'csv', '-o', '/dev/null']\n"
        "done = subprocess.run(args, stdin=src, capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.stderr.strip())\n"
    )
    for how in ("file", "pipe"):
        out = subprocess.run([sys.executable, "-c", script, how], capture_output=True, text=True, check=True).stdout
        status, peak_kb, said = out.split(" ", 2)
        assert status == "0" and said.startswith("5,000 rows, none failed"), out
        assert int(peak_kb) < 160_000, f"{how}: peak {int(peak_kb) // 1024} MB for an 80 MB input"


# -- the progress bar and the summary ---------------------------------------------------------------------------------


def test_a_progress_bar_on_a_terminal_and_none_when_piped(tmp_path, atc_command):
    source = write_csv(tmp_path / "cohort.csv", CASES[:9_072] * 2)  # every row answered
    out = tmp_path / "o.csv"
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [atc_command, "batch", str(source), "-o", str(out)], stderr=follower, stdout=subprocess.DEVNULL
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        seen += data
    proc.wait(timeout=60)
    os.close(leader)
    text = seen.decode()
    assert "rows/s" in text and "\r" in text and "%" in text  # redrawn in place, the share done shown
    assert "18,144 rows, none failed" in text.replace("\r\x1b[K", "\n").splitlines()[-1]
    piped = subprocess.run(
        [atc_command, "batch", str(source), "-o", str(out)], capture_output=True, text=True, check=False
    )
    assert "\r" not in piped.stderr and "%" not in piped.stderr
    assert piped.stderr.count("\n") == 1  # the summary alone


def test_exit_status_0_when_every_row_is_answered(tmp_path, run_atc):
    source = write_csv(tmp_path / "cohort.csv", CASES[:100])
    done = run_atc("batch", source, "-o", tmp_path / "o.xlsx")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("100 rows, none failed, in ")


def test_xlsx_to_a_pipe_and_not_to_a_terminal(model, tmp_path, atc_command):
    source = write_csv(tmp_path / "cohort.csv", CASES[:50])
    done = subprocess.run([atc_command, "batch", str(source), "--format", "xlsx"], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    piped = tmp_path / "piped.xlsx"
    piped.write_bytes(done.stdout)
    check_rows(read_xlsx(piped), CASES[:50], model)
    leader, follower = pty.openpty()
    on_tty = subprocess.run(
        [atc_command, "batch", str(source), "--format", "xlsx"], stdout=follower, stderr=subprocess.PIPE, check=False
    )
    os.close(follower)
    os.close(leader)
    assert on_tty.returncode == 2
    assert b"an Excel workbook is not for a terminal: give -o FILE.xlsx" in on_tty.stderr


def test_spark_engine_without_pyspark_says_how_to_install(tmp_path):
    source = write_csv(tmp_path / "cohort.csv", CASES[:5])
    script = (
        "import sys; sys.modules['pyspark'] = None; sys.modules['pyspark.sql'] = None\n"
        "from atc_dmn.cli import main\n"
        f"main(['batch', '--engine', 'spark', {str(source)!r}, {str(tmp_path / 'o.parquet')!r}])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 4, done.stderr
    assert "pip install 'atc-dmn[spark]'" in done.stderr and "Traceback" not in done.stderr


# -- files as Excel on Windows writes them, and outputs that cannot be written ------------------------------


def test_a_windows_1252_csv_is_refused_whole_and_read_with_encoding(model, tmp_path, run_atc):
    source = tmp_path / "cohort.csv"
    source.write_bytes(
        "patient_id;site;diagnosis_confirmed;stage\r\nP1;München;true;IVB\r\nP2;Zürich;yes;IVC\r\n".encode("cp1252")
    )
    out = tmp_path / "results.csv"
    done = run_atc("batch", source, "-o", out, "--id-column", "patient_id", "--keep-columns", "site")
    assert done.returncode == 2 and not out.exists()
    assert "is not UTF-8 text (byte 0xFC on line 2)" in done.stderr and "--encoding cp1252" in done.stderr
    done = run_atc(
        "batch", source, "-o", out, "--id-column", "patient_id", "--keep-columns", "site", "--encoding", "cp1252"
    )
    assert done.returncode == 0, done.stderr
    rows = read_csv(out.read_bytes().decode("utf-8"), ";")
    assert [(r["patient_id"], r["site"], r["decision_stage"]) for r in rows] == [
        ("P1", "München", "IVB"),
        ("P2", "Zürich", "IVC"),
    ]
    assert run_atc("batch", source, "--encoding", "klingon").returncode == 2


def test_a_csv_with_a_byte_order_mark_is_answered_with_one(tmp_path):
    source = write_csv(tmp_path / "cohort.csv", CASES[:20], ";", "utf-8-sig")
    out = tmp_path / "results.csv"
    assert runner.invoke(main, ["batch", str(source), "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid;diagnosis_confirmed;")  # Excel then reads UTF-8
    plain = write_csv(tmp_path / "plain.csv", CASES[:20])
    assert runner.invoke(main, ["batch", str(plain), "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"id,diagnosis_confirmed,")


@pytest.mark.parametrize(
    ("where", "said"),
    [("folder", "it is a folder"), ("missing/x.csv", "No such file"), ("missing/x.xlsx", "no folder")],
)
def test_an_output_that_cannot_be_written_exits_5(tmp_path, run_atc, where, said):
    source = write_csv(tmp_path / "cohort.csv", CASES[:5])
    (tmp_path / "folder").mkdir()
    args = ["--format", "xlsx"] if where == "folder" else []
    done = run_atc("batch", source, "-o", tmp_path / where, *args)
    assert done.returncode == 5, done.stderr
    assert done.stderr.startswith(f"error: cannot write the output {tmp_path / where}: ")
    assert said in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "said"), [("out.xls", "name it .xlsx"), ("out.parquet", "--engine spark"), ("out", "no extension")]
)
def test_an_output_format_that_cannot_be_told_is_refused(tmp_path, run_atc, name, said):
    source = write_csv(tmp_path / "cohort.csv", CASES[:5])
    done = run_atc("batch", source, "-o", tmp_path / name)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert not (tmp_path / name).exists()


def test_xlsx_highlights_the_input_an_error_names(tmp_path):
    source = tmp_path / "cohort.csv"
    source.write_text("id,diagnosis_confirmed,stage\nP1,true,IV B\n", encoding="utf-8")
    out = tmp_path / "results.xlsx"
    assert runner.invoke(main, ["batch", str(source), "-o", str(out)]).exit_code == 1
    sheet = openpyxl.load_workbook(out)["Results"]
    header = [c.value for c in sheet[1]]
    row = sheet[2]
    assert row[header.index("error_field")].value == "stage"
    assert row[header.index("stage")].fill.fgColor.rgb.endswith("C7C3")
    assert row[header.index("diagnosis_confirmed")].fill.fill_type is None
    assert row[header.index("error")].alignment.wrap_text


@pytest.mark.parametrize("name", ["cohort.csv", "cohort.xlsx"])
def test_the_input_as_its_own_output_is_refused(tmp_path, run_atc, name):
    source = tmp_path / name
    (write_csv if name.endswith(".csv") else write_xlsx)(source, CASES[:30])
    before = source.read_bytes()
    for target in (source, tmp_path / "." / name):
        done = run_atc("batch", source, "-o", target)
        assert done.returncode == 2 and "is the input itself" in done.stderr, done.stderr
    link = tmp_path / f"link-{name}"
    link.symlink_to(source)
    assert run_atc("batch", source, "-o", link).returncode == 2
    assert source.read_bytes() == before


def test_a_tsv_output_is_tab_separated(tmp_path):
    source = write_csv(tmp_path / "cohort.csv", CASES[:10])
    out = tmp_path / "results.tsv"
    assert runner.invoke(main, ["batch", str(source), "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"id\tdiagnosis_confirmed\t")
