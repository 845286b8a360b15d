"""A finding: one thing wrong (or doubtful) in a workbook, located for the person who edits it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partialmethod
from typing import Any

from .errors import ModelError

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    hint: str = ""
    table: str | None = None
    rule: str | None = None

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

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
    ) -> None:
        self.append(Finding(severity, code, message, sheet, cell, hint, table, rule))

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
