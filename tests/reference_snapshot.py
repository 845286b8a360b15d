"""pyDMNrules' answers over the agreement tests' input space, recorded once per workbook and reference.

A pyDMNrules decision costs some 20 ms, and the agreement tests need one per
distinct normalised case (about 8,000). So the answers (each case's decision
codes and fired rule ids, or the field its refusal names) are kept in
``tests/snapshots/pydmnrules_answers.json.gz``, under a key made of:

- the SHA-256 of the shipped workbook,
- the installed pyDMNrules version,
- the SHA-256 of the adapter that maps pyDMNrules' answers (``atc_dmn/reference.py``),
- the SHA-256 of the case space: every distinct normalised case, in order.

When the key matches, the tests compare the compiled engine with the recorded
answers. When any part differs the snapshot is not used: every answer is
recomputed with pyDMNrules live (slow, but the agreement is still checked in
full), and a test fails saying how to refresh the snapshot, so a stale
snapshot never lets the suite pass. Refresh it with either of

    ATC_DMN_UPDATE_SNAPSHOT=1 python -m pytest tests/test_engines_agree.py
    python tests/reference_snapshot.py

and commit the new file with the workbook change.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import input_space

from atc_dmn import DecisionModel, InputError
from atc_dmn.errors import DmnError

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "pydmnrules_answers.json.gz"
UPDATE_VARIABLE = "ATC_DMN_UPDATE_SNAPSHOT"
FORMAT = 1
REFRESH = (
    f"refresh it: {UPDATE_VARIABLE}=1 python -m pytest tests/test_engines_agree.py "
    "(or python tests/reference_snapshot.py), then commit tests/snapshots/"
)

CaseKey = tuple[tuple[str, Any], ...]
Outcome = list[Any]  # ["ok", {output: code}, [[table, [rule ids]], ...]] | ["refused", field] | ["failed", ...]


def case_key(model: DecisionModel, case: Mapping[str, Any]) -> CaseKey:
    """The normalised case, hashable: both engines see only this."""
    return tuple(model.normalise(case).items())


def outcome(evaluate: Callable[[dict[str, Any]], Any], case: dict[str, Any]) -> Outcome:
    """What must agree between the engines, in JSON's own types: decisions and fired rule ids, or the refusal."""
    try:
        result = evaluate(case)
    except InputError as error:
        return ["refused", error.field]
    except DmnError as error:
        return ["failed", type(error).__name__, getattr(error, "table", None)]
    fired = [[step.table, [r.id for r in step.rules]] for step in result.trace]
    return ["ok", json.loads(json.dumps(result.decision)), fired]


def distinct_cases(model: DecisionModel, spaces: Mapping[str, Sequence[dict[str, Any]]]) -> dict[CaseKey, dict]:
    """One representative case per distinct normalised case, over every space, in a fixed order."""
    distinct: dict[CaseKey, dict[str, Any]] = {}
    for cases in spaces.values():
        for case in cases:
            distinct.setdefault(case_key(model, case), case)
    return distinct


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pydmnrules_version() -> str | None:
    try:
        return importlib.metadata.version("pyDMNrules")
    except importlib.metadata.PackageNotFoundError:
        return None


def snapshot_key(model: DecisionModel, keys: Sequence[CaseKey]) -> dict[str, Any]:
    import atc_dmn.reference as adapter

    return {
        "format": FORMAT,
        "workbook_sha256": model.identity.sha256,
        "pydmnrules": pydmnrules_version(),
        "adapter_sha256": _sha256_text(Path(adapter.__file__).read_text(encoding="utf-8").replace("\r\n", "\n")),
        "case_space_sha256": _sha256_text(json.dumps([list(map(list, k)) for k in keys])),
    }


# -- pyDMNrules live, on every core ---------------------------------------------------------

_forked: dict[str, Callable[[dict[str, Any]], Any]] = {}


def _forked_outcomes(cases: list[dict[str, Any]]) -> list[Outcome]:
    return [outcome(_forked["reference"], case) for case in cases]


def live_outcomes(reference: Callable[[dict[str, Any]], Any], cases: list[dict[str, Any]]) -> list[Outcome]:
    """pyDMNrules' outcome for each case, in order: forked workers inherit the loaded instance when the OS can fork."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(cases) < 8 or "fork" not in multiprocessing.get_all_start_methods():
        return serial_outcomes(reference, cases)
    reference({})  # import and load in the parent, so every worker inherits it
    _forked["reference"] = reference
    size = -(-len(cases) // (workers * 4))
    chunks = [cases[i : i + size] for i in range(0, len(cases), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_forked_outcomes, chunks)
    return [answer for part in parts for answer in part]


def serial_outcomes(reference: Callable[[dict[str, Any]], Any], cases: list[dict[str, Any]]) -> list[Outcome]:
    return [outcome(reference, case) for case in cases]


def reference_engine(model: DecisionModel) -> Callable[[dict[str, Any]], Any]:
    from atc_dmn.reference import evaluate_reference

    return lambda case: evaluate_reference(model, case)


# -- the snapshot file ----------------------------------------------------------------------


def write(path: Path, key: dict[str, Any], model: DecisionModel, answers: Mapping[CaseKey, Outcome]) -> None:
    """Store the answers compactly: the distinct outcomes once, then one index per case."""
    inputs = [spec.key for spec in model.inputs]
    outcomes: list[Outcome] = []
    index: dict[str, int] = {}
    cases, picks = [], []
    for k, answer in answers.items():
        values = dict(k)
        cases.append([values.get(name) for name in inputs])
        text = json.dumps(answer, sort_keys=True)
        if text not in index:
            index[text] = len(outcomes)
            outcomes.append(answer)
        picks.append(index[text])
    data = {
        "about": "pyDMNrules' answers for the agreement tests; see tests/reference_snapshot.py. " + REFRESH,
        "key": key,
        "model_version": model.info.version,
        "inputs": inputs,
        "cases": cases,
        "outcomes": outcomes,
        "answers": picks,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    tmp.replace(path)


def read(path: Path) -> dict[str, Any] | None:
    try:
        with gzip.open(path, "rb") as handle:
            return json.loads(handle.read())
    except (OSError, ValueError):
        return None


def recorded_answers(data: Mapping[str, Any]) -> dict[CaseKey, Outcome]:
    inputs = data["inputs"]
    return {
        tuple(zip(inputs, values)): data["outcomes"][pick]
        for values, pick in zip(data["cases"], data["answers"], strict=True)
    }


@dataclass
class ReferenceAnswers:
    """pyDMNrules' outcome per distinct normalised case, and where it came from."""

    by_case: dict[CaseKey, Outcome]
    source: str  # "snapshot" or "live"
    stale: list[str] = field(default_factory=list)  # why the snapshot could not be used
    written: bool = False

    def __getitem__(self, key: CaseKey) -> Outcome:
        return self.by_case[key]


def stale_reasons(recorded: Mapping[str, Any] | None, key: Mapping[str, Any]) -> list[str]:
    if recorded is None:
        return [f"no readable snapshot at {SNAPSHOT}"]
    old = recorded.get("key", {})
    return [f"{part}: recorded {old.get(part)!r}, now {now!r}" for part, now in key.items() if old.get(part) != now]


def answers(
    model: DecisionModel,
    spaces: Mapping[str, Sequence[dict[str, Any]]],
    reference: Callable[[dict[str, Any]], Any] | None = None,
    path: Path = SNAPSHOT,
    update: bool | None = None,
) -> ReferenceAnswers:
    """The recorded answers if the snapshot's key matches, else pyDMNrules live (rewriting the snapshot if asked)."""
    distinct = distinct_cases(model, spaces)
    key = snapshot_key(model, list(distinct))
    recorded = read(path)
    stale = stale_reasons(recorded, key)
    if update is None:
        update = os.environ.get(UPDATE_VARIABLE, "") not in ("", "0")
    if not stale and not update:
        return ReferenceAnswers(recorded_answers(recorded), "snapshot")
    if key["pydmnrules"] is None:
        raise ModuleNotFoundError("pyDMNrules is not installed: the snapshot is stale and cannot be recomputed")
    reference = reference or reference_engine(model)
    live = dict(zip(distinct, live_outcomes(reference, list(distinct.values()))))
    written = False
    if update:
        write(path, key, model, live)
        written = True
    return ReferenceAnswers(live, "live", stale, written)


def main(argv: Sequence[str] = ()) -> int:
    from atc_dmn import load_model

    model = load_model()
    result = answers(model, input_space.all_cases(), update=True)
    size = SNAPSHOT.stat().st_size
    print(f"wrote {SNAPSHOT} ({len(result.by_case)} cases, {size:,} bytes) for workbook {model.identity.sha256[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
