"""Where a batch's answers go: CSV, JSON Lines or an Excel workbook, written as the rows come.

The xlsx writer streams too (openpyxl's write-only mode keeps no rows in memory). It opens
readable: the header frozen, each decision code beside its wording, the rules that fired, the
error cells of a failed row highlighted, and an About sheet naming the model and its notice.
A sheet holds at most Excel's 1,048,576 rows; the rows go on in a next sheet, none is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import re
from typing import IO, TYPE_CHECKING, Any

from ..errors import OutputError
from .columns import Columns
from .outcome import neutralise, xlsx_header

if TYPE_CHECKING:
    from ..engine import DecisionModel

EXCEL_ROWS = 1_048_576
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters an xlsx cell cannot hold


class TextSink:
    """JSON Lines: each chunk arrives encoded as text, written as it comes."""

    def __init__(self, stream: IO[str], columns: Columns) -> None:
        self.stream = stream

    def write(self, chunk: str) -> None:
        self.stream.write(chunk)

    def close(self, summary: dict[str, Any]) -> None:
        self.stream.flush()


class CsvSink(TextSink):
    """CSV as RFC 4180 has it: CRLF between rows, so that a value holding a lone CR is quoted, not cut in two."""

    def __init__(self, stream: IO[str], columns: Columns) -> None:
        super().__init__(stream, columns)
        writer = csv.writer(stream, delimiter=columns.delimiter, lineterminator="\r\n")
        writer.writerow([neutralise(h) for h in columns.header()])


class XlsxSink:
    """An Excel workbook: a Results sheet (or several, past Excel's row limit) and an About sheet."""

    def __init__(self, target: str | IO[bytes], columns: Columns, model: DecisionModel) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        self._target = target
        self._model = model
        self._book = Workbook(write_only=True)
        self._header = xlsx_header(columns)
        self._bold = Font(bold=True)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._error_fill = PatternFill("solid", start_color="FFF4C7C3")
        self._error_font = Font(color="FF9C0006", bold=True)
        self._error_columns = range(len(self._header) - 3, len(self._header))
        self._reasons = self._header.index("reasons")
        self._wording = {i for i, name in enumerate(self._header) if name.endswith("_wording")}
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter

        self._sheets += 1
        ws = self._book.create_sheet("Results" if self._sheets == 1 else f"Results {self._sheets}")
        ws.freeze_panes = "A2"
        for i, name in enumerate(self._header, start=1):
            wide = i - 1 == self._reasons or i == len(self._header)  # the reasons, and the error's message
            width = 60 if wide else 40 if (i - 1) in self._wording else max(12, min(len(name) + 2, 30))
            ws.column_dimensions[get_column_letter(i)].width = width
        header = []
        for name in self._header:
            cell = WriteOnlyCell(ws, value=neutralise(name))
            cell.font = self._bold
            header.append(cell)
        ws.append(header)
        self._ws, self._rows = ws, 1

    def write(self, chunk: list[tuple[list[Any], int | None]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        for values, failed in chunk:
            if self._rows >= EXCEL_ROWS:
                self._new_sheet()
            row: list[Any] = [_clean(v) for v in values]
            if failed is not None:
                # The error cells, and the input cell the error names, stand out.
                for i in (*self._error_columns, *((failed,) if failed >= 0 else ())):
                    cell = WriteOnlyCell(self._ws, value=row[i])
                    cell.fill, cell.font = self._error_fill, self._error_font
                    if i == len(row) - 1:
                        cell.alignment = self._wrap
                    row[i] = cell
            elif row[self._reasons]:
                cell = WriteOnlyCell(self._ws, value=row[self._reasons])
                cell.alignment = self._wrap
                row[self._reasons] = cell
            self._ws.append(row)
            self._rows += 1

    def close(self, summary: dict[str, Any]) -> None:
        identity = self._model.identity
        about = self._book.create_sheet("About")
        about.column_dimensions["A"].width = 18
        about.column_dimensions["B"].width = 100
        for key, value in (
            ("Model", identity.name),
            ("Identifier", identity.identifier),
            ("Version", identity.version),
            ("Effective date", identity.effective_date),
            ("SHA-256", identity.sha256),
            ("Written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
            ("Input", summary.get("input", "")),
            ("Rows", summary.get("rows", 0)),
            ("Rows failed", summary.get("errors", 0)),
            ("Notice", self._model.model.info.notice),
        ):
            about.append([key, _clean(value)])
        try:
            self._book.save(self._target)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EPIPE) or not isinstance(self._target, str):
                raise
            raise OutputError(self._target, exc.strerror or str(exc)) from None


def _clean(value: Any) -> Any:
    if isinstance(value, str) and _ILLEGAL.search(value):
        return _ILLEGAL.sub("\ufffd", value)
    return value
