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
import sys
from pathlib import Path
from typing import Any

# The workbook writer is shared with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from workbook_writer import write_workbook as write

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
    groups, code_list = layout(rules, numeric)
    inputs = [
        ("Group", ",".join(f'"{g}"' for g in groups)),
        ("Code", ",".join(f'"{c}"' for c in code_list)),
        ("Flag", "true,false"),
    ]
    if numeric:
        inputs.append(("Score", "[0..100]"))
    table = {
        "name": "Table",
        "hp": hit_policy,
        "description": "Decide result",
        "purpose": "generated",
        "inputs": inputs,
        "outputs": [("Result", ",".join(f'"{r}"' for r in RESULTS))],
        "rules": [
            (f"R{i + 1}", cells, [f'"{RESULTS[i % len(RESULTS)]}"'], f"generated rule {i + 1}")
            for i, cells in enumerate(rule_rows(rules, numeric))
        ],
    }
    return write(
        path,
        [table],
        name=f"Generated {rules}",
        version="1.0.0",
        # A missing score means 0, so the table has no gap at null.
        defaults={"Score": 0} if numeric else None,
        purpose=True,
        wording="{variable} {code}",
        references=False,
    )


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
