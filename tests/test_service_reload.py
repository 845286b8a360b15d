"""Hot reload under load: a served workbook is saved over while clients keep asking, and none fails.

The served file is a copy in a temporary folder. It is overwritten as Excel
saves (a new file renamed over the old one) and by a partial write in place;
a broken version is refused while the last good model keeps answering, and a
good edit is picked up within seconds, by every worker.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import spec_oracle
from conftest import ShippedWorkbook
from service_server import Service

CASE = {"diagnosis_confirmed": True, "stage": "IVB", "resectable": True, "airway_compromise": False}
NEW_VERSION = "1.1.1-edited"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_cell(book: ShippedWorkbook, label: str) -> str:
    """The Model sheet's value cell beside ``label`` (found by content)."""
    sheet = book.sheet("Model")
    cell = sheet[book.find("Model", label)]
    return "Model!" + sheet.cell(row=cell.row, column=cell.column + 1).coordinate


def save_like_excel(path: Path, data: bytes) -> None:
    """Write a temporary file beside ``path`` and rename it over ``path``, as Excel and LibreOffice save."""
    temp = path.with_name("~WRL0001.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


class Load:
    """``clients`` threads posting the case in a loop; every answer's status and model version is kept."""

    def __init__(self, url: str, clients: int = 4, path: str = "/evaluate") -> None:
        self.url = url
        self.path = path
        self.stop = threading.Event()
        self.answers: list[tuple[int, str | None]] = []
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        expected = spec_oracle.comparable(spec_oracle.decide(CASE))
        with httpx.Client(base_url=self.url, timeout=10) as http:
            while not self.stop.is_set():
                try:
                    response = http.post(self.path, json=CASE)
                except httpx.HTTPError as exc:
                    with self._lock:
                        self.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                problem = None
                if response.status_code != 200:
                    problem = f"{response.status_code}: {response.text[:300]}"
                elif spec_oracle.comparable(response.json()["decision"]) != expected:
                    problem = f"another decision: {response.json()['decision']}"
                with self._lock:
                    self.answers.append((response.status_code, response.headers.get("X-Model-Version")))
                    if problem:
                        self.failures.append(problem)

    def versions_since(self, start: int) -> set[str | None]:
        with self._lock:
            return {v for _, v in self.answers[start:]}

    def __len__(self) -> int:
        with self._lock:
            return len(self.answers)


@contextmanager
def under_load(url: str) -> Iterator[Load]:
    load = Load(url)
    for thread in load.threads:
        thread.start()
    try:
        yield load
    finally:
        load.stop.set()
        for thread in load.threads:
            thread.join(timeout=15)


@pytest.fixture
def book(shipped_path: Path, tmp_path: Path) -> ShippedWorkbook:
    return ShippedWorkbook(shipped_path, tmp_path)


@pytest.fixture
def versions(book: ShippedWorkbook, tmp_path: Path) -> dict[str, bytes]:
    """The bytes of the served file's versions: good (shipped), broken (a located error), edited (good, new version)."""
    cell = book.rule_cell("Pathway", "PW3", "Pathway")
    broken = book.copy({f"Pathway!{cell}": '"staging_work_up"'}, name="broken.xlsx")
    edited = book.copy({model_cell(book, "Version"): NEW_VERSION}, name="edited.xlsx")
    return {
        "good": book.source.read_bytes(),
        "broken": broken.read_bytes(),
        "broken_at": f"Pathway!{cell}".encode(),
        "edited": edited.read_bytes(),
    }


def state(url: str) -> dict[str, Any]:
    response = httpx.get(url + "/models/atc-treatment", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_reload_refuses_broken_saves_keeps_serving_and_switches_to_a_good_one(tmp_path, versions):
    served = tmp_path / "serve" / "copy.xlsx"
    served.parent.mkdir()
    served.write_bytes(versions["good"])
    good_sha = sha256_of(versions["good"])
    with Service(["--model", served]) as service, under_load(service.url) as load:
        service.wait_for(lambda: len(load) > 20, what="the first answers")
        before = state(service.url)
        assert before["serving"]["sha256"] == good_sha
        assert before["refused"] is None
        assert before["reloads"] == 0

        # 1. Excel's save of a workbook with an error: refused, located; the old model keeps serving.
        save_like_excel(served, versions["broken"])
        broken_sha = sha256_of(versions["broken"])
        refused = service.wait_for(
            lambda: (s := state(service.url))["refused"] and s["refused"]["sha256"] == broken_sha and s,
            what="the broken save's refusal",
        )
        assert refused["serving"]["sha256"] == good_sha
        assert refused["serving"]["since"] == before["serving"]["since"]
        findings = refused["refused"]["findings"]
        assert findings
        assert any(f["location"] == versions["broken_at"].decode() for f in findings), findings
        assert any(r.get("sha256") == broken_sha for r in service.records("model_refused"))

        # 2. A partial write in place (half the file): refused too, the old model still serving.
        half = versions["edited"][: len(versions["edited"]) // 2]
        with open(served, "r+b") as handle:
            handle.write(half)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        partial = service.wait_for(
            lambda: (s := state(service.url))["refused"] and s["refused"]["sha256"] == sha256_of(half) and s,
            what="the partial write's refusal",
        )
        assert partial["serving"]["sha256"] == good_sha
        mark = len(load)
        service.wait_for(lambda: len(load) > mark + 20, what="answers after the refusals")
        assert load.versions_since(0) == {spec_oracle.MODEL_VERSION}

        # 3. Excel's lock file appears (the workbook is opened again): nothing is reloaded.
        events = len(
            [r for r in service.records() if r.get("event") in ("model_loaded", "model_reloaded", "model_refused")]
        )
        (served.parent / "~$copy.xlsx").write_bytes(b"\x00a clinician\x00" * 10)
        time.sleep(1.0)  # three debounce periods
        assert state(service.url) == partial
        after = [r for r in service.records() if r.get("event") in ("model_loaded", "model_reloaded", "model_refused")]
        assert len(after) == events

        # 4. A good edit saved as Excel saves: new answers carry its version within seconds.
        save_like_excel(served, versions["edited"])
        mark = len(load)
        service.wait_for(lambda: NEW_VERSION in load.versions_since(mark), timeout=15, what="the new version")
        switched = len(load)
        service.wait_for(lambda: len(load) > switched + 40, what="answers after the switch")
        assert load.versions_since(switched + 8) == {NEW_VERSION}  # requests already under way may finish on the old
        final = state(service.url)
        assert final["serving"]["sha256"] == sha256_of(versions["edited"])
        assert final["serving"]["version"] == NEW_VERSION
        assert final["refused"] is None
        assert final["reloads"] == 1  # the refused saves and the lock file switched nothing
    assert load.failures == []
    assert len(load) > 100


def test_every_worker_switches_on_its_own(tmp_path, versions):
    served = tmp_path / "copy.xlsx"
    served.write_bytes(versions["good"])
    with Service(["--model", served, "--workers", 2]) as service:
        # /ready was answered by one worker: wait until both have loaded the first version (and watch).
        service.wait_for(lambda: len(service.records("model_loaded")) == 2, what="both workers' first load")
        time.sleep(0.5)
        with under_load(service.url) as load:
            service.wait_for(lambda: len(load) > 20, what="the first answers")
            save_like_excel(served, versions["edited"])

            def twenty_new_in_a_row() -> bool:
                seen = []
                for _ in range(20):  # a new connection each time: the kernel spreads them over the workers
                    seen.append(httpx.post(service.url + "/evaluate", json=CASE, timeout=10))
                return all(r.status_code == 200 and r.headers["X-Model-Version"] == NEW_VERSION for r in seen)

            service.wait_for(twenty_new_in_a_row, timeout=20, what="20 answers in a row from the new version")
        assert load.failures == []
        reloads = [r for r in service.records("model_reloaded") if r.get("version") == NEW_VERSION]
        assert len(reloads) == 2, service.log[-3000:]
