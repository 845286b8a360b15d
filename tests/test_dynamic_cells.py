"""Cells that name variables ("dynamic" cells): how they compile, what the validator says, DMN in and out,
and agreement with pyDMNrules, whose own cell syntax is S-FEEL.

A dynamic cell stays out of the rule index (the index takes it as "any value") and is checked on the
rules the index leaves; cells that are plain literals compile exactly as before.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from workbook_writer import write_workbook

from atc_dmn import ModelError, load_model
from atc_dmn.cli import main
from atc_dmn.engine import DecisionModel

CHANNEL = {
    "name": "Offer",
    "hp": "U",
    "inputs": [("Channel", '"web", "branch"'), ("Requested amount", ">= 0"), ("Maximum loan", ">= 0")],
    "outputs": [("Offer", '"instant", "standard", "none"')],
    "rules": [
        ("O1", ['"web"', "<= Maximum loan / 2", "-"], ['"instant"']),
        ("O2", ['"web"', "(Maximum loan / 2..Maximum loan]", "-"], ['"standard"']),
        ("O3", ['"branch"', "<= Maximum loan", "-"], ['"standard"']),
        ("O4", ["-", "> Maximum loan", "-"], ['"none"']),
    ],
}


def test_the_shipped_model_compiles_as_before(shipped_workbook) -> None:
    from atc_dmn.compiler import LineLookup

    model = load_model(shipped_workbook.source, use_cache=False)
    assert all(ct.scope == () and ct.dynamic is None and ct.computed is None for ct in model.tables)
    assert not any(isinstance(c.lookup, LineLookup) for ct in model.tables for c in ct.columns)


def test_a_dynamic_cell_stays_out_of_the_index(tmp_path: Path) -> None:
    model = load_model(write_workbook(tmp_path / "offer.xlsx", [CHANNEL]), use_cache=False)
    (ct,) = model.tables
    assert ct.scope == ("Maximum loan",)
    assert [c.pos for c in ct.columns] == [0]  # the listed Channel column is indexed
    assert ct.dynamic is not None and [pos for pos, _ in ct.dynamic[0]] == [1]
    plain = DecisionModel(model.model, indexed=False)
    for channel, amount in itertools.product(["web", "branch"], [0, 400, 500, 501, 1000, 1001]):
        case = {"channel": channel, "requested_amount": amount, "maximum_loan": 1000}
        expected = (
            "none"
            if amount > 1000
            else ("instant" if amount <= 500 else "standard")
            if channel == "web"
            else "standard"
        )
        assert model.evaluate(case).decision == {"offer": expected}, case
        assert plain.evaluate(case).decision == {"offer": expected}, case


def test_a_dynamic_table_is_skipped_by_the_gap_checks_with_a_warning(tmp_path: Path) -> None:
    """Without O4 the table has a gap (amounts above the maximum), which no static analysis can see:
    the validator says it cannot prove the table rather than report a false gap or pass it silently."""
    table = {**CHANNEL, "rules": CHANNEL["rules"][:3]}
    path = write_workbook(tmp_path / "offer.xlsx", [table])
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    assert "TABLE_DYNAMIC" in res.output and "Offer!B2" in res.output
    assert "TABLE_GAP" not in res.output


def test_a_cell_naming_a_later_decision_is_an_error(tmp_path: Path) -> None:
    first = {
        "name": "Limit",
        "hp": "U",
        "inputs": [("Requested amount", ">= 0")],
        "outputs": [("Verdict", '"ok", "high"')],
        "rules": [("V1", ["<= Maximum loan"], ['"ok"']), ("V2", ["> Maximum loan"], ['"high"'])],
    }
    second = {
        "name": "Maximum",
        "hp": "U",
        "inputs": [("Income", ">= 0")],
        "outputs": [("Maximum loan", None)],
        "rules": [("M1", ["-"], ["Income * 3"])],
    }
    with pytest.raises(ModelError) as info:
        load_model(write_workbook(tmp_path / "order.xlsx", [first, second]), use_cache=False)
    found = [f for f in info.value.findings if f.code == "CELL_NAME_ORDER"]
    assert found and found[0].origin.location == "C5" and "'Maximum loan'" in found[0].message
    # In the right order the chain works: the output of one table is named in the next one's cells.
    model = load_model(write_workbook(tmp_path / "ok.xlsx", [second, first]), use_cache=False)
    assert model.evaluate({"income": 100, "requested_amount": 300}).decision["verdict"] == "ok"
    assert model.evaluate({"income": 100, "requested_amount": 301}).decision["verdict"] == "high"


def test_dynamic_cells_survive_export_dmn_and_import_dmn(tmp_path: Path, run_atc) -> None:
    source = write_workbook(tmp_path / "offer.xlsx", [CHANNEL])
    dmn = tmp_path / "offer.dmn"
    res = CliRunner().invoke(main, ["export-dmn", str(source), "-o", str(dmn)])
    assert res.exit_code == 0, res.output
    assert "&lt;= Maximum loan / 2" in dmn.read_text(encoding="utf-8")
    back = tmp_path / "back.xlsx"
    proc = run_atc("import-dmn", str(dmn), "-o", str(back), "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    model = load_model(back, use_cache=False)
    case = {"channel": "web", "requested_amount": 600, "maximum_loan": 1000}
    assert model.evaluate(case).decision == {"offer": "standard"}


def test_an_unknown_name_in_a_dmn_file_is_refused_at_its_entry(tmp_path: Path) -> None:
    source = write_workbook(tmp_path / "offer.xlsx", [CHANNEL])
    dmn = tmp_path / "offer.dmn"
    assert CliRunner().invoke(main, ["export-dmn", str(source), "-o", str(dmn)]).exit_code == 0
    dmn.write_text(dmn.read_text(encoding="utf-8").replace("&lt;= Maximum loan / 2", "&lt;= Maximum lone / 2"))
    res = CliRunner().invoke(main, ["import-dmn", str(dmn), "-o", str(tmp_path / "x.xlsx"), "--force"])
    assert res.exit_code != 0
    assert "DMN_FEEL" in res.output and "did you mean 'Maximum loan'" in res.output


DIFFERENTIAL = {
    "name": "Loan",
    "hp": "F",
    "inputs": [("Requested amount", ">= 0"), ("Maximum loan", ">= 0"), ("Application date", None)],
    "outputs": [("Decision", '"accept", "review", "late", "refuse"'), ("Margin", None)],
    "rules": [
        (
            "L1",
            ["< Maximum loan * 0.8", "> 0", '< date("2025-01-01")'],
            ['"accept"', "Maximum loan - Requested amount"],
        ),
        (
            "L2",
            ["[Maximum loan * 0.8..Maximum loan]", "> 0", '<= date("2025-12-31")'],
            ['"review"', "Maximum loan - Requested amount + 1"],
        ),
        (
            "L3",
            ["<= Maximum loan", "-", '[date("2026-01-01")..date("2026-12-31")]'],
            ['"late"', "Requested amount * 2"],
        ),
        ("L4", ["-", "-", "-"], ['"refuse"', "0"]),
    ],
}


def test_pydmnrules_agrees_on_names_arithmetic_and_dates(tmp_path: Path) -> None:
    pytest.importorskip("pyDMNrules", reason="the reference engine needs the 'reference' extra")
    from atc_dmn.reference import evaluate_reference

    path = write_workbook(tmp_path / "loan.xlsx", [DIFFERENTIAL], types={"Application date": "date"})
    model = load_model(path, use_cache=False)
    days = [dt.date(2024, 6, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1), dt.date(2027, 1, 1)]
    seen = set()
    for amount, day in itertools.product([100, 800, 900, 1000, 1200], days):
        case = {"requested_amount": amount, "maximum_loan": 1000, "application_date": day}
        ours = model.evaluate(case).decision
        assert ours == evaluate_reference(model, case).decision, case
        seen.add(ours["decision"])
    assert seen == {"accept", "review", "late", "refuse"}


def test_a_computed_output_is_not_a_value_outside_the_readers_list(tmp_path: Path) -> None:
    """``Score + 1`` gives values known per case: GRAPH_DOMAIN cannot say the next table's list lacks them."""
    grade = {
        "name": "Grade",
        "hp": "U",
        "inputs": [("Score", "1, 2")],
        "outputs": [("Grade", None)],
        "rules": [("G1", ["-"], ["Score + 1"])],
    }
    label = {
        "name": "Label",
        "hp": "U",
        "inputs": [("Grade", "2, 3")],
        "outputs": [("Label", '"two", "three"')],
        "rules": [("L1", ["2"], ['"two"']), ("L2", ["3"], ['"three"'])],
    }
    model = load_model(write_workbook(tmp_path / "grade.xlsx", [grade, label]), use_cache=False)
    assert [model.evaluate({"score": s}).decision for s in (1, 2)] == [{"label": "two"}, {"label": "three"}]


def test_a_model_with_dynamic_cells_is_kept_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from atc_dmn import cache

    monkeypatch.setenv("ATC_DMN_CACHE_DIR", str(tmp_path / "cache"))
    path = write_workbook(tmp_path / "loan.xlsx", [DIFFERENTIAL], types={"Application date": "date"})
    first = load_model(path)
    cached = cache.load(path)
    assert cached is not None and cached.tables == first.model.tables
    case = {"requested_amount": 800, "maximum_loan": 1000, "application_date": dt.date(2025, 6, 1)}
    assert (
        load_model(path).evaluate(case).decision
        == first.evaluate(case).decision
        == {
            "decision": "review",
            "margin": 201,
        }
    )


def test_an_untyped_input_compared_with_names_is_a_warning(tmp_path: Path) -> None:
    columns = [("Channel", '"web", "branch"'), ("Requested amount", None), ("Maximum loan", None)]
    untyped = {**CHANNEL, "inputs": columns}
    res = CliRunner().invoke(main, ["validate", str(write_workbook(tmp_path / "u.xlsx", [untyped]))])
    assert res.exit_code == 0, res.output
    assert "CELL_NAME_UNTYPED" in res.output and "Offer!D3" in res.output
    typed = CliRunner().invoke(main, ["validate", str(write_workbook(tmp_path / "t.xlsx", [CHANNEL]))])
    assert "CELL_NAME_UNTYPED" not in typed.output


def test_a_computed_value_in_a_listed_output_is_refused(tmp_path: Path) -> None:
    """A listed output's values are codes (wording, P and O priorities): a computed value is none of them."""
    table = {
        "name": "Pick",
        "hp": "P",
        "inputs": [("Score", ">= 0")],
        "outputs": [("Level", "1, 2, 3")],
        "rules": [("P1", ["-"], ["Score + 1"]), ("P2", ["-"], ["2"])],
    }
    with pytest.raises(ModelError) as info:
        load_model(write_workbook(tmp_path / "pick.xlsx", [table]), use_cache=False)
    found = [f for f in info.value.findings if f.code == "OUTPUT_NOT_ALLOWED"]
    assert found and found[0].origin.location == "D5" and "computed value Score + 1" in found[0].message
