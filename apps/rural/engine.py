"""The rural add-on rule (docs/rural.md), pure: which Participant TINs are rural, whether an ACO
qualifies, how its beneficiaries spread over the RUCA categories, and the monthly payment schedule.

Portal rule (assumption): a Participant TIN is rural when its practice ZIP's primary RUCA code is 4 or
more. A Critical Access Hospital, Rural Health Clinic or FQHC counts only "in a rural area", so one in an
urban ZIP is not rural. A ZIP missing from the USDA table is reported as unknown, never silently urban.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RURAL_MIN_RUCA = 4  # RUCA 1–3 metropolitan (urban); 4–10 rural (FORHP)
CENT = Decimal("0.01")

METROPOLITAN, MICROPOLITAN, SMALL_TOWN, RURAL, UNKNOWN = (
    "metropolitan",
    "micropolitan",
    "small town",
    "rural",
    "unknown",
)
CATEGORIES: tuple[str, ...] = (METROPOLITAN, MICROPOLITAN, SMALL_TOWN, RURAL, UNKNOWN)

ACTUAL, PROJECTED = "actual", "projected"


@dataclass(frozen=True)
class Rurality:
    rural: bool | None  # None: the ZIP is not in the RUCA table
    ruca: int | None
    rule: str


def tin_rurality(facility_type: str, zip: str, ruca: Mapping[str, int]) -> Rurality:  # noqa: A002
    """Whether a Participant TIN is rural, with the rule that decided it in words."""
    code = ruca.get(zip)
    if code is None:
        return Rurality(None, None, f"ZIP {zip or '(none)'} is not in the USDA RUCA table")
    rural = code >= RURAL_MIN_RUCA
    if facility_type:
        if rural:
            return Rurality(True, code, f"{facility_type} in a rural ZIP {zip} (RUCA {code})")
        return Rurality(False, code, f"{facility_type}, but ZIP {zip} is urban (RUCA {code})")
    word = "rural" if rural else "urban"
    return Rurality(rural, code, f"practice ZIP {zip} is {word} (RUCA {code})")


def beneficiary_category(zip: str, ruca: Mapping[str, int]) -> str:  # noqa: A002
    """The RUCA category of a beneficiary's CCLF8 ZIP: metropolitan (1–3), micropolitan (4–6), small
    town (7–9), rural (10) or unknown (no ZIP, or not in the table)."""
    code = ruca.get(zip) if zip else None
    if code is None:
        return UNKNOWN
    if code <= 3:
        return METROPOLITAN
    if code <= 6:
        return MICROPOLITAN
    if code <= 9:
        return SMALL_TOWN
    return RURAL


def eligibility(rural_tins: Sequence[str], newly_entering: bool, any_new_to_aco: bool) -> tuple[bool, str]:
    """An ACO qualifies with at least one rural Participant TIN when it is newly entering or has
    providers new to ACOs. Returns (qualifies, the reason in words)."""
    if not rural_tins:
        return False, "No Participant TIN is rural, so the ACO does not qualify for the rural add-on."
    n = len(rural_tins)
    tins = f"{n} rural Participant TIN{'s' if n != 1 else ''}"
    if not newly_entering and not any_new_to_aco:
        return False, f"{tins}, but the ACO is neither newly entering nor has providers new to ACOs."
    why = [
        w for w, yes in (("is newly entering", newly_entering), ("has providers new to ACOs", any_new_to_aco)) if yes
    ]
    return True, f"Qualifies: {tins} and the ACO {' and '.join(why)}."


@dataclass(frozen=True)
class Month:
    month: dt.date  # the 1st of the month
    member_months: int
    amount: Decimal
    kind: str  # "actual" or "projected"


def _month_end(first: dt.date) -> dt.date:
    following = dt.date(first.year + 1, 1, 1) if first.month == 12 else dt.date(first.year, first.month + 1, 1)
    return following - dt.timedelta(days=1)


def months(performance_year: int) -> list[dt.date]:
    return [dt.date(performance_year, m, 1) for m in range(1, 13)]


def counts(first: dt.date, effective_from: dt.date | None, death_date: dt.date | None) -> bool:
    """A beneficiary counts in the month starting ``first`` when aligned by then (the month of their
    effective date onward; no date: the whole year) and alive on its first day."""
    if effective_from is not None and (effective_from.year, effective_from.month) > (first.year, first.month):
        return False
    return death_date is None or death_date >= first


def schedule(
    rows: Iterable[tuple[dt.date | None, dt.date | None]],
    rate: Decimal,
    performance_year: int,
    actual_through: dt.date | None,
) -> list[Month]:
    """The 12 monthly payments of the PY: member-months × the PBPM rate. ``rows`` holds, per beneficiary
    aligned through a rural TIN, (effective_from, death_date). A month is "actual" when it ended on or
    before ``actual_through`` (no date: every month is actual) and "projected" after it; a death known
    so far still ends the projected months."""
    firsts = months(performance_year)
    tally = dict.fromkeys(firsts, 0)
    for effective_from, death_date in rows:
        for first in firsts:
            if counts(first, effective_from, death_date):
                tally[first] += 1
    out = []
    for first in firsts:
        kind = ACTUAL if actual_through is None or _month_end(first) <= actual_through else PROJECTED
        amount = (Decimal(tally[first]) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        out.append(Month(first, tally[first], amount, kind))
    return out


@dataclass(frozen=True)
class Totals:
    member_months: int
    amount: Decimal
    actual_amount: Decimal
    projected_amount: Decimal


def totals(lines: Iterable[Month]) -> Totals:
    """Member-months and dollars of a schedule: the whole year, the actual and the projected part."""
    lines = list(lines)
    zero = Decimal("0.00")
    return Totals(
        member_months=sum(line.member_months for line in lines),
        amount=sum((line.amount for line in lines), zero),
        actual_amount=sum((line.amount for line in lines if line.kind == ACTUAL), zero),
        projected_amount=sum((line.amount for line in lines if line.kind == PROJECTED), zero),
    )
