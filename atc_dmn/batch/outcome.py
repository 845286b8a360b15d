"""A row's answer, and its encoding for each output format.

Encoding happens where the row is decided (in a worker process under ``--jobs``), so a worker
sends back text (CSV, JSON Lines) or plain cell values (xlsx), never a result object.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DmnError, EvaluationError, InputError
from ..feel_types import json_value
from .columns import Columns
from .rows import Row

if TYPE_CHECKING:
    from ..audit import AuditLog
    from ..engine import DecisionModel
    from ..result import Result

# What a spreadsheet would run as a formula (OWASP's list for CSV injection): such a text gets a leading '.
_FORMULA_START = frozenset("=+-@\t\r")


@dataclass(slots=True)
class Outcome:
    """One row decided: its kept values, its inputs (as the model read them, or as given when refused) and answer."""

    label: str
    kept: tuple[Any, ...]
    inputs: dict[str, Any]
    result: Result | None
    error: DmnError | None


def decide(model: DecisionModel, columns: Columns, row: Row, audit: AuditLog | None = None) -> Outcome:
    """Evaluate one row; its error (a bad value, a table gap) is kept in place, never raised."""
    kept, case = columns.split(row)
    result = None
    error: DmnError | None = row.error
    if error is None:
        try:
            result = model.evaluate(case)
        except (InputError, EvaluationError) as exc:
            error = exc
    if audit is not None:
        label = (
            row.label
            if columns.id_column is None or kept[0] is None
            else f"{row.label} ({columns.id_column} {kept[0]})"
        )
        given = case if row.values or row.error is None else None  # None: the row could not be read
        audit.record(identity=model.identity, source="batch", inputs=given, result=result, error=error, case=label)
    return Outcome(row.label, kept, result.inputs if result is not None else case, result, error)


def neutralise(text: str) -> str:
    """A text a spreadsheet would take for a formula, made plain text by a leading apostrophe."""
    return "'" + text if text[:1] in _FORMULA_START else text


def _cell(value: Any) -> Any:
    """A value as a CSV or xlsx cell: numbers stay numbers, texts are neutralised, lists joined with ``;``."""
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in _FORMULA_START else value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return value
    if kind is list or kind is tuple:
        return neutralise(";".join(str(_cell(v)) for v in value))
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return neutralise(str(json_value(value)))
    return neutralise(str(value))


def error_code(error: DmnError) -> str:
    """A failed row's stable code: an input error's own, NO_DECISION for a gap in the tables (as the service says)."""
    return getattr(error, "code", None) or (
        "NO_DECISION" if isinstance(error, EvaluationError) else type(error).__name__
    )


def _error_cells(error: DmnError | None) -> list[Any]:
    if error is None:
        return ["", "", ""]
    return [_cell(error_code(error)), _cell(getattr(error, "field", None)), _cell(str(error))]


def cells(outcome: Outcome, columns: Columns, model: DecisionModel) -> list[Any]:
    """The output row as cells, in :meth:`Columns.header` order."""
    result = outcome.result
    identity = result.model if result is not None else model.identity
    inputs = outcome.inputs
    row = [_cell(v) for v in outcome.kept]
    row += [_cell(inputs.get(k)) for k in columns.inputs]
    if result is not None:
        decision = result.decision
        row += [_cell(decision.get(o)) for o in columns.outputs]
    else:
        row += [""] * len(columns.outputs)
    row += (identity.version, identity.sha256)
    row += _error_cells(outcome.error)
    return row


def encode_csv(outcomes: Iterable[Outcome], columns: Columns, model: DecisionModel) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=columns.delimiter, lineterminator="\r\n")
    writer.writerows(cells(o, columns, model) for o in outcomes)
    return buffer.getvalue()


def json_line(outcome: Outcome, columns: Columns, model: DecisionModel) -> dict[str, Any]:
    """The JSON Lines object of one row: where it was, what was kept, the inputs, the decision or the error."""
    item: dict[str, Any] = {"case": outcome.label, "status": "ok" if outcome.error is None else "error"}
    if columns.kept:
        item["columns"] = dict(zip(columns.kept, outcome.kept))
    item["inputs"] = outcome.inputs
    if outcome.result is not None:
        item.update(decision=outcome.result.decision, model=outcome.result.model.to_dict())
    else:
        item.update(model=model.identity.to_dict(), error=outcome.error.to_dict() if outcome.error else None)
    return item


def encode_jsonl(outcomes: Iterable[Outcome], columns: Columns, model: DecisionModel) -> str:
    return "".join(
        json.dumps(json_line(o, columns, model), ensure_ascii=False, default=json_value) + "\n" for o in outcomes
    )


def xlsx_header(columns: Columns) -> list[str]:
    """The xlsx output's columns: each decision code beside its wording, and the rules that fired."""
    return [
        *columns.kept,
        *columns.inputs,
        *(name for o in columns.outputs for name in (f"decision_{o}", f"{o}_wording")),
        "reasons",
        "model_version",
        "model_sha256",
        "error_code",
        "error_field",
        "error",
    ]


def xlsx_row(outcome: Outcome, columns: Columns, model: DecisionModel) -> tuple[list[Any], int | None]:
    """An xlsx output row's cell values, and for a failed row where to highlight: the field's column, or -1."""
    result = outcome.result
    row = cells(outcome, columns, model)
    n_kept_inputs = len(columns.kept) + len(columns.inputs)
    codes = row[n_kept_inputs : n_kept_inputs + len(columns.outputs)]
    wording: Sequence[Any] = [""] * len(columns.outputs)
    reasons = ""
    if result is not None:
        text = result.text
        wording = [_cell("; ".join(text[o]) if isinstance(text.get(o), list) else text.get(o)) for o in columns.outputs]
        reasons = _cell("\n".join(_reason(t.table, r) for t in result.trace for r in t.rules))
    paired = [v for pair in zip(codes, wording) for v in pair]
    tail = row[n_kept_inputs + len(columns.outputs) :]
    if outcome.error is None:
        return [*row[:n_kept_inputs], *paired, reasons, *tail], None
    field = getattr(outcome.error, "field", None)
    at = len(columns.kept) + columns.inputs.index(field) if field in columns.inputs else -1
    return [*row[:n_kept_inputs], *paired, reasons, *tail], at


def _reason(table: str, rule: Any) -> str:
    cited = f" [{', '.join(str(c) for c in rule.citations)}]" if rule.citations else ""
    return f"{table} {rule.id}: {rule.annotation}{cited}" if rule.annotation else f"{table} {rule.id}{cited}"


def encode_xlsx(
    outcomes: Iterable[Outcome], columns: Columns, model: DecisionModel
) -> list[tuple[list[Any], int | None]]:
    return [xlsx_row(o, columns, model) for o in outcomes]


ENCODERS = {"csv": encode_csv, "jsonl": encode_jsonl, "xlsx": encode_xlsx}
