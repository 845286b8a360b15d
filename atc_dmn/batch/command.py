"""``atc-dmn batch``: the command's run and its summary on standard error; exit statuses stay the CLI's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

EXIT_ROWS_FAILED = 1
EXIT_GAP = 3  # a row met a gap in the tables: the workbook's fault, as for evaluate


def run_command(
    *,
    load: Callable[[], Any],
    model_path: str | None,
    input_path: str,
    output: str | None,
    fmt: str | None,
    input_format: str | None,
    id_column: str | None,
    keep: tuple[str, ...],
    jobs: int,
    sheet: str | None,
    encoding: str | None,
    engine: str,
    progress: bool | None,
    audit_path: str | None,
) -> int:
    """Run one batch and say what it did; the exit status (0, 1 when a row failed, 3 for a gap in the tables)."""
    from ..audit import AuditLog

    audit = AuditLog.from_option(audit_path)
    model = load()
    if engine == "spark":
        from ..errors import InputError
        from ..spark import run_files

        not_spark = (("--sheet", sheet), ("--audit-log", audit_path), ("--jobs", jobs if jobs != 1 else None))
        for option, given in (*not_spark, ("--encoding", encoding)):
            if given is not None:
                raise InputError(
                    option,
                    given,
                    (),
                    f"{option} is not for --engine spark (Spark spreads the rows over its own executors)",
                    code="BAD_OPTION",
                )

        summary = run_files(
            model, input_path, output, fmt=fmt, input_format=input_format, id_column=id_column, keep=keep
        )
    else:
        from .run import run_batch

        summary = run_batch(
            model,
            input_path,
            output=output,
            fmt=fmt,
            input_format=input_format,
            id_column=id_column,
            keep=keep,
            jobs=jobs,
            sheet=sheet,
            audit=audit,
            audit_path=audit_path,
            progress=progress,
            encoding=encoding,
        )
    say(summary)
    if summary.gaps:
        return EXIT_GAP
    return EXIT_ROWS_FAILED if summary.errors else 0


def say(summary: Any) -> None:
    """The closing summary: rows, failures, time and rate; an empty input says so."""
    if summary.empty:
        click.echo(f"{summary.input} holds {summary.empty}: nothing to evaluate", err=True)
        return
    failed = f"{summary.errors:,} failed" if summary.errors else "none failed"
    click.echo(
        f"{summary.rows:,} row{'s' if summary.rows != 1 else ''}, {failed}, in {summary.seconds:.2f} s "
        f"({summary.rate:,.0f} rows/s) -> {summary.output}",
        err=True,
    )
    for message in summary.first_errors:
        click.echo(f"  {message}", err=True)
    if summary.errors > len(summary.first_errors):
        click.echo("  (each failed row has its error in the output's error column)", err=True)
    if summary.gaps:
        click.echo(
            f"{summary.gaps:,} row(s) met a gap in the tables (NO_DECISION): the workbook must be fixed; "
            "run 'atc-dmn validate'",
            err=True,
        )
