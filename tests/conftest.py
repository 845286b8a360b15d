"""Shared fixtures: the shipped model, the reference engine, workbook copies, the installed command.

Tests read the shipped workbook itself (never a regenerated one). Edits are
made on copies in a temporary folder with openpyxl, as a clinician's Excel
edit would be, and then loaded through the public API or the real command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import input_space
import openpyxl
import pytest
import workbook_writer as writer

from atc_dmn import DecisionModel, load_model, shipped_model_path

REPO = Path(__file__).resolve().parent.parent

# Keep every compiled-model cache of this test run out of the user's home, for
# in-process loads and for the subprocesses (they inherit the environment).
_CACHE_DIR = tempfile.mkdtemp(prefix="atc-dmn-test-cache-")
os.environ["ATC_DMN_CACHE_DIR"] = _CACHE_DIR


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache() -> Iterator[None]:
    yield
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


# -- the shipped model and the reference engine ---------------------------------


@pytest.fixture(scope="session")
def shipped_path() -> Path:
    return shipped_model_path()


@pytest.fixture(scope="session")
def model() -> DecisionModel:
    """The shipped model, loaded once through the public API."""
    return load_model()


@pytest.fixture(scope="session")
def reference(model: DecisionModel) -> Callable[[dict[str, Any]], Any]:
    """Evaluate a case through pyDMNrules (one loaded instance for the whole session).

    Importing pyDMNrules takes seconds, so it happens once, here, and only for
    the tests that ask for this fixture.
    """
    pytest.importorskip("pyDMNrules", reason="the reference engine needs the 'reference' extra")
    from atc_dmn.reference import evaluate_reference

    def run(case: dict[str, Any]):
        return evaluate_reference(model, case)

    run({})  # import and load now, so a failure shows up as a setup error
    return run


# -- the input space --------------------------------------------------------------


@pytest.fixture(scope="session")
def main_cases() -> list[dict[str, Any]]:
    """Every combination of the spec's seven main inputs, each also missing (9,072 cases)."""
    return input_space.main_cases()


@pytest.fixture(scope="session")
def tnm_cases() -> list[dict[str, Any]]:
    """Every T x N x M combination (each also missing), without and with each given stage (792 cases)."""
    return input_space.tnm_cases()


@pytest.fixture(scope="session")
def stage_fit_cases() -> list[dict[str, Any]]:
    """Every recorded stage (or none) beside every T x N x M, each also missing, before the diagnosis (792 cases)."""
    return input_space.stage_fit_cases()


# -- copies of the shipped workbook -----------------------------------------------


class ShippedWorkbook:
    """Find cells in the shipped workbook and make edited copies of it."""

    def __init__(self, source: Path, folder: Path) -> None:
        self.source = source
        self.folder = folder
        self._wb = openpyxl.load_workbook(source)
        self._copies = 0

    def sheet(self, name: str):
        return self._wb[name]

    def find(self, sheet: str, value: Any) -> str:
        """The coordinate of the first cell of ``sheet`` holding exactly ``value``."""
        for row in self._wb[sheet].iter_rows():
            for cell in row:
                if cell.value == value:
                    return cell.coordinate
        raise LookupError(f"{value!r} is not on sheet {sheet!r}")

    def heading_column(self, sheet: str, heading: str) -> int:
        return self._wb[sheet][self.find(sheet, heading)].column

    def row_of(self, sheet: str, column: int, value: Any) -> int:
        for row in self._wb[sheet].iter_rows():
            for cell in row:
                if cell.column == column and cell.value == value:
                    return cell.row
        raise LookupError(f"{value!r} is not in column {column} of {sheet!r}")

    def rule_cell(self, sheet: str, rule_id: str, heading: str) -> str:
        """The cell of rule ``rule_id`` under ``heading`` in the table on ``sheet`` (rule ids in column B)."""
        row = self.row_of(sheet, 2, rule_id)
        # The heading row is above the rules; column B holds the table's name and hit policy, not headings.
        above = self._wb[sheet].iter_rows(max_row=row - 1)
        heads = [c for r in above for c in r if c.column > 2 and c.value == heading]
        if not heads:
            raise LookupError(f"no heading {heading!r} above rule {rule_id} on {sheet!r}")
        return self._wb[sheet].cell(row=row, column=heads[-1].column).coordinate

    def value(self, sheet: str, coordinate: str) -> Any:
        return self._wb[sheet][coordinate].value

    def copy(
        self,
        edits: dict[str, Any] | None = None,
        edit: Callable[[openpyxl.Workbook], None] | None = None,
        name: str | None = None,
    ) -> Path:
        """A copy with ``{"Sheet!A1": value}`` edits and/or an ``edit(workbook)`` callback applied."""
        self._copies += 1
        dest = self.folder / (name or f"edited_{self._copies}.xlsx")
        shutil.copyfile(self.source, dest)
        if edits or edit:
            wb = openpyxl.load_workbook(dest)
            for ref, value in (edits or {}).items():
                sheet, cell = ref.rsplit("!", 1)
                wb[sheet][cell] = value
            if edit is not None:
                edit(wb)
            wb.save(dest)
        return dest


@pytest.fixture
def shipped_workbook(tmp_path: Path, shipped_path: Path) -> ShippedWorkbook:
    return ShippedWorkbook(shipped_path, tmp_path)


# -- small generated workbooks ----------------------------------------------------


def write_workbook(path: Path, tables: list[dict[str, Any]], name: str = "Tiny model") -> Path:
    """Write a minimal workbook (:mod:`workbook_writer`'s format; Wording for every quoted code, no reference list).

    Each table is ``{"name", "hp", "inputs": [(variable, allowed-cell or None)],
    "outputs": [...], "rules": [(rule id, [input cells], [output cells])]}``.
    """
    return writer.write_workbook(
        path,
        tables,
        name=name,
        notice="Test model.",
        title="tiny",
        purpose=True,
        wording="{variable} is {code}",
        codes=writer.quoted_codes,
        references=False,
    )


@pytest.fixture(scope="session")
def workbook_writer() -> Callable[..., Path]:
    """:func:`write_workbook` itself, for module-scoped fixtures."""
    return write_workbook


@pytest.fixture
def tiny_workbook(tmp_path: Path) -> Callable[..., Path]:
    """``tiny_workbook(tables, name="x.xlsx")`` writes a small workbook into tmp_path."""

    def make(tables: list[dict[str, Any]], name: str = "tiny.xlsx") -> Path:
        return write_workbook(tmp_path / name, tables)

    return make


# -- a browser ----------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, for the pages' tests; missing, it skips them (fails them in CI)."""
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{CHROMIUM} is missing: CI must test the page in a browser (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


# -- the installed command --------------------------------------------------------


def installed_command() -> str | None:
    """The ``atc-dmn`` installed beside the running Python (so an unactivated venv works), else on PATH."""
    beside = Path(sys.executable).with_name("atc-dmn")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("atc-dmn")


@pytest.fixture(scope="session")
def atc_command() -> str:
    path = installed_command()
    assert path, "the atc-dmn command is not installed: pip install -e '.[test]'"
    return path


@pytest.fixture
def run_atc(atc_command: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``atc-dmn`` in a subprocess: ``run_atc("evaluate", "--set", ..., input=...)``."""

    def run(*args: str, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [atc_command, *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or REPO,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            check=False,
        )

    return run


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python <args>`` (this interpreter) from the repository root."""

    def run(*args: str, input: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd or REPO,
            check=False,
        )

    return run
