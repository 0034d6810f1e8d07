"""Why an estimate is a saving or a loss (``apps.performance.why``), on snapshots worked out by hand.

The saving, PY2027, trend 3% (2026 → 2027: × 1.03):

- Aged & Disabled: 1,000 member-months at $900 PBPM against a $1,000 benchmark → (1,000 − 900) × 1,000 =
  +$100,000; ESRD: 100 at $8,200 against $8,000 → −$20,000; High Needs: 100 at $1,500 against $1,600 →
  +$10,000. Aged & Disabled contributes most; the other two together −$10,000 (more than their benchmarks).
- Cohorts sum to $90,000; withhold $58,800 less $48,800 earned back: $10,000 not earned back → gross
  savings $80,000, 80,000 / 1,960,000 = 4.08% of the benchmark → "4.1%".
- Aged & Disabled's 2026 PBPM $880 trended: 880 × 1.03 = $906.40; 900 / 906.40 − 1 = −0.71% → "0.7% below".
- Categories (1,200 member-months in 2026 and in 2027), PY PBPM against 2026 trended:
  inpatient 500 against 600 × 1.03 = 618 → −$118.00 (claims 30 / 1,200 × 12,000 = 300 per 1,000 a year in
  2026, 20 / 1,200 × 12,000 = 200 in 2027); professional 400 against 412 → −$12.00; outpatient 300 against
  309 → −$9.00; SNF 100 against 97.50 × 1.03 = 100.43 → −$0.43 and DME 10 against 10.82 → −$0.82 (under
  $1: not named); hospice 50 against 20.60 → +$29.40 (the other way: not named).
"""

from __future__ import annotations

import copy
from typing import Any

from apps.performance import why

MINUS = "\u2212"


def cohort(key: str, label: str, months: int, pbpm: float, bench: float, base: list[tuple[int, float, float]]) -> dict:
    return {
        "cohort": key,
        "label": label,
        "member_months": months,
        "expenditure": pbpm * months,
        "pbpm": pbpm,
        "benchmark_source": "estimate",
        "benchmark_pbpm": bench,
        "base_years": [
            {"year": y, "pbpm": p, "weight": 0.5, "trend_factor": f, "member_months": months, "expenditure": p * months}
            for y, p, f in base
        ],
    }


def category(key: str, label: str, pbpm: float, claims: int, base: list[tuple[int, float, int]]) -> dict:
    return {
        "category": key,
        "label": label,
        "expenditure": pbpm * 1200,
        "pbpm": pbpm,
        "share_pct": None,
        "claims": claims,
        "base_years": [
            {"year": y, "member_months": 1200, "expenditure": p * 1200, "pbpm": p, "claims": n} for y, p, n in base
        ],
    }


def saving() -> dict[str, Any]:
    return {
        "performance_year": 2027,
        "parameters": {"benchmark_trend_pct": 3.0},
        "settlement": {
            "member_months": 1200,
            "expenditure": 1_870_000.0,
            "pbpm": 1558.33,
            "benchmark": 1_960_000.0,
            "benchmark_pbpm": 1633.33,
            "withhold": 58_800.0,
            "earned_back": 48_800.0,
            "gross_savings": 80_000.0,
            "gross_savings_pct": 4.08,
        },
        "cohorts": [
            cohort(
                "aged_disabled", "Aged & Disabled", 1000, 900.0, 1000.0, [(2025, 850.0, 1.0609), (2026, 880.0, 1.03)]
            ),
            cohort("esrd", "ESRD", 100, 8200.0, 8000.0, [(2026, 7900.0, 1.03)]),
            cohort("high_needs", "High Needs", 100, 1500.0, 1600.0, [(2026, 1400.0, 1.03)]),
        ],
        "categories": [
            category("inpatient", "Inpatient", 500.0, 20, [(2025, 640.0, 40), (2026, 600.0, 30)]),
            category("outpatient", "Outpatient", 300.0, 900, [(2026, 300.0, 900)]),
            category("snf", "Skilled nursing facility", 100.0, 5, [(2026, 97.5, 5)]),
            category("hospice", "Hospice", 50.0, 2, [(2026, 20.0, 1)]),
            category("professional", "Professional", 400.0, 5000, [(2026, 400.0, 5000)]),
            category("dme", "Durable medical equipment", 10.0, 30, [(2026, 10.5, 30)]),
        ],
    }


def test_a_saving_names_its_cohort_its_trend_and_the_categories_that_fell() -> None:
    explanation = why.explain(saving())
    assert explanation is not None
    assert explanation.title == "Why the estimate is a saving"
    assert explanation.sentences == (
        "The aligned beneficiaries cost $1,558.33 per beneficiary per month (PBPM) against a benchmark of "
        "$1,633.33 PBPM: gross savings of $80,000.00 (4.1% of the benchmark), after $10,000.00 of quality "
        "withhold not earned back.",
        "Aged & Disabled contributes most: $900.00 PBPM against its benchmark of $1,000.00 PBPM, $100.00 PBPM "
        "less, times 1,000 member-months: $100,000.00 of the savings; the other cohorts together spent $10,000.00 "
        "more than their benchmarks.",
        "Its PBPM went from $880.00 in 2026 to $900.00 in 2027: 0.7% below the 2026 PBPM trended to 2027 by the "
        "benchmark trend (× 1.03: $906.40).",
        "Against the same beneficiaries' 2026 spending trended to 2027, Inpatient fell most: $500.00 PBPM against "
        f"$618.00 ({MINUS}$118.00 PBPM; 300 inpatient claims per 1,000 beneficiaries a year in 2026, 200 in 2027), "
        f"then Professional ({MINUS}$12.00) and Outpatient ({MINUS}$9.00).",
    )
    assert explanation.text == " ".join(explanation.sentences)


def test_a_loss_from_one_cohort_names_the_categories_that_grew() -> None:
    """One cohort, $1,100 PBPM against $1,000 over 1,000 member-months: −$100,000; $10,000 of withhold not
    earned back → −$110,000, 11% of the $1,000,000 benchmark. 2026: $1,000 × 1.03 = $1,030; 1,100 / 1,030 − 1
    = 6.80%. Professional lines: $500 against 400 × 1.03 = $412 → +$88.00; 2,400 lines over 1,000 member-months
    = 28,800 per 1,000 a year in 2026, 3,000 over 1,000 = 36,000 in 2027. Inpatient $600 against 618: fell."""
    data = {
        "performance_year": 2027,
        "parameters": {},
        "settlement": {
            "member_months": 1000,
            "pbpm": 1100.0,
            "benchmark_pbpm": 1000.0,
            "withhold": 30_000.0,
            "earned_back": 20_000.0,
            "gross_savings": -110_000.0,
            "gross_savings_pct": -11.0,
        },
        "cohorts": [cohort("aged_disabled", "Aged & Disabled", 1000, 1100.0, 1000.0, [(2026, 1000.0, 1.03)])],
        "categories": [
            {**category("professional", "Professional", 500.0, 3000, []), "base_years": [
                {"year": 2026, "member_months": 1000, "expenditure": 400_000.0, "pbpm": 400.0, "claims": 2400}
            ]},
            category("inpatient", "Inpatient", 600.0, 10, [(2026, 600.0, 10)]),
        ],
    }  # fmt: skip
    explanation = why.explain(data)
    assert explanation is not None
    assert explanation.title == "Why the estimate is a loss"
    assert explanation.sentences == (
        "The aligned beneficiaries cost $1,100.00 per beneficiary per month (PBPM) against a benchmark of "
        "$1,000.00 PBPM: a gross loss of $110,000.00 (11% of the benchmark), after $10,000.00 of quality "
        "withhold not earned back.",
        "It all comes from Aged & Disabled: $1,100.00 PBPM against its benchmark of $1,000.00 PBPM, $100.00 PBPM "
        "more, times 1,000 member-months: $100,000.00 of the loss.",
        "Its PBPM went from $1,000.00 in 2026 to $1,100.00 in 2027: 6.8% above the 2026 PBPM trended to 2027 by "
        "the benchmark trend (× 1.03: $1,030.00).",
        "Against the same beneficiaries' 2026 spending trended to 2027, Professional grew most: $500.00 PBPM "
        "against $412.00 (+$88.00 PBPM; 28,800 professional claim lines per 1,000 beneficiaries a year in 2026, "
        "36,000 in 2027).",
    )


def test_a_snapshot_without_base_year_categories_leaves_that_sentence_out() -> None:
    """A snapshot computed before categories carried their base years still explains the rest."""
    data = saving()
    for c in data["categories"]:
        del c["base_years"], c["claims"]
    explanation = why.explain(data)
    assert explanation is not None
    assert len(explanation.sentences) == 3
    assert not any("spending trended" in s for s in explanation.sentences)


def test_published_benchmarks_take_the_trend_from_the_parameters() -> None:
    """No base-year rows in the cohorts (published benchmarks): no trend sentence, and the categories are
    trended by the 3% parameter: inpatient 600 × 1.03 = $618."""
    data = saving()
    for c in data["cohorts"]:
        c["base_years"] = []
    explanation = why.explain(data)
    assert explanation is not None
    assert [s.split(":")[0] for s in explanation.sentences[1:]] == [
        "Aged & Disabled contributes most",
        "Against the same beneficiaries' 2026 spending trended to 2027, Inpatient fell most",
    ]
    assert "against $618.00" in explanation.sentences[2]


def test_a_loss_the_withhold_alone_makes_says_so() -> None:
    """Every cohort under its benchmark by $5,000 in all, $10,000 of withhold not earned back: −$5,000."""
    data = copy.deepcopy(saving())
    data["cohorts"] = [cohort("aged_disabled", "Aged & Disabled", 1000, 995.0, 1000.0, [])]
    data["categories"] = []
    data["settlement"].update(gross_savings=-5000.0, gross_savings_pct=-0.5)
    explanation = why.explain(data)
    assert explanation is not None
    assert explanation.title == "Why the estimate is a loss"
    assert explanation.sentences[1] == (
        "Every cohort spent less than its benchmark: the quality withhold not earned back turns it into a loss."
    )


def test_no_gross_savings_figure_no_explanation() -> None:
    assert why.explain({"performance_year": 2027, "settlement": {"gross_savings": None}}) is None
    assert why.explain({}) is None
