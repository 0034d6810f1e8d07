"""CMS CCLF file names (CCLF Information Packet v38, §4.2 and Appendix B).

``P.<ACO>.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst>`` for the monthly files of performance year
``<yy>`` and ``P.<ACO>.ACO.ZC<n>R<yy>.D<yymmdd>.T<hhmmsst>`` ("R" instead of "Y") for the
run-out files: the claims of year ``<yy>`` paid after it closed, sent in the three months after it.
``T.`` instead of ``P.`` marks a test file. ``<n>`` is the file number 0-9, A or B; ``D``/``T``
the date and time CMS produced the file (the last digit of ``T`` is tenths of a second).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

NAME_RE = re.compile(
    r"^(?P<env>[PT])\.(?P<aco>[A-Z0-9]{1,10})\.ACO\.ZC(?P<num>[0-9AB])(?P<kind>[YR])(?P<yy>[0-9]{2})"
    r"\.D(?P<date>[0-9]{6})\.T(?P<time>[0-9]{7})(?P<ext>\.[A-Za-z0-9]+)?$"
)
MONTHLY, RUNOUT = "Y", "R"


@dataclass(frozen=True)
class CCLFName:
    name: str
    environment: str  # P production, T test
    aco: str
    kind: str  # "Y" for the year's monthly files, "R" for its run-out files
    file_number: str  # 0-9, A, B
    year: int
    produced_at: datetime.datetime

    @property
    def file_type(self) -> str:
        return f"CCLF{self.file_number}"

    @property
    def is_test(self) -> bool:
        return self.environment == "T"

    @property
    def is_runout(self) -> bool:
        return self.kind == RUNOUT


def parse_name(name: str) -> CCLFName | None:
    """The parts of a CCLF file name, or None if the name is not one."""
    m = NAME_RE.match(name.rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        date = datetime.datetime.strptime(m["date"], "%y%m%d")
        t = m["time"]
        produced = date.replace(
            hour=int(t[0:2]), minute=int(t[2:4]), second=int(t[4:6]), microsecond=int(t[6]) * 100_000
        )
    except ValueError:
        return None
    return CCLFName(
        name=m.group(0),
        environment=m["env"],
        aco=m["aco"],
        kind=m["kind"],
        file_number=m["num"],
        year=2000 + int(m["yy"]),
        produced_at=produced,
    )


def make_name(
    *,
    aco: str,
    file_number: str,
    year: int,
    produced_at: datetime.datetime,
    test: bool = False,
    runout: bool = False,
) -> str:
    return (
        f"{'T' if test else 'P'}.{aco}.ACO.ZC{file_number}{RUNOUT if runout else MONTHLY}{year % 100:02d}."
        f"D{produced_at:%y%m%d}.T{produced_at:%H%M%S}{produced_at.microsecond // 100_000}"
    )
