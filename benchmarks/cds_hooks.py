"""Measure the CDS Hooks service: ``POST /cds-services/{id}`` with a patient's prefetch, 32 concurrent clients.

    python benchmarks/cds_hooks.py                  # about two minutes
    python benchmarks/cds_hooks.py --quick          # one run of 3 s per configuration
    python benchmarks/cds_hooks.py --results benchmarks/RESULTS.md   # also record the figures there

``atc-dmn serve`` on loopback (1 and 2 workers, no JWT: loopback with no
``--cds-issuers``) answers a ``patient-view`` call whose prefetch is a patient
file of tests/data/cds (the Patient and searchset Bundles of Conditions and
Observations, as an EHR sends them). 32 keep-alive clients send it for a fixed
time, three runs after a warm-up, alternating with ``POST /evaluate`` of the same
case as JSON on the same server: the difference is what reading the FHIR record
and building the card cost. Then one client alone sends it in sequence, for the
latency an EHR sees when the service is not loaded; CDS Hooks asks for an answer
on the order of 500 ms.

The load comes from ``wrk`` (with benchmarks/service.py's Lua POST script) when
installed (Debian: ``apt-get install wrk``), otherwise from service.py's asyncio
client; the server, the load tool and this script share the machine's cores, so
each figure is a lower bound of what the server alone could do. A JWT check
(ES384, per call) is not in these figures: wrk sends one body, and a token's
``jti`` may be used once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]
import results_file  # noqa: E402
import service as bench  # noqa: E402  (benchmarks/service.py: its servers, load tools and machine facts)

ROOT = bench.ROOT
PATIENTS = ROOT / "tests" / "data" / "cds"
DEFAULT_PATIENT = "patient-07-ret-fusion-braf-absent.json"  # IVB, a fusion and a BRAF result that loses: 7 resources
SERVICE_ID = "atc-treatment"
SECTION = "## CDS Hooks: `POST /cds-services/{id}` with a patient's prefetch"


def bodies(patient_file: Path) -> dict[str, Path]:
    """The CDS Hooks call for the patient, and the same case as ``POST /evaluate`` takes it."""
    patient = json.loads(patient_file.read_text(encoding="utf-8"))
    call = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": patient["context"],
        "prefetch": patient["prefetch"],
    }
    paths = {"cds": bench.TMP / "cds-call.json", "evaluate": bench.TMP / "case.json"}
    paths["cds"].write_text(json.dumps(call), encoding="utf-8")
    paths["evaluate"].write_text(json.dumps(patient["_expected"]["case"]), encoding="utf-8")
    return paths


def routes() -> dict[str, str]:
    return {"cds": f"/cds-services/{SERVICE_ID}", "evaluate": "/evaluate"}


def check_answers(url: str, files: dict[str, Path], expected: dict[str, Any]) -> int:
    """Each body gets a 200 with the spec's pathway before any load, so an error cannot pass for speed."""
    size = 0
    for label, path in routes().items():
        status, answer = bench.post(url + path, files[label].read_bytes())
        if status != 200:
            raise SystemExit(f"{label} answered {status}: {answer[:500]!r}")
        data = json.loads(answer)
        if label == "cds":
            size = len(answer)
            detail = data["cards"][0].get("detail", "")
            if len(data["cards"]) != 1 or expected["sources"]["targetable_alteration"] not in detail:
                raise SystemExit(f"the card does not name the resources it read: {data['cards']}")
        elif data["decision"]["pathway"] != expected["decision"]["pathway"]:
            raise SystemExit(f"/evaluate answered {data['decision']['pathway']}")
    return size


def loopback(
    files: dict[str, Path],
    expected: dict[str, Any],
    seconds: float,
    warmup: float,
    tool: str,
    threads: int,
    repeats: int,
) -> tuple[list[dict[str, Any]], int]:
    measure = bench.wrk_load if tool == "wrk" else bench.asyncio_load
    rows: list[dict[str, Any]] = []
    card_bytes = 0
    for workers in (1, 2):
        with bench.Server("service", workers) as server:
            card_bytes = check_answers(server.url, files, expected)
            for label, path in routes().items():
                measure(server.url + path, files[label], warmup, threads)
            runs: dict[str, list[bench.Load]] = {label: [] for label in routes()}
            for _ in range(repeats):
                for label, path in routes().items():
                    load = measure(server.url + path, files[label], seconds, threads)
                    if load.errors:
                        raise SystemExit(f"{label}, {workers} worker(s): {load.failures} (failed requests)")
                    runs[label].append(load)
                    print(
                        f"  {label:8} {workers} worker{'s' if workers > 1 else ' '}: {load.rps:8.0f} req/s  "
                        f"p50 {load.p50_ms:7.2f} ms  p99 {load.p99_ms:7.2f} ms  max {load.max_ms:6.0f} ms  "
                        f"({load.requests} requests)",
                        flush=True,
                    )
            rows += [{"route": k, "workers": workers, "runs": v} for k, v in runs.items()]
            logged = server.errors_logged()
            if logged:
                raise SystemExit(f"the service logged {logged} errors: see {server.log}")
    return rows, card_bytes


def sequential(files: dict[str, Path], count: int) -> dict[str, float]:
    """One client, one call after another (keep-alive), one worker: the latency of an unloaded service."""
    import http.client

    with bench.Server("service", 1) as server:
        host, port, path = bench._split(server.url + routes()["cds"])
        body = files["cds"].read_bytes()
        connection = http.client.HTTPConnection(host, port, timeout=10)
        times = []
        for number in range(count + 50):
            start = time.perf_counter()
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"sequential call answered {answer.status}")
            if number >= 50:  # the first calls warm the worker
                times.append(time.perf_counter() - start)
        connection.close()
    times.sort()
    return {
        "p50_ms": bench._pct(times, 50) * 1e3,
        "p99_ms": bench._pct(times, 99) * 1e3,
        "max_ms": times[-1] * 1e3,
        "n": len(times),
    }


def table(rows: list[dict[str, Any]]) -> list[str]:
    def med(runs: list[bench.Load], what: str) -> float:
        return statistics.median(getattr(r, what) for r in runs)

    evaluate = {r["workers"]: r["runs"] for r in rows if r["route"] == "evaluate"}
    lines = [
        "| Configuration | req/s | p50 ms | p99 ms | max ms | beside `POST /evaluate` of the same case |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        runs = r["runs"]
        rps = med(runs, "rps")
        spread = f" [{min(x.rps for x in runs):,.0f}-{max(x.rps for x in runs):,.0f}] (n={len(runs)})"
        name = f"{r['route']}, {r['workers']} worker{'s' if r['workers'] > 1 else ''}"
        note = ""
        if r["route"] == "cds":
            base = med(evaluate[r["workers"]], "rps")
            note = f"{base / rps:.1f}x its time per request; +{(1 / rps - 1 / base) * 1e6:.0f} us per call"
            name = f"**{name}**"
        lines.append(
            f"| {name} | {rps:,.0f}{spread} | {med(runs, 'p50_ms'):.2f} | {med(runs, 'p99_ms'):.2f} | "
            f"{max(x.max_ms for x in runs):,.0f} | {note} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_load_options(parser)
    parser.add_argument(
        "--patient", default=DEFAULT_PATIENT, help=f"a file of tests/data/cds (default {DEFAULT_PATIENT})"
    )
    args = parser.parse_args()
    plan = bench.load_plan(args)
    seconds, repeats = plan.seconds, plan.repeats
    patient_file = PATIENTS / args.patient
    patient = json.loads(patient_file.read_text(encoding="utf-8"))
    expected = patient["_expected"]
    observations = len(patient["prefetch"]["observations"]["entry"])
    bench.wait_idle(args.wait_idle)
    info = bench.machine(plan.tool, plan.threads)
    print(f"{info['date']} | {info['nproc']} CPUs | {info['cpu']} | {info['python']}\n{info['versions']}")
    print(f"load measured by: {info['tool']}; patient: {patient_file.name}\n")
    try:
        files = bodies(patient_file)
        call_bytes = files["cds"].stat().st_size
        rows, card_bytes = loopback(files, expected, seconds, plan.warmup, plan.tool, plan.threads, repeats)
        alone = sequential(files, 300 if args.quick else 2000)
    finally:
        shutil.rmtree(bench.TMP, ignore_errors=True)
    lines = table(rows)
    info["load_end"] = bench._loadavg()
    print("\n" + "\n".join(lines))
    print(
        f"\none client alone, 1 worker: p50 {alone['p50_ms']:.2f} ms, p99 {alone['p99_ms']:.2f} ms, "
        f"max {alone['max_ms']:.1f} ms ({alone['n']} calls)"
    )
    print(f"load average at the start: {info['load']}; at the end: {info['load_end']}")
    if args.results:
        text = [
            SECTION,
            "",
            f"Measured by `python benchmarks/cds_hooks.py` on {info['date']}: {repeats} run{'s' * (repeats > 1)} "
            f"of {seconds:g} s per configuration after a warm-up, 32 concurrent keep-alive clients on loopback, "
            "the CDS Hooks call and `POST /evaluate` of the same case alternating on one server. Each figure: the "
            "median over the runs (req/s with [min-max]; max ms: the slowest answer of all runs).",
            "",
            *bench.machine_lines(info),
            f"- Call: `patient-view` with the prefetch of tests/data/cds/{patient_file.name} "
            f"({call_bytes:,} bytes: a Patient and searchset Bundles of "
            f"{observations} Observations); "
            f"the card's answer {card_bytes:,} bytes. Service: `atc-dmn serve --model decisions/atc_treatment.xlsx "
            "--workers N` on loopback (no JWT, no audit log).",
            "",
            *lines,
            "",
            f"One client alone, one worker, calls in sequence: p50 {alone['p50_ms']:.2f} ms, "
            f"p99 {alone['p99_ms']:.2f} ms, max {alone['max_ms']:.1f} ms ({alone['n']:,} calls); CDS Hooks asks "
            "for an answer on the order of 500 ms.",
            "",
        ]
        results_file.write_section(args.results, SECTION, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
