"""A real ``atc-dmn serve`` in a subprocess on a free loopback port, for the service tests.

>>> with Service(["--model", path]) as service:
...     httpx.get(service.url + "/health")

The server's standard error (its JSON log lines) is kept in ``service.log``;
``service.records()`` parses its JSON lines.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from conftest import installed_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``atc-dmn serve ARGS --port <free>``, started on entry (waiting until ``/ready``), stopped on exit."""

    def __init__(
        self,
        args: list[str] | tuple[str, ...] = (),
        env: dict[str, str | None] | None = None,
        ready: bool = True,
        timeout: float = 60.0,
    ) -> None:
        self.args = [str(a) for a in args]
        # A None value removes the variable: a test's server never inherits a token by accident.
        merged = {**os.environ, "ATC_DMN_TOKEN": None, **(env or {})}
        self.env = {k: v for k, v in merged.items() if v is not None}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.wait_ready = ready
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="atc-serve-", suffix=".log", delete=False)  # noqa: SIM115

    def __enter__(self) -> Service:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        command = installed_command()
        assert command, "the atc-dmn command is not installed: pip install -e '.[test]'"
        argv = [command, "serve", "--port", str(self.port), *self.args]
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=self._log, env=self.env, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"atc-dmn serve exited with {self.process.returncode}:\n{self.log}")
            try:
                response = httpx.get(self.url + ("/ready" if self.wait_ready else "/health"), timeout=2)
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"atc-dmn serve was not ready in {self.timeout} s:\n{self.log}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and every worker (the whole process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def kill(self) -> None:
        """Kill the server and its workers at once (SIGKILL): no shutdown, nothing flushed on the way out."""
        self.stop(signal.SIGKILL)

    @property
    def log(self) -> str:
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        """The server's JSON log lines (of one ``event``, if given); other lines are skipped."""
        found = []
        for line in self.log.splitlines():
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if event is None or record.get("event") == event:
                    found.append(record)
        return found

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
        """Poll ``predicate`` until it gives something true (returned), failing after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not happen in {timeout} s; server log:\n{self.log[-4000:]}")
            time.sleep(0.05)
