"""Dual eligibility, pure (no ORM, no I/O): the CCLF8 dual status code of a beneficiary mapped to a
group, the rates the dual-eligible pages compare, and the member-months of a beneficiary's window.

CCLF8 ``BENE_DUAL_STUS_CD`` (the loader accepts "", NA, 00–06, 08, 09, 10, 99; apps/claims/parsing.py):

- full-benefit dual (Medicare and full Medicaid): 02 QMB Plus, 04 SLMB Plus, 08 other full dual;
- partial-benefit dual (a Medicare Savings Program only): 01 QMB only, 03 SLMB only, 05 QDWI, 06 QI;
- not dual: 00, 09 (other dual without Medicaid coverage), 10, 99, NA and blank.

This agrees with the quality app's ACR strata (dual = 01–06 or 08; apps/quality/engine.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

FULL = "full"
PARTIAL = "partial"
NONE = "none"
GROUPS = (FULL, PARTIAL, NONE)

# code -> (group, what it means in plain words). Every code the CCLF8 loader accepts.
DUAL_STATUS_CODES: dict[str, tuple[str, str]] = {
    "": (NONE, "No dual status reported"),
    "NA": (NONE, "Non-Medicaid: not dually eligible"),
    "00": (NONE, "Not enrolled in Medicare for the month"),
    "01": (PARTIAL, "QMB only: Medicaid pays Medicare premiums and cost sharing"),
    "02": (FULL, "QMB Plus: Qualified Medicare Beneficiary with full Medicaid"),
    "03": (PARTIAL, "SLMB only: Medicaid pays the Part B premium"),
    "04": (FULL, "SLMB Plus: Specified Low-Income Medicare Beneficiary with full Medicaid"),
    "05": (PARTIAL, "QDWI: Qualified Disabled and Working Individual (Part A premium)"),
    "06": (PARTIAL, "QI: Qualifying Individual (Part B premium)"),
    "08": (FULL, "Other full-benefit dual: full Medicaid without a Medicare Savings Program"),
    "09": (NONE, "Other dual eligible without Medicaid coverage"),
    "10": (NONE, "Code 10: no Medicaid benefit reported"),
    "99": (NONE, "Unknown dual status"),
}

UNKNOWN_CODE_LABEL = "Code not in the CCLF8 layout: counted as not dual"
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def normalise_code(code: str | None) -> str:
    """The code as the table keys it: stripped, upper case ("na" → "NA", None → "")."""
    return (code or "").strip().upper()


def dual_group(code: str | None) -> str:
    """``full``, ``partial`` or ``none`` for a CCLF8 dual status code (an unknown code: ``none``)."""
    return DUAL_STATUS_CODES.get(normalise_code(code), (NONE, ""))[0]


def code_label(code: str | None) -> str:
    return DUAL_STATUS_CODES.get(normalise_code(code), (NONE, UNKNOWN_CODE_LABEL))[1]


def per_thousand(events: int, member_months: int) -> Decimal | None:
    """Events per 1,000 beneficiaries per year: events ÷ member-months × 12,000, to one decimal;
    None when there are no member-months."""
    if member_months <= 0:
        return None
    return (Decimal(events) * 12000 / Decimal(member_months)).quantize(TENTH, ROUND_HALF_UP)


def pbpm(spending: Decimal, member_months: int) -> Decimal | None:
    """Spending per beneficiary per month, to the cent; None when there are no member-months."""
    if member_months <= 0:
        return None
    return (Decimal(spending) / Decimal(member_months)).quantize(CENT, ROUND_HALF_UP)


def ratio(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    """``value`` ÷ ``reference`` to two decimals (duals compared with non-duals); None when either is
    missing or the reference is zero."""
    if value is None or reference is None or reference == 0:
        return None
    return (Decimal(value) / Decimal(reference)).quantize(CENT, ROUND_HALF_UP)


def share(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, ROUND_HALF_UP)


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def member_months(
    *, performance_year: int, effective_from: dt.date | None, death_date: dt.date | None, through: dt.date | None
) -> int:
    """Months of the performance year, from the month of the alignment effective date (January when
    empty) through the month of ``through`` (the claims run-through; None: no claims yet, so 0), whose
    first day the beneficiary is alive: the month of death counts, later ones do not."""
    if through is None:
        return 0
    first = performance_year * 12
    last = min(performance_year * 12 + 11, _month(through))
    if effective_from is not None:
        first = max(first, _month(effective_from))
    if death_date is not None:
        last = min(last, _month(death_date))
    return max(0, last - first + 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    following = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
