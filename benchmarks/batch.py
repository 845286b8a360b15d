"""``atc-dmn batch`` end to end over cohorts of 10k to 1M rows, beside the I/O floor; Spark local[2]; memory at 1 GB.

The input is the 9,072 combinations of the main inputs (tests/input_space.py) repeated to N rows,
with an id column, as CSV. Every figure is a whole process timed from outside, start-up included:

- floor: a Python process that reads the same CSV with the csv module and writes as many rows of
  the batch's output width (the row's cells and 12 constant cells), with no evaluation;
- batch with --jobs 1 and --jobs 2 (CSV in, CSV out);
- batch --engine spark on local[2] (CSV in, Parquet out; the JVM's start is reported apart);
- the peak memory (max RSS) of batch over a 1 GB input (1M rows with a 1,000-character kept column).

    python benchmarks/batch.py                # 10k, 100k, 1M rows; Spark; 1 GB memory
    python benchmarks/batch.py --quick        # 10k and 100k only, no Spark, no 1 GB file
    python benchmarks/batch.py --results      # also replace the section in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from input_space import INPUT_NAMES, main_cases  # noqa: E402
from machine import cpu_model  # noqa: E402
from results_file import write_section  # noqa: E402

INPUTS = list(INPUT_NAMES)
HEADING = "## Batch: `atc-dmn batch` over cohorts, beside the I/O floor"
FLOOR = """
import csv, sys
extra = ["IVB", "multimodal_therapy", "total_thyroidectomy_with_neck_dissection", "adjuvant_ebrt", "chemotherapy",
         "not_required", "assess_airway;multidisciplinary_team;urgent_treatment_planning;prognostic_counseling",
         "1.1.0", "5bb81dfdf614b51e6d16710f11f79e26c19749eb51e215e6ffad25c0975919c6", "", "", ""]
with open(sys.argv[1], newline="", encoding="utf-8") as src, open(sys.argv[2], "w", newline="") as out:
    writer = csv.writer(out, lineterminator="\\r\\n")
    for row in csv.reader(src):
        writer.writerow(row + extra)
"""


def atc_command() -> str:
    beside = Path(sys.executable).with_name("atc-dmn")
    found = str(beside) if beside.is_file() else shutil.which("atc-dmn")
    if not found:
        raise SystemExit("atc-dmn is not installed: pip install -e '.[test]'")
    return found


def write_cohort(path: Path, rows: int, note: int = 0) -> Path:
    cases = main_cases()
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", *(["note"] if note else []), *INPUTS])
        pad = ["n" * note] if note else []
        for i, case in zip(range(rows), itertools.cycle(cases)):
            cells = [
                "" if case.get(k) is None else str(case[k]).lower() if isinstance(case[k], bool) else case[k]
                for k in INPUTS
            ]
            writer.writerow([f"P{i:07d}", *pad, *cells])
    return path


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """The child's wall time and maximum resident set size, read by a wrapper process that runs only it."""
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); subprocess.run(sys.argv[1:], capture_output=True, check=False)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True).stdout
    seconds, kb = out.split()
    return float(seconds), int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows only; no Spark, no 1 GB input")
    parser.add_argument("--results", action="store_true", help="replace this section of benchmarks/RESULTS.md")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure below 1M rows (1M: one)")
    options = parser.parse_args()
    atc = atc_command()
    sizes = [10_000, 100_000] if options.quick else [10_000, 100_000, 1_000_000]
    load = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="atc-batch-bench-"))
    table: list[tuple[int, float, float, float]] = []
    try:
        for n in sizes:
            source = write_cohort(work / f"cohort-{n}.csv", n)
            out = work / "out.csv"
            runs = options.runs if n < 1_000_000 else 1
            floor = statistics.median(timed([sys.executable, "-c", FLOOR, str(source), str(out)]) for _ in range(runs))
            one = statistics.median(
                timed([atc, "batch", str(source), "-o", str(out), "--no-progress"]) for _ in range(runs)
            )
            two = statistics.median(
                timed([atc, "batch", str(source), "-o", str(out), "--no-progress", "--jobs", "2"]) for _ in range(runs)
            )
            table.append((n, floor, one, two))
            print(
                f"{n:>9,} rows: floor {n / floor:,.0f} rows/s, jobs 1 {n / one:,.0f}, jobs 2 {n / two:,.0f}", flush=True
            )
        spark_line = memory_line = None
        if not options.quick:
            source = work / "cohort-1000000.csv"
            tiny = write_cohort(work / "tiny.csv", 10)
            start_up = timed([atc, "batch", "--engine", "spark", str(tiny), str(work / "tiny.parquet")])
            os.environ.setdefault("ATC_DMN_SPARK_MASTER", "local[2]")
            spark = timed([atc, "batch", "--engine", "spark", str(source), str(work / "spark.parquet")])
            spark_line = (spark, start_up)
            print(
                f"spark local[2], 1M rows: {spark:.1f} s ({1_000_000 / spark:,.0f} rows/s); 10 rows: {start_up:.1f} s"
            )
            for f in work.glob("cohort-*.csv"):
                f.unlink()
            big = write_cohort(work / "big.csv", 1_000_000, note=1_000)
            size = big.stat().st_size
            seconds, peak = peak_rss_mb(
                [atc, "batch", str(big), "-o", "/dev/null", "--keep-columns", "note", "--format", "csv"]
            )
            memory_line = (size, seconds, peak)
            print(f"1 GB input ({size / 1e9:.2f} GB): {seconds:.1f} s, peak RSS {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.results:
        write_section(HERE / "RESULTS.md", HEADING, report(table, spark_line, memory_line, load))


def report(table, spark_line, memory_line, load) -> list[str]:
    import atc_dmn

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        f"Measured by `python benchmarks/batch.py` on {now}: each figure one whole process timed from outside, "
        "start-up included (the median of 3 runs below 1M rows; one run at 1M). Input: the 9,072 combinations of the "
        "main inputs repeated to N rows, with an id column, CSV in and CSV out.",
        "",
        f"- Machine: {os.cpu_count()} CPUs (`nproc`), {cpu_model()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}; atc-dmn {atc_dmn.__version__}",
        f"- Load average (1, 5, 15 min) at the start: {' '.join(f'{x:.2f}' for x in load)}",
        "- Floor: the same CSV read with the csv module and as many rows of the output's width written, no evaluation.",
        "",
        "| Rows | floor rows/s | `--jobs 1` rows/s | `--jobs 2` rows/s | jobs 1 / floor time | jobs 2 / jobs 1 speed |",
        "|---|---|---|---|---|---|",
    ]
    for n, floor, one, two in table:
        lines.append(
            f"| {n:,} | {n / floor:,.0f} | {n / one:,.0f} | {n / two:,.0f} | {one / floor:.1f}x | {one / two:.2f}x |"
        )
    if len(table) > 1:
        first, last = table[0], table[-1]
        lines += [
            "",
            f"From {first[0]:,} to {last[0]:,} rows ({last[0] // first[0]}x), `--jobs 1` took "
            f"{last[2] / first[2]:.0f}x the time and `--jobs 2` {last[3] / first[3]:.0f}x: the time grows with the "
            "rows, with a fixed start-up (the model from the cache, the process, the workers).",
        ]
    if spark_line:
        spark, start = spark_line
        lines += [
            "",
            f"Spark `local[2]` (`atc-dmn batch --engine spark`, CSV in, Parquet out), 1,000,000 rows: {spark:.1f} s, "
            f"{1_000_000 / spark:,.0f} rows/s end to end; the same command over 10 rows takes {start:.1f} s "
            "(the JVM, the session and the first tasks), so the rows themselves run at "
            f"{1_000_000 / max(spark - start, 1e-9):,.0f} rows/s.",
        ]
    if memory_line:
        size, seconds, peak = memory_line
        lines += [
            "",
            f"Memory: `atc-dmn batch` over a {size / 1e9:.2f} GB CSV (1,000,000 rows, each with a 1,000-character kept "
            f"column; CSV out to /dev/null): peak resident memory {peak:.0f} MB, {seconds:.0f} s.",
        ]
    return lines


if __name__ == "__main__":
    main()
