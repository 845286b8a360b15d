"""The FHIR sheet: the shipped mapping's codes, and every finding of its loader at the cell to fix.

Broken workbooks are the shipped one read once, with a cell or two changed in
memory (sheet_edits). The expected codes are typed from issue 12's text (mCODE
4.0.0, HL7 Genomics Reporting IG), not read back from the workbook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheet_edits import edited, find, load, located, only, without

from atc_dmn import load_model
from atc_dmn.fhir_mapping import UNVERIFIED, Criterion, MappingRow, alternatives
from atc_dmn.workbook import RawWorkbook, read_workbook

SCT = "http://snomed.info/sct"
LNC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
HGVS = "http://varnomen.hgvs.org"
HISTOLOGY = "extension:http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
# Column letters of the mapping list (Input in B) and of the criterion list (Criterion in B).
INPUT, VALUE, RESOURCE, ELEMENT, SYSTEM, CODE, REQUIRES, PRIORITY, SOURCE = "BCDEFGHIJ"
C_NAME, C_ELEMENT, C_SYSTEM, C_CODE, C_SOURCE = "BCDEF"


@pytest.fixture(scope="module")
def raw(shipped_path: Path) -> RawWorkbook:
    return read_workbook(shipped_path)


@pytest.fixture(scope="module")
def mapping(raw: RawWorkbook) -> tuple[MappingRow, ...]:
    model, findings = load(raw)
    assert model is not None, [(f.code, f.location) for f in findings.errors]
    return model.fhir_mapping


def row_of(raw: RawWorkbook, input_: str, value: Any) -> int:
    """The sheet row of the mapping row for ``input_`` = ``value``."""
    sheet = raw.sheets["FHIR"]
    for (row, col), cell in sorted(sheet.cells.items()):
        if col == 2 and cell.value == input_ and sheet.value(row, 3) == value:
            return row
    raise LookupError((input_, value))


def criterion_row(raw: RawWorkbook, name: str) -> int:
    heading = find(raw, "FHIR", "Criterion", column=2).row
    return next(
        c.row
        for c in sorted(raw.sheets["FHIR"].cells.values(), key=lambda c: c.row)
        if c.col == 2 and c.row > heading and c.value == name
    )


def rows_for(mapping: tuple[MappingRow, ...], input_: str) -> dict[Any, MappingRow]:
    return {row.value: row for row in mapping if row.input == input_}


def codings(need: Criterion | tuple[str, str, str]) -> set[tuple[str, str, str]]:
    return set(alternatives(need))


# -- the shipped mapping -----------------------------------------------------------


def test_the_shipped_workbook_loads_with_its_mapping_located_on_the_sheet(raw: RawWorkbook) -> None:
    model, findings = load(raw)
    assert model is not None and not findings.errors and not findings.warnings
    assert model.fhir_mapping and all(r.origin.source == "FHIR" for r in model.fhir_mapping)
    # The public loader keeps the mapping and the cards, read from the workbook and then from the model cache.
    for _ in range(2):
        loaded = load_model().model
        assert (loaded.fhir_mapping, loaded.cards) == (model.fhir_mapping, model.cards)


def test_diagnosis_reads_the_verification_status_of_an_anaplastic_thyroid_cancer(mapping) -> None:
    rows = [r for r in mapping if r.input == "diagnosis_confirmed"]
    assert {(r.code, r.value) for r in rows} == {
        ("confirmed", True),
        ("provisional", False),
        ("differential", False),
        ("unconfirmed", False),
        ("refuted", False),  # R4 condition-ver-status: a ruled-out diagnosis is not a confirmed one
    }
    for row in rows:
        assert (row.resource, row.element, row.system) == ("Condition", "verificationStatus", VER)
        needs = [codings(n) for n in row.requires]
        assert any(("code", ICD10CM, "C73") in n for n in needs)
        histology = next(n for n in needs if any(e == HISTOLOGY for e, _, _ in n))
        assert {(ICDO3, "8020/3"), (ICDO3, "8021/3")} <= {(s, c) for _, s, c in histology}


@pytest.mark.parametrize(
    ("input_", "value", "code", "category"),
    [
        ("t_category", "T4a", "1228945002", {"21905-5", "399504009"}),
        ("t_category", "T4b", "1228946001", {"21905-5", "399504009"}),
        ("n_category", "N1b", "1229976000", {"21906-3", "399534004"}),
        ("m_category", "M0", "1229901006", {"21907-1", "399387003"}),
        ("m_category", "M1", "1229903009", {"21907-1", "399387003"}),
    ],
)
def test_the_issues_confirmed_tnm_codes_with_a_source(mapping, input_, value, code, category) -> None:
    row = rows_for(mapping, input_)[value]
    assert (row.resource, row.element, row.system, row.code) == ("Observation", "value", SCT, code)
    assert row.verified  # a source, not "unverified"
    (need,) = row.requires
    assert {c for _, _, c in codings(need)} == category


def test_every_tnm_value_is_a_snomed_value_and_every_source_is_given(mapping) -> None:
    for row in mapping:
        assert row.source.strip(), row
        if row.input in ("t_category", "n_category", "m_category"):
            assert (row.element, row.system) == ("value", SCT)
    assert any(r.source == UNVERIFIED for r in mapping)  # the codes nobody confirmed are marked


def test_nothing_maps_the_inputs_the_ehr_rarely_codes(mapping) -> None:
    assert {r.input for r in mapping}.isdisjoint(
        {"resectable", "airway_compromise", "patient_preference", "clinical_trial_available"}
    )


def test_targetable_alterations_and_none_with_present_beating_absent(mapping) -> None:
    rows = rows_for(mapping, "targetable_alteration")
    assert set(rows) == {"BRAF_V600E", "NTRK_fusion", "RET_fusion", "ALK_fusion", "none"}
    braf = rows["BRAF_V600E"]
    assert (braf.element, braf.system, braf.code) == ("component:48005-3", HGVS, "p.Val600Glu")
    genes = {
        "BRAF_V600E": {"1097"},
        "NTRK_fusion": {"8031", "8032", "8033"},
        "RET_fusion": {"9967"},
        "ALK_fusion": {"427"},
    }
    for value, wanted in genes.items():
        needs = [codings(n) for n in rows[value].requires]
        assert any({("code", LNC, "69548-6")} == n for n in needs), value
        studied = {c.removeprefix("HGNC:") for n in needs for e, _, c in n if e == "component:48018-6"}
        assert studied == wanted, value
        assert rows[value].priority is not None
    none = rows["none"]
    assert (none.element, none.system, none.code) == ("value", LNC, "LA9634-2")
    assert none.priority is not None and all(rows[v].priority < none.priority for v in genes)
    fusion = next(codings(n) for n in rows["RET_fusion"].requires if any("48019-4" in e for e, _, _ in codings(n)))
    assert any(c == "SO:0001565" for _, _, c in fusion)


def test_a_workbook_without_a_fhir_sheet_reads_nothing_from_fhir(raw: RawWorkbook) -> None:
    model, findings = load(without(raw, "FHIR"))
    assert model is not None and not findings.errors
    assert model.fhir_mapping == ()


# -- findings, each at its cell ------------------------------------------------------


def test_unknown_input(raw: RawWorkbook) -> None:
    row = row_of(raw, "t_category", "T4a")
    model, findings = load(edited(raw, "FHIR", {f"{INPUT}{row}": "t_categry"}))
    assert model is None
    found = only(findings, "FHIR_INPUT")
    assert found.location == f"FHIR!{INPUT}{row}" and "t_categry" in found.message
    assert "t_category" in found.hint


def test_value_not_allowed_and_blank_value(raw: RawWorkbook) -> None:
    t4a, m0 = row_of(raw, "t_category", "T4a"), row_of(raw, "m_category", "M0")
    _, findings = load(edited(raw, "FHIR", {f"{VALUE}{t4a}": "T5", f"{VALUE}{m0}": None}))
    assert sorted(located(findings, "FHIR_VALUE")) == sorted([f"FHIR!{VALUE}{t4a}", f"FHIR!{VALUE}{m0}"])
    assert any("T5" in f.message and "T4a" in f.message for f in findings if f.code == "FHIR_VALUE")


def test_a_boolean_value_is_read_as_text_or_as_an_excel_boolean(raw: RawWorkbook) -> None:
    # The shipped sheet types booleans as text (LibreOffice saves an Excel boolean as the formula =TRUE()).
    row = row_of(raw, "diagnosis_confirmed", "true")
    model, findings = load(edited(raw, "FHIR", {f"{VALUE}{row}": True}))
    assert model is not None and not findings.errors
    assert next(r for r in model.fhir_mapping if r.origin.location == f"B{row}").value is True


def test_unknown_resource_and_element(raw: RawWorkbook) -> None:
    t4a, m1 = row_of(raw, "t_category", "T4a"), row_of(raw, "m_category", "M1")
    crit = criterion_row(raw, "cT category")
    _, findings = load(
        edited(
            raw,
            "FHIR",
            {f"{RESOURCE}{t4a}": "Procedure", f"{ELEMENT}{m1}": "valueString", f"{C_ELEMENT}{crit}": "cod"},
        )
    )
    assert located(findings, "FHIR_RESOURCE") == [f"FHIR!{RESOURCE}{t4a}"]
    assert sorted(located(findings, "FHIR_ELEMENT")) == sorted([f"FHIR!{ELEMENT}{m1}", f"FHIR!{C_ELEMENT}{crit}"])


def test_blank_code(raw: RawWorkbook) -> None:
    row = row_of(raw, "n_category", "N1b")
    _, findings = load(edited(raw, "FHIR", {f"{CODE}{row}": None}))
    assert located(findings, "FHIR_CODE") == [f"FHIR!{CODE}{row}"]


def test_one_coding_giving_two_values_names_both_rows(raw: RawWorkbook) -> None:
    t4a, t4b = row_of(raw, "t_category", "T4a"), row_of(raw, "t_category", "T4b")
    _, findings = load(edited(raw, "FHIR", {f"{CODE}{t4b}": "1228945002"}))
    found = only(findings, "FHIR_DUPLICATE")
    assert found.location == f"FHIR!{CODE}{t4b}"
    assert f"{CODE}{t4a}" in found.message and "T4a" in found.message and "T4b" in found.message


def test_requires_a_criterion_nobody_defined(raw: RawWorkbook) -> None:
    row = row_of(raw, "t_category", "T4a")
    _, findings = load(edited(raw, "FHIR", {f"{REQUIRES}{row}": "cT category, cT categroy"}))
    found = only(findings, "FHIR_REQUIRES")
    assert found.location == f"FHIR!{REQUIRES}{row}" and "cT categroy" in found.message


@pytest.mark.parametrize("priority", [0, 1.5, "1", True])
def test_priority_must_be_a_whole_number_from_one(raw: RawWorkbook, priority: Any) -> None:
    row = row_of(raw, "targetable_alteration", "none")
    _, findings = load(edited(raw, "FHIR", {f"{PRIORITY}{row}": priority}))
    assert located(findings, "FHIR_PRIORITY") == [f"FHIR!{PRIORITY}{row}"]


def test_empty_source_on_a_row_and_on_a_criterion(raw: RawWorkbook) -> None:
    row, crit = row_of(raw, "m_category", "M0"), criterion_row(raw, "variant assessment")
    _, findings = load(edited(raw, "FHIR", {f"{SOURCE}{row}": None, f"{C_SOURCE}{crit}": None}))
    assert sorted(located(findings, "FHIR_SOURCE")) == sorted([f"FHIR!{SOURCE}{row}", f"FHIR!{C_SOURCE}{crit}"])


def test_a_misnamed_heading_and_a_sheet_without_the_mapping_list(raw: RawWorkbook) -> None:
    heading = find(raw, "FHIR", "Priority")
    _, findings = load(edited(raw, "FHIR", {heading.coordinate: "Rank"}))
    found = only(findings, "FHIR_HEADING")
    assert found.location == f"FHIR!{heading.coordinate}" and "Priority" in found.message
    start = find(raw, "FHIR", "Input")
    _, findings = load(edited(raw, "FHIR", {start.coordinate: None}))
    assert located(findings, "FHIR_HEADING") == ["FHIR!B2"]


def test_a_criterion_row_without_a_name(raw: RawWorkbook) -> None:
    crit = criterion_row(raw, "present")
    _, findings = load(edited(raw, "FHIR", {f"{C_NAME}{crit}": None}))
    assert located(findings, "FHIR_CRITERION") == [f"FHIR!{C_NAME}{crit}"]
    # its one row gone, the rows that require 'present' name a criterion nobody defines
    assert located(findings, "FHIR_REQUIRES")


def test_a_criterion_nothing_requires_is_a_warning(raw: RawWorkbook) -> None:
    sheet = raw.sheets["FHIR"]
    last = max(r for (r, c) in sheet.cells if c == 2)
    extra = {
        f"{C_NAME}{last + 1}": "pathological T",
        f"{C_ELEMENT}{last + 1}": "code",
        f"{C_SYSTEM}{last + 1}": LNC,
        f"{C_CODE}{last + 1}": "21899-0",
        f"{C_SOURCE}{last + 1}": UNVERIFIED,
    }
    model, findings = load(edited(raw, "FHIR", extra))
    assert model is not None and not findings.errors
    assert located(findings, "FHIR_CRITERION_UNUSED") == [f"FHIR!{C_NAME}{last + 1}"]


# -- through the API and the command ------------------------------------------------


def cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def test_read_fhir_gives_a_case_the_model_evaluates() -> None:
    model = load_model()
    condition = {
        "resourceType": "Condition",
        "id": "dx",
        "verificationStatus": cc(VER, "confirmed"),
        "code": cc(ICD10CM, "C73"),
        "extension": [{"url": HISTOLOGY.removeprefix("extension:"), "valueCodeableConcept": cc(ICDO3, "8021/3")}],
    }
    m1 = {
        "resourceType": "Observation",
        "id": "m",
        "status": "final",
        "code": cc(SCT, "399387003"),
        "valueCodeableConcept": cc(SCT, "1229903009"),
    }
    prefetch = {"conditions": {"resourceType": "Bundle", "entry": [{"resource": condition}]}, "observations": m1}
    found = model.read_fhir(prefetch)
    assert found.case == {"diagnosis_confirmed": True, "m_category": "M1"}
    assert found.provenance["m_category"].reference == "Observation/m"
    assert found.provenance["m_category"].origin.startswith("FHIR!")
    # Stage IVC from M1; the preference is unknown (never read from FHIR), so trial or palliative care is offered
    assert model.evaluate(found.case).decision["pathway"] == "clinical_trial_or_palliative"


def test_validate_names_the_sheet_and_cell_of_a_broken_mapping(shipped_workbook, run_atc) -> None:
    wb = openpyxl.load_workbook(shipped_workbook.source)
    ws = wb["FHIR"]
    row = next(r for r in range(4, ws.max_row + 1) if ws[f"B{r}"].value == "m_category" and ws[f"C{r}"].value == "M1")
    broken = shipped_workbook.copy({f"FHIR!C{row}": "M2"})
    done = run_atc("validate", broken)
    assert done.returncode != 0
    assert f"FHIR!C{row}" in done.stdout + done.stderr and "FHIR_VALUE" in done.stdout + done.stderr


def test_tidy_keeps_the_fhir_and_cards_sheets(shipped_workbook, run_atc) -> None:
    copy = shipped_workbook.copy()
    done = run_atc("tidy", copy)
    assert done.returncode == 0, done.stderr
    before, after = load(read_workbook(shipped_workbook.source))[0], load(read_workbook(copy))[0]
    assert before is not None and after is not None
    assert (after.fhir_mapping, after.cards) == (before.fhir_mapping, before.cards)
