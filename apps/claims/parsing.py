"""Checking fixed-width CCLF records, vectorised with numpy (no database, no files).

A file's bytes (an ``mmap`` or ``bytes``) are cut into blocks that end on a line boundary; each
block becomes an (n_lines, record_length) byte matrix and every field is checked column-wise:
record length, digits in ``9(n)`` fields, real calendar dates, signed decimals, known codes in coded
fields and required keys. Errors name the line (1-based, as the file counts its lines), field,
the value as it stands in the record (blanks and justification kept) and the reason. Nothing is
converted here: the loader hands the checked lines to the database, which converts them in bulk.

Real files vary in small ways that are taken in stride and counted: CRLF line ends, no newline after
the last record, empty lines at the end, and records whose trailing blanks were stripped (padded
back to the layout length). A file written in an earlier layout version (every record of the
version's length, e.g. CCLF1 of 292 characters from before 2022) is named as such, never misread.

The checker and the loader read every field the same way: a coded field's value is its text
without surrounding blanks (``' 1'`` and ``'1 '`` are both ``1``, and are stored as ``1``), a
number may be padded with blanks or zeros, and the dates CMS uses for "missing" (1000-01-01,
9999-12-31; Information Packet §3.6) are read as blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .layouts import PRIOR_RECORD_LENGTHS, PRIOR_VERSION, Field, Layout, switch_fields

SPACE, NL, CR = 32, 10, 13
ZERO, NINE, MINUS, DOT, DASH = 48, 57, 45, 46, 45
BLOCK_BYTES = 8 * 1024 * 1024
# Error rows kept per file; the count of problems is always the real count.
MAX_ERRORS_PER_FILE = 1000
# Dates CMS writes for a missing date (CCLF Information Packet §3.6), read as blank.
MISSING_DATES = ("1000-01-01", "9999-12-31")

# Coded fields whose values the portal relies on, by file (values after trimming spaces).
PART_A_TYPES = {"10", "20", "30", "40", "50", "60", "61"}
CLAIM_TYPES = {
    "CCLF1": PART_A_TYPES,
    "CCLF2": PART_A_TYPES,
    "CCLF3": PART_A_TYPES,
    "CCLF4": PART_A_TYPES,
    "CCLF5": {"71"},
    "CCLF6": {"72", "81", "82"},
    "CCLFA": PART_A_TYPES,
    "CCLFB": {"71", "72", "81", "82"},
}
ADJUSTMENT_TYPES = {"0", "1", "2"}
# Benefit Enhancement indicators: "Y" or "N", blank when CMS has no data (Tables 23 and 24).
SWITCH = {"", "Y", "N"}
CODED_FIELDS: dict[str, dict[str, set[str]]] = {
    **{f: {"CLM_TYPE_CD": v, "CLM_ADJSMT_TYPE_CD": ADJUSTMENT_TYPES} for f, v in CLAIM_TYPES.items()},
    "CCLF7": {"CLM_ADJSMT_TYPE_CD": ADJUSTMENT_TYPES},
    "CCLF8": {
        "BENE_SEX_CD": {"0", "1", "2"},
        "BENE_MDCR_STUS_CD": {"", "10", "11", "20", "21", "31"},
        "BENE_DUAL_STUS_CD": {"", "NA", "00", "01", "02", "03", "04", "05", "06", "08", "09", "10", "99"},
    },
    # H links an old HICN, M an MBI: only M rows link beneficiaries, so the indicator is required.
    "CCLF9": {"HICN_MBI_XREF_IND": {"H", "M"}},
}
for _file in ("CCLF2", "CCLF3", "CCLF4", "CCLFA", "CCLFB"):
    CODED_FIELDS[_file].pop("CLM_ADJSMT_TYPE_CD", None)
for _file in ("CCLFA", "CCLFB"):
    CODED_FIELDS[_file].update({name: SWITCH for name in switch_fields(_file)})
# Text fields read without surrounding blanks (checked, derived from and stored that way): the coded
# ones, and the Part B denial code (a line is denied when it is 0).
TRIMMED_FIELDS: dict[str, set[str]] = {file: {n for n in coded} for file, coded in CODED_FIELDS.items()}
for _file in ("CCLF5", "CCLF6"):
    TRIMMED_FIELDS[_file].add("CLM_CARR_PMT_DNL_CD")
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
    "CCLFA": {"CUR_CLM_UNIQ_ID", "BENE_MBI_ID"},
    "CCLFB": {"CUR_CLM_UNIQ_ID", "CLM_LINE_NUM", "BENE_MBI_ID"},
}
DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

Bytes = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RecordError:
    """One problem: the line (None for a file-level problem), the field, the value as it stands in
    the record (blanks and justification kept) and the reason."""

    line: int | None
    field: str
    value: str
    reason: str


@dataclass
class Block:
    """Checked lines of one block: ``data`` holds the good records, newline-separated (padded to
    the layout length, without CR), and ``matrix`` the same records as an (n, record_length) byte
    matrix."""

    first_line: int
    lines: int
    good: int
    data: bytes
    matrix: Bytes


@dataclass
class FileCheck:
    """What checking one file found: records, good records, errors (the first
    ``MAX_ERRORS_PER_FILE``, with the real count) and the variations taken in stride."""

    lines: int = 0
    good: int = 0
    errors: list[RecordError] = field(default_factory=list)
    error_count: int = 0
    non_ascii: bool = False
    padded: int = 0  # records whose trailing blanks were stripped, padded back to the layout length
    crlf: int = 0  # records ending in CR LF
    no_final_newline: bool = False
    trailing_empty: int = 0  # empty lines after the last record
    prior_version: int = 0  # records exactly as long as the layout's earlier version

    def add(self, errors: list[RecordError], count: int | None = None) -> None:
        """Record ``count`` problems (default: as many as listed), keeping the first few."""
        self.error_count += len(errors) if count is None else count
        room = MAX_ERRORS_PER_FILE - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def notes(self) -> list[str]:
        """The variations taken in stride, in words, for the ingest report."""
        out = []
        if self.padded:
            out.append(
                f"{self.padded:,} record{'s' if self.padded != 1 else ''} had trailing blanks stripped; "
                "padded back to the layout length"
            )
        if self.crlf:
            out.append(f"CRLF line ends ({self.crlf:,} record{'s' if self.crlf != 1 else ''})")
        if self.no_final_newline:
            out.append("no newline after the last record")
        if self.trailing_empty:
            out.append(
                f"{self.trailing_empty:,} empty line{'s' if self.trailing_empty != 1 else ''} at the end, ignored"
            )
        return out


def _is_digit(col: Bytes) -> Mask:
    return (col >= ZERO) & (col <= NINE)


def _blank(col: Bytes) -> Mask:
    return np.all(col == SPACE, axis=1)


def _padded_digits(col: Bytes) -> Mask:
    """Digits, optionally with blanks before or after them (not between): what the database's
    whole-number input reads. Zero-padded values (the CMS layout's 9(n)) take the fast path."""
    ok = np.all(_is_digit(col), axis=1)
    rest = np.flatnonzero(~ok)
    if rest.size:
        sub = col[rest]
        width = sub.shape[1]
        is_space = sub == SPACE
        nonspace = ~is_space
        first = np.argmax(nonspace, axis=1)
        last = width - 1 - np.argmax(nonspace[:, ::-1], axis=1)
        pos = np.arange(width)
        inside = (pos >= first[:, None]) & (pos <= last[:, None])
        ok[rest] = np.all(np.where(inside, _is_digit(sub), is_space), axis=1) & np.any(nonspace, axis=1)
    return ok


def _number(col: Bytes, idx: list[int]) -> npt.NDArray[np.int64]:
    out = np.zeros(col.shape[0], dtype=np.int64)
    for i in idx:
        out = out * 10 + (col[:, i].astype(np.int64) - ZERO)
    return out


def _missing_dates(col: Bytes, rows: npt.NDArray[np.intp] | None = None) -> Mask:
    """CMS's placeholders for a missing date (1000-01-01, 9999-12-31), read as blank. Only rows
    whose year starts 10 or 9 can be one (``rows`` narrows the look further): the exact comparison
    runs on those few."""
    out = np.zeros(col.shape[0], dtype=bool)
    if rows is None:
        first, second = col[:, 0], col[:, 1]
        maybe = np.flatnonzero((first == NINE) | ((first == ZERO + 1) & (second == ZERO)))
    else:
        first, second = col[rows, 0], col[rows, 1]
        maybe = rows[(first == NINE) | ((first == ZERO + 1) & (second == ZERO))]
    if maybe.size:
        out[maybe] = _codes_ok(col[maybe], set(MISSING_DATES))
    return out


def _dates_ok(col: Bytes) -> Mask:
    shape_ok = np.all(_is_digit(col[:, [0, 1, 2, 3, 5, 6, 8, 9]]), axis=1) & (col[:, 4] == DASH) & (col[:, 7] == DASH)
    year, month, day = _number(col, [0, 1, 2, 3]), _number(col, [5, 6]), _number(col, [8, 9])
    month_ok = (month >= 1) & (month <= 12)
    dim = DAYS_IN_MONTH[np.where(month_ok, month, 0)]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    dim = np.where((month == 2) & ~leap, 28, dim)
    ok = shape_ok & month_ok & (day >= 1) & (day <= dim) & (year >= 1850)
    return ok | _missing_dates(col, np.flatnonzero(~ok))


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
    """The field holds one of the codes, in any position (left- or right-justified: ``'1 '`` and
    ``' 1'`` are both code 1); an all-blank field is code ``""``."""
    width = col.shape[1]
    values = np.ascontiguousarray(col).view(f"S{width}").ravel()
    placed = {(" " * k + c).ljust(width) for c in allowed if len(c) <= width for k in range(width - len(c) + 1)}
    wanted = np.array([p.encode() for p in placed], dtype=f"S{width}")
    return np.isin(values, wanted)


def _text(row: Bytes) -> str:
    """A field's value as it stands in the record: blanks and justification kept."""
    return bytes(row).decode("latin-1")


def check_matrix(matrix: Bytes, file_layout: Layout, first_line: int) -> tuple[Mask, list[RecordError], int]:
    """Check every field of full-length records. Returns the good-row mask, the errors (at most
    ``MAX_ERRORS_PER_FILE`` of each kind) and the real number of problems."""
    good = np.ones(matrix.shape[0], dtype=bool)
    errors: list[RecordError] = []
    count = 0
    coded = CODED_FIELDS.get(file_layout.file, {})
    required = REQUIRED_FIELDS.get(file_layout.file, set())

    def report(bad: Mask, col: Bytes, f: Field, reason: str) -> None:
        nonlocal count, good
        if bad.any():
            count += int(bad.sum())
            errors.extend(_errors(bad, col, f, first_line, reason))
            good &= ~bad

    for f in file_layout.fields:
        kind = f.kind
        if kind == "text" and f.name not in coded and f.name not in required:
            continue
        col = matrix[:, f.slice]
        blank = _blank(col)
        if f.name in required:
            report(blank, col, f, "is required")
        if kind == "int":
            bad, reason = ~(blank | _padded_digits(col)), "is not a whole number"
        elif kind == "date":
            bad, reason = ~(blank | _dates_ok(col)), "is not a date (YYYY-MM-DD)"
        elif kind == "decimal":
            bad, reason = ~(blank | _decimals_ok(col)), "is not a number"
        elif f.name in coded:
            allowed = coded[f.name]
            # A blank required field was reported above; a blank optional one is fine if "" is a code.
            bad = ~_codes_ok(col, allowed) & ~(blank & (f.name in required))
            reason = f"is not a known code ({', '.join(sorted(c for c in allowed if c))})"
        else:
            continue
        report(bad, col, f, reason)
        if kind == "int" and f.name in coded:
            # Coded fields laid out as 9(n) (CLM_TYPE_CD): digits first, then a known code. A blank
            # one is not a known code unless "" is allowed (a blank key was reported above).
            allowed = coded[f.name]
            unknown = ~bad & ~_codes_ok(col, allowed) & ~blank
            if "" not in allowed and f.name not in required:
                unknown |= blank
            codes = ", ".join(sorted(c for c in allowed if c))
            report(unknown, col, f, f"is not a known code ({codes})")
    return good, errors, count


def _errors(bad: Mask, col: Bytes, f: Field, first_line: int, reason: str) -> list[RecordError]:
    rows = np.flatnonzero(bad)[:MAX_ERRORS_PER_FILE]
    return [RecordError(first_line + int(r), f.name, _text(col[r]), reason) for r in rows]


def _last_record_end(data: Bytes) -> int:
    """Offset just past the last byte that is not a line end: lines starting after it are the
    empty lines at the end of the file."""
    end = data.shape[0]
    step = 4096
    while end > 0:
        window = data[max(0, end - step) : end]
        content = np.flatnonzero((window != NL) & (window != CR))
        if content.size:
            return end - window.shape[0] + int(content[-1]) + 1
        end -= window.shape[0]
    return 0


def length_reason(file_layout: Layout, length: int) -> str:
    """Why a record of ``length`` characters cannot be read with the layout."""
    width = file_layout.record_length
    prior = PRIOR_RECORD_LENGTHS.get(file_layout.file)
    if prior is not None and length == prior:
        return (
            f"a {file_layout.file} record is {width} characters long; {prior} is the length of the layout "
            f"{PRIOR_VERSION}"
        )
    return f"a {file_layout.file} record is {width} characters long"


def iter_blocks(
    buffer: bytes | memoryview, file_layout: Layout, check: FileCheck, block_bytes: int = BLOCK_BYTES
) -> Iterator[Block]:
    """Walk a file block by block, checking each record; yield the good records of each block.

    Line numbers count every line of the file, empty ones included. A record shorter than the
    layout (trailing blanks stripped) is padded back with blanks; a longer one is an error; an
    empty line is an error unless only empty lines follow it. After the last block,
    ``check.prior_version`` says how many records had exactly the length of the layout's earlier
    version (the caller names the version when every record does)."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    size = data.shape[0]
    width = file_layout.record_length
    prior = PRIOR_RECORD_LENGTHS.get(file_layout.file, -1)
    content_end = _last_record_end(data) if size else 0
    check.no_final_newline = bool(size and data[-1] != NL and content_end == size)
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
        physical = line_no + np.arange(starts.shape[0])
        line_no += starts.shape[0]
        has_cr = (ends > starts) & (block[np.maximum(ends - 1, 0)] == CR)
        content_ends = ends - has_cr
        lengths = content_ends - starts
        # Empty lines after the last record are not records; elsewhere an empty line is an error.
        trailing = (start + starts) >= content_end
        check.trailing_empty += int(np.count_nonzero(trailing))
        keep = ~trailing
        starts, content_ends, lengths, has_cr, physical = (
            starts[keep],
            content_ends[keep],
            lengths[keep],
            has_cr[keep],
            physical[keep],
        )
        n = starts.shape[0]
        check.crlf += int(np.count_nonzero(has_cr))
        check.prior_version += int(np.count_nonzero(lengths == prior))
        errors: list[RecordError] = []
        empty = lengths == 0
        long = lengths > width
        short = ~empty & (lengths < width)
        for r in np.flatnonzero(empty)[:MAX_ERRORS_PER_FILE]:
            errors.append(RecordError(int(physical[r]), "record", "", "is an empty line: no record"))
        long_rows = np.flatnonzero(long)
        for r in long_rows[:MAX_ERRORS_PER_FILE]:
            length = int(lengths[r])
            errors.append(
                RecordError(
                    int(physical[r]), "record length", f"{length} characters", length_reason(file_layout, length)
                )
            )
        count = int(np.count_nonzero(empty)) + int(long_rows.size)
        rows = np.flatnonzero(~empty & ~long)
        good_rows = rows
        good_matrix = np.empty((0, width), dtype=np.uint8)
        padded = bool(short.any())
        if rows.size:
            # The gather's index matrix is as large as the block eight times over: never keep it.
            if padded:
                # Stripped trailing blanks: read each record up to its own end, blanks after it.
                inside = np.arange(width) < lengths[rows][:, None]
                last = block.shape[0] - 1
                matrix = np.where(
                    inside, block[np.minimum(starts[rows][:, None] + np.arange(width), last)], SPACE
                ).astype(np.uint8)
                del inside
                check.padded += int(np.count_nonzero(short))
            else:
                matrix = block[starts[rows][:, None] + np.arange(width)]
            mask, field_errors, field_count = check_matrix(matrix, file_layout, 0)
            # check_matrix numbered rows 0..k-1 of the matrix: map them back to file lines.
            errors.extend(
                RecordError(int(physical[rows[e.line or 0]]), e.field, e.value, e.reason) for e in field_errors
            )
            count += field_count
            good_rows = rows[mask]
            good_matrix = matrix if bool(mask.all()) else matrix[mask]
        check.lines += n - int(np.count_nonzero(empty))
        check.good += int(good_rows.size)
        errors.sort(key=lambda e: e.line or 0)
        check.add(errors, count)
        if good_rows.size == n and not has_cr.any() and not padded and bool(keep.all()):
            payload = bytes(block) if block.shape[0] and block[-1] == NL else bytes(block) + b"\n"
        elif padded:
            with_nl = np.empty((good_matrix.shape[0], width + 1), dtype=np.uint8)
            with_nl[:, :width] = good_matrix
            with_nl[:, width] = NL
            payload = with_nl.tobytes()
        else:
            pieces = [bytes(block[starts[r] : content_ends[r]]) for r in good_rows]
            payload = b"\n".join(pieces) + (b"\n" if pieces else b"")
        yield Block(
            first_line=int(physical[0]) if n else line_no,
            lines=n,
            good=int(good_rows.size),
            data=payload,
            matrix=good_matrix,
        )
        start = end


TAB, BACKSLASH = 9, 92


def copy_text(matrix: Bytes, file_layout: Layout, lead: Bytes, lead_keep: Mask) -> bytes | None:
    """Checked records as PostgreSQL ``COPY … (FORMAT text)`` rows, built without a Python loop.

    Each row is the caller's ``lead`` bytes (derived columns, tab-terminated; ``lead_keep`` marks
    the bytes to keep) followed by the layout's fields, tab-separated: text fields lose their
    trailing spaces (coded ones their leading spaces too, ``TRIMMED_FIELDS``), an all-blank number
    or date and a date CMS uses for "missing" become ``\\N`` (NULL), numbers and dates keep their
    padding (PostgreSQL's input functions accept it). Rows are laid out in a padded matrix
    and the padding is dropped with one boolean mask. Returns None when a record holds a tab or a
    backslash (the caller then takes the slower staged path).
    """
    n = matrix.shape[0]
    if n == 0:
        return b""
    if bool(np.any((matrix == TAB) | (matrix == BACKSLASH))):
        return None
    fields = file_layout.fields
    trimmed = TRIMMED_FIELDS.get(file_layout.file, set())
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
            # Keep the bytes up to the last non-space one (drops trailing spaces), and for a coded
            # field from the first non-space one.
            if nonspace.any():
                last = f.length - 1 - np.argmax(nonspace[:, ::-1], axis=1)
                last[~nonspace.any(axis=1)] = -1
                kept = np.arange(f.length) <= last[:, None]
                if f.name in trimmed:
                    kept &= np.arange(f.length) >= np.argmax(nonspace, axis=1)[:, None]
                keep[:, pos : pos + f.length] = kept
        else:
            blank = ~np.any(nonspace, axis=1)
            if f.kind == "date":
                blank |= _missing_dates(col)
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
