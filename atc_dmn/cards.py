"""What a CDS Hooks card says, as the workbook's Cards sheet gives it: data, never Python.

Three tables, each found by its heading (the loader is ``loader/cards_sheet.py``):

- ``Output`` | ``Code`` | ``Summary``: the card's one-line summary (under 140
  characters, as CDS Hooks requires) for a code of one output, such as each
  pathway. The first output named in the table is the one that picks the summary.
- ``Indicator`` | ``Output`` | ``Code``: the card's urgency (info, warning or
  critical) by situation, in order; the first row whose output has the code wins
  (a collected output "has" a code it lists). A row with no output and no code is
  "otherwise"; without one, the indicator is ``info``.
- ``Situation`` | ``Indicator`` | ``Summary``: the card when no recommendation
  can be given: ``input_error`` (the record's data do not fit the model, such as
  a recorded stage the TNM rules out) and ``no_decision`` (a table has no rule
  for the case).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .origin import NOWHERE, Origin

INDICATORS = ("info", "warning", "critical")  # CDS Hooks 2.0.1 Card.indicator
SITUATIONS = ("input_error", "no_decision")
SUMMARY_LIMIT = 140  # CDS Hooks: "<140-character summary"; a summary must be shorter than this


@dataclass(frozen=True)
class CardSummary:
    """The summary of the card when ``output`` has ``code``."""

    output: str
    code: str
    summary: str
    origin: Origin = NOWHERE  # its Summary cell


@dataclass(frozen=True)
class IndicatorRule:
    """``indicator`` when ``output`` has ``code``; both empty: otherwise."""

    indicator: str
    output: str = ""
    code: str = ""
    origin: Origin = NOWHERE  # its Indicator cell

    @property
    def otherwise(self) -> bool:
        return not self.output and not self.code

    def holds(self, decision: Mapping[str, Any]) -> bool:
        if self.otherwise:
            return True
        value = decision.get(self.output)
        if isinstance(value, list | tuple):
            return self.code in (str(v) for v in value)
        return value is not None and _text(value) == self.code


@dataclass(frozen=True)
class SituationCard:
    """The card for a case with no recommendation (``situation`` is one of :data:`SITUATIONS`)."""

    situation: str
    indicator: str
    summary: str
    origin: Origin = NOWHERE


@dataclass(frozen=True)
class CardRules:
    """The Cards sheet, read."""

    summaries: tuple[CardSummary, ...] = ()
    indicators: tuple[IndicatorRule, ...] = ()
    situations: tuple[SituationCard, ...] = ()

    @property
    def summary_output(self) -> str:
        """The output whose code picks the summary (the first one the Summary table names)."""
        return self.summaries[0].output if self.summaries else ""

    def summary_for(self, decision: Mapping[str, Any]) -> CardSummary | None:
        """The summary row for a decision, or None when the sheet has none for its code."""
        value = decision.get(self.summary_output)
        for row in self.summaries:
            if row.output == self.summary_output and value is not None and _text(value) == row.code:
                return row
        return None

    def indicator_for(self, decision: Mapping[str, Any]) -> IndicatorRule:
        """The first indicator row that holds; ``info`` (with no origin) when none does."""
        for rule in self.indicators:
            if rule.holds(decision):
                return rule
        return IndicatorRule("info")

    def situation(self, name: str) -> SituationCard | None:
        for card in self.situations:
            if card.situation == name:
                return card
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
