"""JSON Lines and JSON array rows, streamed: one object per line, or one item of a top-level array at a time.

Each row is parsed by the same defensive reader as a single case (:func:`atc_dmn.cases.parse_json`),
so a key given twice, deep nesting or NaN spoil only their own row. An array is cut into its items
by a scanner that follows strings and brackets across chunks, so no whole file is ever in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from ..cases import MAX_DEPTH, json_type, parse_json
from ..errors import InputError
from .rows import Row, has_surrogates, not_text, too_long, unreadable

_CHUNK = 1 << 16
_TOKENS = re.compile(r'["\\\[\]{},]')


def jsonl_rows(text: TextIO, limit: int) -> Iterator[Row]:
    """One row per non-blank line, labelled ``line N``."""
    line_no = 0
    while True:
        line = text.readline(limit + 1)
        if not line:
            return
        line_no += 1
        label = f"line {line_no}"
        if len(line) > limit:
            while line and not line.endswith(("\n", "\r")):
                line = text.readline(limit + 1)
            yield too_long(label, limit)
            continue
        if not line.strip():
            continue
        yield _row(label, line)


def json_rows(text: TextIO, limit: int) -> Iterator[Row]:
    """The items of a top-level JSON array (or the one object a file holds), labelled ``item N``."""
    head = _skip_space(text)
    if head == "":
        return
    if head != "[":
        rest = head + text.read(limit + 1 - len(head))
        if len(rest) > limit:
            raise InputError(
                None, None, (), "the JSON is not an array of cases, and too long for one case", code="BAD_JSON"
            )
        yield _row("item 1", rest)
        return
    yield from _array_items(text, limit)


def _array_items(text: TextIO, limit: int) -> Iterator[Row]:
    """The array's items, each cut at the commas between them (the ``[`` is already read)."""
    depth = 1  # inside the array
    in_string = False
    escaped_at = -1  # where in the chunk the character after a backslash is (0: carried into this chunk)
    item: list[str] = []
    size = 0
    number = 0
    dropping = False
    while True:
        chunk = text.read(_CHUNK)
        if not chunk:
            message = f"the JSON array is not closed with ]: it ends inside item {number + 1}"
            raise InputError(None, None, (), message, code="BAD_JSON")
        start = 0
        for match in _TOKENS.finditer(chunk):
            token = match.group()
            if in_string:
                if match.start() == escaped_at:
                    continue  # an escaped quote or backslash
                if token == "\\":
                    escaped_at = match.end()
                elif token == '"':
                    in_string = False
                continue
            if token == '"':
                in_string = True
            elif token == "\\":
                pass
            elif token in "[{":
                depth += 1
            elif token in "]}":
                depth -= 1
                if depth == 0:  # the array's own ]
                    piece = chunk[start : match.start()]
                    if dropping or size + len(piece) > limit:
                        number += 1
                        yield too_long(f"item {number}", limit)
                    elif "".join(item).strip() or piece.strip():
                        number += 1
                        yield _row(f"item {number}", "".join(item) + piece)
                    elif number:
                        raise InputError(
                            None, None, (), f"the JSON array ends with a comma after item {number}", code="BAD_JSON"
                        )
                    _trailing(chunk[match.end() :], text)
                    return
            elif token == "," and depth == 1:
                piece = chunk[start : match.start()]
                number += 1
                if dropping or size + len(piece) > limit:
                    yield too_long(f"item {number}", limit)
                else:
                    yield _row(f"item {number}", "".join(item) + piece)
                item, size, dropping = [], 0, False
                start = match.end()
        piece = chunk[start:]
        if not dropping:
            item.append(piece)
            size += len(piece)
            if size > limit:
                item, dropping = [], True
        escaped_at = 0 if escaped_at == len(chunk) else -1  # a backslash ending the chunk escapes the next one's first


def _trailing(rest: str, text: TextIO) -> None:
    while True:
        if rest.strip():
            raise InputError(None, None, (), "the file holds more after the JSON array's closing ]", code="BAD_JSON")
        rest = text.read(_CHUNK)
        if not rest:
            return


def _skip_space(text: TextIO) -> str:
    while True:
        c = text.read(1)
        if c == "" or not c.isspace():
            return c


def _row(label: str, item_text: str) -> Row:
    if has_surrogates(item_text):
        return not_text(label)
    try:
        item = parse_json(item_text, label, MAX_DEPTH)
    except InputError as error:
        return Row(label, {}, error)
    if not isinstance(item, dict):
        return unreadable(label, f"a case must be a JSON object, not a JSON {json_type(item)}", code="NOT_AN_OBJECT")
    return Row(label, item)
