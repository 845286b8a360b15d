"""Where a workbook to compare comes from: a path, or ``git:REV:PATH`` for a version in git."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

GIT_PREFIX = "git:"


@contextmanager
def workbook_file(source: str) -> Iterator[str]:
    """The path of the workbook ``source`` names; a git version is written to a temporary file for the time of use.

    A git version that cannot be read is a usage error (exit 2) naming git's own reason.
    """
    if not source.startswith(GIT_PREFIX):
        yield source
        return
    rev, sep, path = source[len(GIT_PREFIX) :].partition(":")
    if not sep or not rev or not path:
        raise click.BadParameter(f"{source!r}: write a version in git as git:REV:PATH, e.g. git:HEAD:decisions/x.xlsx")
    try:
        shown = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise click.BadParameter(f"{source}: git could not be run ({exc})") from None
    if shown.returncode != 0:
        reason = " ".join(shown.stderr.decode("utf-8", "replace").split()) or f"git exited {shown.returncode}"
        raise click.BadParameter(f"{source}: {reason}")
    fd, name = tempfile.mkstemp(suffix=Path(path).suffix or ".xlsx", prefix="atc-dmn-diff-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(shown.stdout)
        yield name
    finally:
        os.unlink(name)
