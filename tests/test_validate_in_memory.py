"""Each table-logic validator on a model built in memory: the finding's code and where it sends the author.

No workbook is written or read (:mod:`model_factory` builds the model), so a
check is tested alone and the table that provokes it is in the test itself.
The workbook-based tests (``test_validate_logic.py``) cover the same checks
through the reader.
"""

from __future__ import annotations

from collections.abc import Callable

from model_factory import model, table

from atc_dmn.findings import Findings
from atc_dmn.model import Model
from atc_dmn.validate import conflicts, gaps, overlaps, shadowed, unreachable_outputs, untested_inputs
from atc_dmn.validate.context import Context

STAGE = '"I","II","III"'


def found(check: Callable[[Context], None], m: Model) -> Findings:
    """What one check reports on ``m``, alone."""
    ctx = Context(m, Findings())
    check(ctx)
    return ctx.findings


def run(check: Callable[[Context], None], m: Model) -> list[tuple[str, str, str, str | None]]:
    """(code, severity, location, rule) of each finding one check reports on ``m``."""
    return [(f.code, f.severity, f.location, f.rule) for f in found(check, m)]


def test_a_combination_no_rule_covers_is_a_gap_on_the_table_name() -> None:
    t = table("Plan", "U", {"Stage": STAGE}, {"Plan": None}, [['"I"', '"surgery"'], ['"II"', '"chemo"']])
    assert run(gaps.check, model(t)) == [("TABLE_GAP", "error", "Plan!A1", None)]
    (finding,) = found(gaps.check, model(t))
    assert 'Stage = "III"' in finding.message


def test_two_rules_of_a_unique_table_matching_one_case_overlap_at_the_second_rule() -> None:
    t = table("Plan", "U", {"Stage": STAGE}, {"Plan": None}, [['"I","II"', '"surgery"'], ['"II","III"', '"chemo"']])
    assert run(overlaps.check, model(t)) == [("RULE_OVERLAP", "error", "Plan!A6", "R2")]


def test_overlapping_rules_of_an_any_table_that_differ_conflict() -> None:
    rules = [['"I","II"', '"surgery"'], ['"II","III"', '"chemo"'], ['"III"', '"chemo"']]
    t = table("Plan", "A", {"Stage": STAGE}, {"Plan": None}, rules)
    assert run(conflicts.check, model(t)) == [("RULE_CONFLICT", "error", "Plan!A6", "R2")]


def test_a_rule_earlier_rules_cover_in_a_first_table_is_shadowed() -> None:
    rules = [['"I","II"', '"surgery"'], ["-", '"chemo"'], ['"II"', '"radiotherapy"']]
    t = table("Plan", "F", {"Stage": STAGE}, {"Plan": None}, rules)
    assert run(shadowed.check, model(t)) == [("RULE_SHADOWED", "error", "Plan!A7", "R3")]


def test_a_listed_output_no_rule_gives_is_unreachable_at_its_allowed_values() -> None:
    rules = [['"I"', '"surgery"'], ['"II","III"', '"chemo"']]
    t = table("Plan", "U", {"Stage": STAGE}, {"Plan": '"surgery","chemo","radiotherapy"'}, rules)
    assert run(unreachable_outputs.check, model(t)) == [("OUTPUT_UNREACHABLE", "warning", "Plan!C4", None)]


def test_an_input_every_rule_leaves_at_any_value_is_untested_at_its_heading() -> None:
    rules = [['"I"', "-", '"surgery"'], ['"II","III"', "-", '"chemo"']]
    t = table("Plan", "U", {"Stage": STAGE, "Age": None}, {"Plan": None}, rules)
    assert run(untested_inputs.check, model(t)) == [("INPUT_UNTESTED", "warning", "Plan!C3", None)]


def test_a_complete_table_without_overlaps_has_no_table_logic_findings() -> None:
    rules = [['"I"', '"surgery"'], ['"II","III"', '"chemo"']]
    m = model(table("Plan", "U", {"Stage": STAGE}, {"Plan": '"surgery","chemo"'}, rules))
    for check in (gaps.check, overlaps.check, conflicts.check, shadowed.check, unreachable_outputs.check):
        assert run(check, m) == []
