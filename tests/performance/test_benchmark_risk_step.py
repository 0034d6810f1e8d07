"""The money step reads the risk run's scores: each cohort's average risk per alignment type and score
year (one SQL aggregate over the run's aligned beneficiaries and the risk run's scores, weighted by
member-months), and the summary's benchmark is risk-adjusted from them, claims-aligned and voluntarily
aligned apart; the money page and the report explain each factor.

The dataset, PY2027, one ACO (Professional: no discount), the trend parameter set to 0% so the risk
adjustment stands alone (every figure below is worked out by hand from docs/money.md):

- C1, claims-aligned (Aged & Disabled) from 2027-01-01, alive, entitled all along: Part B lines of $1,200
  on 2024-05-01, 2025-05-01 and 2026-05-01, and $600 on 2027-06-01 (the PY's last claim: claims run
  through June, so PY member-months are January to June). Risk scores 1.00 in 2024, 2025 and 2026,
  1.02 in 2027.
- C2, claims-aligned, died 2025-06-15: $600 on 2024-03-01, $300 on 2025-03-01. Member-months: 2024 12,
  2025 6 (January to June, the month of death counting), none after. Risk 1.10 every score year.
- V1, voluntarily aligned from 2027-01-01, alive: $2,400 on 2024-05-02, 2025-05-02 and 2026-05-02, $300 on
  2027-03-01. Risk 1.00 in 2025 and 2026, 1.02 in 2027, no score in 2024.

The first base year, 2024, takes no average risk whatever its scores: its diagnoses would come from
2023, before the claims CMS sends for PY2027 (36 months back), so its risk ratio is 1 (docs/risk.md).

Claims-aligned group: base-year PBPMs 2024 $1,800 / 24 = $75.00, 2025 $1,500 / 18 = $83.333333, 2026
$1,200 / 12 = $100.00. Average risk, member-month-weighted: 2025 (1.00 × 12 + 1.10 × 6) / 18 = 18.6 / 18
= 1.033333 (a plain mean would say 1.05); 2026 1.00 (C2 has no months); PY 1.02 (C2 has no months).
Ratios: 2024 1 (no average), 1.02 / 1.033333 = 0.987097, 1.02 / 1.00 = 1.02. Risk-adjusted: 75.00,
82.258091, 102.00; weighted 1/3 each: 259.258091 / 3 = $86.42.
Voluntarily aligned group: $200.00 PBPM every base year; 2024 ratio 1, 2025 and 2026 ratio 1.02:
(200 + 204 + 204) / 3 = $202.67, above the claims-aligned 86.42 × 1.10 = $95.06: capped there (the range
86.42 × 0.90 = $77.78 to $95.06).
Benchmark dollars: 86.42 × 6 + 95.06 × 6 = 518.52 + 570.36 = $1,088.88 (expenditure $900.00).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.acos.models import ACO, Election, ModelParameters
from apps.alignment.models import AlignedBeneficiary
from apps.performance import reports, services
from apps.performance.models import CohortRiskFact, MemberMonthFact, PerformanceSummary, PipelineRun
from apps.risk.models import RiskRun, RiskScore
from tests.claims.cclf_builders import beneficiary, ingest, mbi, part_b_paid, write_package
from tests.factories import MembershipFactory, alignment_run
from tests.performance.test_pipeline import align as align_pipeline_world
from tests.performance.test_pipeline import loaded  # noqa: F401 (the fixture of its worked dataset)

PY = 2027
C1, C2, V1 = mbi(11), mbi(12), mbi(13)


@pytest.fixture
def world(tmp_path: Path, db: None) -> ACO:
    files = {
        "CCLF8": [beneficiary(C1), beneficiary(C2, BENE_DEATH_DT="2025-06-15"), beneficiary(V1)],
        "CCLF5": [
            part_b_paid(1, "C1A", C1, "2024-05-01", "1200.00"),
            part_b_paid(2, "C1B", C1, "2025-05-01", "1200.00"),
            part_b_paid(3, "C1C", C1, "2026-05-01", "1200.00"),
            part_b_paid(4, "C1D", C1, "2027-06-01", "600.00"),
            part_b_paid(5, "C2A", C2, "2024-03-01", "600.00"),
            part_b_paid(6, "C2B", C2, "2025-03-01", "300.00"),
            part_b_paid(7, "V1A", V1, "2024-05-02", "2400.00"),
            part_b_paid(8, "V1B", V1, "2025-05-02", "2400.00"),
            part_b_paid(9, "V1C", V1, "2026-05-02", "2400.00"),
            part_b_paid(10, "V1D", V1, "2027-03-01", "300.00"),
        ],
    }
    load = ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent)
    assert load.status == "succeeded", load.message
    ModelParameters.objects.filter(performance_year=PY).update(benchmark_trend_pct=Decimal("0"))
    aco = ACO.objects.create(aco_id="L0007", legal_name="Risk ACO", states=["MD"])
    Election.objects.create(aco=aco, performance_year=PY, risk_option="professional")
    return aco


def align(aco: ACO, *, voluntary: bool = True) -> Any:
    run = alignment_run(PY)
    jan1 = dt.date(PY, 1, 1)
    rows = [
        AlignedBeneficiary(run=run, mbi=C1, aco=aco, alignment_type="claims", step="1", effective_from=jan1),
        AlignedBeneficiary(run=run, mbi=C2, aco=aco, alignment_type="claims", step="1", effective_from=jan1),
    ]
    if voluntary:
        rows.append(
            AlignedBeneficiary(
                run=run, mbi=V1, aco=aco, alignment_type="voluntary", step="voluntary", effective_from=jan1
            )
        )
    AlignedBeneficiary.objects.bulk_create(rows)
    return run


def risk_run() -> RiskRun:
    run = RiskRun.objects.create(performance_year=PY, status=RiskRun.Status.SUCCEEDED, finished_at=timezone.now())
    scores = {
        C1: {2024: 1.00, 2025: 1.00, 2026: 1.00, 2027: 1.02},
        C2: {2024: 1.10, 2025: 1.10, 2026: 1.10, 2027: 1.10},
        V1: {2025: 1.00, 2026: 1.00, 2027: 1.02},
    }
    RiskScore.objects.bulk_create(
        RiskScore(
            run=run, mbi=who, score_year=year, model="CMS-HCC Model V28", segment="CNA", age=76,
            raw_score=score * 1.067, normalized_score=score, demographic_score=0.4,
        )
        for who, years in scores.items()
        for year, score in years.items()
    )  # fmt: skip
    return run


def compute(aco: ACO, *, risk: RiskRun | None, voluntary: bool = True) -> PipelineRun:
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=align(aco, voluntary=voluntary), risk_run=risk)
    for name in ("money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    return PipelineRun.objects.get(pk=pipeline.pk)


def groups_of(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (cohort,) = data["cohorts"]
    return {g["alignment_type"]: g for g in cohort["groups"]}


def test_the_money_step_stores_each_groups_member_month_weighted_risk(world: ACO) -> None:
    pipeline = compute(world, risk=risk_run())
    facts = {
        (f.alignment_type, f.year): (f.beneficiaries, f.scored, f.member_months, f.scored_member_months, f.average_risk)
        for f in CohortRiskFact.objects.filter(run=pipeline, aco=world, cohort="aged_disabled")
    }
    assert facts == {
        ("claims", 2025): (2, 2, 18, 18, Decimal("1.033333")),  # weighted: C2 counts 6 months
        ("claims", 2026): (1, 1, 12, 12, Decimal("1.000000")),  # C2 has no months: no weight
        ("claims", 2027): (1, 1, 6, 6, Decimal("1.020000")),
        ("voluntary", 2025): (1, 1, 12, 12, Decimal("1.000000")),
        ("voluntary", 2026): (1, 1, 12, 12, Decimal("1.000000")),
        ("voluntary", 2027): (1, 1, 6, 6, Decimal("1.020000")),
    }
    # The weights are the member-months the money counts, group by group and year.
    for (kind, year), (_, _, months, _, _) in facts.items():
        counted = MemberMonthFact.objects.filter(run=pipeline, alignment_type=kind, year=year).aggregate(
            s=Sum("members")
        )
        assert counted["s"] == months, (kind, year)
    assert "average-risk rows from risk run" in pipeline.steps.get(name="money").message


def test_the_benchmark_is_risk_adjusted_per_group_and_the_voluntary_one_capped(world: ACO) -> None:
    pipeline = compute(world, risk=risk_run())
    data = PerformanceSummary.objects.get(run=pipeline, aco=world).data
    claims, voluntary = groups_of(data)["claims"], groups_of(data)["voluntary"]
    assert [
        (b["year"], b["pbpm"], b["risk"], b["risk_ratio_uncapped"], b["risk_capped"]) for b in claims["base_years"]
    ] == [
        (2024, 75.0, None, None, False),  # before the CCLF's diagnoses: no average, ratio 1
        (2025, 83.33, 1.033333, 0.987097, False),
        (2026, 100.0, 1.0, 1.02, False),
    ]
    assert [b["adjusted_pbpm"] for b in claims["base_years"]] == [75.0, 82.26, 102.0]
    assert (claims["risk"], claims["estimate"], claims["benchmark_pbpm"]) == (1.02, 86.42, 86.42)
    assert [b["risk_ratio"] for b in voluntary["base_years"]] == [1.0, 1.02, 1.02]
    assert voluntary["base_years"][0]["risk_ratio_uncapped"] is None  # 2024: no average
    assert voluntary["estimate"] == 202.67
    assert voluntary["voluntary_cap"] == {"low": 77.78, "high": 95.06, "capped": True}
    assert voluntary["benchmark_pbpm"] == 95.06
    assert (claims["benchmark"], voluntary["benchmark"]) == (518.52, 570.36)
    s = data["settlement"]
    assert (s["benchmark"], s["expenditure"], s["risk_adjusted"]) == (1088.88, 900.0, True)
    assert data["vintage"]["risk_run"] == pipeline.risk_run_id
    assert data["parameters"]["risk_ratio_cap_pct"] == 3.0
    assert data["parameters"]["voluntary_benchmark_cap_pct"] == 10.0
    # The dashboard's trend: claims and voluntary groups together, weighted by scored member-months.
    # 2025: (1.033333 × 18 + 1.00 × 12) / 30 = 1.02; 2026: (1.00 × 12 + 1.00 × 12) / 24 = 1.00.
    expected = {"2025": 1.02, "2026": 1.0, "2027": 1.02}
    trend = data["alignment"]["risk"]
    assert trend["years"] == [2025, 2026, 2027]  # 2024 is left out, and said to be
    assert trend["demographic_only_years"] == [2024]
    assert [(r["cohort"], r["scores"]) for r in trend["cohorts"]] == [("aged_disabled", expected), ("all", expected)]


def test_without_a_risk_run_the_benchmark_is_not_risk_adjusted(world: ACO) -> None:
    """Claims-aligned: (75 + 83.333333 + 100) / 3 = $86.11; voluntarily aligned $200.00, capped at
    86.11 × 1.10 = $94.72. Benchmark 86.11 × 6 + 94.72 × 6 = 516.66 + 568.32 = $1,084.98."""
    pipeline = compute(world, risk=None)
    assert not CohortRiskFact.objects.filter(run=pipeline).exists()
    data = PerformanceSummary.objects.get(run=pipeline, aco=world).data
    groups = groups_of(data)
    assert (groups["claims"]["benchmark_pbpm"], groups["voluntary"]["benchmark_pbpm"]) == (86.11, 94.72)
    assert data["settlement"]["benchmark"] == 1084.98
    assert data["settlement"]["risk_adjusted"] is False
    assert data["alignment"]["risk"] == {}  # no trend either
    assert any("not risk-adjusted" in n for n in data["settlement"]["notes"])
    assert "no risk scores" in pipeline.steps.get(name="money").message


def test_without_voluntary_alignment_or_risk_the_settlement_is_as_before(world: ACO) -> None:
    """C1 and C2 alone, no risk run: the cohort's benchmark as the rule was before, the base years' PBPMs
    weighted, (75 + 83.333333 + 100) / 3 = $86.11; benchmark 86.11 × 6 = $516.66; expenditure $600;
    withhold 3% = $15.50; no quality score: gross 516.66 − 15.50 − 600 = −$98.84, a loss of 19.13% of the
    benchmark: Professional bands 10% at 60% (−30.9996), 5% at 35% (−9.04155), 4.13% at 15%
    (−3.20115): shared −$43.24; after 2% sequestration −$42.38."""
    pipeline = compute(world, risk=None, voluntary=False)
    data = PerformanceSummary.objects.get(run=pipeline, aco=world).data
    (cohort,) = data["cohorts"]
    assert (cohort["benchmark_before_discount"], cohort["benchmark_pbpm"]) == (86.11, 86.11)
    assert [g["alignment_type"] for g in cohort["groups"]] == ["claims"]
    s = data["settlement"]
    assert (s["benchmark"], s["expenditure"], s["withhold"], s["gross_savings"]) == (516.66, 600.0, 15.5, -98.84)
    assert (s["shared"], s["shared_after_sequestration"]) == (-43.24, -42.38)


def test_the_money_page_and_the_report_explain_each_factor(world: ACO, client_for: Any) -> None:
    pipeline = compute(world, risk=risk_run())
    analyst = MembershipFactory.create(aco=world, role="analyst").user
    html = client_for(analyst).get(f"/acos/{world.aco_id}/money/?py={PY}").content.decode()
    assert '<h4 id="benchmark-group-1">Aged &amp; Disabled, claims-aligned</h4>' in html
    assert '<h4 id="benchmark-group-2">Aged &amp; Disabled, voluntarily aligned</h4>' in html
    # Claims-aligned 2025: $83.33 PBPM, risk 1.0333 (2 of 2 scored), PY 1.0200, ratio 0.9871 inside the cap.
    assert (
        '<th scope="row">2025</th><td>18</td><td>$83.33</td><td>1.0333</td><td>2 of 2</td><td>1.0200</td>'
        "<td>0.9871</td><td>0.9871</td><td>$82.26</td><td>1.0000</td><td>0.3333</td>"
        "<td>$27.42</td>"
    ) in html
    # 2024: no average risk (its diagnoses lie before the CCLF), so no adjustment, and the page says why.
    assert "<td>—</td><td>1.0200</td><td>—</td><td>1.0000 (before the CCLF)</td>" in html
    assert "the first base year always" in html
    assert "capped to $95.06 PBPM" in html
    assert "$77.78 to $95.06" in html
    assert "<dd>$570.36</dd>" in html
    assert "<strong>Not risk-adjusted:</strong>" not in html
    csv = client_for(analyst).get(f"/acos/{world.aco_id}/money/data/benchmark-factors.csv?py={PY}").content.decode()
    assert "Aged & Disabled,Claims-aligned,2025,18,83.33,1.033333,2 of 2,1.02,0.987097,0.987097,Within the cap," in csv
    # The report carries the same figures.
    text = reports.build_csv(PerformanceSummary.objects.get(run=pipeline, aco=world).data).decode()
    assert (
        'Cohorts & benchmark,Benchmark by alignment type,"Aged & Disabled, voluntarily aligned",Benchmark PBPM,95.06'
        in text
    )
    assert (
        'Cohorts & benchmark,Risk adjustment by base year,"Aged & Disabled, claims-aligned, base year 2025",'
        "Risk ratio applied,0.987097"
    ) in text
    assert "Parameters,Model parameters used,Voluntarily aligned benchmark cap" in text
    assert 'base year 2024",Cap applied,not risk-adjusted: diagnoses before the CCLF' in text


def test_the_risk_weights_are_the_money_member_months_on_the_harder_cases(loaded: tuple[ACO, ACO]) -> None:  # noqa: F811
    """The worked dataset of test_pipeline (a mid-month entitlement start, a mid-year voluntary addition who
    died in the PY, a claims-aligned beneficiary of another ACO), everyone scored every year: the risk
    aggregate's member-months are the money step's, group by group and year, and with equal scores the
    averages are those scores."""
    run = align_pipeline_world(*loaded)
    risk = RiskRun.objects.create(performance_year=PY, status=RiskRun.Status.SUCCEEDED, finished_at=timezone.now())
    RiskScore.objects.bulk_create(
        RiskScore(
            run=risk, mbi=who, score_year=year, model="CMS-HCC Model V28", segment="CNA", age=76,
            raw_score=1.2, normalized_score=1.25, demographic_score=0.4,
        )
        for who in AlignedBeneficiary.objects.filter(run=run).values_list("mbi", flat=True)
        for year in range(PY - 3, PY + 1)
    )  # fmt: skip
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run, risk_run=risk)
    assert services.pipeline_step_execute(run_id=pipeline.pk, name="money", inline=True) == "succeeded"
    months: dict[tuple[str, str, str, int], int] = {}
    for aco_id, cohort, kind, year, members in MemberMonthFact.objects.filter(run=pipeline).values_list(
        "aco__aco_id", "cohort", "alignment_type", "year", "members"
    ):
        months[(aco_id, cohort, kind, year)] = months.get((aco_id, cohort, kind, year), 0) + members
    weights = {
        (f.aco.aco_id, f.cohort, f.alignment_type, f.year): f.member_months
        for f in CohortRiskFact.objects.filter(run=pipeline).select_related("aco")
        if f.member_months
    }
    # Every group and year but the first base year, which takes no average risk.
    assert weights == {k: v for k, v in months.items() if k[3] != PY - 3}
    # M1's entitlement starts 2025-03-10 (from April: 9 months), M2 counts July and August of the PY.
    assert (weights[("L0001", "aged_disabled", "claims", 2025)], weights[("L0001", "esrd", "voluntary", PY)]) == (9, 2)
    assert set(
        CohortRiskFact.objects.filter(run=pipeline, member_months__gt=0).values_list("average_risk", flat=True)
    ) == {Decimal("1.250000")}
