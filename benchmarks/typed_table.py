"""A typed table of 1,000 rules over numbers and dates: per-case time of atc-dmn and pyDMNrules, same run.

The table (hit policy F) has three typed inputs and one that cells name:

- ``Score`` (number): rule i tests ``[10*i..10*i+10)``, so each score falls in one band;
- ``Visit date`` (date): even rules ``< date("2025-01-01")``, odd rules ``>= @"2025-01-01"``;
- ``Dose`` (number): every fifth rule ``<= Limit * 1.5`` (a cell naming another input), else ``-``;
- ``Limit`` (number), read by those cells only; a last rule catches everything else.

Half of the cases hit a band on the first try, half fall through it (wrong date half, or a dose over
the limit) to the catch-all, so both the hit and the miss paths are timed. Both engines answer the
same cases (checked: the script fails on a disagreement). pyDMNrules takes milliseconds per case,
so it gets fewer cases than atc-dmn.

    python benchmarks/typed_table.py          # prints the figures (RESULTS.md has a section for them)
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from workbook_writer import write_workbook

from atc_dmn import load_model

RULES = 1000
TYPES = {"Score": "number", "Visit date": "date", "Dose": "number", "Limit": "number"}


def table(dynamic: bool = True) -> dict[str, Any]:
    rows = []
    for i in range(RULES):
        date = '< date("2025-01-01")' if i % 2 == 0 else '>= @"2025-01-01"'
        dose = ("<= Limit * 1.5" if dynamic else "<= 150") if i % 5 == 0 else "-"
        rows.append((f"R{i}", [f"[{10 * i}..{10 * i + 10})", date, dose, "-"], [f'"b{i}"']))
    rows.append(("R_ELSE", ["-", "-", "-", "-"], ['"other"']))
    return {
        "name": "Band",
        "hp": "F",
        "inputs": [("Score", None), ("Visit date", None), ("Dose", None), ("Limit", None)],
        "outputs": [("Band", None)],
        "rules": rows,
    }


def cases(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(
            {
                "score": rng.randrange(0, 10 * RULES),
                "visit_date": dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 4 * 365)),
                "dose": rng.randrange(0, 200),
                "limit": 100,
            }
        )
    return out


def per_case(run, items: list[Any], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            run(item)
        times.append((time.perf_counter() - start) / len(items))
    return times


def show(values: list[float], scale: float, unit: str) -> str:
    return (
        f"{statistics.median(values) * scale:.1f} {unit} "
        f"[{min(values) * scale:.1f}-{max(values) * scale:.1f}] (n={len(values)})"
    )


def main() -> int:
    from pyDMNrules import DMN

    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} | {os.cpu_count()} CPUs | "
        f"{platform.python_implementation()} {platform.python_version()} | {RULES} rules + a catch-all"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for dynamic in (True, False):
            label = "with cells naming Limit" if dynamic else "literal cells only (<= 150)"
            path = write_workbook(Path(tmp) / f"typed_{dynamic}.xlsx", [table(dynamic)], types=TYPES)
            start = time.perf_counter()
            model = load_model(path, use_cache=False)
            load = time.perf_counter() - start
            theirs = DMN()
            status = theirs.load(str(path))
            if status.get("errors"):
                print("pyDMNrules cannot load the table:", status["errors"])
                return 1
            ours_cases = cases(2000, seed=1)
            their_cases = ours_cases[:200]
            names = {s.key: s.name for s in model.inputs}
            for case in their_cases:  # the same answers, or the figures mean nothing
                mine = model.evaluate(case).decision["band"]
                _, found = theirs.decide({names[k]: v for k, v in case.items()})
                got = (found[-1] if isinstance(found, list) else found)["Result"]["Band"]
                if mine != got:
                    print(f"disagreement on {case}: atc-dmn {mine!r}, pyDMNrules {got!r}")
                    return 1
            normalised = [model.normalise(c) for c in ours_cases]
            mine = per_case(model.run, normalised, 7)
            full = per_case(model.evaluate, ours_cases, 7)
            given = [{names[k]: v for k, v in c.items()} for c in their_cases]
            them = per_case(theirs.decide, given, 3)
            print(f"typed table, {label}:")
            print(f"  load (read xlsx, build, validate, compile): {load * 1e3:.0f} ms")
            print(f"  atc-dmn run() per case (normalised): {show(mine, 1e6, 'us')}  -- {len(normalised)} cases")
            print(f"  atc-dmn evaluate() per case: {show(full, 1e6, 'us')}")
            print(f"  pyDMNrules decide() per case: {show(them, 1e3, 'ms')}  -- {len(given)} cases, same answers")
            print(f"  speed-up: {statistics.median(them) / statistics.median(full):.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
