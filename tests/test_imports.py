"""A cold ``atc-dmn evaluate`` imports only what it needs.

pandas and pyDMNrules (seconds to import) are never imported unless
``--engine pydmnrules`` asks for them; with the compiled-model cache warm,
openpyxl is not imported either. The installed command runs in a fresh
process under ``python -X importtime``, which lists every module imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "pyDMNrules", "openpyxl")


def imported(stderr: str) -> set[str]:
    """Top-level package names from ``-X importtime`` output."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":
                names.add(name.split(".")[0])
    return names


@pytest.fixture
def run_cold(tmp_path: Path, atc_command: str):
    """Run the installed command in a new interpreter with its own cache folder; return (result, packages)."""
    env = {**os.environ, "ATC_DMN_CACHE_DIR": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    env.pop("ATC_DMN_NO_CACHE", None)

    def run(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", atc_command, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        return done, imported(done.stderr)

    return run


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}))
    return path


def test_evaluate_imports_no_pandas_or_pydmnrules_and_no_openpyxl_once_cached(run_cold, case_file: Path) -> None:
    first, cold = run_cold("evaluate", "--case", str(case_file), "--format", "json")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "openpyxl" in cold  # the first run reads the workbook: the check sees imports
    assert "pandas" not in cold and "pyDMNrules" not in cold

    for fmt in ("json", "text"):
        again, warm = run_cold("evaluate", "--case", str(case_file), "--format", fmt)
        assert again.returncode == 0, again.stderr[-2000:]
        assert "atc_dmn" in warm and "click" in warm
        assert not warm & set(HEAVY), sorted(warm & set(HEAVY))
    assert json.loads(first.stdout)["decision"]["pathway"] == "multimodal_therapy"


def test_inputs_and_batch_stay_light_with_a_warm_cache(run_cold, case_file: Path, tmp_path: Path) -> None:
    run_cold("evaluate", "--case", str(case_file), "--format", "json")
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"stage": "IVA"}\n{"stage": "IVC"}\n')
    for args in (("inputs",), ("batch", str(cases))):
        done, modules = run_cold(*args)
        assert done.returncode == 0, done.stderr[-2000:]
        assert not modules & set(HEAVY), (args, sorted(modules & set(HEAVY)))


def test_in_process_main_leaves_heavy_modules_unloaded(tmp_path: Path, case_file: Path) -> None:
    """The same through the click entry point, inspecting sys.modules afterwards."""
    code = (
        "import sys, json\n"
        "from atc_dmn.cli import main\n"
        f"main(['evaluate', '--case', {str(case_file)!r}, '--format', 'json'], standalone_mode=False)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    env = {**os.environ, "ATC_DMN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("ATC_DMN_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env) for _ in range(2)]
    for done in runs:
        assert done.returncode == 0, done.stderr[-2000:]
    cold, warm = (json.loads(done.stdout.strip().splitlines()[-1]) for done in runs)
    assert "openpyxl" in cold and "pandas" not in cold and "pyDMNrules" not in cold
    assert warm == []
