"""The DMN TCK's decision-table tests, run as the project's conformance suite (see tests/tck/runner.py).

Every vendored case goes through ``atc-dmn import-dmn`` and the public API; the
statuses must be those recorded in ``tests/tck/results/atc-dmn.csv``. A case
that passed and stops passing fails the suite by name; any other change of
status fails too, until the results, ``docs/tck.md`` and the README's totals are
regenerated (``python tests/tck/runner.py``) and committed with the change.
pyDMNrules runs the same files in the same session, against its recorded CSV.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tck"))
import runner

from atc_dmn import load_model
from atc_dmn.no_match import NULL, no_match

REGENERATE = "regenerate with: python tests/tck/runner.py (then commit tests/tck/results, docs/tck.md, README.md)"


@pytest.fixture(scope="module")
def cases() -> list[runner.TestCase]:
    return runner.all_tests()


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where import-dmn writes the TCK's workbooks (one per model, named as the model)."""
    return tmp_path_factory.mktemp("tck")


@pytest.fixture(scope="module")
def ours(cases: list[runner.TestCase], books: Path) -> list[runner.Outcome]:
    return runner.run_ours(cases, books)


@pytest.fixture(scope="module")
def theirs(cases: list[runner.TestCase], reference) -> list[runner.Outcome]:
    """pyDMNrules on the same files (``reference`` has imported it for the session already)."""
    return runner.run_pydmnrules(cases)


def _changes(outcomes: list[runner.Outcome], recorded: dict) -> tuple[list[str], list[str]]:
    """(cases that passed and no longer do, every other difference from the recorded results)."""
    regressions, others = [], []
    now = {o.case.key: o for o in outcomes}
    for key, (status, detail) in recorded.items():
        o = now.get(key)
        name = "/".join(key)
        if o is None:
            others.append(f"{name}: recorded as {status}, no longer in the vendored tests")
        elif status == "pass" and o.status != "pass":
            regressions.append(f"{name}: passed, now {o.status}: {o.detail}")
        elif (o.status, o.detail) != (status, detail):
            others.append(f"{name}: recorded {status} ({detail[:120]}), now {o.status} ({o.detail[:120]})")
    others += [f"{'/'.join(k)}: new case, {o.status}" for k, o in now.items() if k not in recorded]
    return regressions, others


def test_the_vendored_tests_are_the_tck_decision_table_tests(cases: list[runner.TestCase]) -> None:
    folders = runner.folders()
    assert {f.parent.name for f in folders} == {"compliance-level-2", "compliance-level-3"}
    for folder in folders:
        models = list(folder.glob("*.dmn"))
        assert any("decisionTable" in m.read_text(encoding="utf-8") for m in models), folder
        assert list(folder.glob("*-test-*.xml")), folder
    assert len(folders) == 31
    assert len(cases) == 102
    assert all(c.results for c in cases)
    assert all(c.model.exists() for c in cases)


def test_no_case_that_passed_stops_passing(ours: list[runner.Outcome]) -> None:
    regressions, _ = _changes(ours, runner.read_csv(runner.OURS_CSV))
    assert not regressions, "TCK cases that passed no longer pass:\n" + "\n".join(regressions)


def test_every_case_has_its_recorded_status(ours: list[runner.Outcome]) -> None:
    _, others = _changes(ours, runner.read_csv(runner.OURS_CSV))
    assert not others, "the TCK results changed; " + REGENERATE + "\n" + "\n".join(others)


def test_atc_dmn_never_gives_a_wrong_answer(ours: list[runner.Outcome]) -> None:
    """Refusing what it cannot read is allowed; answering wrongly is not."""
    assert [o.detail for o in ours if o.status == "fail"] == []
    assert runner.totals(ours)["pass"] > 0


def test_pydmnrules_results_are_those_recorded(theirs: list[runner.Outcome]) -> None:
    regressions, others = _changes(theirs, runner.read_csv(runner.THEIRS_CSV))
    assert not regressions + others, (
        "pyDMNrules' TCK results changed; " + REGENERATE + "\n" + "\n".join(regressions + others)
    )


def test_the_page_and_the_readme_show_these_results(ours: list[runner.Outcome], theirs: list[runner.Outcome]) -> None:
    version = runner.pydmnrules_version()
    assert runner.DOC.read_text(encoding="utf-8") == runner.page(ours, theirs, version), REGENERATE
    assert runner.readme_block(ours, theirs, version) in runner.README.read_text(encoding="utf-8"), REGENERATE


def test_the_imported_workbooks_run_in_pydmnrules_alike(
    ours: list[runner.Outcome], theirs: list[runner.Outcome], books: Path
) -> None:
    """Each workbook import-dmn wrote loads in pyDMNrules, which gives every output our engine gave."""
    import pyDMNrules

    from atc_dmn import load_model

    # Where pyDMNrules answers the TCK wrongly from the .dmn itself (a duration compared the wrong way), it
    # disagrees with the workbook too: those cases are its own failures, listed in docs/tck.md.
    wrong = {o.case.key for o in theirs if o.status == "fail"}
    passed = [o for o in ours if o.status == "pass" and o.case.key not in wrong]
    assert passed
    engines: dict[Path, tuple] = {}
    compared = 0
    for o in passed:
        book = books / (o.case.model.stem + ".xlsx")
        if book not in engines:
            dmn = pyDMNrules.DMN()
            status = dmn.load(str(book))
            assert not status.get("errors"), (book.name, status)
            engines[book] = (dmn, load_model(book, use_cache=False))
        dmn, model = engines[book]
        by_name = {v.name: v.key for v in model.model.variables.values()}
        given = runner._parts(o.case.inputs, by_name)
        result = model.evaluate({by_name.get(n, n): runner._native(v) for n, v in given.items()})
        status, data = dmn.decide({n: runner._plain(v) for n, v in given.items()})
        if status.get("errors") and no_match(model.info) == NULL and any(not t.rules for t in result.trace):
            # pyDMNrules has no DMN no-match semantics: where one of our tables gave null, it stops.
            assert "No rules matched" in str(status["errors"]), (o.case.key, status)
            continue
        assert not status.get("errors"), (o.case.key, status)
        compared += 1
        theirs = {}
        for entry in data if isinstance(data, list) else [data]:
            theirs.update(entry["Result"])
        names = {v.key: v.name for v in model.model.variables.values()}
        mine = result.decision
        for key, value in mine.items():
            assert runner.same(value, runner._ours(theirs[names[key]])), (o.case.key, key, value, theirs)
    assert compared >= 45, compared


def test_a_refusal_is_located_at_a_dmn_element(ours: list[runner.Outcome]) -> None:
    """Each refused model names the DMN element (definitions!element id) and what it lacks."""
    refused = [o for o in ours if o.status == "refused"]
    assert refused
    for o in refused:
        code, _, rest = o.detail.partition(" at ")
        where = rest.split(": ", 1)[0]
        element = where.split("!")[-1]
        ids = "".join(m.read_text(encoding="utf-8") for m in o.case.model.parent.glob("*.dmn"))
        # An element without an id (an <import>) is named by its name.
        assert code and element and (f'id="{element}"' in ids or f'name="{element}"' in ids), o.detail
        assert o.feature and o.feature != code, o.detail


def test_a_wrong_answer_is_reported_as_a_failure(tmp_path: Path) -> None:
    """The runner can fail a case: a passing test's expected value changed gives fail, expected vs got."""
    src = runner.CASES / "compliance-level-2" / "0007-simpletable-P2"
    dst = tmp_path / "compliance-level-2" / "0007-simpletable-P2"
    shutil.copytree(src, dst)
    test_file = next(dst.glob("*-test-*.xml"))
    text = test_file.read_text(encoding="utf-8")
    assert text.count("Approved") >= 1
    test_file.write_text(text.replace("Approved", "Aproved", 1), encoding="utf-8")
    cases = runner.read_tests(dst)
    outcomes = runner.run_ours(cases, tmp_path)
    failed = [o for o in outcomes if o.status == "fail"]
    assert len(failed) == 1
    assert 'expected "Aproved", got "Approved"' in failed[0].detail


def test_a_tck_model_through_the_installed_command(tmp_path: Path) -> None:
    """The console script's import-dmn, then the API, answers the TCK's cases (an OUTPUT ORDER table)."""
    exe = Path(sys.executable).with_name("atc-dmn")
    folder = runner.CASES / "compliance-level-2" / "0113-outputOrder-hitpolicy-singleinoutcol"
    model = next(folder.glob("*.dmn"))
    book = tmp_path / "tck.xlsx"
    done = subprocess.run(
        [str(exe), "import-dmn", str(model), "-o", str(book)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = load_model(book, use_cache=False)
    for case in runner.read_tests(folder):
        (node,) = case.results
        result = loaded.evaluate({"Age": case.inputs["Age"]})
        assert result.decision == {"Approval_Status": node.expected}, case.id


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        (18, 18.0, True),
        (0.1, 0.1, True),
        (0.3, 0.1 + 0.2, False),  # FEEL numbers are decimals: 0.1 + 0.2 is 0.3, a float's is not
        (True, 1, False),
        ("1", 1, False),
        (None, None, True),
        (None, "", False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
        ({"a": 1, "b": "x"}, {"b": "x", "a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
    ],
)
def test_values_are_compared_as_feel_does(expected, got, same) -> None:
    assert runner.same(expected, got) is same
