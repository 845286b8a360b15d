"""Write complete workbooks in the runtime's format from a few lines of Python, and large generated tables.

Used by the validation tests (small tables with one mistake each) and to
measure the checks on big tables::

    python tests/table_factory.py big.xlsx --rules 1000 --policy U   # write a workbook
    python tests/table_factory.py --measure                          # time every check

A table is ``{"name", "hp", "inputs": [(variable, allowed cell)], "outputs":
[...], "rules": [(rule id, [input cells], [output cells])]}``. A variable that
a table decides and a later table reads is an intermediate; one that no
later table reads is an output; the others are inputs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Border, Side

_THIN = Side(style="thin")
_DOUBLE = Side(style="double")


def _border(right: Side | None = None, bottom: Side | None = None) -> Border:
    return Border(left=_THIN, right=right or _THIN, top=_THIN, bottom=bottom or _THIN)


def key(variable: str) -> str:
    return variable.lower().replace(" ", "_")


def _codes(table: dict[str, Any], j: int) -> list[str]:
    allowed = table["outputs"][j][1]
    if allowed:
        return [part.strip().strip('"') for part in str(allowed).split(",") if part.strip() not in ("", "null")]
    return sorted({str(rule[2][j]).strip('"') for rule in table["rules"]})


def write(
    path: Path,
    tables: list[dict[str, Any]],
    *,
    defaults: dict[str, str] | None = None,
    tests: list[tuple[str, dict[str, Any], dict[str, Any], str | None]] | None = None,
    wording: bool = True,
) -> Path:
    """Write a workbook the loader accepts (given sound tables): Model, Glossary, Decision, tables,
    Wording, References and, when ``tests`` is given, a Test sheet of (id, inputs, expected, error)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Model"
    ws["B2"], ws["C2"] = "Property", "Value"
    for i, (k, v) in enumerate([("Name", "Generated model"), ("Version", "0.0.1")], start=3):
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
    ws["B2"] = "Glossary - generated"
    for j, h in enumerate(["Variable", "Business Concept", "Attribute", "Role", "Default when missing", "Meaning"]):
        ws.cell(row=3, column=2 + j, value=h)
    for i, v in enumerate(variables, start=4):
        row = [v, "Data" if i == 4 else None, key(v), roles[v], (defaults or {}).get(v), f"the {v}"]
        for j, value in enumerate(row):
            ws.cell(row=i, column=2 + j, value=value)

    ws = wb.create_sheet("Decision")
    ws["B2"] = "Decision - generated"
    for j, h in enumerate(["Decisions", "Execute Decision Tables"]):
        ws.cell(row=3, column=2 + j, value=h)
    for i, t in enumerate(tables, start=4):
        ws.cell(row=i, column=2, value=f"Decide {t['name']}")
        ws.cell(row=i, column=3, value=t["name"])

    for t in tables:
        ws = wb.create_sheet(t.get("sheet", t["name"]))
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
        for i, (rid, ins, outs) in enumerate(t["rules"], start=5):
            ws.cell(row=i, column=2, value=rid).border = _border()
            for j, value in enumerate([*ins, *outs, f"rule {rid}"]):
                edge = _DOUBLE if j in (ni - 1, ni + no - 1) else None
                ws.cell(row=i, column=3 + j, value=value).border = _border(right=edge)

    ws = wb.create_sheet("Wording")
    for j, h in enumerate(["Output", "Code", "Text"]):
        ws.cell(row=2, column=2 + j, value=h)
    row = 3
    if wording:
        for t in tables:
            for j, (variable, _) in enumerate(t["outputs"]):
                if roles[variable] != "output":
                    continue
                for code in _codes(t, j):
                    for c, value in enumerate([key(variable), code, f"Wording of {code}."]):
                        ws.cell(row=row, column=2 + c, value=value)
                    row += 1

    ws = wb.create_sheet("References")
    ws["B2"] = "Citations"
    for j, h in enumerate(["Citation", "Reference entry", "Note"]):
        ws.cell(row=3, column=2 + j, value=h)
    ws["B4"], ws["C4"] = 1, 1
    ws["B6"] = "Reference list"
    for j, h in enumerate(["Entry", "Type", "Title", "Source", "Year"]):
        ws.cell(row=7, column=2 + j, value=h)
    for j, v in enumerate([1, "Guideline", "A guideline", "A publisher", "2025"]):
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


# -- big generated tables ------------------------------------------------------------


def big_table(rules: int = 1000, policy: str = "U", name: str = "Big") -> dict[str, Any]:
    """A complete table over an enumerated, a boolean and a numeric-range column.

    U and A: every rule covers its own cell of a grid (no gap, no overlap). F:
    the numeric cells are cumulative upper bounds (each rule overlaps every
    earlier rule of its row, none is shadowed). C: the grid, collecting codes.
    """
    letters = [f"a{i}" for i in range(10)]
    slices = max(1, rules // (len(letters) * 2))
    width = 100 / slices
    out_codes = [f"o{i}" for i in range(5)]
    rows = []
    n = 0
    for a in letters:
        for b in ("true", "false"):
            for s in range(slices):
                low, high = round(s * width, 4), round((s + 1) * width, 4)
                number = f"< {high}" if policy == "F" else f"[{low}..{high})"
                rows.append((f"R{n + 1}", [f'"{a}"', b, number], [f'"{out_codes[n % len(out_codes)]}"']))
                n += 1
    return {
        "name": name,
        "hp": policy,
        "inputs": [
            ("Letter", ",".join(f'"{a}"' for a in letters)),
            ("Flag", "true,false"),
            ("Amount", "[0..100)"),
        ],
        "outputs": [("Result", ",".join(f'"{c}"' for c in out_codes))],
        "rules": rows,
    }


def measure(repeat: int = 7) -> list[tuple[str, dict[str, float]]]:
    """Median time of each check on the shipped model and on generated 1,000-rule tables."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from atc_dmn.api import shipped_model_path
    from atc_dmn.loader import build_model
    from atc_dmn.validate import validate_model
    from atc_dmn.workbook import read_workbook

    workbooks = [("shipped model", shipped_model_path())]
    folder = Path(tempfile.mkdtemp(prefix="atc-dmn-measure-"))
    for policy in ("U", "F", "C"):
        path = write(folder / f"big_{policy}.xlsx", [big_table(1000, policy)], defaults={"Amount": "0"})
        workbooks.append((f"1,000 rules, hit policy {policy}", path))
    results = []
    for label, path in workbooks:
        raw = read_workbook(path)
        model = build_model(raw)
        runs: dict[str, list[float]] = {}
        for _ in range(repeat):
            timings: dict[str, float] = {}
            start = time.perf_counter()
            found = validate_model(model, raw, timings=timings)
            timings["total"] = time.perf_counter() - start
            for k, v in timings.items():
                runs.setdefault(k, []).append(v)
        assert not found.errors, [f.message for f in found.errors][:3]
        results.append((label, {k: statistics.median(v) for k, v in runs.items()}))
    return results


def main(argv: list[str]) -> int:
    if "--measure" in argv:
        results = measure()
        names = list(results[0][1])
        print(f"{'check':30s}" + "".join(f"{label:>30s}" for label, _ in results))
        for n in names:
            print(f"{n:30s}" + "".join(f"{r[n] * 1000:>27.2f} ms" for _, r in results))
        return 0
    if len(argv) < 2:
        print(__doc__)
        return 2
    rules = int(argv[argv.index("--rules") + 1]) if "--rules" in argv else 1000
    policy = argv[argv.index("--policy") + 1] if "--policy" in argv else "U"
    path = write(Path(argv[1]), [big_table(rules, policy)], defaults={"Amount": "0"})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
