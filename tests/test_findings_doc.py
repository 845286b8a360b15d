"""docs/findings.md explains every finding code the runtime can report."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = [
    "atc_dmn/workbook.py",
    "atc_dmn/case_runner.py",
    "atc_dmn/sheet_cases.py",
    "atc_dmn/reference.py",
    "atc_dmn/errors.py",
    "atc_dmn/tidy.py",
    *sorted(
        str(p.relative_to(REPO))
        for package in ("loader", "validate", "formats")
        for p in (REPO / "atc_dmn" / package).glob("*.py")
    ),
]


def emitted_codes() -> set[str]:
    """Every quoted CODE_LIKE string in the modules that report findings (env variables excluded)."""
    codes = set()
    for source in SOURCES:
        text = (REPO / source).read_text(encoding="utf-8")
        codes.update(re.findall(r'"([A-Z][A-Z]+(?:_[A-Z]+)+)"', text))
    codes.add("MODEL")  # ModelError's default code
    return {c for c in codes if not c.startswith(("ATC_DMN_", "XDG_"))}


def test_every_code_has_a_section_with_its_severity() -> None:
    doc = (REPO / "docs" / "findings.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### ([A-Z_]+) \((error|warning)\)$", doc, re.M))
    codes = emitted_codes()
    assert len(codes) > 50
    assert codes - set(sections) == set()
    assert set(sections) - codes == set()  # no section for a code nothing reports


def test_documented_severity_matches_the_code() -> None:
    doc = (REPO / "docs" / "findings.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### ([A-Z_]+) \((error|warning)\)$", doc, re.M))
    text = "\n".join((REPO / s).read_text(encoding="utf-8") for s in SOURCES)
    warned = set(re.findall(r'\.warning\(\s*"([A-Z_]+)"', text))
    warned |= set(re.findall(r'Finding\(\s*WARNING,\s*"([A-Z_]+)"', text))
    assert warned == {code for code, severity in sections.items() if severity == "warning"}
