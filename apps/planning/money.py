"""Money preview: the settlement estimate under a scenario's population, and the range of outcomes under the
assumptions the ACO cannot control. Pure: plain numbers in, plain numbers out; the settlement rule is the
money engine's own (``apps.performance.engine.settle``, not a copy).

**The baseline** is the ACO's latest performance summary (what the money page shows): per cohort its
member-months, expenditure and benchmark PBPM (after the discount, risk-adjusted as the money step set it),
the Total Quality Score, the parameters and the months of the PY with claims. Each cohort's benchmark PBPM
is handed to the engine as a fixed figure (the engine's "published" path: no second discount, no second
risk adjustment), so the engine's withhold, corridors, sequestration, PCC and CARA lines apply as they do
on the money page.

**The scenario's population** (per cohort): the alignment preview's gains and losses. A lost beneficiary
takes away their own PY spending (``BeneficiarySpendingFact``) and the cohort's average member-months per
beneficiary; a gained one brings the cohort's average member-months and the cohort's average spending per
beneficiary (their spending as this ACO's is not known: *choice*). A gain the run never assessed (aligned
to no ACO) joins the Aged & Disabled cohort (*choice*: the run assigned them no cohort). The benchmark PBPM
stays the cohort's (the new beneficiaries' base years are not read: *choice*, said on the page).

**Full year.** The figures are projected to the whole PY: member-months × 12 ÷ the months with claims,
expenditure likewise (the PBPM of the months seen carries on).

**The assumptions** (the sliders) and the draws (``DRAWS`` of them, seeded, so a page and its PDF agree):

- *Benchmark trend* (% a year; default the PY's parameter): the base years' trend factors are recomputed
  with it, so the benchmark PBPM moves by Σ wᵧ(1 + t)^(PY−y) ÷ Σ wᵧ(1 + t₀)^(PY−y). Drawn from a normal
  distribution around the slider with a standard deviation of 0.5 points: CMS's trend is set from national
  projections; ±0.5 point is the size of the revisions between a prospective and a final trend.
- *Risk score growth* (% of the PY's average risk score): the benchmark PBPM moves one for one, within the
  risk ratio cap (± the parameter), as the money step caps it. Normal around the slider, sd 0.5 points:
  coding drift of a year is typically within a point.
- *Quality score* (TQS, 0–100; default the latest): normal around the slider, sd 3 points, clipped to
  0–100: measures still open move the score by a few points.
- *Spending change per cohort* (% of the PBPM seen so far): normal around the slider with a standard
  deviation of √(2² + (250 ÷ √n)²) points, n the cohort's beneficiaries. The 2 points are planning
  uncertainty; 250/√n is the standard error of a mean of n beneficiaries' spending when one beneficiary's
  spending has a coefficient of variation of 2.5 (Medicare per-capita spending is that skewed): a small
  cohort's spending is far less certain than a large one's.
- The draws are independent (*choice*: no correlation is assumed between trend, coding, quality and
  spending).

**The fan chart**: cumulative benchmark minus spending through the months of the PY, for every draw, with
its 5th–95th and 25th–75th percentile bands and the median; the settlement table gives the same draws'
settlement (through the engine) at those percentiles, and the chance of shared savings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np

from apps.performance import engine

DRAWS = 500
SEED = 22
AGED_DISABLED = "aged_disabled"
TREND_SD = 0.5
RISK_SD = 0.5
TQS_SD = 3.0
PLANNING_SD = 2.0
SPENDING_CV = 2.5
PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class CohortMoney:
    cohort: str
    label: str
    beneficiaries: int
    member_months: int
    expenditure: float
    benchmark_pbpm: float | None

    @property
    def pbpm(self) -> float | None:
        return self.expenditure / self.member_months if self.member_months else None


@dataclass(frozen=True)
class Baseline:
    """What the money page of the latest run shows, as plain numbers."""

    performance_year: int
    run_id: int
    cohorts: tuple[CohortMoney, ...]
    months: tuple[tuple[str, int, float], ...]  # (YYYY-MM, member-months, expenditure) with claims
    tqs: float | None
    trend_pct: float
    risk_ratio_cap_pct: float
    base_weights: tuple[tuple[int, float], ...]  # (base year, weight) of the estimate
    parameters: engine.Parameters
    corridors: Mapping[str, Sequence[Sequence[Any]]]  # both risk options', for an election change

    @property
    def months_seen(self) -> int:
        return len(self.months)


@dataclass(frozen=True)
class Assumptions:
    trend_pct: float
    tqs: float
    risk_growth_pct: float = 0.0
    spending_change_pct: Mapping[str, float] = field(default_factory=dict)
    risk_option: str | None = None  # the scenario's election change, None to keep

    def spending(self, cohort: str) -> float:
        return float(self.spending_change_pct.get(cohort, 0.0))


def default_assumptions(baseline: Baseline, risk_option: str | None = None) -> Assumptions:
    return Assumptions(
        trend_pct=baseline.trend_pct,
        tqs=baseline.tqs if baseline.tqs is not None else 100.0,
        risk_option=risk_option,
    )


def baseline_from_summary(
    data: Mapping[str, Any], *, run_id: int, beneficiaries: Mapping[str, int], corridors: Mapping[str, Any]
) -> Baseline:
    """The baseline from a performance summary's snapshot (``PerformanceSummary.data``); ``beneficiaries``:
    the ACO's aligned beneficiaries per cohort in the run's alignment; ``corridors``: the PY's model
    parameters' corridors of both risk options."""
    params = data.get("parameters", {})
    aco = data.get("aco", {})
    settlement = data.get("settlement", {})
    cohorts = tuple(
        CohortMoney(
            cohort=c["cohort"],
            label=c.get("label", c["cohort"]),
            beneficiaries=int(beneficiaries.get(c["cohort"], 0)),
            member_months=int(c.get("member_months") or 0),
            expenditure=float(c.get("expenditure") or 0.0),
            benchmark_pbpm=_benchmark_pbpm(c),
        )
        for c in data.get("cohorts", [])
    )
    weights: dict[int, float] = {}
    for c in data.get("cohorts", []):
        for u in c.get("base_years", []):
            weights.setdefault(int(u["year"]), float(u.get("weight") or 0.0))
    risk_option = aco.get("risk_option", params.get("risk_option", "global"))
    # What CARA charges (positive) or credits (negative) the settlement, as the money page shows it.
    cara_line = settlement.get("cara") if isinstance(settlement.get("cara"), dict) else {}
    cara = cara_line.get("payments") if cara_line.get("has_arrangements") else None
    parameters = engine.Parameters(
        performance_year=int(data.get("performance_year", 0)),
        risk_option=risk_option,
        corridors=engine.bands_from(corridors.get(risk_option, params.get("corridors", []))),
        newly_entering=bool(params.get("newly_entering")),
        capitation=params.get("capitation", "none"),
        withhold_pct=Decimal(str(params.get("quality_withhold_pct", 3))),
        sequestration_pct=Decimal(str(params.get("sequestration_pct", 2))),
        pcc_base_pct=Decimal(str(params.get("pcc_base_pct", 4))),
        pcc_target_pct=Decimal(str(params.get("pcc_enhanced_target_pct", 7))),
        pcc_floor_pct=Decimal(str(params.get("pcc_enhanced_floor_pct", 2))),
        cara_payments=None if cara is None else Decimal(str(cara)),
    )
    tqs = (data.get("quality") or {}).get("tqs")
    return Baseline(
        performance_year=int(data.get("performance_year", 0)),
        run_id=run_id,
        cohorts=cohorts,
        months=tuple(
            (m["month"], int(m.get("member_months") or 0), float(m.get("expenditure") or 0.0))
            for m in data.get("months", [])
            if m.get("member_months")
        ),
        tqs=None if tqs is None else float(tqs),
        trend_pct=float(params.get("benchmark_trend_pct", 3.0)),
        risk_ratio_cap_pct=float(params.get("risk_ratio_cap_pct", 3.0)),
        base_weights=tuple(sorted(weights.items())),
        parameters=parameters,
        corridors=dict(corridors),
    )


def _benchmark_pbpm(cohort: Mapping[str, Any]) -> float | None:
    """The cohort's benchmark per member-month after discount, unrounded: its alignment groups' benchmark
    dollars over its member-months where the money step gave them (the page's figure to the cent), else the
    PBPM the summary shows."""
    groups = cohort.get("groups") or []
    months = int(cohort.get("member_months") or 0)
    dollars = [g.get("benchmark") for g in groups]
    if months and dollars and all(isinstance(d, int | float) for d in dollars):
        return float(sum(dollars)) / months
    return cohort.get("benchmark_pbpm")


# ---------------------------------------------------------------------------------------------------
# The scenario's population
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PopulationChange:
    """Per cohort: beneficiaries gained and lost, and the lost ones' own PY spending (dollars)."""

    gained: Mapping[str, int] = field(default_factory=dict)
    lost: Mapping[str, int] = field(default_factory=dict)
    lost_spending: Mapping[str, float] = field(default_factory=dict)


def with_population(baseline: Baseline, change: PopulationChange) -> Baseline:
    """The baseline with the scenario's population (the module's docstring)."""
    gained = dict(change.gained)
    if "not_assessed" in gained:
        gained[AGED_DISABLED] = gained.get(AGED_DISABLED, 0) + gained.pop("not_assessed")
    cohorts = []
    for c in baseline.cohorts:
        n = c.beneficiaries
        g, lo = gained.pop(c.cohort, 0), int(change.lost.get(c.cohort, 0))
        if not n:
            cohorts.append(c)
            continue
        months_each = c.member_months / n
        spend_each = c.expenditure / n
        cohorts.append(
            replace(
                c,
                beneficiaries=max(0, n - lo + g),
                member_months=max(0, round(c.member_months + (g - lo) * months_each)),
                expenditure=max(0.0, c.expenditure - float(change.lost_spending.get(c.cohort, 0.0)) + g * spend_each),
            )
        )
    # A gain in a cohort the ACO has no one in: no averages of its own to bring; left out, and said.
    return replace(baseline, cohorts=tuple(cohorts))


def population_factor(before: Baseline, after: Baseline) -> float:
    """The scenario's member-months over the baseline's (the months' path is scaled by it)."""
    mm_before = sum(c.member_months for c in before.cohorts)
    mm_after = sum(c.member_months for c in after.cohorts)
    return mm_after / mm_before if mm_before else 1.0


# ---------------------------------------------------------------------------------------------------
# One estimate, and the draws
# ---------------------------------------------------------------------------------------------------
def trend_ratio(baseline: Baseline, trend_pct: float) -> float:
    """Σ wᵧ(1 + t)^(PY−y) ÷ Σ wᵧ(1 + t₀)^(PY−y): the benchmark's move when the trend is ``trend_pct``."""
    py = baseline.performance_year
    weights = baseline.base_weights or ((py - 3, 1 / 3), (py - 2, 1 / 3), (py - 1, 1 / 3))
    now = sum(w * (1 + baseline.trend_pct / 100) ** (py - y) for y, w in weights)
    new = sum(w * (1 + trend_pct / 100) ** (py - y) for y, w in weights)
    return new / now if now else 1.0


def risk_ratio(baseline: Baseline, growth_pct: float) -> float:
    cap = baseline.risk_ratio_cap_pct / 100
    return min(max(1 + growth_pct / 100, 1 - cap), 1 + cap)


def _parameters(baseline: Baseline, risk_option: str | None) -> engine.Parameters:
    params = baseline.parameters
    if risk_option and risk_option != params.risk_option:
        params = replace(
            params,
            risk_option=risk_option,
            corridors=engine.bands_from(baseline.corridors.get(risk_option, [])),
            capitation="none" if risk_option == "professional" and params.capitation == "tcc" else params.capitation,
        )
    return params


def settle(
    baseline: Baseline, *, trend_pct: float, tqs: float | None, risk_growth_pct: float, spending: Mapping[str, float]
) -> engine.Settlement:
    """The full-year settlement of ``baseline``'s population under one set of assumptions."""
    seen = baseline.months_seen or 12
    scale = 12 / seen
    bench_move = trend_ratio(baseline, trend_pct) * risk_ratio(baseline, risk_growth_pct)
    items = [
        engine.CohortInput(
            c.cohort,
            round(c.member_months * scale),
            engine.cents(Decimal(str(c.expenditure * scale * (1 + spending.get(c.cohort, 0.0) / 100)))),
            published_pbpm=None if c.benchmark_pbpm is None else Decimal(str(c.benchmark_pbpm * bench_move)),
        )
        for c in baseline.cohorts
        if c.member_months
    ]
    return engine.settle(items, baseline.parameters, tqs=None if tqs is None else min(max(tqs, 0.0), 100.0))


def spending_sd(beneficiaries: int) -> float:
    """The spending change's standard deviation (points) for a cohort of ``beneficiaries``."""
    sampling = SPENDING_CV * 100 / math.sqrt(beneficiaries) if beneficiaries else 0.0
    return math.sqrt(PLANNING_SD**2 + sampling**2)


@dataclass(frozen=True)
class Outcome:
    """The point estimate (the sliders' values) and the draws."""

    point: engine.Settlement
    settlements: tuple[float, ...]  # per draw, dollars
    percentiles: dict[int, float]  # settlement at each of PERCENTILES
    chance_of_savings: float  # share of draws with a positive settlement
    months: tuple[str, ...]  # the PY's months, YYYY-MM
    seen: int  # months with claims
    actual: tuple[float, ...]  # cumulative benchmark − spending of the months seen, at the sliders' values
    bands: dict[int, tuple[float, ...]]  # cumulative benchmark − spending per month at each percentile
    draws: int


def outlook(baseline: Baseline, assumptions: Assumptions, *, draws: int = DRAWS, seed: int = SEED) -> Outcome:
    """The sliders' settlement and ``draws`` draws of the uncertain inputs (module docstring)."""
    baseline = replace(baseline, parameters=_parameters(baseline, assumptions.risk_option))
    spending = {c.cohort: assumptions.spending(c.cohort) for c in baseline.cohorts}
    point = settle(
        baseline,
        trend_pct=assumptions.trend_pct,
        tqs=assumptions.tqs,
        risk_growth_pct=assumptions.risk_growth_pct,
        spending=spending,
    )
    rng = np.random.default_rng(seed)
    trend = rng.normal(assumptions.trend_pct, TREND_SD, draws)
    growth = rng.normal(assumptions.risk_growth_pct, RISK_SD, draws)
    tqs = np.clip(rng.normal(assumptions.tqs, TQS_SD, draws), 0, 100)
    cohort_draws = {
        c.cohort: rng.normal(spending[c.cohort], spending_sd(c.beneficiaries), draws) for c in baseline.cohorts
    }
    results = np.array(
        [
            float(
                settle(
                    baseline,
                    trend_pct=float(trend[i]),
                    tqs=float(tqs[i]),
                    risk_growth_pct=float(growth[i]),
                    spending={k: float(v[i]) for k, v in cohort_draws.items()},
                ).settlement
            )
            for i in range(draws)
        ]
    )

    # The months' path: every month's members and spending as seen (months after the last one with claims
    # at the average of those seen), spending moved by the cohorts' draws (weighted by their spending), the
    # benchmark by the trend and risk draws.
    py = baseline.performance_year
    months = tuple(f"{py:04d}-{m:02d}" for m in range(1, 13))
    seen_rows = {label: (mm, spent) for label, mm, spent in baseline.months}
    seen = sum(1 for label in months if label in seen_rows)
    total_mm = sum(c.member_months for c in baseline.cohorts)
    total_spent = sum(c.expenditure for c in baseline.cohorts)
    bench_pbpm = (
        sum((c.benchmark_pbpm or 0.0) * c.member_months for c in baseline.cohorts) / total_mm if total_mm else 0.0
    )
    months_seen_mm = sum(mm for mm, _ in seen_rows.values()) or 1
    # The months' own figures are the run's population; the scenario's differs by these factors.
    mm_factor = total_mm / months_seen_mm if seen else 1.0
    spent_seen = sum(s for _, s in seen_rows.values()) or 1.0
    spent_factor = total_spent / spent_seen if seen else 1.0
    avg_mm = total_mm / max(seen, 1)
    avg_spent = total_spent / max(seen, 1)
    month_mm = np.array([seen_rows[m][0] * mm_factor if m in seen_rows else avg_mm for m in months])
    month_spent = np.array([seen_rows[m][1] * spent_factor if m in seen_rows else avg_spent for m in months])
    shares = {c.cohort: (c.expenditure / total_spent if total_spent else 0.0) for c in baseline.cohorts}
    spend_move = 1 + np.sum([shares[k] * v for k, v in cohort_draws.items()], axis=0) / 100  # (draws,)
    bench_move = np.array([trend_ratio(baseline, float(t)) for t in trend]) * np.clip(
        1 + growth / 100, 1 - baseline.risk_ratio_cap_pct / 100, 1 + baseline.risk_ratio_cap_pct / 100
    )
    paths = np.cumsum(
        bench_move[:, None] * bench_pbpm * month_mm[None, :] - spend_move[:, None] * month_spent[None, :], axis=1
    )
    point_bench = trend_ratio(baseline, assumptions.trend_pct) * risk_ratio(baseline, assumptions.risk_growth_pct)
    point_spend = 1 + sum(shares[k] * spending[k] for k in shares) / 100
    actual = np.cumsum(point_bench * bench_pbpm * month_mm - point_spend * month_spent)[:seen]
    return Outcome(
        point=point,
        settlements=tuple(float(x) for x in results),
        percentiles={p: float(np.percentile(results, p)) for p in PERCENTILES},
        chance_of_savings=float((results > 0).mean()) if draws else 0.0,
        months=months,
        seen=seen,
        actual=tuple(float(x) for x in actual),
        bands={p: tuple(float(x) for x in np.percentile(paths, p, axis=0)) for p in PERCENTILES},
        draws=draws,
    )
