"""One section of benchmarks/RESULTS.md, replaced in place: each script owns the section under its heading.

run.py writes the part before the first ``## `` heading; service.py and cds_hooks.py each
their own ``## `` section. Writing one must leave every other section as it was.
"""

from __future__ import annotations

from pathlib import Path


def write_section(results: Path, heading: str, lines: list[str]) -> None:
    """Replace the section starting at ``heading`` (up to the next ``## `` heading), or add it at the end."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    block = "\n".join(lines).rstrip("\n") + "\n"
    if heading in old:
        start = old.index(heading)
        end = old.find("\n## ", start + len(heading))
        new = old[:start] + block + ("\n" + old[end + 1 :] if end != -1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    results.write_text(new, encoding="utf-8")
    print(f"\nwrote {results}")
