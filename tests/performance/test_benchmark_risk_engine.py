"""Hand-worked cases of the risk-adjusted benchmark estimate, claims-aligned and voluntarily aligned apart
(docs/money.md, "Benchmark"). Each expected figure is worked out in the comment above it from the rule,
not from running the code. No trend (0%) and the Professional option (no discount) unless a case says so,
so the factors under test stand alone."""

from decimal import Decimal as D
from typing import Any

from apps.performance import engine

PROFESSIONAL = engine.bands_from([[0, 10, 60], [10, 15, 35], [15, 20, 15], [20, None, 5]])
GLOBAL = engine.bands_from([[0, 15, 100], [15, 35, 50], [35, 50, 25], [50, None, 10]])


def params(**kw: Any) -> engine.Parameters:
    base: dict[str, Any] = {
        "performance_year": 2027,
        "risk_option": "professional",
        "corridors": PROFESSIONAL,
        "trend_pct": D("0"),
    }
    base.update(kw)
    return engine.Parameters(**base)


def base_years(
    pbpm: dict[int, str], risk: dict[int, str] | None = None, months: int = 12
) -> tuple[engine.BaseYear, ...]:
    risk = risk or {}
    return tuple(engine.BaseYear(y, D(p) * months, months, D(risk[y]) if y in risk else None) for y, p in pbpm.items())


FLAT = {2024: "1000", 2025: "1000", 2026: "1000"}
SAME_RISK = {2024: "1.00", 2025: "1.00", 2026: "1.00"}


def group(kind: str, pbpm: dict[int, str], risk: dict[int, str] | None, py_risk: str | None, mm: int = 12) -> Any:
    return engine.AlignmentGroup(kind, mm, D("0"), base_years(pbpm, risk, mm), None if py_risk is None else D(py_risk))


def test_a_cohort_whose_risk_grew_2_percent_gets_a_benchmark_2_percent_higher() -> None:
    # Base years at $1,000 PBPM with an average risk of 1.00 each; the PY's average risk is 1.02. Each
    # year's ratio is 1.02 / 1.00 = 1.02, within the 3% cap (0.97 to 1.03): 1,000 × 1.02 = 1,020 a year,
    # weighted 1/3 each: $1,020.00.
    item = engine.CohortInput("aged_disabled", 12, D("0"), groups=(group("claims", FLAT, SAME_RISK, "1.02"),))
    b = engine.cohort_benchmark(item, params())
    (claims,) = b.groups
    assert [u.risk_ratio for u in claims.base_years] == [D("1.02")] * 3
    assert not any(u.risk_capped for u in claims.base_years)
    assert [u.adjusted_pbpm for u in claims.base_years] == [D("1020")] * 3
    assert claims.risk_adjusted and b.risk_adjusted
    assert (claims.estimate, claims.benchmark) == (D("1020.00"), D("1020.00"))
    assert b.benchmark == D("1020.00")


def test_a_cohort_whose_risk_grew_8_percent_is_capped_at_3_percent() -> None:
    # PY risk 1.08 against 1.00: the ratio 1.08 is above 1 + 3% and is capped at 1.03: 1,000 × 1.03 = $1,030.00.
    item = engine.CohortInput("aged_disabled", 12, D("0"), groups=(group("claims", FLAT, SAME_RISK, "1.08"),))
    (claims,) = engine.cohort_benchmark(item, params()).groups
    assert [(u.risk_ratio_uncapped, u.risk_ratio, u.risk_capped) for u in claims.base_years] == [
        (D("1.08"), D("1.03"), True)
    ] * 3
    assert claims.benchmark == D("1030.00")
    # The cap is a parameter: at 10% the same growth counts whole, 1,000 × 1.08 = $1,080.00.
    (wide,) = engine.cohort_benchmark(item, params(risk_ratio_cap_pct=D("10"))).groups
    assert wide.benchmark == D("1080.00")


def test_each_base_year_has_its_own_ratio_and_a_falling_risk_is_capped_from_below() -> None:
    # PY risk 1.00 against base-year risks 0.95 (2024), 1.00 (2025), 1.02 (2026):
    # 2024: 1.00 / 0.95 = 1.052632 → capped at 1.03 → 1,030.00
    # 2025: 1.00 / 1.00 = 1 → 1,000.00
    # 2026: 1.00 / 1.02 = 0.980392 (within 0.97) → 980.392157
    # Mean: (1,030 + 1,000 + 980.392157) / 3 = 3,010.392157 / 3 = 1,003.464052 → $1,003.46.
    risk = {2024: "0.95", 2025: "1.00", 2026: "1.02"}
    item = engine.CohortInput("aged_disabled", 12, D("0"), groups=(group("claims", FLAT, risk, "1.00"),))
    (claims,) = engine.cohort_benchmark(item, params()).groups
    ratios = [u.risk_ratio for u in claims.base_years]
    assert ratios[0] == D("1.03") and claims.base_years[0].risk_capped
    assert ratios[1] == D("1")
    assert round(ratios[2], 6) == D("0.980392") and not claims.base_years[2].risk_capped
    assert claims.benchmark == D("1003.46")
    # A risk that fell more than 3%: PY 0.90 against 1.00 → 0.90, capped at 0.97 → $970.00.
    (fell,) = engine.cohort_benchmark(
        engine.CohortInput("aged_disabled", 12, D("0"), groups=(group("claims", FLAT, SAME_RISK, "0.90"),)), params()
    ).groups
    assert fell.benchmark == D("970.00")


def test_the_voluntary_benchmark_is_capped_at_10_percent_above_the_claims_aligned_one() -> None:
    # Claims-aligned: $1,000 PBPM every base year, no risk scores → estimate $1,000.00. Voluntarily aligned:
    # $1,300 → estimate $1,300.00, 30% above; the cap allows 1,000 × (1 ± 10%) = $900.00 to $1,100.00, so
    # the voluntary benchmark is $1,100.00. Benchmark dollars: 1,000 × 100 member-months + 1,100 × 50 =
    # $155,000.00; the cohort's PBPM 155,000 / 150 = $1,033.33.
    claims = group("claims", FLAT, None, None, mm=100)
    voluntary = group("voluntary", {2024: "1300", 2025: "1300", 2026: "1300"}, None, None, mm=50)
    item = engine.CohortInput("aged_disabled", 150, D("0"), groups=(voluntary, claims))
    b = engine.cohort_benchmark(item, params())
    c, v = b.groups  # claims-aligned first, whatever the order given
    assert (c.alignment_type, c.benchmark, c.cap_low) == ("claims", D("1000.00"), None)
    assert (v.alignment_type, v.estimate, v.cap_low, v.cap_high) == (
        "voluntary",
        D("1300.00"),
        D("900.00"),
        D("1100.00"),
    )
    assert v.capped and v.benchmark == D("1100.00")
    assert b.benchmark_dollars == D("155000.00")
    assert b.benchmark is not None and engine.cents(b.benchmark) == D("1033.33")
    # Below the claims-aligned one: $850 → raised to the floor, $900.00.
    low = group("voluntary", {2024: "850", 2025: "850", 2026: "850"}, None, None, mm=50)
    (_, v_low) = engine.cohort_benchmark(
        engine.CohortInput("aged_disabled", 150, D("0"), groups=(claims, low)), params()
    ).groups
    assert v_low.benchmark == D("900.00")
    # Within the cap: $1,050 stays $1,050.00, not capped.
    near = group("voluntary", {2024: "1050", 2025: "1050", 2026: "1050"}, None, None, mm=50)
    (_, v_near) = engine.cohort_benchmark(
        engine.CohortInput("aged_disabled", 150, D("0"), groups=(claims, near)), params()
    ).groups
    assert (v_near.benchmark, v_near.capped) == (D("1050.00"), False)


def test_the_global_discount_comes_after_the_voluntary_cap() -> None:
    # As above (claims $1,000.00, voluntary capped at $1,100.00), Global lower-spending: 3% off each:
    # $970.00 and $1,067.00. Settlement benchmark: 970 × 100 + 1,067 × 50 = 97,000 + 53,350 = $150,350.00;
    # before the discount 155,000.00, so the discount is $4,650.00.
    claims = group("claims", FLAT, None, None, mm=100)
    voluntary = group("voluntary", {2024: "1300", 2025: "1300", 2026: "1300"}, None, None, mm=50)
    item = engine.CohortInput("aged_disabled", 150, D("0"), groups=(claims, voluntary))
    p = params(risk_option="global", corridors=GLOBAL)
    c, v = engine.cohort_benchmark(item, p).groups
    assert (c.benchmark, v.benchmark_before_discount, v.benchmark) == (D("970.00"), D("1100.00"), D("1067.00"))
    s = engine.settle([item], p, tqs=100)
    assert (s.benchmark_before_discount, s.benchmark, s.discount) == (D("155000.00"), D("150350.00"), D("4650.00"))


def test_risk_adjustment_and_the_voluntary_cap_together() -> None:
    # Claims-aligned: risk grew 2% → $1,020.00 (first case). Voluntarily aligned: $1,200 PBPM, risk grew 8%
    # → capped ratio 1.03 → $1,236.00, above 1,020 × 1.1 = $1,122.00: capped there.
    claims = group("claims", FLAT, SAME_RISK, "1.02")
    voluntary = group("voluntary", {2024: "1200", 2025: "1200", 2026: "1200"}, SAME_RISK, "1.08")
    c, v = engine.cohort_benchmark(
        engine.CohortInput("aged_disabled", 24, D("0"), groups=(claims, voluntary)), params()
    ).groups
    assert (c.benchmark, v.estimate, v.cap_high, v.benchmark) == (
        D("1020.00"),
        D("1236.00"),
        D("1122.00"),
        D("1122.00"),
    )


def test_a_group_without_base_year_months_takes_the_other_groups_estimate() -> None:
    # Voluntarily aligned beneficiaries with no base-year months: the claims-aligned estimate, $1,000.00.
    claims = group("claims", FLAT, None, None)
    new = engine.AlignmentGroup("voluntary", 6, D("0"))
    _, v = engine.cohort_benchmark(
        engine.CohortInput("aged_disabled", 18, D("0"), groups=(claims, new)), params()
    ).groups
    assert (v.source, v.benchmark) == ("borrowed", D("1000.00"))
    # Voluntarily aligned only (no claims-aligned group to cap against): its own estimate, uncapped.
    alone = group("voluntary", {2024: "1300", 2025: "1300", 2026: "1300"}, None, None)
    (v_alone,) = engine.cohort_benchmark(engine.CohortInput("esrd", 12, D("0"), groups=(alone,)), params()).groups
    assert (v_alone.source, v_alone.cap_low, v_alone.benchmark) == ("estimate", None, D("1300.00"))


def test_without_risk_scores_the_benchmark_is_as_before_and_the_notes_say_so() -> None:
    # No PY risk: every ratio is 1 and nothing is risk-adjusted. A base year without a score (2025 here)
    # keeps a ratio of 1 even when the others have one: PY 1.02 → 2024 and 2026 at 1.02, 2025 at 1:
    # (1,020 + 1,000 + 1,020) / 3 = $1,013.33.
    item = engine.CohortInput("aged_disabled", 12, D("0"), groups=(group("claims", FLAT, SAME_RISK, None),))
    b = engine.cohort_benchmark(item, params())
    assert (b.benchmark, b.risk_adjusted) == (D("1000.00"), False)
    assert all(u.risk_ratio == 1 and u.risk_ratio_uncapped is None for u in b.groups[0].base_years)
    s = engine.settle([item], params(), tqs=None)
    assert any("not risk-adjusted" in n for n in s.notes) and not s.risk_adjusted
    partial = group("claims", FLAT, {2024: "1.00", 2026: "1.00"}, "1.02")
    (p,) = engine.cohort_benchmark(engine.CohortInput("aged_disabled", 12, D("0"), groups=(partial,)), params()).groups
    assert p.benchmark == D("1013.33")
    assert [u.risk_ratio_uncapped for u in p.base_years] == [D("1.02"), None, D("1.02")]


def test_a_published_benchmark_is_not_risk_adjusted() -> None:
    item = engine.CohortInput(
        "aged_disabled", 12, D("0"), published_pbpm=D("900"), groups=(group("claims", FLAT, SAME_RISK, "1.08"),)
    )
    b = engine.cohort_benchmark(item, params())
    assert (b.source, b.benchmark, b.risk_adjusted) == ("published", D("900"), False)
    assert [(g.source, g.benchmark) for g in b.groups] == [("published", D("900"))]


def _before_risk_adjustment(item: engine.CohortInput, p: engine.Parameters) -> tuple[D, D]:
    """The benchmark PBPM (before, after the discount) as the rule was before risk adjustment and
    alignment types: Σ PBPM × (1 + trend)^(PY − year) × weight over the base years with member-months
    (weights rescaled), to the cent, then the discount."""
    weights = dict(
        zip(
            (2024, 2025, 2026), engine.NEWLY_ENTERING_WEIGHTS if p.newly_entering else engine.EQUAL_WEIGHTS, strict=True
        )
    )
    used = [b for b in item.base_years if b.member_months]
    total = sum((weights[b.year] for b in used), D(0))
    before = engine.cents(
        sum(
            (
                b.expenditure / b.member_months * (1 + p.trend_pct / 100) ** (2027 - b.year) * weights[b.year] / total
                for b in used
            ),
            D(0),
        )
    )
    discount = (p.discount_higher_pct if p.higher_spending else p.discount_lower_pct) if p.is_global else D(0)
    return before, engine.cents(before * (1 - discount / 100))


def test_claims_only_without_risk_settles_exactly_as_before() -> None:
    """No voluntary alignment and no risk run: every cohort's benchmark is the one of the rule before risk
    adjustment (``_before_risk_adjustment``), to the cent, whether the cohort is given as one
    claims-aligned group or without groups, and so are the settlement's totals. Global with trend, the
    newly entering weights and a missing base year included."""
    p = params(risk_option="global", corridors=GLOBAL, trend_pct=D("3"), newly_entering=True, higher_spending=True)
    plain = [
        engine.CohortInput(
            "aged_disabled",
            1200,
            D("1190321.17"),
            base_years({2024: "912.37", 2025: "1003.91", 2026: "1100.05"}, months=1137),
        ),
        engine.CohortInput("esrd", 48, D("401234.55"), base_years({2025: "7900.10", 2026: "8411.40"}, months=41)),
    ]
    grouped = [
        engine.CohortInput(
            c.cohort, c.member_months, c.expenditure, c.base_years,
            groups=(engine.AlignmentGroup("claims", c.member_months, c.expenditure, c.base_years),),
        )
        for c in plain
    ]  # fmt: skip
    expected = [_before_risk_adjustment(c, p) for c in plain]
    a, b = engine.settle(plain, p, tqs=87.5), engine.settle(grouped, p, tqs=87.5)
    assert [(c.benchmark_before_discount, c.benchmark) for c in a.cohorts] == expected
    assert [(c.benchmark_before_discount, c.benchmark) for c in b.cohorts] == expected
    # Benchmark dollars as before: Σ the cohorts' PBPM after the discount × member-months, to the cent.
    assert a.benchmark == b.benchmark == engine.cents(expected[0][1] * 1200 + expected[1][1] * 48)
    for name in (
        "benchmark_before_discount", "discount", "benchmark", "withhold", "earned_back", "gross_savings",
        "shared", "sequestration", "settlement",
    ):  # fmt: skip
        assert getattr(a, name) == getattr(b, name), name
