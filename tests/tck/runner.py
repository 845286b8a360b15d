"""Run the DMN TCK's decision-table tests through ``atc-dmn import-dmn`` and the public API, and pyDMNrules.

Each test folder under ``TestCases/`` holds a model (``*.dmn``) and its test
cases (``*-test-*.xml``). For atc-dmn, the model goes through the real
``import-dmn`` command into a workbook, the workbook is loaded with
:func:`atc_dmn.load_model`, and each test case is evaluated with
``DecisionModel.evaluate``. For pyDMNrules, the same ``.dmn`` goes through
``DMN.loadXML`` and each case through ``DMN.decide``. A case is

- ``pass``: every result node has the expected value (FEEL equality: numbers by value, lists item by item,
  contexts key by key);
- ``fail``: the engine answered, and some result node differs (expected and got are recorded);
- ``refused``: the engine declined, with its located error (import refused the model, the workbook did not
  load, or the case was refused); never counted as a wrong answer.

The results are written in the TCK runners' CSV format (folder, test file, case id, SUCCESS | FAILURE |
ERROR, detail). ``results/atc-dmn.csv`` is the committed expectation ``tests/test_tck.py`` holds the
engine to; ``results/pydmnrules.csv`` is pyDMNrules' from the same run, which the test also checks
(pyDMNrules is imported by the suite anyway, and runs these cases in under a second). Refresh both, ``docs/tck.md`` and
the README's totals with

    python tests/tck/runner.py

(about half a minute, most of it importing pyDMNrules), and commit what changed.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CASES = HERE / "TestCases"
RESULTS = HERE / "results"
OURS_CSV = RESULTS / "atc-dmn.csv"
THEIRS_CSV = RESULTS / "pydmnrules.csv"
DOC = REPO / "docs" / "tck.md"
README = REPO / "README.md"
README_START, README_END = "<!-- tck totals -->", "<!-- /tck totals -->"
TCK_REPO = "https://github.com/dmn-tck/tck"
TCK_COMMIT = "0dbcaf9b98bc3af4e36d44a7aed95e9e85703a13"
TCK_FILES_COMMIT = "c596272c75ee33a0dbe79949ab948a9bd7605020"  # the last commit that changed TestCases/

STATUS = {"pass": "SUCCESS", "fail": "FAILURE", "refused": "ERROR"}
STATUS_OF = {v: k for k, v in STATUS.items()}
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
UNSET = object()  # a result node's expected value that the test file leaves empty (nothing to compare)


# -- the test files -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultNode:
    name: str
    expected: Any  # UNSET when the file gives no <expected> value
    error_result: bool = False  # errorResult="true": the engine must give no value (null or an error)


@dataclass(frozen=True)
class TestCase:
    folder: str  # compliance-level-2/0004-simpletable-U
    file: str  # 0004-simpletable-U-test-01
    id: str
    model: Path
    inputs: dict[str, Any]
    results: tuple[ResultNode, ...]
    kind: str = "decision"  # the TCK's testCase type: decision, or decisionService (invocableName)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.folder, self.file, self.id)


@dataclass
class Outcome:
    case: TestCase
    status: str  # pass | fail | refused
    detail: str = ""
    feature: str = ""  # for a refusal: what the engine lacks, in words; "" otherwise
    codes: tuple[str, ...] = field(default_factory=tuple)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _value(el: Any) -> Any:
    """A TCK value element (``value``, ``component``s, ``list`` of ``item``s) as a Python value."""
    if el.get(XSI_NIL) == "true":
        return None
    comps = _kids(el, "component")
    if comps:
        return {c.get("name", ""): _value(c) for c in comps}
    lists = _kids(el, "list")
    if lists:
        return [_value(item) for item in _kids(lists[0], "item")]
    values = _kids(el, "value")
    if values:
        return _value(values[0])
    if _local(el.tag) != "value":
        return None
    kind = (el.get(XSI_TYPE) or "xsd:string").split(":")[-1]
    text = el.text or ""
    if kind == "boolean":
        return text.strip() == "true"
    if kind in ("decimal", "double", "int", "integer", "long", "float"):
        return _number(text.strip())
    if kind == "string":
        return text
    return Typed(kind, text.strip())


@dataclass(frozen=True)
class Typed:
    """A TCK value of an XML Schema type the engines are not given natively (date, time, duration ...)."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind} {self.text}"


def _number(text: str) -> int | float:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return float("nan")
    return int(d) if d == d.to_integral_value() and "e" not in text.lower() and "." not in text else float(d)


def read_tests(folder: Path) -> list[TestCase]:
    """Every test case of one TCK test folder, in file order."""
    out: list[TestCase] = []
    for path in sorted(folder.glob("*-test-*.xml")):
        root = SafeET.parse(path).getroot()
        model_name = next((c.text for c in root if _local(c.tag) == "modelName"), None)
        model = folder / (model_name or "").strip()
        for tc in _kids(root, "testCase"):
            inputs = {n.get("name", ""): _value(n) for n in _kids(tc, "inputNode")}
            results = []
            for rn in _kids(tc, "resultNode"):
                expected = _kids(rn, "expected")
                value = _value(expected[0]) if expected and len(expected[0]) else UNSET
                results.append(ResultNode(rn.get("name", ""), value, rn.get("errorResult") == "true"))
            out.append(
                TestCase(
                    f"{folder.parent.name}/{folder.name}",
                    path.stem,
                    tc.get("id", ""),
                    model,
                    inputs,
                    tuple(results),
                    tc.get("type") or ("decisionService" if tc.get("invocableName") else "decision"),
                )
            )
    return out


def folders() -> list[Path]:
    """The vendored test folders: compliance levels 2 and 3, those whose model holds a decision table."""
    return sorted(p for p in CASES.glob("compliance-level-*/*") if p.is_dir())


def all_tests() -> list[TestCase]:
    return [tc for folder in folders() for tc in read_tests(folder)]


# -- comparing values ---------------------------------------------------------------------


def same(expected: Any, got: Any) -> bool:
    """FEEL equality as the TCK checks it: numbers by decimal value, strings exactly, lists and contexts deeply."""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return Decimal(repr(expected)) == Decimal(repr(got)) if not isinstance(got, int) else expected == got
    if isinstance(expected, list):
        got_list = got if isinstance(got, list) else [got]
        return len(expected) == len(got_list) and all(same(e, g) for e, g in zip(expected, got_list))
    if isinstance(expected, dict):
        return isinstance(got, dict) and set(expected) == set(got) and all(same(expected[k], got[k]) for k in expected)
    if isinstance(expected, Typed):
        return isinstance(got, Typed) and got.text == expected.text
    return type(expected) is type(got) and expected == got


def show(value: Any) -> str:
    if value is UNSET:
        return "(no value given)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _judge(case: TestCase, got: dict[str, Any]) -> Outcome:
    """Compare the answers (result node name -> value, or an Exception for a node the engine could not give)."""
    wrong = []
    for node in case.results:
        value = got.get(node.name, KeyError(node.name))
        if node.error_result:
            if not (value is None or isinstance(value, Exception)):
                wrong.append(f"{node.name}: expected an error or null, got {show(value)}")
            continue
        if isinstance(value, Exception):
            return _refused(case, value)
        if node.expected is not UNSET and not same(node.expected, value):
            wrong.append(f"{node.name}: expected {show(node.expected)}, got {show(value)}")
    if wrong:
        return Outcome(case, "fail", "; ".join(wrong))
    return Outcome(case, "pass")


def _refused(case: TestCase, error: BaseException) -> Outcome:
    text = str(error) or type(error).__name__
    code = getattr(error, "code", None) or type(error).__name__
    return Outcome(case, "refused", f"{code}: {text}", feature_of(code, text), (code,))


# -- what a refusal lacks ------------------------------------------------------------------

# (code, pattern in the message) -> the missing feature, in the words of the docs; first match wins.
FEATURES: tuple[tuple[str, str, str], ...] = (
    ("DMN_UNSUPPORTED", "business knowledge models|knowledge requirements", "business knowledge models (BKMs)"),
    ("DMN_UNSUPPORTED", "literal expressions", "literal expressions (decisions that are not tables)"),
    ("DMN_UNSUPPORTED", "boxed contexts", "boxed contexts"),
    ("DMN_UNSUPPORTED", "imports", "imported models"),
    ("DMN_UNSUPPORTED", "decision services", "decision services"),
    ("DMN_UNSUPPORTED", "invocations", "boxed invocations"),
    ("DMN_UNSUPPORTED", "", "a DMN element outside decision tables"),
    ("DMN_NO_TABLE", "", "a decision without decision logic"),
    ("DMN_FEEL", "input expression", "input expressions beyond a name (paths such as structA.price)"),
    ("DMN_FEEL", "", "FEEL beyond S-FEEL values in cells (names, arithmetic, functions, temporal literals)"),
    ("TABLE_GAP", "", "a table that may match no rule (DMN's no-match result: null)"),
    ("INPUT_UNTESTED", "", "an input column that tests nothing (all '-')"),
    ("HIT_POLICY", "ordered list", "P and O ranked by the first output's values alone (later outputs unlisted)"),
    ("InputError", "not a value|is not a", "input values beyond text, numbers and booleans (dates, contexts, lists)"),
    ("InputError", "", "an input value outside the model's allowed values or types"),
    ("EvaluationError", "", "an evaluation that matches no rule (DMN's no-match result: null)"),
)


def feature_of(code: str, text: str) -> str:
    for c, pattern, words in FEATURES:
        if c == code and (not pattern or re.search(pattern, text)):
            return words
    return code


# -- atc-dmn ------------------------------------------------------------------------------


@dataclass
class Refusal:
    """An import or load that refused the model: every located error line of the command's output."""

    lines: list[tuple[str, str, str]]  # (code, where, message)

    def outcome(self, case: TestCase) -> Outcome:
        code, where, message = self.lines[0]
        features = sorted({feature_of(c, m) for c, _, m in self.lines})
        codes = tuple(sorted({c for c, _, _ in self.lines}))
        more = f" (and {len(self.lines) - 1} more)" if len(self.lines) > 1 else ""
        return Outcome(case, "refused", f"{code} at {where}: {message}{more}", "; ".join(features), codes)


LINE = re.compile(r"^error: (?P<where>[^:]*(?::[^ ][^:]*)?): (?P<message>.*) \[(?P<code>[A-Z_0-9]+)\]$")


def _refusal(output: str) -> Refusal:
    lines = []
    for line in output.splitlines():
        m = LINE.match(line.strip())
        if m:
            lines.append((m["code"], m["where"], m["message"]))
    return Refusal(lines or [("IMPORT", "", output.strip().splitlines()[0] if output.strip() else "no output")])


def run_ours(tests: Iterable[TestCase], workdir: Path) -> list[Outcome]:
    """Each model through ``atc-dmn import-dmn`` (click's runner, in process), then the public API."""
    from click.testing import CliRunner

    from atc_dmn import EvaluationError, InputError, ModelError, load_model
    from atc_dmn.cli import main

    runner = CliRunner()
    loaded: dict[Path, Any] = {}
    out = []
    for case in tests:
        if case.model not in loaded:
            book = workdir / (case.model.stem + ".xlsx")
            res = runner.invoke(main, ["import-dmn", str(case.model), "-o", str(book), "--force"])
            if res.exit_code != 0:
                loaded[case.model] = _refusal(res.output)
            else:
                try:
                    loaded[case.model] = load_model(book, use_cache=False)
                except ModelError as error:
                    loaded[case.model] = Refusal(
                        [(f.code, f"{f.origin.source}!{f.origin.location}", f.message) for f in error.findings.errors]
                        or [(error.code or "ModelError", "", str(error))]
                    )
        model = loaded[case.model]
        if isinstance(model, Refusal):
            out.append(model.outcome(case))
            continue
        try:
            got = _answers(model, case)
        except (InputError, EvaluationError) as error:
            out.append(_refused(case, error))
            continue
        out.append(_judge(case, got))
    return out


def _answers(model: Any, case: TestCase) -> dict[str, Any]:
    """The value of each result node: a decision's table output (a context for several outputs)."""
    variables = model.model.variables
    by_name = {v.name: v.key for v in variables.values()}
    given = {by_name.get(name, name): _native(value) for name, value in _parts(case.inputs, by_name).items()}
    # Inputs the model does not read are not the model's: a DMN engine ignores them too.
    inputs = {k: v for k, v in given.items() if k in {s.key for s in model.model.inputs}}
    result = model.evaluate(inputs)
    decisions = _decision_names(case.model)
    got: dict[str, Any] = {}
    for node in case.results:
        # A one-output decision is the table whose output bears its name; one of several outputs, the
        # table named as the decision (or its label).
        trace = next((t for t in result.trace if list(t.outputs) == [node.name]), None)
        trace = trace or next((t for t in result.trace if t.table == decisions.get(node.name, node.name)), None)
        if trace is None:
            got[node.name] = KeyError(f"no table decided {node.name}")
            continue
        outputs = trace.outputs
        if len(outputs) == 1:
            got[node.name] = next(iter(outputs.values()))
        else:
            names = _output_names(case.model, node.name)
            got[node.name] = _rows(dict(zip(names, outputs.values())))
    return got


def _rows(values: dict[str, Any]) -> Any:
    """A table of several outputs as DMN gives it: a context, or for a multiple-hit table (each output a list
    of the rules' values) a list of contexts, one per matched rule."""
    if values and all(isinstance(v, list) for v in values.values()):
        return [dict(zip(values, row)) for row in zip(*values.values())]
    return values


def _parts(inputs: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A structured input (a context) as the model reads it: one value per component it names
    (``structA.price``), as a caller of a model imported from DMN gives them."""
    out: dict[str, Any] = {}
    for name, value in inputs.items():
        if isinstance(value, dict) and name not in names and any(n.startswith(name + ".") for n in names):
            out.update({f"{name}.{k}": v for k, v in value.items() if f"{name}.{k}" in names})
        else:
            out[name] = value
    return out


def _native(value: Any) -> Any:
    """A TCK value as a Python caller would give it: dates and times as :mod:`datetime` values (a duration,
    which Python has no type for in full, stays a :class:`Typed`: the engine refuses what it does not know)."""
    import datetime as dt

    if isinstance(value, Typed):
        from atc_dmn.temporal import TemporalError, parse_duration

        parse = {"date": dt.date, "time": dt.time, "dateTime": dt.datetime}.get(value.kind)
        try:
            if value.kind == "duration":
                return parse_duration(value.text)
            return parse.fromisoformat(value.text) if parse else value
        except (ValueError, TemporalError):
            return value
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def _decision_names(path: Path) -> dict[str, str]:
    """Decision name -> the table name the reader gives it (its label, when it has one)."""
    root = SafeET.parse(path).getroot()
    return {d.get("name", ""): d.get("label") or d.get("name", "") for d in root if _local(d.tag) == "decision"}


def _output_names(path: Path, decision: str) -> list[str]:
    root = SafeET.parse(path).getroot()
    for d in root:
        if _local(d.tag) == "decision" and d.get("name") == decision:
            for dt in d.iter():
                if _local(dt.tag) == "decisionTable":
                    return [o.get("name") or o.get("label") or "" for o in _kids(dt, "output")]
    return []


# -- pyDMNrules --------------------------------------------------------------------------


def pydmnrules_version() -> str:
    return importlib.metadata.version("pyDMNrules")


def run_pydmnrules(tests: Iterable[TestCase]) -> list[Outcome]:
    """The same models through pyDMNrules' ``loadXML`` and each case through ``decide``."""
    import pyDMNrules

    engines: dict[Path, Any] = {}
    out = []
    for case in tests:
        if case.model not in engines:
            dmn = pyDMNrules.DMN()
            try:
                status = dmn.loadXML(str(case.model))
            except Exception as error:  # pyDMNrules raises its own bugs; they are its refusal
                status = {"errors": [f"{type(error).__name__}: {error}"]}
            engines[case.model] = (dmn, status)
        dmn, status = engines[case.model]
        if status.get("errors"):
            out.append(Outcome(case, "refused", "loadXML: " + _first(status["errors"]), "loadXML refused", ("LOAD",)))
            continue
        try:
            got = _their_answers(dmn, case)
        except Exception as error:
            out.append(
                Outcome(case, "refused", f"decide raised {type(error).__name__}: {error}", "decide raised", ("RAISE",))
            )
            continue
        if isinstance(got, str):
            out.append(Outcome(case, "refused", "decide: " + got, "decide refused", ("DECIDE",)))
            continue
        out.append(_judge(case, got))
    return out


def _first(errors: Any) -> str:
    text = str(errors[0]) if isinstance(errors, list) and errors else str(errors)
    return text.splitlines()[0][:300] if text else "error"


def _their_answers(dmn: Any, case: TestCase) -> dict[str, Any] | str:
    known = {name for concept in dmn.getGlossary().values() for name in concept}
    data: dict[str, Any] = {}
    for name, value in case.inputs.items():
        data.update(_flat(name, _plain(value), known))
    status, new_data = dmn.decide(data)
    if status.get("errors"):
        return _first(status["errors"])
    results: dict[str, Any] = {}
    for entry in new_data if isinstance(new_data, list) else [new_data]:
        results.update(entry.get("Result", {}))
    got: dict[str, Any] = {}
    for node in case.results:
        if node.name in results:
            got[node.name] = _ours(results[node.name])
            continue
        prefix = node.name + "."
        parts = {k[len(prefix) :]: _ours(v) for k, v in results.items() if k.startswith(prefix)}
        got[node.name] = _rows(parts) if parts else KeyError(f"no result named {node.name}")
    return got


def _flat(name: str, value: Any, known: set[str]) -> dict[str, Any]:
    """A context input as pyDMNrules' glossary names its parts (``Applicant data.Monthly.Income``), where it does."""
    if name in known or not isinstance(value, dict):
        return {name: value}
    parts = {}
    for k, v in value.items():
        parts.update(_flat(f"{name}.{k}", v, known))
    return parts if any(k in known for k in parts) else {name: value}


def _plain(value: Any) -> Any:
    """A TCK value as pyDMNrules takes it: dates and durations as their FEEL text."""
    if isinstance(value, Typed):
        return value.text
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _ours(value: Any) -> Any:
    """pyDMNrules' answer in the TCK's terms: a float that is a whole number is that number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_ours(v) for v in value]
    if isinstance(value, dict):
        return {k: _ours(v) for k, v in value.items()}
    if value.__class__.__module__ == "datetime":
        return Typed(type(value).__name__, value.isoformat() if hasattr(value, "isoformat") else str(value))
    return value


# -- the results files, the page and the README's totals ---------------------------------


def to_csv(outcomes: Iterable[Outcome]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for o in outcomes:
        w.writerow([o.case.folder, o.case.file, o.case.id, STATUS[o.status], o.detail])
    return buf.getvalue()


def read_csv(path: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    """A results file: (folder, test file, case id) -> (pass | fail | refused, detail)."""
    rows = csv.reader(path.read_text(encoding="utf-8").splitlines())
    return {(r[0], r[1], r[2]): (STATUS_OF[r[3]], r[4]) for r in rows if r}


def totals(outcomes: Iterable[Outcome]) -> dict[str, int]:
    t = {"pass": 0, "fail": 0, "refused": 0}
    for o in outcomes:
        t[o.status] += 1
    return t


def tests_passed(outcomes: list[Outcome]) -> tuple[int, int]:
    """(test folders whose every case passes, test folders)."""
    by: dict[str, list[str]] = {}
    for o in outcomes:
        by.setdefault(o.case.folder, []).append(o.status)
    return sum(all(s == "pass" for s in v) for v in by.values()), len(by)


# DMN elements that are not decision tables (nor their parts): a model using one is outside a table-only engine.
BEYOND_TABLES = {
    "businessKnowledgeModel",
    "literalExpression",
    "context",
    "invocation",
    "import",
    "decisionService",
    "relation",
    "list",
    "functionDefinition",
}


def table_only(case: TestCase) -> bool:
    """Whether the test's models hold decision tables alone (and every decision has one)."""
    for path in case.model.parent.glob("*.dmn"):
        root = SafeET.parse(path).getroot()
        if any(_local(el.tag) in BEYOND_TABLES for el in root.iter()):
            return False
        decisions = [d for d in root if _local(d.tag) == "decision"]
        if any(not any(_local(c.tag) == "decisionTable" for c in d) for d in decisions):
            return False
    return True


def readme_block(ours: list[Outcome], theirs: list[Outcome], version: str) -> str:
    rows = []
    for title, keep in (("", lambda o: True), (" in scope for a table-only engine", lambda o: table_only(o.case))):
        mine, their = [o for o in ours if keep(o)], [o for o in theirs if keep(o)]
        a, b = totals(mine), totals(their)
        fa, ff = tests_passed(mine)
        fb, _ = tests_passed(their)
        rows += [
            f"| DMN TCK decision-table tests{title} ({ff} tests, {len(mine)} cases) | pass | fail | refused "
            "| tests all passed |",
            "|---|---|---|---|---|",
            f"| atc-dmn (import-dmn, then the Python API) | {a['pass']} | {a['fail']} | {a['refused']} | {fa} |",
            f"| pyDMNrules {version} (loadXML, decide) | {b['pass']} | {b['fail']} | {b['refused']} | {fb} |",
            "",
        ]
    return README_START + "\n" + "\n".join(rows[:-1]) + "\n" + README_END


def page(ours: list[Outcome], theirs: list[Outcome], version: str) -> str:
    """docs/tck.md: the totals, the refusals by missing feature, and every case of every test."""
    theirs_by = {o.case.key: o for o in theirs}
    lines = [
        "# The DMN TCK: decision-table tests",
        "",
        "Generated by `python tests/tck/runner.py`; do not edit by hand.",
        "",
        f"The DMN Technology Compatibility Kit ([dmn-tck/tck]({TCK_REPO}), Apache-2.0) at commit",
        f"`{TCK_COMMIT}`: every test of compliance levels 2 and 3 whose model holds a decision table,",
        "vendored under `tests/tck/TestCases/`. atc-dmn runs each model through `atc-dmn import-dmn` into a",
        "workbook, loads it with `atc_dmn.load_model` and evaluates each case with `DecisionModel.evaluate`;",
        f"pyDMNrules {version} runs the same `.dmn` with `DMN.loadXML` and `DMN.decide`, in the same run.",
        "",
        "A case **passes** when every result node has the expected value, **fails** when the engine",
        "answers and a value differs, and is **refused** when the engine declines with an error (the model,",
        "or the case): a refusal is never a wrong answer. `tests/test_tck.py` fails when a case's status",
        "changes from `tests/tck/results/atc-dmn.csv` (the TCK runners' CSV format).",
        "",
        "## Totals",
        "",
        readme_block(ours, theirs, version).split("\n", 1)[1].rsplit("\n", 1)[0],
        "",
        "## Why atc-dmn refuses",
        "",
        "Each refused test with what its model needs that the engine does not read yet (a model may",
        "need several things; its refusal names the first, located at its DMN element id).",
        "",
        "| missing feature | tests | cases |",
        "|---|---|---|",
    ]
    groups: dict[str, tuple[set[str], int]] = {}
    for o in ours:
        if o.status != "refused":
            continue
        for feature in o.feature.split("; "):
            tests, n = groups.get(feature, (set(), 0))
            tests.add(o.case.folder.split("/")[-1])
            groups[feature] = (tests, n + 1)
    for feature, (tests, n) in sorted(groups.items(), key=lambda kv: (-kv[1][1], kv[0])):
        lines.append(f"| {feature} | {len(tests)}: {', '.join(sorted(tests))} | {n} |")
    lines += [
        "",
        "## Every test",
        "",
        "Cases passed, failed and refused by each engine; for atc-dmn's refusals, the first located error.",
        "",
        "| test | cases | atc-dmn | pyDMNrules | atc-dmn's refusal |",
        "|---|---|---|---|---|",
    ]
    by_test: dict[str, list[Outcome]] = {}
    for o in ours:
        by_test.setdefault(o.case.folder, []).append(o)
    for folder, outcomes in by_test.items():
        their = [theirs_by[o.case.key] for o in outcomes if o.case.key in theirs_by]
        refusals = sorted({o.detail for o in outcomes if o.status == "refused"})
        why = _cell(refusals[0]) if refusals else ""
        lines.append(f"| {folder} | {len(outcomes)} | {_counts(outcomes)} | {_counts(their)} | {why} |")
    wrong = [o for o in theirs if o.status == "fail"]
    lines += ["", "## pyDMNrules' wrong answers", ""]
    lines += ["Cases where pyDMNrules answered and the answer differs from the TCK's.", ""]
    lines += ["| test | case | expected and got |", "|---|---|---|"]
    lines += [f"| {o.case.folder} | {o.case.id} | {_cell(o.detail)} |" for o in wrong] or ["| - | - | none |"]
    lines.append("")
    return "\n".join(lines)


def _counts(outcomes: list[Outcome]) -> str:
    t = totals(outcomes)
    return ", ".join(f"{n} {status}" for status, n in t.items() if n) or "-"


def _cell(text: str, limit: int = 240) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def write_all() -> tuple[list[Outcome], list[Outcome]]:
    tests = all_tests()
    with tempfile.TemporaryDirectory(prefix="atc-dmn-tck-") as tmp:
        ours = run_ours(tests, Path(tmp))
    theirs = run_pydmnrules(tests)
    version = pydmnrules_version()
    RESULTS.mkdir(exist_ok=True)
    OURS_CSV.write_text(to_csv(ours), encoding="utf-8")
    THEIRS_CSV.write_text(to_csv(theirs), encoding="utf-8")
    DOC.write_text(page(ours, theirs, version), encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start >= 0 and end > start:
        text = text[:start] + readme_block(ours, theirs, version) + text[end + len(README_END) :]
        README.write_text(text, encoding="utf-8")
    return ours, theirs


def main() -> int:
    ours, theirs = write_all()
    version = pydmnrules_version()
    print(readme_block(ours, theirs, version).split("\n", 1)[1].rsplit("\n", 1)[0])
    print(f"wrote {OURS_CSV.relative_to(REPO)}, {THEIRS_CSV.relative_to(REPO)}, {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
