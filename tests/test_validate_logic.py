"""Table-logic checks (gaps, overlaps, conflicts, duplicates, shadowed and unmatchable rules,
unreachable outputs, untested inputs, graph domains) on small generated workbooks, and the space
analysis against brute-force enumeration on random tables."""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import pytest
from table_factory import big_table
from workbook_writer import write_workbook

from atc_dmn import ModelError, load_model
from atc_dmn.feel import compile_test, parse_unary_tests
from atc_dmn.findings import Findings
from atc_dmn.loader import build_model
from atc_dmn.report import validate_workbook
from atc_dmn.validate import validate_model
from atc_dmn.validate.space import Space
from atc_dmn.workbook import read_workbook

TNM = {
    "name": "Staging",
    "hp": "U",
    "inputs": [("T category", '"T1","T2",null'), ("M category", '"M0","M1"')],
    "outputs": [("Stage", '"early","late","unknown"')],
    "rules": [
        ("S1", ['"T1"', '"M0"'], ['"early"']),
        ("S2", ['"T2"', '"M0"'], ['"late"']),
        ("S3", ["-", '"M1"'], ['"late"']),
        ("S4", ["null", '"M0"'], ['"unknown"']),
    ],
}


def table(**changes: Any) -> dict[str, Any]:
    t = {**TNM, **changes}
    t["rules"] = list(changes.get("rules", TNM["rules"]))
    return t


def report(tmp_path: Path, *tables: dict[str, Any], name: str = "model.xlsx", **kw: Any):
    return validate_workbook(write_workbook(tmp_path / name, list(tables), **kw))


def codes(rep) -> list[str]:
    return [f.code for f in rep.findings]


def only(rep, code: str):
    found = [f for f in rep.findings if f.code == code]
    assert found, f"no {code} in {[(f.code, f.message) for f in rep.findings]}"
    return found


def test_the_base_table_is_clean(tmp_path: Path) -> None:
    rep = report(tmp_path, table())
    assert rep.findings == []
    assert rep.ok and rep.loaded


def test_gap_names_the_missing_combination(tmp_path: Path) -> None:
    rep = report(tmp_path, table(rules=TNM["rules"][:3]))
    (gap,) = only(rep, "TABLE_GAP")
    assert (gap.sheet, gap.cell, gap.severity) == ("Staging", "B2", "error")
    assert 'T category = null, M category = "M0"' in gap.message
    assert not rep.ok


def test_gap_is_refused_at_load(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "gap.xlsx", [table(rules=TNM["rules"][:3])])
    with pytest.raises(ModelError) as info:
        load_model(path, use_cache=False)
    assert info.value.code == "TABLE_GAP"
    assert info.value.location == "Staging!B2"


def test_collect_tables_may_match_nothing(tmp_path: Path) -> None:
    rep = report(tmp_path, table(hp="C", rules=TNM["rules"][:3]))
    assert "TABLE_GAP" not in codes(rep)


def test_overlap_in_a_unique_table_names_both_rules_and_an_example(tmp_path: Path) -> None:
    rules = [*TNM["rules"], ("S5", ['"T2"', "-"], ['"late"'])]
    rep = report(tmp_path, table(rules=rules))
    found = only(rep, "RULE_OVERLAP")
    assert [f.message for f in found] == [
        'rules S2 and S5 of unique table \'Staging\' both match T category = "T2", M category = "M0"',
        'rules S3 and S5 of unique table \'Staging\' both match T category = "T2", M category = "M1"',
    ]
    assert {(f.cell, f.rule) for f in found} == {("B9", "S5")}  # the later rule of each pair
    assert codes(rep) == ["RULE_OVERLAP", "RULE_OVERLAP"]


def test_first_hit_tables_may_overlap(tmp_path: Path) -> None:
    rules = [TNM["rules"][0], TNM["rules"][3], ("S3", ["-", "-"], ['"late"'])]
    rep = report(tmp_path, table(hp="F", rules=rules))
    assert rep.findings == []


def test_any_table_overlaps_must_agree(tmp_path: Path) -> None:
    agree = [*TNM["rules"], ("S5", ['"T2"', "-"], ['"late"'])]
    assert report(tmp_path, table(hp="A", rules=agree), name="agree.xlsx").findings == []
    disagree = [*TNM["rules"], ("S5", ['"T2"', "-"], ['"early"'])]
    found = only(report(tmp_path, table(hp="A", rules=disagree), name="disagree.xlsx"), "RULE_CONFLICT")
    assert any("S2 and S5" in f.message and "different outputs" in f.message for f in found)
    assert any("S3 and S5" in f.message for f in found)


def test_identical_rules_are_duplicates_in_any_table_and_conflicts_in_unique_ones(tmp_path: Path) -> None:
    same = [*TNM["rules"], ("S5", ['"T1"', '"M0"'], ['"early"'])]
    for hp in ("U", "F", "C"):
        (dup,) = only(report(tmp_path, table(hp=hp, rules=same), name=f"dup_{hp}.xlsx"), "RULE_DUPLICATE")
        assert (dup.cell, dup.rule) == ("B9", "S5")
    # Cells are compared by meaning: every allowed value listed is the same test as '-'.
    same_meaning = [*TNM["rules"], ("S5", ['null,"T2","T1"', '"M1"'], ['"late"'])]
    (dup,) = only(report(tmp_path, table(hp="C", rules=same_meaning), name="meaning.xlsx"), "RULE_DUPLICATE")
    assert "repeats rule S3" in dup.message
    other = [*TNM["rules"], ("S5", ['"T1"', '"M0"'], ['"late"'])]
    rep = report(tmp_path, table(rules=other), name="conflict.xlsx")
    assert "RULE_CONFLICT" in codes(rep) and "RULE_OVERLAP" not in codes(rep)


def test_shadowed_rule_in_a_first_hit_table(tmp_path: Path) -> None:
    rules = [("S0", ["-", '"M0"'], ['"early"']), *TNM["rules"]]
    rep = report(tmp_path, table(hp="F", rules=rules))
    found = only(rep, "RULE_SHADOWED")
    assert [f.rule for f in found] == ["S1", "S2", "S4"]
    assert "rule S0 matches every case it matches" in found[0].message


def test_rule_shadowed_by_several_rules_together(tmp_path: Path) -> None:
    rules = [
        ("A", ['"T1"', "-"], ['"early"']),
        ("B", ['"T2",null', "-"], ['"late"']),
        ("C", ['"T2"', '"M0"'], ['"unknown"']),  # hidden by B alone
        ("D", ["-", '"M1"'], ['"unknown"']),  # hidden by A and B together
    ]
    found = only(report(tmp_path, table(hp="F", rules=rules)), "RULE_SHADOWED")
    assert [f.rule for f in found] == ["C", "D"]
    assert "rule B matches" in found[0].message
    assert "rules A, B together" in found[1].message


def test_partly_hidden_rule_is_not_shadowed(tmp_path: Path) -> None:
    rules = [
        ("A", ['"T1"', '"M0"'], ['"early"']),
        ("U", ["null", '"M0"'], ['"unknown"']),
        ("B", ["-", "-"], ['"late"']),
    ]
    assert report(tmp_path, table(hp="F", rules=rules)).findings == []


def test_unreachable_output_and_untested_input(tmp_path: Path) -> None:
    rules = [("S1", ['"T1",null', "-"], ['"early"']), ("S2", ['"T2"', "-"], ['"late"'])]
    rep = report(tmp_path, table(rules=rules))
    (unreachable,) = only(rep, "OUTPUT_UNREACHABLE")
    assert unreachable.cell == "E4" and '"unknown"' in unreachable.message
    (untested,) = only(rep, "INPUT_UNTESTED")
    assert untested.cell == "D3" and "M category" in untested.message


def test_numeric_ranges_gap_between_bounds_and_overlap_at_a_shared_bound(tmp_path: Path) -> None:
    t = {
        "name": "Dose",
        "hp": "U",
        "inputs": [("Age", "[0..120]")],
        "outputs": [("Dose band", '"child","adult"')],
        "rules": [("D1", ["[0..17]"], ['"child"']), ("D2", ["[18..120]"], ['"adult"'])],
    }
    rep = report(tmp_path, t, name="gap.xlsx", defaults={"Age": "30"})
    (gap,) = only(rep, "TABLE_GAP")
    assert gap.message.endswith("no rule matches Age in (17..18)")
    t["rules"] = [("D1", ["[0..18]"], ['"child"']), ("D2", ["[18..120]"], ['"adult"'])]
    rep = report(tmp_path, t, name="overlap.xlsx", defaults={"Age": "30"})
    (overlap,) = only(rep, "RULE_OVERLAP")
    assert "Age = 18" in overlap.message
    assert "TABLE_GAP" not in codes(rep)
    t["rules"] = [("D1", ["< 18"], ['"child"']), ("D2", [">= 18"], ['"adult"'])]
    assert report(tmp_path, t, name="exact.xlsx", defaults={"Age": "30"}).findings == []


def test_a_missing_number_is_a_gap_unless_there_is_a_default(tmp_path: Path) -> None:
    t = {
        "name": "Dose",
        "hp": "U",
        "inputs": [("Age", "[0..120]")],
        "outputs": [("Dose band", '"child","adult"')],
        "rules": [("D1", ["< 18"], ['"child"']), ("D2", [">= 18"], ['"adult"'])],
    }
    (gap,) = only(report(tmp_path, t, name="nodefault.xlsx"), "TABLE_GAP")
    assert "Age = null" in gap.message


def test_rule_that_no_allowed_value_passes(tmp_path: Path) -> None:
    t = {
        "name": "Dose",
        "hp": "C",
        "inputs": [("Age", "[0..120]")],
        "outputs": [("Dose band", '"child","adult"')],
        "rules": [("D1", ["< 18"], ['"child"']), ("D2", ["[200..300]"], ['"adult"'])],
    }
    (found,) = only(report(tmp_path, t, defaults={"Age": "30"}), "RULE_UNMATCHABLE")
    assert (found.rule, found.cell) == ("D2", "C6")


def test_graph_domain_consumer_must_allow_every_value_the_producer_gives(tmp_path: Path) -> None:
    consumer = {
        "name": "Plan",
        "hp": "U",
        "inputs": [("Stage", '"early","late"')],
        "outputs": [("Plan", '"surgery","palliation"')],
        "rules": [("P1", ['"early"'], ['"surgery"']), ("P2", ['"late"'], ['"palliation"'])],
    }
    rep = report(tmp_path, table(), consumer)
    (found,) = only(rep, "GRAPH_DOMAIN")
    assert (found.sheet, found.cell) == ("Plan", "C4")
    assert '"unknown"' in found.message and "Staging" in found.message


def test_graph_domain_every_column_reading_an_input_accepts_all_its_values(tmp_path: Path) -> None:
    second = {
        "name": "Other",
        "hp": "U",
        "inputs": [("M category", '"M0"')],
        "outputs": [("Flag", '"x"')],
        "rules": [("O1", ['"M0"'], ['"x"'])],
    }
    (found,) = only(report(tmp_path, table(), second), "GRAPH_DOMAIN")
    assert found.sheet == "Other" and '"M1"' in found.message


def test_warnings_do_not_refuse_the_model(tmp_path: Path) -> None:
    stray = table()
    path = write_workbook(tmp_path / "warn.xlsx", [stray])
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Notes")["B2"] = "Staging"
    wb["Wording"].append([None, "stage", "retired", "An old code."])
    wb.save(path)
    rep = validate_workbook(path)
    assert sorted(codes(rep)) == ["TABLE_NAME_REUSED", "WORDING_UNKNOWN"]
    assert rep.ok and not rep.errors
    assert load_model(path, use_cache=False).evaluate({"t_category": "T1", "m_category": "M0"}).decision == {
        "stage": "early"
    }


def test_validate_model_returns_findings_for_a_built_model(tmp_path: Path) -> None:
    raw = read_workbook(write_workbook(tmp_path / "m.xlsx", [table(rules=TNM["rules"][:3])]))
    model = build_model(raw)
    timings: dict[str, float] = {}
    found = validate_model(model, raw, timings=timings)
    assert isinstance(found, Findings)
    assert [f.code for f in found] == ["TABLE_GAP", "OUTPUT_UNREACHABLE"]
    assert {"gaps", "overlaps", "conflicts", "shadowed", "graph", "structure.merged_cells"} <= set(timings)


def test_a_generated_thousand_rule_table_is_complete_and_checked(tmp_path: Path) -> None:
    for policy in ("U", "F", "C"):
        path = write_workbook(tmp_path / f"big_{policy}.xlsx", [big_table(1000, policy)], defaults={"Amount": "0"})
        rep = validate_workbook(path)
        assert rep.findings == [], (policy, [f.message for f in rep.findings][:3])
    broken = big_table(1000, "U")
    _, cells, _ = broken["rules"].pop(537)
    assert cells == ['"a5"', "true", "[74.0..76.0)"]
    path = write_workbook(tmp_path / "big_gap.xlsx", [broken], defaults={"Amount": "0"})
    (gap,) = only(validate_workbook(path), "TABLE_GAP")
    assert gap.message == "table 'Big' has a gap: no rule matches Letter = \"a5\", Flag = true, Amount in [74..76)"


# -- the space analysis against brute force ---------------------------------------------------


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"'


def _random_table(rng: random.Random, hp: str) -> dict[str, Any]:
    columns = [
        ("Colour", ["red", "green", "blue"], True),
        ("Flag", [True, False], True),
        ("Size", ["s", "m", "l", "xl"], False),
    ]
    inputs = [
        (name, ",".join(_literal(v) for v in values) + (",null" if null else "")) for name, values, null in columns
    ]

    def cell(values: list[Any], null: bool) -> str:
        pick = rng.random()
        if pick < 0.3:
            return "-"
        options = [*values, None] if null else list(values)
        chosen = rng.sample(options, rng.randint(1, len(options) - 1 if len(options) > 2 else 1))
        text = ",".join(_literal(v) for v in chosen)
        return f"not({text})" if pick > 0.85 else text

    rules = [
        (f"R{i + 1}", [cell(values, null) for _, values, null in columns], ['"x"' if rng.random() < 0.5 else '"y"'])
        for i in range(rng.randint(1, 7))
    ]
    return {"name": "Random", "hp": hp, "inputs": inputs, "outputs": [("Out", '"x","y"')], "rules": rules}


def _brute(t: dict[str, Any]) -> tuple[set[tuple], set[tuple[int, int]]]:
    """Every point of the Cartesian product: the points no rule matches, the pairs that share a point."""
    domains = [["red", "green", "blue", None], [True, False, None], ["s", "m", "l", "xl"]]
    tests = [[parse_unary_tests(c) for c in ins] for _, ins, _ in t["rules"]]
    gaps, overlaps = set(), set()
    for point in itertools.product(*domains):
        hits = [i for i, rule in enumerate(tests) if all(test.matches(v) for test, v in zip(rule, point))]
        if not hits:
            gaps.add(point)
        for a, b in itertools.combinations(hits, 2):
            overlaps.add((a, b))
    return gaps, overlaps


@pytest.mark.parametrize("seed", range(40))
def test_space_finds_exactly_the_gaps_and_overlapping_pairs_brute_force_finds(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    t = _random_table(rng, "U")
    model = build_model(read_workbook(write_workbook(tmp_path / "r.xlsx", [t])))
    space = Space(model, model.tables[0])
    found = space.explore(gaps=True, overlaps=True)
    want_gaps, want_overlaps = _brute(t)
    got_gaps = set()
    for box in found.gaps:
        values = [[p.value for i, p in enumerate(space.domains[c].pieces) if box[c] >> i & 1] for c in range(space.k)]
        got_gaps.update(itertools.product(*values))
    assert got_gaps == want_gaps
    assert set(found.overlaps) == want_overlaps
    for (a, b), box in found.overlaps.items():
        assert all(box[c] & space.boxes[a][c] & space.boxes[b][c] for c in range(space.k))


def test_many_copies_of_one_mistake_are_listed_up_to_a_limit_then_counted(tmp_path: Path) -> None:
    copies = [(f"D{i}", ['"T1"', '"M0"'], ['"early"']) for i in range(30)]
    rep = report(tmp_path, table(hp="C", rules=[*TNM["rules"], *copies]))
    duplicates = [f for f in rep.findings if f.code == "RULE_DUPLICATE"]
    assert len(duplicates) == 21
    (summary,) = [f for f in duplicates if "more RULE_DUPLICATE findings" in f.message]
    assert summary.message == "table 'Staging' has 10 more RULE_DUPLICATE findings besides those listed"


def test_heavily_overlapping_large_tables_stay_bounded(tmp_path: Path) -> None:
    rng = random.Random(7)
    values = [f"v{j}" for j in range(6)]
    inputs = [(f"C{i}", ",".join(f'"{v}"' for v in values)) for i in range(6)]

    def cell() -> str:
        return "-" if rng.random() < 0.7 else ",".join(f'"{v}"' for v in rng.sample(values, 2))

    rules = [(f"R{r}", [cell() for _ in inputs], ['"x"' if r % 2 else '"y"']) for r in range(1000)]
    for hp in ("U", "A"):
        t = {"name": "Dense", "hp": hp, "inputs": inputs, "outputs": [("Out", '"x","y"')], "rules": rules}
        rep = report(tmp_path, t, name=f"dense_{hp}.xlsx")
        assert not rep.ok
        per_code: dict[str, int] = {}
        for f in rep.findings:
            per_code[f.code] = per_code.get(f.code, 0) + 1
        assert max(per_code.values()) <= 21, per_code
        kind = "RULE_OVERLAP" if hp == "U" else "RULE_CONFLICT"
        assert any("more" in f.message for f in rep.findings if f.code == kind)


def _numeric_cell(rng: random.Random, bounds: list[int]) -> str:
    a, b = sorted(rng.sample(bounds, 2))
    choices = [
        "-",
        f"< {b}",
        f"<= {b}",
        f"> {a}",
        f">= {a}",
        f"[{a}..{b}]",
        f"({a}..{b})",
        f"[{a}..{b})",
        f"{a}",
        f"{a}, {b}",
        f"not({a})",
        f"not([{a}..{b}])",
        f"< {a}, > {b}",
        "null",
    ]
    return rng.choice(choices)


def _in_piece(piece, x: float) -> bool:
    if piece.low is not None and (x < piece.low or (x == piece.low and not piece.low_in)):
        return False
    return not (piece.high is not None and (x > piece.high or (x == piece.high and not piece.high_in)))


@pytest.mark.parametrize("seed", range(30))
def test_number_line_pieces_agree_with_the_cells_and_brute_force(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    bounds = sorted(rng.sample(range(0, 50), 5))
    allowed = rng.choice(["[0..50]", ">= 0", None])
    rules = [(f"R{i + 1}", [_numeric_cell(rng, bounds)], ['"x"']) for i in range(rng.randint(1, 6))]
    t = {"name": "Num", "hp": "U", "inputs": [("Amount", allowed)], "outputs": [("Out", '"x"')], "rules": rules}
    model = build_model(read_workbook(write_workbook(tmp_path / "n.xlsx", [t])))
    space = Space(model, model.tables[0])
    (domain,) = space.domains
    # The bisection fast path gives exactly what the cell's own predicate accepts.
    for rule, box in zip(model.tables[0].rules, space.boxes):
        predicate = compile_test(rule.tests[0])
        assert box[0] == sum(1 << i for i, p in enumerate(domain.pieces) if predicate is None or predicate(p.value))
    # Gaps: every sample number no rule matches lies in a reported gap piece, and vice versa.
    samples = [x / 2 for x in range(-4, 106)]
    allowed_test = model.tables[0].inputs[0].allowed
    samples = [x for x in samples if allowed_test is None or allowed_test.matches(x)]
    tests = [r.tests[0] for r in model.tables[0].rules]
    uncovered = {x for x in samples if not any(t.matches(x) for t in tests)}
    gaps = space.explore(gaps=True).gaps
    gap_pieces = [domain.pieces[i] for box in gaps for i in range(len(domain.pieces)) if box[0] >> i & 1]
    in_gap = {x for x in samples if any(p.numeric and _in_piece(p, x) for p in gap_pieces)}
    assert in_gap == uncovered
    null_uncovered = not any(t.matches(None) for t in tests)
    assert any(p.value is None for p in gap_pieces) == null_uncovered


def test_an_analysis_cut_short_is_a_warning_not_a_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import atc_dmn.validate.space as space_module

    monkeypatch.setattr(space_module, "NODE_BUDGET", 2)
    rules = [("A", ['"T1"', "-"], ['"early"']), ("B", ['"T2",null', '"M0"'], ['"late"'])]
    rules += [("C", ["-", '"M1"'], ['"unknown"']), ("D", ["-", "-"], ['"late"'])]
    rep = report(tmp_path, table(hp="F", rules=rules))
    limits = [f for f in rep.findings if f.code == "ANALYSIS_LIMIT"]
    assert limits and all(f.severity == "warning" for f in limits)
    assert rep.ok


# -- a blank input cell: the finding is at the blank cell ------------------------------------------------


def test_a_blank_cell_that_makes_rules_conflict_is_where_the_conflict_is_reported(tiny_workbook) -> None:
    # S2's M category cell left blank: it now also matches M1, where S3 gives another stage.
    rules = [TNM["rules"][0], ("S2", ['"T2"', None], ['"early"']), *TNM["rules"][2:]]
    rep = validate_workbook(tiny_workbook([table(hp="A", rules=rules)]))
    (found,) = only(rep, "RULE_CONFLICT")
    assert (found.cell, found.rule) == ("D6", "S2")
    assert found.message.startswith("D6 is blank: a blank input cell means any value")
    assert "now conflicts with S3" in found.message
    assert "or - if any value is meant" in found.hint


def test_a_blank_cell_that_hides_a_later_rule_is_where_the_shadowing_is_reported(tiny_workbook) -> None:
    # S0's T category cell left blank in a first-hit table: S0 now matches every M0 case before S1, S2, S4.
    rules = [("S0", [None, '"M0"'], ['"early"']), *TNM["rules"]]
    rep = validate_workbook(tiny_workbook([table(hp="F", rules=rules)]))
    found = only(rep, "RULE_SHADOWED")
    assert [(f.cell, f.rule) for f in found] == [("C5", "S1"), ("C5", "S2"), ("C5", "S4")]
    assert all("C5 is blank" in f.message and "rule S0" in f.message for f in found)


def test_a_dash_is_any_value_on_purpose_and_reported_at_the_rules(tiny_workbook) -> None:
    rules = [("S0", ["-", '"M0"'], ['"early"']), *TNM["rules"]]
    rep = validate_workbook(tiny_workbook([table(hp="F", rules=rules)]))
    assert [f.cell for f in only(rep, "RULE_SHADOWED")] == ["B6", "B7", "B9"]
