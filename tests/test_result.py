"""What an evaluation reports besides the codes: wording, trace, references, identity, notice.

Expected values are read from the workbook with openpyxl, independently of
the runtime's loader, so the tests check that the runtime reports what the
workbook says.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import openpyxl
import pytest

from atc_dmn import FiredRule, ModelIdentity, Result, TableTrace, load_model

SPEC_CODES: dict[str, set[str]] = {
    "stage": {"IVA", "IVB", "IVC", "unknown"},
    "pathway": {
        "diagnostic_workup",
        "staging_workup",
        "resectability_assessment",
        "multimodal_curative_intent",
        "chemoradiotherapy",
        "clinical_trial_or_palliative",
        "clinical_trial",
        "systemic_therapy",
        "palliative_care",
    },
    "surgery": {"total_thyroidectomy_with_neck_dissection", "palliative_airway_surgery", "none"},
    "radiotherapy": {"adjuvant_ebrt", "definitive_ebrt", "none"},
    "systemic_therapy": {"chemotherapy", "targeted_therapy", "clinical_trial", "pending_patient_decision", "none"},
    "molecular_testing": {"recommended", "completed", "not_required"},
    "actions": {
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
    },
}
# The seed's reference list: five entries, unnumbered, in this order (title fragment, year).
SPEC_REFERENCES = [
    ("Guideline Directed Topic Overview", "2025"),
    ("American Thyroid Association guidelines for management of patients with anaplastic thyroid cancer", "2012"),
    ("Contemporary Management of Anaplastic Thyroid Cancer", "2020"),
    ("Anaplastic thyroid cancer: a comprehensive review of novel therapy", "2011"),
    ("Diagnostic Approach for Suspected Anaplastic Thyroid Cancer", "2025"),
]
CASE = {
    "diagnosis_confirmed": True,
    "t_category": "T4a",
    "n_category": "N1b",
    "m_category": "M0",
    "resectable": False,
    "airway_compromise": "yes",
    "targetable_alteration": "BRAF_V600E",
}


@pytest.fixture(scope="module")
def book(shipped_path):
    return openpyxl.load_workbook(shipped_path)


def wording_of(book) -> dict[tuple[str, str], str]:
    ws = book["Wording"]
    out = {}
    for row in ws.iter_rows(values_only=True):
        cells = [c for c in row if c is not None]
        if len(cells) == 3 and cells[0] != "Output":
            out[(str(cells[0]), str(cells[1]))] = str(cells[2])
    return out


def model_sheet(book) -> dict[str, str]:
    return {
        str(row[0]).lower(): str(row[1])
        for row in (tuple(c for c in r if c is not None) for r in book["Model"].iter_rows(values_only=True))
        if len(row) == 2
    }


def table_layout(book, sheet: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """A table sheet read directly: its input headings, and per rule id its Rationale and Citations cells."""
    ws = book[sheet]
    heads = {c.value: c.column for c in ws[3] if c.value is not None}
    inputs = []
    for c in ws[3][2:]:
        inputs.append(c.value)
        if c.border.right is not None and c.border.right.style == "double":
            break
    rules = {}
    for r in range(5, ws.max_row + 1):
        rid = ws.cell(row=r, column=2).value
        if rid is None:
            break
        rules[str(rid)] = {
            "rationale": ws.cell(row=r, column=heads["Rationale"]).value,
            "citations": ws.cell(row=r, column=heads["Citations"]).value,
        }
    return inputs, rules


def parse_citations(cell: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(cell or "")))


# -- decision ---------------------------------------------------------------------


def test_decision_has_the_seven_spec_outputs(model):
    result = model.evaluate(CASE)
    assert isinstance(result, Result)
    assert set(result.decision) == set(SPEC_CODES)
    assert len(result.decision) == 7


def test_every_code_over_the_input_space_is_a_spec_code(model, main_cases):
    seen: dict[str, set[str]] = {k: set() for k in SPEC_CODES}
    for case in main_cases:
        decision = model.evaluate(case).decision
        assert set(decision) == set(SPEC_CODES)
        for key, value in decision.items():
            if key == "actions":
                assert isinstance(value, list)
                seen[key].update(value)
            else:
                assert isinstance(value, str)
                seen[key].add(value)
        for key in SPEC_CODES:
            assert seen[key] <= SPEC_CODES[key], key
    # Every spec code is reachable from the main inputs (stage codes too, IVA..unknown).
    assert seen == SPEC_CODES


def test_result_inputs_are_the_normalised_case(model):
    result = model.evaluate(CASE)
    assert result.inputs["airway_compromise"] is True
    assert result.inputs["patient_preference"] == "undecided"
    assert result.inputs["stage"] is None


# -- text ---------------------------------------------------------------------------


def test_text_is_the_workbook_wording(model, book, main_cases):
    wording = wording_of(book)
    for case in main_cases[::97]:
        result = model.evaluate(case)
        for key, value in result.decision.items():
            if isinstance(value, list):
                assert result.text[key] == [wording[(key, code)] for code in value]
            else:
                assert result.text[key] == wording[(key, value)]


def test_every_output_code_has_wording(book):
    wording = wording_of(book)
    for key, codes in SPEC_CODES.items():
        for code in codes:
            assert wording.get((key, code), "").strip(), f"no wording for {key} = {code}"


def test_editing_a_wording_cell_changes_the_text(model, shipped_workbook):
    ws = shipped_workbook.sheet("Wording")
    row = next(r for r in ws.iter_rows() if r[1].value == "pathway" and r[2].value == "chemoradiotherapy")
    cell = f"Wording!{row[3].coordinate}"
    new = "Chemoradiotherapy (edited wording for a test)."
    copy = load_model(shipped_workbook.copy({cell: new}))
    before = model.evaluate(CASE)
    after = copy.evaluate(CASE)
    assert before.decision == after.decision
    assert before.text["pathway"] != new
    assert after.text["pathway"] == new
    assert {k: v for k, v in after.text.items() if k != "pathway"} == {
        k: v for k, v in before.text.items() if k != "pathway"
    }


# -- trace ----------------------------------------------------------------------------


def test_trace_follows_the_decision_sheet_order(model, book):
    ws = book["Decision"]
    order = [ws.cell(row=r, column=3).value for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=3).value]
    trace = model.evaluate(CASE).trace
    assert [step.table for step in trace] == order
    assert all(isinstance(step, TableTrace) for step in trace)


@pytest.mark.parametrize(
    "case",
    [
        CASE,
        {},
        {"diagnosis_confirmed": True, "stage": "IVC", "patient_preference": "active_treatment"},
        {"diagnosis_confirmed": True, "stage": "IVA", "resectable": True, "clinical_trial_available": False},
    ],
)
def test_trace_shows_inputs_rules_annotations_and_citations(model, book, case):
    result = model.evaluate(case)
    state = {}
    for step in result.trace:
        inputs, rules = table_layout(book, step.sheet)
        assert list(step.inputs) == inputs, step.table
        assert step.rules, f"no rule fired in {step.table}"
        for rule in step.rules:
            assert isinstance(rule, FiredRule)
            assert rule.id in rules
            assert rule.annotation == rules[rule.id]["rationale"]
            assert rule.citations == parse_citations(rules[rule.id]["citations"])
            assert rule.sheet == step.sheet
        # What a later table sees is what an earlier one decided.
        for name, value in step.inputs.items():
            if name in state:
                assert value == state[name], (step.table, name)
        state.update(step.outputs)
    pathway_step = next(s for s in result.trace if s.table == "Pathway")
    assert pathway_step.inputs["Diagnosis confirmed"] == result.inputs["diagnosis_confirmed"]
    assert pathway_step.inputs["Patient preference"] == result.inputs["patient_preference"]
    assert pathway_step.inputs["Stage"] == result.decision["stage"]
    assert pathway_step.outputs["Pathway"] == result.decision["pathway"]


def test_trace_of_a_collect_table_lists_every_fired_rule(model):
    result = model.evaluate(CASE)
    step = next(s for s in result.trace if s.table == "Actions")
    assert len(step.rules) == len(result.decision["actions"]) > 5
    assert len({r.id for r in step.rules}) == len(step.rules)


# -- references -------------------------------------------------------------------------


def citations_sheet(book) -> dict[int, tuple[Any, str]]:
    ws = book["References"]
    out = {}
    for r in range(4, ws.max_row + 1):
        number = ws.cell(row=r, column=2).value
        if not isinstance(number, int):
            break
        out[number] = (ws.cell(row=r, column=3).value, ws.cell(row=r, column=4).value)
    return out


def test_references_are_the_citations_of_fired_rules(model, book):
    sheet = citations_sheet(book)
    for case in (CASE, {}, {"diagnosis_confirmed": True, "stage": "IVC", "patient_preference": "active_treatment"}):
        result = model.evaluate(case)
        cited = sorted({n for step in result.trace for rule in step.rules for n in rule.citations})
        assert [ref["citation"] for ref in result.references] == cited
        for ref in result.references:
            assert ref["note"] == sheet[ref["citation"]][1]


def test_unpaired_citations_say_so_rather_than_guess(model, book):
    # The seed cites [1]-[7] but does not number its reference list: no pairing is guessed.
    sheet = citations_sheet(book)
    assert sorted(sheet) == list(range(1, 8))
    for _number, (entry, note) in sheet.items():
        assert entry is None
        assert note and "not" in note.lower()
    for ref in model.evaluate(CASE).references:
        assert ref["entry"] is None
        assert ref["note"]


def test_reference_list_is_the_seed_list_as_given(model):
    listed = model.evaluate(CASE).reference_list
    assert len(listed) == 5
    for entry, (title, year) in zip(listed, SPEC_REFERENCES):
        assert title in entry["title"]
        assert entry["year"] == year


def test_pairing_a_citation_in_the_workbook_shows_its_reference(shipped_workbook):
    row = shipped_workbook.row_of("References", 2, 1)  # citation [1]
    path = shipped_workbook.copy({f"References!C{row}": 2})
    result = load_model(path).evaluate(CASE)
    ref = next(r for r in result.references if r["citation"] == 1)
    assert ref["entry"] is not None
    assert SPEC_REFERENCES[1][0] in ref["entry"]["title"]
    assert all(r["entry"] is None for r in result.references if r["citation"] != 1)


# -- model identity and notice --------------------------------------------------------------


def test_model_identity(model, book, shipped_path):
    result = model.evaluate(CASE)
    info = model_sheet(book)
    assert isinstance(result.model, ModelIdentity)
    assert result.model.name == info["name"]
    assert result.model.version == info["version"]
    assert result.model.effective_date == info["effective date"]
    assert result.model.sha256 == hashlib.sha256(shipped_path.read_bytes()).hexdigest()


def test_model_identity_follows_the_file(shipped_workbook, shipped_path):
    row = shipped_workbook.row_of("Model", 2, "Version")
    path = shipped_workbook.copy({f"Model!C{row}": "9.9.9-test"})
    result = load_model(path).evaluate(CASE)
    assert result.model.version == "9.9.9-test"
    assert result.model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.model.sha256 != hashlib.sha256(shipped_path.read_bytes()).hexdigest()


def test_notice_is_present(model, book):
    notice = model.evaluate(CASE).notice
    assert notice == model_sheet(book)["notice"]
    assert "not a substitute for clinical judgement" in notice


# -- to_dict ------------------------------------------------------------------------------------


def test_to_dict_is_json_and_complete(model, main_cases):
    for case in main_cases[::37]:
        result = model.evaluate(case)
        data = json.loads(json.dumps(result.to_dict()))
        assert data["decision"] == result.decision
        assert data["text"] == result.text
        assert data["inputs"] == result.inputs
        assert data["model"]["sha256"] == result.model.sha256
        assert data["model"]["version"] == result.model.version
        assert data["notice"] == result.notice
        assert [t["table"] for t in data["trace"]] == [t.table for t in result.trace]
        assert [[r["id"] for r in t["rules"]] for t in data["trace"]] == [[r.id for r in t.rules] for t in result.trace]
        assert [r["citation"] for r in data["references"]] == [r["citation"] for r in result.references]
        assert len(data["reference_list"]) == len(result.reference_list)
