"""Tables for the validation tests, and large generated tables to measure the checks on.

    python tests/table_factory.py big.xlsx --rules 1000 --policy U   # write a workbook
    python tests/table_factory.py --measure                          # time every check

Workbooks are written by :mod:`workbook_writer` (a table is described there).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workbook_writer import write_workbook

# A small unique table, sound as written: tests break it one cell at a time.
STAGING = {
    "name": "Staging",
    "hp": "U",
    "inputs": [("T category", '"T1","T2"'), ("M category", '"M0","M1"')],
    "outputs": [("Stage", '"early","late"')],
    "rules": [
        ("S1", ['"T1"', '"M0"'], ['"early"']),
        ("S2", ['"T2"', '"M0"'], ['"late"']),
        ("S3", ["-", '"M1"'], ['"late"']),
    ],
}


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
        path = write_workbook(folder / f"big_{policy}.xlsx", [big_table(1000, policy)], defaults={"Amount": "0"})
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
    path = write_workbook(Path(argv[1]), [big_table(rules, policy)], defaults={"Amount": "0"})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
