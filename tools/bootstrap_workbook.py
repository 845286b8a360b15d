"""Write the first version of ``decisions/atc_treatment.xlsx``.

The workbook is the source of truth for the clinical logic. This script only
created its first version; it refuses to overwrite an existing file, so it can
never undo a clinician's edits. Use it as a worked example of the format.

    python tools/bootstrap_workbook.py decisions/atc_treatment.xlsx
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from spec_oracle import StageConflict, decide

THIN = Side(style="thin", color="BFBFBF")
DOUBLE = Side(style="double", color="000000")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
OUT_FILL = PatternFill("solid", fgColor="E2EFDA")
VALID_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="top")


def q(*codes: str) -> str:
    return ",".join(f'"{c}"' for c in codes)


T_ALL = ["T1", "T1a", "T1b", "T2", "T3", "T3a", "T3b", "T4", "T4a", "T4b"]
T_IVB = ["T3b", "T4", "T4a", "T4b"]
T_IVA = ["T1", "T1a", "T1b", "T2", "T3", "T3a"]
N_ALL = ["N0", "N1", "N1a", "N1b", "NX"]
N_POS = ["N1", "N1a", "N1b"]
STAGES = ["IVA", "IVB", "IVC"]
PREFS = ["active_treatment", "palliative_care", "undecided"]
ALTERATIONS = ["BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion", "none", "not_tested"]
TARGETABLE = ALTERATIONS[:4]
PATHWAYS = [
    "diagnostic_workup",
    "staging_workup",
    "resectability_assessment",
    "multimodal_curative_intent",
    "chemoradiotherapy",
    "clinical_trial_or_palliative",
    "clinical_trial",
    "systemic_therapy",
    "palliative_care",
]
WORKUPS = PATHWAYS[:3]
BOOL = "true,false,null"
ACTIONS = [
    "neck_ct",
    "tissue_biopsy",
    "pet_ct_staging",
    "ct_resectability_assessment",
    "secure_airway",
    "multidisciplinary_team",
    "urgent_treatment_planning",
    "prognostic_counseling",
    "no_radioactive_iodine",
    "supportive_care",
    "consider_clinical_trial",
    "avoid_aggressive_surgery",
    "reassess_resectability_after_response",
]

MODEL = [
    ("Name", "Anaplastic thyroid cancer treatment"),
    ("Identifier", "atc-treatment"),
    ("Version", "1.0.0"),
    ("Effective date", "2026-11-27"),
    (
        "Description",
        "Work-up, staging, resectability, multimodal therapy, chemoradiotherapy, clinical trials "
        "and palliative care for anaplastic thyroid cancer (ATC).",
    ),
    ("Source", "What is the treatment approach for anaplastic thyroid cancer? (guideline summary, updated 2025-12-17)"),
    (
        "Notice",
        "Decision support for healthcare professionals, not a substitute for clinical judgement. "
        "Any medical decision-making should rely on clinical judgment and independently verified "
        "information; verify against primary literature and current practice standards.",
    ),
]

# (variable, concept, attribute, role, default, meaning)
GLOSSARY = [
    (
        "Diagnosis confirmed",
        "Patient",
        "diagnosis_confirmed",
        "input",
        None,
        "ATC confirmed on tissue (fine-needle aspiration or core biopsy)",
    ),
    ("Stage (given)", None, "stage", "input", None, "AJCC stage as recorded (all ATC is stage IV)"),
    ("T category", None, "t_category", "input", None, "AJCC 8th edition T category"),
    ("N category", None, "n_category", "input", None, "AJCC N category"),
    ("M category", None, "m_category", "input", None, "AJCC M category"),
    (
        "Resectable",
        None,
        "resectable",
        "input",
        None,
        "Complete (R0) resection judged feasible on CT by the surgical team",
    ),
    ("Patient preference", None, "patient_preference", "input", '"undecided"', "The patient's informed goal of care"),
    ("Airway compromise", None, "airway_compromise", "input", None, "Compressive symptoms or a threatened airway"),
    ("Targetable alteration", None, "targetable_alteration", "input", '"not_tested"', "Result of molecular testing"),
    (
        "Clinical trial available",
        None,
        "clinical_trial_available",
        "input",
        None,
        "A suitable clinical trial is open to this patient",
    ),
    ("TNM stage", "Assessment", "tnm_stage", "intermediate", None, "The stage that T, N and M decide"),
    (
        "Input conflict",
        None,
        "input_conflict",
        "check",
        None,
        "Whether the inputs contradict each other; anything but none refuses the case",
    ),
    ("Stage", "Recommendation", "stage", "output", None, "The stage the recommendation is based on"),
    ("Pathway", None, "pathway", "output", None, "The care pathway"),
    ("Surgery", None, "surgery", "output", None, "Surgical recommendation"),
    ("Radiotherapy", None, "radiotherapy", "output", None, "External beam radiotherapy recommendation"),
    ("Systemic therapy", None, "systemic_therapy", "output", None, "Systemic therapy recommendation"),
    ("Molecular testing", None, "molecular_testing", "output", None, "Molecular testing status"),
    ("Actions", None, "actions", "output", None, "Actions to take now"),
]

# Each table: name, hit policy, purpose, inputs [(variable, validity)], outputs [(variable, validity)],
# rules [(id, [input cells], [output cells], rationale, citations)].
TABLES = [
    {
        "name": "TNM Stage",
        "hp": "U",
        "purpose": "Derive the stage from T, N and M (AJCC 8th edition)",
        "inputs": [
            ("T category", q(*T_ALL) + ",null"),
            ("N category", q(*N_ALL) + ",null"),
            ("M category", q("M0", "M1") + ",null"),
        ],
        "outputs": [("TNM stage", q("IVA", "IVB", "IVC", "unknown"))],
        "rules": [
            ("TS1", ["-", "-", '"M1"'], ['"IVC"'], "Distant metastasis (M1) is stage IVC.", "1"),
            (
                "TS2",
                [q(*T_IVB), "-", '"M0"'],
                ['"IVB"'],
                "Extrathyroidal extension (T3b or T4) without distant metastasis is stage IVB.",
                "1",
            ),
            (
                "TS3",
                [f"not({q(*T_IVB)})", q(*N_POS), '"M0"'],
                ['"IVB"'],
                "Nodal disease (N1) without distant metastasis is stage IVB.",
                "1",
            ),
            (
                "TS4",
                [q(*T_IVA), q("N0", "NX"), '"M0"'],
                ['"IVA"'],
                "Intrathyroidal disease (T1 to T3a) without nodal or distant spread is stage IVA.",
                "1",
            ),
            (
                "TS5",
                [q(*T_IVA), "null", '"M0"'],
                ['"unknown"'],
                "T1 to T3a with N unknown: TNM cannot decide between IVA and IVB.",
                "7",
            ),
            (
                "TS6",
                ["null", f"not({q(*N_POS)})", '"M0"'],
                ['"unknown"'],
                "T unknown and no nodal disease known: TNM cannot decide the stage.",
                "7",
            ),
            (
                "TS7",
                ["-", "-", "null"],
                ['"unknown"'],
                "M unknown: distant metastasis has not been excluded, so TNM cannot decide the stage.",
                "7",
            ),
        ],
    },
    {
        "name": "Stage",
        "hp": "U",
        "purpose": "Use the recorded stage, or the TNM stage, and refuse a contradiction",
        "inputs": [("Stage (given)", q(*STAGES) + ",null"), ("TNM stage", q("IVA", "IVB", "IVC", "unknown"))],
        "outputs": [
            ("Stage", q("IVA", "IVB", "IVC", "unknown")),
            ("Input conflict", q("none", "stage_conflicts_with_tnm")),
        ],
        "rules": [
            ("ST1", ["null", '"IVA"'], ['"IVA"', '"none"'], "No stage recorded: the TNM stage IVA is used.", "1"),
            ("ST2", ["null", '"IVB"'], ['"IVB"', '"none"'], "No stage recorded: the TNM stage IVB is used.", "1"),
            ("ST3", ["null", '"IVC"'], ['"IVC"', '"none"'], "No stage recorded: the TNM stage IVC is used.", "1"),
            (
                "ST4",
                ["null", '"unknown"'],
                ['"unknown"', '"none"'],
                "No stage recorded and TNM cannot decide it: the stage is unknown.",
                "7",
            ),
            ("ST5", ['"IVA"', q("IVA", "unknown")], ['"IVA"', '"none"'], "The recorded stage IVA is used.", "1"),
            ("ST6", ['"IVB"', q("IVB", "unknown")], ['"IVB"', '"none"'], "The recorded stage IVB is used.", "1"),
            ("ST7", ['"IVC"', q("IVC", "unknown")], ['"IVC"', '"none"'], "The recorded stage IVC is used.", "1"),
            (
                "ST8",
                ['"IVA"', q("IVB", "IVC")],
                ['"unknown"', '"stage_conflicts_with_tnm"'],
                "The recorded stage IVA contradicts the stage that T, N and M decide.",
                "1",
            ),
            (
                "ST9",
                ['"IVB"', q("IVA", "IVC")],
                ['"unknown"', '"stage_conflicts_with_tnm"'],
                "The recorded stage IVB contradicts the stage that T, N and M decide.",
                "1",
            ),
            (
                "ST10",
                ['"IVC"', q("IVA", "IVB")],
                ['"unknown"', '"stage_conflicts_with_tnm"'],
                "The recorded stage IVC contradicts the stage that T, N and M decide.",
                "1",
            ),
        ],
    },
    {
        "name": "Pathway",
        "hp": "F",
        "purpose": "Choose the care pathway (first matching rule wins)",
        "inputs": [
            ("Diagnosis confirmed", BOOL),
            ("Patient preference", q(*PREFS)),
            ("Stage", q("IVA", "IVB", "IVC", "unknown")),
            ("Resectable", BOOL),
            ("Clinical trial available", BOOL),
        ],
        "outputs": [("Pathway", q(*PATHWAYS))],
        "rules": [
            (
                "PW1",
                ["not(true)", "-", "-", "-", "-"],
                ['"diagnostic_workup"'],
                "ATC is not yet confirmed on tissue: complete the diagnostic work-up first.",
                "7",
            ),
            (
                "PW2",
                ["-", '"palliative_care"', "-", "-", "-"],
                ['"palliative_care"'],
                "The patient's informed choice is exclusive palliative care.",
                "2, 6",
            ),
            (
                "PW3",
                ["-", "-", '"unknown"', "-", "-"],
                ['"staging_workup"'],
                "The stage is unknown: stage with PET/CT to look for distant metastases.",
                "7",
            ),
            (
                "PW4",
                ["-", "-", q("IVA", "IVB"), "null", "-"],
                ['"resectability_assessment"'],
                "Locoregional disease whose resectability has not been judged: assess it on CT.",
                "7",
            ),
            (
                "PW5",
                ["-", "-", q("IVA", "IVB"), "true", "-"],
                ['"multimodal_curative_intent"'],
                "Resectable stage IVA/IVB disease: aggressive multimodal therapy offers the only chance "
                "of meaningful survival improvement.",
                "1, 2",
            ),
            (
                "PW6",
                ["-", "-", q("IVA", "IVB"), "false", "-"],
                ['"chemoradiotherapy"'],
                "Unresectable stage IVA/IVB disease may respond to aggressive combined chemoradiotherapy.",
                "1, 2",
            ),
            (
                "PW7",
                ["-", '"undecided"', '"IVC"', "-", "-"],
                ['"clinical_trial_or_palliative"'],
                "Metastatic disease: offer a clinical trial or palliative care according to the "
                "patient's informed preference.",
                "2",
            ),
            (
                "PW8",
                ["-", '"active_treatment"', '"IVC"', "-", "true"],
                ['"clinical_trial"'],
                "Metastatic disease, active treatment chosen and a trial is open: prioritise trial enrolment.",
                "1, 2, 6",
            ),
            (
                "PW9",
                ["-", '"active_treatment"', '"IVC"', "-", "not(true)"],
                ['"systemic_therapy"'],
                "Metastatic disease, active treatment chosen and no trial is known to be open: systemic therapy.",
                "1, 3, 4",
            ),
        ],
    },
    {
        "name": "Surgery",
        "hp": "F",
        "purpose": "Recommend surgery",
        "inputs": [("Pathway", q(*PATHWAYS)), ("Airway compromise", BOOL)],
        "outputs": [("Surgery", q("total_thyroidectomy_with_neck_dissection", "palliative_airway_surgery", "none"))],
        "rules": [
            (
                "SU1",
                ['"multimodal_curative_intent"', "-"],
                ['"total_thyroidectomy_with_neck_dissection"'],
                "Total thyroidectomy with lymph node dissection when R0 resection is feasible.",
                "1",
            ),
            ("SU2", [q(*WORKUPS), "-"], ['"none"'], "No surgery is decided while the work-up is incomplete.", "7"),
            (
                "SU3",
                ["-", "true"],
                ['"palliative_airway_surgery"'],
                "Consider palliative surgery for airway protection, even in advanced disease.",
                "4",
            ),
            (
                "SU4",
                ["-", "-"],
                ['"none"'],
                "Surgery does not improve survival when complete resection is impossible.",
                "1, 2",
            ),
        ],
    },
    {
        "name": "Radiotherapy",
        "hp": "U",
        "purpose": "Recommend external beam radiotherapy",
        "inputs": [("Pathway", q(*PATHWAYS))],
        "outputs": [("Radiotherapy", q("adjuvant_ebrt", "definitive_ebrt", "none"))],
        "rules": [
            (
                "RT1",
                ['"multimodal_curative_intent"'],
                ['"adjuvant_ebrt"'],
                "Combine surgery with external beam radiotherapy.",
                "1, 2",
            ),
            (
                "RT2",
                ['"chemoradiotherapy"'],
                ['"definitive_ebrt"'],
                "Definitive EBRT combined with systemic therapy for unresectable locoregional disease.",
                "1, 2",
            ),
            (
                "RT3",
                [f"not({q('multimodal_curative_intent', 'chemoradiotherapy')})"],
                ['"none"'],
                "No radiotherapy is part of this pathway.",
                "2",
            ),
        ],
    },
    {
        "name": "Systemic Therapy",
        "hp": "U",
        "purpose": "Recommend systemic therapy",
        "inputs": [("Pathway", q(*PATHWAYS)), ("Targetable alteration", q(*ALTERATIONS))],
        "outputs": [
            (
                "Systemic therapy",
                q("chemotherapy", "targeted_therapy", "clinical_trial", "pending_patient_decision", "none"),
            )
        ],
        "rules": [
            (
                "SY1",
                ['"multimodal_curative_intent"', "-"],
                ['"chemotherapy"'],
                "Systemic chemotherapy is part of multimodal therapy.",
                "1, 2",
            ),
            (
                "SY2",
                [q("chemoradiotherapy", "systemic_therapy"), q(*TARGETABLE)],
                ['"targeted_therapy"'],
                "A targetable alteration was found: mutation-targeted therapy may produce significant responses.",
                "4",
            ),
            (
                "SY3",
                [q("chemoradiotherapy", "systemic_therapy"), q("none", "not_tested")],
                ['"chemotherapy"'],
                "No targetable alteration is known: conventional chemotherapy.",
                "1",
            ),
            (
                "SY4",
                ['"clinical_trial"', "-"],
                ['"clinical_trial"'],
                "Systemic therapy within the clinical trial.",
                "1, 2",
            ),
            (
                "SY5",
                ['"clinical_trial_or_palliative"', "-"],
                ['"pending_patient_decision"'],
                "Systemic therapy depends on the patient's choice between a trial and palliative care.",
                "2",
            ),
            (
                "SY6",
                [q(*WORKUPS, "palliative_care"), "-"],
                ['"none"'],
                "No systemic therapy is decided on this pathway.",
                "2, 6",
            ),
        ],
    },
    {
        "name": "Molecular Testing",
        "hp": "U",
        "purpose": "Recommend molecular testing",
        "inputs": [("Targetable alteration", q(*ALTERATIONS)), ("Pathway", q(*PATHWAYS))],
        "outputs": [("Molecular testing", q("recommended", "completed", "not_required"))],
        "rules": [
            ("MT1", [q(*TARGETABLE, "none"), "-"], ['"completed"'], "Molecular testing has a result.", "4"),
            (
                "MT2",
                [
                    '"not_tested"',
                    q("chemoradiotherapy", "clinical_trial_or_palliative", "clinical_trial", "systemic_therapy"),
                ],
                ['"recommended"'],
                "Test unresectable tumours to identify targetable mutations.",
                "4, 6",
            ),
            (
                "MT3",
                ['"not_tested"', q(*WORKUPS, "multimodal_curative_intent", "palliative_care")],
                ['"not_required"'],
                "Molecular testing does not change this pathway now.",
                "4",
            ),
        ],
    },
    {
        "name": "Actions",
        "hp": "C",
        "purpose": "Collect every action to take now",
        "inputs": [
            ("Diagnosis confirmed", BOOL),
            ("Pathway", q(*PATHWAYS)),
            ("Stage", q("IVA", "IVB", "IVC", "unknown")),
            ("Airway compromise", BOOL),
            ("Clinical trial available", BOOL),
            ("Targetable alteration", q(*ALTERATIONS)),
        ],
        "outputs": [("Actions", q(*ACTIONS))],
        "rules": [
            (
                "AC1",
                ["-", '"diagnostic_workup"', "-", "-", "-", "-"],
                ['"neck_ct"'],
                "Proceed directly to a neck CT scan.",
                "7",
            ),
            (
                "AC2",
                ["-", '"diagnostic_workup"', "-", "-", "-", "-"],
                ['"tissue_biopsy"'],
                "Tissue diagnosis by fine-needle aspiration or core biopsy.",
                "7",
            ),
            (
                "AC3",
                ["true", '"staging_workup"', "-", "-", "-", "-"],
                ['"pet_ct_staging"'],
                "PET/CT for staging after diagnosis, to identify distant metastases.",
                "7",
            ),
            (
                "AC4",
                ["true", '"resectability_assessment"', "-", "-", "-", "-"],
                ['"ct_resectability_assessment"'],
                "CT determines the extent of invasion into critical structures, essential for resectability.",
                "7",
            ),
            (
                "AC5",
                ["-", "-", "-", "true", "-", "-"],
                ['"secure_airway"'],
                "Assess and secure the airway early in patients with compressive symptoms.",
                "1",
            ),
            (
                "AC6",
                ["true", "-", "-", "-", "-", "-"],
                ['"multidisciplinary_team"'],
                "Rapid multidisciplinary assessment to establish the goals of treatment.",
                "2, 6",
            ),
            (
                "AC7",
                ["true", "-", "-", "-", "-", "-"],
                ['"urgent_treatment_planning"'],
                "ATC progresses extremely rapidly: do not delay treatment planning.",
                "6, 7",
            ),
            (
                "AC8",
                ["true", "-", "-", "-", "-", "-"],
                ['"prognostic_counseling"'],
                "Give the patient and family realistic information about prognosis from the outset.",
                "6",
            ),
            (
                "AC9",
                ["true", "-", "-", "-", "-", "-"],
                ['"no_radioactive_iodine"'],
                "ATC does not take up iodine and will not respond to radioactive iodine.",
                "1",
            ),
            (
                "AC10",
                ["true", "-", "-", "-", "-", "-"],
                ['"supportive_care"'],
                "Supportive care, in parallel with or instead of active treatment.",
                "6",
            ),
            (
                "AC11",
                [
                    "true",
                    q("multimodal_curative_intent", "chemoradiotherapy", "systemic_therapy"),
                    "-",
                    "-",
                    "not(false)",
                    "-",
                ],
                ['"consider_clinical_trial"'],
                "Do not overlook clinical trial opportunities: prioritise enrolment for suitable candidates.",
                "1, 2, 6",
            ),
            (
                "AC12",
                ["true", "-", '"IVC"', "-", "-", "-"],
                ['"avoid_aggressive_surgery"'],
                "Avoid aggressive surgery in the presence of distant metastases.",
                "1, 2",
            ),
            (
                "AC13",
                ["true", '"chemoradiotherapy"', f"not({q('IVC')})", "-", "-", "-"],
                ['"avoid_aggressive_surgery"'],
                "Aggressive surgery does not improve survival when complete resection is impossible.",
                "1, 2",
            ),
            (
                "AC14",
                ["true", '"chemoradiotherapy"', "-", "-", "-", q(*TARGETABLE)],
                ['"reassess_resectability_after_response"'],
                "Mutation-targeted therapy may allow surgery in exceptional responders: reassess "
                "resectability after response.",
                "4",
            ),
        ],
    },
]

CHEMO = (
    "Chemotherapy. Doxorubicin, alone or with cisplatin, is the most commonly used regimen, though "
    "response rates are poor; paclitaxel improves response rates but not overall survival; adding "
    "bleomycin or other agents does not improve efficacy."
)
WORDING = [
    ("stage", "IVA", "Stage IVA: intrathyroidal tumour without nodal or distant spread."),
    ("stage", "IVB", "Stage IVB: extrathyroidal extension or nodal disease, no distant metastasis."),
    ("stage", "IVC", "Stage IVC: distant metastasis."),
    ("stage", "unknown", "Stage unknown: not enough information to stage."),
    ("pathway", "diagnostic_workup", "Diagnostic work-up: neck CT, then tissue diagnosis by FNA or core biopsy."),
    ("pathway", "staging_workup", "Staging work-up: PET/CT to identify distant metastases."),
    (
        "pathway",
        "resectability_assessment",
        "Resectability assessment: CT of tumour invasion into critical structures.",
    ),
    (
        "pathway",
        "multimodal_curative_intent",
        "Aggressive multimodal therapy with curative intent: surgery, external beam radiotherapy and "
        "systemic chemotherapy.",
    ),
    ("pathway", "chemoradiotherapy", "Combined chemoradiotherapy: EBRT with systemic therapy."),
    (
        "pathway",
        "clinical_trial_or_palliative",
        "Clinical trial or palliative care, according to the patient's informed preference.",
    ),
    ("pathway", "clinical_trial", "Clinical trial enrolment."),
    ("pathway", "systemic_therapy", "Systemic therapy."),
    ("pathway", "palliative_care", "Exclusive palliative care."),
    (
        "surgery",
        "total_thyroidectomy_with_neck_dissection",
        "Total thyroidectomy with appropriate lymph node dissection (R0 resection feasible).",
    ),
    ("surgery", "palliative_airway_surgery", "Palliative surgery for airway protection."),
    ("surgery", "none", "No surgery."),
    ("radiotherapy", "adjuvant_ebrt", "Adjuvant external beam radiotherapy after surgery."),
    ("radiotherapy", "definitive_ebrt", "Definitive external beam radiotherapy, combined with systemic therapy."),
    ("radiotherapy", "none", "No radiotherapy."),
    ("systemic_therapy", "chemotherapy", CHEMO),
    (
        "systemic_therapy",
        "targeted_therapy",
        "Mutation-targeted therapy for the alteration found (kinase inhibitors have shown encouraging "
        "results in trials).",
    ),
    ("systemic_therapy", "clinical_trial", "Systemic therapy within a clinical trial of targeted or novel therapy."),
    (
        "systemic_therapy",
        "pending_patient_decision",
        "Pending the patient's choice between a clinical trial and palliative care.",
    ),
    ("systemic_therapy", "none", "No systemic therapy."),
    ("molecular_testing", "recommended", "Molecular testing recommended, to identify targetable mutations."),
    ("molecular_testing", "completed", "Molecular testing completed."),
    ("molecular_testing", "not_required", "Molecular testing not required now."),
    ("actions", "neck_ct", "Neck CT scan."),
    ("actions", "tissue_biopsy", "Tissue diagnosis by fine-needle aspiration or core biopsy."),
    ("actions", "pet_ct_staging", "PET/CT staging for distant metastases."),
    ("actions", "ct_resectability_assessment", "CT assessment of resectability."),
    ("actions", "secure_airway", "Assess and secure the airway."),
    ("actions", "multidisciplinary_team", "Multidisciplinary team assessment."),
    ("actions", "urgent_treatment_planning", "Urgent treatment planning: do not delay."),
    ("actions", "prognostic_counseling", "Realistic prognostic counselling for patient and family."),
    ("actions", "no_radioactive_iodine", "Do not use radioactive iodine: ATC does not take it up."),
    ("actions", "supportive_care", "Supportive care, in parallel with or instead of active treatment."),
    ("actions", "consider_clinical_trial", "Consider clinical trial enrolment."),
    ("actions", "avoid_aggressive_surgery", "Avoid aggressive surgery."),
    ("actions", "reassess_resectability_after_response", "Reassess resectability after response to targeted therapy."),
    ("input_conflict", "none", "The inputs are consistent."),
    (
        "input_conflict",
        "stage_conflicts_with_tnm",
        "The recorded stage contradicts the stage that T, N and M decide: correct the stage or the TNM.",
    ),
]

UNPAIRED = "The source cites this number but does not say which listed reference it is."
REFERENCES = [
    ("Guideline", "Guideline Directed Topic Overview", "Dr.Oracle Medical Advisory Board & Editors", "2025"),
    (
        "Research",
        "American Thyroid Association guidelines for management of patients with anaplastic thyroid cancer.",
        "Thyroid: official journal of the American Thyroid Association",
        "2012",
    ),
    (
        "Research",
        "Contemporary Management of Anaplastic Thyroid Cancer.",
        "Current treatment options in oncology",
        "2020",
    ),
    (
        "Research",
        "Anaplastic thyroid cancer: a comprehensive review of novel therapy.",
        "Expert review of anticancer therapy",
        "2011",
    ),
    (
        "Guideline",
        "Diagnostic Approach for Suspected Anaplastic Thyroid Cancer",
        "Praxis Medical Insights: Practical Summaries of Clinical Guidelines",
        "2025",
    ),
]

INPUT_ORDER = [g[2] for g in GLOSSARY if g[3] == "input"]
OUTPUT_ORDER = [g[2] for g in GLOSSARY if g[3] == "output"]
# Test cases: (id, description, {input: value}); expected outputs come from the specification.
CASES = [
    ("TC01", "Suspected ATC, no tissue diagnosis", {}),
    ("TC02", "Suspected ATC with airway compromise", {"diagnosis_confirmed": False, "airway_compromise": True}),
    (
        "TC03",
        "Confirmed, patient chooses palliative care",
        {"diagnosis_confirmed": True, "stage": "IVB", "patient_preference": "palliative_care"},
    ),
    (
        "TC04",
        "Confirmed, palliative care with airway compromise",
        {
            "diagnosis_confirmed": True,
            "m_category": "M1",
            "patient_preference": "palliative_care",
            "airway_compromise": True,
        },
    ),
    ("TC05", "Confirmed, not yet staged", {"diagnosis_confirmed": True}),
    (
        "TC06",
        "T2 with N unknown cannot be staged",
        {"diagnosis_confirmed": True, "t_category": "T2", "m_category": "M0"},
    ),
    (
        "TC07",
        "T unknown, N0, M0 cannot be staged",
        {"diagnosis_confirmed": True, "n_category": "N0", "m_category": "M0"},
    ),
    (
        "TC08",
        "IVA by TNM, resectability not assessed",
        {"diagnosis_confirmed": True, "t_category": "T2", "n_category": "N0", "m_category": "M0"},
    ),
    (
        "TC09",
        "IVB by T4a, resectable, trial status unknown",
        {"diagnosis_confirmed": True, "t_category": "T4a", "n_category": "N0", "m_category": "M0", "resectable": True},
    ),
    (
        "TC10",
        "IVB by N1b, unresectable, BRAF V600E",
        {
            "diagnosis_confirmed": True,
            "t_category": "T3a",
            "n_category": "N1b",
            "m_category": "M0",
            "resectable": False,
            "targetable_alteration": "BRAF_V600E",
        },
    ),
    (
        "TC11",
        "IVB unresectable, no alteration, no trial",
        {
            "diagnosis_confirmed": True,
            "stage": "IVB",
            "resectable": False,
            "targetable_alteration": "none",
            "clinical_trial_available": False,
        },
    ),
    ("TC12", "IVB unresectable, not tested", {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False}),
    ("TC13", "IVC undecided", {"diagnosis_confirmed": True, "m_category": "M1"}),
    (
        "TC14",
        "IVC active treatment, trial open",
        {
            "diagnosis_confirmed": True,
            "stage": "IVC",
            "patient_preference": "active_treatment",
            "clinical_trial_available": True,
        },
    ),
    (
        "TC15",
        "IVC active treatment, no trial, NTRK fusion, airway compromise",
        {
            "diagnosis_confirmed": True,
            "stage": "IVC",
            "patient_preference": "active_treatment",
            "clinical_trial_available": False,
            "targetable_alteration": "NTRK_fusion",
            "airway_compromise": True,
        },
    ),
    (
        "TC16",
        "IVC active treatment, trial status unknown, not tested",
        {"diagnosis_confirmed": True, "stage": "IVC", "patient_preference": "active_treatment"},
    ),
    (
        "TC17",
        "Recorded IVA, resectable, RET fusion, trial closed",
        {
            "diagnosis_confirmed": True,
            "stage": "IVA",
            "resectable": True,
            "targetable_alteration": "RET_fusion",
            "clinical_trial_available": False,
        },
    ),
    (
        "TC18",
        "Recorded IVA agrees with TNM",
        {
            "diagnosis_confirmed": True,
            "stage": "IVA",
            "t_category": "T1",
            "n_category": "NX",
            "m_category": "M0",
            "resectable": True,
        },
    ),
    ("TC19", "Recorded IVB with M unknown", {"diagnosis_confirmed": True, "stage": "IVB", "t_category": "T4b"}),
    (
        "TC20",
        "Recorded IVC agrees with M1",
        {"diagnosis_confirmed": True, "stage": "IVC", "m_category": "M1", "patient_preference": "undecided"},
    ),
    (
        "TC21",
        "IVB by TNM with T unknown and N1",
        {
            "diagnosis_confirmed": True,
            "n_category": "N1",
            "m_category": "M0",
            "resectable": False,
            "targetable_alteration": "ALK_fusion",
        },
    ),
    (
        "TC22",
        "IVB by T4, no stage recorded, palliative",
        {"diagnosis_confirmed": True, "t_category": "T4", "m_category": "M0", "patient_preference": "palliative_care"},
    ),
    ("TC23", "Recorded IVA contradicts M1", {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}),
    (
        "TC24",
        "Recorded IVB contradicts T1 N0 M0",
        {"diagnosis_confirmed": True, "stage": "IVB", "t_category": "T1", "n_category": "N0", "m_category": "M0"},
    ),
    (
        "TC25",
        "Recorded IVC contradicts T4 M0",
        {"diagnosis_confirmed": True, "stage": "IVC", "t_category": "T4", "m_category": "M0"},
    ),
    ("TC26", "Diagnosis explicitly not confirmed, stage known", {"diagnosis_confirmed": False, "stage": "IVC"}),
]


def border(right: Side | None = None, bottom: Side | None = None) -> Border:
    # pyDMNrules reads every side of a border: write all four.
    return Border(left=THIN, right=right or THIN, top=THIN, bottom=bottom or THIN)


def dropdown(ws, items: list[str], ref: str) -> None:
    formula = '"' + ",".join(i.replace('"', '""') for i in items) + '"'
    if len(formula) > 255:
        return
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
    dv.add(ref)
    ws.add_data_validation(dv)


def size_columns(ws, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), len(str(cell.value)))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = max(minimum, min(maximum, width + 2))


def write_model(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "Model"
    ws["B2"], ws["C2"] = "Property", "Value"
    for c in ("B2", "C2"):
        ws[c].font, ws[c].fill = BOLD, HEAD_FILL
    for i, (k, v) in enumerate(MODEL, start=3):
        ws.cell(row=i, column=2, value=k).font = BOLD
        ws.cell(row=i, column=3, value=v).alignment = WRAP
    size_columns(ws, maximum=100)


def write_glossary(wb: Workbook) -> None:
    ws = wb.create_sheet("Glossary")
    ws["B2"] = "Glossary - ATC treatment"
    ws["B2"].font = TITLE
    heads = ["Variable", "Business Concept", "Attribute", "Role", "Default when missing", "Meaning"]
    for j, h in enumerate(heads):
        c = ws.cell(row=3, column=2 + j, value=h)
        c.font, c.fill, c.border = BOLD, HEAD_FILL, border()
    for i, row in enumerate(GLOSSARY, start=4):
        for j, v in enumerate(row):
            c = ws.cell(row=i, column=2 + j, value=v)
            c.border = border()
    dropdown(ws, ["input", "output", "intermediate", "check"], f"E4:E{4 + len(GLOSSARY) + 20}")
    ws.freeze_panes = "C4"
    size_columns(ws)


def write_decision(wb: Workbook) -> None:
    ws = wb.create_sheet("Decision")
    ws["B2"] = "Decision - ATC treatment"
    ws["B2"].font = TITLE
    for j, h in enumerate(["Decisions", "Execute Decision Tables", "Purpose"]):
        c = ws.cell(row=3, column=2 + j, value=h)
        c.font, c.fill, c.border = BOLD, HEAD_FILL, border()
    for i, t in enumerate(TABLES, start=4):
        ws.cell(row=i, column=2, value=f"Decide {t['name'].lower()}").border = border()
        ws.cell(row=i, column=3, value=t["name"]).border = border()
        ws.cell(row=i, column=4, value=t["purpose"]).border = border()
    ws.freeze_panes = "B4"
    size_columns(ws)


def validity_items(validity: str) -> list[str]:
    return [v.strip() for v in validity.split(",") if v.strip()]


def write_table(wb: Workbook, t: dict) -> None:
    ws = wb.create_sheet(t["name"])
    ni, no = len(t["inputs"]), len(t["outputs"])
    heads = [v for v, _ in t["inputs"]] + [v for v, _ in t["outputs"]] + ["Rationale", "Citations"]
    ws["B2"] = t["name"]
    ws["B2"].font = TITLE
    ws["B3"] = t["hp"]
    ws.merge_cells("B3:B4")
    ws["B3"].alignment = Alignment(horizontal="center", vertical="center")
    ws["B3"].font = BOLD
    ws["B3"].border = border()
    ws["B4"].border = border(bottom=DOUBLE)

    def edge(j: int) -> Side | None:
        return DOUBLE if j in (ni - 1, ni + no - 1) else None

    for j, h in enumerate(heads):
        c = ws.cell(row=3, column=3 + j, value=h)
        c.font, c.border = BOLD, border(right=edge(j))
        c.fill = OUT_FILL if ni <= j < ni + no else HEAD_FILL
        c.alignment = WRAP
        validity = (t["inputs"] + t["outputs"])[j][1] if j < ni + no else None
        c = ws.cell(row=4, column=3 + j, value=validity)
        c.fill, c.border, c.alignment = VALID_FILL, border(right=edge(j), bottom=DOUBLE), WRAP
    last = 5 + len(t["rules"]) - 1
    for i, (rid, ins, outs, why, cites) in enumerate(t["rules"], start=5):
        ws.cell(row=i, column=2, value=rid).border = border()
        for j, v in enumerate([*ins, *outs, why, cites]):
            c = ws.cell(row=i, column=3 + j, value=v)
            c.border = border(right=edge(j))
            if j == ni + no:
                c.alignment = WRAP
    # Drop-downs offer each column's allowed values; free text (lists, not(...)) stays possible.
    for j, (_, validity) in enumerate(t["inputs"] + t["outputs"]):
        items = validity_items(validity)
        if j < ni:
            items = ["-", *items] + (["not(true)", "not(false)"] if "true" in items else [])
        col = get_column_letter(3 + j)
        dropdown(ws, items, f"{col}5:{col}{last + 30}")
    ws.freeze_panes = "C5"
    size_columns(ws, maximum=45)
    ws.column_dimensions[get_column_letter(3 + ni + no)].width = 70


def write_wording(wb: Workbook) -> None:
    ws = wb.create_sheet("Wording")
    for j, h in enumerate(["Output", "Code", "Text"]):
        c = ws.cell(row=2, column=2 + j, value=h)
        c.font, c.fill, c.border = BOLD, HEAD_FILL, border()
    for i, row in enumerate(WORDING, start=3):
        for j, v in enumerate(row):
            c = ws.cell(row=i, column=2 + j, value=v)
            c.border = border()
            c.alignment = WRAP if j == 2 else Alignment(vertical="top")
    ws.freeze_panes = "B3"
    size_columns(ws, maximum=90)


def write_references(wb: Workbook) -> None:
    ws = wb.create_sheet("References")
    ws["B2"] = "Citations"
    ws["B2"].font = TITLE
    for j, h in enumerate(["Citation", "Reference entry", "Note"]):
        c = ws.cell(row=3, column=2 + j, value=h)
        c.font, c.fill, c.border = BOLD, HEAD_FILL, border()
    for n in range(1, 8):
        ws.cell(row=3 + n, column=2, value=n).border = border()
        ws.cell(row=3 + n, column=3).border = border()
        ws.cell(row=3 + n, column=4, value=UNPAIRED).border = border()
    dropdown(ws, [str(i) for i in range(1, len(REFERENCES) + 1)], "C4:C10")
    top = 13
    ws.cell(row=top, column=2, value="Reference list").font = TITLE
    for j, h in enumerate(["Entry", "Type", "Title", "Source", "Year"]):
        c = ws.cell(row=top + 1, column=2 + j, value=h)
        c.font, c.fill, c.border = BOLD, HEAD_FILL, border()
    for i, row in enumerate(REFERENCES, start=1):
        ws.cell(row=top + 1 + i, column=2, value=i).border = border()
        for j, v in enumerate(row):
            ws.cell(row=top + 1 + i, column=3 + j, value=v).border = border()
    size_columns(ws, maximum=80)


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def write_tests(wb: Workbook) -> None:
    ws = wb.create_sheet("Test")
    ws["B2"] = "Test cases"
    ws["B2"].font = TITLE
    input_heads = [g[0] for g in GLOSSARY if g[3] == "input"]
    output_heads = [g[0] for g in GLOSSARY if g[3] == "output"]
    heads = ["Case", "Description", *input_heads, *output_heads, "Expected error"]
    ni = 2 + len(input_heads)
    for j, h in enumerate(heads):
        c = ws.cell(row=3, column=2 + j, value=h)
        c.font, c.alignment = BOLD, WRAP
        c.fill = OUT_FILL if ni <= j < ni + len(output_heads) else HEAD_FILL
        c.border = border(right=DOUBLE if j in (ni - 1, ni + len(output_heads) - 1) else None)
    for i, (cid, desc, case) in enumerate(CASES, start=4):
        try:
            expected: dict = decide(case)
            error = None
        except StageConflict:
            expected, error = {}, "stage"
        row = [
            cid,
            desc,
            *[cell_text(case.get(a)) for a in INPUT_ORDER],
            *[cell_text(expected.get(a)) for a in OUTPUT_ORDER],
            error,
        ]
        for j, v in enumerate(row):
            c = ws.cell(row=i, column=2 + j, value=v)
            c.border = border(right=DOUBLE if j in (ni - 1, ni + len(output_heads) - 1) else None)
    ws.freeze_panes = "D4"
    size_columns(ws, maximum=40)


def build(path: Path) -> None:
    wb = Workbook()
    write_model(wb)
    write_glossary(wb)
    write_decision(wb)
    for t in TABLES:
        write_table(wb, t)
    write_wording(wb)
    write_references(wb)
    write_tests(wb)
    wb.save(path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    path = Path(argv[1])
    if path.exists():
        print(f"{path} exists: edit it in Excel; this script never overwrites a workbook.", file=sys.stderr)
        return 1
    build(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
