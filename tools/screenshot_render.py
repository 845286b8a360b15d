"""Remake docs/render-page.png and docs/render-table.png: ``atc-dmn render``'s page for the shipped model.

    python tools/screenshot_render.py [OUT_DIR] [--chromium /usr/bin/chromium]

Renders the shipped workbook with the installed ``atc-dmn render``, opens the
page offline in headless Chromium (Playwright driving the system browser,
JavaScript off) and saves, 1280 pixels wide, the top of the page (identity,
notice, decision requirements diagram) and the Pathway table.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from atc_command import atc_command
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent


def shoot(out: Path, chromium: str, width: int = 1280) -> list[Path]:
    """Render the shipped model to HTML and save the two pictures into ``out``."""
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "model.html"
        subprocess.run(
            [atc_command("screenshot_render"), "render", "-o", str(page_file)], check=True, stdout=subprocess.DEVNULL
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            context = browser.new_context(
                java_script_enabled=False, offline=True, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            page.goto(page_file.as_uri())
            out.mkdir(parents=True, exist_ok=True)
            top = page.locator("#decision-requirements").bounding_box()
            height = int(top["y"] + top["height"]) + 16 if top else 1600
            shots = [out / "render-page.png", out / "render-table.png"]
            page.screenshot(path=str(shots[0]), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
            page.locator("#table-pathway").screenshot(path=str(shots[1]))
            browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    for path in shoot(args.out, args.chromium):
        print(path)


if __name__ == "__main__":
    main()
