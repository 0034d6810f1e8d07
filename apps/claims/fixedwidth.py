"""Writing CCLF records and the CCLF0 summary in the fixed-width form the loader reads.

Conventions (those of CMS files): text left-justified and space-padded; ``9(n)`` integers
zero-padded; dates ``YYYY-MM-DD`` or blank; amounts and quantities signed decimals right-justified
(2 decimal places, 4 for ``*_QTY``); an empty value is all spaces.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from .layouts import FILE_DESCRIPTIONS, Field, Layout, layout


def format_value(field: Field, value: Any) -> str:
    width = field.length
    if value is None or value == "":
        return " " * width
    kind = field.kind
    if kind == "date":
        text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    elif kind == "int":
        text = f"{int(value):0{width}d}"
    elif kind == "decimal":
        places = 4 if field.name.endswith("_QTY") else 2
        text = f"{Decimal(value):.{places}f}".rjust(width)
    else:
        text = str(value).ljust(width)
    if len(text) != width:
        raise ValueError(f"{field.name}: {value!r} does not fit in {width} characters")
    return text


def format_record(file_layout: Layout, values: dict[str, Any]) -> str:
    """One record, exactly ``record_length`` characters (no line terminator)."""
    unknown = set(values) - set(file_layout.names)
    if unknown:
        raise KeyError(f"{file_layout.file} has no field(s) {sorted(unknown)}")
    return "".join(format_value(f, values.get(f.name)) for f in file_layout.fields)


CCLF0_HEADER = ("File Number", "File Description", "Total Records Count", "Record Length")


def format_cclf0(counts: dict[str, int]) -> str:
    """The CCLF0 summary as CMS writes it (Information Packet Tables 25 and 26): the header row
    (``CCLF0``: the four labels, left-justified, ``|`` at 14, 35 and 56), then one detail row per
    file (``CCLF0D``: file type left-justified in 1-7, ``|`` at 8, file name in 9-51, ``|`` at 52,
    record count right-justified in 53-63, ``|`` at 64, record length right-justified in 65-69)."""
    header = layout("CCLF0")
    labels = [f for f in header.fields if f.name != "Delimiter"]
    lines = ["|".join(text.ljust(f.length) for text, f in zip(CCLF0_HEADER, labels, strict=True))]
    detail = layout("CCLF0D")
    file_type, _, file_name, _, count, _, length = detail.fields
    for file, n in sorted(counts.items()):
        lines.append(
            "|".join(
                (
                    file.ljust(file_type.length),
                    FILE_DESCRIPTIONS.get(file, "")[: file_name.length].ljust(file_name.length),
                    str(n).rjust(count.length),
                    str(layout(file).record_length).rjust(length.length),
                )
            )
        )
    return "\n".join(lines) + "\n"
