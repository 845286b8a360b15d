"""An independent, literal reading of ``shared/spec/decision-model.md`` (model version 1.1.0).

Tests compare the shipped workbook against this oracle over the whole input
space, so a cell edit that departs from the specification is caught. It is
written from the spec alone, never from the workbook, and it is test code
only: the runtime never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MODEL_VERSION = "1.1.0"

STAGES = frozenset({"IVA", "IVB", "IVC"})
INPUTS = frozenset(
    {
        "diagnosis_confirmed",
        "stage",
        "t_category",
        "n_category",
        "m_category",
        "resectable",
        "patient_preference",
        "airway_compromise",
        "targetable_alteration",
        "clinical_trial_available",
    }
)
TARGETABLE = frozenset({"BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion"})
IVB_T = frozenset({"T3b", "T4", "T4a", "T4b"})
IVA_T = frozenset({"T1", "T1a", "T1b", "T2", "T3", "T3a"})
N_POSITIVE = frozenset({"N1", "N1a", "N1b"})
N_NEGATIVE = frozenset({"N0", "NX"})

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
WORKUPS = frozenset({"diagnostic_workup", "staging_workup", "resectability_assessment"})
# The spec's "Actions" table, in its order.
ACTIONS = (
    "neck_ct",
    "tissue_biopsy",
    "pet_ct_staging",
    "ct_resectability_assessment",
    "assess_airway",
    "secure_airway",
    "multidisciplinary_team",
    "urgent_treatment_planning",
    "prognostic_counseling",
    "no_radioactive_iodine",
    "supportive_care",
    "consider_clinical_trial",
    "avoid_aggressive_surgery",
    "reassess_resectability_after_response",
)
PRE_DIAGNOSIS_ACTIONS = frozenset({"neck_ct", "tissue_biopsy", "assess_airway", "secure_airway"})
# The spec's output codes, output by output.
CODES: dict[str, frozenset[str]] = {
    "stage": STAGES | {"unknown"},
    "pathway": frozenset(PATHWAYS),
    "surgery": frozenset({"total_thyroidectomy_with_neck_dissection", "palliative_airway_surgery", "none"}),
    "radiotherapy": frozenset({"adjuvant_ebrt", "definitive_ebrt", "none"}),
    "systemic_therapy": frozenset(
        {"chemotherapy", "targeted_therapy", "clinical_trial", "pending_patient_decision", "none"}
    ),
    "molecular_testing": frozenset({"recommended", "completed", "not_required"}),
    "actions": frozenset(ACTIONS),
}


class StageConflict(Exception):
    """The recorded stage is one that the T, N and M given rule out: an input error naming ``stage``."""

    field = "stage"

    def __init__(self, given: str, allowed: frozenset[str], tnm: dict[str, str]) -> None:
        self.given = given
        self.allowed = allowed
        self.tnm = tnm
        super().__init__(f"stage {given} is ruled out by {tnm} (allowed: {sorted(allowed)})")


def tnm_stage(t: str | None, n: str | None, m: str | None) -> str:
    """The stage that T, N and M decide on their own (AJCC 8th), or ``unknown``."""
    if m == "M1":
        return "IVC"
    if m == "M0":
        if t in IVB_T or n in N_POSITIVE:
            return "IVB"
        if t in IVA_T and n in N_NEGATIVE:
            return "IVA"
    return "unknown"


def stages_allowed(t: str | None, n: str | None, m: str | None) -> frozenset[str]:
    """The recorded stages that T, N and M (each possibly missing) still allow: the spec's three rules."""
    allowed = set(STAGES)
    if m == "M1":
        allowed &= {"IVC"}
    if m == "M0":
        allowed.discard("IVC")
    if t in IVB_T or n in N_POSITIVE:
        allowed.discard("IVA")
    if m == "M0" and t in IVA_T and n in N_NEGATIVE:
        allowed &= {"IVA"}
    return frozenset(allowed)


def decide(case: Mapping[str, Any]) -> dict[str, Any]:
    """The seven output codes for a normalised case (None = missing), or :class:`StageConflict`."""
    g = case.get
    t, n, m = g("t_category"), g("n_category"), g("m_category")
    given = g("stage")
    if given is not None:
        allowed = stages_allowed(t, n, m)
        if given not in allowed:
            tnm = {k: v for k, v in (("t_category", t), ("n_category", n), ("m_category", m)) if v is not None}
            raise StageConflict(given, allowed, tnm)
        stage = given
    else:
        stage = tnm_stage(t, n, m)
    pref = g("patient_preference") or "undecided"
    alteration = g("targetable_alteration") or "not_tested"
    targetable = alteration in TARGETABLE
    dx = g("diagnosis_confirmed") is True
    resectable = g("resectable")
    trial = g("clinical_trial_available")
    airway = g("airway_compromise")

    if not dx:
        pathway = "diagnostic_workup"
    elif pref == "palliative_care":
        pathway = "palliative_care"
    elif stage == "unknown":
        pathway = "staging_workup"
    elif stage in {"IVA", "IVB"} and resectable is None:
        pathway = "resectability_assessment"
    elif stage in {"IVA", "IVB"} and resectable is True:
        pathway = "multimodal_therapy"
    elif stage in {"IVA", "IVB"}:
        pathway = "chemoradiotherapy"
    elif pref == "undecided":
        pathway = "clinical_trial_or_palliative"
    elif trial is True:
        pathway = "clinical_trial"
    else:
        pathway = "systemic_therapy"

    if pathway == "multimodal_therapy":
        surgery = "total_thyroidectomy_with_neck_dissection"
    elif pathway not in WORKUPS and airway is True:
        surgery = "palliative_airway_surgery"
    else:
        surgery = "none"

    radiotherapy = {"multimodal_therapy": "adjuvant_ebrt", "chemoradiotherapy": "definitive_ebrt"}.get(pathway, "none")

    if pathway == "multimodal_therapy":
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
    if airway is None:
        actions.append("assess_airway")
    if airway is True:
        actions.append("secure_airway")
    if dx:
        actions += [
            "multidisciplinary_team",
            "urgent_treatment_planning",
            "prognostic_counseling",
            "no_radioactive_iodine",
            "supportive_care",
        ]
        if pathway in {"multimodal_therapy", "chemoradiotherapy", "systemic_therapy"} and trial is not False:
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


def expected_outcome(case: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the spec answers for a normalised case, in a comparable form.

    ``("ok", ((output, code), ...))`` with the actions as a sorted tuple (the spec
    fixes no order), or ``("refused", "stage")``.
    """
    try:
        decision = decide(case)
    except StageConflict as conflict:
        return ("refused", conflict.field)
    return ("ok", comparable(decision))


def comparable(decision: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A decision as sorted (output, code) pairs, the action list sorted: what the spec fixes."""
    return tuple(sorted((k, tuple(sorted(v)) if isinstance(v, list | tuple) else v) for k, v in decision.items()))
