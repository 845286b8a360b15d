"""docs/service.md documents every error code the service can answer with, at its status."""

from __future__ import annotations

import re
from pathlib import Path

from atc_dmn.service.problems import ERROR_CODES

DOC = Path(__file__).resolve().parent.parent / "docs" / "service.md"


def test_every_error_code_has_a_row_with_its_status():
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (\d{3}) \|", DOC.read_text(encoding="utf-8"), re.M))
    assert set(rows) == set(ERROR_CODES)
    assert {code: int(status) for code, status in rows.items()} == {c: s for c, (s, _) in ERROR_CODES.items()}


def test_every_input_error_code_has_a_service_status():
    from atc_dmn.input_codes import INPUT_CODES

    # The file-only codes are the command line's (BAD_RESULT: Result.from_dict's);
    # every code a case in a body can raise has a status.
    batch_codes = {"NOT_TEXT", "ROW_TOO_LONG", "BAD_ROW", "UNKNOWN_COLUMN", "UNNAMED_COLUMN", "NO_SUCH_COLUMN"}
    batch_codes |= {"KEPT_INPUT", "NO_SUCH_SHEET", "BAD_OPTION", "COLUMN_CLASH", "OUTPUT_EXISTS"}
    body_codes = set(INPUT_CODES) - {"BAD_CSV", "BAD_ASSIGNMENT", "UNREADABLE", "BAD_RESULT"} - batch_codes
    assert body_codes <= set(ERROR_CODES)


def test_every_input_error_raised_has_a_listed_code():
    from atc_dmn.input_codes import INPUT_CODES

    root = DOC.parent.parent / "atc_dmn"
    used = set()
    files = [root / n for n in ("inputs.py", "cases.py", "engine.py", "cli.py", "result.py", "spark.py")]
    for path in [*files, *sorted((root / "batch").glob("*.py"))]:
        used.update(re.findall(r'code="([A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert {"CONFLICT", "NOT_ALLOWED", "UNKNOWN_COLUMN", "ROW_TOO_LONG"} <= used
    assert used <= set(INPUT_CODES)
