"""Rows of an Excel sheet, streamed by openpyxl's read-only reader: the first non-empty row is the header.

Cells keep their type (a number stays a number, TRUE a boolean); a date or time becomes its ISO 8601
text, which the model's date inputs read. A formula's cached value is read, as Excel shows it.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import InputError
from .rows import Row


class XlsxRows:
    """One sheet of a workbook: its header and then its rows, read once, in order."""

    def __init__(self, file: BinaryIO, name: str, sheet: str | None) -> None:
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InputError(
                None, name, (), f"{name} is not an Excel workbook (.xlsx) that can be read: {exc}", code="UNREADABLE"
            ) from None
        names = self._book.sheetnames
        if sheet is None:
            self.sheet = names[0]
        elif sheet in names:
            self.sheet = sheet
        else:
            self._book.close()
            raise InputError(
                "--sheet",
                sheet,
                names,
                f"--sheet {sheet}: {name} has no such sheet; allowed: {', '.join(names)}",
                code="NO_SUCH_SHEET",
            )
        ws = self._book[self.sheet]
        self._rows = ws.iter_rows(values_only=True)
        self._number = 0
        self.header: list[str] | None = None
        for cells in self._rows:
            self._number += 1
            if any(c is not None and str(c).strip() for c in cells):
                self.header = ["" if c is None else str(c).strip() for c in cells]
                break

    def rows(self) -> Iterator[Row]:
        header = self.header or []
        width = len(header)
        while width and not header[width - 1]:
            width -= 1
        names = header[:width]
        try:
            for cells in self._rows:
                self._number += 1
                values = {name: _value(c) for name, c in zip(names, cells) if name}
                extra = [c for c in cells[width:] if c is not None and str(c).strip()]
                if not any(v is not None for v in values.values()) and not extra:
                    continue  # an empty row is no row
                label = f"{self.sheet}!row {self._number}"
                if extra:
                    yield Row(
                        label,
                        values,
                        InputError(
                            None, None, (), f"{label}: a value stands beyond the last named column", code="BAD_ROW"
                        ),
                    )
                    continue
                yield Row(label, values)
        finally:
            self._book.close()


def _value(cell: Any) -> Any:
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell if cell.strip() else None
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell
