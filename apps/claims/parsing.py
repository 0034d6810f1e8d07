"""Checking fixed-width CCLF records, vectorised with numpy (no database, no files).

A file's bytes (an ``mmap`` or ``bytes``) are cut into blocks that end on a line boundary; each
block becomes an (n_lines, record_length) byte matrix and every field is checked column-wise:
record length, digits in ``9(n)`` fields, real calendar dates, signed decimals, known codes in coded
fields and required keys. Errors name the line (1-based), field, value and reason. Nothing is
converted here: the loader hands the checked lines to the database, which converts them in bulk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .layouts import Field, Layout

SPACE, NL, CR = 32, 10, 13
ZERO, NINE, MINUS, DOT, DASH = 48, 57, 45, 46, 45
BLOCK_BYTES = 8 * 1024 * 1024
MAX_ERRORS_PER_FILE = 1000

# Coded fields whose values the portal relies on, by file (values after trimming spaces).
CLAIM_TYPES = {
    "CCLF1": {"10", "20", "30", "40", "50", "60", "61"},
    "CCLF2": {"10", "20", "30", "40", "50", "60", "61"},
    "CCLF3": {"10", "20", "30", "40", "50", "60", "61"},
    "CCLF4": {"10", "20", "30", "40", "50", "60", "61"},
    "CCLF5": {"71"},
    "CCLF6": {"72", "81", "82"},
}
ADJUSTMENT_TYPES = {"0", "1", "2"}
CODED_FIELDS: dict[str, dict[str, set[str]]] = {
    **{f: {"CLM_TYPE_CD": v, "CLM_ADJSMT_TYPE_CD": ADJUSTMENT_TYPES} for f, v in CLAIM_TYPES.items()},
    "CCLF7": {"CLM_ADJSMT_TYPE_CD": ADJUSTMENT_TYPES},
    "CCLF8": {
        "BENE_SEX_CD": {"0", "1", "2"},
        "BENE_MDCR_STUS_CD": {"", "10", "11", "20", "21", "31"},
        "BENE_DUAL_STUS_CD": {"", "NA", "00", "01", "02", "03", "04", "05", "06", "08", "09", "10", "99"},
    },
    "CCLF9": {"HICN_MBI_XREF_IND": {"", "H", "M"}},
}
for _file in ("CCLF2", "CCLF3", "CCLF4"):
    CODED_FIELDS[_file].pop("CLM_ADJSMT_TYPE_CD", None)
# Fields that identify a record; blank is an error.
REQUIRED_FIELDS: dict[str, set[str]] = {
    "CCLF1": {
        "CUR_CLM_UNIQ_ID",
        "BENE_MBI_ID",
        "CLM_TYPE_CD",
        "CLM_FROM_DT",
        "CLM_THRU_DT",
        "CLM_ADJSMT_TYPE_CD",
        "CLM_EFCTV_DT",
    },
    "CCLF2": {"CUR_CLM_UNIQ_ID", "BENE_MBI_ID", "CLM_LINE_NUM"},
    "CCLF3": {"CUR_CLM_UNIQ_ID", "BENE_MBI_ID"},
    "CCLF4": {"CUR_CLM_UNIQ_ID", "BENE_MBI_ID"},
    "CCLF5": {
        "CUR_CLM_UNIQ_ID",
        "CLM_LINE_NUM",
        "BENE_MBI_ID",
        "CLM_LINE_FROM_DT",
        "CLM_ADJSMT_TYPE_CD",
        "CLM_EFCTV_DT",
        "CLM_CNTL_NUM",
    },
    "CCLF6": {
        "CUR_CLM_UNIQ_ID",
        "CLM_LINE_NUM",
        "BENE_MBI_ID",
        "CLM_LINE_FROM_DT",
        "CLM_ADJSMT_TYPE_CD",
        "CLM_EFCTV_DT",
        "CLM_CNTL_NUM",
    },
    "CCLF7": {
        "CUR_CLM_UNIQ_ID",
        "BENE_MBI_ID",
        "CLM_LINE_FROM_DT",
        "CLM_ADJSMT_TYPE_CD",
        "CLM_EFCTV_DT",
        "CLM_LINE_RX_SRVC_RFRNC_NUM",
    },
    "CCLF8": {"BENE_MBI_ID"},
    "CCLF9": {"CRNT_NUM", "PRVS_NUM"},
}
DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

Bytes = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RecordError:
    line: int | None
    field: str
    value: str
    reason: str


@dataclass
class Block:
    """Checked lines of one block: ``data`` holds the bytes of the good lines, newline-separated,
    and ``matrix`` the same lines as an (n, record_length) byte matrix."""

    first_line: int
    lines: int
    good: int
    data: bytes
    matrix: Bytes


@dataclass
class FileCheck:
    lines: int = 0
    good: int = 0
    errors: list[RecordError] = field(default_factory=list)
    error_count: int = 0
    non_ascii: bool = False

    def add(self, errors: list[RecordError]) -> None:
        self.error_count += len(errors)
        room = MAX_ERRORS_PER_FILE - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


def _is_digit(col: Bytes) -> Mask:
    return (col >= ZERO) & (col <= NINE)


def _blank(col: Bytes) -> Mask:
    return np.all(col == SPACE, axis=1)


def _digits(col: Bytes) -> Mask:
    return np.all(_is_digit(col), axis=1)


def _number(col: Bytes, idx: list[int]) -> npt.NDArray[np.int64]:
    out = np.zeros(col.shape[0], dtype=np.int64)
    for i in idx:
        out = out * 10 + (col[:, i].astype(np.int64) - ZERO)
    return out


def _dates_ok(col: Bytes) -> Mask:
    shape_ok = np.all(_is_digit(col[:, [0, 1, 2, 3, 5, 6, 8, 9]]), axis=1) & (col[:, 4] == DASH) & (col[:, 7] == DASH)
    year, month, day = _number(col, [0, 1, 2, 3]), _number(col, [5, 6]), _number(col, [8, 9])
    month_ok = (month >= 1) & (month <= 12)
    dim = DAYS_IN_MONTH[np.where(month_ok, month, 0)]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = np.where((month == 2) & ~leap, 28, dim)
    return shape_ok & month_ok & (day >= 1) & (day <= dim) & (year >= 1850)


def _decimals_ok(col: Bytes) -> Mask:
    """Optional leading spaces, an optional minus, digits, at most one point, digits."""
    n, width = col.shape
    is_space = col == SPACE
    allowed = is_space | _is_digit(col) | (col == MINUS) | (col == DOT)
    # Spaces only before the first non-space character (right-justified) or after the last.
    nonspace = ~is_space
    first = np.argmax(nonspace, axis=1)
    last = width - 1 - np.argmax(nonspace[:, ::-1], axis=1)
    pos = np.arange(width)
    inside = (pos >= first[:, None]) & (pos <= last[:, None])
    no_inner_space = ~np.any(is_space & inside, axis=1)
    minus_count = np.sum(col == MINUS, axis=1)
    minus_ok = (minus_count == 0) | ((minus_count == 1) & (col[np.arange(n), first] == MINUS))
    dots_ok = np.sum(col == DOT, axis=1) <= 1
    has_digit = np.any(_is_digit(col), axis=1)
    return np.all(allowed, axis=1) & no_inner_space & minus_ok & dots_ok & has_digit


def _codes_ok(col: Bytes, allowed: set[str]) -> Mask:
    width = col.shape[1]
    values = np.ascontiguousarray(col).view(f"S{width}").ravel()
    wanted = np.array([c.ljust(width).encode() for c in allowed], dtype=f"S{width}")
    return np.isin(values, wanted)


def _text(row: Bytes) -> str:
    return bytes(row).decode("latin-1").strip()


def check_matrix(matrix: Bytes, file_layout: Layout, first_line: int) -> tuple[Mask, list[RecordError]]:
    """Check every field of full-length records. Returns the good-row mask and the errors."""
    good = np.ones(matrix.shape[0], dtype=bool)
    errors: list[RecordError] = []
    coded = CODED_FIELDS.get(file_layout.file, {})
    required = REQUIRED_FIELDS.get(file_layout.file, set())
    for f in file_layout.fields:
        kind = f.kind
        if kind == "text" and f.name not in coded and f.name not in required:
            continue
        col = matrix[:, f.slice]
        blank = _blank(col)
        bad: Mask
        reason: str
        if f.name in required:
            bad = blank
            if bad.any():
                errors.extend(_errors(bad, col, f, first_line, "is required"))
                good &= ~bad
        if kind == "int":
            bad, reason = ~(blank | _digits(col)), "is not a whole number"
        elif kind == "date":
            bad, reason = ~(blank | _dates_ok(col)), "is not a date (YYYY-MM-DD)"
        elif kind == "decimal":
            bad, reason = ~(blank | _decimals_ok(col)), "is not a number"
        elif f.name in coded:
            allowed = coded[f.name]
            bad = ~_codes_ok(col, allowed) & ~(blank & ("" in allowed))
            reason = f"is not a known code ({', '.join(sorted(c for c in allowed if c))})"
        else:
            continue
        if bad.any():
            errors.extend(_errors(bad, col, f, first_line, reason))
            good &= ~bad
        if kind == "int" and f.name in coded:
            # Coded fields laid out as 9(n) (CLM_TYPE_CD): digits first, then a known code. A blank
            # one is not a known code unless "" is allowed (a blank key was reported above).
            allowed = coded[f.name]
            unknown = ~bad & ~_codes_ok(col, allowed) & ~blank
            if "" not in allowed and f.name not in required:
                unknown |= blank
            if unknown.any():
                codes = ", ".join(sorted(c for c in allowed if c))
                errors.extend(_errors(unknown, col, f, first_line, f"is not a known code ({codes})"))
                good &= ~unknown
    return good, errors


def _errors(bad: Mask, col: Bytes, f: Field, first_line: int, reason: str) -> list[RecordError]:
    rows = np.flatnonzero(bad)[:MAX_ERRORS_PER_FILE]
    return [RecordError(first_line + int(r), f.name, _text(col[r]), reason) for r in rows]


def iter_blocks(
    buffer: bytes | memoryview, file_layout: Layout, check: FileCheck, block_bytes: int = BLOCK_BYTES
) -> Iterator[Block]:
    """Walk a file block by block, checking each record; yield the good lines of each block."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    size = data.shape[0]
    width = file_layout.record_length
    line_no = 1
    start = 0
    while start < size:
        end = min(start + block_bytes, size)
        if end < size:
            cut = np.flatnonzero(data[start:end] == NL)
            if cut.size == 0:  # a single huge line: take it whole
                more = np.flatnonzero(data[end:] == NL)
                end = end + int(more[0]) + 1 if more.size else size
            else:
                end = start + int(cut[-1]) + 1
        block = data[start:end]
        if not check.non_ascii and bool(np.any(block >= 128)):
            check.non_ascii = True
        newlines = np.flatnonzero(block == NL)
        starts = np.concatenate(([0], newlines + 1))
        ends = np.concatenate((newlines, [block.shape[0]]))
        if starts[-1] >= block.shape[0]:  # the block ends with a newline: no trailing partial line
            starts, ends = starts[:-1], ends[:-1]
        # Accept CRLF line ends.
        has_cr = (ends > starts) & (block[np.maximum(ends - 1, 0)] == CR)
        content_ends = ends - has_cr
        # Empty lines (a blank line at the end of a file) are not records.
        keep = content_ends > starts
        starts, ends, content_ends, has_cr = starts[keep], ends[keep], content_ends[keep], has_cr[keep]
        lengths = content_ends - starts
        n = starts.shape[0]
        errors: list[RecordError] = []
        wrong = lengths != width
        for r in np.flatnonzero(wrong)[:MAX_ERRORS_PER_FILE]:
            errors.append(
                RecordError(
                    line_no + int(r),
                    "record",
                    f"{int(lengths[r])} characters",
                    f"a {file_layout.file} record is {width} characters long",
                )
            )
        ok = ~wrong
        rows = np.flatnonzero(ok)
        good_rows = rows
        good_matrix = np.empty((0, width), dtype=np.uint8)
        if rows.size:
            matrix = block[starts[rows][:, None] + np.arange(width)]
            mask, field_errors = check_matrix(matrix, file_layout, 0)
            # check_matrix numbered rows 0..k-1 of the matrix: map them back to file lines.
            errors.extend(
                RecordError(line_no + int(rows[e.line or 0]), e.field, e.value, e.reason) for e in field_errors
            )
            good_rows = rows[mask]
            good_matrix = matrix if bool(mask.all()) else matrix[mask]
        check.lines += n
        check.good += int(good_rows.size)
        check.add(errors)
        if good_rows.size == n and not has_cr.any() and bool(keep.all()):
            payload = bytes(block) if block.shape[0] and block[-1] == NL else bytes(block) + b"\n"
        else:
            pieces = [bytes(block[starts[r] : content_ends[r]]) for r in good_rows]
            payload = b"\n".join(pieces) + (b"\n" if pieces else b"")
        yield Block(first_line=line_no, lines=n, good=int(good_rows.size), data=payload, matrix=good_matrix)
        line_no += n
        start = end


TAB, BACKSLASH = 9, 92


def copy_text(matrix: Bytes, file_layout: Layout, lead: Bytes, lead_keep: Mask) -> bytes | None:
    """Checked records as PostgreSQL ``COPY … (FORMAT text)`` rows, built without a Python loop.

    Each row is the caller's ``lead`` bytes (derived columns, tab-terminated; ``lead_keep`` marks
    the bytes to keep) followed by the layout's fields, tab-separated: text fields lose their
    trailing spaces, an all-blank number or date becomes ``\\N`` (NULL), numbers and dates keep
    their padding (PostgreSQL's input functions accept it). Rows are laid out in a padded matrix
    and the padding is dropped with one boolean mask. Returns None when a record holds a tab or a
    backslash (the caller then takes the slower staged path).
    """
    n = matrix.shape[0]
    if n == 0:
        return b""
    if bool(np.any((matrix == TAB) | (matrix == BACKSLASH))):
        return None
    fields = file_layout.fields
    head = lead.shape[1]
    width = head + sum(max(f.length, 2) + 1 for f in fields)
    out = np.full((n, width), SPACE, dtype=np.uint8)
    keep = np.zeros((n, width), dtype=bool)
    out[:, :head] = lead
    keep[:, :head] = lead_keep
    pos = head
    for i, f in enumerate(fields):
        col = matrix[:, f.slice]
        slot = max(f.length, 2)
        out[:, pos : pos + f.length] = col
        nonspace = col != SPACE
        if f.kind == "text":
            # Keep the bytes up to the last non-space one (drops trailing spaces).
            if nonspace.any():
                last = f.length - 1 - np.argmax(nonspace[:, ::-1], axis=1)
                last[~nonspace.any(axis=1)] = -1
                keep[:, pos : pos + f.length] = np.arange(f.length) <= last[:, None]
        else:
            blank = ~np.any(nonspace, axis=1)
            keep[:, pos : pos + f.length] = ~blank[:, None]
            out[blank, pos] = BACKSLASH
            out[blank, pos + 1] = ord("N")
            keep[blank, pos : pos + 2] = True
        pos += slot
        out[:, pos] = NL if i == len(fields) - 1 else TAB
        keep[:, pos] = True
        pos += 1
    return out[keep].tobytes()


def field_values(matrix: Bytes, f: Field) -> npt.NDArray[np.bytes_]:
    """One field of every record as fixed-width byte strings (padding kept)."""
    return np.ascontiguousarray(matrix[:, f.slice]).view(f"S{f.length}").ravel()
