"""The shipped model's input space, value by value as the spec lists it: tests and benchmarks sweep it."""

from __future__ import annotations

import itertools
from typing import Any

MISSING = object()  # the input is left out of the case
# The inputs in the order the model's Glossary lists them: the columns of a cohort file.
INPUT_NAMES = (
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
)

MAIN_DOMAINS: dict[str, tuple[Any, ...]] = {
    "diagnosis_confirmed": (True, False, MISSING),
    "stage": ("IVA", "IVB", "IVC", MISSING),
    "resectable": (True, False, MISSING),
    "patient_preference": ("active_treatment", "palliative_care", "undecided", MISSING),
    "airway_compromise": (True, False, MISSING),
    "targetable_alteration": ("BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion", "none", "not_tested", MISSING),
    "clinical_trial_available": (True, False, MISSING),
}
T_VALUES = ("T1", "T1a", "T1b", "T2", "T3", "T3a", "T3b", "T4", "T4a", "T4b", MISSING)
N_VALUES = ("N0", "N1", "N1a", "N1b", "NX", MISSING)
M_VALUES = ("M0", "M1", MISSING)
STAGE_VALUES = ("IVA", "IVB", "IVC", MISSING)


def _case(pairs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not MISSING}


def main_cases() -> list[dict[str, Any]]:
    """Every combination of the spec's seven main inputs, each also missing (9,072 cases)."""
    keys = list(MAIN_DOMAINS)
    return [_case(dict(zip(keys, combo))) for combo in itertools.product(*MAIN_DOMAINS.values())]


def tnm_cases() -> list[dict[str, Any]]:
    """Every T x N x M combination (each also missing), without and with each given stage (792 cases)."""
    cases = []
    for t, n, m, stage in itertools.product(T_VALUES, N_VALUES, M_VALUES, STAGE_VALUES):
        cases.append(
            _case(
                {
                    "diagnosis_confirmed": True,
                    "t_category": t,
                    "n_category": n,
                    "m_category": m,
                    "stage": stage,
                    "patient_preference": "active_treatment",
                    "resectable": False,
                }
            )
        )
    return cases


def stage_fit_cases() -> list[dict[str, Any]]:
    """Every recorded stage (or none) beside every T x N x M, each also missing, before the diagnosis (792 cases).

    The diagnosis and the airway status are left unknown, so a stage the TNM rules out must be refused
    even here, and every other case answers with the work-up (and the airway assessment).
    """
    return [
        _case({"t_category": t, "n_category": n, "m_category": m, "stage": stage, "resectable": True})
        for t, n, m, stage in itertools.product(T_VALUES, N_VALUES, M_VALUES, STAGE_VALUES)
    ]


def all_cases() -> dict[str, list[dict[str, Any]]]:
    """Every case space the agreement tests sweep, by name."""
    return {"main": main_cases(), "tnm": tnm_cases(), "stage_fit": stage_fit_cases()}
