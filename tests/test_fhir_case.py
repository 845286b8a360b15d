"""Reading a case from FHIR R4 data through a mapping given as data (atc_dmn.fhir_case).

The mapping is built here from the codes named for the CDS Hooks service (mCODE 4.0.0,
HL7 Genomics Reporting IG); the resources are shaped like mCODE's examples. Every
expected case is written by hand from that mapping and the reading rules in the
module's documentation (newest effective value wins; entered-in-error, superseded and
non-final results ignored), not read back from the reader.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from atc_dmn import DecisionModel
from atc_dmn.errors import DmnError
from atc_dmn.fhir_case import FhirCase, FhirError, FhirMappingError, case_from_fhir
from atc_dmn.fhir_mapping import Coding, MappingRow, validate_rows

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
HGNC = "http://www.genenames.org/geneId"
HGVS = "http://varnomen.hgvs.org"
HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
MCODE = "mCODE 4.0.0"
GENOMICS = "HL7 Genomics Reporting IG"

ATC = (("code", ICD10CM, "C73"), (f"extension:{HISTOLOGY}", ICDO3, "8021/3"))
VARIANT = ("code", LOINC, "69548-6")


def _row(input_: str, value: Any, resource: str, element: str, system: str, code: str, *requires: Any) -> MappingRow:
    return MappingRow(input_, value, resource, element, system, code, MCODE, tuple(requires))


# One row per input value, as a workbook sheet would hold them.
MAPPING: tuple[MappingRow, ...] = (
    _row("diagnosis_confirmed", True, "Condition", "verificationStatus", VER, "confirmed", *ATC),
    _row("diagnosis_confirmed", False, "Condition", "verificationStatus", VER, "provisional", *ATC),
    _row("diagnosis_confirmed", False, "Condition", "verificationStatus", VER, "differential", *ATC),
    _row("diagnosis_confirmed", False, "Condition", "verificationStatus", VER, "unconfirmed", *ATC),
    _row("t_category", "T4a", "Observation", "value", SNOMED, "1228945002", ("code", LOINC, "21905-5")),
    _row("t_category", "T4b", "Observation", "value", SNOMED, "1228946001", ("code", LOINC, "21905-5")),
    _row("n_category", "N1b", "Observation", "value", SNOMED, "1229976000", ("code", LOINC, "21906-3")),
    _row("m_category", "M0", "Observation", "value", SNOMED, "1229901006", ("code", LOINC, "21907-1")),
    _row("m_category", "M1", "Observation", "value", SNOMED, "1229903009", ("code", LOINC, "21907-1")),
    MappingRow(
        "targetable_alteration",
        "BRAF_V600E",
        "Observation",
        "component:48005-3",
        HGVS,
        "p.Val600Glu",
        GENOMICS,
        (VARIANT, ("value", LOINC, "LA9633-4"), ("component:48018-6", HGNC, "1097")),
    ),
    MappingRow("targetable_alteration", "none", "Observation", "value", LOINC, "LA9634-2", GENOMICS, (VARIANT,)),
)


# -- resources shaped like mCODE's examples -----------------------------------------


def cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def condition(ident: str, status: str, histology: str = "8021/3", recorded: str = "2026-01-04") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "meta": {"profile": ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]},
        "extension": [{"url": HISTOLOGY, "valueCodeableConcept": cc(ICDO3, histology, "Carcinoma, anaplastic, NOS")}],
        "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        "verificationStatus": cc(VER, status),
        "category": [cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")],
        "code": cc(ICD10CM, "C73", "Malignant neoplasm of thyroid gland"),
        "subject": {"reference": "Patient/p"},
        "recordedDate": recorded,
    }


def tnm(ident: str, loinc: str, snomed: str, when: str, status: str = "final") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": status,
        "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category", "survey")],
        "code": cc(LOINC, loinc),
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": when,
        "valueCodeableConcept": cc(SNOMED, snomed),
        "method": cc(SNOMED, "897275008", "AJCC 8th"),
    }


def variant(
    ident: str, present: bool, gene: str = "HGNC:1097", change: str = "NP_004324.2:p.Val600Glu"
) -> dict[str, Any]:
    components = [{"code": cc(LOINC, "48018-6"), "valueCodeableConcept": cc(HGNC, gene, "BRAF")}]
    if present:
        components.append({"code": cc(LOINC, "48005-3"), "valueCodeableConcept": cc(HGVS, change)})
    return {
        "resourceType": "Observation",
        "id": ident,
        "meta": {"profile": ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant"]},
        "status": "final",
        "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
        "code": cc(LOINC, "69548-6", "Genetic variant assessment"),
        "subject": {"reference": "Patient/p"},
        "issued": "2026-01-20T10:00:00Z",
        "valueCodeableConcept": cc(LOINC, "LA9633-4" if present else "LA9634-2"),
        "component": components,
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def prefetch(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    """A CDS Hooks prefetch: every resource goes under the key it would come in, read by code regardless."""
    return {
        "patient": patient or {"resourceType": "Patient", "id": "p"},
        "conditions": bundle(*[r for r in resources if r["resourceType"] == "Condition"]),
        "observations": bundle(*[r for r in resources if r["resourceType"] != "Condition"]),
    }


# -- the patients ---------------------------------------------------------------------


def test_confirmed_braf_patient_reads_every_mapped_input() -> None:
    data = prefetch(
        condition("dx", "confirmed"),
        tnm("t", "21905-5", "1228945002", "2026-01-10"),
        tnm("n", "21906-3", "1229976000", "2026-01-10"),
        tnm("m", "21907-1", "1229901006", "2026-01-10"),
        variant("braf", present=True),
    )
    found = case_from_fhir(MAPPING, data)
    assert found.case == {
        "diagnosis_confirmed": True,
        "t_category": "T4a",
        "n_category": "N1b",
        "m_category": "M0",
        "targetable_alteration": "BRAF_V600E",
    }
    braf = found.provenance["targetable_alteration"]
    assert (braf.reference, braf.effective, braf.others) == ("Observation/braf", "2026-01-20T10:00:00Z", ())
    assert braf.element == "component[1].valueCodeableConcept.coding[0]"  # within the resource
    assert braf.coding == Coding(HGVS, "NP_004324.2:p.Val600Glu")
    dx = found.provenance["diagnosis_confirmed"]
    assert (dx.reference, dx.element, dx.effective) == (
        "Condition/dx",
        "verificationStatus.coding[0]",
        "2026-01-04",
    )
    assert found.ambiguous == {}


def test_provisional_diagnosis_metastatic_braf_absent() -> None:
    data = prefetch(
        condition("dx", "provisional"),
        tnm("m", "21907-1", "1229903009", "2026-01-10"),
        variant("braf", present=False),
    )
    assert case_from_fhir(MAPPING, data).case == {
        "diagnosis_confirmed": False,
        "m_category": "M1",
        "targetable_alteration": "none",
    }


@pytest.mark.parametrize("status", ["differential", "unconfirmed"])
def test_unconfirmed_verification_statuses_read_false(status: str) -> None:
    assert case_from_fhir(MAPPING, [condition("dx", status)]).case == {"diagnosis_confirmed": False}


def test_conflicting_t_categories_newest_wins_and_the_other_is_named() -> None:
    data = prefetch(
        tnm("t-old", "21905-5", "1228945002", "2026-01-05"),
        tnm("t-new", "21905-5", "1228946001", "2026-02-10T09:30:00+01:00"),
        tnm("t-same", "21905-5", "1228946001", "2025-12-01"),
    )
    found = case_from_fhir(MAPPING, data)
    assert found.case == {"t_category": "T4b"}
    t = found.provenance["t_category"]
    assert (t.reference, t.effective, t.others) == (
        "Observation/t-new",
        "2026-02-10T09:30:00+01:00",
        ("Observation/t-old",),
    )
    assert t.to_dict()["others"] == ["Observation/t-old"]


def test_the_newest_is_compared_as_an_instant_across_time_zones() -> None:
    # 2026-03-01T01:00+05:00 is 2026-02-28T20:00Z, earlier than 2026-02-28T23:00Z.
    data = [
        tnm("east", "21905-5", "1228945002", "2026-03-01T01:00:00+05:00"),
        tnm("utc", "21905-5", "1228946001", "2026-02-28T23:00:00Z"),
    ]
    found = case_from_fhir(MAPPING, data)
    assert found.case == {"t_category": "T4b"}
    assert found.provenance["t_category"].others == ("Observation/east",)


def test_entered_in_error_superseded_and_preliminary_are_ignored() -> None:
    data = prefetch(
        condition("dx-error", "entered-in-error", recorded="2026-02-01"),
        condition("dx", "provisional"),
        tnm("m0", "21907-1", "1229901006", "2026-01-10"),
        tnm("m1-error", "21907-1", "1229903009", "2026-02-01", status="entered-in-error"),
        tnm("m1-cancelled", "21907-1", "1229903009", "2026-02-02", status="cancelled"),
        tnm("t-prelim", "21905-5", "1228946001", "2026-02-01", status="preliminary"),
        tnm("t-final", "21905-5", "1228945002", "2026-01-10", status="amended"),
        {**tnm("n-superseded", "21906-3", "1229976000", "2026-01-10"), "status": "superseded"},
    )
    found = case_from_fhir(MAPPING, data)
    assert found.case == {"diagnosis_confirmed": False, "m_category": "M0", "t_category": "T4a"}
    assert found.provenance["m_category"].others == ()


def test_unrelated_resources_and_null_prefetch_give_unknown() -> None:
    data = {
        "patient": {"resourceType": "Patient", "id": "p", "gender": "female"},
        "conditions": bundle(
            {**condition("lung", "confirmed"), "code": cc(ICD10CM, "C34.90")},
            {**condition("ptc", "confirmed", histology="8260/3")},  # papillary: not the mapped histology
        ),
        "observations": bundle(
            {"resourceType": "Observation", "id": "h", "status": "final", "code": cc(LOINC, "8302-2")},
            # a stage value under another Observation code is not a T category
            {**tnm("wrong-code", "21908-9", "1228945002", "2026-01-10")},
        ),
        "medications": None,
    }
    found = case_from_fhir(MAPPING, data)
    assert found == FhirCase({}, {}, {})


def test_missing_values_and_empty_bundles_give_unknown() -> None:
    no_value = tnm("t", "21905-5", "1228945002", "2026-01-10")
    del no_value["valueCodeableConcept"]
    no_value["dataAbsentReason"] = cc("http://terminology.hl7.org/CodeSystem/data-absent-reason", "unknown")
    data = {"a": None, "b": {"resourceType": "Bundle", "type": "searchset"}, "c": bundle(no_value)}
    assert case_from_fhir(MAPPING, data).case == {}
    assert case_from_fhir(MAPPING, []).case == {}


def test_resources_are_found_by_code_not_by_prefetch_key() -> None:
    observations = bundle(condition("dx", "confirmed"), tnm("m", "21907-1", "1229903009", "2026-01-10"))
    nested = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": observations}]}
    assert case_from_fhir(MAPPING, {"whatever": nested}).case == {"diagnosis_confirmed": True, "m_category": "M1"}


def test_a_variant_without_the_braf_gene_gives_no_braf() -> None:
    other_gene = variant("v", present=True, gene="HGNC:9967")
    assert case_from_fhir(MAPPING, [other_gene]).case == {}


def test_a_text_value_matches_a_row_without_system() -> None:
    rows = (MappingRow("targetable_alteration", "BRAF_V600E", "Observation", "component:48005-3", "", "p.Val600Glu"),)
    obs = variant("v", present=True)
    obs["component"][1] = {"code": cc(LOINC, "48005-3"), "valueString": "p.Val600Glu"}
    assert case_from_fhir(rows, [obs]).case == {"targetable_alteration": "BRAF_V600E"}


def test_one_resource_with_two_values_says_nothing_about_that_input() -> None:
    both = tnm("t", "21905-5", "1228945002", "2026-01-10")
    both["valueCodeableConcept"]["coding"].append({"system": SNOMED, "code": "1228946001"})
    found = case_from_fhir(MAPPING, [both, tnm("m", "21907-1", "1229901006", "2026-01-10")])
    assert found.case == {"m_category": "M0"}
    assert found.ambiguous == {"t_category": ("Observation/t",)}


def test_disagreeing_resources_on_the_same_date_leave_the_input_unknown() -> None:
    found = case_from_fhir(
        MAPPING,
        [tnm("a", "21905-5", "1228945002", "2026-01-10"), tnm("b", "21905-5", "1228946001", "2026-01-10")],
    )
    assert found.case == {}
    assert found.ambiguous == {"t_category": ("Observation/a", "Observation/b")}


def test_read_cases_are_cases_the_model_takes(model: DecisionModel) -> None:
    data = prefetch(condition("dx", "provisional"), tnm("m", "21907-1", "1229903009", "2026-01-10"))
    result = model.evaluate(case_from_fhir(MAPPING, data).case).to_dict()
    # decision-model.md: diagnosis_confirmed not true -> diagnostic_workup; M1 -> IVC.
    assert result["decision"]["pathway"] == "diagnostic_workup"
    assert result["decision"]["stage"] == "IVC"


# -- malformed FHIR ----------------------------------------------------------------------


def _bad(data: Any) -> FhirError:
    with pytest.raises(FhirError) as caught:
        case_from_fhir(MAPPING, data)
    return caught.value


def _four() -> dict[str, Any]:
    return bundle(
        {"resourceType": "Patient", "id": "p"},
        condition("dx", "confirmed"),
        tnm("t", "21905-5", "1228945002", "2026-01-10"),
        tnm("n", "21906-3", "1229976000", "2026-01-10"),
    )


def test_a_coding_that_is_not_an_object_names_its_path() -> None:
    data = _four()
    data["entry"][3]["resource"]["code"]["coding"][0] = "21906-3"
    error = _bad(data)
    assert error.path == "entry[3].resource.code.coding[0]"
    assert isinstance(error, DmnError)
    assert error.operation_outcome() == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "structure",
                "diagnostics": error.message,
                "expression": ["entry[3].resource.code.coding[0]"],
            }
        ],
    }


def _obs(data: dict[str, Any]) -> dict[str, Any]:
    return data["observations"]["entry"][0]["resource"]


OBS = "observations.entry[0].resource"
MALFORMED = {
    "resource-not-object": (lambda d: d["observations"]["entry"].__setitem__(0, {"resource": ["x"]}), OBS),
    "no-resourceType": (lambda d: _obs(d).pop("resourceType"), OBS),
    "entry-not-list": (lambda d: d["observations"].__setitem__("entry", {"resource": {}}), "observations.entry"),
    "coding-not-list": (
        lambda d: d["conditions"]["entry"][0]["resource"]["code"].__setitem__("coding", {"code": "C73"}),
        "conditions.entry[0].resource.code.coding",
    ),
    "date-not-fhir": (lambda d: _obs(d).__setitem__("effectiveDateTime", "10/01/2026"), f"{OBS}.effectiveDateTime"),
    "time-without-zone": (
        lambda d: _obs(d).__setitem__("effectiveDateTime", "2026-01-10T09:00:00"),
        f"{OBS}.effectiveDateTime",
    ),
    "component-not-list": (lambda d: _obs(d).__setitem__("component", "48018-6"), f"{OBS}.component"),
    "prefetch-value-not-object": (lambda d: d.__setitem__("patient", "p"), "patient"),
}


@pytest.mark.parametrize(("damage", "path"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_fhir_is_an_error_with_its_path(damage: Any, path: str) -> None:
    data = copy.deepcopy(
        prefetch(condition("dx", "confirmed"), tnm("t", "21905-5", "1228945002", "2026-01-10"), variant("v", True))
    )
    damage(data)
    error = _bad(data)
    assert error.path == path
    outcome = error.operation_outcome()
    assert outcome["issue"][0]["expression"] == [path]
    assert outcome["issue"][0]["severity"] == "error"


def test_a_bad_date_error_lists_the_accepted_forms() -> None:
    error = _bad([tnm("t", "21905-5", "1228945002", "2026-13-01")])
    assert error.path == "[0].effectiveDateTime"
    assert "YYYY-MM-DD" in error.allowed
    assert "YYYY-MM-DD" in error.operation_outcome()["issue"][0]["diagnostics"]


def test_not_fhir_at_all() -> None:
    assert _bad("Patient/p").path == ""
    assert _bad([42]).path == "[0]"


# -- the mapping rows ----------------------------------------------------------------------


def test_the_mapping_fits_the_shipped_model(model: DecisionModel) -> None:
    assert validate_rows(MAPPING, model.inputs) == []


def test_validate_rows_finds_each_problem_with_its_row(model: DecisionModel) -> None:
    rows = (
        *MAPPING[:2],
        _row("diagnosis_confrimed", True, "Condition", "verificationStatus", VER, "confirmed"),
        _row("t_category", "T5", "Observation", "value", SNOMED, "1", ("code", LOINC, "21905-5")),
        _row("t_category", "T4b", "Observation", "value", SNOMED, "1228945002", ("code", LOINC, "21905-5")),
        _row("m_category", "M0", "Procedure", "value", SNOMED, "1229901006"),
        _row("m_category", "M0", "Observation", "method", SNOMED, "1229901006"),
        _row("diagnosis_confirmed", "yes", "Condition", "verificationStatus", VER, "refuted"),
        *MAPPING[4:5],
    )
    found = [(p.row, p.field) for p in validate_rows(rows, model.inputs)]
    assert found == [(2, "input"), (3, "value"), (5, "resource"), (6, "element"), (7, "value"), (8, "code")]
    # The same coding giving the same value twice is not a problem; nor is a value with no row.
    assert validate_rows((MAPPING[4], MAPPING[4]), {"t_category": ("T4a", "T4b", "T1")}) == []


def test_validate_rows_keeps_booleans_apart_from_text() -> None:
    rows = (_row("diagnosis_confirmed", "true", "Condition", "verificationStatus", VER, "confirmed"),)
    assert [p.field for p in validate_rows(rows, {"diagnosis_confirmed": (True, False)})] == ["value"]


def test_the_reader_refuses_rows_it_cannot_read() -> None:
    with pytest.raises(FhirMappingError) as caught:
        case_from_fhir((_row("m_category", "M0", "Observation", "valueQuantity", SNOMED, "x"),), [])
    assert [(p.row, p.field) for p in caught.value.problems] == [(0, "element")]


# -- seen, not read; set aside; what the criteria matched (review of issue 12) -------------------------

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def test_a_newer_refuted_diagnosis_reads_false_through_the_shipped_fhir_sheet(model: DecisionModel) -> None:
    # condition-ver-status has refuted (R4); the FHIR sheet maps it to false, so the newer refutation wins.
    data = prefetch(
        condition("dx", "confirmed", recorded="2026-01-20"), condition("dx-refuted", "refuted", recorded="2026-03-01")
    )
    found = model.read_fhir(data, now=NOW)
    assert found.case["diagnosis_confirmed"] is False
    assert found.provenance["diagnosis_confirmed"].reference == "Condition/dx-refuted"
    assert found.provenance["diagnosis_confirmed"].others == ("Condition/dx",)
    # decision-model.md: a diagnosis that is not confirmed -> the diagnostic work-up.
    assert model.evaluate(found.case).decision["pathway"] == "diagnostic_workup"


def test_a_newer_record_no_row_reads_leaves_the_input_unknown_and_is_listed() -> None:
    # MAPPING has no refuted row: the refuted Condition meets the ATC criteria but gives no value.
    data = prefetch(
        condition("dx", "confirmed", recorded="2026-01-20"), condition("dx-refuted", "refuted", recorded="2026-03-01")
    )
    found = case_from_fhir(MAPPING, data, now=NOW)
    assert "diagnosis_confirmed" not in found.case
    assert set(found.ambiguous["diagnosis_confirmed"]) == {"Condition/dx", "Condition/dx-refuted"}
    (unread,) = found.unread["diagnosis_confirmed"]
    assert unread.reference == "Condition/dx-refuted" and unread.effective == "2026-03-01"
    assert f"{VER}|refuted" in unread.why


def test_an_older_record_no_row_reads_is_listed_and_the_newer_value_used() -> None:
    data = prefetch(
        condition("dx-refuted", "refuted", recorded="2025-06-01"), condition("dx", "confirmed", recorded="2026-01-20")
    )
    found = case_from_fhir(MAPPING, data, now=NOW)
    assert found.case["diagnosis_confirmed"] is True and "diagnosis_confirmed" not in found.ambiguous
    assert [n.reference for n in found.unread["diagnosis_confirmed"]] == ["Condition/dx-refuted"]


def test_a_condition_without_verification_status_as_new_as_the_value_leaves_it_unknown() -> None:
    bare = condition("dx-bare", "confirmed", recorded="2026-01-20")
    del bare["verificationStatus"]
    found = case_from_fhir(MAPPING, prefetch(condition("dx", "confirmed", recorded="2026-01-20"), bare), now=NOW)
    assert "diagnosis_confirmed" not in found.case
    assert found.unread["diagnosis_confirmed"][0].why == "no verificationStatus"
    alone = case_from_fhir(MAPPING, prefetch(bare), now=NOW)
    assert alone.case == {} and alone.ambiguous == {} and len(alone.unread["diagnosis_confirmed"]) == 1


def test_a_resource_that_meets_no_rows_criteria_is_not_listed() -> None:
    # A papillary histology does not meet "anaplastic histology": nothing about the diagnosis input.
    found = case_from_fhir(MAPPING, prefetch(condition("dtc", "confirmed", histology="8260/3")), now=NOW)
    assert found.case == {} and found.unread == {} and found.set_aside == {}


def test_results_set_aside_by_status_are_listed_with_their_status_and_value() -> None:
    data = prefetch(
        condition("dx", "confirmed"),
        condition("dx-error", "entered-in-error", recorded="2026-02-01"),
        tnm("m0", "21907-1", "1229901006", "2026-01-22"),
        tnm("m1-prelim", "21907-1", "1229903009", "2026-03-01", status="preliminary"),
        tnm("t-cancelled", "21905-5", "1228946001", "2026-02-02", status="cancelled"),
        {k: v for k, v in tnm("n-nostatus", "21906-3", "1229976000", "2026-01-10").items() if k != "status"},
    )
    found = case_from_fhir(MAPPING, data, now=NOW)
    assert found.case == {"diagnosis_confirmed": True, "m_category": "M0"}
    aside = {k: [(n.reference, n.why, n.value) for n in v] for k, v in found.set_aside.items()}
    assert aside == {
        "diagnosis_confirmed": [("Condition/dx-error", "verificationStatus entered-in-error", None)],
        "m_category": [("Observation/m1-prelim", "preliminary", "M1")],
        "t_category": [("Observation/t-cancelled", "cancelled", "T4b")],
        "n_category": [("Observation/n-nostatus", "no status", "N1b")],
    }
    assert found.set_aside["m_category"][0].effective == "2026-03-01"


def test_a_resource_dated_in_the_future_is_set_aside() -> None:
    data = prefetch(
        tnm("m1", "21907-1", "1229903009", "2026-03-01"), tnm("m0-2062", "21907-1", "1229901006", "2062-01-22")
    )
    found = case_from_fhir(MAPPING, data, now=NOW)
    assert found.case == {"m_category": "M1"}
    assert [(n.reference, n.why, n.value) for n in found.set_aside["m_category"]] == [
        ("Observation/m0-2062", "dated in the future", "M0")
    ]
    # A day of clock skew: a result dated tomorrow (the EHR's clock ahead) is still read.
    tomorrow = prefetch(tnm("m0", "21907-1", "1229901006", "2026-03-11T06:00:00Z"))
    assert case_from_fhir(MAPPING, tomorrow, now=NOW).case == {"m_category": "M0"}
    # Without now, the current time: 2062 is after it.
    assert case_from_fhir(MAPPING, data).case == {"m_category": "M1"}


@pytest.mark.parametrize("status", ["inactive", "remission", "resolved"])
def test_a_condition_no_longer_current_is_not_a_basis(status: str) -> None:
    old = {**condition("dx-2015", "confirmed", recorded="2015-05-01"), "clinicalStatus": cc(CLINICAL, status)}
    found = case_from_fhir(MAPPING, prefetch(old), now=NOW)
    assert found.case == {}
    assert [(n.reference, n.why, n.value) for n in found.set_aside["diagnosis_confirmed"]] == [
        ("Condition/dx-2015", f"clinicalStatus {status}", True)
    ]


def test_the_provenance_names_the_codings_that_met_the_criteria(model: DecisionModel) -> None:
    found = model.read_fhir(prefetch(condition("dx", "confirmed")), now=NOW)
    met = {c.criterion: c for c in found.provenance["diagnosis_confirmed"].criteria}
    assert set(met) == {"thyroid cancer", "anaplastic histology"}
    assert (met["thyroid cancer"].coding, met["thyroid cancer"].element) == (Coding(ICD10CM, "C73"), "code.coding[0]")
    assert "mCODE" in met["thyroid cancer"].source
    assert met["anaplastic histology"].coding == Coding(ICDO3, "8021/3")
    assert met["anaplastic histology"].element == "extension[0].valueCodeableConcept.coding[0]"
    assert met["anaplastic histology"].source == "unverified"  # FHIR!F37: no source lists ICD-O-3 codes
    assert found.provenance["diagnosis_confirmed"].to_dict()["criteria"][0]["criterion"] == "thyroid cancer"


def test_a_fusions_provenance_names_the_gene_and_the_change_type(model: DecisionModel) -> None:
    fusion = variant("ret", True, gene="HGNC:9967")
    fusion["component"] = [
        {"code": cc(LOINC, "48018-6"), "valueCodeableConcept": cc("http://www.genenames.org", "HGNC:9967", "RET")},
        {"code": cc(LOINC, "48019-4"), "valueCodeableConcept": cc("http://www.sequenceontology.org", "SO:0001565")},
    ]
    found = model.read_fhir(prefetch(fusion), now=NOW)
    assert found.case == {"targetable_alteration": "RET_fusion"}
    met = {c.criterion: c.coding.code for c in found.provenance["targetable_alteration"].criteria}
    assert met == {"variant assessment": "69548-6", "RET": "HGNC:9967", "gene fusion": "SO:0001565"}


IMPOSSIBLE = {
    "feb-30": (lambda r: r.__setitem__("effectiveDateTime", "2026-02-30"), "effectiveDateTime"),
    "apr-31": (lambda r: r.__setitem__("effectiveDateTime", "2026-04-31"), "effectiveDateTime"),
    "year-0": (lambda r: r.__setitem__("effectiveDateTime", "0000-01-01"), "effectiveDateTime"),
    "zone-past-9999": (lambda r: r.__setitem__("effectiveDateTime", "9999-12-31T23:00:00-14:00"), "effectiveDateTime"),
    "period-end": (lambda r: r.__setitem__("effectivePeriod", {"end": "2026-02-29"}), "effectivePeriod.end"),
    "status-list": (lambda r: r.__setitem__("status", ["final"]), "status"),
    "status-object": (lambda r: r.__setitem__("status", {"code": "final"}), "status"),
    "status-null": (lambda r: r.__setitem__("status", None), "status"),
    "clinicalStatus-text": (lambda r: r.__setitem__("clinicalStatus", "active"), "clinicalStatus"),
    "verificationStatus-list": (lambda r: r.__setitem__("verificationStatus", [cc(VER, "x")]), "verificationStatus"),
}


@pytest.mark.parametrize(("damage", "tail"), list(IMPOSSIBLE.values()), ids=list(IMPOSSIBLE))
def test_impossible_dates_and_statuses_of_the_wrong_type_are_errors(damage: Any, tail: str) -> None:
    data = prefetch(tnm("t", "21905-5", "1228945002", "2026-01-10"))
    del _obs(data)["effectiveDateTime"]
    damage(_obs(data))
    error = _bad(data)
    assert error.path == f"{OBS}.{tail}"
    assert error.operation_outcome()["issue"][0]["expression"] == [f"{OBS}.{tail}"]


def test_bundles_nested_too_deep_are_an_error_not_a_crash() -> None:
    data: dict[str, Any] = tnm("t", "21905-5", "1228945002", "2026-01-10")
    for _ in range(200):
        data = bundle({**data, "id": "b"})
    assert "nested" in _bad(data).message
