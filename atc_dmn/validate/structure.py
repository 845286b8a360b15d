"""What the tables hold that no single cell shows: unused variables, kinds of values, wording.

(Merged cells and notes read as table names are checks of the spreadsheet
itself, run by the workbook reader: ``atc_dmn/loader/merged.py`` and
``table_names.py``.)

**VARIABLE_UNUSED** (warning). An intermediate variable that a table decides
but no table reads: wasted work, or a missing column. Fix: read it where it
was meant to be used, or delete the column and the Glossary row.

**NUMBER_AS_TEXT / TYPE_MISMATCH** (error) in columns without a list of
allowed values: a rule that tests ``"5"`` (text) or ``true`` where the column
holds numbers never matches. Fix: write ``5``. (For columns with a list the
loader reports the same codes.)

**WORDING_MISSING** (error) / **WORDING_UNKNOWN** (warning). Every code an
output (or a check) can give needs a row on the Wording sheet, since that
text is what a clinician reads; a Wording row for a code that no output
gives is stale::

    Output        Code              Text
    radiotherapy  adjuvant_ebrt     Adjuvant external beam radiotherapy...
    (no row for radiotherapy / definitive_ebrt)

Fix: add the row (output key, code, wording), or delete the stale one.
"""

from __future__ import annotations

import difflib
import re

from .. import feel_value
from ..feel import Compare, Equals, Range
from ..feel_value import Value, is_number, show
from ..model import DecisionTable
from ..origin import Origin
from .context import Context

WORDING = Origin("Wording")  # the sheet, when a row's cells were not recorded


def check_unused(ctx: Context) -> None:
    model = ctx.model
    read = {col.variable for t in model.tables for col in t.inputs}
    for var in model.variables.values():
        if var.role == "intermediate" and var.name not in read:
            ctx.findings.warning(
                "VARIABLE_UNUSED",
                f"intermediate '{var.name}' is decided but no table reads it",
                "Glossary",
                var.cell,
                "Read it in the table that needs it, or delete its column and its Glossary row.",
            )


def _numeric(test) -> bool:
    return any(isinstance(a, Compare | Range) or (isinstance(a, Equals) and is_number(a.value)) for a in test.atoms)


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _bad_kind(value: Value) -> str | None:
    if isinstance(value, str):
        return "NUMBER_AS_TEXT" if _NUMBER_TEXT.fullmatch(value.strip()) else "TYPE_MISMATCH"
    if isinstance(value, bool):
        return "TYPE_MISMATCH"
    return None


def check_kinds(ctx: Context) -> None:
    for table in ctx.model.tables:
        for pos, column in enumerate(table.inputs):
            if column.enumeration is not None:
                continue  # the loader checks columns with a list
            tests = [r.tests[pos] for r in table.rules]
            if not ((column.allowed is not None and _numeric(column.allowed)) or any(_numeric(t) for t in tests)):
                continue
            for rule in table.rules:
                for value in rule.tests[pos].literals:
                    code = _bad_kind(value)
                    if code:
                        _kind_finding(ctx, table, rule, pos, code, value, "tests", column.variable)
        for j, column in enumerate(table.outputs):
            if column.enumeration is not None:
                continue
            given = [r.outputs[j] for r in table.rules]
            if not any(is_number(v) for v in given):
                continue
            for rule in table.rules:
                value = rule.outputs[j]
                code = _bad_kind(value)
                if code == "NUMBER_AS_TEXT":
                    _kind_finding(ctx, table, rule, len(table.inputs) + j, code, value, "gives", column.variable)


def _kind_finding(
    ctx: Context, table: DecisionTable, rule, index: int, code: str, value: Value, verb: str, heading: str
) -> None:
    if code == "NUMBER_AS_TEXT":
        message = f"rule {rule.id} {verb} '{heading}' the text {show(value)}, but the column holds numbers"
        hint = f"Remove the double quotes: write {value}."
    else:
        message = f"rule {rule.id} {verb} '{heading}' {show(value)}, but the column holds numbers"
        hint = "Write a number, a comparison (< 5) or a range ([1..5])."
    ctx.findings.error(
        code,
        message,
        table.sheet,
        rule.cells[index] if index < len(rule.cells) else table.cell,
        hint,
        table=table.name,
        rule=rule.id,
    )


def check_wording(ctx: Context) -> None:
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
                if v is not None:
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


CHECKS = (
    ("structure.unused_variables", check_unused),
    ("structure.value_kinds", check_kinds),
    ("structure.wording", check_wording),
)
