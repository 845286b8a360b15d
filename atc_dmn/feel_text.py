"""A parsed input cell printed back as S-FEEL, the way an author types it.

One printer for every writer of cells (DMN XML, a written workbook, the
rendered page and its Markdown). It imports only the FEEL modules, so the
render, which git's diff driver runs on every diff, never loads the workbook
reader.
"""

from __future__ import annotations

from .feel import Compare, Equals, UnaryTest
from .feel_value import show


def unary_tests_text(test: UnaryTest | None) -> str:
    """An input cell as S-FEEL: ``-``, ``"T1", "T2"``, ``not(null)``, ``[1..5)``, ``>= 18``."""
    if test is None or test.any:
        return "-"
    parts = []
    for atom in test.atoms:
        if isinstance(atom, Equals):
            parts.append(show(atom.value))
        elif isinstance(atom, Compare):
            parts.append(f"{atom.op} {show(atom.value)}")
        else:
            low = "[" if atom.low_closed else "("
            high = "]" if atom.high_closed else ")"
            parts.append(f"{low}{show(atom.low)}..{show(atom.high)}{high}")
    joined = ", ".join(parts)
    return f"not({joined})" if test.negated else joined


__all__ = ["unary_tests_text"]
