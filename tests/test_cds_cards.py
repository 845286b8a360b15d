"""CDS Hooks cards built from a result and the FHIR it was read from (atc_dmn/cds_cards.py), without a server.

The model is the shipped workbook with a FHIR mapping and a Cards sheet given here as
data (the codes named for the service: mCODE 4.0.0, HL7 Genomics Reporting IG). Expected
pathways come from the spec (/work/shared/spec/decision-model.md); summaries and
indicators from the Cards rules written below; the detail must carry the workbook's own
wording, rules, citations and notice, and the basis of every input in the record.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

import pytest

from atc_dmn import DecisionModel, load_model
from atc_dmn.cards import SUMMARY_LIMIT, CardRules, CardSummary, IndicatorRule, SituationCard
from atc_dmn.cds_cards import TOPIC_SYSTEM, CardError, basis_of, card_for, md, recommendation_card
from atc_dmn.errors import InputError
from atc_dmn.fhir_mapping import MappingRow

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LOCAL = "http://hospital.example.org/codes"
MCODE = "mCODE 4.0.0"
C73 = ("code", ICD10CM, "C73")
T, N, M, STAGE = ("21905-5", "21906-3", "21907-1", "21908-9")


def row(name: str, value: Any, resource: str, element: str, system: str, code: str, *needs: Any, **kw: Any):
    return MappingRow(name, value, resource, element, system, code, kw.pop("source", MCODE), tuple(needs), **kw)


MAPPING = (
    row("diagnosis_confirmed", True, "Condition", "verificationStatus", VER, "confirmed", C73),
    row("diagnosis_confirmed", False, "Condition", "verificationStatus", VER, "provisional", C73),
    row("t_category", "T4a", "Observation", "value", SNOMED, "1228945002", ("code", LOINC, T)),
    row("t_category", "T4b", "Observation", "value", SNOMED, "1228946001", ("code", LOINC, T)),
    row("n_category", "N1b", "Observation", "value", SNOMED, "1229976000", ("code", LOINC, N)),
    row("m_category", "M0", "Observation", "value", SNOMED, "1229901006", ("code", LOINC, M)),
    row("m_category", "M1", "Observation", "value", SNOMED, "1229903009", ("code", LOINC, M)),
    # A stage group code no source confirms: the card must flag it.
    row("stage", "IVA", "Observation", "value", LOCAL, "stage-iva", ("code", LOINC, STAGE), source="unverified"),
    # A site's own codes for inputs the EHR rarely codes.
    row(
        "resectable", True, "Observation", "value", LOCAL, "r0-feasible", ("code", LOCAL, "resect"), source="unverified"
    ),
    row("airway_compromise", True, "Observation", "value", LOCAL, "yes", ("code", LOCAL, "airway"), source="local"),
)


@pytest.fixture(scope="module")
def shipped() -> DecisionModel:
    return load_model()


def rules_for(model: DecisionModel, skip: tuple[str, ...] = (), situations: tuple[str, ...] = ()) -> CardRules:
    codes = [code for (key, code) in model.model.wording if key == "pathway" and code not in skip]
    return CardRules(
        summaries=tuple(CardSummary("pathway", code, f"Pathway card {code}.") for code in codes),
        indicators=(IndicatorRule("critical", "actions", "secure_airway"), IndicatorRule("info")),
        situations=tuple(
            SituationCard(name, "warning", f"Situation card {name}.")
            for name in ("input_error", "no_decision")
            if name not in situations
        ),
    )


def with_sheets(model: DecisionModel, rules: CardRules | None = None, **changes: Any) -> DecisionModel:
    return DecisionModel(
        dataclasses.replace(model.model, fhir_mapping=MAPPING, cards=rules or rules_for(model), **changes)
    )


@pytest.fixture(scope="module")
def model(shipped: DecisionModel) -> DecisionModel:
    return with_sheets(shipped)


def cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def condition(ident: str, status: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "verificationStatus": cc(VER, status),
        "code": cc(ICD10CM, "C73"),
        "subject": {"reference": "Patient/p"},
        "recordedDate": "2026-01-04",
    }


def obs(ident: str, system: str, code: str, value_system: str, value: str, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "code": cc(system, code),
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": when,
        "valueCodeableConcept": cc(value_system, value),
    }


def prefetch(*resources: dict[str, Any]) -> dict[str, Any]:
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    return {
        "patient": {"resourceType": "Patient", "id": "p"},
        "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in conditions]},
        "observations": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in observations],
        },
    }


CONFIRMED = condition("dx", "confirmed")
T4B = obs("t", LOINC, T, SNOMED, "1228946001", "2026-01-10")
N1B = obs("n", LOINC, N, SNOMED, "1229976000", "2026-01-10")
M0 = obs("m0", LOINC, M, SNOMED, "1229901006", "2026-01-10")
M1 = obs("m1", LOINC, M, SNOMED, "1229903009", "2026-01-10")
RESECTABLE = obs("r", LOCAL, "resect", LOCAL, "r0-feasible", "2026-01-11")
AIRWAY = obs("aw", LOCAL, "airway", LOCAL, "yes", "2026-01-11")


def card(model: DecisionModel, data: dict[str, Any]) -> dict[str, Any]:
    basis = basis_of(model.model.fhir_mapping, data)
    try:
        answer: Any = model.evaluate(basis.fhir.case)
    except InputError as error:
        answer = error
    return card_for(model, answer, basis)


def section(detail: str, heading: str) -> str:
    """The text under one '### heading' of a card's detail, up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n\n(.*?)(?=^### |\Z)", detail, re.M | re.S)
    assert match, f"no section {heading!r} in:\n{detail}"
    return match.group(1)


# -- the card's fields ------------------------------------------------------------


def test_a_recommendation_card_has_the_fields_cds_hooks_requires(model):
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, RESECTABLE))
    # Spec: M0 with T4b -> IVB; IVB and resectable -> multimodal_therapy.
    assert got["summary"] == "Pathway card multimodal_therapy."
    assert got["indicator"] == "info"
    assert uuid.UUID(got["uuid"]).version == 4
    ident = model.identity
    assert got["source"] == {
        "label": f"{ident.name} {ident.version}",
        "topic": {"system": TOPIC_SYSTEM, "code": ident.identifier, "display": ident.name},
    }
    assert len(got["summary"]) < SUMMARY_LIMIT
    assert set(got) == {"uuid", "summary", "indicator", "detail", "source"}  # no suggestions, so cds-resp-1..7 hold


def test_every_card_has_its_own_uuid(model):
    data = prefetch(CONFIRMED, T4B, N1B, M0)
    assert len({card(model, data)["uuid"] for _ in range(20)}) == 20


def test_the_indicator_comes_from_the_cards_rules(model):
    # Spec: airway_compromise true -> the action secure_airway, which the rules above make critical.
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, AIRWAY))
    assert got["indicator"] == "critical"


# -- the detail -------------------------------------------------------------------


def test_the_recommendation_gives_every_output_with_its_code_and_wording(model):
    data = prefetch(CONFIRMED, T4B, N1B, M0, RESECTABLE)
    got = card(model, data)["detail"]
    result = model.evaluate(basis_of(MAPPING, data).fhir.case)
    assert result.decision["pathway"] == "multimodal_therapy"
    assert result.decision["surgery"] == "total_thyroidectomy_with_neck_dissection"  # spec: Surgery
    part = section(got, "Recommendation")
    for key, value in result.decision.items():
        codes = value if isinstance(value, list) else [value]
        texts = result.text[key] if isinstance(value, list) else [result.text[key]]
        for code, text in zip(codes, texts):
            assert f"`{code}`: {md(text)}" in part


def test_why_lists_each_fired_rule_with_its_annotation_and_citations(model):
    data = prefetch(CONFIRMED, T4B, N1B, M0, RESECTABLE)
    got = card(model, data)["detail"]
    result = model.evaluate(basis_of(MAPPING, data).fhir.case)
    part = section(got, "Why")
    for step in result.trace:
        assert f"**{md(step.table)}**" in part
        for rule in step.rules:
            line = next(x for x in part.splitlines() if f"`{rule.id}`" in x)
            assert md(rule.annotation) in line
            for n in rule.citations:
                assert f"\\[{n}\\]" in line
    cited = section(got, "References cited")
    for ref in result.references:
        assert f"\\[{ref['citation']}\\]" in cited


def test_the_inputs_used_name_their_resource_element_date_and_code_source(model):
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, RESECTABLE))["detail"]
    part = section(got, "Inputs read from the record")
    lines = {line.split(" | ")[0].strip("| "): line for line in part.splitlines()[2:]}
    assert "Condition/dx" in lines["Diagnosis confirmed"] and "2026-01-04" in lines["Diagnosis confirmed"]
    assert "verificationStatus" in lines["Diagnosis confirmed"] and MCODE in lines["Diagnosis confirmed"]
    assert "Observation/t" in lines["T category"] and "`T4b`" in lines["T category"]
    assert "1228946001" in lines["T category"]
    # The site's own code has no published source: flagged.
    assert "**unverified**" in lines["Resectable"]
    assert "**unverified**" not in lines["T category"]


def test_inputs_not_in_the_record_are_listed_with_the_default_the_model_used(model, shipped):
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0))["detail"]
    part = section(got, "Inputs not in the record")
    labels = {spec.key: spec.name for spec in shipped.inputs}
    assert labels["resectable"] in part and labels["clinical_trial_available"] in part
    assert not any(line.startswith(f"- {labels['t_category']}") for line in part.splitlines())
    # Spec: patient_preference missing means undecided.
    assert re.search(rf"{re.escape(labels['patient_preference'])}.*`undecided`", part)


def test_an_input_the_model_derived_says_so_in_the_glossarys_words(model, shipped):
    # Spec (AJCC 8th edition): T4b N1b M0 is stage IVB. The recorded stage is absent because the model
    # derived it from T, N and M: the card says so, under the Glossary's name of the input.
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0))["detail"]
    part = section(got, "Inputs not in the record")
    labels = {spec.key: spec.name for spec in shipped.inputs}
    line = next(line for line in part.splitlines() if labels["stage"] in line)
    assert "derived" in line and "`IVB`" in line, line
    assert all(labels[k] in line for k in ("t_category", "n_category", "m_category")), line
    assert labels["diagnosis_confirmed"] not in line
    # Without M the model derives no stage: the input is only listed as missing.
    part = section(card(model, prefetch(CONFIRMED, T4B, N1B))["detail"], "Inputs not in the record")
    line = next(line for line in part.splitlines() if labels["stage"] in line)
    assert "derived" not in line, line


def test_a_resource_set_aside_is_named_with_the_one_used_and_why(model):
    older_m1 = obs("m-old", LOINC, M, SNOMED, "1229903009", "2025-12-01")
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, older_m1))["detail"]
    part = section(got, "Resources not used")
    assert "Observation/m-old" in part and "Observation/m0 was used (newest)" in part


def test_a_priority_that_decides_is_named(shipped):
    prioritised = tuple(
        dataclasses.replace(r, priority=1) if (r.input, r.value) == ("m_category", "M1") else r for r in MAPPING
    )
    model = DecisionModel(dataclasses.replace(shipped.model, fhir_mapping=prioritised, cards=rules_for(shipped)))
    older_m1 = obs("m-old", LOINC, M, SNOMED, "1229903009", "2025-12-01")
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, older_m1))["detail"]
    assert "Observation/m-old was used (priority)" in section(got, "Resources not used")


def test_resources_that_disagree_on_one_date_are_ambiguous(model):
    other = obs("m1-same-day", LOINC, M, SNOMED, "1229903009", "2026-01-10")
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, other))["detail"]
    part = section(got, "Ambiguous in the record")
    assert "Observation/m0" in part and "Observation/m1-same-day" in part


def test_the_notice_and_the_model_identity_close_the_detail(model):
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0))["detail"]
    assert section(got, "Notice").strip() == md(model.info.notice)
    ident = section(got, "Model")
    assert f"`{model.identity.identifier}`" in ident and f"`{model.identity.version}`" in ident
    assert f"`{model.identity.sha256}`" in ident and len(model.identity.sha256) == 64


def test_a_long_history_is_listed_up_to_a_limit(model):
    old = [obs(f"old-{i}", LOINC, M, SNOMED, "1229903009", f"2025-01-{i + 1:02d}") for i in range(25)]
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M0, *old))["detail"]
    part = section(got, "Resources not used")
    assert part.count("Observation/old-") == 10 and "and 15 more" in part


# -- Markdown ---------------------------------------------------------------------


def test_workbook_text_cannot_change_the_markdown(shipped):
    wording = dict(shipped.model.wording)
    wording[("pathway", "staging_workup")] = "PET *now* | <script>x</script> [link](http://x) `code`\nnext line"
    model = with_sheets(shipped, wording=wording)
    got = card(model, prefetch(CONFIRMED))["detail"]  # spec: stage unknown -> staging_workup
    line = next(x for x in section(got, "Recommendation").splitlines() if "`staging_workup`" in x)
    assert "\\*now\\*" in line and "\\|" in line and "\\<script\\>" in line and "\\[link\\]" in line
    assert "\\`code\\`" in line and "next line" in line  # one line: a newline would end the list item
    assert "<script>" not in got


def test_md_escapes_every_inline_marker():
    assert md("a*b_c`d[e]f<g>h|i~j&k!l#m\\n") == "a\\*b\\_c\\`d\\[e\\]f\\<g\\>h\\|i\\~j\\&k\\!l\\#m\\\\n"
    assert md("  two\n\nlines  ") == "two lines"


# -- situations -------------------------------------------------------------------


def test_a_stage_the_tnm_rules_out_gives_the_input_error_card_naming_its_resources(model):
    stage_iva = obs("sg", LOINC, STAGE, LOCAL, "stage-iva", "2026-01-10")
    got = card(model, prefetch(CONFIRMED, T4B, N1B, M1, stage_iva))  # spec: M1 allows only IVC
    assert got["summary"] == "Situation card input_error."
    assert got["indicator"] == "warning"
    detail = got["detail"]
    assert "### Recommendation" not in detail and "### Why" not in detail
    part = section(detail, "What does not fit")
    assert "Observation/sg" in part and "Observation/m1" in part
    assert "Observation/m1" in section(detail, "Inputs read from the record")


def test_a_code_without_a_summary_gives_the_no_decision_card(shipped):
    model = with_sheets(shipped, rules_for(shipped, skip=("staging_workup",)))
    got = card(model, prefetch(CONFIRMED))
    assert got["summary"] == "Situation card no_decision."
    assert "pathway = staging\\_workup" in section(got["detail"], "What does not fit")
    assert "### Recommendation" not in got["detail"]


def test_a_missing_situation_card_is_an_error_not_a_card(shipped):
    model = with_sheets(shipped, rules_for(shipped, skip=("staging_workup",), situations=("no_decision",)))
    with pytest.raises(CardError) as caught:
        card(model, prefetch(CONFIRMED))
    assert caught.value.situation == "no_decision"


def test_a_summary_too_long_for_cds_hooks_is_refused_not_cut(shipped):
    long = "x" * SUMMARY_LIMIT
    rules = dataclasses.replace(rules_for(shipped), summaries=(CardSummary("pathway", "staging_workup", long),))
    model = with_sheets(shipped, rules)
    basis = basis_of(MAPPING, prefetch(CONFIRMED))
    with pytest.raises(CardError, match="140"):
        recommendation_card(model, model.evaluate(basis.fhir.case), basis)


def test_a_model_without_a_cards_sheet_gives_no_card(shipped):
    bare = DecisionModel(dataclasses.replace(shipped.model, fhir_mapping=MAPPING, cards=None))
    basis = basis_of(MAPPING, prefetch(CONFIRMED))
    with pytest.raises(CardError, match="Cards sheet"):
        card_for(bare, bare.evaluate(basis.fhir.case), basis)


def test_references_used_are_listed_once(model):
    older_m1 = obs("m-old", LOINC, M, SNOMED, "1229903009", "2025-12-01")
    basis = basis_of(MAPPING, prefetch(CONFIRMED, T4B, N1B, M0, older_m1))
    assert basis.references() == [
        "Condition/dx",
        "Observation/t",
        "Observation/n",
        "Observation/m0",
        "Observation/m-old",
    ]
