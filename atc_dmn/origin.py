"""Where a model element came from, kept apart from what it means.

A workbook names a place by sheet and cell (``Pathway!H9``); a DMN XML file by
its element ids. Checks and messages use an origin to send the author to the
place to fix; evaluation never reads one, so the hot path does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    """``source``: a workbook's sheet (or a DMN file); ``location``: a cell such as H9; ``element_id``: a DMN id."""

    source: str = ""
    location: str = ""
    element_id: str = ""

    @property
    def row(self) -> int:
        """The row of a cell location (``H9`` -> 9), 0 without one: rows are how a workbook's author counts."""
        digits = self.location.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$").replace("$", "")
        return int(digits) if digits.isdigit() else 0

    def __str__(self) -> str:
        """The printed form, ``Pathway!H9``; the source alone when there is no location."""
        if self.source and self.location:
            return f"{self.source}!{self.location}"
        return self.source


def at(source: str | None, location: str | None = None) -> Origin | None:
    """The origin of a sheet and cell, or None when neither is known (a finding about the whole file)."""
    if not source and not location:
        return None
    return Origin(source or "", location or "")


NOWHERE = Origin()
