"""One batch, end to end: open the input, check its columns, decide every row, write each answer in order.

Memory stays flat whatever the input's size: rows are read, decided and written a chunk at a
time. Every input row gets exactly one output row, in order; a row that cannot be read or is
refused gets its error in place and the batch goes on.
"""

from __future__ import annotations

import codecs
import itertools
import os
import sys
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from ..errors import InputError, OutputError
from .columns import Columns, plan, plan_json
from .csv_rows import read_header, read_rows
from .json_rows import json_rows, jsonl_rows
from .parallel import chunked, decide_chunk, in_parallel
from .progress import Progress
from .rows import Row
from .source import MAX_ROW, open_source
from .writers import CsvSink, TextSink, XlsxSink

if TYPE_CHECKING:
    from ..audit import AuditLog
    from ..engine import DecisionModel

OUTPUT_FORMATS = ("csv", "jsonl", "xlsx")
CHUNK = 500  # rows per piece of work: large enough to amortise a worker's round trip, small enough for progress
_OUTPUT_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}


@dataclass
class Summary:
    """What a batch did: rows in (= rows out), how many failed, how many hit a gap in the tables, and the time."""

    input: str
    output: str
    rows: int = 0
    errors: int = 0
    gaps: int = 0
    seconds: float = 0.0
    empty: str | None = None  # "no rows" or "a header but no rows"
    first_errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def output_format(fmt: str | None, output: str | None) -> str:
    """The output's format: as given, else by the output file's extension, else JSON Lines."""
    if fmt:
        return fmt
    if not output or output == "-":
        return "jsonl"
    suffix = os.path.splitext(output)[1].lower()
    if suffix in _OUTPUT_SUFFIXES:
        return _OUTPUT_SUFFIXES[suffix]
    if suffix == ".parquet":
        raise InputError(
            "--format", "parquet", (), f"-o {output}: Parquet is written with --engine spark", code="BAD_OPTION"
        )
    old = " (.xls, Excel's old format, is not written: name it .xlsx)" if suffix == ".xls" else ""
    raise InputError(
        "--format",
        suffix,
        OUTPUT_FORMATS,
        f"-o {output}: the format cannot be told from '{suffix or 'no extension'}'{old}; "
        "give --format; allowed: csv, jsonl, xlsx",
        code="BAD_OPTION",
    )


def run_batch(
    model: DecisionModel,
    input_path: str,
    *,
    output: str | None = None,
    fmt: str | None = None,
    input_format: str | None = None,
    id_column: str | None = None,
    keep: tuple[str, ...] = (),
    jobs: int = 1,
    sheet: str | None = None,
    audit: AuditLog | None = None,
    audit_path: str | None = None,
    progress: bool | None = None,
    encoding: str | None = None,
) -> Summary:
    """Decide every row of ``input_path`` ('-': standard input) into ``output`` (None or '-': standard output).

    Raises :class:`InputError` for an input that cannot be read at all or whose columns are not the
    model's (before anything is written), OSError when the output cannot be written.
    """
    fmt = output_format(fmt, output)
    for option, given in (("--format", fmt), ("--input-format", input_format)):
        if given == "parquet":
            raise InputError(
                option,
                given,
                (),
                f"{option} parquet: Parquet is read and written with --engine spark",
                code="BAD_OPTION",
            )
    if sheet is not None and input_format not in (None, "xlsx"):
        raise InputError("--sheet", sheet, (), "--sheet is for an Excel input (.xlsx)", code="BAD_OPTION")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                "--encoding",
                encoding,
                (),
                f"--encoding {encoding}: no such encoding (for example utf-8, cp1252, utf-16)",
                code="BAD_OPTION",
            ) from None
    _not_the_input(input_path, output)
    source = open_source(input_path, input_format)
    if sheet is not None and source.fmt != "xlsx":
        raise InputError(
            "--sheet", sheet, (), f"--sheet is for an Excel input; {source.name} is {source.fmt}", code="BAD_OPTION"
        )
    inputs = [v.key for v in model.model.variables_with_role("input")]
    outputs = [v.key for v in model.model.variables_with_role("output")]
    summary = Summary(source.name, output or "standard output")
    try:
        rows, columns, summary.empty = _open_rows(source, inputs, outputs, id_column, keep, sheet, encoding)
        if output and output.lower().endswith(".tsv"):
            columns = replace(columns, delimiter="\t")
        # A zip is read from its end and back: the bytes read say nothing of the rows done.
        size = source.size if source.fmt != "xlsx" else None
        bar = (
            Progress.on_terminal(size, source.position)
            if progress is None
            else Progress(progress, size, source.position)
        )
        # A CSV read with a byte order mark is written with one: Excel then reads it as UTF-8, not its own code page.
        bom = fmt == "csv" and source.encoding in ("utf-8-sig", "utf-16")
        with _Output(output, fmt, "utf-8-sig" if bom else "utf-8") as stream:
            sink = _sink(fmt, stream, columns, model)
            chunks = chunked(rows, CHUNK * (2 if jobs > 1 else 1))
            for chunk in _answers(model, columns, fmt, chunks, jobs, audit, audit_path):
                sink.write(chunk.encoded)
                summary.rows += chunk.rows
                summary.errors += chunk.errors
                summary.gaps += chunk.gaps
                if chunk.errors and len(summary.first_errors) < 3:
                    summary.first_errors.extend(chunk.failures[: 3 - len(summary.first_errors)])
                bar.update(summary.rows)
            bar.done()
            summary.seconds = bar.elapsed()
            sink.close({"input": source.name, "rows": summary.rows, "errors": summary.errors})
    finally:
        source.close()
    return summary


def _not_the_input(input_path: str, output: str | None) -> None:
    """Writing over the input would destroy it as it is read: refused before either is opened."""
    if not output or output == "-" or input_path == "-":
        return
    same = os.path.abspath(input_path) == os.path.abspath(output)
    if not same and os.path.exists(output) and os.path.exists(input_path):
        same = os.path.samefile(input_path, output)
    if same:
        raise InputError(
            "--output",
            output,
            (),
            f"-o {output} is the input itself: write the results to another file",
            code="BAD_OPTION",
        )


def _open_rows(
    source: Any,
    inputs: list[str],
    outputs: list[str],
    id_column: str | None,
    keep: tuple[str, ...],
    sheet: str | None,
    encoding: str | None,
) -> tuple[Any, Columns, str | None]:
    """The rows to decide, the columns' plan and why the input is empty (if it is)."""
    if source.fmt == "csv":
        text = source.text(encoding)
        head = read_header(text, MAX_ROW)
        if head is None:
            return iter(()), plan(inputs, outputs, None, id_column, keep), "no rows"
        header, delimiter, lines = head
        columns = replace(plan(inputs, outputs, header, id_column, keep), delimiter=delimiter)
        rows = read_rows(text, header, delimiter, lines, MAX_ROW)
        first, rows = _peek(rows)
        return rows, columns, None if first else "a header but no rows"
    if source.fmt == "xlsx":
        from .xlsx_rows import XlsxRows

        book = XlsxRows(source.seekable_file(), source.name, sheet)
        if book.header is None:
            return iter(()), plan(inputs, outputs, None, id_column, keep), "no rows"
        columns = plan(inputs, outputs, book.header, id_column, keep)
        first, rows = _peek(book.rows())
        return rows, columns, None if first else "a header but no rows"
    text = source.text(encoding)
    reader = jsonl_rows if source.fmt == "jsonl" else json_rows
    first, rows = _peek(reader(text, MAX_ROW))
    columns = plan_json(inputs, outputs, first, id_column, keep)
    return rows, columns, None if first else "no rows"


def _peek(rows: Any) -> tuple[Row | None, Any]:
    first = next(rows, None)
    return first, (itertools.chain((first,), rows) if first is not None else iter(()))


def _answers(
    model: DecisionModel,
    columns: Columns,
    fmt: str,
    chunks: Any,
    jobs: int,
    audit: AuditLog | None,
    audit_path: str | None,
) -> Any:
    """Each chunk's answers in order: in this process, or with ``jobs`` workers once there is more than one chunk."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None) if jobs > 1 else None
    if second is None:
        yield decide_chunk(model, columns, fmt, first, audit)
        for chunk in chunks:
            yield decide_chunk(model, columns, fmt, chunk, audit)
        return
    yield from in_parallel(model, columns, fmt, itertools.chain((first, second), chunks), jobs, audit_path)


class _Output:
    """The output stream: a file (text, or bytes for xlsx) or standard output."""

    def __init__(self, path: str | None, fmt: str, encoding: str = "utf-8") -> None:
        self.path = None if path in (None, "-") else path
        self.fmt = fmt
        self.encoding = encoding
        self._file: IO[Any] | None = None

    def __enter__(self) -> Any:
        if self.fmt == "xlsx":
            if self.path is not None:
                folder = os.path.dirname(os.path.abspath(self.path))
                if os.path.isdir(self.path) or not os.path.isdir(folder):
                    reason = "it is a folder" if os.path.isdir(self.path) else f"no folder {folder}"
                    raise OutputError(self.path, reason)
                return self.path
            if sys.stdout.isatty():
                raise InputError(
                    "--format",
                    "xlsx",
                    (),
                    "an Excel workbook is not for a terminal: give -o FILE.xlsx",
                    code="BAD_OPTION",
                )
            return sys.stdout.buffer
        if self.path is None:
            return sys.stdout
        try:
            self._file = open(self.path, "w", encoding=self.encoding, newline="")
        except OSError as exc:
            raise OutputError(self.path, exc.strerror or str(exc)) from None
        return self._file

    def __exit__(self, *exc: Any) -> None:
        if self._file is not None:
            self._file.close()


def _sink(fmt: str, stream: Any, columns: Columns, model: DecisionModel) -> Any:
    if fmt == "csv":
        return CsvSink(stream, columns)
    if fmt == "xlsx":
        return XlsxSink(stream, columns, model)
    return TextSink(stream, columns)
