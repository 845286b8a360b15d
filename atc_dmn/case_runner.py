"""Run a workbook's test cases, compare the outputs, and measure which rules the cases exercise.

Cases come from the workbook's Test sheet (one row per case: inputs, the
expected outputs, or in *Expected error* the input the refusal must name)
and optionally from a JSON Lines or CSV file: a JSON Lines case may carry
``"id"`` and an ``"expected"`` object; a CSV file has ``expected.<output>``
columns. In both, ``expected.error`` names the input a refusal must name.

Comparison rules: a blank expected cell is not checked; a collected list
(e.g. actions) is compared as a set and may be written ``a, b`` or
``a; b``; ``null`` expects a missing value.

Rule coverage counts the rules that fired for at least one case, including
the check rule that refuses a case whose inputs contradict each other: a
refusal's error carries the trace up to that rule, so coverage reads the
engine's own evaluation, never a walk of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .cases import guess_format, iter_cases, read_text
from .engine import DecisionModel
from .errors import EvaluationError, InputError
from .findings import WARNING, Finding
from .model import TestCase
from .result import TableTrace
from .sheet_cases import ERROR, EXPECTED, SHEET, expected_items, scalar, sheet_findings, sheet_value

ERROR_KEY = "error"


@dataclass(frozen=True)
class Mismatch:
    """One output whose value differs from the expected one."""

    output: str
    expected: Any
    actual: Any
    cell: str = ""  # "Test!O12" for a Test sheet case

    def to_dict(self) -> dict[str, Any]:
        out = {"output": self.output, "expected": self.expected, "actual": self.actual}
        return {**out, "cell": self.cell} if self.cell else out  # a case from a file has no cell


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case.

    ``problem`` says in words why it failed; for a Test sheet case it names the cells (``Test!O12``)
    that differ or hold a value the model cannot take, and ends with the case's ``reason``.
    """

    id: str
    description: str
    source: str
    passed: bool
    mismatches: tuple[Mismatch, ...] = ()
    problem: str = ""
    fired: tuple[tuple[str, str], ...] = ()
    reason: str = ""  # why the expected values are right (the Test sheet's Reason column)
    refused: str = ""  # the input a refusal named

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "source": self.source,
            "passed": self.passed,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "problem": self.problem,
            "reason": self.reason,
            "refused": self.refused,
            "fired": [f"{table}:{rule}" for table, rule in self.fired],
        }


@dataclass(frozen=True)
class Coverage:
    """Rules fired by at least one case, of all rules; ``uncovered`` holds a warning per rule no case fires."""

    total: int
    covered: int
    uncovered: tuple[Finding, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.total,
            "covered": self.covered,
            "percent": round(self.percent, 1),
            "uncovered": [f.to_dict() for f in self.uncovered],
        }


@dataclass
class SuiteReport:
    workbook: str
    outcomes: list[CaseOutcome] = field(default_factory=list)
    coverage: Coverage = field(default_factory=lambda: Coverage(0, 0, ()))

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "workbook": self.workbook,
            "ok": self.ok,
            "passed": self.passed,
            "failed": self.failed,
            "cases": [o.to_dict() for o in self.outcomes],
            "coverage": self.coverage.to_dict(),
        }


def run_tests(model: DecisionModel, cases_file: str | None = None, *, sheet: bool = True) -> SuiteReport:
    """Run the Test sheet's cases (unless ``sheet`` is False) and those of ``cases_file``."""
    report = SuiteReport(model.model.path)
    if sheet:
        notes = {f.location: f for f in sheet_findings(model.model)}
        for case in model.model.tests:
            where = f"Test sheet row {case.row}"
            inputs = {k: sheet_value(v) for k, v in case.inputs.items()}
            done = run_case(model, case.id, case.description, where, inputs, case.expected, case.expected_error)
            report.outcomes.append(_on_the_sheet(done, case, notes))
    if cases_file is not None:
        text = read_text(cases_file)
        for record in iter_cases(text, guess_format(cases_file, text)):
            source = f"{cases_file} {record.label}"
            if record.error is not None or record.case is None:
                problem = str(record.error) if record.error else "no case"
                report.outcomes.append(CaseOutcome(record.label, "", source, False, problem=problem))
                continue
            expected = dict(record.expected or {})
            error = None
            keys = {v.key for v in model.model.variables_with_role("output")}
            if ERROR_KEY in expected and ERROR_KEY not in keys:
                error = expected.pop(ERROR_KEY)
                error = str(error) if error not in (None, "") else None
            report.outcomes.append(run_case(model, record.label, "", source, record.case, expected, error))
    report.coverage = coverage(model, (o.fired for o in report.outcomes))
    return report


def run_case(
    model: DecisionModel,
    case_id: str,
    description: str,
    source: str,
    inputs: Mapping[str, Any],
    expected: Mapping[str, Any],
    expected_error: str | None = None,
) -> CaseOutcome:
    """Evaluate one case and compare it with what it expects."""

    def outcome(
        passed: bool, fired: Iterable[tuple[str, str]], problem: str = "", mismatches=(), refused: str = ""
    ) -> CaseOutcome:
        return CaseOutcome(
            case_id, description, source, passed, tuple(mismatches), problem, tuple(fired), refused=refused
        )

    try:
        result = model.evaluate(inputs)
    except InputError as error:
        fired = _fired(error.trace)
        field = error.field
        if expected_error is None:
            return outcome(False, fired, f"refused: {error}", refused=field)
        if not _names(model, field, expected_error):
            problem = f"refused naming '{field}', expected '{expected_error}': {error}"
            return outcome(False, fired, problem, refused=field)
        return outcome(True, fired, refused=field)
    except EvaluationError as error:
        return outcome(False, _stopped(error), f"no answer: {error}")
    fired = _fired(result.trace)
    if expected_error is not None:
        return outcome(False, fired, f"decided, but a refusal naming '{expected_error}' was expected")
    keys = {v.key for v in model.model.variables_with_role("output")}
    mismatches = []
    for key, want in expected.items():
        if key not in keys:
            mismatches.append(Mismatch(key, want, "(not an output of this model)"))
            continue
        got = result.decision.get(key)
        if not same_value(want, got):
            mismatches.append(Mismatch(key, want, got))
    return outcome(not mismatches, fired, "", mismatches)


def _on_the_sheet(outcome: CaseOutcome, case: TestCase, notes: Mapping[str, Finding]) -> CaseOutcome:
    """A Test sheet case's outcome naming its cells, with what ``validate`` says of them, and its reason."""
    if outcome.passed:
        return replace(outcome, reason=case.reason)

    def cell(key: str) -> str:
        return f"{SHEET}!{case.cells[key]}" if key in case.cells else ""

    mismatches = tuple(replace(m, cell=cell(EXPECTED + m.output)) for m in outcome.mismatches)
    # Each mismatch names its own cell; the problem adds what validate says of a cell (a typo), if anything.
    said = [f"{m.cell}: {notes[m.cell].message}" for m in mismatches if m.cell in notes]
    if outcome.problem:
        # A wrong refusal is the Expected error cell's business; an unexpected one, the refused input's.
        where = cell(ERROR) if case.expected_error is not None else cell(outcome.refused) if outcome.refused else ""
        note = notes.get(where)
        extra = note is not None and note.message.split(": ", 1)[-1] not in outcome.problem
        said.append(outcome.problem + (f" ({note.message})" if extra else "") + f" (at {where})" * bool(where))
    if case.reason:
        said.append(f"reason given for the expected values: {case.reason}")
    problem = "; ".join(said)
    return replace(outcome, mismatches=mismatches, problem=problem, reason=case.reason)


def _names(model: DecisionModel, field_name: str, expected: str) -> bool:
    """Whether the refused field is the expected one (given as input key or Glossary variable)."""
    if field_name == expected.strip():
        return True
    var = model.model.variables.get(expected.strip())
    return var is not None and var.key == field_name


def fired_rules(model: DecisionModel, case: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (table, rule id) pairs that fire for a case, up to where it is refused or a table cannot decide."""
    try:
        return _fired(model.evaluate(case).trace)
    except InputError as error:
        return _fired(error.trace)  # empty for a case refused before the tables
    except EvaluationError as error:
        return _stopped(error)


def _fired(trace: Iterable[TableTrace]) -> list[tuple[str, str]]:
    return [(step.table, rule.id) for step in trace for rule in step.rules]


def _stopped(error: EvaluationError) -> list[tuple[str, str]]:
    """The rules fired before a table failed, and those of the failing table that matched (a unique table's)."""
    return _fired(error.trace) + [(error.table, rule_id) for rule_id in error.rule_ids]


def coverage(model: DecisionModel, fired: Iterable[Iterable[tuple[str, str]]]) -> Coverage:
    seen = {pair for case in fired for pair in case}
    total = 0
    uncovered = []
    for table in model.model.tables:
        for rule in table.rules:
            total += 1
            if (table.name, rule.id) not in seen:
                uncovered.append(
                    Finding(
                        WARNING,
                        "RULE_UNTESTED",
                        f"no test case fires rule {rule.id} of table '{table.name}'",
                        rule.origin,
                        "Add a case to the Test sheet whose inputs reach this rule.",
                        table.name,
                        rule.id,
                    )
                )
    return Coverage(total, total - len(uncovered), tuple(uncovered))


# -- comparing values ------------------------------------------------------------------


def same_value(expected: Any, actual: Any) -> bool:
    """Whether an expected value (as written in a sheet or a file) matches an output."""
    if isinstance(actual, list):
        return set(expected_items(expected)) == {scalar(v) for v in actual}
    return scalar(expected) == scalar(actual)
