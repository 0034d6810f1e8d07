"""The money preview of the what-if planner (apps/planning/money.py): hand-worked figures.

The settlement rule is the money engine's; these cases check what the planner feeds it: the scenario's
population, the full-year projection, the trend and risk moves and the spread of the draws."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from apps.performance import engine
from apps.planning import money

PY = 2027
ONE_BAND = ((0, None, 50),)  # 50% of all savings or losses


def baseline(**extra: object) -> money.Baseline:
    values: dict[str, object] = {
        "performance_year": PY,
        "run_id": 1,
        "cohorts": (money.CohortMoney("aged_disabled", "Aged & Disabled", 100, 1200, 1_000_000.0, 900.0),),
        "months": tuple((f"{PY}-{m:02d}", 100, 1_000_000.0 / 12) for m in range(1, 13)),
        "tqs": 100.0,
        "trend_pct": 3.0,
        "risk_ratio_cap_pct": 3.0,
        "base_weights": ((PY - 3, 1 / 3), (PY - 2, 1 / 3), (PY - 1, 1 / 3)),
        "parameters": engine.Parameters(
            performance_year=PY, risk_option="global", corridors=engine.bands_from(ONE_BAND)
        ),
        "corridors": {"global": ONE_BAND, "professional": ((0, None, 25),)},
    }
    values.update(extra)
    return money.Baseline(**values)  # type: ignore[arg-type]


def test_losing_ten_costly_beneficiaries_by_hand() -> None:
    # 100 beneficiaries, 1,200 member-months, $1,000,000 spent, benchmark $900 PBPM. Ten leave who spent
    # $200,000: 90 beneficiaries, 1,080 member-months (12 each), $800,000.
    after = money.with_population(
        baseline(),
        money.PopulationChange(lost={"aged_disabled": 10}, lost_spending={"aged_disabled": 200_000.0}),
    )
    (c,) = after.cohorts
    assert (c.beneficiaries, c.member_months, c.expenditure) == (90, 1080, 800_000.0)
    s = money.settle(after, trend_pct=3.0, tqs=100.0, risk_growth_pct=0.0, spending={})
    # Benchmark 900 × 1,080 = 972,000; withhold 3% = 29,160, all earned back at TQS 100;
    # gross 972,000 − 800,000 = 172,000; 50% shared = 86,000; sequestration 2% = 1,720 → 84,280.
    assert s.benchmark == Decimal("972000.00")
    assert s.gross_savings == Decimal("172000.00")
    assert s.shared == Decimal("86000.00")
    assert s.settlement == Decimal("84280.00")


def test_a_gain_brings_the_cohort_average() -> None:
    # Ten gained, not assessed by the run: Aged & Disabled, 12 member-months and $10,000 each.
    after = money.with_population(baseline(), money.PopulationChange(gained={"not_assessed": 10}))
    (c,) = after.cohorts
    assert (c.beneficiaries, c.member_months, c.expenditure) == (110, 1320, 1_100_000.0)


def test_half_a_year_of_claims_is_projected_to_the_whole_year() -> None:
    half = baseline(
        cohorts=(money.CohortMoney("aged_disabled", "Aged & Disabled", 100, 600, 500_000.0, 900.0),),
        months=tuple((f"{PY}-{m:02d}", 100, 500_000.0 / 6) for m in range(1, 7)),
    )
    s = money.settle(half, trend_pct=3.0, tqs=100.0, risk_growth_pct=0.0, spending={})
    assert s.member_months == 1200 and s.expenditure == Decimal("1000000.00")


def test_trend_and_risk_move_the_benchmark() -> None:
    b = baseline()
    assert money.trend_ratio(b, 3.0) == pytest.approx(1.0)
    # (1.04³ + 1.04² + 1.04) ÷ (1.03³ + 1.03² + 1.03) = 3.246464 ÷ 3.183627
    assert money.trend_ratio(b, 4.0) == pytest.approx(3.246464 / 3.183627, rel=1e-9)
    assert money.risk_ratio(b, 1.5) == pytest.approx(1.015)
    assert money.risk_ratio(b, 10.0) == pytest.approx(1.03)  # capped at 1 + 3%
    s = money.settle(b, trend_pct=3.0, tqs=100.0, risk_growth_pct=10.0, spending={})
    assert s.benchmark == Decimal("1112400.00")  # 927 × 1,200


def test_the_spread_narrows_with_the_cohort_size() -> None:
    assert money.spending_sd(10_000) == pytest.approx(math.sqrt(2**2 + 2.5**2))
    assert money.spending_sd(100) == pytest.approx(math.sqrt(2**2 + 25**2))
    small = money.outlook(baseline(), money.default_assumptions(baseline()), draws=200)
    big_cohort = (money.CohortMoney("aged_disabled", "Aged & Disabled", 20_000, 1200, 1_000_000.0, 900.0),)
    big = money.outlook(baseline(cohorts=big_cohort), money.default_assumptions(baseline()), draws=200)
    width = lambda o: o.percentiles[95] - o.percentiles[5]  # noqa: E731
    assert width(small) > 3 * width(big)
    # The draws sit around the sliders' settlement; the fan's median ends near the year's benchmark minus spending.
    assert small.percentiles[5] < float(small.point.settlement) < small.percentiles[95]
    assert len(small.months) == 12 and small.seen == 12
    assert big.bands[50][-1] == pytest.approx(900 * 1200 - 1_000_000, abs=5_000)


def test_a_risk_option_change_takes_the_other_corridors() -> None:
    b = baseline()
    globally = money.outlook(b, money.default_assumptions(b), draws=10).point
    professionally = money.outlook(b, money.default_assumptions(b, "professional"), draws=10).point
    # Gross 80,000 (1,080,000 − 1,000,000): 50% shared under Global, 25% under Professional.
    assert globally.shared == Decimal("40000.00") and professionally.shared == Decimal("20000.00")


def test_today_figures_are_the_money_pages_to_the_cent() -> None:
    # The summary's cohort PBPM is rounded (157.14); its two alignment groups' benchmarks are 700.01 and
    # 400.00 over 7 member-months. Rounded, 157.14 × 7 = 1,099.98; the money page's benchmark is 1,100.01.
    # CARA charged $100.00 to the settlement on the money page, so the planner charges it too.
    data = {
        "performance_year": PY,
        "aco": {"risk_option": "global"},
        "parameters": {"quality_withhold_pct": 3, "sequestration_pct": 2, "benchmark_trend_pct": 3.0},
        "cohorts": [
            {
                "cohort": "aged_disabled",
                "label": "Aged & Disabled",
                "member_months": 7,
                "expenditure": 900.01,
                "benchmark_pbpm": 157.14,
                "groups": [{"benchmark": 700.01}, {"benchmark": 400.00}],
            }
        ],
        "months": [{"month": f"{PY}-{m:02d}", "member_months": 1, "expenditure": 75.0} for m in range(1, 13)],
        "quality": {"tqs": 100},
        "settlement": {"cara": {"has_arrangements": True, "payments": 100.0, "change": -100.0}},
    }
    base = money.baseline_from_summary(
        data, run_id=1, beneficiaries={"aged_disabled": 1}, corridors={"global": ONE_BAND}
    )
    s = money.settle(base, trend_pct=3.0, tqs=100.0, risk_growth_pct=0.0, spending={})
    # Withhold 3% of 1,100.01 = 33.00, all earned back; gross 1,100.01 − 900.01 = 200.00; 50% = 100.00;
    # sequestration 2.00 → 98.00 before CARA; CARA's 100.00 → −2.00.
    assert s.benchmark == Decimal("1100.01")
    assert s.gross_savings == Decimal("200.00")
    assert s.settlement_before_cara == Decimal("98.00")
    assert s.settlement == Decimal("-2.00")
