"""Render every visible sheet of a workbook to PNG pages, as LibreOffice prints them.

    python tools/render_sheets.py WORKBOOK [OUT_DIR] [--dpi 60]

Writes OUT_DIR/<workbook>-NN.png (one per printed page) and prints which sheet
each page shows, so a picture of a rule sheet can be regenerated after the
workbook changes. Needs LibreOffice (soffice) and poppler (pdftoppm, pdftotext).
The workbook is converted from a temporary copy; the original is not touched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        sys.exit(f"render_sheets: '{tool}' is not installed")
    return path


def render(workbook: Path, out_dir: Path, dpi: int = 60) -> list[tuple[Path, str]]:
    """(page picture, first line of the page's text) for every printed page of ``workbook``."""
    soffice, pdftoppm, pdftotext = _need("soffice"), _need("pdftoppm"), _need("pdftotext")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / workbook.name
        shutil.copyfile(workbook, copy)
        profile = Path(tmp) / "profile"  # a profile of its own: works while another LibreOffice runs
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(copy),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pdf = copy.with_suffix(".pdf")
        if not pdf.exists():
            sys.exit(f"render_sheets: LibreOffice did not convert {workbook}")
        stem = out_dir / workbook.stem
        for old in out_dir.glob(f"{workbook.stem}-*.png"):
            old.unlink()
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(stem)], check=True, timeout=300)
        pages = sorted(out_dir.glob(f"{workbook.stem}-*.png"))
        shown = []
        for number, page in enumerate(pages, start=1):
            text = subprocess.run(
                [pdftotext, "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            shown.append((page, first))
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("renders"))
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args()
    if not args.workbook.is_file():
        sys.exit(f"render_sheets: no workbook at {args.workbook}")
    for page, first in render(args.workbook, args.out_dir, args.dpi):
        print(f"{page}  {first[:70]}")


if __name__ == "__main__":
    main()
