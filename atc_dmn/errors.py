"""The exceptions atc-dmn raises, each carrying the fields a caller needs.

Every error a user can cause is one of these, so the command line can turn
it into a clear message and an exit status instead of a traceback. Which
status belongs to which error is the command line's business (atc_dmn/cli.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .feel_value import code as _code
from .origin import Origin, at

if TYPE_CHECKING:
    from .result import TableTrace


class DmnError(Exception):
    """Base class of every error atc-dmn raises on purpose."""

    # A failed evaluation's audit: the tables evaluated up to the failure, set by DecisionModel.run.
    trace: tuple[TableTrace, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "message": str(self)}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (a batch worker sends a row's error back): the constructors take more than the message.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[DmnError], args: tuple[Any, ...], state: dict[str, Any]) -> DmnError:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(DmnError):
    """A patient case that the model cannot take: unknown field, value outside its list, conflict.

    ``field`` names the input, ``value`` is what was given, ``allowed`` lists what
    would have been accepted (empty where no list applies). ``field`` is None
    when the problem is not about one input: a case that is not an object, a
    file that cannot be read, JSON that cannot be parsed. ``code`` is stable, for
    programs (see :data:`atc_dmn.input_codes.INPUT_CODES`); the message is for people and may change.
    """

    def __init__(
        self,
        field: str | None,
        value: Any,
        allowed: Sequence[Any] = (),
        message: str = "",
        related: dict[str, Any] | None = None,
        *,
        code: str = "INPUT",
    ) -> None:
        self.code = code
        self.field = field
        self.value = value
        self.allowed = tuple(allowed)
        self.related = dict(related or {})
        self.message = message or self._default_message()
        super().__init__(self.message)

    def _default_message(self) -> str:
        text = f"{self.field}: {self.value!r} is not allowed"
        if self.allowed:
            text += "; allowed: " + ", ".join(_code(a) for a in self.allowed)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "code": self.code,
            "field": self.field,
            "value": self.value,
            "allowed": [_code(a) for a in self.allowed],
            "related": self.related,
        }


class ModelError(DmnError):
    """A workbook that cannot be used: the sheet and cell say where, ``hint`` says what to do.

    ``code`` is a stable finding code (see docs/findings.md). ``findings`` holds
    every error found when more than one was collected.
    """

    def __init__(
        self,
        message: str,
        sheet: str | None = None,
        cell: str | None = None,
        code: str = "MODEL",
        hint: str = "",
        findings: Sequence[Any] = (),
    ) -> None:
        self.sheet = sheet
        self.cell = cell
        self.code = code
        self.hint = hint
        self.message = message
        self.findings = tuple(findings)
        super().__init__(self.located())

    @property
    def origin(self) -> Origin | None:
        """The place as an :class:`Origin`, for code that reads places that way (findings, other formats)."""
        return at(self.sheet, self.cell)

    @property
    def location(self) -> str:
        return str(self.origin) if self.origin is not None else ""

    def located(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "code": self.code, "sheet": self.sheet, "cell": self.cell, "hint": self.hint}


class EvaluationError(DmnError):
    """The tables themselves could not decide a case (no rule matched, or a unique table hit twice).

    This is a defect in the workbook that validation should have caught; the
    ``table`` and ``rule_ids`` fields say where to look.
    """

    def __init__(
        self,
        message: str,
        table: str,
        sheet: str | None = None,
        rule_ids: Sequence[str] = (),
        inputs: dict[str, Any] | None = None,
    ) -> None:
        self.table = table
        self.sheet = sheet
        self.rule_ids = tuple(rule_ids)
        self.inputs = dict(inputs or {})
        self.message = message
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "table": self.table,
            "sheet": self.sheet,
            "rule_ids": list(self.rule_ids),
            "inputs": self.inputs,
        }


class EngineUnavailable(DmnError):
    """An optional engine was asked for but is not installed: neither the case nor the workbook is at fault."""


class OutputError(DmnError):
    """The output file cannot be opened or written (a folder, a missing folder, no permission): said, never lost.

    ``path`` is the file asked for, ``reason`` what the system said.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write the output {path}: {reason}")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "path": self.path, "reason": self.reason}


class AuditError(DmnError):
    """The audit log could not be written (disk full, no permission): the answer must not be given.

    ``path`` is the log file, ``reason`` what the system said. A caller that
    gets this withholds the answer, since an answer nobody can trace is worse
    than none.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        self.message = f"cannot write the audit log {path}: {reason}"
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "path": self.path, "reason": self.reason}
