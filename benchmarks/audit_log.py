"""What one audit line costs: µs per AuditLog.record, beside the evaluation it logs.

    python benchmarks/audit_log.py [--records N]

Writes to a temporary file (the figure includes the JSON encoding, the lock,
the flock and the write to the kernel; no fsync is done per record).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atc_dmn import load_model
from atc_dmn.audit import AuditLog

# The README's example case, as benchmarks/service.py sends it.
CASE = json.loads((Path(__file__).resolve().parent.parent / "examples" / "case.json").read_text(encoding="utf-8"))


def per_call_us(fn, n: int) -> float:
    """The best of three runs of n calls, in µs per call (the best run is the least disturbed)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    n = parser.parse_args().records
    model = load_model()
    refused_case = {"diagnosis_confirmed": True, "stage": "IVA", "m_category": "M1"}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "audit.jsonl")
        with AuditLog(path) as log:
            identity = model.identity

            def evaluate_only() -> None:
                model.evaluate(CASE)

            def evaluate_and_log() -> None:
                log.record(identity=identity, source="batch", inputs=CASE, result=model.evaluate(CASE), case="line 1")

            result = model.evaluate(CASE)

            def log_only() -> None:
                log.record(identity=identity, source="batch", inputs=CASE, result=result, case="line 1")

            try:
                model.evaluate(refused_case)
            except Exception as exc:  # the refusal this model gives the case
                error = exc

            def log_refusal() -> None:
                log.record(identity=identity, source="batch", inputs=refused_case, error=error, case="line 2")

            bare = per_call_us(evaluate_only, n)
            both = per_call_us(evaluate_and_log, n)
            record = per_call_us(log_only, n)
            refusal = per_call_us(log_refusal, n)
        size = os.path.getsize(path)
        with open(path, encoding="utf-8") as written:
            lines = sum(1 for _ in written)
    print(f"evaluate alone:            {bare:8.2f} µs per case")
    print(f"evaluate + audit record:   {both:8.2f} µs per case")
    print(f"audit record (a result):   {record:8.2f} µs per record (the case evaluated beforehand)")
    print(f"audit record (a refusal):  {refusal:8.2f} µs per record")
    print(f"{lines:,} lines, {size / lines:.0f} bytes per line on average")


if __name__ == "__main__":
    main()
