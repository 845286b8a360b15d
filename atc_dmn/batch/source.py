"""Where a batch's rows come from: a file or standard input, which format it is, and its text encoding.

Nothing here reads a whole file: the format is told from the name or from the
first bytes (peeked, so standard input works the same), and text is decoded as
it streams. What bounds memory is the limit on one row (:data:`MAX_ROW`), the
same for a file and for standard input.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from ..errors import InputError

FORMATS = ("csv", "jsonl", "json", "xlsx")
MAX_ROW = 1024 * 1024  # characters in one CSV row, JSON line or JSON array item
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_ZIP = b"PK\x03\x04"
_SNIFF = 4096


@dataclass
class Source:
    """An opened input: its name for messages, its bytes, its format and (for progress) its size."""

    name: str
    binary: BinaryIO
    fmt: str
    size: int | None  # bytes; None for a pipe
    encoding: str = ""  # the text encoding read, once text() has told it

    def position(self) -> int | None:
        """How many bytes have been read so far (for a progress bar), where that can be told."""
        try:
            return self.binary.tell() if self.size is not None else None
        except (OSError, ValueError):
            return None

    def text(self, encoding: str | None = None) -> TextIO:
        """The bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM, or ``encoding``; newlines as written.

        With no BOM and no ``encoding``, the first bytes must be UTF-8: a file that is not (Excel's
        "CSV (Comma delimited)" writes Windows-1252) is refused before any row, rather than failing
        row by row. Bytes further on that are not text are kept as lone surrogates (``surrogateescape``),
        so that only the row holding them fails.
        """
        head = _peek(self.binary, _SNIFF * 16)
        if encoding is None:
            encoding = next((name for bom, name in _BOMS if head.startswith(bom)), None)
        if encoding is None:
            encoding = "utf-8"
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 3:  # not merely a character cut at the end of what was peeked
                    line = head.count(b"\n", 0, exc.start) + 1
                    raise InputError(
                        "--encoding",
                        None,
                        (),
                        f"{self.name} is not UTF-8 text (byte 0x{head[exc.start]:02X} on line {line}); Excel's "
                        "'CSV (Comma delimited)' writes Windows-1252: save it as 'CSV UTF-8', "
                        "or give --encoding cp1252",
                        code="NOT_TEXT",
                    ) from None
        self.encoding = encoding
        return io.TextIOWrapper(self.binary, encoding=encoding, errors="surrogateescape", newline="")

    def seekable_file(self) -> BinaryIO:
        """A seekable copy for the xlsx reader (a zip is read from its end): standard input goes to a temporary file."""
        if self.binary.seekable():
            return self.binary
        copy = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the batch
        shutil.copyfileobj(self.binary, copy, 1024 * 1024)
        copy.seek(0)
        return copy  # type: ignore[return-value]

    def close(self) -> None:
        if self.binary is not getattr(sys.stdin, "buffer", None):
            self.binary.close()


def open_source(path: str, fmt: str | None = None) -> Source:
    """Open ``path`` ('-' for standard input) and tell its format, unless ``fmt`` gives it.

    Raises :class:`InputError` (code ``UNREADABLE``) for a file that cannot be read.
    """
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream without bytes underneath (an embedding caller's)
            stream = io.BytesIO(sys.stdin.read().encode("utf-8", "surrogatepass"))
        binary: BinaryIO = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]
        name, size = "standard input", None
    else:
        file = Path(path)
        if file.is_dir():
            raise InputError(None, path, (), f"{path} is a folder, not a file of cases", code="UNREADABLE")
        try:
            binary = open(file, "rb", buffering=_SNIFF * 16)  # noqa: SIM115 - closed by Source.close
            size = file.stat().st_size
        except FileNotFoundError:
            raise InputError(None, path, (), f"no case file at {path}", code="UNREADABLE") from None
        except OSError as exc:
            raise InputError(None, path, (), f"cannot read {path}: {exc.strerror or exc}", code="UNREADABLE") from None
        name = path
    return Source(name, binary, fmt or _guess(path, binary), size)


def _guess(path: str, binary: BinaryIO) -> str:
    """The format by the file's extension, else by its first bytes: a zip is xlsx, ``[`` JSON, ``{`` JSON Lines."""
    by_name = _EXTENSIONS.get(Path(path).suffix.lower()) if path != "-" else None
    if by_name:
        return by_name
    head = _peek(binary, _SNIFF)
    if head.startswith(_ZIP):
        return "xlsx"
    encoding = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8-sig")
    first = head.decode(encoding, errors="ignore").lstrip()[:1]
    if first == "[":
        return "json"
    if first == "{":
        return "jsonl"
    return "csv"


def _peek(binary: BinaryIO, n: int) -> bytes:
    """The next ``n`` bytes without consuming them (a pipe's too: it is buffered)."""
    peek = getattr(binary, "peek", None)
    if peek is not None:
        data = peek(n)
        return data[:n]
    where = binary.tell()
    data = binary.read(n)
    binary.seek(where)
    return data
