"""Reading CCLF0, the package's summary file (CCLF Information Packet v38, Tables 25 and 26).

CMS writes one header row (layout ``CCLF0``: the labels "File Number", "File Description",
"Total Records Count" and "Record Length", left-justified in 1-13, 15-34, 36-55 and 57-69, ``|`` at
14, 35 and 56), then one detail row per file of the package (layout ``CCLF0D``: the file type
left-justified in 1-7, ``|`` at 8, the file's name in 9-51, ``|`` at 52, the record count
right-justified in 53-63, ``|`` at 64, the record length right-justified in 65-69, and a blank
filler at 70). The detail rows are *not* at the header's column positions.

The same small variations as in the data files are taken in stride (CRLF, no final newline, empty
lines at the end, trailing blanks stripped). Pure: bytes in, counts and errors out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .layouts import DATA_FILE_TYPES, layout
from .parsing import RecordError

HEADER_LABELS = ("File Number", "File Description", "Total Records Count", "Record Length")
TABLES = "CCLF Information Packet Tables 25 and 26"


@dataclass
class Cclf0:
    """What a CCLF0 says: per file type, the record count and record length CMS sent."""

    expected: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)


def _delimiters(line: str, positions: tuple[int, ...]) -> bool:
    return all(len(line) >= p and line[p - 1] == "|" for p in positions)


def read_cclf0(data: bytes) -> Cclf0:
    """The record count and length of each file listed in a CCLF0, and every problem found."""
    out = Cclf0()
    header = layout("CCLF0")
    detail = layout("CCLF0D")
    header_bars = tuple(f.start for f in header.fields if f.name == "Delimiter")
    detail_bars = tuple(f.start for f in detail.fields if f.name == "Delimiter")
    labels = [f for f in header.fields if f.name != "Delimiter"]
    file_type_f, _, _, _, count_f, _, length_f = detail.fields
    width = detail.record_length  # 69; Table 26 adds a blank filler at 70

    lines = data.decode("latin-1").split("\n")
    while lines and not lines[-1].strip("\r"):
        lines.pop()  # empty lines at the end (and the split after the last newline)
    if not lines:
        out.errors.append(RecordError(None, "CCLF0", "", f"the summary file is empty ({TABLES})"))
        return out
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix("\r")
        if not line:
            out.errors.append(RecordError(number, "record", "", "is an empty line: no record"))
            continue
        if len(line) > width + 1 or (len(line) == width + 1 and line[width] != " "):
            out.errors.append(
                RecordError(
                    number,
                    "record length",
                    f"{len(line)} characters",
                    f"a CCLF0 row is {width} characters long ({width + 1} with its blank filler)",
                )
            )
            continue
        line = line.ljust(width)
        if number == 1:
            if _delimiters(line, header_bars) and line[: labels[0].length].strip() == HEADER_LABELS[0]:
                for text, f in zip(HEADER_LABELS, labels, strict=True):
                    value = line[f.slice]
                    if value.strip() != text:
                        out.errors.append(RecordError(number, f.name, value, f"should be {text!r} ({TABLES})"))
                continue
            out.errors.append(
                RecordError(
                    number,
                    "header",
                    line.rstrip(),
                    "the header row is missing: CCLF0 starts with "
                    f"{'|'.join(HEADER_LABELS)!r} ({TABLES}); this row is read as a detail row",
                )
            )
        missing = [p for p in detail_bars if line[p - 1] != "|"]
        if missing:
            if _delimiters(line, header_bars):
                reason = (
                    "is laid out like the header row (| at 14, 35 and 56); a detail row has | at "
                    f"8, 52 and 64 ({TABLES})"
                )
            else:
                reason = f"has no | at position {', '.join(str(p) for p in missing)} ({TABLES})"
            out.errors.append(RecordError(number, "record", line.rstrip(), reason))
            continue
        file_value, count_value, length_value = line[file_type_f.slice], line[count_f.slice], line[length_f.slice]
        file_type = file_value.strip()
        if file_type not in DATA_FILE_TYPES:
            out.errors.append(
                RecordError(number, file_type_f.name, file_value, "is not a CCLF file type (CCLF1-CCLF9, CCLFA, CCLFB)")
            )
            continue
        if not count_value.strip().isdigit():
            out.errors.append(RecordError(number, count_f.name, count_value, "is not a whole number"))
            continue
        if not length_value.strip().isdigit():
            out.errors.append(RecordError(number, length_f.name, length_value, "is not a whole number"))
            continue
        if file_type in seen:
            out.errors.append(
                RecordError(number, file_type_f.name, file_value, f"is listed twice (also on line {seen[file_type]})")
            )
            continue
        seen[file_type] = number
        out.expected[file_type] = (int(count_value), int(length_value))
    return out
