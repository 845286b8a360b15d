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
from spec_oracle import CODES

from atc_dmn import FiredRule, ModelError, ModelIdentity, Result, TableTrace, load_model
from atc_dmn.text_report import render_text

# The spec's output codes (spec_oracle lists them from the spec, not from the workbook).
SPEC_CODES: dict[str, set[str]] = {output: set(codes) for output, codes in CODES.items()}
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


def parse_citations(cell: Any) -> tuple[int | str, ...]:
    """A Citations cell as written: numbers are the source's citations, words a model source's label."""
    parts = re.findall(r"[A-Za-z][\w.-]*|\d+", str(cell or ""))
    return tuple(int(p) if p.isdigit() else p for p in parts)


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
# The spec (References): the seed's list as given, labelled A to E; two proposed pairings,
# [2] -> B and [7] -> E, with their reasons; the other numbers unpaired; the AJCC 8th edition
# listed apart as the model's own source of the staging rules.

SPEC_PAIRINGS = {2: "B", 7: "E"}


def test_references_are_the_citations_of_fired_rules(model):
    for case in (CASE, {"diagnosis_confirmed": False}, {"diagnosis_confirmed": True, "m_category": "M1"}):
        result = model.evaluate(case)
        cited = {n for step in result.trace for rule in step.rules for n in rule.citations}
        assert {ref["citation"] for ref in result.references} == cited
        numbers = [ref["citation"] for ref in result.references if isinstance(ref["citation"], int)]
        assert numbers == sorted(numbers)


def test_pairings_are_the_spec_proposals_with_their_status_and_reason(model):
    seen = set()
    for case in (CASE, {"diagnosis_confirmed": False}, {"diagnosis_confirmed": True, "m_category": "M1"}):
        for ref in model.evaluate(case).references:
            n = ref["citation"]
            if n == "AJCC8":
                assert ref["status"] == "model_source"
                assert "AJCC" in ref["entry"]["title"] and "8th" in ref["entry"]["title"]
                assert ref["entry"]["own"] is True
            elif n in SPEC_PAIRINGS:
                assert ref["status"] == "proposed"
                assert ref["entry"]["entry"] == SPEC_PAIRINGS[n]
                assert ref["reason"]
            else:
                assert (ref["status"], ref["entry"]) == ("unpaired", None)
                assert "does not say" in ref["reason"]
            seen.add(n)
    assert {2, 7, "AJCC8"} <= seen


def test_reference_list_is_the_seed_list_labelled_a_to_e(model):
    listed = [e for e in model.evaluate(CASE).reference_list if not e["own"]]
    assert [e["entry"] for e in listed] == ["A", "B", "C", "D", "E"]
    for entry, (title, year) in zip(listed, SPEC_REFERENCES):
        assert title in entry["title"]
        assert entry["year"] == year
    own = [e for e in model.evaluate(CASE).reference_list if e["own"]]
    assert [e["entry"] for e in own] == ["AJCC8"]


def test_text_shows_pairing_status_and_never_numbers_the_list(model):
    text = render_text(model.evaluate(CASE), model)
    refs = text[text.index("REFERENCES") :]
    assert "[2] proposed pairing with entry B" in refs
    assert "[1] not paired" in refs
    for n in range(1, 6):
        assert f"\n    {n}. " not in refs, "the reference list must not read as numbered 1-5"
    assert "\n    A. Guideline Directed Topic Overview" in refs


def test_confirming_a_pairing_in_the_workbook_shows_it(shipped_workbook):
    row = shipped_workbook.row_of("References", 2, 2)  # citation [2]
    path = shipped_workbook.copy({f"References!D{row}": "confirmed"})
    ref = next(r for r in load_model(path).evaluate(CASE).references if r["citation"] == 2)
    assert (ref["status"], ref["entry"]["entry"]) == ("confirmed", "B")


def test_pairing_a_citation_in_the_workbook_shows_its_reference(shipped_workbook):
    row = shipped_workbook.row_of("References", 2, 1)  # citation [1]
    path = shipped_workbook.copy({f"References!C{row}": "B", f"References!D{row}": "proposed"})
    result = load_model(path).evaluate(CASE)
    ref = next(r for r in result.references if r["citation"] == 1)
    assert (ref["status"], ref["entry"]["entry"]) == ("proposed", "B")
    assert SPEC_REFERENCES[1][0] in ref["entry"]["title"]


@pytest.mark.parametrize(
    ("entry", "status", "cell", "words"),
    [
        ("F", "proposed", "C", "not in the reference list"),
        ("B", None, "D", "status"),
        ("B", "maybe", "D", "status"),
        (None, "proposed", "D", "no reference entry"),
    ],
)
def test_a_broken_pairing_is_refused_at_its_cell(shipped_workbook, entry, status, cell, words):
    row = shipped_workbook.row_of("References", 2, 1)
    path = shipped_workbook.copy({f"References!C{row}": entry, f"References!D{row}": status})
    with pytest.raises(ModelError) as err:
        load_model(path)
    found = [f for f in err.value.findings if f.code == "REFERENCE_PAIRING"]
    assert found and found[0].sheet == "References" and found[0].cell == f"{cell}{row}"
    assert words in found[0].message


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


def test_notice_states_the_source_limits(model):
    """The spec: AI-generated summary (2025-12-17) pending human review, on the 2012 ATA guideline and
    2011-2020 reviews; the staging rules are the model's own (AJCC 8th edition)."""
    notice = model.evaluate(CASE).notice
    for words in ("AI-generated", "2025-12-17", "pending human review", "2012", "2011 to 2020", "AJCC 8th"):
        assert words in notice


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
