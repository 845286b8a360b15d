"""A finding: one thing wrong (or doubtful) in a workbook, located for the person who edits it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partialmethod
from typing import Any

from .errors import ModelError
from .origin import Origin, at

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """``origin`` is where to fix it (None for the whole file); ``sheet`` and ``cell`` read it for callers."""

    severity: str
    code: str
    message: str
    origin: Origin | None = None
    hint: str = ""
    table: str | None = None
    rule: str | None = None

    @property
    def sheet(self) -> str | None:
        return self.origin.source or None if self.origin is not None else None

    @property
    def cell(self) -> str | None:
        return self.origin.location or None if self.origin is not None else None

    @property
    def location(self) -> str:
        """``Pathway!H9``; the sheet alone, or "" for the whole file."""
        return str(self.origin) if self.origin is not None else ""

    def to_dict(self) -> dict[str, Any]:
        # The published shape (sheet and cell, not the origin): callers and docs/findings.md rely on it.
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "sheet": self.sheet,
            "cell": self.cell,
            "hint": self.hint,
            "table": self.table,
            "rule": self.rule,
        }

    def to_error(self, findings: list[Finding] | tuple[Finding, ...] = ()) -> ModelError:
        return ModelError(self.message, self.sheet, self.cell, self.code, self.hint, findings)


class Findings(list):
    """A list of findings with helpers to add errors and warnings."""

    def add(
        self,
        severity: str,
        code: str,
        message: str,
        sheet: str | None = None,
        cell: str | None = None,
        hint: str = "",
        table: str | None = None,
        rule: str | None = None,
        origin: Origin | None = None,
    ) -> None:
        """Record a finding at ``origin``, or at ``sheet`` and ``cell`` (what a reader has in hand)."""
        self.append(Finding(severity, code, message, origin or at(sheet, cell), hint, table, rule))

    # ``findings.error(code, message, sheet, cell, hint, table=..., rule=...)``, and the same for warnings.
    error = partialmethod(add, ERROR)
    warning = partialmethod(add, WARNING)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self if f.severity == WARNING]

    def raise_if_errors(self) -> None:
        errors = self.errors
        if errors:
            raise errors[0].to_error(errors)


# A table with hundreds of copies of one mistake gets this many findings, then one that counts the rest.
PER_TABLE = 20


def capped(found: Findings) -> list[Finding]:
    """At most PER_TABLE findings of one code per table, then one that counts the rest: a table with
    hundreds of copies of one mistake would bury every other finding."""
    kept: list[Finding] = []
    counts: dict[tuple[str | None, str], int] = {}
    for f in found:
        key = (f.table, f.code)
        counts[key] = counts.get(key, 0) + 1
        if f.table is None or counts[key] <= PER_TABLE:
            kept.append(f)
    for (table, code), n in counts.items():
        if table is not None and n > PER_TABLE:
            first = next(f for f in found if f.table == table and f.code == code)
            kept.append(
                Finding(
                    first.severity,
                    code,
                    f"table '{table}' has {n - PER_TABLE} more {code} findings besides those listed",
                    first.origin,
                    "Fix the ones listed first, then validate again.",
                    table,
                )
            )
    return kept
