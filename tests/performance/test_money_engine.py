"""Hand-worked cases of the money rule (docs/money.md). Each expected figure is worked out in the
comment above it from the rule, not from running the code."""

from decimal import Decimal as D
from typing import Any

import pytest

from apps.performance import engine

GLOBAL = engine.bands_from([[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]])
PROFESSIONAL = engine.bands_from([[0, 10, 60], [10, 15, 35], [15, 20, 15], [20, None, 5]])


def params(**kw: Any) -> engine.Parameters:
    base: dict[str, Any] = {"performance_year": 2027, "risk_option": "global", "corridors": GLOBAL, "trend_pct": D("0")}
    base.update(kw)
    return engine.Parameters(**base)


def published(expenditure, pbpm=D("1000"), mm=1000, cohort="aged_disabled"):
    return engine.CohortInput(cohort, mm, D(expenditure), published_pbpm=pbpm)


def flat_base(pbpm_by_year, months=12):
    return tuple(engine.BaseYear(y, D(p) * months, months) for y, p in pbpm_by_year.items())


def test_global_savings_crossing_two_bands():
    # Benchmark 1,000 PBPM x 1,000 member-months = $1,000,000; TQS 100 earns the whole withhold back, so
    # gross = 1,000,000 - 800,000 = $200,000 = 20% of the benchmark. Global bands: the first 15%
    # ($150,000) at 100% = 150,000; the next 5% ($50,000) at 50% = 25,000; shared = 175,000.
    # Sequestration 2% = 3,500, so the ACO gets 171,500.
    s = engine.settle([published("800000")], params(), tqs=100)
    assert s.benchmark == D("1000000.00")
    assert s.gross_savings == D("200000.00")
    assert s.gross_savings_pct == D("20")
    assert [(p.low, p.amount, p.aco_amount) for p in s.corridor] == [
        (D("0"), D("150000"), D("150000")),
        (D("15"), D("50000"), D("25000")),
    ]
    assert s.shared == D("175000.00")
    assert s.sequestration == D("3500.00")
    assert s.settlement == D("171500.00")


def test_professional_shares_less_of_the_same_savings():
    # Same $200,000 (20%): Professional bands 0-10% at 60% = 60,000; 10-15% at 35% = 17,500; 15-20% at 15% =
    # 7,500; shared 85,000; sequestration 1,700; settlement 83,300. No discount either way (published).
    s = engine.settle([published("800000")], params(risk_option="professional", corridors=PROFESSIONAL), tqs=100)
    assert s.shared == D("85000.00")
    assert s.sequestration == D("1700.00")
    assert s.settlement == D("83300.00")


def test_losses_are_shared_by_the_same_bands_and_sequestered():
    # Expenditure 1,100,000 against 1,000,000: gross loss 100,000 = 10%, inside the first Global band
    # (100%): shared -100,000; sequestration 2% of it (-2,000) lowers the loss to -98,000.
    s = engine.settle([published("1100000")], params(), tqs=100)
    assert s.gross_savings == D("-100000.00")
    assert s.shared == D("-100000.00")
    assert s.sequestration == D("-2000.00")
    assert s.settlement == D("-98000.00")


def test_professional_loss_across_bands():
    # Loss 150,000 = 15%: 0-10% at 60% = -60,000; 10-15% at 35% = -17,500; shared -77,500; after 2%: -75,950.
    s = engine.settle([published("1150000")], params(risk_option="professional", corridors=PROFESSIONAL), tqs=100)
    assert s.shared == D("-77500.00")
    assert s.settlement == D("-75950.00")


def test_withhold_earned_back_in_proportion_to_the_score():
    # Withhold 3% of 1,000,000 = 30,000; TQS 80 earns back 24,000; expenditure equal to the benchmark:
    # gross = 1,000,000 - 30,000 + 24,000 - 1,000,000 = -6,000 (0.6%, first band, 100%); after 2%: -5,880.
    s = engine.settle([published("1000000")], params(), tqs=80)
    assert s.withhold == D("30000.00")
    assert s.earned_back == D("24000.00")
    assert s.gross_savings == D("-6000.00")
    assert s.settlement == D("-5880.00")


def test_no_score_earns_nothing_back_and_says_so():
    s = engine.settle([published("970000")], params(), tqs=None)
    # 1,000,000 - 30,000 + 0 - 970,000 = 0: nothing to share.
    assert s.earned_back == D("0")
    assert s.gross_savings == D("0")
    assert s.shared == D("0")
    assert any("No Total Quality Score" in n for n in s.notes)


def test_estimated_benchmark_discount_only_for_global():
    # Base years 2024-2026 each at 1,000 PBPM, no trend: 1,000 before discount.
    # Global lower-spending: 3% off = 970; Global higher-spending: 1.75% off = 982.50; Professional: 1,000.
    cohort = engine.CohortInput("aged_disabled", 12, D("0"), flat_base({2024: 1000, 2025: 1000, 2026: 1000}))
    lower = engine.cohort_benchmark(cohort, params())
    higher = engine.cohort_benchmark(cohort, params(higher_spending=True))
    prof = engine.cohort_benchmark(cohort, params(risk_option="professional", corridors=PROFESSIONAL))
    assert lower.benchmark_before_discount == D("1000")
    assert lower.benchmark == D("970")
    assert higher.benchmark == D("982.5")
    assert prof.benchmark == D("1000")
    assert prof.discount_pct == 0
    # In dollars: 12 member-months x (1,000 - 970) = 360 of discount on the Global settlement.
    s = engine.settle([cohort], params(), tqs=100)
    assert s.benchmark_before_discount == D("12000.00")
    assert s.discount == D("360.00")


def test_published_benchmark_wins_and_takes_no_further_discount():
    cohort = engine.CohortInput(
        "aged_disabled", 12, D("0"), flat_base({2024: 1000, 2025: 1000, 2026: 1000}), published_pbpm=D("900")
    )
    b = engine.cohort_benchmark(cohort, params())
    assert (b.source, b.benchmark, b.discount_pct) == ("published", D("900"), D("0"))


def test_trend_compounds_each_base_year_to_the_performance_year():
    # 2024: 900 x 1.03^3 = 900 x 1.092727 = 983.4543; 2025: 1,000 x 1.0609 = 1,060.90; 2026: 1,100 x 1.03 =
    # 1,133.00. Mean of the three: 3,177.3543 / 3 = 1,059.1181. Professional: no discount.
    cohort = engine.CohortInput("aged_disabled", 12, D("0"), flat_base({2024: 900, 2025: 1000, 2026: 1100}))
    b = engine.cohort_benchmark(cohort, params(risk_option="professional", corridors=PROFESSIONAL, trend_pct=D("3")))
    assert b.benchmark == D("1059.12")
    assert [u.year for u in b.base_years] == [2024, 2025, 2026]


def test_newly_entering_weights_and_a_missing_base_year():
    # Newly entering, no trend: 900 x 10% + 1,000 x 30% + 1,100 x 60% = 90 + 300 + 660 = 1,050.
    prof = dict(risk_option="professional", corridors=PROFESSIONAL, newly_entering=True)
    full = engine.CohortInput("aged_disabled", 12, D("0"), flat_base({2024: 900, 2025: 1000, 2026: 1100}))
    assert engine.cohort_benchmark(full, params(**prof)).benchmark == D("1050")
    # Without 2024 the weights 30/60 become 1/3 and 2/3: 1,000/3 + 1,100 x 2/3 = 333.33 + 733.33 = 1,066.67.
    short = engine.CohortInput("aged_disabled", 12, D("0"), flat_base({2025: 1000, 2026: 1100}))
    assert engine.cohort_benchmark(short, params(**prof)).benchmark == D("1066.67")


def test_enhanced_pcc_floor_at_two_percent():
    # Base 6% of 1,000,000 = 60,000: 7% x B - base = 10,000 (1%) is below the floor 2% = 20,000, so enhanced
    # = 20,000. Savings 100,000 (10%, 100%) less 2% = 98,000; minus 20,000 recouped = 78,000.
    s = engine.settle([published("900000")], params(capitation="pcc", pcc_base_pct=D("6")), tqs=100)
    assert s.pcc_base == D("60000.00")
    assert s.pcc_enhanced == D("20000.00")
    assert s.settlement == D("78000.00")
    # With the default base 4%: 70,000 - 40,000 = 30,000 (3%) is above the floor.
    s = engine.settle([published("900000")], params(capitation="pcc"), tqs=100)
    assert s.pcc_enhanced == D("30000.00")
    assert s.settlement == D("68000.00")
    # Without PCC nothing is recouped.
    assert engine.settle([published("900000")], params(), tqs=100).pcc_enhanced == 0


def test_partial_member_months_and_cohorts_add_up():
    # A&D: 1,000 PBPM x 900 member-months = 900,000; ESRD: 8,000 x 10 (a beneficiary aligned from July and
    # one who died in April: 6 + 4 months) = 80,000; benchmark 980,000. Expenditure 900,000 + 60,000.
    # ESRD PBPM = 60,000 / 10 = 6,000. Gross = 980,000 - 960,000 = 20,000 (2.04%, first band, 100%).
    s = engine.settle(
        [published("900000", mm=900), published("60000", pbpm=D("8000"), mm=10, cohort="esrd")], params(), tqs=100
    )
    esrd = s.cohorts[1]
    assert esrd.pbpm == D("6000")
    assert s.member_months == 910
    assert s.benchmark == D("980000.00")
    assert s.gross_savings == D("20000.00")
    assert s.settlement == D("19600.00")


def test_waterfall_steps_add_up_to_each_total():
    s = engine.settle(
        [published("850000")], params(capitation="pcc", risk_option="professional", corridors=PROFESSIONAL), tqs=55
    )
    running = D("0")
    for line in s.lines():
        if line.kind == "total" and line.key != "benchmark_before_discount":
            assert running == line.amount, line.key
        running = line.amount if line.kind == "total" else running + line.amount
    assert s.lines()[-1].amount == s.settlement


def test_rural_addon_is_shown_but_never_in_the_settlement():
    without = engine.settle([published("900000")], params(), tqs=100)
    with_addon = engine.settle([published("900000")], params(rural_addon=D("9600")), tqs=100)
    assert with_addon.rural_addon == D("9600")
    assert with_addon.settlement == without.settlement


@pytest.mark.parametrize(
    "gross_pct, expected",
    [
        # At 15%: 150,000 x 100%.
        (15, D("150000")),
        # At 35%: 150,000 + 200,000 x 50% = 250,000.
        (35, D("250000")),
        # At 60%: 250,000 + 150,000 x 25% + 100,000 x 10% = 250,000 + 37,500 + 10,000 = 297,500.
        (60, D("297500")),
    ],
)
def test_global_band_edges(gross_pct, expected):
    shared, _ = engine.share_by_corridors(D(gross_pct * 10000), D("1000000"), GLOBAL)
    assert shared == expected
