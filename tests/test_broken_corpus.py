"""The corpus of broken workbooks: each mistake is reported with its code at its cell, within bounded
time and memory and without a traceback, and no broken workbook ever gives a recommendation.

The corpus is regenerated from the shipped workbook into a temporary folder
(``tests/make_broken.py``); the committed copy in ``tests/broken/`` is for
people to open in Excel and must match what the generator writes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from make_broken import CORPUS, Broken, generate

from atc_dmn.cli import main

COMMITTED = Path(__file__).resolve().parent / "broken"
TIMEOUT_SECONDS = 60
MEMORY_BYTES = 1024 * 1024 * 1024


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broken")
    generate(folder)
    return folder


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _run(command: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        preexec_fn=_bounded,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )


def _where(item: Broken) -> str:
    return f"{item.sheet}!{item.cell}" if item.cell else (item.sheet or "(whole file)")


@pytest.fixture(scope="module")
def runs(corpus: Path, atc_command: str) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """Both commands on every file, two at a time. Worker processes, not threads, start them:
    ``preexec_fn`` (which sets the memory limit) is unsafe in a process that runs threads."""
    jobs = {}
    for item in CORPUS:
        path = str(corpus / f"{item.name}.xlsx")
        jobs[(item.name, "validate")] = ("validate", path, "--format", "json")
        jobs[(item.name, "evaluate")] = ("evaluate", "--model", path, "--set", "diagnosis_confirmed=true")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {key: pool.submit(_run, atc_command, *args) for key, args in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("item", CORPUS, ids=lambda b: b.name)
def test_validate_names_the_mistake_and_its_cell(runs, item: Broken) -> None:
    proc = runs[(item.name, "validate")]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["errors"] >= 1
    located = {(f["code"], f["sheet"], f["cell"]) for f in report["findings"]}
    assert (item.code, item.sheet, item.cell) in located, located


@pytest.mark.parametrize("item", CORPUS, ids=lambda b: b.name)
def test_validate_text_lists_code_and_cell(corpus: Path, item: Broken) -> None:
    result = CliRunner().invoke(main, ["validate", str(corpus / f"{item.name}.xlsx")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert re.search(rf"^ERROR\s+{item.code}\s+{re.escape(_where(item))}$", result.output, re.M), result.output
    assert re.search(r"\(checked in \d+ ms\)$", result.output.strip())


@pytest.mark.parametrize("item", CORPUS, ids=lambda b: b.name)
def test_evaluate_gives_no_recommendation(corpus: Path, runs, item: Broken) -> None:
    path = corpus / f"{item.name}.xlsx"
    proc = runs[(item.name, "evaluate")]
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    if item.sheet is None:
        assert first.startswith(f"error: {path.name} ")
    else:
        # The first finding, located: "error: Sheet!A1: ..." (or "error: Sheet: ..." for a missing sheet).
        assert re.match(r"error: [^:]+(![A-Z]+[0-9]+)?: ", first), first


def test_the_corpus_covers_every_kind_of_mistake() -> None:
    assert len(CORPUS) >= 20
    codes = {item.code for item in CORPUS}
    needed = {
        "FILE_NOT_XLSX", "FILE_EMPTY", "FILE_CORRUPT", "SHEET_MISSING", "DECISION_TABLE_MISSING",
        "HEADING_UNKNOWN", "INPUT_UNUSED", "TABLE_DUPLICATE", "RULE_ID_DUPLICATE", "TABLE_EMPTY", "HIT_POLICY",
        "CELL_MERGED", "CELL_FORMULA", "TABLE_SPLIT", "CELL_SYNTAX", "VALUE_NOT_ALLOWED", "OUTPUT_NOT_ALLOWED",
        "TYPE_MISMATCH", "NUMBER_AS_TEXT", "TABLE_GAP", "RULE_OVERLAP", "RULE_CONFLICT", "RULE_DUPLICATE",
        "RULE_SHADOWED", "GRAPH_ORDER", "GRAPH_CYCLE",
        "OUTPUT_NOT_PRODUCED", "WORDING_MISSING",
    }  # fmt: skip
    assert needed <= codes, needed - codes
    names = {item.name for item in CORPUS}
    assert {"not_xlsx", "empty", "truncated_zip", "password_protected", "entity_bomb"} <= names


def test_the_committed_corpus_is_what_the_generator_writes(corpus: Path) -> None:
    committed = json.loads((COMMITTED / "manifest.json").read_text(encoding="utf-8"))
    assert committed == json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in COMMITTED.glob("*.xlsx")) == sorted(committed)
    # Byte-level files differ (zip timestamps); what validation says about them must not.
    from atc_dmn.report import validate_workbook

    for name in ("gap.xlsx", "merged_cells.xlsx", "entity_bomb.xlsx"):
        ours = {(f.code, f.sheet, f.cell) for f in validate_workbook(COMMITTED / name).findings}
        fresh = {(f.code, f.sheet, f.cell) for f in validate_workbook(corpus / name).findings}
        assert ours == fresh
