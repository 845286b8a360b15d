"""Remake docs/service-page.png: the service's web page after evaluating a resectable stage IVB case.

    python tools/screenshot_page.py [OUT.png] [--chromium /usr/bin/chromium]

Starts ``atc-dmn serve`` on a free loopback port with the shipped model, fills
the form in headless Chromium (Playwright driving the system browser), submits
it and saves the whole page, 1280 pixels wide. Needs the ``serve`` and ``test``
extras and a Chromium.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from atc_command import atc_command
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
# A confirmed ATC, T4a N1b M0 (stage IVB from TNM), judged resectable: the multimodal pathway.
CASE = {
    "diagnosis_confirmed": "true",
    "t_category": "T4a",
    "n_category": "N1b",
    "m_category": "M0",
    "resectable": "true",
    "patient_preference": "active_treatment",
    "airway_compromise": "false",
    "targetable_alteration": "none",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shoot(out: Path, chromium: str, width: int = 1280) -> None:
    """Serve the shipped model, submit :data:`CASE` through the page and save a full-page screenshot."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [atc_command("screenshot_page"), "serve", "--port", str(port), "--no-reload"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit("screenshot_page: atc-dmn serve did not become ready")
            time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(url + "/")
            for key, value in CASE.items():
                page.select_option(f'select[name="{key}"]', value)
            page.click("button[type=submit]")
            page.wait_for_selector("#recommendation")
            page.evaluate("window.scrollTo(0, 0)")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "service-page.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    shoot(args.out, args.chromium)
    print(args.out)


if __name__ == "__main__":
    main()
