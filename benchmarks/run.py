"""Measure atc-dmn on this machine and print one table of figures (and write it to benchmarks/RESULTS.md).

    python benchmarks/run.py                # about two to three minutes
    python benchmarks/run.py --out -        # print only

Every figure comes from this one run: the median over repeated runs with
the spread (min-max) and the number of runs. Where two things are compared
they run in the same process, interleaved, on the same cases, and the
ratio is given. Measured:

- per-case evaluation of the shipped model: ``DecisionModel.evaluate()``
  (a full Result; wording and trace are built on first access) against
  pyDMNrules ``DMN.decide()`` on the same normalised cases;
- cases per second over all 9,072 combinations of the seven main inputs
  (each value and also missing), with the rule index and with the plain scan;
- a cold ``atc-dmn evaluate --case FILE --format json`` as a whole process,
  against ``python -c "import click"`` as the floor, with the cache warm
  and with it off;
- model load (workbook -> compiled model), without and with the cache;
- generated tables of 10 to 10,000 rules (F, U, C; enumerated, boolean and
  numeric-range columns; see gen_tables.py): load time, per-case time,
  index against plain scan, and the memory the loaded model holds;
- peak resident memory of a process that loaded the model and evaluated
  10,000 cases.

Needs the package installed (``pip install -e '.[test]'``); pyDMNrules is
optional (its rows are skipped without it). A temporary cache folder is
used, never the user's.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# gen_tables.py here; the input space and the workbook writer are shared with the tests.
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

TMP = Path(tempfile.mkdtemp(prefix="atc-dmn-bench-"))
os.environ["ATC_DMN_CACHE_DIR"] = str(TMP / "cache")
os.environ.pop("ATC_DMN_NO_CACHE", None)

from gen_tables import random_cases, write_workbook  # noqa: E402
from input_space import MAIN_DOMAINS, MISSING, main_cases  # noqa: E402
from machine import cpu_model  # noqa: E402

from atc_dmn import DecisionModel, __version__, load_model, shipped_model_path  # noqa: E402

ROWS: list[tuple[str, str, str]] = []  # (figure, value, note)


class Stat:
    """Repeated measurements of one quantity."""

    def __init__(self, values: list[float]) -> None:
        self.values = values
        self.median = statistics.median(values)

    def show(self, unit: str, scale: float = 1.0, digits: int = 1) -> str:
        lo, hi = min(self.values) * scale, max(self.values) * scale
        return f"{self.median * scale:.{digits}f} {unit} [{lo:.{digits}f}-{hi:.{digits}f}] (n={len(self.values)})"


def row(figure: str, value: str, note: str = "") -> None:
    ROWS.append((figure, value, note))
    print(f"  {figure}: {value}{'  -- ' + note if note else ''}", flush=True)


def section(title: str) -> None:
    ROWS.append((f"**{title}**", "", ""))
    print(f"\n{title}", flush=True)


def per_case(run: Callable[[], Any], count: int, repeats: int) -> Stat:
    """Seconds per case: ``run()`` evaluates ``count`` cases; timed ``repeats`` times."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / count)
    return Stat(times)


def interleaved(runs: dict[str, Callable[[], Any]], repeats: int) -> dict[str, Stat]:
    """Wall seconds of each callable, alternating between them on every repeat."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: Stat(values) for name, values in times.items()}


def machine() -> dict[str, str]:
    cpu = cpu_model()
    try:
        from importlib.metadata import version

        reference = f"pyDMNrules {version('pyDMNrules')}"
    except Exception:
        reference = "pyDMNrules not installed"
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "versions": f"atc-dmn {__version__}; {reference}",
        "load": _load(),
    }


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- the shipped model -------------------------------------------------------------------


def shipped_per_case(model: DecisionModel, cases: list[dict[str, Any]]) -> None:
    section("Shipped model: per-case evaluation, compiled vs pyDMNrules decide() (same cases, interleaved)")
    sample = cases[::90]  # 101 cases spread over all combinations
    try:
        from pyDMNrules import DMN
    except ImportError:
        DMN = None
    passes = 40  # the compiled side runs the sample 40 times per repeat, so each timing spans milliseconds

    def compiled() -> None:
        evaluate = model.evaluate
        for _ in range(passes):
            for case in sample:
                evaluate(case)

    runs: dict[str, Callable[[], Any]] = {"compiled": compiled}
    if DMN is not None:
        dmn = DMN()
        status = dmn.load(str(shipped_model_path()))
        assert not status.get("errors"), status
        data = [{s.name: model.normalise(c)[s.key] for s in model.inputs} for c in sample]
        runs["pydmnrules"] = lambda: [dmn.decide(d) for d in data]
        runs["pydmnrules"]()  # first call pays one-off setup
    for run in runs.values():
        run()
    stats = interleaved(runs, repeats=7)
    per_compiled = Stat([t / len(sample) / passes for t in stats["compiled"].values])
    row(
        "compiled evaluate() -> Result, per case",
        per_compiled.show("us", 1e6, 2),
        f"{len(sample)} cases x {passes}; target <= 12 us: {'met' if per_compiled.median <= 12e-6 else 'NOT met'}",
    )
    if "pydmnrules" in stats:
        reference = Stat([t / len(sample) for t in stats["pydmnrules"].values])
        row("pyDMNrules decide(), per case", reference.show("ms", 1e3, 2), "same cases, same process")
        ratios = Stat([r / (c / passes) for r, c in zip(stats["pydmnrules"].values, stats["compiled"].values)])
        row(
            "speed-up compiled vs pyDMNrules",
            f"{ratios.median:.0f}x [{min(ratios.values):.0f}-{max(ratios.values):.0f}x]",
            f"per repeat, interleaved; target >= 500x: {'met' if ratios.median >= 500 else 'NOT met'}",
        )
    else:
        row("pyDMNrules decide(), per case", "skipped", "pyDMNrules is not installed")

    def explained() -> None:
        for c in sample:
            result = model.evaluate(c)
            result.text, result.trace, result.references  # noqa: B018 - build the lazy parts

    full = per_case(explained, len(sample), 5)
    row("evaluate() + wording, trace and references built", full.show("us", 1e6, 1), "the lazy parts, on demand")


def shipped_throughput(model: DecisionModel, cases: list[dict[str, Any]]) -> None:
    section("Shipped model: all 9,072 input combinations")
    plain = DecisionModel(model.model, indexed=False)

    stats = interleaved({"indexed": lambda: _sweep(model, cases), "plain": lambda: _sweep(plain, cases)}, repeats=7)
    indexed = Stat([len(cases) / t for t in stats["indexed"].values])
    scan = Stat([len(cases) / t for t in stats["plain"].values])
    row(
        "cases/s, rule index (default)",
        indexed.show("k cases/s", 1e-3, 1),
        f"{len(cases)} cases per run; {stats['indexed'].median / len(cases) * 1e6:.2f} us per case",
    )
    row(
        "cases/s, plain row-by-row scan",
        scan.show("k cases/s", 1e-3, 1),
        f"the index is {stats['plain'].median / stats['indexed'].median:.2f}x faster",
    )


def load_times() -> None:
    section("Model load: workbook -> compiled model (in-process, modules already imported)")
    path = shipped_model_path()
    load_model(path, use_cache=False)
    load_model(path)  # fills the cache
    stats = interleaved(
        {"cold": lambda: load_model(path, use_cache=False), "warm": lambda: load_model(path)}, repeats=9
    )
    row("load without cache (read xlsx, build, validate, compile)", stats["cold"].show("ms", 1e3, 1))
    row(
        "load with the cache warm (JSON, compile)",
        stats["warm"].show("ms", 1e3, 2),
        f"{stats['cold'].median / stats['warm'].median:.0f}x faster",
    )


# -- whole processes -----------------------------------------------------------------------


def command() -> list[str]:
    found = shutil.which("atc-dmn")
    return [found] if found else [sys.executable, "-m", "atc_dmn"]


def cold_start() -> None:
    section("Cold command-line start (whole process, wall time)")
    case = TMP / "case.json"
    case.write_text(json.dumps({"diagnosis_confirmed": True, "stage": "IVB", "resectable": True}))
    evaluate = [*command(), "evaluate", "--case", str(case), "--format", "json"]
    warm_env = dict(os.environ)
    off_env = {**os.environ, "ATC_DMN_NO_CACHE": "1"}

    def proc(args: list[str], env: dict[str, str]) -> Callable[[], None]:
        return lambda: subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

    proc(evaluate, warm_env)()  # fills the cache
    stats = interleaved(
        {
            "floor": proc([sys.executable, "-c", "import click"], warm_env),
            "warm": proc(evaluate, warm_env),
            "off": proc(evaluate, off_env),
        },
        repeats=11,
    )
    row('floor: python -c "import click"', stats["floor"].show("s", 1, 3))
    row(
        "atc-dmn evaluate --case FILE --format json (cache warm)",
        stats["warm"].show("s", 1, 3),
        f"{stats['warm'].median / stats['floor'].median:.1f}x the floor; "
        f"target < 0.4 s: {'met' if stats['warm'].median < 0.4 else 'NOT met'}",
    )
    row(
        "atc-dmn evaluate, cache off (ATC_DMN_NO_CACHE=1: reads the xlsx)",
        stats["off"].show("s", 1, 3),
        f"{stats['off'].median / stats['floor'].median:.1f}x the floor",
    )


PEAK_SCRIPT = """
import itertools
from atc_dmn import load_model
model = load_model()
domains = {domains}
keys = list(domains)
combos = [dict((k, v) for k, v in zip(keys, c) if v is not None) for c in itertools.product(*domains.values())]
for i in range(10_000):
    model.evaluate(combos[i % len(combos)])
print(peak())
"""

# Peak resident set of this process. Not ru_maxrss: Linux carries that over from the parent across fork and exec.
PEAK = """
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""


def peak_memory() -> None:
    section("Peak resident memory (VmHWM of the whole process: interpreter + model + 10,000 evaluations)")
    if not Path("/proc/self/status").exists():
        row("peak memory", "skipped", "needs Linux /proc")
        return
    domains = {k: tuple(None if v is MISSING else v for v in vs) for k, vs in MAIN_DOMAINS.items()}
    script = PEAK + PEAK_SCRIPT.format(domains=repr(domains))
    floor = PEAK + "import click\nprint(peak())"

    def rss(code: str, env: dict[str, str]) -> float:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return int(out.stdout.split()[-1]) / 1024  # VmHWM is in KiB

    env = dict(os.environ)
    rss(script, env)  # cache warm
    values = {"floor": [], "warm": [], "off": []}
    for _ in range(3):
        values["floor"].append(rss(floor, env))
        values["warm"].append(rss(script, env))
        values["off"].append(rss(script, {**env, "ATC_DMN_NO_CACHE": "1"}))
    warm = Stat(values["warm"])
    row('floor: python -c "import click"', Stat(values["floor"]).show("MB", 1, 1))
    row(
        "load + 10,000 evaluations, cache warm",
        warm.show("MB", 1, 1),
        f"target < 60 MB: {'met' if warm.median < 60 else 'NOT met'}",
    )
    row("load + 10,000 evaluations, cache off (openpyxl loaded)", Stat(values["off"]).show("MB", 1, 1))


# -- generated tables ----------------------------------------------------------------------


def scaling() -> None:
    section("Generated tables (gen_tables.py): one table of N rules; every case matches one rule")
    sizes = (10, 100, 1000, 10_000)
    per_rule: dict[tuple[str, str], dict[int, float]] = {}
    folder = TMP / "tables"
    folder.mkdir()
    for numeric in (False, True):
        kind = "enum+bool+range" if numeric else "enum+bool"
        for rules in sizes:
            # Loading does not depend on the hit policy: it is measured on the U table.
            paths = {hp: write_workbook(folder / f"{hp}{rules}{numeric}.xlsx", rules, hp, numeric) for hp in "UFC"}
            repeats = 3 if rules >= 10_000 else 5
            unique = paths["U"]
            cold = Stat([_timed(lambda p=unique: load_model(p, use_cache=False)) for _ in range(repeats)])
            load_model(unique)  # fills the cache
            warm = Stat([_timed(lambda p=unique: load_model(p)) for _ in range(repeats)])
            row(
                f"{kind}, {rules} rules: load",
                f"{cold.show('ms', 1e3, 1)}; cache warm {warm.show('ms', 1e3, 1)}",
                f"model holds {_model_memory(paths['U']):.1f} MB (tracemalloc)",
            )
            cases = random_cases(2000, rules, numeric, seed=rules)
            few = cases[: max(40, min(2000, 100_000 // rules))]
            for hp in "FUC":
                model = load_model(paths[hp])
                plain = DecisionModel(model.model, indexed=False)
                timed = per_case(lambda m=model, cs=cases: _sweep(m, cs), len(cases), 7)
                scan = per_case(lambda m=plain, cs=few: _sweep(m, cs), len(few), 3)
                per_rule.setdefault((kind, hp), {})[rules] = timed.median
                row(
                    f"{kind}, {rules} rules, {hp}: per case",
                    timed.show("us", 1e6, 1),
                    f"plain scan {scan.median * 1e6:.0f} us ({scan.median / timed.median:.1f}x slower)",
                )
    section("Per-case time at 10,000 rules / at 10 rules (target <= 10x where the columns are enumerations)")
    for (kind, hp), times in per_rule.items():
        ratio = times[10_000] / times[10]
        note = f"target <= 10x: {'met' if ratio <= 10 else 'NOT met'}" if kind == "enum+bool" else "no target (ranges)"
        row(f"{kind}, {hp}", f"{ratio:.2f}x", note)


def _sweep(model: DecisionModel, cases: list[dict[str, Any]]) -> None:
    for case in cases:
        model.evaluate(case)


def _timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _model_memory(path: Path) -> float:
    """MB held by a loaded model (tracemalloc), loaded from the warm cache."""
    gc.collect()
    tracemalloc.start()
    model = load_model(path)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del model
    return held / 1e6


def write_results(out: str, info: dict[str, str], seconds: float) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `python benchmarks/run.py` on {info['date']}, in {seconds:.0f} s.",
        "",
        f"- Machine: {info['nproc']} CPUs (`nproc`), {info['cpu']}",
        f"- Python: {info['python']} on {info['platform']}",
        f"- Versions: {info['versions']}",
        f"- Load average (1, 5, 15 min) at the start: {info['load']}; at the end: {_load()}",
        "",
        "Each figure: median [min-max] (n = runs). Comparisons ran in the same process, interleaved.",
        "",
        "| Figure | Value | Note |",
        "|---|---|---|",
    ]
    lines += [f"| {figure} | {value} | {note} |" for figure, value, note in ROWS]
    text = "\n".join(lines) + "\n"
    if out == "-":
        return
    # The sections other scripts write (## headings: the service's, say) stay as they are.
    old = Path(out).read_text(encoding="utf-8") if Path(out).exists() else ""
    kept = old[old.index("\n## ") :] if "\n## " in old else ""
    Path(out).write_text(text + kept, encoding="utf-8")
    print(f"\nwrote {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="Markdown file to write ('-': none)")
    args = parser.parse_args()
    started = time.perf_counter()
    info = machine()
    print(f"{info['date']} | {info['nproc']} CPUs | {info['cpu']} | {info['python']} | {info['versions']}")
    try:
        model = load_model()
        cases = main_cases()
        shipped_per_case(model, cases)
        shipped_throughput(model, cases)
        load_times()
        cold_start()
        peak_memory()
        scaling()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(f"\ntotal {elapsed:.0f} s")
    write_results(args.out, info, elapsed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
