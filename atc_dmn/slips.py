"""Slips of the keyboard in a cell that did not parse, named as the person would see them.

The parser in :mod:`.feel` says what it could not read; that is often one
step removed from what was typed wrong (a missing comma reads as a quote
inside text). When a cell fails, :func:`explain` looks for the slips people
make when typing a cell in Excel: curly quotes from AutoCorrect, a quote
missing at one end of a text, a missing comma, a semicolon for a comma, a
comma too many. It names the first one and the whole cell corrected.

Only the failure path runs this: a cell that parses is never second-guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# What AutoCorrect ("smart quotes") and other keyboards type for a straight quote.
CURLY = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2018\u2019\u201a\u201b"
_TOKEN = re.compile(r'"[^"]*"|[,;]|[^\s,;"]+')
_BARE_VALUE = re.compile(r"[A-Za-z0-9_.+-]*[A-Za-z0-9][A-Za-z0-9_.+-]*")
_PUNCTUATION = re.compile(r"[^\w\s()\[\]]+")
_WRAPPER = re.compile(r"^(not\s*\()(.*?)(\)?)$", re.S)
_NOT_VALUES = ("not", "and", "or")


@dataclass(frozen=True)
class Slip:
    """What was typed wrong (``message``), the cell as it was probably meant (``fixed``, if known), advice."""

    message: str
    fixed: str | None
    advice: str

    @property
    def hint(self) -> str:
        return (f"Write it as {self.fixed}. " if self.fixed else "") + self.advice


def explain(text: str, parses: Callable[[str], object]) -> Slip | None:
    """The first slip in ``text``, with a correction that ``parses`` accepts (else a hint without it)."""
    for find in (_curly, _unbalanced, _separators):
        slip = find(text)
        if slip is None:
            continue
        fixed = slip.fixed
        for _ in range(3):  # a cell may hold more than one slip: correct them one after the other
            if fixed is None or _accepted(fixed, parses):
                break
            further = explain(fixed, parses)
            fixed = further.fixed if further is not None else None
        return Slip(slip.message, fixed, slip.advice)
    return None


def _accepted(text: str, parses: Callable[[str], object]) -> bool:
    try:
        parses(text)
    except ValueError:
        return False
    return True


def _curly(text: str) -> Slip | None:
    found = sorted({ch for ch in text if ch in CURLY})
    if not found:
        return None
    fixed = text.translate({ord(ch): '"' for ch in CURLY})
    return Slip(
        f'{text} has curly quotes ({" ".join(found)}); a cell needs straight double quotes ("), '
        "and Excel's AutoCorrect turns them curly",
        fixed,
        'Retype each quote as a straight double quote ("). To stop Excel doing it: AutoCorrect Options, '
        'AutoFormat As You Type, untick "Straight quotes with smart quotes".',
    )


def _unbalanced(text: str) -> Slip | None:
    """An odd number of double quotes: the text that lacks one, found by splitting on commas."""
    if text.count('"') % 2 == 0:
        return None
    opening, inner, closing = _unwrap(text)
    parts = [p.strip() for p in inner.split(",")]
    first = None
    for i, part in enumerate(parts):
        if part.startswith('"') and (len(part) == 1 or not part.endswith('"')):
            first = first or f"{part} has no closing double quote"
            parts[i] = part + '"'
        elif part.endswith('"') and not part.startswith('"'):
            first = first or f"{part} has no opening double quote"
            parts[i] = '"' + part
    if first is None:
        return Slip(
            f"the cell has {text.count(chr(34))} double quotes: one is missing or one too many",
            None,
            'Put every text between two double quotes: "M1","M0".',
        )
    return Slip(first, opening + ",".join(parts) + closing, "Put every text between two double quotes.")


def _unwrap(text: str) -> tuple[str, str, str]:
    m = _WRAPPER.match(text)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", text, "")


def _is_value(token: str) -> bool:
    if token.startswith('"'):
        return True
    return bool(_BARE_VALUE.fullmatch(token)) and token not in _NOT_VALUES


def _separators(text: str) -> Slip | None:
    """Missing, doubled, leading, trailing or semicolon separators between the values of a list."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in ``text``
    first: tuple[str, str] | None = None

    def found(message: str, hint: str, start: int, end: int, replacement: str) -> None:
        nonlocal first
        first = first or (message, hint)
        edits.append((start, end, replacement))

    for i, (token, start, end) in enumerate(tokens):
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if token == ";":
            found("values are separated by commas, not semicolons", "Separate the values with commas.", start, end, ",")
        elif token == ",":
            if before is None or before[0].endswith(("(", "[")):
                found("the list starts with a comma", "Remove the comma before the first value.", start, end, "")
            elif after is None or after[0].startswith((")", "]")):
                found(
                    f"the list ends with a comma after {before[0]}",
                    "Remove the comma after the last value, or add the value that was meant to follow it.",
                    before[2],
                    end,
                    "",
                )
            elif after[0] in (",", ";"):
                found("two commas in a row leave an empty value", "Remove one of the commas.", start, end, "")
        elif before is not None and _is_value(token) and _is_value(before[0]) and '"' in token + before[0]:
            found(
                f"a comma is missing between {before[0]} and {token}",
                "Separate the values with commas.",
                before[2],
                start,
                ",",
            )
        elif (
            _PUNCTUATION.fullmatch(token)
            and before is not None
            and after is not None
            and before[0].startswith('"')
            and after[0].startswith('"')
        ):
            found(
                f"between {before[0]} and {after[0]} is {token!r} where a comma belongs",
                "Separate the values with commas.",
                before[2],
                after[1],
                ",",
            )
        elif token == "or" and before is not None and after is not None and _is_value(before[0]):
            found(
                f"{before[0]} or {after[0]}: a cell lists the values it accepts instead of joining them with or",
                "Separate the values with commas.",
                before[2],
                after[1],
                ",",
            )
    if first is None:
        return None
    fixed = text
    for start, end, replacement in sorted(edits, reverse=True):
        fixed = fixed[:start] + replacement + fixed[end:]
    return Slip(first[0], fixed, first[1])
