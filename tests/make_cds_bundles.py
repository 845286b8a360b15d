"""Write the CDS Hooks test patients, one JSON file each, into tests/data/cds/.

    python tests/make_cds_bundles.py [FOLDER]        (default: tests/data/cds)

Each file is what an EHR sends for one patient on ``patient-view``: a ``context``
and a ``prefetch`` (``patient``: the Patient; ``conditions`` and ``observations``:
searchset Bundles), plus ``_expected``, written by hand from
/work/shared/spec/decision-model.md: the case the FHIR data mean (``case``), the
resource each input is read from (``sources``), resources that must not be the
basis of anything (``ignored``; of those, ``set_aside`` maps the ones the card must still
list, since they carry an input's codes, to their status), and what the specification answers for the case
(``decision``, from tests/spec_oracle.py, an independent reading of the spec), or
``refused`` for a case it refuses, or the HTTP ``status`` when the request itself
is refused.

The resources follow mCODE 4.0.0's own examples (HL7/fhir-mCODE-ig
input/fsh/EX_Basic.fsh, EX_ExtendedExample.fsh, EX_Genomics.fsh: the Patient,
PrimaryCancerCondition, TNM category and stage group Observations, GenomicVariant,
ECOG, smoking status, comorbid Conditions) and the HL7 Genomics Reporting IG's
BRAF V600E variant (HL7/genomics-reporting input/fsh/examples/
bundle-oncology-diagnostic.fsh): their profiles, code systems and codes, with the
cancer changed to anaplastic thyroid carcinoma (ICD-10-CM C73, ICD-O-3 8021/3).
A test checks that the files are what this script writes.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import spec_oracle

FOLDER = Path(__file__).resolve().parent / "data" / "cds"

SCT = "http://snomed.info/sct"
LNC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
HGNC = "http://www.genenames.org"  # mCODE 4.0.0 AL_CodeSystems.fsh and Genomics Reporting Aliases.fsh
HGVS = "http://varnomen.hgvs.org"
CLINVAR = "http://www.ncbi.nlm.nih.gov/clinvar"
SEQONT = "http://www.sequenceontology.org"
UCUM = "http://unitsofmeasure.org"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDCAT = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSCAT = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
PRACTITIONER = {"reference": "Practitioner/us-core-practitioner-kyle-anydoc", "display": "Dr. Kyle Anydoc"}
AJCC8 = (
    SCT,
    "897275008",
    "American Joint Commission on Cancer, Cancer Staging Manual, 8th edition neoplasm staging system (tumor staging)",
)

# TNM categories: (SNOMED observable, LOINC code) per category, as mCODE's TNM profiles allow both.
CATEGORY = {
    "T": ((SCT, "399504009", "cT category"), (LNC, "21905-5", "Primary tumor.clinical [Class] Cancer")),
    "N": ((SCT, "399534004", "cN category"), (LNC, "21906-3", "Regional lymph nodes.clinical [Class] Cancer")),
    "M": ((SCT, "399387003", "cM category"), (LNC, "21907-1", "Distant metastases.clinical [Class] Cancer")),
    "stage": ((SCT, "399537006", "Clinical TNM stage grouping"), (LNC, "21908-9", "Stage group.clinical Cancer")),
}
# The ids of mCODE's TNM examples (tnm-clinical-primary-tumor-category-cT3, ...), before the patient's name.
TNM_ID = {
    "T": "tnm-clinical-primary-tumor-category",
    "N": "tnm-clinical-regional-nodes-category",
    "M": "tnm-clinical-distant-metastases-category",
    "stage": "tnm-clinical-stage-group",
}
PROFILE = {
    "T": "mcode-tnm-primary-tumor-category",
    "N": "mcode-tnm-regional-nodes-category",
    "M": "mcode-tnm-distant-metastases-category",
    "stage": "mcode-tnm-stage-group",
}
# Values as SNOMED CT codes, the ones mCODE's value sets confirm (the list).
VALUE = {
    "T3": (SCT, "1228938002", "American Joint Committee on Cancer cT3 (qualifier value)"),
    "T4a": (SCT, "1228945002", "American Joint Committee on Cancer cT4a (qualifier value)"),
    "T4b": (SCT, "1228946001", "American Joint Committee on Cancer cT4b (qualifier value)"),
    "N0": (SCT, "1229967007", "American Joint Committee on Cancer cN0 (qualifier value)"),
    "N1b": (SCT, "1229976000", "American Joint Committee on Cancer cN1b (qualifier value)"),
    "M0": (SCT, "1229901006", "American Joint Committee on Cancer cM0 (qualifier value)"),
    "M1": (SCT, "1229903009", "American Joint Committee on Cancer cM1 (qualifier value)"),
}
# AJCC stage groups: mCODE's value set is every descendant of SNOMED CT 1222592004 and lists no code for
# IVA, IVB or IVC, so the shipped FHIR sheet reads no stage group (the model derives the stage from T, N
# and M). These patients' stage groups carry a hospital's local codes, which a site's copy of the sheet
# maps (cds_tools.site_workbook): the case under that mapping is ``_expected_site_mapping``.
LOCAL_STAGE = "http://hospital.example.org/fhir/CodeSystem/ajcc-stage-group"
STAGE_VALUE = {stage: (LOCAL_STAGE, stage, f"AJCC stage {stage}") for stage in ("IVA", "IVB", "IVC")}
GENE = {
    "BRAF": "HGNC:1097",
    "RET": "HGNC:9967",
    "CCDC6": "HGNC:18782",
    "NTRK3": "HGNC:8033",
    "ETV6": "HGNC:3495",
}


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    found = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: tuple[str, str, str], text: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"coding": [coding(*c) for c in codings]}
    if text:
        found["text"] = text
    return found


def ref(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


# -- resources -------------------------------------------------------------------------------------------------


def patient(ident: str, given: str, family: str, gender: str, born: str, mrn: str) -> dict[str, Any]:
    """mCODE CancerPatient, as cancer-patient-john-anyperson in EX_Basic.fsh."""
    return {
        "resourceType": "Patient",
        "id": ident,
        "meta": {"profile": [MCODE + "mcode-cancer-patient"]},
        "identifier": [
            {
                "use": "usual",
                "type": concept(("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical Record Number")),
                "system": "http://hospital.example.org",
                "value": mrn,
            }
        ],
        "name": [{"family": family, "given": [given]}],
        "gender": gender,
        "birthDate": born,
        "address": [{"line": ["123 Main St"], "city": "Anytown", "postalCode": "12345", "country": "US"}],
        "communication": [
            {"language": {**concept(("urn:ietf:bcp:47", "en-US", "English (United States)")), "text": "English"}}
        ],
    }


def cancer(
    ident: str,
    subject: str,
    status: str,
    recorded: str,
    histology: tuple[str, str, str] = (ICDO3, "8021/3", "Carcinoma, anaplastic, NOS"),
) -> dict[str, Any]:
    """mCODE PrimaryCancerCondition (primary-cancer-condition-nsclc in EX_Basic.fsh), for the thyroid."""
    return {
        "resourceType": "Condition",
        "id": ident,
        "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
        "extension": [{"url": HISTOLOGY, "valueCodeableConcept": concept(histology)}],
        "clinicalStatus": concept((CLIN, "active", "Active")),
        "verificationStatus": concept((VER, status, status.capitalize())),
        "category": [concept((CONDCAT, "problem-list-item", "Problem List Item"))],
        "code": concept((ICD10CM, "C73", "Malignant neoplasm of thyroid gland")),
        "bodySite": [concept((SCT, "69748006", "Thyroid structure (body structure)"))],
        "subject": {"reference": f"Patient/{subject}"},
        "onsetDateTime": recorded,
        "recordedDate": recorded,
        "asserter": PRACTITIONER,
    }


def comorbid(ident: str, subject: str, code: tuple[str, str, str], onset: str) -> dict[str, Any]:
    """US Core Condition, as us-core-condition-hypertension-jenny-m in EX_ExtendedExample.fsh."""
    return {
        "resourceType": "Condition",
        "id": ident,
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition"]},
        "clinicalStatus": concept((CLIN, "active", "Active")),
        "verificationStatus": concept((VER, "confirmed", "Confirmed")),
        "category": [concept((CONDCAT, "problem-list-item", "Problem List Item"))],
        "code": concept(code),
        "subject": {"reference": f"Patient/{subject}"},
        "onsetDateTime": onset,
        "asserter": PRACTITIONER,
    }


def tnm(
    slug: str,
    subject: str,
    category: str,
    value: str,
    when: str,
    condition: str,
    *,
    status: str = "final",
    loinc: bool = False,
) -> dict[str, Any]:
    """An mCODE TNM category or stage group Observation (tnm-clinical-distant-metastases-category-cM0 and
    tnm-clinical-stage-group-3c in EX_Basic.fsh): SNOMED's observable as the code, or the LOINC code that
    mCODE's "Max" value sets still allow. Its id is the examples' for the category, then ``slug``."""
    snomed, loinc_code = CATEGORY[category]
    found = {
        "resourceType": "Observation",
        "id": f"{TNM_ID[category]}-{slug}",
        "meta": {"profile": [MCODE + PROFILE[category]]},
        "status": status,
        "category": [concept((OBSCAT, "imaging", "Imaging"))],
        "code": concept(loinc_code if loinc else snomed),
        "subject": {"reference": f"Patient/{subject}"},
        "focus": [{"reference": f"Condition/{condition}"}],
        "effectiveDateTime": when,
        "performer": [PRACTITIONER],
        "valueCodeableConcept": concept(STAGE_VALUE[value] if category == "stage" else VALUE[value]),
        "method": concept(AJCC8),
    }
    return found


def _component(code: tuple[str, str, str], value: dict[str, Any]) -> dict[str, Any]:
    return {"code": concept(code), "valueCodeableConcept": value}


GENE_STUDIED = (LNC, "48018-6", "Gene studied [ID]")
PROTEIN_HGVS = (LNC, "48005-3", "Amino acid change (pHGVS)")
SOURCE_CLASS = (LNC, "48002-0", "Genomic source class [Type]")
SOMATIC = (LNC, "LA6684-0", "Somatic")


def variant(
    ident: str, subject: str, when: str, present: bool, components: list[dict[str, Any]], *, text: str = ""
) -> dict[str, Any]:
    """mCODE GenomicVariant (genomic-variant-fusion in EX_Genomics.fsh; the Genomics Reporting IG's Variant)."""
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"profile": [MCODE + "mcode-genomic-variant"]},
        "status": "final",
        "category": [
            concept((OBSCAT, "laboratory", "Laboratory")),
            concept((V2_0074, "GE", "Genetics")),
        ],
        "code": concept((LNC, "69548-6", "Genetic variant assessment")),
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": when,
        "performer": [PRACTITIONER],
        "valueCodeableConcept": concept((LNC, "LA9633-4", "Present") if present else (LNC, "LA9634-2", "Absent")),
        "method": concept((LNC, "LA26398-0", "Sequencing")),
        "component": [*components, _component(SOURCE_CLASS, concept(SOMATIC))],
    }
    if present:
        found["interpretation"] = [concept((SCT, "10828004", "Positive (qualifier value)"))]
    if text:
        found["note"] = [{"text": text}]
    return found


def braf_v600e(ident: str, subject: str, when: str, present: bool) -> dict[str, Any]:
    """The BRAF V600E variant of Genomics Reporting's bundle-oncology-diagnostic.fsh (gHGVS, ClinVar 13961)."""
    components = [
        _component(GENE_STUDIED, concept((HGNC, GENE["BRAF"], "BRAF"))),
        _component(PROTEIN_HGVS, concept((HGVS, "NP_004324.2:p.Val600Glu", "NP_004324.2:p.Val600Glu"))),
        _component(
            (LNC, "81290-9", "Genomic DNA change (gHGVS)"),
            concept((HGVS, "NC_000007.13:g.140453136A>T", "NC_000007.13:g.140453136A>T")),
        ),
        _component((LNC, "81252-9", "Discrete genetic variant"), concept((CLINVAR, "13961", "Clinvar ID 13961"))),
    ]
    return variant(ident, subject, when, present, components)


def fusion(ident: str, subject: str, when: str, partner: str, gene: str) -> dict[str, Any]:
    """A gene fusion as mCODE's genomic-variant-fusion: two gene-studied components, the DNA change type
    (LOINC 48019-4) Sequence Ontology gene_fusion, and the fusion named in the variation code's text."""
    components = [
        _component(GENE_STUDIED, concept((HGNC, GENE[partner], partner))),
        _component(GENE_STUDIED, concept((HGNC, GENE[gene], gene))),
        _component((LNC, "48019-4", "DNA change type"), concept((SEQONT, "SO:0001565", "gene_fusion"))),
        _component((LNC, "81252-9", "Discrete genetic variant"), {"text": f"{partner}-{gene} fusion"}),
    ]
    return variant(ident, subject, when, True, components)


def blood_pressure(ident: str, subject: str, when: str) -> dict[str, Any]:
    """FHIR's vital-signs blood pressure (http://hl7.org/fhir/StructureDefinition/bp)."""

    def part(code: str, display: str, value: int) -> dict[str, Any]:
        quantity = {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}
        return {"code": concept((LNC, code, display)), "valueQuantity": quantity}

    return {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/bp"]},
        "status": "final",
        "category": [concept((OBSCAT, "vital-signs", "Vital Signs"))],
        "code": concept((LNC, "85354-9", "Blood pressure panel with all children optional")),
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": when,
        "component": [part("8480-6", "Systolic blood pressure", 142), part("8462-4", "Diastolic blood pressure", 88)],
    }


def ecog(ident: str, subject: str, when: str) -> dict[str, Any]:
    """mCODE ECOGPerformanceStatus, as ecog-performance-status-fully-active in EX_Basic.fsh."""
    return {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"profile": [MCODE + "mcode-ecog-performance-status"]},
        "status": "final",
        "category": [concept((OBSCAT, "survey", "Survey"))],
        "code": concept((LNC, "89247-1", "ECOG Performance Status score")),
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": when,
        "performer": [PRACTITIONER],
        "valueInteger": 1,
        "interpretation": [
            concept((LNC, "LA9623-5", "Symptoms but ambulatory. Restricted in physically strenuous activity"))
        ],
        "method": concept((SCT, "5880005", "Physical examination procedure (procedure)")),
    }


def smoking(ident: str, subject: str, when: str) -> dict[str, Any]:
    """US Core smoking status, as us-core-smokingstatus-jenny-m in EX_ExtendedExample.fsh."""
    return {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-smokingstatus"]},
        "status": "final",
        "category": [concept((OBSCAT, "social-history", "Social History"))],
        "code": concept((LNC, "72166-2", "Tobacco smoking status")),
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": when,
        "valueCodeableConcept": concept((SCT, "8517006", "Ex-smoker (finding)")),
    }


def searchset(resources: list[dict[str, Any]], kind: str, subject: str) -> dict[str, Any]:
    """The searchset Bundle a FHIR server answers ``<kind>?patient=<subject>`` with."""
    base = "https://ehr.example.org/fhir"
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": f"{base}/{kind}?patient={subject}"}],
        "entry": [{"fullUrl": f"{base}/{ref(r)}", "resource": r, "search": {"mode": "match"}} for r in resources],
    }


# -- patients --------------------------------------------------------------------------------------------------


def _expectation(
    case: dict[str, Any],
    sources: dict[str, dict[str, Any]],
    ignored: list[dict[str, Any]],
    others: dict[str, list[dict[str, Any]]],
    set_aside: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "case": case,
        "sources": {name: ref(r) for name, r in sources.items()},
        "ignored": [ref(r) for r in ignored],
        "set_aside": {ref(r): _status(r) for r in set_aside},
        "others": {k: [ref(r) for r in v] for k, v in others.items()},
    }
    try:
        expected["decision"] = spec_oracle.decide(case)
    except spec_oracle.StageConflict as conflict:
        expected["refused"] = {"field": conflict.field, "given": conflict.given, "by": conflict.tnm}
    return expected


def _status(resource: dict[str, Any]) -> str:
    """How the card names why a resource is no basis: its status, or its verificationStatus for a Condition."""
    if "status" in resource:
        return resource["status"]
    return "verificationStatus " + resource["verificationStatus"]["coding"][0]["code"]


def record(
    name: str,
    about: str,
    person: dict[str, Any],
    conditions: list[dict[str, Any]],
    observations: list[dict[str, Any]],
    case: dict[str, Any],
    sources: dict[str, dict[str, Any]],
    *,
    ignored: list[dict[str, Any]] = (),  # type: ignore[assignment]
    set_aside: list[dict[str, Any]] = (),  # type: ignore[assignment]
    others: dict[str, list[dict[str, Any]]] | None = None,
    stage_group: tuple[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> tuple[str, dict[str, Any]]:
    """One patient's file: the request's context and prefetch, and what the specification expects.

    ``stage_group`` is (stage, Observation) for a recorded stage group: not read through the
    shipped mapping (so ignored there), read as ``stage`` through the site's.
    """
    subject = person["id"]
    data: dict[str, Any] = {
        "_about": "A CDS Hooks patient-view call for one patient (see README.md in this folder).",
        "_expected": {"about": about, "status": status},
    }
    if status == 200:
        unread = [stage_group[1]] if stage_group else []
        data["_expected"].update(_expectation(case, sources, [*ignored, *unread], others or {}, list(set_aside)))
        if stage_group:
            stage, observation = stage_group
            site = _expectation(
                {**case, "stage": stage},
                {**sources, "stage": observation},
                list(ignored),
                others or {},
                list(set_aside),
            )
            data["_expected_site_mapping"] = {
                "about": f"{about}; read through a site mapping of the stage group",
                "status": 200,
                **site,
            }
    data["context"] = {"userId": PRACTITIONER["reference"], "patientId": subject}
    data["prefetch"] = {
        "patient": person,
        "conditions": searchset(conditions, "Condition", subject),
        "observations": searchset(observations, "Observation", subject),
    }
    return name, data


def patients() -> list[tuple[str, dict[str, Any]]]:
    """The test patients, each with its case written by hand from the FHIR data and the spec's inputs."""
    found = []

    # 1. A provisional diagnosis: staging is done, the tissue diagnosis is not -> diagnostic work-up.
    p = patient("cancer-patient-john-anyperson", "John", "Anyperson", "male", "1951-01-20", "m123")
    c = cancer("primary-cancer-condition-john-anyperson", p["id"], "provisional", "2026-01-05")
    t = tnm("john-anyperson", p["id"], "T", "T4a", "2026-01-07", c["id"])
    m = tnm("john-anyperson", p["id"], "M", "M0", "2026-01-07", c["id"])
    found.append(
        record(
            "01-provisional-diagnosis",
            "ATC suspected (verificationStatus provisional), staged cT4a cM0: the diagnosis comes first",
            p,
            [c],
            [t, m],
            {"diagnosis_confirmed": False, "t_category": "T4a", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "m_category": m},
        )
    )

    # 2. Confirmed, not staged; a preliminary M result is no basis -> staging work-up.
    p = patient("cancer-patient-eve-anyperson", "Eve", "Anyperson", "female", "1955-05-20", "m456")
    c = cancer("primary-cancer-condition-eve-anyperson", p["id"], "confirmed", "2026-01-12")
    m = tnm("eve-anyperson", p["id"], "M", "M1", "2026-01-14", c["id"], status="preliminary")
    found.append(
        record(
            "02-staging-workup",
            "ATC confirmed; the only staging result is preliminary, so the stage is unknown",
            p,
            [c],
            [m],
            {"diagnosis_confirmed": True},
            {"diagnosis_confirmed": c},
            ignored=[m],
            set_aside=[m],
        )
    )

    # 3. Stage IVB from TNM given with mCODE's LOINC codes; resectability is not coded -> its assessment.
    p = patient("cancer-patient-adam-everyman", "Adam", "Everyman", "male", "1962-02-05", "m789")
    c = cancer("primary-cancer-condition-adam-everyman", p["id"], "confirmed", "2026-01-19")
    t = tnm("adam-everyman", p["id"], "T", "T4a", "2026-01-21", c["id"], loinc=True)
    n = tnm("adam-everyman", p["id"], "N", "N1b", "2026-01-21", c["id"], loinc=True)
    m = tnm("adam-everyman", p["id"], "M", "M0", "2026-01-21", c["id"], loinc=True)
    found.append(
        record(
            "03-ivb-from-tnm-loinc",
            "ATC confirmed, cT4a cN1b cM0 (LOINC-coded categories): stage IVB, resectability not recorded",
            p,
            [c],
            [t, n, m],
            {"diagnosis_confirmed": True, "t_category": "T4a", "n_category": "N1b", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m},
        )
    )

    # 4. Stage IVA from mCODE's own cT3, cN0 and cM0 codes, with a recorded stage group IVA that fits them.
    p = patient("cancer-patient-jenny-m", "Jenny", "M", "female", "1966-08-14", "m101")
    c = cancer("primary-cancer-condition-jenny-m", p["id"], "confirmed", "2026-02-02")
    s = tnm("jenny-m", p["id"], "stage", "IVA", "2026-02-04", c["id"])
    t = tnm("jenny-m", p["id"], "T", "T3", "2026-02-04", c["id"])
    n = tnm("jenny-m", p["id"], "N", "N0", "2026-02-04", c["id"])
    m = tnm("jenny-m", p["id"], "M", "M0", "2026-02-04", c["id"])
    found.append(
        record(
            "04-iva-from-tnm",
            "ATC confirmed, cT3 cN0 cM0: stage IVA; the stage group IVA recorded beside it fits",
            p,
            [c],
            [s, t, n, m],
            {"diagnosis_confirmed": True, "t_category": "T3", "n_category": "N0", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m},
            stage_group=("IVA", s),
        )
    )

    # 5. Distant metastases: stage IVC; the patient's goal of care is not coded (undecided).
    p = patient("cancer-patient-mary-anyperson", "Mary", "Anyperson", "female", "1948-11-02", "m202")
    c = cancer("primary-cancer-condition-mary-anyperson", p["id"], "confirmed", "2026-01-08")
    t = tnm("mary-anyperson", p["id"], "T", "T4b", "2026-01-10", c["id"])
    n = tnm("mary-anyperson", p["id"], "N", "N1b", "2026-01-10", c["id"])
    m = tnm("mary-anyperson", p["id"], "M", "M1", "2026-01-10", c["id"])
    found.append(
        record(
            "05-ivc-undecided",
            "ATC confirmed, cT4b cN1b cM1: stage IVC, no recorded goal of care, not tested",
            p,
            [c],
            [t, n, m],
            {"diagnosis_confirmed": True, "t_category": "T4b", "n_category": "N1b", "m_category": "M1"},
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m},
        )
    )

    # 6. BRAF V600E found (the Genomics Reporting IG's variant) in a stage IVC patient.
    p = patient("cancer-patient-peter-everyman", "Peter", "Everyman", "male", "1957-03-30", "m303")
    c = cancer("primary-cancer-condition-peter-everyman", p["id"], "confirmed", "2026-01-15")
    m = tnm("peter-everyman", p["id"], "M", "M1", "2026-01-16", c["id"])
    v = braf_v600e("genomic-variant-braf-v600e-peter-everyman", p["id"], "2026-01-26", present=True)
    found.append(
        record(
            "06-braf-v600e",
            "ATC confirmed, cM1 (stage IVC), BRAF V600E present on sequencing",
            p,
            [c],
            [m, v],
            {"diagnosis_confirmed": True, "m_category": "M1", "targetable_alteration": "BRAF_V600E"},
            {"diagnosis_confirmed": c, "m_category": m, "targetable_alteration": v},
        )
    )

    # 7. A CCDC6-RET fusion, and a later BRAF V600E test that found nothing: the fusion is the alteration.
    p = patient("cancer-patient-anna-anyperson", "Anna", "Anyperson", "female", "1960-07-09", "m404")
    c = cancer("primary-cancer-condition-anna-anyperson", p["id"], "confirmed", "2026-01-20")
    t = tnm("anna-anyperson", p["id"], "T", "T4a", "2026-01-22", c["id"])
    n = tnm("anna-anyperson", p["id"], "N", "N1b", "2026-01-22", c["id"])
    m = tnm("anna-anyperson", p["id"], "M", "M0", "2026-01-22", c["id"])
    ret = fusion("genomic-variant-ccdc6-ret-fusion-anna-anyperson", p["id"], "2026-01-28", "CCDC6", "RET")
    braf = braf_v600e("genomic-variant-braf-v600e-anna-anyperson", p["id"], "2026-02-10", present=False)
    found.append(
        record(
            "07-ret-fusion-braf-absent",
            "ATC confirmed, cT4a cN1b cM0 (IVB); CCDC6-RET fusion present; a later BRAF V600E test absent",
            p,
            [c],
            [t, n, m, ret, braf],
            {
                "diagnosis_confirmed": True,
                "t_category": "T4a",
                "n_category": "N1b",
                "m_category": "M0",
                "targetable_alteration": "RET_fusion",
            },
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m, "targetable_alteration": ret},
            others={"targetable_alteration": [braf]},
        )
    )

    # 8. An ETV6-NTRK3 fusion, stage IVC.
    p = patient("cancer-patient-paul-anyperson", "Paul", "Anyperson", "male", "1953-12-01", "m505")
    c = cancer("primary-cancer-condition-paul-anyperson", p["id"], "confirmed", "2026-01-06")
    m = tnm("paul-anyperson", p["id"], "M", "M1", "2026-01-08", c["id"])
    ntrk = fusion("genomic-variant-etv6-ntrk3-fusion-paul-anyperson", p["id"], "2026-01-20", "ETV6", "NTRK3")
    found.append(
        record(
            "08-ntrk-fusion",
            "ATC confirmed, cM1 (stage IVC), ETV6-NTRK3 fusion present",
            p,
            [c],
            [m, ntrk],
            {"diagnosis_confirmed": True, "m_category": "M1", "targetable_alteration": "NTRK_fusion"},
            {"diagnosis_confirmed": c, "m_category": m, "targetable_alteration": ntrk},
        )
    )

    # 9. A recorded stage group IVA that cT4a rules out. Read through a mapping of the stage group, this is
    # no recommendation (the record must be corrected); the shipped mapping reads T and M only (IVB).
    p = patient("cancer-patient-lisa-everyman", "Lisa", "Everyman", "female", "1959-04-18", "m606")
    c = cancer("primary-cancer-condition-lisa-everyman", p["id"], "confirmed", "2026-01-13")
    s = tnm("lisa-everyman", p["id"], "stage", "IVA", "2026-01-15", c["id"])
    t = tnm("lisa-everyman", p["id"], "T", "T4a", "2026-01-15", c["id"])
    m = tnm("lisa-everyman", p["id"], "M", "M0", "2026-01-15", c["id"])
    found.append(
        record(
            "09-stage-conflicts-with-tnm",
            "ATC confirmed; stage group IVA recorded, but cT4a rules IVA out (T4a is at least IVB)",
            p,
            [c],
            [s, t, m],
            {"diagnosis_confirmed": True, "t_category": "T4a", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "m_category": m},
            stage_group=("IVA", s),
        )
    )

    # 10. Disagreeing results: an earlier cM0 and a later cM1; an earlier provisional and a later confirmed
    # diagnosis. The newest of each is used.
    p = patient("cancer-patient-mark-everyman", "Mark", "Everyman", "male", "1950-09-25", "m707")
    c_old = cancer("primary-cancer-condition-mark-everyman-suspected", p["id"], "provisional", "2025-12-18")
    c_new = cancer("primary-cancer-condition-mark-everyman", p["id"], "confirmed", "2026-01-09")
    t = tnm("mark-everyman", p["id"], "T", "T4a", "2026-01-11", c_new["id"])
    m_old = tnm("mark-everyman-1", p["id"], "M", "M0", "2026-01-11", c_new["id"])
    m_new = tnm("mark-everyman-2", p["id"], "M", "M1", "2026-02-16", c_new["id"])
    found.append(
        record(
            "10-newest-result-wins",
            "cM0 on 2026-01-11, cM1 on 2026-02-16 (PET-CT): cM1 is used; provisional, then confirmed: confirmed",
            p,
            [c_old, c_new],
            [t, m_old, m_new],
            {"diagnosis_confirmed": True, "t_category": "T4a", "m_category": "M1"},
            {"diagnosis_confirmed": c_new, "t_category": t, "m_category": m_new},
            others={"m_category": [m_old], "diagnosis_confirmed": [c_old]},
        )
    )

    # 11. Results entered in error or cancelled (newer than the valid ones) are not read; an amended one is.
    p = patient("cancer-patient-susan-anyperson", "Susan", "Anyperson", "female", "1963-01-31", "m808")
    c = cancer("primary-cancer-condition-susan-anyperson", p["id"], "confirmed", "2026-01-16")
    c_error = cancer("primary-cancer-condition-susan-anyperson-duplicate", p["id"], "entered-in-error", "2026-01-30")
    c_error["verificationStatus"] = concept((VER, "entered-in-error", "Entered in Error"))
    t = tnm("susan-anyperson", p["id"], "T", "T4a", "2026-01-18", c["id"])
    t_cancelled = tnm("susan-anyperson-2", p["id"], "T", "T4b", "2026-02-03", c["id"], status="cancelled")
    n = tnm("susan-anyperson", p["id"], "N", "N1b", "2026-01-18", c["id"], status="amended")
    m = tnm("susan-anyperson", p["id"], "M", "M0", "2026-01-18", c["id"])
    m_error = tnm("susan-anyperson-2", p["id"], "M", "M1", "2026-02-03", c["id"], status="entered-in-error")
    found.append(
        record(
            "11-entered-in-error-ignored",
            "cM1 entered in error and cT4b cancelled (both newer) are not read: cT4a, cN1b (amended), cM0: IVB",
            p,
            [c, c_error],
            [t, t_cancelled, n, m, m_error],
            {"diagnosis_confirmed": True, "t_category": "T4a", "n_category": "N1b", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m},
            ignored=[c_error, t_cancelled, m_error],
            set_aside=[c_error, t_cancelled, m_error],
        )
    )

    # 12. The same data as patient 3 (SNOMED-coded here) among unrelated resources: nothing changes.
    p = patient("cancer-patient-james-everyman", "James", "Everyman", "male", "1949-06-12", "m909")
    c = cancer("primary-cancer-condition-james-everyman", p["id"], "confirmed", "2026-01-19")
    hypertension = comorbid(
        "us-core-condition-hypertension-james-everyman",
        p["id"],
        (SCT, "77970009", "Benign hypertensive heart disease without congestive heart failure (disorder)"),
        "2012-01-01",
    )
    anxiety = comorbid(
        "us-core-condition-anxiety-james-everyman", p["id"], (SCT, "48694002", "Anxiety (finding)"), "2005-01-01"
    )
    t = tnm("james-everyman", p["id"], "T", "T4a", "2026-01-21", c["id"])
    n = tnm("james-everyman", p["id"], "N", "N1b", "2026-01-21", c["id"])
    m = tnm("james-everyman", p["id"], "M", "M0", "2026-01-21", c["id"])
    bp = blood_pressure("blood-pressure-james-everyman", p["id"], "2026-02-20T09:30:00Z")
    performance = ecog("ecog-performance-status-james-everyman", p["id"], "2026-01-21")
    smoker = smoking("us-core-smokingstatus-james-everyman", p["id"], "2026-01-19")
    found.append(
        record(
            "12-unrelated-resources",
            "As patient 03 (SNOMED-coded), with hypertension, anxiety, a blood pressure, ECOG and smoking status",
            p,
            [hypertension, c, anxiety],
            [bp, t, performance, n, smoker, m],
            {"diagnosis_confirmed": True, "t_category": "T4a", "n_category": "N1b", "m_category": "M0"},
            {"diagnosis_confirmed": c, "t_category": t, "n_category": n, "m_category": m},
            ignored=[hypertension, anxiety, bp, performance, smoker],
        )
    )

    # 13. A resource of another patient in this patient's data: the request is refused.
    p = patient("cancer-patient-robert-anyperson", "Robert", "Anyperson", "male", "1958-10-10", "m111")
    c = cancer("primary-cancer-condition-robert-anyperson", p["id"], "confirmed", "2026-01-21")
    t = tnm("robert-anyperson", p["id"], "T", "T4a", "2026-01-23", c["id"])
    stranger = tnm(
        "eve-anyperson-2",
        "cancer-patient-eve-anyperson",
        "M",
        "M1",
        "2026-01-23",
        "primary-cancer-condition-eve-anyperson",
    )
    found.append(
        record(
            "13-other-patients-resource",
            "Robert's observations include a cM1 of Patient/cancer-patient-eve-anyperson: refused (400)",
            p,
            [c],
            [t, stranger],
            {},
            {},
            status=400,
        )
    )

    # 14. A new referral: no conditions and no observations on record (empty searchsets).
    p = patient("cancer-patient-helen-everyman", "Helen", "Everyman", "female", "1961-02-27", "m222")
    found.append(
        record(
            "14-nothing-on-record",
            "The searches found nothing (Bundles with no entry): every input unknown",
            p,
            [],
            [],
            {},
            {},
        )
    )

    # 15. A differential diagnosis with a BRAF V600E result already back.
    p = patient("cancer-patient-george-anyperson", "George", "Anyperson", "male", "1954-05-05", "m333")
    c = cancer(
        "primary-cancer-condition-george-anyperson",
        p["id"],
        "differential",
        "2026-02-01",
        (ICDO3, "8020/3", "Carcinoma, undifferentiated, NOS"),
    )
    v = braf_v600e("genomic-variant-braf-v600e-george-anyperson", p["id"], "2026-02-06", present=True)
    found.append(
        record(
            "15-differential-diagnosis",
            "Undifferentiated carcinoma (8020/3) as a differential diagnosis; BRAF V600E present",
            p,
            [c],
            [v],
            {"diagnosis_confirmed": False, "targetable_alteration": "BRAF_V600E"},
            {"diagnosis_confirmed": c, "targetable_alteration": v},
        )
    )
    return found


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in patients():
        path = folder / f"patient-{name}.json"
        path.write_text(render(copy.deepcopy(data)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(path)
