"""The ``atc-dmn`` command line: a thin layer over the public API.

Exit status: 0 success, 1 failed checks, 2 a bad case or command line,
3 a bad workbook, 4 an optional engine that is not installed, 5 standard
output or the audit log could not be written. The library's errors carry no
exit status: the mapping is here. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import AuditError, DmnError, EngineUnavailable, EvaluationError, InputError, ModelError, OutputError
from .feel_types import json_value  # json.dumps' default: dates and durations as ISO 8601 text
from .feel_value import show

ENGINES = ("compiled", "pydmnrules")

EXIT_FAILED_CHECKS = 1
EXIT_BAD_CASE = 2  # also click's status for a bad command line
EXIT_BAD_WORKBOOK = 3
EXIT_NO_ENGINE = 4
EXIT_OUTPUT = 5  # also for an audit log that cannot be written: no answer is given unlogged
# Writing standard output failed: a full disk or quota, a file too large, a reader that went away.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EPIPE})


def exit_status(error: DmnError) -> int:
    """The documented exit status of one of our errors."""
    if isinstance(error, InputError):
        return EXIT_BAD_CASE
    if isinstance(error, EngineUnavailable):
        return EXIT_NO_ENGINE
    if isinstance(error, AuditError | OutputError):
        return EXIT_OUTPUT
    if isinstance(error, ModelError | EvaluationError):
        return EXIT_BAD_WORKBOOK
    return EXIT_FAILED_CHECKS


def _fail(error: DmnError) -> None:
    if isinstance(error, ModelError):
        # A broken workbook: its first findings, located, and what to do about the first.
        where = f"{error.location}: " if error.location else ""
        click.echo(f"error: {where}{' '.join(error.message.split())} [{error.code}]", err=True)
        if error.hint:
            click.echo(f"fix: {error.hint}", err=True)
        for finding in error.findings[1:5]:
            click.echo(f"error: {finding.location or '-'}: {finding.message} [{finding.code}]", err=True)
        if len(error.findings) > 5:
            click.echo(f"({len(error.findings) - 5} more; run 'atc-dmn validate' for all of them)", err=True)
    else:
        click.echo(f"error: {error}", err=True)
    if isinstance(error, InputError) and error.allowed and "allowed:" not in str(error) and "Known" not in str(error):
        click.echo("allowed: " + ", ".join(error.to_dict()["allowed"]), err=True)
    sys.exit(exit_status(error))


def _output_failed(error: OSError) -> None:
    """Standard output cannot be written: say so briefly (a closed pipe silently, as Unix tools do) and exit 5."""
    try:
        # Whatever is still buffered would fail again when Python flushes it at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test runner's stream): nothing is flushed at exit
    if error.errno != errno.EPIPE:
        click.echo(f"error: cannot write the output: {error.strerror or error}", err=True)
    sys.exit(EXIT_OUTPUT)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors, and output that cannot be written, into a message on stderr and the documented exit status.

    Standard output is flushed before the command returns or exits, so that a
    full disk or a closed pipe is caught here rather than at interpreter exit.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return func(*args, **kwargs)
            finally:
                sys.stdout.flush()
        except DmnError as error:
            _fail(error)
        except OSError as error:
            if error.errno not in OUTPUT_ERRNOS:
                raise
            _output_failed(error)

    return wrapper


def _load(path: str | None):
    from .api import load_model

    return load_model(path)


model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(),  # a folder or a missing file is a bad workbook (exit 3), not a usage error
    default=None,
    help="Workbook to use (default: the shipped ATC model).",
)
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
audit_option = click.option(
    "--audit-log",
    "audit_path",
    metavar="FILE",
    envvar="ATC_DMN_AUDIT_LOG",
    type=click.Path(),  # a folder or a missing folder is the log's own error (exit 5), as for the env variable
    default=None,
    help="Append one JSON line per evaluation (inputs, decision, rules fired, model) before answering.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="atc-dmn")
def main() -> None:
    """Evaluate and check decision models whose rules live in an Excel workbook.

    \b
    Example:
      atc-dmn evaluate --set diagnosis_confirmed=true --set stage=IVB --set resectable=true
    """


@main.command()
@model_option
@click.option(
    "--case",
    "case_source",
    metavar="FILE|-",
    default=None,
    help="A JSON object of inputs, from a file or '-' for standard input.",
)
@click.option(
    "--set",
    "assignments",
    metavar="NAME=VALUE",
    multiple=True,
    help="Set one input (repeatable); overrides --case. An empty value means missing.",
)
@format_option
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="compiled",
    show_default=True,
    help="pydmnrules evaluates through the reference engine (slow to start).",
)
@audit_option
@handle_errors
def evaluate(
    model_path: str | None,
    case_source: str | None,
    assignments: tuple[str, ...],
    fmt: str,
    engine: str,
    audit_path: str | None,
) -> None:
    """Recommend for one patient case, with the reasons and citations.

    \b
    Examples:
      atc-dmn evaluate --set diagnosis_confirmed=true --set m_category=M1
      atc-dmn evaluate --case patient.json --format json
      echo '{"diagnosis_confirmed": true, "stage": "IVB"}' | atc-dmn evaluate --case -
    """
    from .audit import AuditLog
    from .cases import parse_assignments, parse_case_json, read_text

    audit = AuditLog.from_option(audit_path)  # opened first: a log that cannot be written stops us before any work
    case: dict[str, Any] = {}
    if case_source is not None:
        try:
            text = read_text(case_source)
        except InputError as error:
            raise InputError(
                error.field, error.value, error.allowed, f"--case: {error.message}", code=error.code
            ) from None
        case = parse_case_json(text, "standard input" if case_source == "-" else case_source)
    case.update(parse_assignments(assignments))
    model = _load(model_path)
    try:
        if engine == "pydmnrules":
            from .reference import evaluate_reference

            result = evaluate_reference(model, case)
        else:
            result = model.evaluate(case)
    except (InputError, EvaluationError) as error:
        if audit is not None:
            audit.record(identity=model.identity, source="evaluate", inputs=case, error=error)
        raise
    if audit is not None:
        audit.record(identity=model.identity, source="evaluate", inputs=case, result=result)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=json_value))
    else:
        from .text_report import render_text

        click.echo(render_text(result, model), nl=False)


@main.command()
@model_option
@format_option
@handle_errors
def inputs(model_path: str | None, fmt: str) -> None:
    """List the model's inputs, their allowed values and meanings, read from the workbook.

    \b
    Example:
      atc-dmn inputs --format json
    """
    model = _load(model_path)
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in model.inputs], indent=2))
    else:
        from .text_report import render_inputs

        click.echo(render_inputs(model), nl=False)


@main.command()
@model_option
@click.argument("input_path", metavar="INPUT")
@click.argument("output_arg", metavar="[OUTPUT]", required=False)
@click.option("-o", "--output", "output", metavar="FILE", help="Write the results here (default: standard output).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "xlsx", "parquet"]),
    default=None,
    help="Output format (default: by the output's extension, else jsonl). xlsx: an Excel workbook for people; "
    "parquet: --engine spark only.",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "csv", "jsonl", "json", "xlsx", "parquet"]),
    default="auto",
    show_default=True,
    help="auto: by the extension, else by the first bytes (standard input too). parquet: --engine spark only.",
)
@click.option(
    "--id-column",
    metavar="NAME",
    help="The column (or JSON key) that identifies a row; carried through. Default: id, if there is one.",
)
@click.option(
    "--keep-columns",
    metavar="A,B",
    default="",
    help="Columns that are not inputs, carried through to the output unchanged.",
)
@click.option(
    "--jobs",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="Worker processes (0: one per CPU); the output keeps the input's order.",
)
@click.option("--sheet", metavar="NAME", help="The sheet of an Excel input (default: the first).")
@click.option(
    "--encoding",
    metavar="NAME",
    help="The text encoding of a CSV or JSON input without a BOM (default: UTF-8; "
    "Excel's 'CSV (Comma delimited)': cp1252).",
)
@click.option(
    "--engine",
    type=click.Choice(["compiled", "spark"]),
    default="compiled",
    show_default=True,
    help="spark: Apache Spark, for Parquet or CSV cohorts past one machine (pip install 'atc-dmn[spark]').",
)
@click.option("--progress/--no-progress", default=None, help="The progress bar (default: on a terminal only).")
@audit_option
@handle_errors
def batch(
    model_path: str | None,
    input_path: str,
    output_arg: str | None,
    output: str | None,
    fmt: str | None,
    input_format: str,
    id_column: str | None,
    keep_columns: str,
    jobs: int,
    sheet: str | None,
    encoding: str | None,
    engine: str,
    progress: bool | None,
    audit_path: str | None,
) -> None:
    """Evaluate every row of a CSV, JSON Lines, JSON array or Excel file ('-' for standard input).

    One output row per input row, in order: the kept columns, the inputs as the
    model read them, the decision codes, the model version and SHA-256, and the
    error of a row that failed (the batch goes on). Columns that are not inputs
    are refused unless named with --id-column or --keep-columns. CSV may be
    separated by , ; or tab and be UTF-8 or UTF-16 with a BOM (--encoding for
    others). A summary goes to standard error. Exit status: 0 every row
    answered, 1 a row failed, 2 a bad command line or an input that cannot be
    read, 3 a row met a gap in the tables, 5 the output cannot be written.

    \b
    Examples:
      atc-dmn batch cohort.csv -o results.csv --id-column patient_id
      atc-dmn batch cohort.xlsx -o results.xlsx --keep-columns site,mrn
      atc-dmn batch cohort.csv -o results.csv --jobs 2
      atc-dmn batch --engine spark cohort.parquet results.parquet
    """
    from .batch.command import run_command

    if output and output_arg:
        raise click.UsageError("give the output once: as OUTPUT or as -o FILE")
    code = run_command(
        load=lambda: _load(model_path),
        model_path=model_path,
        input_path=input_path,
        output=output or output_arg,
        fmt=fmt,
        input_format=None if input_format == "auto" else input_format,
        id_column=id_column,
        keep=tuple(k.strip() for k in keep_columns.split(",") if k.strip()),
        jobs=jobs or (os.cpu_count() or 1),
        sheet=sheet,
        encoding=encoding,
        engine=engine,
        progress=progress,
        audit_path=audit_path,
    )
    if code:
        sys.exit(code)


# -- checking a workbook ------------------------------------------------------------------------


def _workbook_path(workbook: str | None) -> str:
    from .api import shipped_model_path

    return workbook if workbook is not None else str(shipped_model_path())


def _show_finding(finding: Any) -> list[str]:
    where = finding.location or "(whole file)"
    # Messages quoted from other libraries may span lines: keep each finding's layout.
    lines = [f"{finding.severity.upper():8s}{finding.code}  {where}", "        " + " ".join(finding.message.split())]
    if finding.hint:
        lines.append("        fix: " + " ".join(finding.hint.split()))
    return lines


def _plural(n: int, word: str) -> str:
    return f"{'no' if n == 0 else n} {word}{'' if n == 1 else 's'}"


@main.command()
@click.argument("workbook", required=False, type=click.Path())
@format_option
@handle_errors
def validate(workbook: str | None, fmt: str) -> None:
    """Check a workbook (default: the shipped model) and list every finding with its sheet, cell and fix.

    Exit status 0 when there is no error (warnings allowed), 1 when there is.
    docs/findings.md explains every finding code.

    \b
    Examples:
      atc-dmn validate decisions/atc_treatment.xlsx
      atc-dmn validate my_copy.xlsx --format json
    """
    from .report import validate_workbook

    path = _workbook_path(workbook)
    report = validate_workbook(path)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            click.echo("\n".join(_show_finding(finding)))
        took = f"checked in {report.seconds * 1000:.0f} ms"
        counts = f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}"
        click.echo(f"{path}: {counts} ({took})")
    sys.exit(0 if report.ok else EXIT_FAILED_CHECKS)


@main.command(name="test")
@click.argument("workbook", required=False, type=click.Path())
@click.option(
    "--cases",
    "cases_file",
    metavar="FILE",
    default=None,
    help="Also run the cases of a JSON Lines or CSV file (expected outputs under 'expected' / 'expected.<output>').",
)
@format_option
@handle_errors
def test_command(workbook: str | None, cases_file: str | None, fmt: str) -> None:
    """Run the workbook's Test sheet (and --cases), compare the outputs, and report rule coverage.

    Exit status 0 when every case passes (rules no case fires are warnings),
    1 when a case fails, 3 when the workbook itself is broken.

    \b
    Examples:
      atc-dmn test decisions/atc_treatment.xlsx
      atc-dmn test --cases more_cases.jsonl --format json
    """
    from .case_runner import run_tests

    model = _load(workbook)
    report = run_tests(model, cases_file)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        width = max([4, *(len(o.id) for o in report.outcomes)])
        click.echo(f"{'CASE':{width}s}  RESULT  DESCRIPTION")
        for o in report.outcomes:
            click.echo(f"{o.id:{width}s}  {'pass' if o.passed else 'FAIL':6s}  {o.description or o.source}")
            if o.problem:
                click.echo(f"{'':{width}s}          {o.problem}")
            for m in o.mismatches:
                where = f"{m.cell}: " if m.cell else ""
                click.echo(
                    f"{'':{width}s}          {where}{m.output}: expected {_text(m.expected)}, actual {_text(m.actual)}"
                )
        click.echo(f"{report.passed} passed, {report.failed} failed")
        cov = report.coverage
        click.echo(f"rule coverage: {cov.covered} of {cov.total} rules ({cov.percent:.0f}%)")
        for finding in cov.uncovered:
            click.echo(f"warning: {finding.location}: {finding.message} [{finding.code}]")
    sys.exit(0 if report.ok else EXIT_FAILED_CHECKS)


@main.command()
@click.argument("workbook", type=click.Path())
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the tidied workbook here (default: replace WORKBOOK).",
)
@handle_errors
def tidy(workbook: str, out: str | None) -> None:
    """Rebuild a workbook's drop-downs and layout from its content; no cell's value changes.

    Drop-downs on every rule column from its allowed values (row 4) and on the
    Test sheet, frozen headers, wrapped text, widths, row heights and a
    landscape print layout. A workbook with validation errors is refused (exit 3).

    \b
    Examples:
      atc-dmn tidy decisions/atc_treatment.xlsx
      atc-dmn tidy my_copy.xlsx -o tidied.xlsx
    """
    from .tidy import tidy as tidy_workbook

    try:
        report = tidy_workbook(workbook, out)
    except OSError as exc:
        raise click.FileError(exc.filename or out or workbook, exc.strerror or str(exc)) from None
    click.echo(
        f"{report.path}: {report.dropdowns} drop-downs from {report.lists} lists, "
        f"layout of {report.sheets} sheets; no cell value changed"
    )
    if report.warnings:
        click.echo(f"{_plural(len(report.warnings), 'warning')} remain: run 'atc-dmn validate' to see them")


@main.command(name="export-dmn")
@click.argument("workbook", required=False, type=click.Path())
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), required=True, help="The DMN file to write.")
@handle_errors
def export_dmn(workbook: str | None, out: str) -> None:
    """Write the model as DMN 1.3 XML (with a diagram), for DMN modelers and engines.

    What DMN has no element for (wording, references, test cases) is kept in
    extension elements. A workbook with validation errors is refused (exit 3).

    \b
    Example:
      atc-dmn export-dmn decisions/atc_treatment.xlsx -o atc_treatment.dmn
    """
    from .formats.dmn_export import write_dmn

    model = _load(workbook)
    try:
        path = write_dmn(model, out)
    except OSError as exc:
        raise click.FileError(out, exc.strerror or str(exc)) from None
    click.echo(f"{path}: DMN 1.3, {len(model.model.tables)} decisions")


@main.command()
@click.argument("workbook", required=False, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "markdown"]),
    default="html",
    show_default=True,
    help="html: one page to read and print; markdown: the same content as text, for review diffs.",
)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write here (default: standard output).",
)
@click.option(
    "--textconv",
    is_flag=True,
    help="For git's diff driver: Markdown, and a workbook that does not load reads as its findings (exit 0).",
)
@handle_errors
def render(workbook: str | None, fmt: str, out: str | None, textconv: bool) -> None:
    """Write the whole model for people to read: identity, diagram, tables, wording, references, FHIR, cards, tests.

    HTML is one self-contained page that prints for sign-off; Markdown is the
    same content as text, the same bytes for the same workbook, for review
    diffs. A workbook with validation errors is refused (exit 3).

    \b
    Examples:
      atc-dmn render decisions/atc_treatment.xlsx -o atc_treatment.html
      atc-dmn render decisions/atc_treatment.xlsx --format markdown -o decisions/atc_treatment.md
      git config diff.atc-dmn.textconv "atc-dmn render --textconv"
    """
    from .render import render as render_model

    try:
        loaded = _load(workbook)
        text = render_model(getattr(loaded, "model", loaded), "markdown" if textconv else fmt)
    except ModelError as error:
        if not textconv:
            raise
        from .render.markdown import refused_markdown

        text = refused_markdown(error)  # git would stop a whole log -p at a version it cannot read
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        with open(out, "w", encoding="utf-8", newline="\n") as file:  # the same bytes on every system
            file.write(text)
    except OSError as exc:
        raise click.FileError(out, exc.strerror or str(exc)) from None
    click.echo(f"{out}: {fmt}, {len(text.encode())} bytes")


@main.command(name="import-dmn")
@click.argument("dmn_file", type=click.Path())
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), required=True, help="The workbook to write.")
@click.option("--force", is_flag=True, help="Replace the workbook if it exists.")
@handle_errors
def import_dmn(dmn_file: str, out: str, force: bool) -> None:
    """Write a DMN file's model as a workbook in our format, tidied, to edit in Excel.

    A file that does not load is refused (exit 3) with its located finding;
    an existing workbook is kept unless --force.

    \b
    Example:
      atc-dmn import-dmn atc_treatment.dmn -o atc_treatment.xlsx
    """
    from .formats.xlsx_write import write_workbook

    if Path(out).exists() and not force:
        raise click.UsageError(f"{out} exists: pass --force to replace it")
    loaded = _load(dmn_file)
    model = getattr(loaded, "model", loaded)  # load_model gives a DecisionModel; its Model is what is written
    try:
        path = write_workbook(model, out)
    except OSError as exc:
        raise click.FileError(out, exc.strerror or str(exc)) from None
    click.echo(f"{path}: {len(model.tables)} decision tables, {len(model.tests)} test cases")


def _text(value: Any) -> str:
    """An expected or actual value in a failed case: a list's items bare, one value as typed in a cell."""
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list) else show(value)


# `atc-dmn serve` lives with the service (atc_dmn/service/command.py); it imports FastAPI only when it runs.
from .service.command import serve  # noqa: E402

main.add_command(serve)

# `atc-dmn diff` lives with the comparison (atc_dmn/diff/command.py).
from .diff.command import diff  # noqa: E402

main.add_command(diff)


if __name__ == "__main__":  # pragma: no cover
    main()
