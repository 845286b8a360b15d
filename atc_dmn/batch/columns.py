"""Which columns of a batch are the model's inputs and which are carried through, and the output's columns.

A column that is not an input is refused (before any row is evaluated) unless it is named with
``--id-column`` or ``--keep-columns``: a misspelt input must never pass silently as a kept column,
nor a kept column go missing from the output.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .rows import Row

DEFAULT_ID = "id"


@dataclass(frozen=True)
class Columns:
    """The batch's columns: kept ones (the id first), the model's inputs and outputs, in output order."""

    kept: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    id_column: str | None
    delimiter: str = (
        ","  # a CSV output's separator: the CSV input's, so that the spreadsheet that wrote one opens the other
    )

    def split(self, row: Row) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """A row's kept values (in :attr:`kept` order) and its case: its other values, empty cells left out."""
        values = row.values
        kept = tuple(values.get(name) for name in self.kept)
        case = {k: v for k, v in values.items() if v is not None and k not in self.kept}
        return kept, case

    def header(self) -> list[str]:
        """The names of the output's columns, as CSV and xlsx write them."""
        return [
            *self.kept,
            *self.inputs,
            *(f"decision_{o}" for o in self.outputs),
            "model_version",
            "model_sha256",
            "error_code",
            "error_field",
            "error",
        ]


def plan(
    inputs: Sequence[str],
    outputs: Sequence[str],
    header: Sequence[str] | None,
    id_column: str | None,
    keep: Sequence[str],
) -> Columns:
    """The columns for a header (CSV, xlsx) or, with ``header`` None, for JSON rows checked one by one.

    Raises :class:`InputError` for a header column that is neither an input nor named to keep, a
    named column the header lacks, a column named twice, or a kept column that is an input.
    """
    inputs, keep = tuple(inputs), tuple(k for k in keep if k)
    named = ((id_column,) if id_column else ()) + keep
    for name in named:
        if name in inputs:
            raise InputError(
                name,
                None,
                (),
                f"{name} is one of the model's inputs, so it cannot be kept as a column of yours: "
                "its value, as the model read it, is in the output already",
                code="KEPT_INPUT",
            )
        if named.count(name) > 1:
            raise InputError(
                name, None, (), f"{name} is named twice in --id-column and --keep-columns", code="DUPLICATE_KEY"
            )
    if header is None:
        return Columns(named, inputs, tuple(outputs), id_column)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(name, None, (), f"the header names column '{name}' twice", code="DUPLICATE_KEY")
        if name:
            seen.add(name)
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    for i, name in enumerate(header[:width], start=1):
        if not name:
            raise InputError(
                None,
                None,
                (),
                f"column {i} of the header has no name: name it, or delete the column",
                code="UNNAMED_COLUMN",
            )
    if id_column is None and DEFAULT_ID in seen and DEFAULT_ID not in inputs:
        id_column, named = DEFAULT_ID, (DEFAULT_ID, *named)
    for name in named:
        if name not in seen:
            option = "--id-column" if name == id_column else "--keep-columns"
            raise InputError(
                option,
                name,
                sorted(seen),
                f"{option} {name}: the input has no such column; allowed: {', '.join(h for h in header if h)}",
                code="NO_SUCH_COLUMN",
            )
    unknown = [h for h in header[:width] if h not in named and h not in inputs]
    if unknown:
        listed = ", ".join(f"{u}{_did_you_mean(u, inputs)}" for u in unknown)
        them = "them" if len(unknown) > 1 else "it"
        raise InputError(
            unknown[0],
            None,
            inputs,
            f"column{'s' if len(unknown) > 1 else ''} {listed}: not an input of the model; to carry {them} through "
            f"to the output, name {them} with --keep-columns (or --id-column). Inputs, allowed: {', '.join(inputs)}",
            code="UNKNOWN_COLUMN",
        )
    return Columns(named, inputs, tuple(outputs), id_column)


def _did_you_mean(name: str, inputs: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, inputs, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def misspelt_inputs(columns: Sequence[str], inputs: Sequence[str]) -> list[tuple[str, str]]:
    """Columns that are not inputs but close to one (``stgae``: ``stage``): a pass-through that would hide a typo."""
    found = []
    for name in columns:
        if name not in inputs:
            close = difflib.get_close_matches(name, inputs, n=1, cutoff=0.75)
            if close:
                found.append((name, close[0]))
    return found


def plan_json(
    inputs: Sequence[str], outputs: Sequence[str], first: Row | None, id_column: str | None, keep: Sequence[str]
) -> Columns:
    """JSON rows: keys are checked row by row (an unknown key refuses its row); ``id`` is the id if row 1 has one."""
    if id_column is None and first is not None and DEFAULT_ID in first.values and DEFAULT_ID not in inputs:
        id_column = DEFAULT_ID
    return plan(inputs, outputs, None, id_column, keep)
