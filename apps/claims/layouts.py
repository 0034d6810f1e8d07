"""CCLF record layouts, read from ``reference/cclf/layouts.csv`` (CMS CCLF Information Packet v38,
Appendix B).

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

# The eleven data files of a package, each counted in its CCLF0 (Table 26 "File Type").
DATA_FILE_TYPES = (
    "CCLF1",
    "CCLF2",
    "CCLF3",
    "CCLF4",
    "CCLF5",
    "CCLF6",
    "CCLF7",
    "CCLF8",
    "CCLF9",
    "CCLFA",
    "CCLFB",
)
# The "File Name" CMS writes in each CCLF0 detail row (Table 26, element 3).
FILE_DESCRIPTIONS = {
    "CCLF1": "Part A Claims Header File",
    "CCLF2": "Part A Claims Revenue Center Detail File",
    "CCLF3": "Part A Procedure Code File",
    "CCLF4": "Part A Diagnosis Code File",
    "CCLF5": "Part B Physicians File",
    "CCLF6": "Part B DME File",
    "CCLF7": "Part D File",
    "CCLF8": "Beneficiary Demographics File",
    "CCLF9": "BENE XREF File",
    "CCLFA": "Part A BE and Demo Codes File",
    "CCLFB": "Part B BE and Demo Codes File",
}
# Record lengths of the layout version before January 2022, when CCLF1-CCLF6 gained the second
# (claims-sourced) NPI and OSCAR fields (Information Packet §2.8), and CCLF9 was one character
# shorter. A file of that length is named as such in the error report, never read with today's
# positions.
PRIOR_RECORD_LENGTHS = {
    "CCLF1": 292,
    "CCLF2": 179,
    "CCLF3": 94,
    "CCLF4": 92,
    "CCLF5": 363,
    "CCLF6": 227,
    "CCLF9": 54,
}
PRIOR_VERSION = "used before January 2022"


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


def switch_fields(file: str) -> tuple[str, ...]:
    """The Benefit Enhancement indicators of CCLFA or CCLFB ("Y", "N" or blank): its ``*_SW`` fields."""
    return tuple(f.name for f in layout(file).fields if f.name.endswith("_SW"))
