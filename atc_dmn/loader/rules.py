"""A decision table's rule rows: the rule id, one cell per input and output, the annotations and citations."""

from __future__ import annotations

import re

from ..feel import FeelError, UnaryTest, cell_text, parse_output, parse_unary_tests
from ..feel_expr import is_expr, scope_of
from ..feel_value import show
from ..model import CITATIONS_HEADING, HIT_POLICIES, Column, Rule
from ..origin import Origin
from ..workbook import Sheet
from .context import Context, coord
from .values import member, type_hint, type_mismatch, type_note


def read_rules(
    ctx: Context,
    sheet: Sheet,
    name: str,
    first: int,
    c: int,
    columns: list[tuple[int, str]],
    n_inputs: int,
    inputs: tuple[Column, ...],
    outputs: tuple[Column, ...],
    ann_heads: list[tuple[int, str]],
) -> list[Rule]:
    """The rules from row ``first`` to the first blank row; rule ids are in column ``c``."""
    findings = ctx.findings
    s = sheet.name
    last_col = ann_heads[-1][0] if ann_heads else columns[-1][0]
    rules: list[Rule] = []
    ids: dict[str, str] = {}
    names = scope_of(ctx.variables.values())  # what a cell may name (feel_expr.py)
    row = first
    while any(
        sheet.value(row, col) is not None and cell_text(sheet.value(row, col)) != "" for col in range(c, last_col + 1)
    ):
        rid_raw = sheet.value(row, c)
        rid = cell_text(rid_raw) if rid_raw is not None else ""
        if not rid:
            findings.error(
                "RULE_ID_MISSING",
                f"a rule of table '{name}' has no id",
                s,
                coord(row, c),
                "Give every rule a unique id such as R1.",
                table=name,
            )
            rid = f"row {row}"
        elif rid in ids:
            findings.error(
                "RULE_ID_DUPLICATE",
                f"rule id '{rid}' is used twice in table '{name}' (also at {ids[rid]})",
                s,
                coord(row, c),
                "Give every rule its own id.",
                table=name,
                rule=rid,
            )
        ids[rid] = coord(row, c)
        tests, outs, cells = [], [], []
        for j, (col, heading) in enumerate(columns):
            where = coord(row, col)
            cells.append(where)
            raw = sheet.value(row, col)
            if j < n_inputs:
                try:
                    test = parse_unary_tests(raw, names)
                except FeelError as exc:
                    findings.error(
                        "CELL_SYNTAX",
                        f"rule {rid}, '{heading}': {exc.message}",
                        s,
                        where,
                        exc.hint,
                        table=name,
                        rule=rid,
                    )
                    test = parse_unary_tests("-")
                check_allowed(ctx, test, inputs[j], s, where, name, rid, heading)
                tests.append(test)
            else:
                try:
                    value = parse_output(raw, names)
                except FeelError as exc:
                    code = "OUTPUT_MISSING" if raw is None or cell_text(raw) == "" else "CELL_SYNTAX"
                    findings.error(
                        code, f"rule {rid}, '{heading}': {exc.message}", s, where, exc.hint, table=name, rule=rid
                    )
                    value = None
                else:
                    enum = outputs[j - n_inputs].enumeration
                    if enum is not None and is_expr(value):
                        # A listed output's values are its codes (wording, priorities): a computed one has none.
                        findings.error(
                            "OUTPUT_NOT_ALLOWED",
                            f"rule {rid} gives '{heading}' the computed value {show(value)}, but the column lists "
                            f"its allowed values ({', '.join(show(v) for v in enum)})",
                            s,
                            where,
                            "Give one of the listed values, or clear the column's allowed values if it computes them.",
                            table=name,
                            rule=rid,
                        )
                    elif enum is not None and not member(value, enum):
                        kind = type_mismatch(value, enum)
                        findings.error(
                            kind or "OUTPUT_NOT_ALLOWED",
                            f"rule {rid} gives '{heading}' the value "
                            f"{show(value)}, which is not in its allowed list "
                            f"({', '.join(show(v) for v in enum)})" + type_note(value, enum),
                            s,
                            where,
                            type_hint(value, kind)
                            or "Pick a value from the drop-down, or add the value to the allowed list "
                            "in the row under the headings (and its wording).",
                            table=name,
                            rule=rid,
                        )
                outs.append(value)
        annotations: dict[str, str] = {}
        citations: tuple[int | str, ...] = ()
        for col, heading in ann_heads:
            text = cell_text(sheet.value(row, col)) if sheet.value(row, col) is not None else ""
            if heading == CITATIONS_HEADING:
                citations = parse_citations(ctx, text, s, coord(row, col), name, rid)
            else:
                annotations[heading] = text
        rules.append(
            Rule(rid, Origin(s, coord(row, c)), tuple(tests), tuple(outs), annotations, citations, tuple(cells))
        )
        row += 1
    check_split_rows(ctx, sheet, name, row, c, last_col, columns[-1][0])
    return rules


def check_split_rows(ctx: Context, sheet: Sheet, name: str, blank: int, first: int, last: int, last_rule: int) -> None:
    """Report rules typed below the blank row that ends a table: both engines would ignore them."""
    below = sorted({r for (r, col) in sheet.cells if r > blank and first <= col <= last})
    for row in below:
        filled = [col for col in range(first, last + 1) if sheet.text(row, col)]
        if not filled:
            continue
        starts_table = sheet.text(row + 1, first) in HIT_POLICIES or any(
            sheet.text(row, col) in ctx.table_names for col in filled
        )
        if not starts_table and sum(1 for col in filled if col <= last_rule) >= 2:
            ctx.findings.error(
                "TABLE_SPLIT",
                f"row {row} looks like a rule of table '{name}', but the blank row {blank} ends the table: "
                "this row and those below it are ignored",
                sheet.name,
                coord(row, filled[0]),
                "Delete the blank row so that the rules follow on without a gap.",
                table=name,
            )
        return


def check_allowed(
    ctx: Context, test: UnaryTest, column: Column, s: str, where: str, table: str, rid: str, heading: str
) -> None:
    """An input cell tests only for values of its column's allowed list, and of the list's kind."""
    enum = column.enumeration
    if enum is None or test.any or test.dynamic:
        return
    for value in test.literals:
        if not member(value, enum):
            kind = type_mismatch(value, enum)
            ctx.findings.error(
                kind or "VALUE_NOT_ALLOWED",
                f"rule {rid} tests '{heading}' for {show(value)}, which is not "
                f"one of its allowed values ({', '.join(show(v) for v in enum)})" + type_note(value, enum),
                s,
                where,
                type_hint(value, kind) or "Pick a value from the drop-down; text must match the allowed list exactly.",
                table=table,
                rule=rid,
            )
    if not test.only_literals:
        ctx.findings.error(
            "TYPE_MISMATCH",
            f"rule {rid} compares '{heading}' with a number, but its allowed values are a list",
            s,
            where,
            "Test for values from the list instead.",
            table=table,
            rule=rid,
        )


def parse_citations(ctx: Context, text: str, s: str, where: str, table: str, rid: str) -> tuple[int | str, ...]:
    """The citations of a Citations cell ("1, 2", "[1; 2]", or a model source's label such as "AJCC8")."""
    if not text:
        return ()
    cited: list[int | str] = []
    for part in re.split(r"[,;\s]+", text.strip("[] ")):
        if not part:
            continue
        if part.isdigit():
            cited.append(int(part))
        elif part[0].isalpha() and part.replace("_", "").replace("-", "").replace(".", "").isalnum():
            cited.append(part)  # a model source's label; check_citations looks it up on the References sheet
        else:
            ctx.findings.error(
                "CITATION_SYNTAX",
                f"rule {rid}: citation '{part}' is neither a number nor a model source's label",
                s,
                where,
                "List citation numbers separated by commas, e.g. 1, 2 (or a model source's label, e.g. AJCC8).",
                table=table,
                rule=rid,
            )
    return tuple(cited)
