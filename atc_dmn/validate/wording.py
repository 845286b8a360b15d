"""**WORDING_MISSING** (error) / **WORDING_UNKNOWN** (warning): every output code needs its words.

Every code an output (or a check) can give needs a row on the Wording sheet,
since that text is what a clinician reads; a Wording row for a code that no
output gives is stale::

    Output        Code              Text
    radiotherapy  adjuvant_ebrt     Adjuvant external beam radiotherapy...
    (no row for radiotherapy / definitive_ebrt)

Fix: add the row (output key, code, wording), or delete the stale one.
"""

from __future__ import annotations

import difflib

from .. import feel_value
from ..feel_expr import is_expr
from ..model import DecisionTable
from ..origin import Origin
from .context import Context

WORDING = Origin("Wording")  # the sheet, when a row's cells were not recorded


def check(ctx: Context) -> None:
    """Report outputs without a Wording row (a clinician would read no text) and Wording rows nothing gives."""
    model = ctx.model
    wanted: dict[tuple[str, str], tuple[DecisionTable, int]] = {}
    keys: set[str] = set()
    for table in model.tables:
        for j, column in enumerate(table.outputs):
            var = model.variables.get(column.variable)
            if var is None or var.role not in ("output", "check"):
                continue
            keys.add(var.key)
            values = column.enumeration if column.enumeration is not None else [r.outputs[j] for r in table.rules]
            for v in values:
                if v is not None and not is_expr(v):  # a computed value (an expression cell) has no code
                    wanted.setdefault((var.key, feel_value.code(v)), (table, j))
    stale = [(key, code) for key, code in model.wording if (key, code) not in wanted]
    for (key, code), (table, j) in wanted.items():
        if (key, code) in model.wording:
            continue
        typo = _mistyped(key, code, stale)
        if typo is not None:
            # The row is there, with its key or code mistyped: the fix goes in that cell.
            stale.remove(typo)
            place = model.wording_origins.get(typo)
            origin = place[0 if typo[1] == code else 1] if place else WORDING
            what = f"output key '{typo[0]}'" if typo[1] == code else f"code '{typo[1]}'"
            right = key if typo[1] == code else code
            ctx.findings.error(
                "WORDING_MISSING",
                f"the Wording sheet has no text for {key} = {code} (an output of table '{table.name}'): "
                f"the row for it has the {what}, probably '{right}' mistyped",
                hint=f"Correct the cell to {right}: it must match the output's code exactly.",
                table=table.name,
                origin=origin,
            )
            continue
        column = table.outputs[j]
        ctx.findings.error(
            "WORDING_MISSING",
            f"the Wording sheet has no text for {key} = {code} (an output of table '{table.name}')",
            hint=f"Add a row to the Wording sheet: {key} | {code} | the words a clinician should read.",
            table=table.name,
            origin=column.allowed_origin or column.origin,
        )
    for key, code in stale:
        known = key in keys
        why = f"no table gives {key} that code" if known else f"'{key}' is not the key of an output"
        place = model.wording_origins.get((key, code))
        ctx.findings.warning(
            "WORDING_UNKNOWN",
            f"the Wording sheet has text for {key} = {code}, but {why}",
            hint="Delete the row, or correct its output key or code.",
            origin=(place[1] if known else place[0]) if place else WORDING,
        )


def _mistyped(key: str, code: str, stale: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The stale Wording row that is (key, code) with one of the two slightly mistyped, if one is."""
    codes = difflib.get_close_matches(code, [c for k, c in stale if k == key], n=1, cutoff=0.75)
    if codes:
        return key, codes[0]
    keys = difflib.get_close_matches(key, [k for k, c in stale if c == code], n=1, cutoff=0.75)
    return (keys[0], code) if keys else None
