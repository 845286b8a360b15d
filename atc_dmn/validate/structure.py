"""Layout mistakes that change what a table means without any cell being wrong.

**CELL_MERGED** (error). Merged cells inside a table or a list. Excel keeps
the value only in the first cell of a merge; this engine reads the others as
empty (``-``, any value) while pyDMNrules repeats the value, so the two
engines would decide differently. Example::

    Id   Pathway           Airway | Surgery
    SU2  "staging_workup"  -      | "none"
    SU3  (merged with SU2) true   | "palliative_airway_surgery"

Fix: unmerge and type the value in every cell. The only merge a table may
hold is its hit-policy cell over the allowed-values row (B3:B4).

(A blank row or column that splits a table, TABLE_SPLIT, is reported by the
loader, which sees where each table ends.)

**TABLE_NAME_REUSED** (warning). pyDMNrules tries every text cell of every
sheet except Glossary, Decision and Test as the name of a table. A note
reading ``Pathway`` outside the Pathway table may be taken for a second
Pathway table by the reference engine. Fix: reword the note or move it to a
sheet that is not scanned.

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
import hashlib
import io
import re
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter, range_boundaries

from .. import feel_value
from ..feel import Compare, Equals, Range
from ..feel_value import Value, is_number, show
from ..model import HIT_POLICIES, DecisionTable, Model
from ..workbook import RawWorkbook, Sheet, read_merged
from .context import Context, table_area

# Sheets pyDMNrules does not scan for tables; every other sheet is scanned.
UNSCANNED = ("Glossary", "Decision", "Test")
# Sheets of our own format that hold lists, not decision tables.
LISTS = ("Glossary", "Decision", "Test", "Model", "Wording", "References")


def merged_ranges(path: str | Path, sha256: str | None = None) -> dict[str, list[str]] | None:
    """Merged ranges per sheet, read again from the file (a model carries no cells).

    None when the file is gone, unreadable, or differs from ``sha256`` (the model was built from another version).
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return read_merged(zf)
    except Exception:  # damaged files were refused when the model was read
        return None


def raw_merges(raw: RawWorkbook) -> dict[str, list[str]]:
    """Merged ranges per sheet of an already read workbook."""
    return {name: list(sheet.merged) for name, sheet in raw.sheets.items() if sheet.merged}


def _name_cells(model: Model | None, raw: RawWorkbook | None) -> set[tuple[str, int, int]]:
    """Table name cells (sheet, row, column): from the model, or recognised by a hit policy below them."""
    if model is not None:
        cells = set()
        for t in model.tables:
            min_col, min_row, _, _ = range_boundaries(t.cell)
            cells.add((t.sheet, min_row, min_col))
        return cells
    found = set()
    if raw is not None:
        for sheet in raw.sheets.values():
            if sheet.name in LISTS:
                continue
            for (r, c), cell in sheet.cells.items():
                if isinstance(cell.value, str) and cell.value.strip() and _heads_a_table(sheet, r, c):
                    found.add((sheet.name, r, c))
    return found


def _heads_a_table(sheet: Sheet, r: int, c: int) -> bool:
    """A table's shape: headings right of the cell below, which is blank or holds a word.

    The word need not be a valid hit policy: a table whose policy is mistyped
    (reported as HIT_POLICY) still has its hit-policy cell merged over the
    allowed-values row, and that merge is not a second mistake.
    """
    below = sheet.text(r + 1, c)
    return bool(sheet.text(r + 1, c + 1)) and (below in HIT_POLICIES or (len(below) <= 8 and '"' not in below))


def merged_findings(ranges: dict[str, list[str]], model: Model | None, raw: RawWorkbook | None, findings) -> None:
    """Report merges inside tables and lists; a table's hit-policy cell over its allowed-values row is fine."""
    names = _name_cells(model, raw)
    for sheet, refs in ranges.items():
        for ref in refs:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if sheet in LISTS:
                if min_row == max_row:
                    continue  # a title spread over a row
                if sheet == "Glossary" and min_col == max_col and _is_concept_column(raw, min_col):
                    continue  # pyDMNrules' format lets a business concept span its rows
            else:
                if min_col == max_col and max_row == min_row + 1 and (sheet, min_row - 1, min_col) in names:
                    continue  # the hit-policy cell over the allowed-values row
                if min_row == max_row and (sheet, min_row, min_col) in names:
                    continue  # a table's name spread over its row
            top = f"{get_column_letter(min_col)}{min_row}"
            findings.error(
                "CELL_MERGED",
                f"cells {ref} are merged; only the first cell keeps its value, and the two engines "
                "read the others differently",
                sheet,
                top,
                "Unmerge the cells and type the value in each of them.",
            )


def _is_concept_column(raw: RawWorkbook | None, col: int) -> bool:
    if raw is None or "Glossary" not in raw.sheets:
        return col == 3  # the format's place for Business Concept
    return any(c.col == col for c in raw.sheets["Glossary"].find("Business Concept"))


def check_merged(ctx: Context) -> None:
    ranges = raw_merges(ctx.raw) if ctx.raw is not None else merged_ranges(ctx.model.path, ctx.model.sha256)
    if ranges:
        merged_findings(ranges, ctx.model, ctx.raw, ctx.findings)


def check_name_reuse(ctx: Context) -> None:
    raw = ctx.raw
    if raw is None:
        return
    tables = {t.name: t for t in ctx.model.tables}
    areas: dict[str, list[tuple[int, int, int, int]]] = {}
    for t in ctx.model.tables:
        areas.setdefault(t.sheet, []).append(table_area(t))
    for sheet in raw.sheets.values():
        if sheet.name in UNSCANNED:
            continue
        for (r, c), cell in sorted(sheet.cells.items()):
            if not isinstance(cell.value, str) or cell.value.strip() not in tables:
                continue
            if any(r0 <= r <= r1 and c0 <= c <= c1 for r0, c0, r1, c1 in areas.get(sheet.name, [])):
                continue
            name = cell.value.strip()
            ctx.findings.warning(
                "TABLE_NAME_REUSED",
                f"this cell reads '{name}', the name of a table; pyDMNrules tries every text cell as a "
                "table name and may take it for a second table",
                sheet.name,
                cell.coordinate,
                "Reword the note (or move it to a sheet of its own named Notes).",
            )


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
            cell = model.wording_cells.get(typo, (None, None))[0 if typo[1] == code else 1]
            what = f"output key '{typo[0]}'" if typo[1] == code else f"code '{typo[1]}'"
            right = key if typo[1] == code else code
            ctx.findings.error(
                "WORDING_MISSING",
                f"the Wording sheet has no text for {key} = {code} (an output of table '{table.name}'): "
                f"the row for it has the {what}, probably '{right}' mistyped",
                "Wording",
                cell,
                f"Correct the cell to {right}: it must match the output's code exactly.",
                table=table.name,
            )
            continue
        column = table.outputs[j]
        ctx.findings.error(
            "WORDING_MISSING",
            f"the Wording sheet has no text for {key} = {code} (an output of table '{table.name}')",
            table.sheet,
            column.allowed_cell or column.cell,
            f"Add a row to the Wording sheet: {key} | {code} | the words a clinician should read.",
            table=table.name,
        )
    for key, code in stale:
        known = key in keys
        why = f"no table gives {key} that code" if known else f"'{key}' is not the key of an output"
        cells = model.wording_cells.get((key, code), (None, None))
        ctx.findings.warning(
            "WORDING_UNKNOWN",
            f"the Wording sheet has text for {key} = {code}, but {why}",
            "Wording",
            cells[1] if known else cells[0],
            "Delete the row, or correct its output key or code.",
        )


def _mistyped(key: str, code: str, stale: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The stale Wording row that is (key, code) with one of the two slightly mistyped, if one is."""
    codes = difflib.get_close_matches(code, [c for k, c in stale if k == key], n=1, cutoff=0.75)
    if codes:
        return key, codes[0]
    keys = difflib.get_close_matches(key, [k for k, c in stale if c == code], n=1, cutoff=0.75)
    return (keys[0], code) if keys else None


CHECKS = (
    ("structure.merged_cells", check_merged),
    ("structure.table_names", check_name_reuse),
    ("structure.unused_variables", check_unused),
    ("structure.value_kinds", check_kinds),
    ("structure.wording", check_wording),
)
