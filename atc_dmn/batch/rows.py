"""One row of a batch as read, before the model sees it; and the readers' shared checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..cases import SURROGATES
from ..errors import InputError


@dataclass(slots=True)
class Row:
    """A row as given: its label for messages ("row 5", "line 3", "item 2"), its values, or why it cannot be read.

    ``values`` maps each column (CSV, xlsx) or key (JSON) to what the row holds, ``None`` for an
    empty cell. A row that cannot be read (bad JSON, a wrong number of cells) has ``error`` set and
    keeps whatever values could still be told, so that its output row is written all the same.
    """

    label: str
    values: dict[str, Any]
    error: InputError | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Row, (self.label, self.values, self.error))  # a third of the default's pickling time


def unreadable(label: str, message: str, *, code: str) -> Row:
    """A row that could not be read: its place in the output is kept, with the reason."""
    return Row(label, {}, InputError(None, None, (), f"{label}: {message}", code=code))


def not_text(label: str) -> Row:
    return unreadable(
        label,
        "holds bytes that are not text in the file's encoding (UTF-8, or UTF-16 with a byte order mark); "
        "save the file as 'CSV UTF-8'",
        code="NOT_TEXT",
    )


def too_long(label: str, limit: int) -> Row:
    return unreadable(label, f"is longer than {limit:,} characters, the limit of one row", code="ROW_TOO_LONG")


def has_surrogates(text: str) -> bool:
    """Whether decoding left lone surrogates (bytes that were not text) in ``text``."""
    return not text.isascii() and SURROGATES.search(text) is not None
