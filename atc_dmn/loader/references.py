"""The References sheet: the source's reference list, the model's own sources, and what each citation points to.

Three tables, each found by its heading:

- ``Entry`` (Entry, Type, Title, Source, Year): the source's reference list as
  it gives it, each entry under a label (A, B, ...). Labels are letters, not
  numbers, so that entry 1 is never read as citation [1].
- ``Model source`` (Model source, Title, Source, Year): what the model adds
  that the source does not say (for example a staging manual), cited by its
  label, such as ``AJCC8``.
- ``Citation`` (Citation, Reference entry, Status, Reason): each number the
  source's text cites, the entry it is paired with (if anyone knows), the
  pairing's status (``proposed`` or ``confirmed``) and the reason for it.
"""

from __future__ import annotations

import re
from typing import Any

from ..feel import cell_text
from ..model import PAIRING_STATUSES, Citation, DecisionTable, Reference
from ..workbook import Sheet
from .context import Context, coord

_AS_NUMBER = "Type it as a number: Excel marks a number stored as text with a green triangle (Convert to Number)."
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,31}")
SHEET = "References"


def read_references(ctx: Context) -> tuple[dict[int | str, Citation], tuple[Reference, ...]]:
    """(citation -> what it points to, the reference list and the model's own sources)."""
    sheet = ctx.sheet(SHEET)
    if sheet is None:
        return {}, ()
    refs = _read_entries(ctx, sheet, "Entry", own=False) + _read_entries(ctx, sheet, "Model source", own=True)
    labels: dict[str, Reference] = {}
    for ref in refs:
        labels.setdefault(ref.entry, ref)
    citations: dict[int | str, Citation] = {
        ref.entry: Citation(ref.entry, ref.entry, "model_source") for ref in refs if ref.own
    }
    heads = sheet.find("Citation")
    if heads:
        citations.update(_read_citations(ctx, sheet, heads[0].row, heads[0].col, labels))
    return citations, tuple(refs)


def _read_entries(ctx: Context, sheet: Sheet, heading: str, own: bool) -> tuple[Reference, ...]:
    heads = sheet.find(heading)
    if not heads:
        return ()
    r, c = heads[0].row, heads[0].col
    what = "model source" if own else "reference entry"
    refs: list[Reference] = []
    seen: set[str] = set()
    row = r + 1
    while sheet.text(row, c):
        label = sheet.text(row, c)
        if not _LABEL.fullmatch(label):
            ctx.findings.error(
                "REFERENCE_ROW",
                f"{what} label '{label}' is not a label",
                SHEET,
                coord(row, c),
                "Label the entries with letters (A, B, C...); a model source with a short name such as AJCC8.",
            )
        elif label in seen:
            ctx.findings.error(
                "REFERENCE_ROW",
                f"{what} label '{label}' is used twice",
                SHEET,
                coord(row, c),
                "Give every entry its own label.",
            )
        else:
            seen.add(label)
            if own:
                title, kind = sheet.text(row, c + 1), "Model source"
                source, year = sheet.text(row, c + 2), sheet.text(row, c + 3)
            else:
                kind, title = sheet.text(row, c + 1), sheet.text(row, c + 2)
                source, year = sheet.text(row, c + 3), sheet.text(row, c + 4)
            refs.append(Reference(label, title, kind, source, year, own))
        row += 1
    return tuple(refs)


def _read_citations(
    ctx: Context, sheet: Sheet, r: int, c: int, labels: dict[str, Reference]
) -> dict[int | str, Citation]:
    findings = ctx.findings
    entries = ", ".join(label for label, ref in labels.items() if not ref.own) or "none"
    citations: dict[int | str, Citation] = {}
    row = r + 1
    while sheet.value(row, c) is not None:
        n = sheet.value(row, c)
        if not isinstance(n, int | float) or isinstance(n, bool):
            findings.error(
                *_number_cell("citation", n),
                SHEET,
                coord(row, c),
                _AS_NUMBER if _is_number_text(n) else "Type the citation number as the source's text cites it.",
            )
            row += 1
            continue
        entry = cell_text(sheet.value(row, c + 1)).strip() or None
        status = cell_text(sheet.value(row, c + 2)).strip().lower()
        reason = sheet.text(row, c + 3)
        if entry is not None and (entry not in labels or labels[entry].own):
            findings.error(
                "REFERENCE_PAIRING",
                f"citation [{int(n)}] is paired with entry '{entry}', which is not in the reference list",
                SHEET,
                coord(row, c + 1),
                f"Type the label of an entry of the reference list ({entries}), or leave the cell blank.",
            )
            entry = None
        elif entry is not None and status not in PAIRING_STATUSES:
            findings.error(
                "REFERENCE_PAIRING",
                f"citation [{int(n)}] is paired with entry {entry} but its status is '{status or 'blank'}'",
                SHEET,
                coord(row, c + 2),
                f"Type one of {', '.join(PAIRING_STATUSES)}: every output that shows a pairing shows its status.",
            )
            entry = None
        elif entry is None and status:
            findings.error(
                "REFERENCE_PAIRING",
                f"citation [{int(n)}] has the status '{status}' but no reference entry",
                SHEET,
                coord(row, c + 2),
                "Type the entry's label in the Reference entry cell, or clear the status.",
            )
        citations[int(n)] = Citation(int(n), entry, status if entry else "unpaired", reason)
        row += 1
    return citations


def check_citations(ctx: Context, tables: tuple[DecisionTable, ...], citations: dict[int | str, Citation]) -> None:
    """Every number or label a rule cites is listed on the References sheet."""
    for t in tables:
        for rule in t.rules:
            for n in rule.citations:
                if n not in citations:
                    what = f"[{n}]" if isinstance(n, int) else f"'{n}'"
                    ctx.findings.error(
                        "CITATION_UNKNOWN",
                        f"rule {rule.id} cites {what}, which the References sheet does not list",
                        t.sheet,
                        rule.cells[-1] if rule.cells else t.cell,
                        "Add the citation number (or the model source's label) to the References sheet.",
                        table=t.name,
                        rule=rule.id,
                    )


def _is_number_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().isdigit()


def _number_cell(what: str, value: Any) -> tuple[str, str]:
    """The code and message for a cell of the References sheet that should hold a number."""
    if _is_number_text(value):
        return "NUMBER_AS_TEXT", f"{what} number '{value}' is typed as text, not as a number"
    return "REFERENCE_ROW", f"{what} '{value}' is not a number"
