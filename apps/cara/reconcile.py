"""The arithmetic of an EBRA (docs/cara.md, "Target prices" and "Reconciliation"), pure: no database.

- **Target price** of an episode type: the baseline mean cost × (1 − discount) or × (1 + premium), rounded
  half up to whole cents.
- **Periods**: consecutive blocks of ``months`` months from the EBRA's effective start, the last one cut at
  its effective end (or at the day it was terminated).
- **Reconciliation** of a period: D = Σ(target − actual) over the period's closed episodes. The performance
  adjustment share ``a`` (10–100%) of D depends on the quality measure's points ``q`` (0–100 from the
  measure's decile table, q/100 as a fraction; no result counts as 0):

      D ≥ 0 (savings):  factor = (1 − a) + a × q      good quality keeps more of the payment
      D < 0 (losses):   factor = (1 − a) + a × (1 − q) good quality repays less

  The adjusted amount D × factor is rounded half up to cents; a repayment is limited to the repayment
  limit × the period's total target price. Positive: CMS pays the Preferred Provider; negative: the
  Preferred Provider repays.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FACTOR_PLACES = Decimal("0.000001")


def half_up(value: Decimal) -> int:
    """Whole cents, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def target_cents(baseline_cents: int, adjustment: str, rate_pct: Decimal | int | str) -> int:
    """Baseline × (1 − rate) for a discount, × (1 + rate) for a premium."""
    rate = Decimal(str(rate_pct)) / 100
    factor = 1 - rate if adjustment == "discount" else 1 + rate
    return half_up(Decimal(int(baseline_cents)) * factor)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(start: dt.date, end: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    """[(first day, last day)] of each period from ``start`` through ``end``."""
    if months < 1:
        raise ValueError("a reconciliation period is at least one month")
    out: list[tuple[dt.date, dt.date]] = []
    first = start
    while first <= end:
        nxt = add_months(start, months * (len(out) + 1))
        out.append((first, min(nxt - dt.timedelta(days=1), end)))
        first = nxt
    return out


def adjustment_factor(difference_cents: int, adjustment_pct: Decimal | int | str, points: float | None) -> Decimal:
    """The multiplier of Σ(target − actual) (see the module's docstring), to six decimals."""
    share = Decimal(str(adjustment_pct)) / 100
    q = Decimal(0) if points is None else min(max(Decimal(repr(float(points))), Decimal(0)), Decimal(100)) / 100
    quality = q if difference_cents >= 0 else 1 - q
    return ((1 - share) + share * quality).quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One closed episode counted in a period."""

    target_cents: int
    actual_cents: int


@dataclass(frozen=True)
class Outcome:
    episodes: int
    target_cents: int
    actual_cents: int
    difference_cents: int
    factor: Decimal
    adjusted_cents: int
    repayment_cap_cents: int
    capped: bool
    amount_cents: int


def reconcile(
    lines: Iterable[Line],
    *,
    adjustment_pct: Decimal | int | str,
    points: float | None,
    repayment_limit_pct: Decimal | int | str,
) -> Outcome:
    rows = list(lines)
    target = sum(r.target_cents for r in rows)
    actual = sum(r.actual_cents for r in rows)
    difference = target - actual
    factor = adjustment_factor(difference, adjustment_pct, points)
    adjusted = half_up(Decimal(difference) * factor)
    cap = half_up(Decimal(target) * Decimal(str(repayment_limit_pct)) / 100)
    capped = adjusted < -cap
    return Outcome(
        episodes=len(rows),
        target_cents=target,
        actual_cents=actual,
        difference_cents=difference,
        factor=factor,
        adjusted_cents=adjusted,
        repayment_cap_cents=cap,
        capped=capped,
        amount_cents=-cap if capped else adjusted,
    )
