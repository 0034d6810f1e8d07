"""CCLF record layouts, read from ``reference/cclf/layouts.csv`` (CMS CCLF Information Packet v36).

Each file is fixed width, one record a line. A field's *kind* says how its text is read:
``date`` (YYYY-MM-DD), ``int`` (9(n): digits), ``decimal`` (signed amounts and quantities) or
``text``. Amount fields laid out as X(n) in the packet (for example CCLF5's
CLM_LINE_CVRD_PD_AMT) still hold signed decimals, so any field named ``*_AMT`` or ``*_QTY`` is
read as a decimal.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LAYOUTS_CSV = Path(__file__).resolve().parent.parent.parent / "reference" / "cclf" / "layouts.csv"

FILE_DESCRIPTIONS = {
    "CCLF0": "Summary statistics",
    "CCLF1": "Part A claims header",
    "CCLF2": "Part A revenue center detail",
    "CCLF3": "Part A procedure codes",
    "CCLF4": "Part A diagnosis codes",
    "CCLF5": "Part B physicians",
    "CCLF6": "Part B DME",
    "CCLF7": "Part D",
    "CCLF8": "Beneficiary demographics",
    "CCLF9": "Beneficiary XREF",
    "CCLFA": "Part A BE and demo codes",
    "CCLFB": "Part B BE and demo codes",
}


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    start: int  # 1-based, inclusive, as in the packet
    end: int
    fmt: str

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def kind(self) -> str:
        fmt = self.fmt.upper()
        if fmt == "YYYY-MM-DD":
            return "date"
        if self.name.endswith(("_AMT", "_QTY")) or "." in fmt:
            return "decimal"
        if fmt.startswith("9("):
            return "int"
        return "text"

    @property
    def slice(self) -> slice:
        return slice(self.start - 1, self.end)


@dataclass(frozen=True)
class Layout:
    file: str
    fields: tuple[Field, ...]

    @property
    def record_length(self) -> int:
        return max(f.end for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.file} has no field {name}")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


@lru_cache(maxsize=1)
def layouts() -> dict[str, Layout]:
    by_file: dict[str, list[Field]] = {}
    with open(LAYOUTS_CSV, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_file.setdefault(row["file"], []).append(
                Field(row["field"], row["description"], int(row["start"]), int(row["end"]), row["format"].strip())
            )
    return {name: Layout(name, tuple(sorted(fields, key=lambda f: f.start))) for name, fields in by_file.items()}


def layout(file: str) -> Layout:
    return layouts()[file]
