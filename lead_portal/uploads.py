"""The one reader of every CSV the portal is given: list uploads, voluntary alignments, quality
submissions, Medicaid opt-outs and the dataset bundle's files.

Whatever a file holds, the answer is a list of row errors (file, line, field, the value shortened
and the reason), or ``FileTooLarge`` with both sizes, never a crash:

* too large: refused from its declared size, before a byte is read (``upload_bytes``, and
  ``refuse_large_body`` from a request's Content-Length before the body is parsed);
* not UTF-8: each cell with a bad byte, with the byte;
* a NUL character (PostgreSQL cannot store one in text) or a cell over ``MAX_CELL_CHARS``;
* not CSV at all (an unterminated quote, for example).

A file with any of these is refused whole; the callers check the rows' values (their own rules) only
in a file that reads cleanly, and load nothing while any row has an error.

Python's csv module stops at a field of 131,072 characters with an error that names neither the
line nor the field; its limit is raised once, process-wide, so this reader finds the cell and names
it (the limit only guards memory, which the size limit on every file already bounds).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

MB = 1024 * 1024
MAX_CSV_UPLOAD_BYTES = 5 * MB  # list and voluntary alignment uploads, page and API alike
MAX_CELL_CHARS = 10_000  # no value of any portal file comes near (the longest, an opt-out note, is 300)
SHOWN_CHARS = 40  # a value quoted in an error is cut here
MAX_READ_ERRORS = 100  # a file that is not text at all would otherwise give an error per cell

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")  # the bytes ``surrogateescape`` kept
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    """One problem of a file or a typed-in row: the line (0 for the file, or for a single row),
    the field, the value as given and the reason."""

    line: int
    field: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class CSVRecord:
    """A non-blank record: its physical line (of its last line, the header being line 1), its values
    by stripped column name (not stripped themselves) and any values beyond the header's columns."""

    line: int
    values: dict[str, str]
    surplus: tuple[str, ...] = ()


@dataclass
class CSVFile:
    header: list[str] = field(default_factory=list)
    records: list[CSVRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def shown(value: str) -> str:
    """A value fit to quote in an error: bad bytes as U+FFFD, control characters escaped (``\\x00``),
    cut after ``SHOWN_CHARS`` characters."""
    text = _NOT_UTF8.sub("\ufffd", value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def size_text(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size:,} bytes"


class FileTooLarge(ValidationError):
    """An upload over its limit, refused before it is read. ``reason`` is the row-error wording
    ("is larger than 5 MB (it is 223.0 MB)"); the form and API field message is a sentence."""

    def __init__(self, *, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        limit_text = f"{limit // MB} MB" if limit % MB == 0 else size_text(limit)
        self.reason = f"is larger than {limit_text} (it is {size_text(size)})"
        super().__init__({"file": self.message_text})

    @property
    def message_text(self) -> str:
        return f"The file {self.reason}."


def upload_bytes(upload: Any, *, limit: int = MAX_CSV_UPLOAD_BYTES) -> bytes:
    """The bytes of an uploaded file (or of bytes already in hand), refused with ``FileTooLarge``
    from its declared size before anything is read, and again if it holds more than it declared."""
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
        if len(data) > limit:
            raise FileTooLarge(size=len(data), limit=limit)
        return data
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise FileTooLarge(size=size, limit=limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(size=max(len(data), size or 0), limit=limit)
    return bytes(data)


def refuse_large_body(meta: dict[str, Any], *, limit: int = MAX_CSV_UPLOAD_BYTES) -> None:
    """Refuse a request whose body is bigger than a file of ``limit`` could make (the form's other
    fields and the multipart framing get 64 KB), from its Content-Length, before the body is read."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length > limit + 64 * 1024:
        raise FileTooLarge(size=length, limit=limit)


def upload_rows[Row](
    upload: Any, *, max_bytes: int, max_rows: int, read: Callable[[bytes, str], tuple[list[Row], list[RowError]]]
) -> tuple[list[Row], list[RowError]]:
    """The rows of an uploaded file, read by ``read(data, file name)``, or the errors that stop the whole
    file: over ``max_bytes``, ``read``'s own errors, no rows, or more than ``max_rows`` rows."""
    name = str(getattr(upload, "name", "") or "upload.csv")
    try:
        data = upload_bytes(upload, limit=max_bytes)
    except FileTooLarge as exc:
        return [], [RowError(0, "file", name, exc.reason)]
    rows, errors = read(data, name)
    if errors:
        return [], errors
    if not rows:
        return [], [RowError(0, "file", name, "has no rows")]
    if len(rows) > max_rows:
        return [], [RowError(0, "file", name, f"has more than {max_rows:,} rows")]
    return rows, []


def _cell_errors(line: int, name: str, value: str) -> list[RowError]:
    errors = []
    if len(value) > MAX_CELL_CHARS:
        errors.append(RowError(line, name, shown(value), f"is longer than {MAX_CELL_CHARS:,} characters"))
    if "\x00" in value:
        errors.append(RowError(line, name, shown(value), "contains a NUL character (byte 0)"))
    bad = _NOT_UTF8.search(value)
    if bad:
        byte = ord(bad.group()) - 0xDC00
        errors.append(
            RowError(line, name, shown(value), f"is not UTF-8 text (byte 0x{byte:02X}): save the file as UTF-8")
        )
    return errors


def read_csv(data: bytes, *, name: str, columns: Sequence[str] = (), lowercase_header: bool = False) -> CSVFile:
    """Read a CSV file's records. ``columns`` must all be in the header (others may be too).

    Errors name the file's problems (see the module); when there are any, ``records`` is empty."""
    result = CSVFile()
    kind = _not_text(data)
    if kind:
        result.errors.append(RowError(0, "file", name, f"is {kind}, not a CSV file: save it as CSV UTF-8"))
        return result
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    # newline="": line ends (\n, \r\n or a lone \r) are left to the csv module, and a line end
    # inside a quoted value stays part of the value.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader, [])
        header = [h.strip().lower() if lowercase_header else h.strip() for h in raw_header]
        result.header = header
        for h in header:
            result.errors.extend(_cell_errors(1, "header", h))
        if result.errors:
            return result
        repeated = sorted({h for h in header if h and header.count(h) > 1})
        if repeated:
            result.errors.append(RowError(1, "header", ",".join(header), f"names {', '.join(repeated)} twice"))
            return result
        missing = [c for c in columns if c not in header]
        if missing:
            result.errors.append(RowError(1, "header", ",".join(header), f"missing column(s): {', '.join(missing)}"))
            return result
        for cells in reader:
            # The physical line of the record's end: blank lines are skipped, not counted as records.
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = dict(zip(header, cells, strict=False))
            for column, value in zip(header, cells, strict=False):
                result.errors.extend(_cell_errors(line, column or "row", value))
            for value in cells[len(header) :]:
                result.errors.extend(_cell_errors(line, "row", value))
            values.update({c: "" for c in header[len(cells) :]})
            values.pop("", None)  # a column without a name (a trailing comma in the header)
            result.records.append(CSVRecord(line, values, tuple(cells[len(header) :])))
            if len(result.errors) > MAX_READ_ERRORS:
                break
    except csv.Error as exc:
        result.errors.append(RowError(reader.line_num, "file", name, f"is not a valid CSV file ({exc})"))
    if len(result.errors) > MAX_READ_ERRORS:
        del result.errors[MAX_READ_ERRORS:]
        result.errors.append(
            RowError(0, "file", name, f"has more problems than these {MAX_READ_ERRORS}: is it a CSV file in UTF-8?")
        )
    if result.errors:
        result.records = []
    return result


def _not_text(data: bytes) -> str:
    """What a file is when it is plainly not UTF-8 text: a workbook, UTF-16 text (empty otherwise)."""
    if data.startswith(b"PK\x03\x04"):
        return "a zip file (an Excel workbook?)"
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF-")):
        return "an Office document or a PDF"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text"
    return ""
