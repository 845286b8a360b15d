"""Generate workbooks with one decision table of any size, for the scaling benchmark and the index tests.

The table reads three kinds of column: two enumerations ("Group" and
"Code", each listing about sqrt(rules / 2) values), a boolean ("Flag") and,
unless ``numeric=False``, a numeric range ("Score", allowed [0..100], split
at 50). Each (group, code) pair has one rule per flag value (and per half of
the range), so the rules are complete and never overlap: every case matches
exactly one rule, the workbook passes validation, and the same rules serve
hit policies F, U and C.

    write_workbook(path, rules=1000, hit_policy="U")
    cases = random_cases(1000, rules=1000, seed=1)
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Border, Side

DOUBLE = Side(style="double")
RESULTS = [f"r{i}" for i in range(10)]


def layout(rules: int, numeric: bool = True) -> tuple[list[str], list[str]]:
    """The listed values of the Group and Code columns: about sqrt(rules / 2) each, so each list fits a cell."""
    pairs = -(-rules // (4 if numeric else 2))
    width = math.isqrt(pairs - 1) + 1
    return [f"g{i:03d}" for i in range(-(-pairs // width))], [f"c{i:03d}" for i in range(width)]


def rule_rows(rules: int, numeric: bool = True) -> list[list[str]]:
    """Input cells of each rule: one rule per (group, code, flag[, half of the range]).

    The last group's last pair lists the codes left over, and the last pair
    may split less, so there are exactly ``rules`` rules and no gap.
    """
    groups, code_list = layout(rules, numeric)
    splits = [["true", "[0..50)"], ["true", "[50..100]"], ["false", "[0..50)"], ["false", "[50..100]"]]
    if not numeric:
        splits = [["true"], ["false"]]
    rows: list[list[str]] = []
    for group in groups:
        for k, code in enumerate(code_list):
            left = rules - len(rows)
            if left == 0:
                break
            last = left <= len(splits)
            cell = ",".join(f'"{c}"' for c in (code_list[k:] if last else [code]))
            if left >= len(splits):
                rows += [[f'"{group}"', cell, *split] for split in splits]
            elif left == 3:
                rows += [[f'"{group}"', cell, "true", "[0..50)"], [f'"{group}"', cell, "true", "[50..100]"]]
                rows += [[f'"{group}"', cell, "false", "-"]]
            elif left == 2:
                rows += [[f'"{group}"', cell, flag] + ["-"] * numeric for flag in ("true", "false")]
            else:
                rows += [[f'"{group}"', cell, "-"] + ["-"] * numeric]
            if last:
                break
    return rows


def write_workbook(path: str | Path, rules: int, hit_policy: str = "U", numeric: bool = True) -> Path:
    """Write a workbook whose single table has ``rules`` rules; return its path."""
    path = Path(path)
    groups, code_list = layout(rules, numeric)
    inputs = [
        ("Group", "Item", "group", ",".join(f'"{g}"' for g in groups)),
        ("Code", "Item", "code", ",".join(f'"{c}"' for c in code_list)),
        ("Flag", "Item", "flag", "true,false"),
    ]
    if numeric:
        inputs.append(("Score", "Item", "score", "[0..100]"))
    wb = Workbook()
    ws = wb.active
    ws.title = "Model"
    for i, (k, v) in enumerate([("Property", "Value"), ("Name", f"Generated {rules}"), ("Version", "1.0.0")], start=2):
        ws.cell(i, 2, k)
        ws.cell(i, 3, v)
    ws = wb.create_sheet("Glossary")
    ws["B2"] = "Glossary"
    heads = ["Variable", "Business Concept", "Attribute", "Role", "Default when missing", "Meaning"]
    glossary = [[name, concept, attr, "input", None, f"generated {attr}"] for name, concept, attr, _ in inputs]
    if numeric:
        glossary[-1][4] = 0  # a missing score means 0, so the table has no gap at null
    glossary.append(["Result", "Item", "result", "output", None, "generated result"])
    for r, row in enumerate([heads, *glossary], start=3):
        for j, v in enumerate(row):
            ws.cell(r, 2 + j, v)
    ws = wb.create_sheet("Decision")
    ws["B2"] = "Decision"
    for j, v in enumerate(["Decisions", "Execute Decision Tables", "Purpose"]):
        ws.cell(3, 2 + j, v)
        ws.cell(4, 2 + j, ["Decide result", "Table", "generated"][j])
    ws = wb.create_sheet("Table")
    ws["B2"] = "Table"
    ws["B3"] = hit_policy
    ws.merge_cells("B3:B4")
    ni = len(inputs)
    heads = [name for name, *_ in inputs] + ["Result", "Rationale"]
    allowed = [a for *_, a in inputs] + [",".join(f'"{r}"' for r in RESULTS), None]
    for j, (h, a) in enumerate(zip(heads, allowed)):
        right = DOUBLE if j in (ni - 1, ni) else None
        ws.cell(3, 3 + j, h).border = Border(right=right)
        ws.cell(4, 3 + j, a).border = Border(right=right, bottom=DOUBLE)
    for i, cells in enumerate(rule_rows(rules, numeric)):
        row = 5 + i
        ws.cell(row, 2, f"R{i + 1}")
        for j, v in enumerate([*cells, f'"{RESULTS[i % len(RESULTS)]}"', f"generated rule {i + 1}"]):
            ws.cell(row, 3 + j, v).border = Border(right=DOUBLE if j in (ni - 1, ni) else None)
    ws = wb.create_sheet("Wording")
    for j, v in enumerate(["Output", "Code", "Text"]):
        ws.cell(2, 2 + j, v)
    for i, r in enumerate(RESULTS, start=3):
        for j, v in enumerate(["result", r, f"Result {r}"]):
            ws.cell(i, 2 + j, v)
    ws = wb.create_sheet("References")
    for j, v in enumerate(["Citation", "Reference entry", "Note"]):
        ws.cell(2, 2 + j, v)
    wb.save(path)
    return path


def random_cases(count: int, rules: int, numeric: bool = True, seed: int = 0) -> list[dict[str, Any]]:
    """Cases spread over every code, both flags and (if present) the whole score range."""
    rng = random.Random(seed)
    groups, code_list = layout(rules, numeric)
    cases: list[dict[str, Any]] = []
    for _ in range(count):
        case: dict[str, Any] = {"group": rng.choice(groups), "code": rng.choice(code_list), "flag": rng.random() < 0.5}
        if numeric:
            case["score"] = rng.choice((rng.randint(0, 100), round(rng.uniform(0, 100), 2), 50, 49.99))
        cases.append(case)
    return cases
