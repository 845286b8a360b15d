"""CSV rows, streamed: ``,``, ``;`` (European Excel) or tab separated, told from the header line.

Rows are cut from the text line by line, so a row may be refused on its own (too long, not
text, the wrong number of cells) while the rest of the file goes on. A quoted cell may hold
line breaks: the row then goes on until its quote closes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from ..cases import SURROGATES
from ..errors import InputError
from .rows import Row, has_surrogates, not_text, too_long, unreadable

_DELIMITERS = (",", ";", "\t")


def read_header(text: TextIO, limit: int) -> tuple[list[str], str, int] | None:
    """The header's column names, the delimiter and how many lines it took; None for an empty input."""
    line_no = 0
    while True:
        got = _logical_line(text, limit, ",")  # the delimiter does not change where a quoted header cell ends
        if got is None:
            return None
        raw, lines, long = got
        line_no += lines
        if long:
            raise InputError(None, None, (), f"the header line is longer than {limit:,} characters", code="BAD_CSV")
        if raw.strip():
            break
    if has_surrogates(raw):
        raise InputError(None, None, (), not_text("the header").error.message.split(": ", 1)[1], code="NOT_TEXT")
    delimiter = max(_DELIMITERS, key=lambda d: _count_outside_quotes(raw, d))
    try:
        header = next(csv.reader([raw], delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(None, None, (), f"the CSV header cannot be read: {exc}", code="BAD_CSV") from None
    return [h.strip() for h in header], delimiter, line_no


def read_rows(text: TextIO, header: list[str], delimiter: str, first_line: int, limit: int) -> Iterator[Row]:
    """Each data row as a :class:`Row` of the header's names, labelled ``row N`` by its first line."""
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)  # one cell may fill a row: the row's limit is the one that counts
    names = header
    width = len(names)
    while width and not names[width - 1]:
        width -= 1  # empty names at the end: the trailing separators a spreadsheet adds
    line_no = first_line
    while True:
        got = _logical_line(text, limit, delimiter)
        if got is None:
            return
        raw, lines, long = got
        label = f"row {line_no + 1}"
        line_no += lines
        if long:
            yield too_long(label, limit)
            continue
        spoilt = None
        if has_surrogates(raw):
            # Kept as far as it can be read (the id above all), the bytes that are not text shown as U+FFFD.
            spoilt = not_text(label).error
            raw = SURROGATES.sub("\ufffd", raw)
        body = raw.rstrip("\r\n")
        if '"' in body:
            try:
                cells = next(csv.reader([body], delimiter=delimiter), [])
            except csv.Error as exc:
                yield unreadable(label, f"is not a CSV row: {exc}", code="BAD_CSV")
                continue
        else:
            cells = body.split(delimiter)
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no row
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            cells = cells[:width]
        values = {name: (cell if cell != "" else None) for name, cell in zip(names, cells) if name}
        if spoilt is None and len(cells) != width:
            # Its cells are kept in the order given, so that the id (the first column, as a rule) shows which row it is.
            spoilt = unreadable(label, f"has {len(cells)} cells for {width} columns", code="BAD_CSV").error
        yield Row(label, values, spoilt)


def _logical_line(text: TextIO, limit: int, delimiter: str) -> tuple[str, int, bool] | None:
    """The next row's text (which may span lines inside quotes), how many lines it took, and whether it was too long.

    A too long row is read on to the end of its line and dropped, so that the next row starts where it should.
    """
    line = text.readline(limit + 1)
    if not line:
        return None
    parts = [line]
    size = len(line)
    lines = 1
    quoted = '"' in line and _ends_in_quotes(line, delimiter, False)
    while size <= limit and quoted and _ended(line):
        line = text.readline(limit + 1)
        if not line:
            break  # the file ends inside a quoted cell: the CSV parser names it
        parts.append(line)
        size += len(line)
        lines += 1
        if '"' in line:
            quoted = _ends_in_quotes(line, delimiter, True)
    if size <= limit:
        return "".join(parts), lines, False
    while line and not _ended(line):
        line = text.readline(limit + 1)
    return "", lines, True


def _ended(line: str) -> bool:
    return line.endswith(("\n", "\r"))


def _ends_in_quotes(line: str, delimiter: str, quoted: bool) -> bool:
    """Whether a quoted cell is still open at the end of ``line`` (``quoted``: one was open at its start)."""
    at_start = not quoted
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quoted:
            if c == '"':
                if i + 1 < n and line[i + 1] == '"':
                    i += 1  # a doubled quote inside a quoted cell
                else:
                    quoted = False
            at_start = False
        elif c == '"' and at_start:
            quoted = True
            at_start = False
        else:
            at_start = c == delimiter
        i += 1
    return quoted


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == delimiter and not quoted:
            count += 1
    return count
