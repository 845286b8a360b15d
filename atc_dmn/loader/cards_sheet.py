"""The Cards sheet: what a CDS Hooks card says, per pathway and per situation (see atc_dmn.cards for its lists).

Three lists, each found by its headings: ``Output`` | ``Code`` | ``Summary``,
``Indicator`` | ``Output`` | ``Code`` and ``Situation`` | ``Indicator`` |
``Summary``. Outputs and codes are checked against what the tables can give,
indicators against CDS Hooks' three, and a summary must be shorter than 140
characters (CDS Hooks' limit): each mistake is an error at its cell. A code
of the summary output with no summary is a warning (its card would have none
of its own). A workbook without the sheet has no card rules (``Model.cards``
is None).
"""

from __future__ import annotations

from ..cards import INDICATORS, SITUATIONS, SUMMARY_LIMIT, CardRules, CardSummary, IndicatorRule, SituationCard
from ..feel import cell_text
from ..feel_expr import is_expr
from ..feel_value import code as code_of
from ..model import DecisionTable
from ..origin import Origin
from ..workbook import Sheet
from .context import Context
from .headed_tables import Headed, find_list, rows

SHEET = "Cards"
SUMMARIES = ("Output", "Code", "Summary")
INDICATOR_RULES = ("Indicator", "Output", "Code")
SITUATION_CARDS = ("Situation", "Indicator", "Summary")


def output_codes(ctx: Context, tables: tuple[DecisionTable, ...]) -> dict[str, set[str]]:
    """Output key -> the codes its tables can give (a collected output: each code it lists)."""
    found: dict[str, set[str]] = {}
    for table in tables:
        for j, column in enumerate(table.outputs):
            var = ctx.variables.get(column.variable)
            if var is None or var.role != "output":
                continue
            values = column.enumeration if column.enumeration is not None else [r.outputs[j] for r in table.rules]
            codes = found.setdefault(var.key, set())
            codes.update(code_of(v) for v in values if v is not None and not is_expr(v))
    return found


def read_cards(ctx: Context, tables: tuple[DecisionTable, ...]) -> CardRules | None:
    """The Cards sheet read and checked; None when the workbook has none."""
    sheet = ctx.sheet(SHEET, required=False)
    if sheet is None:
        return None
    codes = output_codes(ctx, tables)
    summaries = _summaries(ctx, sheet, codes)
    indicators = _indicators(ctx, sheet, codes)
    situations = _situations(ctx, sheet)
    return CardRules(summaries, indicators, situations)


def _known(ctx: Context, sheet: Sheet, table: Headed, row: int, at: int, codes: dict[str, set[str]]) -> bool:
    """Whether the output (column ``at``) and code (next column) of a row are ones the tables give."""
    key, code = sheet.text(row, table.col + at), cell_text(sheet.value(row, table.col + at + 1))
    if key not in codes:
        ctx.findings.error(
            "CARD_OUTPUT",
            f"'{key or 'blank'}' is not the key of an output",
            SHEET,
            table.cell(row, at),
            f"Type an output's key (the Glossary's Attribute): {', '.join(sorted(codes))}.",
        )
        return False
    if code not in codes[key]:
        ctx.findings.error(
            "CARD_CODE",
            f"no table gives {key} the code '{code or 'blank'}'",
            SHEET,
            table.cell(row, at + 1),
            f"Type one of {key}'s codes exactly: {', '.join(sorted(codes[key]))}.",
        )
        return False
    return True


def _summary(ctx: Context, sheet: Sheet, table: Headed, row: int, at: int) -> str:
    text = sheet.text(row, table.col + at)
    cell = table.cell(row, at)
    if not text:
        ctx.findings.error("CARD_SUMMARY", "the card has no summary", SHEET, cell, "Type the card's one-line summary.")
    elif len(text) >= SUMMARY_LIMIT:
        ctx.findings.error(
            "CARD_SUMMARY_LENGTH",
            f"the summary has {len(text)} characters; CDS Hooks allows fewer than {SUMMARY_LIMIT}",
            SHEET,
            cell,
            f"Shorten it to at most {SUMMARY_LIMIT - 1} characters: the card's detail carries the full wording.",
        )
    return text


def _indicator(ctx: Context, sheet: Sheet, table: Headed, row: int, at: int) -> str:
    text = sheet.text(row, table.col + at)
    if text not in INDICATORS:
        ctx.findings.error(
            "CARD_INDICATOR",
            f"'{text or 'blank'}' is not a CDS Hooks indicator",
            SHEET,
            table.cell(row, at),
            f"Type one of {', '.join(INDICATORS)}.",
        )
    return text


def _summaries(ctx: Context, sheet: Sheet, codes: dict[str, set[str]]) -> tuple[CardSummary, ...]:
    table = find_list(ctx, sheet, SUMMARIES, "CARD_HEADING")
    if table is None:
        return ()
    found: list[CardSummary] = []
    seen: dict[tuple[str, str], str] = {}
    for row in rows(sheet, table):
        text = _summary(ctx, sheet, table, row, 2)
        if not _known(ctx, sheet, table, row, 0, codes):
            continue
        key, code = sheet.text(row, table.col), cell_text(sheet.value(row, table.col + 1))
        if (key, code) in seen:
            ctx.findings.error(
                "CARD_CODE",
                f"{key} = {code} has a summary already, at {seen[(key, code)]}",
                SHEET,
                table.cell(row, 1),
                "Keep one summary per code: delete or correct one of the rows.",
            )
            continue
        seen[(key, code)] = table.cell(row, 1)
        found.append(CardSummary(key, code, text, Origin(SHEET, table.cell(row, 2))))
    if found:
        key = found[0].output
        # An error, not a warning: a case that gets this code would be answered with the no_decision card,
        # which tells the clinician that the model has no rule for the case, and it has one.
        for code in sorted(codes[key] - {c for k, c in seen if k == key}):
            ctx.findings.error(
                "CARD_SUMMARY_MISSING",
                f"{key} = {code} has no card summary, so a patient given it would get the no_decision card, "
                "which says the model has no rule for the case",
                SHEET,
                table.cell(table.row, 0),
                f"Add a row: {key} | {code} | the card's one-line summary.",
            )
    return tuple(found)


def _indicators(ctx: Context, sheet: Sheet, codes: dict[str, set[str]]) -> tuple[IndicatorRule, ...]:
    table = find_list(ctx, sheet, INDICATOR_RULES, "CARD_HEADING")
    if table is None:
        return ()
    found: list[IndicatorRule] = []
    for row in rows(sheet, table):
        indicator = _indicator(ctx, sheet, table, row, 0)
        key, code = sheet.text(row, table.col + 1), cell_text(sheet.value(row, table.col + 2))
        if bool(key) != bool(code):
            ctx.findings.error(
                "CARD_INDICATOR",
                "the row names an output without a code, or a code without an output",
                SHEET,
                table.cell(row, 2 if key else 1),
                "Give both (the situation: this output has this code), or neither (otherwise).",
            )
            continue
        if key and not _known(ctx, sheet, table, row, 1, codes):
            continue
        found.append(IndicatorRule(indicator, key, code, Origin(SHEET, table.cell(row, 0))))
    return tuple(found)


def _situations(ctx: Context, sheet: Sheet) -> tuple[SituationCard, ...]:
    table = find_list(ctx, sheet, SITUATION_CARDS, "CARD_HEADING")
    if table is None:
        return ()
    found: dict[str, SituationCard] = {}
    for row in rows(sheet, table):
        name = sheet.text(row, table.col)
        indicator = _indicator(ctx, sheet, table, row, 1)
        text = _summary(ctx, sheet, table, row, 2)
        if name not in SITUATIONS or name in found:
            why = "is listed twice" if name in found else "is not a situation"
            ctx.findings.error(
                "CARD_SITUATION",
                f"'{name or 'blank'}' {why}",
                SHEET,
                table.cell(row, 0),
                f"List each of {', '.join(SITUATIONS)} once.",
            )
            continue
        found[name] = SituationCard(name, indicator, text, Origin(SHEET, table.cell(row, 0)))
    for name in SITUATIONS:
        if name not in found:
            ctx.findings.warning(
                "CARD_SITUATION_MISSING",
                f"the Cards sheet has no card for the situation '{name}'",
                SHEET,
                table.cell(table.row, 0),
                f"Add a row: {name} | an indicator | the card's summary.",
            )
    return tuple(found.values())
