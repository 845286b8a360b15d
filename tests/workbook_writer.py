"""Write workbooks in the runtime's format from a few lines of Python: the one writer of the tests and benchmarks.

The layout is pyDMNrules' (and the shipped workbook's): sheets Model,
Glossary, Decision, one sheet per table, Wording, References and, when asked
for, Test. A table sheet has its name in B2, the hit policy in B3 (merged
B3:B4), headings in row 3, allowed values in row 4 and one rule per row from
row 5, rule ids in column B. Every cell of a table has a border on all four
sides (pyDMNrules reads every side), and a double right border after the last
input and after the last output marks the boundaries.

A table is a dict::

    {"name": "Staging", "hp": "U",
     "inputs": [(variable, allowed cell or None), ...], "outputs": [...],
     "rules": [(rule id, [input cells], [output cells]), ...],
     # optional: "sheet" (default: the name), "description", "purpose";
     # a rule may add a fourth item, its rationale (default "rule <id>")
    }

A cell may be any value openpyxl stores (text, number, boolean, or a
``=formula`` string). A variable that a table decides and a table reads is an
intermediate; one that no table reads is an output; the others are inputs.
Imports nothing from pytest, so the benchmarks use it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Border, Side

Table = dict[str, Any]
# A Test sheet row: (case id, inputs by variable, expected outputs by variable, expected error or None).
TestRow = tuple[str, dict[str, Any], dict[str, Any], str | None]

_THIN = Side(style="thin")
_DOUBLE = Side(style="double")


def _border(right: Side | None = None, bottom: Side | None = None) -> Border:
    # pyDMNrules' format reads every side of a border: set all four.
    return Border(left=_THIN, right=right or _THIN, top=_THIN, bottom=bottom or _THIN)


def key(variable: str) -> str:
    """The Glossary attribute (the key callers use) of a variable: 'T category' -> 't_category'."""
    return variable.lower().replace(" ", "_")


def listed_codes(table: Table, j: int) -> list[str]:
    """Codes of output ``j`` to word: its allowed values, or (none listed) every value its rules give, sorted."""
    allowed = table["outputs"][j][1]
    if allowed:
        return [part.strip().strip('"') for part in str(allowed).split(",") if part.strip() not in ("", "null")]
    return sorted({str(rule[2][j]).strip('"') for rule in table["rules"]})


def quoted_codes(table: Table, j: int) -> list[str]:
    """Codes of output ``j`` to word: the quoted texts of its allowed values, then those its rules give."""
    allowed = table["outputs"][j][1]
    codes = re.findall(r'"([^"]+)"', str(allowed or ""))
    codes += [c[1:-1] for rule in table["rules"] if isinstance(c := rule[2][j], str) and c.startswith('"')]
    return list(dict.fromkeys(codes))


def write_workbook(
    path: str | Path,
    tables: list[Table],
    *,
    name: str = "Generated model",
    version: str = "0.0.1",
    notice: str | None = None,
    title: str = "generated",
    defaults: dict[str, Any] | None = None,
    purpose: bool = False,
    wording: str | None = "Wording of {code}.",
    codes: Callable[[Table, int], list[str]] = listed_codes,
    references: bool = True,
    tests: Sequence[TestRow] | None = None,
    types: dict[str, Any] | None = None,
) -> Path:
    """Write a workbook the loader accepts (given sound tables) and return its path.

    ``title`` ends the Glossary and Decision titles ("Glossary - generated");
    ``defaults`` fills "Default when missing" by variable; ``purpose`` adds the
    Decision sheet's Purpose column (each table's "purpose"); ``wording`` is
    the text of each output code (``{variable}`` and ``{code}`` filled in; None
    writes no wording) and ``codes`` says which codes; ``references`` pairs
    citation 1 with a one-entry reference list (else the headings only);
    ``tests`` adds a Test sheet; ``types`` adds the Glossary's Type column, each
    variable's cell by name (a FEEL type name such as "number" or "date"; absent: blank).
    """
    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    ws["B2"], ws["C2"] = "Property", "Value"
    properties = [("Name", name), ("Version", version), *([("Notice", notice)] if notice is not None else [])]
    for i, (k, v) in enumerate(properties, start=3):
        ws.cell(row=i, column=2, value=k)
        ws.cell(row=i, column=3, value=v)

    decided = {v for t in tables for v, _ in t["outputs"]}
    read = {v for t in tables for v, _ in t["inputs"]}
    variables: list[str] = []
    for t in tables:
        for v, _ in [*t["inputs"], *t["outputs"]]:
            if v not in variables:
                variables.append(v)
    roles = {v: ("intermediate" if v in read else "output") if v in decided else "input" for v in variables}
    ws = wb.create_sheet("Glossary")
    ws["B2"] = f"Glossary - {title}"
    heads = ["Variable", "Business Concept", "Attribute", "Role", "Default when missing", "Meaning"]
    for j, h in enumerate([*heads, *(["Type"] if types is not None else [])]):
        ws.cell(row=3, column=2 + j, value=h)
    for i, v in enumerate(variables, start=4):
        row = [v, "Data" if i == 4 else None, key(v), roles[v], (defaults or {}).get(v), f"the {v}"]
        row += [types.get(v)] if types is not None else []
        for j, value in enumerate(row):
            ws.cell(row=i, column=2 + j, value=value)

    ws = wb.create_sheet("Decision")
    ws["B2"] = f"Decision - {title}"
    for j, h in enumerate(["Decisions", "Execute Decision Tables", *(["Purpose"] if purpose else [])]):
        ws.cell(row=3, column=2 + j, value=h)
    for i, t in enumerate(tables, start=4):
        ws.cell(row=i, column=2, value=t.get("description", f"Decide {t['name']}"))
        ws.cell(row=i, column=3, value=t["name"])
        if t.get("purpose"):
            ws.cell(row=i, column=4, value=t["purpose"])

    for t in tables:
        _write_table(wb.create_sheet(t.get("sheet", t["name"])), t)

    ws = wb.create_sheet("Wording")
    for j, h in enumerate(["Output", "Code", "Text"]):
        ws.cell(row=2, column=2 + j, value=h)
    row = 3
    if wording is not None:
        for t in tables:
            for j, (variable, _) in enumerate(t["outputs"]):
                if roles[variable] != "output":
                    continue
                for code in codes(t, j):
                    for c, value in enumerate([key(variable), code, wording.format(variable=variable, code=code)]):
                        ws.cell(row=row, column=2 + c, value=value)
                    row += 1

    ws = wb.create_sheet("References")
    ws["B2"] = "Citations"
    for j, h in enumerate(["Citation", "Reference entry", "Status", "Reason"]):
        ws.cell(row=3, column=2 + j, value=h)
    if references:
        ws["B4"], ws["C4"], ws["D4"] = 1, "A", "confirmed"
        ws["B6"] = "Reference list"
        for j, h in enumerate(["Entry", "Type", "Title", "Source", "Year"]):
            ws.cell(row=7, column=2 + j, value=h)
        for j, v in enumerate(["A", "Guideline", "A guideline", "A publisher", "2025"]):
            ws.cell(row=8, column=2 + j, value=v)

    if tests is not None:
        ws = wb.create_sheet("Test")
        ws["B2"] = "Test cases"
        inputs = [v for v in variables if roles[v] == "input"]
        outputs = [v for v in variables if roles[v] == "output"]
        heads = ["Case", "Description", *inputs, *outputs, "Expected error"]
        for j, h in enumerate(heads):
            ws.cell(row=3, column=2 + j, value=h)
        for i, (cid, given, expected, error) in enumerate(tests, start=4):
            values = [cid, f"case {cid}", *[given.get(v) for v in inputs], *[expected.get(v) for v in outputs], error]
            for j, value in enumerate(values):
                ws.cell(row=i, column=2 + j, value=value)
    wb.save(path)
    return path


def _write_table(ws: Any, t: Table) -> None:
    """One decision table in pyDMNrules' layout, from B2."""
    ni, no = len(t["inputs"]), len(t["outputs"])
    ws["B2"] = t["name"]
    ws["B3"] = t["hp"]
    ws.merge_cells("B3:B4")
    ws["B3"].border = _border()
    ws["B4"].border = _border(bottom=_DOUBLE)
    for j, (variable, allowed) in enumerate([*t["inputs"], *t["outputs"]]):
        edge = _DOUBLE if j in (ni - 1, ni + no - 1) else None
        ws.cell(row=3, column=3 + j, value=variable).border = _border(right=edge)
        ws.cell(row=4, column=3 + j, value=allowed).border = _border(right=edge, bottom=_DOUBLE)
    ws.cell(row=3, column=3 + ni + no, value="Rationale").border = _border()
    for i, (rid, ins, outs, *rationale) in enumerate(t["rules"], start=5):
        ws.cell(row=i, column=2, value=rid).border = _border()
        for j, value in enumerate([*ins, *outs, rationale[0] if rationale else f"rule {rid}"]):
            edge = _DOUBLE if j in (ni - 1, ni + no - 1) else None
            ws.cell(row=i, column=3 + j, value=value).border = _border(right=edge)
