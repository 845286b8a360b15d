"""The installed ``atc-dmn`` command, for the tools that drive it (tools/screenshot_*.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def atc_command(tool: str) -> str:
    """The ``atc-dmn`` beside the running Python (so an unactivated venv works), else on PATH.

    Missing, the tool named ``tool`` exits saying how to install it.
    """
    beside = Path(sys.executable).with_name("atc-dmn")
    found = str(beside) if beside.is_file() else shutil.which("atc-dmn")
    if not found:
        sys.exit(f"{tool}: the atc-dmn command is not installed (pip install -e '.[test]')")
    return found
