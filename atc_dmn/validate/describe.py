"""Findings' words for a part of a table's input space: the cases a gap, an overlap or a conflict covers.

Kept apart from the analysis (:mod:`.space`, masks over pieces) so the
wording of a finding can change without touching the walk, and back.
"""

from __future__ import annotations

from ..compiler import bits
from .space import Box, Piece, Space, number_text


def describe(space: Space, box: Box) -> str:
    """A readable example of the cases in ``box``, e.g. 'T category = "T1", M category = "M0"'."""
    parts, any_of, more = [], [], []
    for c, d in enumerate(space.domains):
        m = box[c]
        if m == d.full:
            any_of.append(d.variable)
            continue
        runs = _runs(d.pieces, m)
        parts.append(f"{d.variable} {runs[0][0]}")
        if len(runs) > 1:
            shown = ", ".join(label for _, label in runs[1:7]) + (", ..." if len(runs) > 7 else "")
            more.append(f"{d.variable} {'=' if len(runs) == 2 else 'one of'} {shown}")
    text = ", ".join(parts) if parts else "any case"
    if any_of and parts:
        text += f" (whatever the {_names(any_of)})"
    if more:
        text += "; also with " + ", or with ".join(more)
    return text


def _range(run: list[Piece]) -> tuple[str, str]:
    """(phrase, label) of consecutive pieces of the number line, in cell notation."""
    lo, hi = run[0], run[-1]
    if len(run) == 1:
        return lo.phrase, lo.label
    if lo.low is None and hi.high is None:
        return f"is any {lo.type}", f"any {lo.type}"
    if lo.low is None:
        text = f"{'<=' if hi.high_in else '<'} {number_text(hi.high)}"
        return text, text
    if hi.high is None:
        text = f"{'>=' if lo.low_in else '>'} {number_text(lo.low)}"
        return text, text
    text = f"{'[' if lo.low_in else '('}{number_text(lo.low)}..{number_text(hi.high)}{']' if hi.high_in else ')'}"
    return f"in {text}", text


def _runs(pieces: tuple[Piece, ...], mask: int) -> list[tuple[str, str]]:
    """The pieces in ``mask`` as (phrase, label) pairs, neighbouring number pieces joined into ranges."""
    out: list[tuple[str, str]] = []
    run: list[Piece] = []
    previous = -2
    for i in bits(mask):
        piece = pieces[i]
        if piece.numeric and run and i == previous + 1:
            run.append(piece)
        else:
            if run:
                out.append(_range(run))
                run = []
            if piece.numeric:
                run = [piece]
            else:
                out.append((piece.phrase, piece.label))
        previous = i
    if run:
        out.append(_range(run))
    return out


def _names(names: list[str]) -> str:
    if len(names) > 3:
        return "other inputs"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
