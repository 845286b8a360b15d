"""Messages that point at the mistake: slips a clinician makes while editing the shipped workbook, each
reported at the cell that is wrong, saying what is wrong there and how to write it.

Every mistake is made on a copy of the shipped workbook with openpyxl and checked three ways: the
public API (``validate_workbook``), the command in-process (click's CliRunner) and the installed
``atc-dmn`` command. Cells are found by reading the sheet, not by coordinates, so that a change of the
shipped rules does not break these tests.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from atc_dmn import load_model
from atc_dmn.cli import main
from atc_dmn.report import validate_workbook

LIST_OF_TWO = re.compile(r'^"([^"]+)","([^"]+)"$')


def located(path: Path, run_atc, code: str, where: str) -> list[dict[str, Any]]:
    """The findings of ``code`` at ``where`` ("Sheet!A1"), the same through the API, CliRunner and the command."""
    api = [f.to_dict() for f in validate_workbook(path).findings]
    done = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    proc = run_atc("validate", path, "--format", "json")
    assert "Traceback" not in done.output + proc.stdout + proc.stderr
    runs = [api, json.loads(done.stdout)["findings"], json.loads(proc.stdout)["findings"]]
    assert runs[0] == runs[1] == runs[2]
    text = CliRunner().invoke(main, ["validate", str(path)]).output
    assert where in text and code in text
    return [f for f in api if f["code"] == code and f"{f['sheet']}!{f['cell']}" == where]


def words(finding: dict[str, Any]) -> str:
    return " ".join(f"{finding['message']} | {finding['hint']}".split())


# -- 1. a cell typed slightly wrong --------------------------------------------------------------------


def _list_cell(shipped_workbook) -> tuple[str, str, str]:
    """An input cell of a rule that lists two texts, e.g. "IVA","unknown": (cell, first, second)."""
    model = load_model(shipped_workbook.source, use_cache=False).model
    for table in model.tables:
        for rule in table.rules:
            for cell in rule.cells[: len(table.inputs)]:
                m = LIST_OF_TWO.match(str(shipped_workbook.value(table.sheet, cell)))
                if m:
                    return f"{table.sheet}!{cell}", m.group(1), m.group(2)
    raise LookupError("no rule cell lists two texts")


SLIPS = {
    # name: (the cell as typed, from the two texts a and b; words the message must say)
    "missing_comma": ('"{a}" "{b}"', 'a comma is missing between "{a}" and "{b}"'),
    "missing_comma_no_space": ('"{a}""{b}"', 'a comma is missing between "{a}" and "{b}"'),
    "curly_quotes": ("\u201c{a}\u201d,\u201c{b}\u201d", "curly quotes"),
    "trailing_comma": ('"{a}","{b}",', 'the list ends with a comma after "{b}"'),
    "leading_comma": (',"{a}","{b}"', "the list starts with a comma"),
    "double_comma": ('"{a}",,"{b}"', "two commas in a row"),
    "semicolon": ('"{a}";"{b}"', "separated by commas, not semicolons"),
    "unclosed_quote": ('"{a},"{b}"', '"{a} has no closing double quote'),
    "unopened_quote": ('{a}","{b}"', '{a}" has no opening double quote'),
}


@pytest.mark.parametrize("slip", SLIPS, ids=list(SLIPS))
def test_a_mistyped_list_names_the_slip_and_the_cell_as_meant(shipped_workbook, run_atc, slip: str) -> None:
    where, a, b = _list_cell(shipped_workbook)
    typed, said = (s.format(a=a, b=b) for s in SLIPS[slip])
    path = shipped_workbook.copy({where: typed})
    (finding,) = located(path, run_atc, "CELL_SYNTAX", where)
    assert said in finding["message"]
    assert f'Write it as "{a}","{b}".' in finding["hint"]
    assert "may not contain a double quote" not in words(finding)


def test_curly_quotes_say_how_to_stop_autocorrect(shipped_workbook, run_atc) -> None:
    where, a, _b = _list_cell(shipped_workbook)
    path = shipped_workbook.copy({where: f"\u201c{a}\u201d"})
    (finding,) = located(path, run_atc, "CELL_SYNTAX", where)
    assert "straight double quotes" in finding["message"] and "AutoCorrect" in finding["message"]
    assert f'Write it as "{a}".' in finding["hint"] and "smart quotes" in finding["hint"]


def test_an_output_cell_with_two_values_says_it_holds_one(shipped_workbook, run_atc) -> None:
    model = load_model(shipped_workbook.source, use_cache=False).model
    table = next(t for t in model.tables if t.hit_policy == "U")
    rule = table.rules[0]
    where = rule.cells[len(table.inputs)]
    first, second = _two(table)
    path = shipped_workbook.copy({f"{table.sheet}!{where}": f'"{first}" "{second}"'})
    (finding,) = located(path, run_atc, "CELL_SYNTAX", f"{table.sheet}!{where}")
    assert "an output cell holds one value" in finding["message"]
    assert f'"{first}"' in finding["message"] and f'"{second}"' in finding["message"]


def _two(table) -> tuple[str, str]:
    texts = [v for v in table.outputs[0].enumeration if isinstance(v, str)]
    return texts[0], texts[1]


# -- 2. a blank input cell -------------------------------------------------------------------------------


def _cell_accepts(cell: Any, value: Any) -> bool:
    """What a shipped cell accepts, read independently of the engine: -, blank, null, lists, not(...)."""
    text = "" if cell is None else str(cell).strip()
    if text in ("", "-"):
        return True
    negated = text.startswith("not(")
    inner = text[4:-1] if negated else text
    values = [None if p.strip() == "null" else p.strip().strip('"') for p in inner.split(",")]
    return (value in values) != negated


def _allowed(cell: str) -> list[Any]:
    return [None if p.strip() == "null" else p.strip().strip('"') for p in cell.split(",")]


def test_a_blanked_cell_is_where_the_overlap_it_causes_is_reported(shipped_workbook, run_atc) -> None:
    """Blank the first rule cell holding null in a unique table whose other rules test that column."""
    model = load_model(shipped_workbook.source, use_cache=False).model
    table, rule, pos = next(
        (t, r, c)
        for t in model.tables
        if t.hit_policy == "U"
        for r in t.rules
        for c, cell in enumerate(r.cells[: len(t.inputs)])
        if shipped_workbook.value(t.sheet, cell) == "null"
    )
    sheet = shipped_workbook.sheet(table.sheet)
    allowed = [_allowed(sheet[col.allowed_cell].value) for col in table.inputs]
    cells = {r.id: [sheet[c].value for c in r.cells[: len(table.inputs)]] for r in table.rules}
    cells[rule.id][pos] = None
    # The rules that share a case with the blanked rule, by brute force over the allowed values.
    overlapping = sorted(
        (
            other.id
            for other in table.rules
            if other is not rule
            and any(
                all(
                    _cell_accepts(cells[rule.id][i], v) and _cell_accepts(cells[other.id][i], v)
                    for i, v in enumerate(c)
                )
                for c in itertools.product(*allowed)
            )
        ),
        key=[r.id for r in table.rules].index,
    )
    assert overlapping, "blanking the cell should make the rule overlap others"
    where = f"{table.sheet}!{rule.cells[pos]}"
    path = shipped_workbook.copy({where: None})
    (finding,) = located(path, run_atc, "RULE_OVERLAP", where)
    text = words(finding)
    assert f"{rule.cells[pos]} is blank" in text and "a blank input cell means any value" in text
    assert f"rule {rule.id}" in text and f"overlaps {', '.join(overlapping)} " in text
    assert f"Type the value {rule.id} should test for '{table.inputs[pos].variable}'" in text
    assert "or - if any value is meant" in text
    # Not also reported, misleadingly, at the rows of the rules it overlaps.
    others = [f for f in validate_workbook(path).findings if f.code == "RULE_OVERLAP" and f.location != where]
    assert others == []


# -- 3. a mistyped code or key on the Wording sheet ---------------------------------------------------------


def _wording_row(shipped_workbook) -> tuple[int, str, str]:
    """A Wording row whose code some output gives: (row, output key, code)."""
    sheet = shipped_workbook.sheet("Wording")
    column = shipped_workbook.heading_column("Wording", "Output")
    model = load_model(shipped_workbook.source, use_cache=False).model
    given = {
        (model.variables[c.variable].key, v)
        for t in model.tables
        for c in t.outputs
        if c.enumeration and model.variables[c.variable].role == "output"
        for v in c.enumeration
    }
    for row in range(1, sheet.max_row + 1):
        key, code = sheet.cell(row=row, column=column).value, sheet.cell(row=row, column=column + 1).value
        if (key, code) in given:
            return row, key, code
    raise LookupError("no Wording row for a code an output gives")


def test_a_mistyped_wording_code_is_reported_at_the_code_cell(shipped_workbook, run_atc) -> None:
    row, key, code = _wording_row(shipped_workbook)
    code_col = shipped_workbook.heading_column("Wording", "Code")
    where = f"Wording!{shipped_workbook.sheet('Wording').cell(row=row, column=code_col).coordinate}"
    path = shipped_workbook.copy({where: code + "y"})
    (finding,) = located(path, run_atc, "WORDING_MISSING", where)
    assert finding["severity"] == "error"
    assert f"{key} = {code}" in finding["message"] and f"code '{code}y'" in finding["message"]
    assert f"Correct the cell to {code}" in finding["hint"]
    rest = [f for f in validate_workbook(path).findings if f.code.startswith("WORDING")]
    assert [f.location for f in rest] == [where]  # not also at the output's list, nor a warning at the key


def test_a_mistyped_wording_key_is_reported_at_the_key_cell(shipped_workbook, run_atc) -> None:
    row, key, _code = _wording_row(shipped_workbook)
    key_col = shipped_workbook.heading_column("Wording", "Output")
    where = f"Wording!{shipped_workbook.sheet('Wording').cell(row=row, column=key_col).coordinate}"
    path = shipped_workbook.copy({where: key + "s"})
    (finding,) = located(path, run_atc, "WORDING_MISSING", where)
    assert f"output key '{key}s'" in finding["message"] and f"Correct the cell to {key}" in finding["hint"]


def test_a_stale_wording_code_is_a_warning_at_its_code_cell(shipped_workbook, run_atc) -> None:
    _row, key, _ = _wording_row(shipped_workbook)
    sheet = shipped_workbook.sheet("Wording")
    column = shipped_workbook.heading_column("Wording", "Output")
    last = max(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=column).value)
    new = last + 1
    code_cell = sheet.cell(row=new, column=column + 1).coordinate

    def add_row(wb) -> None:
        ws = wb["Wording"]
        ws.cell(row=new, column=column, value=key)
        ws.cell(row=new, column=column + 1, value="withdrawn_option_zz")
        ws.cell(row=new, column=column + 2, value="An option no rule gives any more.")

    path = shipped_workbook.copy(edit=add_row)
    (finding,) = located(path, run_atc, "WORDING_UNKNOWN", f"Wording!{code_cell}")
    assert finding["severity"] == "warning" and "withdrawn_option_zz" in finding["message"]
