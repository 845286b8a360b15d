"""Every rule of the shipped workbook, checked against the specification.

The rule list comes from the workbook itself, so a rule a clinician adds is
covered without editing this file: it must fire for some case of the input
space, and the answer for that case must be what the spec says
(``tests/spec_oracle.py`` is a literal reading of it). Readable cases below
then walk the spec line by line.
"""

from __future__ import annotations

from typing import Any

import input_space
import pytest
from spec_oracle import ACTIONS, PRE_DIAGNOSIS_ACTIONS, StageConflict, decide

from atc_dmn import InputError, load_model

_MODEL = load_model()
RULES = [(t.name, r.id) for t in _MODEL.model.tables for r in t.rules]
CHECK_VARIABLES = {v.name for v in _MODEL.model.variables_with_role("check")}

ALWAYS_WHEN_CONFIRMED = {
    "multidisciplinary_team",
    "urgent_treatment_planning",
    "prognostic_counseling",
    "no_radioactive_iodine",
    "supportive_care",
}
TARGETABLE = ("BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion")
DX = {"diagnosis_confirmed": True}


def assert_as_specified(decision: dict[str, Any], case: dict[str, Any]) -> None:
    expected = decide(case)
    single = {k: v for k, v in expected.items() if k != "actions"}
    assert {k: decision[k] for k in single} == single, case
    assert sorted(decision["actions"]) == sorted(expected["actions"]), case


def fired(result, table: str) -> list[str]:
    return [r.id for step in result.trace if step.table == table for r in step.rules]


def citations(result, table: str) -> list[int]:
    return sorted({n for step in result.trace if step.table == table for r in step.rules for n in r.citations})


# -- every rule of every table ----------------------------------------------------


@pytest.fixture(scope="module")
def rule_examples(
    model, main_cases, tnm_cases, stage_fit_cases
) -> dict[tuple[str, str], tuple[dict[str, Any], Exception | None]]:
    """For each (table, rule id): the first case of the input space that fires it (and its refusal, if any)."""
    found: dict[tuple[str, str], tuple[dict[str, Any], Exception | None]] = {}
    refusing = [
        (t.name, r.id)
        for t in model.model.tables
        for r in t.rules
        if any(c.variable in CHECK_VARIABLES and r.outputs[j] != "none" for j, c in enumerate(t.outputs))
    ]
    for case in [*main_cases, *tnm_cases, *stage_fit_cases]:
        try:
            result = model.evaluate(case)
        except InputError as error:
            # A refusing rule is named in the error, with its table.
            for table, rid in refusing:
                if f"rule {rid} of table '{table}'" in str(error):
                    found.setdefault((table, rid), (case, error))
            continue
        for step in result.trace:
            for rule in step.rules:
                found.setdefault((step.table, rule.id), (case, None))
    return found


def test_the_workbook_has_the_spec_tables(model):
    names = [t.name for t in model.model.tables]
    for needed in ("Stage", "Pathway", "Surgery", "Radiotherapy", "Actions"):
        assert needed in names
    assert any("Systemic" in n for n in names) and any("Molecular" in n for n in names)
    assert len(RULES) == len(set(RULES)), "rule ids must be unique within a table"


@pytest.mark.parametrize(("table", "rule_id"), RULES, ids=[f"{t}-{r}" for t, r in RULES])
def test_rule_fires_and_answers_as_specified(model, rule_examples, table, rule_id):
    assert (table, rule_id) in rule_examples, f"no case of the input space fires {table} {rule_id}"
    case, refusal = rule_examples[(table, rule_id)]
    if refusal is not None:
        with pytest.raises(StageConflict):
            decide(case)
        assert isinstance(refusal, InputError) and refusal.field == "stage"
        return
    result = model.evaluate(case)
    assert rule_id in fired(result, table)
    assert_as_specified(result.decision, case)


@pytest.mark.parametrize(("table", "rule_id"), RULES, ids=[f"{t}-{r}" for t, r in RULES])
def test_rule_has_id_annotation_and_citations(model, table, rule_id):
    rule = next(r for t in model.model.tables if t.name == table for r in t.rules if r.id == rule_id)
    assert rule.annotation.strip(), f"{table} {rule_id} has no annotation"
    seed = [n for n in rule.citations if isinstance(n, int)]
    assert set(seed) <= set(range(1, 8)), "the seed cites [1]-[7] only"
    if not seed:
        # What the source does not say is the model's own, says so, and cites no seed number (spec 1.1.0).
        assert "model's own" in rule.annotation, f"{table} {rule_id} cites no seed number and is not the model's own"


def test_the_staging_rules_are_the_models_own_and_cite_no_seed_number(model):
    # AJCC 8th edition staging is the model's own, not the seed's (the AJCC manual is the model's own source).
    (table,) = [t for t in model.model.tables if "TNM" in t.name]
    assert [(r.id, r.citations) for r in table.rules if any(isinstance(n, int) for n in r.citations)] == []


# -- the whole input space --------------------------------------------------------


def test_runtime_matches_spec_over_main_input_space(model, main_cases):
    assert len(main_cases) == 9072
    for case in main_cases:
        assert_as_specified(model.evaluate(case).decision, case)


TNM_SPACE = len(input_space.T_VALUES) * len(input_space.N_VALUES) * len(input_space.M_VALUES)


@pytest.mark.parametrize("space", ["tnm_cases", "stage_fit_cases"])
def test_runtime_matches_spec_over_tnm_space(model, request, space):
    cases = request.getfixturevalue(space)
    assert len(cases) == TNM_SPACE * len(input_space.STAGE_VALUES) == (10 + 1) * (5 + 1) * (2 + 1) * (3 + 1)
    conflicts = agreements = 0
    for case in cases:
        try:
            decide(case)
        except StageConflict:
            conflicts += 1
            with pytest.raises(InputError) as info:
                model.evaluate(case)
            assert info.value.field == "stage", case
            continue
        agreements += 1
        assert_as_specified(model.evaluate(case).decision, case)
    assert conflicts and agreements


def test_actions_never_repeat(model, main_cases, tnm_cases, stage_fit_cases):
    for case in main_cases:
        actions = model.evaluate(case).decision["actions"]
        assert len(actions) == len(set(actions)), case
        assert set(actions) <= set(ACTIONS), case
    for case in [*tnm_cases, *stage_fit_cases]:
        try:
            actions = model.evaluate(case).decision["actions"]
        except InputError:
            continue
        assert len(actions) == len(set(actions)), case


def test_only_workup_and_airway_actions_before_diagnosis(model, main_cases):
    unconfirmed = [c for c in main_cases if c.get("diagnosis_confirmed") is not True]
    dx_values = input_space.MAIN_DOMAINS["diagnosis_confirmed"]
    assert len(unconfirmed) == len(main_cases) * (len(dx_values) - 1) // len(dx_values) > 0
    for case in unconfirmed:
        result = model.evaluate(case)
        assert set(result.decision["actions"]) <= PRE_DIAGNOSIS_ACTIONS, case
        assert result.decision["pathway"] == "diagnostic_workup"


# -- the spec, line by line: pathway (first matching rule wins) -------------------

PATHWAY_CASES = [
    # (spec rule, case, pathway, citations of the pathway rule)
    (1, {}, "diagnostic_workup", [7]),
    (
        1,
        {"diagnosis_confirmed": False, "stage": "IVC", "patient_preference": "palliative_care"},
        "diagnostic_workup",
        [7],
    ),
    (1, {"stage": "IVA", "resectable": True}, "diagnostic_workup", [7]),
    (2, {**DX, "patient_preference": "palliative_care"}, "palliative_care", [2, 6]),
    (2, {**DX, "patient_preference": "palliative_care", "stage": "IVA", "resectable": True}, "palliative_care", [2, 6]),
    (3, DX, "staging_workup", [7]),
    (3, {**DX, "patient_preference": "active_treatment", "resectable": True}, "staging_workup", [7]),
    (4, {**DX, "stage": "IVA"}, "resectability_assessment", [7]),
    (4, {**DX, "stage": "IVB", "patient_preference": "active_treatment"}, "resectability_assessment", [7]),
    (5, {**DX, "stage": "IVA", "resectable": True}, "multimodal_therapy", [1, 2]),
    (
        5,
        {**DX, "stage": "IVB", "resectable": True, "clinical_trial_available": True},
        "multimodal_therapy",
        [1, 2],
    ),
    (6, {**DX, "stage": "IVA", "resectable": False}, "chemoradiotherapy", [1, 2]),
    (
        6,
        {**DX, "stage": "IVB", "resectable": False, "patient_preference": "active_treatment"},
        "chemoradiotherapy",
        [1, 2],
    ),
    (7, {**DX, "stage": "IVC"}, "clinical_trial_or_palliative", [2]),
    (
        7,
        {**DX, "stage": "IVC", "patient_preference": "undecided", "resectable": True},
        "clinical_trial_or_palliative",
        [2],
    ),
    (
        8,
        {**DX, "stage": "IVC", "patient_preference": "active_treatment", "clinical_trial_available": True},
        "clinical_trial",
        [1, 2, 6],
    ),
    (
        9,
        {**DX, "stage": "IVC", "patient_preference": "active_treatment", "clinical_trial_available": False},
        "systemic_therapy",
        [1, 3, 4],
    ),
    (9, {**DX, "stage": "IVC", "patient_preference": "active_treatment"}, "systemic_therapy", [1, 3, 4]),
]


@pytest.mark.parametrize(("rule", "case", "pathway", "cites"), PATHWAY_CASES)
def test_pathway_rule(model, rule, case, pathway, cites):
    result = model.evaluate(case)
    assert result.decision["pathway"] == pathway
    assert citations(result, "Pathway") == cites
    assert len(fired(result, "Pathway")) == 1
    assert_as_specified(result.decision, case)


# -- surgery, radiotherapy, systemic therapy, molecular testing --------------------

IVB_RESECTABLE = {**DX, "stage": "IVB", "resectable": True}
IVB_UNRESECTABLE = {**DX, "stage": "IVB", "resectable": False}
IVC_ACTIVE = {**DX, "stage": "IVC", "patient_preference": "active_treatment"}
PATHWAY_EXAMPLES = {
    "diagnostic_workup": {"diagnosis_confirmed": False},
    "staging_workup": DX,
    "resectability_assessment": {**DX, "stage": "IVA"},
    "multimodal_therapy": IVB_RESECTABLE,
    "chemoradiotherapy": IVB_UNRESECTABLE,
    "clinical_trial_or_palliative": {**DX, "stage": "IVC"},
    "clinical_trial": {**IVC_ACTIVE, "clinical_trial_available": True},
    "systemic_therapy": {**IVC_ACTIVE, "clinical_trial_available": False},
    "palliative_care": {**DX, "stage": "IVC", "patient_preference": "palliative_care"},
}
WORKUPS = ("diagnostic_workup", "staging_workup", "resectability_assessment")


@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_pathway_examples_reach_their_pathway(model, pathway):
    assert model.evaluate(PATHWAY_EXAMPLES[pathway]).decision["pathway"] == pathway


@pytest.mark.parametrize("airway", [True, False, None])
@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_surgery_lines(model, pathway, airway):
    case = {**PATHWAY_EXAMPLES[pathway], "airway_compromise": airway}
    result = model.evaluate(case)
    surgery = result.decision["surgery"]
    if pathway == "multimodal_therapy":
        assert surgery == "total_thyroidectomy_with_neck_dissection"
        assert citations(result, "Surgery") == [1]
    elif pathway not in WORKUPS and airway is True:
        assert surgery == "palliative_airway_surgery"
        assert citations(result, "Surgery") == [4]
    else:
        assert surgery == "none"
    assert_as_specified(result.decision, case)


@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_radiotherapy_lines(model, pathway):
    result = model.evaluate(PATHWAY_EXAMPLES[pathway])
    expected = {"multimodal_therapy": "adjuvant_ebrt", "chemoradiotherapy": "definitive_ebrt"}
    assert result.decision["radiotherapy"] == expected.get(pathway, "none")
    if pathway in expected:
        assert citations(result, "Radiotherapy") == [1, 2]


@pytest.mark.parametrize("alteration", [*TARGETABLE, "none", "not_tested", None])
@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_systemic_therapy_lines(model, pathway, alteration):
    case = {**PATHWAY_EXAMPLES[pathway], "targetable_alteration": alteration}
    result = model.evaluate(case)
    systemic = result.decision["systemic_therapy"]
    table = next(t.name for t in model.model.tables if "Systemic" in t.name)
    if pathway == "multimodal_therapy":
        assert (systemic, citations(result, table)) == ("chemotherapy", [1, 2])
    elif pathway in ("chemoradiotherapy", "systemic_therapy") and alteration in TARGETABLE:
        assert (systemic, citations(result, table)) == ("targeted_therapy", [4])
    elif pathway in ("chemoradiotherapy", "systemic_therapy"):
        assert (systemic, citations(result, table)) == ("chemotherapy", [1])
    elif pathway == "clinical_trial":
        assert (systemic, citations(result, table)) == ("clinical_trial", [1, 2])
    elif pathway == "clinical_trial_or_palliative":
        assert (systemic, citations(result, table)) == ("pending_patient_decision", [2])
    else:
        assert systemic == "none"


def test_chemotherapy_wording_carries_the_seed_facts(model):
    text = model.evaluate(IVB_UNRESECTABLE).text["systemic_therapy"].lower()
    for fact in ("doxorubicin", "cisplatin", "paclitaxel", "bleomycin", "response"):
        assert fact in text


@pytest.mark.parametrize("alteration", [*TARGETABLE, "none", "not_tested", None])
@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_molecular_testing_lines(model, pathway, alteration):
    case = {**PATHWAY_EXAMPLES[pathway], "targetable_alteration": alteration}
    result = model.evaluate(case)
    molecular = result.decision["molecular_testing"]
    if alteration in TARGETABLE or alteration == "none":
        assert molecular == "completed"
    elif pathway in ("chemoradiotherapy", "clinical_trial_or_palliative", "clinical_trial", "systemic_therapy"):
        assert molecular == "recommended"
        table = next(t.name for t in model.model.tables if "Molecular" in t.name)
        assert citations(result, table) == [4, 6]
    else:
        assert molecular == "not_required"


# -- actions (collect every matching code) ------------------------------------------

ACTION_CITATIONS = {
    "neck_ct": [7],
    "tissue_biopsy": [7],
    "pet_ct_staging": [7],
    "ct_resectability_assessment": [7],
    "assess_airway": [1],
    "secure_airway": [1],
    "multidisciplinary_team": [2, 6],
    "urgent_treatment_planning": [6, 7],
    "prognostic_counseling": [6],
    "no_radioactive_iodine": [1],
    "supportive_care": [6],
    "consider_clinical_trial": [1, 2, 6],
    "avoid_aggressive_surgery": [1, 2],
    "reassess_resectability_after_response": [4],
}


def action_citations(result) -> dict[str, list[int]]:
    """Each collected action code and the citations of the rule that produced it."""
    step = next(s for s in result.trace if s.table == "Actions")
    codes = result.decision["actions"]
    assert len(step.rules) == len(codes)
    return {code: sorted(rule.citations) for code, rule in zip(codes, step.rules)}


def test_actions_of_the_diagnostic_workup(model):
    result = model.evaluate({})
    assert sorted(result.decision["actions"]) == ["assess_airway", "neck_ct", "tissue_biopsy"]
    result = model.evaluate({"diagnosis_confirmed": False, "airway_compromise": True, "stage": "IVC"})
    assert sorted(result.decision["actions"]) == ["neck_ct", "secure_airway", "tissue_biopsy"]
    result = model.evaluate({"diagnosis_confirmed": False, "airway_compromise": False})
    assert sorted(result.decision["actions"]) == ["neck_ct", "tissue_biopsy"]


@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_actions_lines(model, pathway):
    case = PATHWAY_EXAMPLES[pathway]
    result = model.evaluate(case)
    actions = set(result.decision["actions"])
    assert ("neck_ct" in actions) == (pathway == "diagnostic_workup")
    assert ("tissue_biopsy" in actions) == (pathway == "diagnostic_workup")
    assert ("pet_ct_staging" in actions) == (pathway == "staging_workup")
    assert ("ct_resectability_assessment" in actions) == (pathway == "resectability_assessment")
    assert ("assess_airway" in actions) == (case.get("airway_compromise") is None)
    confirmed = case.get("diagnosis_confirmed") is True
    assert (actions >= ALWAYS_WHEN_CONFIRMED) == confirmed
    assert not (ALWAYS_WHEN_CONFIRMED & actions) or confirmed
    trial_line = pathway in ("multimodal_therapy", "chemoradiotherapy", "systemic_therapy")
    assert ("consider_clinical_trial" in actions) == (trial_line and case.get("clinical_trial_available") is not False)
    assert ("avoid_aggressive_surgery" in actions) == (case.get("stage") == "IVC" or pathway == "chemoradiotherapy")
    assert "reassess_resectability_after_response" not in actions  # not targetable here
    for code, cites in action_citations(result).items():
        assert cites == ACTION_CITATIONS[code], code


@pytest.mark.parametrize("trial", [True, False, None])
@pytest.mark.parametrize("pathway", ["multimodal_therapy", "chemoradiotherapy"])
def test_consider_clinical_trial_unless_none_is_open(model, pathway, trial):
    case = {**PATHWAY_EXAMPLES[pathway], "clinical_trial_available": trial}
    actions = model.evaluate(case).decision["actions"]
    assert ("consider_clinical_trial" in actions) == (trial is not False)


@pytest.mark.parametrize("airway", [True, False, None])
@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_assess_or_secure_airway_on_any_pathway(model, pathway, airway):
    case = {**PATHWAY_EXAMPLES[pathway], "airway_compromise": airway}
    result = model.evaluate(case)
    assert ("secure_airway" in result.decision["actions"]) == (airway is True)
    assert ("assess_airway" in result.decision["actions"]) == (airway is None)
    if airway is True:
        assert action_citations(result)["secure_airway"] == [1]
    if airway is None:
        assert action_citations(result)["assess_airway"] == [1]


@pytest.mark.parametrize("alteration", [*TARGETABLE, "none", "not_tested"])
def test_reassess_resectability_after_targeted_response(model, alteration):
    result = model.evaluate({**IVB_UNRESECTABLE, "targetable_alteration": alteration})
    actions = result.decision["actions"]
    assert ("reassess_resectability_after_response" in actions) == (alteration in TARGETABLE)
    if alteration in TARGETABLE:
        assert action_citations(result)["reassess_resectability_after_response"] == [4]
    # Only on chemoradiotherapy: not on systemic therapy with the same alteration.
    other = model.evaluate({**IVC_ACTIVE, "clinical_trial_available": False, "targetable_alteration": alteration})
    assert "reassess_resectability_after_response" not in other.decision["actions"]


def test_avoid_aggressive_surgery_on_stage_ivc_even_in_palliative_care(model):
    result = model.evaluate(PATHWAY_EXAMPLES["palliative_care"])
    assert "avoid_aggressive_surgery" in result.decision["actions"]
    assert action_citations(result)["avoid_aggressive_surgery"] == [1, 2]
    result = model.evaluate({**DX, "stage": "IVB", "patient_preference": "palliative_care"})
    assert "avoid_aggressive_surgery" not in result.decision["actions"]


# -- defaults ---------------------------------------------------------------------


NO_PREFERENCE = {k: v for k, v in PATHWAY_EXAMPLES.items() if "patient_preference" not in v}


@pytest.mark.parametrize("base", list(NO_PREFERENCE.values()), ids=list(NO_PREFERENCE))
def test_missing_preference_means_undecided(model, base):
    missing = model.evaluate(base)
    assert missing.inputs["patient_preference"] == "undecided"
    assert missing.decision == model.evaluate({**base, "patient_preference": "undecided"}).decision
    assert missing.decision == model.evaluate({**base, "patient_preference": None}).decision


@pytest.mark.parametrize("pathway", list(PATHWAY_EXAMPLES))
def test_missing_alteration_means_not_tested(model, pathway):
    base = PATHWAY_EXAMPLES[pathway]
    missing = model.evaluate(base)
    assert missing.inputs["targetable_alteration"] == "not_tested"
    assert missing.decision == model.evaluate({**base, "targetable_alteration": "not_tested"}).decision
    assert missing.decision == model.evaluate({**base, "targetable_alteration": None}).decision


def test_missing_resectable_is_unknown_not_false(model):
    result = model.evaluate({**DX, "stage": "IVA"})
    assert result.inputs["resectable"] is None
    assert result.decision["pathway"] == "resectability_assessment"


# -- stage from TNM ---------------------------------------------------------------

IVB_T = ("T3b", "T4", "T4a", "T4b")
IVA_T = ("T1", "T1a", "T1b", "T2", "T3", "T3a")
N_POSITIVE = ("N1", "N1a", "N1b")


def stage_of(model, **tnm: str | None) -> str:
    return model.evaluate({**DX, **{k: v for k, v in tnm.items() if v is not None}}).decision["stage"]


@pytest.mark.parametrize("t", [*IVA_T, *IVB_T, None])
@pytest.mark.parametrize("n", ["N0", "NX", *N_POSITIVE, None])
def test_m1_is_ivc_whatever_t_and_n(model, t, n):
    assert stage_of(model, t_category=t, n_category=n, m_category="M1") == "IVC"


@pytest.mark.parametrize("t", IVB_T)
@pytest.mark.parametrize("n", ["N0", "NX", *N_POSITIVE, None])
def test_m0_with_extrathyroidal_t_is_ivb(model, t, n):
    assert stage_of(model, t_category=t, n_category=n, m_category="M0") == "IVB"


@pytest.mark.parametrize("t", [*IVA_T, None])
@pytest.mark.parametrize("n", N_POSITIVE)
def test_m0_with_nodes_is_ivb(model, t, n):
    assert stage_of(model, t_category=t, n_category=n, m_category="M0") == "IVB"


@pytest.mark.parametrize("t", IVA_T)
@pytest.mark.parametrize("n", ["N0", "NX"])
def test_m0_intrathyroidal_node_negative_is_iva(model, t, n):
    assert stage_of(model, t_category=t, n_category=n, m_category="M0") == "IVA"


@pytest.mark.parametrize(
    "tnm",
    [
        {},
        {"t_category": "T1", "n_category": "N0"},  # M missing: metastasis not excluded
        {"t_category": "T4", "n_category": "N1"},  # M missing, even with IVB-looking T and N
        {"t_category": "T2", "m_category": "M0"},  # N missing
        {"n_category": "N0", "m_category": "M0"},  # T missing
        {"n_category": "NX", "m_category": "M0"},
        {"m_category": "M0"},
    ],
)
def test_too_little_tnm_is_unknown(model, tnm):
    result = model.evaluate({**DX, **tnm})
    assert result.decision["stage"] == "unknown"
    assert result.decision["pathway"] == "staging_workup"
    assert "pet_ct_staging" in result.decision["actions"]


@pytest.mark.parametrize("stage", ["IVA", "IVB", "IVC"])
def test_given_stage_is_used_when_tnm_is_silent(model, stage):
    assert model.evaluate({**DX, "stage": stage}).decision["stage"] == stage


FITTING_INCOMPLETE_TNM = [
    # A recorded stage that an incomplete TNM still allows is used (spec 1.1.0).
    ("IVA", {"t_category": "T2"}),  # nothing rules IVA out without N1 or an extrathyroidal T
    ("IVA", {"t_category": "T1", "n_category": "N0"}),  # M missing: not yet "only IVA"
    ("IVA", {"n_category": "NX", "m_category": "M0"}),  # T missing
    ("IVA", {"t_category": "T3a", "m_category": "M0"}),  # N missing
    ("IVB", {"m_category": "M0"}),
    ("IVB", {"t_category": "T4"}),
    ("IVB", {"n_category": "N1"}),
    ("IVB", {"t_category": "T1", "m_category": "M0"}),
    ("IVC", {"t_category": "T4", "n_category": "N1"}),  # M missing: IVC still possible
    ("IVC", {"t_category": "T1", "n_category": "N0"}),
]


@pytest.mark.parametrize(("stage", "tnm"), FITTING_INCOMPLETE_TNM)
def test_given_stage_that_an_incomplete_tnm_allows_is_used(model, stage, tnm):
    case = {**DX, "stage": stage, **tnm}
    assert model.evaluate(case).decision["stage"] == stage
    assert_as_specified(model.evaluate(case).decision, case)


@pytest.mark.parametrize(
    ("stage", "tnm"),
    [
        ("IVA", {"t_category": "T2", "n_category": "N0", "m_category": "M0"}),
        ("IVB", {"t_category": "T4a", "n_category": "N0", "m_category": "M0"}),
        ("IVB", {"t_category": "T1", "n_category": "N1b", "m_category": "M0"}),
        ("IVC", {"m_category": "M1"}),
    ],
)
def test_given_stage_agreeing_with_tnm(model, stage, tnm):
    assert model.evaluate({**DX, "stage": stage, **tnm}).decision["stage"] == stage


CONFLICTS = [
    # (recorded stage, TNM, the TNM values that rule it out)
    ("IVA", {"t_category": "T4", "n_category": "N0", "m_category": "M0"}, ["T4"]),
    ("IVA", {"m_category": "M1"}, ["M1"]),
    ("IVB", {"t_category": "T1", "n_category": "N0", "m_category": "M0"}, ["T1", "N0", "M0"]),
    ("IVB", {"t_category": "T2", "m_category": "M1"}, ["M1"]),
    ("IVC", {"t_category": "T3a", "n_category": "NX", "m_category": "M0"}, ["M0"]),
    ("IVC", {"n_category": "N1a", "m_category": "M0"}, ["M0"]),
    # Incomplete TNM (spec 1.1.0): M1 allows only IVC, M0 rules out IVC ...
    ("IVB", {"m_category": "M1"}, ["M1"]),
    ("IVC", {"m_category": "M0"}, ["M0"]),
    ("IVC", {"t_category": "T2", "m_category": "M0"}, ["M0"]),
    # ... and an extrathyroidal T or positive nodes rule out IVA whatever M is.
    ("IVA", {"t_category": "T4"}, ["T4"]),
    ("IVA", {"t_category": "T3b", "n_category": "N0"}, ["T3b"]),
    ("IVA", {"n_category": "N1b"}, ["N1b"]),
    ("IVA", {"t_category": "T1", "n_category": "N1"}, ["N1"]),
    ("IVA", {"t_category": "T4b", "m_category": "M0"}, ["T4b"]),
]


@pytest.mark.parametrize(("given", "tnm", "culprits"), CONFLICTS)
def test_stage_tnm_conflict_is_an_input_error_naming_both(model, given, tnm, culprits):
    with pytest.raises(InputError) as info:
        model.evaluate({**DX, "stage": given, **tnm})
    error = info.value
    assert error.field == "stage"
    assert error.value == given
    message = str(error)
    assert given in message
    for value in culprits:
        assert value in message, (value, message)
    with pytest.raises(StageConflict):
        decide({**DX, "stage": given, **tnm})


@pytest.mark.parametrize(
    "case",
    [
        {"stage": "IVA", "m_category": "M1"},
        {"stage": "IVC", "m_category": "M0"},
        {"stage": "IVA", "t_category": "T4a", "diagnosis_confirmed": False},
    ],
)
def test_conflict_is_refused_even_before_diagnosis(model, case):
    with pytest.raises(InputError) as info:
        model.evaluate(case)
    assert info.value.field == "stage"
