"""The compiled engine, pyDMNrules (the reference engine) and the spec agree over the whole input space.

The spaces are ``tests/input_space.py``'s: every combination of the main
inputs, every T x N x M with and without each recorded stage, and every
recorded stage beside every incomplete TNM before the diagnosis. Both
engines see only the normalised case, so cases that normalise alike are
decided by pyDMNrules once; every case is still compared, against the
reference answer for its normalised form.

pyDMNrules' answers come from ``tests/snapshots/`` while the snapshot's key
(workbook SHA-256, pyDMNrules version, adapter, case space) matches, and are
recomputed live otherwise; see ``tests/reference_snapshot.py``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import input_space
import pytest
import reference_snapshot as snap
from spec_oracle import expected_outcome

from atc_dmn import InputError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SPACES = input_space.all_cases()


@pytest.fixture(scope="module")
def answers(model) -> snap.ReferenceAnswers:
    if snap.pydmnrules_version() is None:
        pytest.importorskip("pyDMNrules", reason="the reference engine needs the 'reference' extra")
    return snap.answers(model, SPACES)


def as_spec_outcome(outcome: list[Any]) -> tuple[Any, ...]:
    """An engine's outcome in the oracle's form: decision codes only, actions as a set; or the refused field."""
    if outcome[0] == "ok":
        decision = outcome[1]
        return ("ok", tuple(sorted((k, tuple(sorted(v)) if isinstance(v, list) else v) for k, v in decision.items())))
    return tuple(outcome)


def test_reference_snapshot_is_current(answers):
    if answers.source == "snapshot":
        return
    if answers.written:
        print(f"rewrote {snap.SNAPSHOT}")
        return
    pytest.fail(
        "the pyDMNrules snapshot is stale, so every pyDMNrules answer was recomputed live ("
        + "; ".join(answers.stale)
        + "); "
        + snap.REFRESH
    )


@pytest.mark.parametrize("space", list(SPACES))
def test_engines_agree(model, answers, space):
    """Same decision codes (actions in the same order), same fired rule ids per table, or the same refusal."""
    mismatches = []
    for case in SPACES[space]:
        compiled = snap.outcome(model.evaluate, case)
        reference = answers[snap.case_key(model, case)]
        if compiled != reference:
            mismatches.append((case, compiled, reference))
    assert not mismatches, f"{len(mismatches)} disagreements ({answers.source}), e.g. {mismatches[:3]}"


@pytest.mark.parametrize("space", list(SPACES))
def test_reference_engine_answers_as_specified(model, answers, space):
    """pyDMNrules on the shipped workbook gives the spec's codes, or refuses naming the field the spec names."""
    mismatches = []
    for case in SPACES[space]:
        key = snap.case_key(model, case)
        expected = expected_outcome(dict(key))
        got = as_spec_outcome(answers[key])
        if got != expected:
            mismatches.append((case, *differences(expected, got)))
    shown = "\n".join(f"  {case}: expected {want}, got {have}" for case, want, have in mismatches[:8])
    assert not mismatches, f"{len(mismatches)} cases depart from the spec, e.g.\n{shown}"


def differences(expected: tuple[Any, ...], got: tuple[Any, ...]) -> tuple[Any, Any]:
    """Only what differs: the outputs whose codes differ, or the whole outcome when one side refuses."""
    if expected[0] == got[0] == "ok":
        want, have = dict(expected[1]), dict(got[1])
        keys = [k for k in want.keys() | have.keys() if want.get(k) != have.get(k)]
        return {k: want.get(k) for k in sorted(keys)}, {k: have.get(k) for k in sorted(keys)}
    return expected, got


def test_the_spaces_are_what_they_claim(model):
    main = SPACES["main"]
    assert len(main) == math.prod(len(d) for d in input_space.MAIN_DOMAINS.values())
    # A missing preference normalises to undecided and a missing alteration to not_tested: two values fold.
    folded = math.prod(
        len(d) - (k in ("patient_preference", "targetable_alteration")) for k, d in input_space.MAIN_DOMAINS.items()
    )
    assert len({snap.case_key(model, c) for c in main}) == folded
    tnm = len(input_space.T_VALUES) * len(input_space.N_VALUES) * len(input_space.M_VALUES)
    for name in ("tnm", "stage_fit"):
        cases = SPACES[name]
        assert len(cases) == tnm * len(input_space.STAGE_VALUES)
        assert len({snap.case_key(model, c) for c in cases}) == len(cases)
    refusals = [expected_outcome(model.normalise(c))[0] == "refused" for c in SPACES["stage_fit"]]
    assert any(refusals) and not all(refusals)


def test_snapshot_answers_are_pydmnrules_answers(model, answers, reference):
    """A spread of recorded answers recomputed live, in forked workers and serially: all three agree."""
    keys = random.Random(7).sample(sorted(answers.by_case, key=repr), 24)
    cases = [dict(k) for k in keys]
    forked = snap.live_outcomes(reference, cases)
    assert forked == snap.serial_outcomes(reference, cases)
    assert forked == [answers[k] for k in keys]


def test_snapshot_is_small_and_round_trips(model, tmp_path):
    path = tmp_path / "answers.json.gz"
    by_case = {snap.case_key(model, c): snap.outcome(model.evaluate, c) for c in SPACES["tnm"][:50]}
    snap.write(path, {"format": snap.FORMAT}, model, by_case)
    assert snap.recorded_answers(snap.read(path)) == by_case
    if snap.SNAPSHOT.exists():
        assert snap.SNAPSHOT.stat().st_size < 200_000


def test_a_stale_key_is_never_served(model, tmp_path, monkeypatch):
    """A snapshot whose key differs in any part is recomputed live, not used, and says how to refresh."""
    cases = {"few": SPACES["main"][:3]}
    distinct = snap.distinct_cases(model, cases)
    key = snap.snapshot_key(model, list(distinct))
    wrong = {k: ["ok", {"pathway": "wrong"}, []] for k in distinct}
    calls = []

    def live(reference, todo):
        calls.append(len(todo))
        return [snap.outcome(model.evaluate, c) for c in todo]

    monkeypatch.setattr(snap, "live_outcomes", live)
    monkeypatch.delenv(snap.UPDATE_VARIABLE, raising=False)
    path = tmp_path / "s.json.gz"
    snap.write(path, key, model, wrong)
    fresh = snap.answers(model, cases, reference=model.evaluate, path=path)
    assert fresh.source == "snapshot" and list(fresh.by_case.values()) == list(wrong.values())
    for part in ("workbook_sha256", "pydmnrules", "adapter_sha256", "case_space_sha256"):
        snap.write(path, {**key, part: "other"}, model, wrong)
        stale = snap.answers(model, cases, reference=model.evaluate, path=path)
        assert stale.source == "live" and not stale.written
        assert any(part in reason for reason in stale.stale)
        assert stale[next(iter(distinct))][0] == "ok" and stale[next(iter(distinct))][1]["pathway"] != "wrong"
    assert calls == [len(distinct)] * 4
    monkeypatch.setenv(snap.UPDATE_VARIABLE, "1")
    rewritten = snap.answers(model, cases, reference=model.evaluate, path=path)
    assert rewritten.written
    assert snap.read(path)["key"] == key
    monkeypatch.delenv(snap.UPDATE_VARIABLE)
    assert snap.answers(model, cases, reference=model.evaluate, path=path).source == "snapshot"


def test_reference_engine_refuses_bad_input_like_the_compiled_one(model, reference):
    for case in ({"stage": "ivb"}, {"resectible": True}, {"diagnosis_confirmed": 1}):
        with pytest.raises(InputError) as compiled:
            model.evaluate(case)
        with pytest.raises(InputError) as ref:
            reference(case)
        assert ref.value.field == compiled.value.field


def test_reference_result_has_the_same_explanation(model, reference):
    case = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": False, "airway_compromise": True}
    a, b = model.evaluate(case), reference(case)
    assert a.text == b.text
    assert a.references == b.references
    assert a.model == b.model
    assert [[r.annotation for r in s.rules] for s in a.trace] == [[r.annotation for r in s.rules] for s in b.trace]


def test_workbook_loads_and_decides_in_pydmnrules_itself(model, reference, shipped_path):
    from pyDMNrules import DMN

    dmn = DMN()
    status = dmn.load(str(shipped_path))
    assert not status.get("errors"), status
    data = {spec.name: None for spec in model.inputs}
    data.update({"Diagnosis confirmed": True, "Stage (given)": "IVB", "Resectable": True})
    data.update({spec.name: spec.default for spec in model.inputs if spec.default is not None})
    status, new_data = dmn.decide(data)
    assert not status.get("errors"), status
    final = (new_data if isinstance(new_data, list) else [new_data])[-1]["Result"]
    expected = model.evaluate({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}).decision
    assert final["Pathway"] == expected["pathway"]
    assert final["Surgery"] == expected["surgery"]
    assert list(final["Actions"]) == expected["actions"]
