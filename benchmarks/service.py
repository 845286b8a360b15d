"""Measure ``atc-dmn serve`` over loopback against the framework's floor, and where a request's time goes.

    python benchmarks/service.py                  # about five minutes
    python benchmarks/service.py --quick          # one run of 3 s per configuration
    python benchmarks/service.py --results benchmarks/RESULTS.md   # also record the figures there

For 1 and 2 workers (the service and its floor up together, their runs
alternating, three of 10 s each after a warm-up), 32 concurrent keep-alive
clients send:

- ``POST /evaluate`` with one case (examples/case.json), and with
  ``{"cases": [...]}`` of 100 cases spread over the input space;
- the same bodies to ``POST /floor`` of benchmarks/service_floor.py: the
  same service (FastAPI, the Gate middleware, its logging, uvicorn with the
  same options) answering a constant after reading the body.

The floor's time per request divided into the service's is the service's own
cost as a ratio. The load comes from ``wrk`` when it is installed (Debian:
``apt-get install wrk``), otherwise from an asyncio client on raw sockets
(``--tool asyncio``). Client and server share this machine's cores, so every
figure is a lower bound of what the server alone could do.

Then one worker's per-request time is split in-process (no network): the
whole request with the ASGI app called as uvicorn calls it (and through
httpx's ASGI transport), for the service and the floor, and each step of the
service's route timed on its own (parse the body, evaluate,
``Result.to_dict()`` and its parts, JSON encoding); ``--profile`` adds
cProfile's top functions over the same requests through httpx.

Servers run with no token and no audit log (the command's defaults) and a
temporary model cache.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]
import results_file  # noqa: E402
from machine import cpu_model  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="atc-dmn-service-bench-"))
os.environ["ATC_DMN_CACHE_DIR"] = str(TMP / "cache")
for _name in ("ATC_DMN_NO_CACHE", "ATC_DMN_TOKEN", "ATC_DMN_AUDIT_LOG"):
    os.environ.pop(_name, None)

from input_space import main_cases  # noqa: E402

from atc_dmn import __version__, shipped_model_path  # noqa: E402

CONNECTIONS = 32
TIMEOUT = 30  # s: wrk counts a slower answer as failed
BATCH = 100
SECTION = "## HTTP service: `atc-dmn serve` against the framework's floor"
WRK_SCRIPT = """\
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, '
    .. '"timeout": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class Load:
    """What one run of the load tool measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    failures: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# --- servers ---------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed_command() -> str:
    beside = Path(sys.executable).parent / "atc-dmn"
    found = str(beside) if beside.exists() else shutil.which("atc-dmn")
    if not found:
        raise SystemExit("the atc-dmn command is not installed: pip install -e '.[serve]'")
    return found


class Server:
    """A server process on a free loopback port: ``atc-dmn serve`` or the floor, started ready, stopped on exit."""

    def __init__(self, kind: str, workers: int) -> None:
        self.kind = kind
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.path = "/evaluate" if kind == "service" else "/floor"
        self.log = TMP / f"{kind}-{workers}.log"
        model = str(shipped_model_path())
        common = ["--model", model, "--port", str(self.port), "--workers", str(workers)]
        if kind == "service":
            self.argv = [installed_command(), "serve", *common]
        else:
            self.argv = [sys.executable, str(HERE / "service_floor.py"), *common]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 90
        ready_in_a_row = 0
        while ready_in_a_row < 10 * self.workers:  # several answers in a row: every worker has loaded
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"{self.kind} did not start:\n{self.log.read_text()[-2000:]}")
            ready_in_a_row = ready_in_a_row + 1 if _ready(self.url) else 0
            if not ready_in_a_row:
                time.sleep(0.1)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def errors_logged(self) -> int:
        return sum('"level": "error"' in line for line in self.log.read_text(errors="replace").splitlines())


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/ready", timeout=2) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False


def post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --- load tools ------------------------------------------------------------------------------------------------


def wrk_load(url: str, body: Path, seconds: float, threads: int) -> Load:
    script = TMP / "post.lua"
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", f"{TIMEOUT}s"]
    argv += ["--latency", "-s", str(script), url]
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "BENCH_BODY": str(body)})
    found = re.search(r"^BENCH (\{.*\})$", done.stdout, re.M)
    if done.returncode or not found:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(found.group(1))
    kinds = ("connect", "read", "write", "status", "timeout")
    errors = sum(data[k] for k in kinds)
    failures = ", ".join(f"{data[k]} {k}" for k in kinds if data[k])
    ms = {k: data[f"{k}_us"] / 1e3 for k in ("p50", "p99", "max")}
    return Load(data["requests"], data["duration_us"] / 1e6, errors, ms["p50"], ms["p99"], ms["max"], failures)


def asyncio_load(url: str, body: Path, seconds: float, threads: int) -> Load:
    """32 keep-alive connections on raw sockets, each sending the next request when the last answer is in."""
    host, port, path = _split(url)
    payload = body.read_bytes()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    latencies: list[float] = []
    errors = [0]

    async def client(stop_at: float) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if length is None:
                    raise SystemExit("the server answered without a Content-Length")
                await reader.readexactly(int(length.group(1)))
                latencies.append(time.perf_counter() - start)
                if int(head[9:12]) >= 400:
                    errors[0] += 1
        finally:
            writer.close()

    async def run() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(client(start + seconds) for _ in range(CONNECTIONS)))
        return time.perf_counter() - start

    try:
        import uvloop

        elapsed = uvloop.run(run())
    except ImportError:
        elapsed = asyncio.run(run())
    latencies.sort()
    ms = [_pct(latencies, 50) * 1e3, _pct(latencies, 99) * 1e3, (latencies or [float("nan")])[-1] * 1e3]
    return Load(len(latencies), elapsed, errors[0], *ms, failures=f"{errors[0]} status" if errors[0] else "")


def _split(url: str) -> tuple[str, int, str]:
    found = re.fullmatch(r"http://([^:/]+):(\d+)(/.*)", url)
    assert found, url
    return found.group(1), int(found.group(2)), found.group(3)


def _pct(ordered: list[float], pct: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] if ordered else float("nan")


# --- the loopback runs -----------------------------------------------------------------------------------------


def bodies() -> dict[str, Path]:
    """The one case and the batch, as files the load tools send."""
    one = (ROOT / "examples" / "case.json").read_bytes()
    everything = main_cases()
    spread = everything[:: len(everything) // BATCH][:BATCH]
    batch = json.dumps({"cases": spread}).encode()
    paths = {"one case": TMP / "one.json", f"{BATCH} cases": TMP / "batch.json"}
    paths["one case"].write_bytes(one)
    paths[f"{BATCH} cases"].write_bytes(batch)
    return paths


def check_answers(server: Server, files: dict[str, Path]) -> None:
    """Each body gets a 200 with the expected shape before any load, so errors cannot pass for speed."""
    for label, path in files.items():
        status, answer = post(server.url + server.path, path.read_bytes())
        if status != 200:
            raise SystemExit(f"{server.kind} answered {status} to {label}: {answer[:500]!r}")
        data = json.loads(answer)
        if server.kind == "service":
            results = data.get("results", [data])
            failed = [r for r in results if "error" in r]
            if failed:
                raise SystemExit(f"{len(failed)} of {len(results)} cases were refused: {failed[0]['error']}")


def loopback(seconds: float, warmup: float, tool: str, threads: int, repeats: int) -> list[dict[str, Any]]:
    """Both servers up at once per worker count; each body's runs alternate floor, service, floor, ..."""
    measure = wrk_load if tool == "wrk" else asyncio_load
    files = bodies()
    rows: list[dict[str, Any]] = []
    for workers in (1, 2):
        with Server("floor", workers) as floor, Server("service", workers) as service:
            for server in (floor, service):
                check_answers(server, files)
            for label, path in files.items():
                runs: dict[str, list[Load]] = {"floor": [], "service": []}
                for server in (floor, service):
                    measure(server.url + server.path, path, warmup, threads)
                for _ in range(repeats):
                    for server in (floor, service):
                        load = measure(server.url + server.path, path, seconds, threads)
                        if load.errors:
                            raise SystemExit(
                                f"{server.kind}, {workers} worker(s), {label}: {load.failures} (failed requests)"
                            )
                        runs[server.kind].append(load)
                        print(
                            f"  {server.kind:7} {workers} worker{'s' if workers > 1 else ' '} {label:9}: "
                            f"{load.rps:8.0f} req/s  p50 {load.p50_ms:7.2f} ms  p99 {load.p99_ms:7.2f} ms  "
                            f"max {load.max_ms:6.0f} ms  "
                            f"({load.requests} requests)",
                            flush=True,
                        )
                rows += [{"kind": k, "workers": workers, "body": label, "runs": v} for k, v in runs.items()]
        for server in (floor, service):
            logged = server.errors_logged()
            if logged:
                raise SystemExit(f"{server.kind} logged {logged} errors: see {server.log}")
    return rows


def table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown rows: the service beside its floor, per worker count and body (medians over the runs)."""

    def med(runs: list[Load], what: str) -> float:
        return statistics.median(getattr(r, what) for r in runs)

    floor = {(r["workers"], r["body"]): r["runs"] for r in rows if r["kind"] == "floor"}
    lines = [
        "| Configuration | req/s | cases/s | p50 ms | p99 ms | max ms | service / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        runs: list[Load] = r["runs"]
        rps = med(runs, "rps")
        spread = f" [{min(x.rps for x in runs):,.0f}-{max(x.rps for x in runs):,.0f}] (n={len(runs)})"
        cases = BATCH if r["body"].startswith(str(BATCH)) else 1
        name = f"{r['kind']}, {r['workers']} worker{'s' if r['workers'] > 1 else ''}, {r['body']}"
        ratio = ""
        if r["kind"] == "service":
            base = floor[(r["workers"], r["body"])]
            base_rps = med(base, "rps")
            extra_us = (1 / rps - 1 / base_rps) * 1e6 / cases
            p50 = med(runs, "p50_ms") / med(base, "p50_ms")
            ratio = (
                f"{base_rps / rps:.1f}x the floor's time per request (p50 {p50:.1f}x)"
                f"; +{extra_us:.0f} us per {'case' if cases > 1 else 'request'}"
            )
            name = f"**{name}**"
        lines.append(
            f"| {name} | {rps:,.0f}{spread} | {rps * cases:,.0f} | {med(runs, 'p50_ms'):.2f} | "
            f"{med(runs, 'p99_ms'):.2f} | {max(x.max_ms for x in runs):,.0f} | {ratio} |"
        )
    return lines


# --- in-process: where one request's time goes ----------------------------------------------------------------


def best_us(fn: Callable[[], Any], n: int, repeats: int = 5) -> float:
    """The best of ``repeats`` runs of ``n`` calls, in us per call (the best run is the least disturbed)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def in_process(requests: int) -> tuple[list[str], str]:
    """Per-request time split into the route's steps, and cProfile's top functions, for one worker."""
    import logging

    import httpx
    from service_floor import fastapi_of, with_floor

    from atc_dmn.feel_types import json_value
    from atc_dmn.service import ServeConfig, create_app
    from atc_dmn.service.app import dumps, parse_body
    from atc_dmn.service.gate import configure_logging

    configure_logging()
    with open(os.devnull, "w") as null:
        for handler in logging.getLogger("atc_dmn.service").handlers:
            handler.setStream(null)  # type: ignore[attr-defined]
        gated = with_floor(create_app(ServeConfig(models=(str(shipped_model_path()),), reload=False)))
        registry = fastapi_of(gated).state.registry
        registry.load_all()
        model = registry.default.current.model
        body = (ROOT / "examples" / "case.json").read_bytes()
        case = json.loads(body)

        async def many(path: str, n: int) -> None:
            transport = httpx.ASGITransport(app=gated)
            headers = {"Content-Type": "application/json"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                for _ in range(n):
                    answer = await client.post(path, content=body, headers=headers)
                    if answer.status_code != 200:
                        raise SystemExit(f"in-process {path}: {answer.status_code} {answer.text[:300]}")

        async def direct(path: str, n: int) -> None:
            """The ASGI app called as uvicorn calls it, without a client (nor uvicorn's HTTP parsing)."""
            headers = [(b"host", b"bench"), (b"content-type", b"application/json")]
            headers.append((b"content-length", str(len(body)).encode()))
            for _ in range(n):
                scope = {
                    "type": "http",
                    "asgi": {"version": "3.0"},
                    "http_version": "1.1",
                    "method": "POST",
                    "scheme": "http",
                    "path": path,
                    "raw_path": path.encode(),
                    "query_string": b"",
                    "root_path": "",
                    "headers": headers,
                    "client": ("127.0.0.1", 40000),
                    "server": ("127.0.0.1", 80),
                    "state": {},
                }
                messages = [{"type": "http.request", "body": body, "more_body": False}]
                statuses: list[int] = []

                async def receive(messages: list[dict[str, Any]] = messages) -> dict[str, Any]:
                    return messages.pop() if messages else {"type": "http.disconnect"}

                async def send(message: dict[str, Any], statuses: list[int] = statuses) -> None:
                    if message["type"] == "http.response.start":
                        statuses.append(message["status"])

                await gated(scope, receive, send)
                if statuses != [200]:
                    raise SystemExit(f"in-process {path}: {statuses}")

        def per_request(run: Callable[[str, int], Any], path: str) -> float:
            asyncio.run(run(path, 200))  # warm
            times = []
            for _ in range(3):
                start = time.perf_counter()
                asyncio.run(run(path, requests))
                times.append((time.perf_counter() - start) / requests * 1e6)
            return min(times)

        service_us = per_request(direct, "/evaluate")
        floor_us = per_request(direct, "/floor")
        client_service_us = per_request(many, "/evaluate")
        client_floor_us = per_request(many, "/floor")
        result = model.evaluate(case)
        as_dict = result.to_dict()
        evaluate_us = best_us(lambda: model.evaluate(case), 2000)

        def built(names: tuple[str, ...]) -> float:
            def run() -> None:
                result = model.evaluate(case)
                for name in names:
                    getattr(result, name)

            return best_us(run, 2000)

        steps = {
            "parse the body (parse_body: atc-dmn's JSON reader)": best_us(lambda: parse_body(body), 2000),
            "evaluate (DecisionModel.evaluate -> Result)": evaluate_us,
            "Result.to_dict() (wording, trace, references built)": best_us(lambda: model.evaluate(case).to_dict(), 2000)
            - evaluate_us,
            f"encode the answer (app.dumps, {len(dumps(as_dict)):,} bytes of JSON)": best_us(
                lambda: dumps(as_dict), 2000
            ),
        }
        order = ("text", "trace", "references", "reference_list")  # each built on top of the ones before
        cumulative = [evaluate_us] + [built(order[: i + 1]) for i in range(len(order))]
        parts = {f"to_dict's part: Result.{name}": cumulative[i + 1] - cumulative[i] for i, name in enumerate(order)}
        to_dict_us = steps["Result.to_dict() (wording, trace, references built)"]
        parts["to_dict's part: the dicts and lists of the answer"] = to_dict_us - (cumulative[-1] - evaluate_us)
        size = len(dumps(as_dict))
        alternatives = {
            "the standard library's json.dumps(ensure_ascii=False).encode()": best_us(
                lambda: json.dumps(as_dict, ensure_ascii=False, default=json_value).encode(), 2000
            ),
        }
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(many("/evaluate", requests))
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    route = sum(steps.values())
    lines = [
        "| Step (one worker, in-process: the ASGI app called directly, one case) | us per request | share |",
        "|---|---|---|",
        f"| whole request, service (POST /evaluate) | {service_us:.0f} | 100% |",
        f"| whole request, floor (POST /floor): FastAPI/Starlette, the Gate, the access log line | {floor_us:.0f} "
        f"| {floor_us / service_us:.0%} |",
    ]
    lines += [f"| {name} | {us:.0f} | {us / service_us:.0%} |" for name, us in steps.items()]
    other = service_us - floor_us - route
    lines.append(
        f"| the rest (finding the model, the response's headers, {size:,} bytes through Starlette) | {other:.0f} "
        f"| {other / service_us:.0%} |"
    )
    lines += [f"| {name} | {us:.0f} | {us / service_us:.0%} |" for name, us in parts.items()]
    lines += [
        f"| for comparison, the same answer encoded by {name} | {us:.0f} | |" for name, us in alternatives.items()
    ]
    lines.append(
        f"| the same through httpx's ASGI transport (adds the client's cost): service, floor | "
        f"{client_service_us:.0f}, {client_floor_us:.0f} | |"
    )
    for line in lines:
        print("  " + line)
    return lines, out.getvalue()


# --- the record ------------------------------------------------------------------------------------------------


def machine(tool: str, threads: int) -> dict[str, str]:
    cpu = cpu_model()
    if tool == "wrk":
        shown = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("Copyright")[0]
        load_tool = f"{shown.strip()}, {threads} thread(s), {CONNECTIONS} connections"
    else:
        load_tool = f"asyncio client on raw sockets (wrk not found), {CONNECTIONS} connections"
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": f"atc-dmn {__version__}; uvicorn {version('uvicorn')}; fastapi {version('fastapi')}; "
        f"starlette {version('starlette')}; uvloop {_version('uvloop')}; httptools {_version('httptools')}",
        "tool": load_tool,
        "load": _loadavg(),
    }


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_idle(limit: float) -> None:
    """Other work on the machine shares its cores with the server: wait (a while) for it to end."""
    deadline = time.monotonic() + limit
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


def _version(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return "not installed"


@dataclass(frozen=True)
class Plan:
    """How long and how often each configuration is loaded, and by which tool."""

    seconds: float
    warmup: float
    repeats: int
    tool: str
    threads: int


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """The options of every loopback benchmark here (service.py, cds_hooks.py): the same defaults in each."""
    parser.add_argument("--quick", action="store_true", help="one run of 3 s per configuration (default 3 of 10 s)")
    parser.add_argument("--repeats", type=int, help="runs per configuration")
    parser.add_argument("--seconds", type=float, help="seconds per run")
    parser.add_argument("--tool", choices=("wrk", "asyncio"), help="the load generator (default: wrk if installed)")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads (default 2)")
    parser.add_argument("--results", type=Path, help="write the figures as a section of this Markdown file")
    parser.add_argument(
        "--wait-idle", type=float, default=0, metavar="S", help="first wait up to S s for a 1-min load average under 1"
    )


def load_plan(args: argparse.Namespace) -> Plan:
    """The options of :func:`add_load_options` with their defaults filled in; wrk asked for must be installed."""
    tool = args.tool or ("wrk" if shutil.which("wrk") else "asyncio")
    if tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), or give --tool asyncio")
    return Plan(
        seconds=args.seconds or (3.0 if args.quick else 10.0),
        warmup=1.0 if args.quick else 2.0,
        repeats=args.repeats or (1 if args.quick else 3),
        tool=tool,
        threads=args.threads,
    )


def machine_lines(info: dict[str, str]) -> list[str]:
    """The machine, software and load a section's figures were measured under, as Markdown list items."""
    return [
        f"- Machine: {info['nproc']} CPUs (`nproc`), {info['cpu']}; the load tool and the server share them",
        f"- Python: {info['python']}; {info['versions']}",
        f"- Load tool: {info['tool']}",
        f"- Load average (1, 5, 15 min) at the start: {info['load']}; at the end: {info['load_end']}",
    ]


def write_section(
    results: Path, info: dict[str, str], seconds: float, repeats: int, lines: list[str], steps: list[str]
) -> None:
    """This run's section of ``results``, replacing an earlier one and keeping the others."""
    text = [
        SECTION,
        "",
        f"Measured by `python benchmarks/service.py` on {info['date']}: {repeats} run{'s' * (repeats > 1)} "
        f"of {seconds:g} s per "
        f"configuration after a warm-up, alternating the service and its floor (both servers up), "
        f"{CONNECTIONS} concurrent keep-alive clients on loopback. Each figure: the median over the runs "
        "(req/s with [min-max]; max ms: the slowest answer of all runs).",
        "",
        *machine_lines(info),
        "- Service: `atc-dmn serve --model decisions/atc_treatment.xlsx --workers N` (no token, no audit log, "
        "reload on). Floor: benchmarks/service_floor.py, the same app and uvicorn options with a route that "
        "reads the body and answers a constant.",
        f'- Bodies: examples/case.json (one case); `{{"cases": [...]}}` of {BATCH} cases spread over the '
        "input space (every one answered, none refused).",
        "",
        "service / floor: the floor's req/s over the service's (how many times the floor's time a request "
        "takes), and the wall time the service adds per request (or per case of a batch).",
        "",
        *lines,
        "",
        "Where one request's time goes (one worker, in-process, best of repeated runs; the ASGI app is called "
        "directly, so uvicorn's HTTP parsing and the network are not in these figures):",
        "",
        *steps,
        "",
    ]
    results_file.write_section(results, SECTION, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_options(parser)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions too")
    args = parser.parse_args()
    plan = load_plan(args)
    wait_idle(args.wait_idle)
    info = machine(plan.tool, plan.threads)
    print(f"{info['date']} | {info['nproc']} CPUs | {info['cpu']} | {info['python']}\n{info['versions']}")
    print(f"load measured by: {info['tool']}")
    print(f"note: the load tool and the server share the machine's {info['nproc']} cores\n")
    try:
        rows = loopback(plan.seconds, plan.warmup, plan.tool, plan.threads, plan.repeats)
        lines = table(rows)
        print("\n" + "\n".join(lines) + "\n\nwhere one request's time goes (one worker, in-process):")
        steps, profile = in_process(1000 if args.quick else 3000)
        if args.profile:
            print("\n" + profile)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    info["load_end"] = _loadavg()
    print(f"load average at the start: {info['load']}; at the end: {info['load_end']}")
    if args.results:
        write_section(args.results, info, plan.seconds, plan.repeats, lines, steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
