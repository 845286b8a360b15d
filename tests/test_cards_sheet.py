"""The Cards sheet: the shipped summaries and indicators, and every finding of its loader at the cell to fix.

The expected pathways, indicators and wording rules come from the spec
(decision-model.md: the pathway codes, "What the wording must say") and issue 12
(critical when the airway is compromised, info otherwise); broken workbooks are
the shipped one with a cell changed in memory (sheet_edits).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sheet_edits import edited, find, load, located, only, without

from atc_dmn.cards import SUMMARY_LIMIT, CardRules
from atc_dmn.workbook import RawWorkbook, read_workbook

PATHWAYS = (
    "diagnostic_workup",
    "staging_workup",
    "resectability_assessment",
    "multimodal_therapy",
    "chemoradiotherapy",
    "clinical_trial_or_palliative",
    "clinical_trial",
    "systemic_therapy",
    "palliative_care",
)


@pytest.fixture(scope="module")
def raw(shipped_path: Path) -> RawWorkbook:
    return read_workbook(shipped_path)


@pytest.fixture(scope="module")
def cards(raw: RawWorkbook) -> CardRules:
    model, findings = load(raw)
    assert model is not None and not findings.errors and not findings.warnings
    assert model.cards is not None
    return model.cards


def summary_row(raw: RawWorkbook, code: str) -> int:
    return find(raw, "Cards", code, column=3).row


def heading_row(raw: RawWorkbook, text: str) -> int:
    return find(raw, "Cards", text, column=2).row


# -- the shipped sheet ---------------------------------------------------------------


def test_a_summary_per_pathway_each_under_the_cds_hooks_limit(cards: CardRules) -> None:
    assert cards.summary_output == "pathway"
    assert {s.code for s in cards.summaries} == set(PATHWAYS)
    for s in cards.summaries:
        assert 0 < len(s.summary) < SUMMARY_LIMIT == 140, s
        assert s.origin.source == "Cards"


def test_the_summaries_keep_the_sources_strength(cards: CardRules) -> None:
    text = {s.code: s.summary for s in cards.summaries}
    assert all("curative" not in t.lower() for t in text.values())
    assert "urgent" in text["diagnostic_workup"].lower()
    multimodal = text["multimodal_therapy"]
    assert "aggressive multimodal therapy" in multimodal and "meaningful survival improvement" in multimodal
    assert "6 months" in multimodal
    assert "may respond" in text["chemoradiotherapy"]
    assert "where a suitable trial is open" in text["clinical_trial"]
    assert "preference" in text["clinical_trial_or_palliative"]


@pytest.mark.parametrize(
    ("decision", "indicator"),
    [
        ({"pathway": "systemic_therapy", "actions": ["secure_airway", "multidisciplinary_team"]}, "critical"),
        ({"pathway": "diagnostic_workup", "actions": ["neck_ct", "secure_airway"]}, "critical"),
        ({"pathway": "diagnostic_workup", "actions": ["neck_ct", "tissue_biopsy", "assess_airway"]}, "warning"),
        ({"pathway": "multimodal_therapy", "actions": ["assess_airway"]}, "info"),
        ({"pathway": "palliative_care", "actions": []}, "info"),
    ],
)
def test_indicator_by_situation(cards: CardRules, decision: dict, indicator: str) -> None:
    assert cards.indicator_for(decision).indicator == indicator


def test_the_situations_without_a_recommendation(cards: CardRules) -> None:
    for name in ("input_error", "no_decision"):
        card = cards.situation(name)
        assert card is not None and card.indicator in ("info", "warning", "critical")
        assert 0 < len(card.summary) < SUMMARY_LIMIT and "No recommendation" in card.summary


def test_a_workbook_without_a_cards_sheet_has_no_card_rules(raw: RawWorkbook) -> None:
    model, findings = load(without(raw, "Cards"))
    assert model is not None and not findings.errors and model.cards is None


# -- findings, each at its cell ------------------------------------------------------


def test_a_summary_of_140_characters_is_an_error_at_its_cell(raw: RawWorkbook) -> None:
    row = summary_row(raw, "staging_workup")
    model, findings = load(edited(raw, "Cards", {f"D{row}": "x" * 140}))
    assert model is None
    found = only(findings, "CARD_SUMMARY_LENGTH")
    assert found.location == f"Cards!D{row}" and "140" in found.message
    model, findings = load(edited(raw, "Cards", {f"D{row}": "x" * 139}))
    assert model is not None and not findings.errors


def test_a_blank_summary(raw: RawWorkbook) -> None:
    row = summary_row(raw, "palliative_care")
    _, findings = load(edited(raw, "Cards", {f"D{row}": None}))
    assert located(findings, "CARD_SUMMARY") == [f"Cards!D{row}"]


def test_unknown_output_and_code(raw: RawWorkbook) -> None:
    a, b = summary_row(raw, "chemoradiotherapy"), summary_row(raw, "clinical_trial")
    _, findings = load(edited(raw, "Cards", {f"B{a}": "pathways", f"C{b}": "multimodal_curative_intent"}))
    assert located(findings, "CARD_OUTPUT") == [f"Cards!B{a}"]
    found = only(findings, "CARD_CODE")
    assert found.location == f"Cards!C{b}" and "multimodal_curative_intent" in found.message


def test_a_second_summary_for_one_code(raw: RawWorkbook) -> None:
    first, second = summary_row(raw, "staging_workup"), summary_row(raw, "resectability_assessment")
    _, findings = load(edited(raw, "Cards", {f"C{second}": "staging_workup"}))
    found = only(findings, "CARD_CODE")
    assert found.location == f"Cards!C{second}" and f"C{first}" in found.message


def test_a_pathway_without_a_summary_is_an_error(raw: RawWorkbook) -> None:
    # Served, such a patient would get the no_decision card ("no rule for this case"), which is false.
    row = summary_row(raw, "palliative_care")
    model, findings = load(edited(raw, "Cards", {f"B{row}": None, f"C{row}": None, f"D{row}": None}))
    assert model is None
    found = only(findings, "CARD_SUMMARY_MISSING")
    assert found in findings.errors and not findings.warnings
    assert found.location == f"Cards!B{heading_row(raw, 'Output')}" and "palliative_care" in found.message
    assert "no_decision" in found.message


def test_indicator_rows(raw: RawWorkbook) -> None:
    start = heading_row(raw, "Indicator")
    critical, otherwise = start + 1, start + 3
    _, findings = load(edited(raw, "Cards", {f"B{critical}": "urgent", f"C{otherwise}": "pathway"}))
    assert sorted(located(findings, "CARD_INDICATOR")) == sorted([f"Cards!B{critical}", f"Cards!D{otherwise}"])
    _, findings = load(edited(raw, "Cards", {f"D{critical}": "secure_airways"}))
    assert located(findings, "CARD_CODE") == [f"Cards!D{critical}"]


def test_situation_rows(raw: RawWorkbook) -> None:
    start = heading_row(raw, "Situation")
    _, findings = load(edited(raw, "Cards", {f"B{start + 1}": "refused", f"C{start + 2}": "severe"}))
    assert located(findings, "CARD_SITUATION") == [f"Cards!B{start + 1}"]
    assert located(findings, "CARD_INDICATOR") == [f"Cards!C{start + 2}"]
    assert located(findings, "CARD_SITUATION_MISSING") == [f"Cards!B{start}"]  # input_error has no card now


def test_a_misnamed_heading(raw: RawWorkbook) -> None:
    start = heading_row(raw, "Situation")
    _, findings = load(edited(raw, "Cards", {f"D{start}": "Text"}))
    found = only(findings, "CARD_HEADING")
    assert found.location == f"Cards!D{start}" and "Summary" in found.message


def test_validate_names_the_sheet_and_cell_of_a_long_summary(shipped_workbook, run_atc) -> None:
    cell = shipped_workbook.find("Cards", "multimodal_therapy")
    row = int(cell[1:])
    broken = shipped_workbook.copy({f"Cards!D{row}": "y" * 150})
    done = run_atc("validate", broken)
    out = done.stdout + done.stderr
    assert done.returncode != 0 and f"Cards!D{row}" in out and "CARD_SUMMARY_LENGTH" in out
