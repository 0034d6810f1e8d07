"""Why an ACO's estimate is a saving or a loss, in a few sentences, from its snapshot (``snapshot.py``)
alone: pure, no ORM, no I/O. The money page shows them near the top; the reports carry the same text.

1. The whole: expenditure PBPM against the benchmark PBPM, the gross savings (loss) and its share of
   the benchmark, and the quality withhold not earned back when there is some (gross savings are
   measured against the quality-adjusted benchmark).
2. The cohort that contributes most in the same direction: (benchmark PBPM − expenditure PBPM) ×
   member-months. When no cohort goes the way of the whole, the withhold not earned back is what turns it.
3. That cohort's PY PBPM against its latest base year's PBPM trended to the PY by the benchmark's own
   trend factor (the base-year rows carry it): how much faster or slower its spending grew than the trend.
4. The service categories that moved most in the same direction, each PY PBPM against the same
   beneficiaries' latest base-year PBPM in that category, trended the same way; for the first, its
   claims per 1,000 beneficiaries a year in both years (inpatient claims stand for admissions). Only in
   snapshots that hold base-year spending by category (older ones leave the sentence out).

Every figure is formatted the portal's way (``lead_portal.formatting``): money to the cent with a true
minus sign, percentages to one decimal, counts with separators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lead_portal.formatting import count, money, number, percent

# A category must move by at least this much PBPM (dollars) to be named among the ones that moved most.
MIN_CATEGORY_CHANGE = 1.0
MAX_CATEGORIES = 3
# Categories whose claims are Part B or DME lines (the others are Part A claims).
LINE_CATEGORIES = frozenset({"professional", "dme"})


@dataclass(frozen=True)
class Explanation:
    title: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def _signed(value: float) -> str:
    """``+$17.06``, ``−$28.99``: a change in dollars, its sign always shown."""
    return ("+" if round(value, 2) > 0 else "") + money(value)


def _lower(label: str) -> str:
    """A label inside a sentence: "Inpatient" → "inpatient" (an acronym such as "DME" stays)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _latest_base_year(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The latest base year with member-months and a PBPM."""
    usable = [r for r in rows if (r.get("member_months") or 0) > 0 and _num(r.get("pbpm")) is not None]
    return max(usable, key=lambda r: r["year"]) if usable else None


def _trend_factor(data: Mapping[str, Any], year: int) -> float | None:
    """The benchmark's trend factor from ``year`` to the PY: from a cohort's base-year row of that year,
    else compounded from the trend parameter."""
    for cohort in data.get("cohorts") or []:
        for row in cohort.get("base_years") or []:
            if row.get("year") == year and _num(row.get("trend_factor")):
                return float(row["trend_factor"])
    trend = _num((data.get("parameters") or {}).get("benchmark_trend_pct"))
    py = data.get("performance_year")
    if trend is None or not isinstance(py, int):
        return None
    return float((1 + trend / 100) ** (py - year))


def _overall(s: Mapping[str, Any], saving: bool) -> str:
    gross = float(s["gross_savings"])
    share = _num(s.get("gross_savings_pct"))
    what = f"gross savings of {money(gross)}" if saving else f"a gross loss of {money(abs(gross))}"
    if share is not None:
        what += f" ({percent(abs(share))} of the benchmark)"
    kept = (_num(s.get("withhold")) or 0.0) - (_num(s.get("earned_back")) or 0.0)
    after = f", after {money(kept)} of quality withhold not earned back" if round(kept, 2) > 0 else ""
    return (
        f"The aligned beneficiaries cost {money(s.get('pbpm'))} per beneficiary per month (PBPM) against a "
        f"benchmark of {money(s.get('benchmark_pbpm'))} PBPM: {what}{after}."
    )


def _contribution(cohort: Mapping[str, Any]) -> float | None:
    bench, pbpm = _num(cohort.get("benchmark_pbpm")), _num(cohort.get("pbpm"))
    months = cohort.get("member_months") or 0
    if bench is None or pbpm is None or not months:
        return None
    return (bench - pbpm) * months


def _cohort(cohort: Mapping[str, Any], contribution: float, saving: bool, others: float | None) -> str:
    bench, pbpm = float(cohort["benchmark_pbpm"]), float(cohort["pbpm"])
    gap = abs(bench - pbpm)
    lead = f"It all comes from {cohort['label']}" if others is None else f"{cohort['label']} contributes most"
    direction = "less" if saving else "more"
    part = "of the savings" if saving else "of the loss"
    text = (
        f"{lead}: {money(pbpm)} PBPM against its benchmark of {money(bench)} PBPM, {money(gap)} PBPM {direction}, "
        f"times {count(cohort['member_months'])} member-months: {money(abs(contribution))} {part}"
    )
    if others is not None and round(others * contribution, 2) < 0:
        # The other cohorts went the other way: say by how much, or the part looks bigger than the whole.
        other_way = "more" if saving else "less"
        text += f"; the other cohorts together spent {money(abs(others))} {other_way} than their benchmarks"
    return text + "."


def _cohort_trend(data: Mapping[str, Any], cohort: Mapping[str, Any]) -> str | None:
    base = _latest_base_year(cohort.get("base_years") or [])
    factor = None if base is None else _num(base.get("trend_factor"))
    pbpm = _num(cohort.get("pbpm"))
    if base is None or not factor or pbpm is None:
        return None
    py, year = data["performance_year"], base["year"]
    trended = float(base["pbpm"]) * factor
    if not trended:
        return None
    change = (pbpm / trended - 1) * 100
    side = "above" if change > 0 else "below"
    return (
        f"Its PBPM went from {money(base['pbpm'])} in {year} to {money(pbpm)} in {py}: "
        f"{percent(abs(change))} {side} the {year} PBPM trended to {py} by the benchmark trend "
        f"(× {number(factor, 4)}: {money(trended)})."
    )


@dataclass(frozen=True)
class _Move:
    label: str
    trended: float
    pbpm: float
    rate: str  # claims per 1,000 beneficiaries a year, both years, in words ("" when not known)

    @property
    def change(self) -> float:
        return self.pbpm - self.trended


def _claims_rate(claims: Any, member_months: Any) -> float | None:
    n, months = _num(claims), _num(member_months)
    return None if n is None or not months else n / months * 12_000


def _categories(data: Mapping[str, Any], saving: bool) -> str | None:
    py = data["performance_year"]
    py_months = (data.get("settlement") or {}).get("member_months")
    latest = {c.get("category"): _latest_base_year(c.get("base_years") or []) for c in data.get("categories") or []}
    years = [base["year"] for base in latest.values() if base is not None]
    if not years:
        return None
    year = max(years)
    factor = _trend_factor(data, year)
    if factor is None:
        return None
    moves: list[_Move] = []
    for c in data.get("categories") or []:
        base = latest.get(c.get("category"))
        pbpm = _num(c.get("pbpm"))
        if base is None or base["year"] != year or pbpm is None:
            continue
        before, after = (
            _claims_rate(base.get("claims"), base["member_months"]),
            _claims_rate(c.get("claims"), py_months),
        )
        noun = _lower(c["label"]) + (" claim lines" if c.get("category") in LINE_CATEGORIES else " claims")
        rate = (
            f"{count(before)} {noun} per 1,000 beneficiaries a year in {year}, {count(after)} in {py}"
            if before is not None and after is not None and (before or after)
            else ""
        )
        moves.append(_Move(c["label"], float(base["pbpm"]) * factor, pbpm, rate))
    sign = -1 if saving else 1
    moved = sorted(
        (m for m in moves if sign * m.change >= MIN_CATEGORY_CHANGE), key=lambda m: sign * m.change, reverse=True
    )[:MAX_CATEGORIES]
    if not moved:
        return None
    first, *others = moved
    verb = "fell" if saving else "grew"
    text = (
        f"Against the same beneficiaries' {year} spending trended to {py}, {first.label} {verb} most: "
        f"{money(first.pbpm)} PBPM against {money(first.trended)} ({_signed(first.change)} PBPM"
        + (f"; {first.rate}" if first.rate else "")
        + ")"
    )
    if others:
        named = [f"{m.label} ({_signed(m.change)})" for m in others]
        text += ", then " + (named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1])
    return text + "."


def explain(data: Mapping[str, Any]) -> Explanation | None:
    """Why the snapshot's estimate is a saving or a loss (None when it has no gross savings figure)."""
    s = data.get("settlement") or {}
    gross = _num(s.get("gross_savings"))
    if gross is None:
        return None
    if round(gross, 2) == 0:
        return Explanation("Why the estimate is neither a saving nor a loss", (_overall(s, True),))
    saving = gross > 0
    title = "Why the estimate is a saving" if saving else "Why the estimate is a loss"
    sentences = [_overall(s, saving)]
    cohorts = [(c, v) for c in data.get("cohorts") or [] if (v := _contribution(c)) is not None]
    sign = 1 if saving else -1
    ours = [(c, v) for c, v in cohorts if sign * v > 0]
    if ours:
        top, contribution = max(ours, key=lambda cv: sign * cv[1])
        others = None if len(cohorts) == 1 else sum(v for c, v in cohorts if c is not top)
        sentences.append(_cohort(top, contribution, saving, others))
        trend = _cohort_trend(data, top)
        if trend:
            sentences.append(trend)
    elif cohorts and not saving:
        sentences.append(
            "Every cohort spent less than its benchmark: the quality withhold not earned back turns it into a loss."
        )
    categories = _categories(data, saving)
    if categories:
        sentences.append(categories)
    return Explanation(title, tuple(sentences))
