"""What the wording must say (spec, model 1.1.0): the source's facts in its own strength, nothing more.

The texts are read from the workbook with openpyxl (what a clinician reads);
the expectations are the spec's section "What the wording must say".
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from atc_dmn import load_model

SEED_CITATIONS = set(range(1, 8))
# Drugs the seed names; the model names no other.
SEED_DRUGS = {
    "doxorubicin",
    "cisplatin",
    "paclitaxel",
    "bleomycin",
    "axitinib",
    "sorafenib",
    "bevacizumab",
    "cetuximab",
}
OTHER_DRUGS = {
    "dabrafenib",
    "trametinib",
    "larotrectinib",
    "entrectinib",
    "selpercatinib",
    "pralsetinib",
    "crizotinib",
    "alectinib",
    "lenvatinib",
    "pembrolizumab",
    "carboplatin",
    "docetaxel",
    "vandetanib",
    "cabozantinib",
    "nivolumab",
    "spartalizumab",
}


@pytest.fixture(scope="module")
def texts(shipped_path: Path) -> dict[str, str]:
    """Every Wording text (by output/code) and every rule annotation (by rule id)."""
    wb = openpyxl.load_workbook(shipped_path, read_only=True)
    out: dict[str, str] = {}
    for row in wb["Wording"].iter_rows(min_row=3, values_only=True):
        if row[1] and row[2]:
            out[f"{row[1]}/{row[2]}"] = str(row[3])
    model = load_model(shipped_path)
    for table in model.model.tables:
        for rule in table.rules:
            out[rule.id] = rule.annotation
    out["notice"] = model.info.notice
    return out


def words(texts: dict[str, str]) -> str:
    return " ".join(texts.values()).lower()


def test_never_curative(texts):
    assert "curative" not in words(texts)
    assert "only chance for meaningful survival improvement" in texts["pathway/multimodal_therapy"]
    assert "under 6 months" in texts["pathway/multimodal_therapy"]


def test_function_preservation_with_distant_metastases(texts):
    text = texts["actions/avoid_aggressive_surgery"] + texts["AC12"]
    for organ in ("speech", "swallowing", "parathyroid"):
        assert organ in text


def test_palliative_airway_surgery_is_consider(texts):
    assert texts["surgery/palliative_airway_surgery"].lower().startswith("consider")
    assert "consider" in texts["SU3"].lower()


def test_urgency_and_rapid_assessment(texts):
    assert "urgent" in texts["pathway/diagnostic_workup"].lower()
    assert "must occur urgently" in texts["AC7"]
    assert "rapid" in texts["actions/multidisciplinary_team"].lower()


def test_airway_thirty_percent_vocal_cord_paralysis(texts):
    assert "30%" in texts["actions/assess_airway"] and "vocal cord paralysis" in texts["actions/assess_airway"]
    assert "early" in texts["actions/secure_airway"]


def test_chemotherapy_carries_the_seed_facts(texts):
    chemo = texts["systemic_therapy/chemotherapy"].lower()
    for fact in (
        "disappointing",
        "doxorubicin",
        "cisplatin",
        "poor",
        "paclitaxel",
        "not in overall survival",
        "bleomycin",
        "does not enhance efficacy",
    ):
        assert fact in chemo, fact


def test_investigational_agents_are_named_as_investigational(texts):
    targeted = texts["systemic_therapy/targeted_therapy"].lower()
    for drug in ("axitinib", "sorafenib", "bevacizumab", "cetuximab"):
        assert drug in targeted
    assert "investigat" in targeted and "not recommendations" in targeted
    assert "exceptional responders" in targeted
    used = set(re.findall(r"[a-z]+", words(texts)))
    assert not (used & OTHER_DRUGS), "the model names no drug the source does not name"
    assert used & SEED_DRUGS == SEED_DRUGS


def test_trials_where_a_suitable_trial_is_open(texts):
    for key in ("pathway/clinical_trial", "actions/consider_clinical_trial"):
        assert "where a suitable trial is open" in texts[key]


def test_molecular_testing_not_required_says_when_it_is(texts):
    assert "test if the tumour proves unresectable" in texts["molecular_testing/not_required"]


def test_rules_of_the_model_own_say_so_and_cite_no_seed_number(shipped_path):
    model = load_model(shipped_path)
    own = 0
    for table in model.model.tables:
        for rule in table.rules:
            seed = [n for n in rule.citations if isinstance(n, int)]
            assert set(seed) <= SEED_CITATIONS, rule.id
            if "model's own" in rule.annotation:
                own += 1
                assert not seed, f"{rule.id} is the model's own but cites {seed}"
            else:
                assert rule.citations, f"{rule.id} neither cites the source nor says it is the model's own"
    assert own


def test_staging_rules_cite_the_ajcc_8th_edition(shipped_path):
    model = load_model(shipped_path)
    tnm = [t for t in model.model.tables if any(c.variable == "T category" for c in t.inputs)]
    assert tnm
    for table in tnm:
        for rule in table.rules:
            tested = [c.variable for c, test in zip(table.inputs, rule.tests) if not test.any]
            if any(v in ("T category", "N category", "M category") for v in tested):
                assert "AJCC8" in rule.citations, rule.id
                assert "AJCC 8th edition" in rule.annotation, rule.id
