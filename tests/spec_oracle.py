"""An independent, literal reading of ``shared/spec/decision-model.md``.

Tests compare the shipped workbook against this oracle over the whole input
space, so a cell edit that departs from the specification is caught. It is
test code only: the runtime never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TARGETABLE = {"BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion"}
IVB_T = {"T3b", "T4", "T4a", "T4b"}
IVA_T = {"T1", "T1a", "T1b", "T2", "T3", "T3a"}
N_POSITIVE = {"N1", "N1a", "N1b"}


class StageConflict(Exception):
    """The given stage disagrees with the stage TNM decides."""


def tnm_stage(t: str | None, n: str | None, m: str | None) -> str:
    if m == "M1":
        return "IVC"
    if m == "M0":
        if t in IVB_T or n in N_POSITIVE:
            return "IVB"
        if t in IVA_T and n in {"N0", "NX"}:
            return "IVA"
    return "unknown"


def decide(case: Mapping[str, Any]) -> dict[str, Any]:
    """Return the seven output codes for a normalised case (None = missing)."""
    g = case.get
    derived = tnm_stage(g("t_category"), g("n_category"), g("m_category"))
    given = g("stage")
    if given is not None and derived != "unknown" and derived != given:
        raise StageConflict(f"{given} vs {derived}")
    stage = given if given is not None else derived
    pref = g("patient_preference") or "undecided"
    alteration = g("targetable_alteration") or "not_tested"
    targetable = alteration in TARGETABLE
    dx = g("diagnosis_confirmed") is True
    resectable = g("resectable")
    trial = g("clinical_trial_available")
    airway = g("airway_compromise") is True

    if not dx:
        pathway = "diagnostic_workup"
    elif pref == "palliative_care":
        pathway = "palliative_care"
    elif stage == "unknown":
        pathway = "staging_workup"
    elif stage in {"IVA", "IVB"} and resectable is None:
        pathway = "resectability_assessment"
    elif stage in {"IVA", "IVB"} and resectable is True:
        pathway = "multimodal_curative_intent"
    elif stage in {"IVA", "IVB"}:
        pathway = "chemoradiotherapy"
    elif pref == "undecided":
        pathway = "clinical_trial_or_palliative"
    elif trial is True:
        pathway = "clinical_trial"
    else:
        pathway = "systemic_therapy"

    workups = {"diagnostic_workup", "staging_workup", "resectability_assessment"}
    if pathway == "multimodal_curative_intent":
        surgery = "total_thyroidectomy_with_neck_dissection"
    elif pathway not in workups and airway:
        surgery = "palliative_airway_surgery"
    else:
        surgery = "none"

    radiotherapy = {
        "multimodal_curative_intent": "adjuvant_ebrt",
        "chemoradiotherapy": "definitive_ebrt",
    }.get(pathway, "none")

    if pathway == "multimodal_curative_intent":
        systemic = "chemotherapy"
    elif pathway in {"chemoradiotherapy", "systemic_therapy"}:
        systemic = "targeted_therapy" if targetable else "chemotherapy"
    elif pathway == "clinical_trial":
        systemic = "clinical_trial"
    elif pathway == "clinical_trial_or_palliative":
        systemic = "pending_patient_decision"
    else:
        systemic = "none"

    if targetable or alteration == "none":
        molecular = "completed"
    elif pathway in {"chemoradiotherapy", "clinical_trial_or_palliative", "clinical_trial", "systemic_therapy"}:
        molecular = "recommended"
    else:
        molecular = "not_required"

    actions: list[str] = []
    if pathway == "diagnostic_workup":
        actions += ["neck_ct", "tissue_biopsy"]
    if pathway == "staging_workup":
        actions.append("pet_ct_staging")
    if pathway == "resectability_assessment":
        actions.append("ct_resectability_assessment")
    if airway:
        actions.append("secure_airway")
    if dx:
        actions += [
            "multidisciplinary_team",
            "urgent_treatment_planning",
            "prognostic_counseling",
            "no_radioactive_iodine",
            "supportive_care",
        ]
        if pathway in {"multimodal_curative_intent", "chemoradiotherapy", "systemic_therapy"} and trial is not False:
            actions.append("consider_clinical_trial")
        if stage == "IVC" or pathway == "chemoradiotherapy":
            actions.append("avoid_aggressive_surgery")
        if pathway == "chemoradiotherapy" and targetable:
            actions.append("reassess_resectability_after_response")

    return {
        "stage": stage,
        "pathway": pathway,
        "surgery": surgery,
        "radiotherapy": radiotherapy,
        "systemic_therapy": systemic,
        "molecular_testing": molecular,
        "actions": actions,
    }
