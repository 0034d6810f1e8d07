"""The performance dashboard: the chart builders, the snapshot selectors, the ACO home page's panel,
the "Money and settlement" page and the CSV of each chart.

Most tests read the factory's snapshot (``tests.factories.performance_summary``), whose figures are
worked out here by hand from its inputs:

- A&D: 12,000 member-months at a published $1,000 PBPM → $12,000,000; ESRD: 240 at $8,000 →
  $1,920,000. Benchmark $13,920,000 (published: no discount).
- Expenditure $9,000,000 (A&D 85% = $7,650,000 → $637.50 PBPM; ESRD $1,350,000 → $5,625.00 PBPM).
- Withhold 3% = $417,600; TQS 80 earns back $334,080; $83,520 is not earned back.
- Gross savings 13,920,000 − 417,600 + 334,080 − 9,000,000 = $4,836,480 (34.74% of the benchmark).
- Global corridors: 0–15% at 100% = $2,088,000; 15–34.74% = $2,748,480 at 50% = $1,374,240; shared
  $3,462,240 (CMS keeps $1,374,240). Sequestration 2% = $69,244.80. Settlement $3,392,995.20.
- Each month: 1,020 member-months and $750,000 → $735.29 PBPM; benchmark (1,000 × $1,000 + 20 ×
  $8,000) / 1,020 = $1,137.25 PBPM.
- Each of the 7 categories: $9,000,000 / 7 = $1,285,714.29, 14.3% of spending.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.performance import charts, engine, selectors, snapshot, views
from apps.performance.models import PerformanceSummary, PipelineRun
from tests.factories import performance_summary, pipeline_run

pytestmark = pytest.mark.django_db

SETTLEMENT_LINES = [
    ("Benchmark before discount", 13_920_000.0, "total"),
    ("Quality withhold", -417_600.0, "step"),
    ("Withhold earned back", 334_080.0, "step"),
    ("Expenditure", -9_000_000.0, "step"),
    ("Gross savings (loss)", 4_836_480.0, "total"),
    ("CMS share (risk corridors)", -1_374_240.0, "step"),
    ("Sequestration", -69_244.80, "step"),
    ("Estimated settlement", 3_392_995.20, "total"),
]


@pytest.fixture
def summary(aco: ACO) -> PerformanceSummary:
    return performance_summary(aco)


def estimated_summary(aco: ACO) -> PerformanceSummary:
    """A snapshot whose one cohort has an *estimated* benchmark, to trace it to its base years.

    A&D base-year PBPMs $900 (2024), $950 (2025), $1,000 (2026), each 1,200 member-months; trend 3% a
    year → factors 1.03³ = 1.092727, 1.03² = 1.0609, 1.03; weights 1/3 each:
    (900 × 1.092727 + 950 × 1.0609 + 1,000 × 1.03) / 3 = (983.4543 + 1,007.855 + 1,030) / 3 = $1,007.10.
    Global, lower-spending discount 3%: 1,007.10 × 0.97 = $976.89 PBPM."""
    run = pipeline_run()
    bands = engine.bands_from([[0, 15, 100], [15, None, 50]])
    params = engine.Parameters(performance_year=2027, risk_option="global", corridors=bands)
    base = tuple(engine.BaseYear(y, D(p) * 1200, 1200) for y, p in ((2024, 900), (2025, 950), (2026, 1000)))
    settlement = engine.settle([engine.CohortInput("aged_disabled", 1200, D("1100000"), base)], params, tqs=None)
    data = snapshot.build(
        performance_year=2027,
        generated_at="2028-01-31T00:00:00+00:00",
        aco={
            "aco_id": aco.aco_id,
            "name": aco.legal_name,
            "risk_option": "global",
            "risk_option_label": "Global",
            "capitation": "none",
            "capitation_label": "None",
            "newly_entering": False,
        },
        vintage={
            "pipeline_run": run.pk,
            "alignment_run": None,
            "quality_run": None,
            "data_version": 3,
            "files": [],
            "latest_file_date": None,
            "claims_through": "2027-12",
            "as_of": None,
        },
        alignment={
            "total": 100,
            "claims": 100,
            "voluntary": 0,
            "high_needs": 50,
            "high_needs_share_pct": 50.0,
            "high_needs_line_pct": 40.0,
            "minimum": {
                "category": "High Needs ACO",
                "met": True,
                "total_minimum": 0,
                "claims_minimum": 0,
                "message": "Meets the High Needs ACO minimums.",
            },
        },
        settlement=settlement,
        months=[],
        categories=[],
        quality={
            "tqs": None,
            "scored_measures": 0,
            "withhold_pct": 3.0,
            "withhold": 0,
            "earned_back": 0,
            "measures": [],
        },
        parameters={"risk_option": "global", "benchmark_trend_pct": 3.0},
        cohort_labels={"aged_disabled": "Aged & Disabled"},
    )
    return PerformanceSummary.objects.create(run=run, aco=aco, performance_year=2027, data=data)


# --------------------------------------------------------------------------------------------------
# Chart builders: each figure carries the snapshot's figures
# --------------------------------------------------------------------------------------------------
def test_months_figure_draws_pbpm_bars_against_the_benchmark_line(summary: PerformanceSummary) -> None:
    fig = charts.months_figure(summary.data)
    assert fig is not None
    bars, line = fig["data"]
    assert (bars["type"], line["type"]) == ("bar", "scatter")
    assert list(bars["x"]) == [
        "Jan 2027",
        "Feb 2027",
        "Mar 2027",
        "Apr 2027",
        "May 2027",
        "Jun 2027",
        "Jul 2027",
        "Aug 2027",
        "Sep 2027",
        "Oct 2027",
        "Nov 2027",
        "Dec 2027",
    ]
    assert list(bars["y"]) == [735.29] * 12
    assert list(line["y"]) == [1137.25] * 12


def test_categories_figure_has_every_category(summary: PerformanceSummary) -> None:
    fig = charts.categories_figure(summary.data)
    assert fig is not None
    (bars,) = fig["data"]
    assert bars["orientation"] == "h"
    assert set(bars["y"]) == {
        "Inpatient",
        "Outpatient",
        "Skilled nursing facility",
        "Home health",
        "Hospice",
        "Professional",
        "Durable medical equipment",
    }
    assert list(bars["x"]) == [1_285_714.29] * 7


def test_settlement_waterfall_starts_at_the_benchmark_and_adds_up(summary: PerformanceSummary) -> None:
    fig = charts.settlement_figure(summary.data)
    assert fig is not None
    (fall,) = fig["data"]
    assert fall["type"] == "waterfall"
    assert list(fall["x"]) == [label for label, _, _ in SETTLEMENT_LINES]
    assert list(fall["y"]) == [amount for _, amount, _ in SETTLEMENT_LINES]
    # The first level is drawn at its value; later totals close the running sum of the steps.
    assert list(fall["measure"]) == [
        "absolute",
        "relative",
        "relative",
        "relative",
        "total",
        "relative",
        "relative",
        "total",
    ]
    running = 0.0
    for amount, measure in zip(fall["y"], fall["measure"], strict=True):
        if measure == "relative":
            running += amount
        elif measure == "absolute":
            running = amount
        else:
            assert round(running, 2) == amount, "a total of the waterfall is not the sum of its steps"
    assert fall["text"][-1] == "$3.39M"  # on the bar; the hover gives the cents
    assert fall["customdata"][-1] == "$3,392,995.20"
    assert (fall["text"][5], fall["customdata"][5]) == ("\u2212$1.37M", "\u2212$1,374,240.00")
    assert fall["text"][6] == "\u2212$69.2k"


def test_quality_figure_splits_the_withhold(summary: PerformanceSummary) -> None:
    earned, kept = charts.quality_figure(summary.data)["data"]
    assert (earned["name"], list(earned["x"])) == ("Earned back", [334_080.0])
    assert (kept["name"], list(kept["x"])) == ("Not earned back", [83_520.0])
    assert list(earned["y"]) == ["TQS 80.0"]


def test_high_needs_figure_shows_the_share_and_the_40_percent_line(summary: PerformanceSummary) -> None:
    fig = charts.high_needs_figure(summary.data)
    (bar,) = fig["data"]
    assert list(bar["x"]) == [29.4]
    (shape,) = fig["layout"]["shapes"]
    assert shape["x0"] == shape["x1"] == 40.0
    assert "40%" in fig["layout"]["annotations"][0]["text"]


def test_an_empty_snapshot_part_draws_no_figure(aco: ACO) -> None:
    data = estimated_summary(aco).data
    assert charts.months_figure(data) is None
    assert charts.categories_figure(data) is None
    assert charts.data_table(data, "months").rows == ()


def test_data_tables_format_money_and_keep_raw_figures_for_csv(summary: PerformanceSummary) -> None:
    table = charts.data_table(summary.data, "settlement")
    assert table.display_rows()[5] == ["CMS share (risk corridors)", "\u2212$1,374,240.00", "Change"]
    assert table.csv_rows()[6] == ["Sequestration", "-69244.80", "Change"]
    corridor = charts.data_table(summary.data, "corridor")
    assert corridor.display_rows() == [
        ["0%", "15%", "100%", "$2,088,000.00", "$2,088,000.00"],
        ["15%", "35%", "50%", "$2,748,480.00", "$1,374,240.00"],
    ]
    with pytest.raises(KeyError):
        charts.data_table(summary.data, "nope")


# --------------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------------
def test_the_latest_successful_runs_snapshot_is_the_one_shown(aco: ACO, other_aco: ACO) -> None:
    older = performance_summary(aco, expenditure="8000000")
    newer = performance_summary(aco)
    performance_summary(aco, pipeline_run(status=PipelineRun.Status.FAILED))  # partial: never shown
    performance_summary(aco, pipeline_run(status=PipelineRun.Status.RUNNING))  # not finished
    performance_summary(aco, pipeline_run(performance_year=2028))  # another PY
    performance_summary(other_aco)  # another ACO
    assert selectors.summary_latest(aco=aco, performance_year=2027) == newer
    assert list(selectors.summaries(aco=aco, performance_year=2027)) == [newer, older]
    assert selectors.summary_for_run(aco=aco, performance_year=2027, run_id=str(older.run_id)) == older
    assert selectors.summary_for_run(aco=aco, performance_year=2027, run_id="x") is None
    assert selectors.summary_latest(aco=aco, performance_year=2029) is None


def test_the_headline_of_a_snapshot(summary: PerformanceSummary) -> None:
    head = selectors.summary_headline(summary)
    assert head["run"] == summary.run_id
    assert head["estimated_settlement"] == 3_392_995.20
    assert head["gross_savings"] == 4_836_480.0
    assert head["gross_savings_pct"] == 34.74
    assert head["total_quality_score"] == 80.0
    assert head["aligned_beneficiaries"] == 1020
    assert head["estimate"] is True


# --------------------------------------------------------------------------------------------------
# The home page's panel
# --------------------------------------------------------------------------------------------------
def _figures(html: str) -> dict[str, dict[str, Any]]:
    """The figure JSON documents json_script put on the page, by id."""
    found = re.findall(r'<script id="(figure-[\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    return {key: json.loads(body) for key, body in found}


def test_home_shows_the_empty_state_before_the_pipeline_runs(aco: ACO, admin: User, client_for: Any) -> None:
    html = client_for(admin).get(f"/acos/{aco.aco_id}/?py=2027").content.decode()
    assert "Performance and money, PY2027" in html
    assert "The pipeline has not run for PY2027 yet." in html
    assert "vendor/plotly/" not in html


def test_home_shows_the_dashboard_from_the_snapshot(
    summary: PerformanceSummary, aco: ACO, analyst: User, client_for: Any
) -> None:
    html = client_for(analyst).get(f"/acos/{aco.aco_id}/?py=2027").content.decode()
    assert "vendor/plotly/" in html and "js/charts.js" in html
    assert "Money figures are estimates, not CMS determinations." in html
    assert "$3,392,995.20" in html  # the estimated settlement card
    assert "29.4%" in html and "Not met" in html
    figures = _figures(html)
    assert set(figures) == {
        "figure-months",
        "figure-categories",
        "figure-quality",
        "figure-settlement",
        "figure-high-needs",
    }
    assert figures["figure-settlement"]["data"][0]["y"][-1] == 3_392_995.20
    for slug in ("months", "categories", "quality", "settlement", "high-needs"):
        assert f'data-figure="figure-{slug}"' in html
        assert f'id="table-{slug}"' in html, f"{slug}: no data table alternative"
        assert f"/acos/{aco.aco_id}/money/data/{slug}.csv?py=2027" in html
    assert html.count('<details class="portal-data-table">') == 5
    assert "P.A9999.ACO.ZC1Y27.D280102.T0415300" in html  # data vintage: the CCLF files
    assert f"/acos/{aco.aco_id}/money/?py=2027" in html


def test_another_pys_home_has_no_figures_from_this_py(
    summary: PerformanceSummary, aco: ACO, admin: User, client_for: Any
) -> None:
    html = client_for(admin).get(f"/acos/{aco.aco_id}/?py=2028").content.decode()
    assert "The pipeline has not run for PY2028 yet." in html
    assert "$3,392,995.20" not in html


# --------------------------------------------------------------------------------------------------
# The money page
# --------------------------------------------------------------------------------------------------
def test_money_page_shows_the_whole_estimate(
    summary: PerformanceSummary, aco: ACO, analyst: User, client_for: Any
) -> None:
    response = client_for(analyst).get(f"/acos/{aco.aco_id}/money/?py=2027")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Money and settlement, PY2027</h1>" in html
    assert "Estimates, not CMS determinations." in html
    assert 'aria-current="page">Money and settlement</a>' in html  # the navigation points here
    # Cohorts: member-months, expenditure, PBPM, source, benchmark.
    assert re.search(
        r"<th scope=\"row\">Aged &amp; Disabled</th><td>12,000</td><td>\$7,650,000.00</td><td>\$637.50</td>"
        r"<td>Published by CMS</td><td>\$1,000.00</td><td>0%</td><td>\$1,000.00</td>",
        html,
    )
    assert "<td>$5,625.00</td>" in html  # ESRD PBPM
    # The waterfall's lines, the corridor bands, the withhold.
    assert '<th scope="row">CMS share (risk corridors)</th><td>\u2212$1,374,240.00</td>' in html
    assert "<td>$2,748,480.00</td><td>$1,374,240.00</td>" in html
    assert '<th scope="row">Not earned back</th><td>$83,520.00</td>' in html
    assert "<dd>$3,462,240.00</dd>" in html  # shared before sequestration
    # Parameters used, and every chart's CSV.
    assert '<th scope="row">Sequestration (% of shared savings or losses)</th><td>2%</td>' in html
    slugs = ("settlement", "corridor", "cohorts", "benchmark-factors", "months", "categories", "quality", "measures")
    for slug in slugs:
        assert f"/money/data/{slug}.csv?py=2027" in html
    assert set(_figures(html)) >= {"figure-settlement", "figure-cohorts", "figure-months", "figure-categories"}


def test_money_page_says_why_the_estimate_is_a_saving(
    summary: PerformanceSummary, aco: ACO, analyst: User, client_for: Any
) -> None:
    """The factory's figures (module docstring): $735.29 PBPM against $1,137.25; gross savings $4,836,480.00,
    34.74% → "34.7%"; $83,520 not earned back. A&D (1,000 − 637.50) × 12,000 = $4,350,000 against ESRD's
    (8,000 − 5,625) × 240 = $570,000: A&D contributes most. Published benchmarks: no base years to trend,
    and the factory's categories have none either, so two sentences. A snapshot from before categories
    carried base years (no ``base_years``, no ``claims``) reads the same."""
    expected = (
        '<h2 id="why-estimate-heading">Why the estimate is a saving</h2>\n<ul><li>The aligned beneficiaries cost '
        "$735.29 per beneficiary per month (PBPM) against a benchmark of $1,137.25 PBPM: gross savings of "
        "$4,836,480.00 (34.7% of the benchmark), after $83,520.00 of quality withhold not earned back.</li>"
        "<li>Aged &amp; Disabled contributes most: $637.50 PBPM against its benchmark of $1,000.00 PBPM, $362.50 "
        "PBPM less, times 12,000 member-months: $4,350,000.00 of the savings.</li></ul>"
    )
    html = client_for(analyst).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert expected in html
    assert html.index('id="why-estimate"') < html.index('id="high-cost-link"')  # near the top
    for c in summary.data["categories"]:
        del c["base_years"], c["claims"]
    summary.save(update_fields=["data"])
    assert expected in client_for(analyst).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()


@pytest.mark.parametrize(
    ("expenditure", "label", "amount"),
    [
        ("9000000", "Sequestration (2% of the shared savings, taken off the payment)", "\u2212$69,244.80"),
        # A shared loss of $3,802,880 (tests/performance/test_reports.py): 2% of it is taken off.
        ("20000000", "Sequestration (2% of the shared loss, taken off what the ACO owes)", "$76,057.60"),
    ],
)
def test_money_page_shows_sequestration_with_the_sign_of_its_waterfall_line(
    aco: ACO, analyst: User, client_for: Any, expenditure: str, label: str, amount: str
) -> None:
    """Issue 17: the waterfall's table said +$4,625.15 and the figures below it −$4,625.15."""
    performance_summary(aco, expenditure=expenditure)
    html = client_for(analyst).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert f'<th scope="row">Sequestration</th><td>{amount}</td>' in html
    assert f'<dt>{label}</dt><dd id="sequestration">{amount}</dd>' in html


def test_sequestration_of_a_schema_1_snapshot_reads_the_same() -> None:
    """Snapshots written before schema 2 stored the amount taken (with the sign of the shared amount)."""
    old = {"shared": 3_462_240.0, "sequestration": 69_244.8, "shared_after_sequestration": 3_392_995.2}
    assert snapshot.sequestration_shown(old, 2.0) == snapshot.Figure(
        "Sequestration (2% of the shared savings, taken off the payment)", -69_244.8
    )
    loss = {"shared": -3_802_880.0, "sequestration": -76_057.6, "shared_after_sequestration": -3_726_822.4}
    assert snapshot.sequestration_shown(loss, None) == snapshot.Figure(
        "Sequestration (of the shared loss, taken off what the ACO owes)", 76_057.6
    )


def test_money_page_traces_an_estimated_benchmark_to_its_base_years(aco: ACO, admin: User, client_for: Any) -> None:
    estimated_summary(aco)
    html = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert re.search(r"<td>Estimated from base years</td><td>\$1,007.10</td><td>3%</td><td>\$976.89</td>", html)
    # Each base year's factors: no risk scores here, so each counts at its PBPM as spent (ratio 1):
    # 900 × 1.092727 / 3 = $327.82; 1,000 × 1.03 / 3 = $343.33.
    assert '<h4 id="benchmark-group-1">Aged &amp; Disabled, claims-aligned</h4>' in html
    assert (
        '<th scope="row">2024</th><td>1,200</td><td>$900.00</td><td>—</td><td>—</td><td>—</td><td>—</td>'
        "<td>1.0000 (no scores)</td><td>$900.00</td><td>1.0927</td><td>0.3333</td>"
        "<td>$327.82</td>"
    ) in html
    assert "<td>$1,000.00</td><td>1.0300</td><td>0.3333</td><td>$343.33</td>" in html
    assert "<dt>Discount (Global risk only)</dt><dd>3%: $976.89 PBPM</dd>" in html
    assert "<dd>$1,172,268.00</dd>" in html  # 976.89 × 1,200 member-months
    assert "<strong>Not risk-adjusted:</strong>" in html
    assert "No Total Quality Score yet" in html  # the engine's note
    assert "No figures in this estimate." in html  # no months, no categories


def test_a_snapshot_from_before_risk_adjustment_shows_its_base_years_as_it_was(
    aco: ACO, admin: User, client_for: Any
) -> None:
    """A snapshot computed before benchmarks were set per alignment type has no ``groups``: the page shows
    the cohorts' base years as it did, and says the estimate is not risk-adjusted."""
    summary = estimated_summary(aco)
    for cohort in summary.data["cohorts"]:
        del cohort["groups"], cohort["risk_adjusted"]
    del summary.data["settlement"]["risk_adjusted"]
    summary.save()
    html = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert '<th scope="row">Aged &amp; Disabled</th><td>2024</td><td>1,200</td><td>$1,080,000.00</td>' in html
    assert "<td>$900.00</td><td>0.3333</td><td>1.0927</td>" in html
    assert "it is not risk-adjusted" in html
    assert 'id="benchmark-group-1"' not in html and "/money/data/base-years.csv?py=2027" in html


def test_money_page_empty_state_and_py_switch(aco: ACO, admin: User, client_for: Any) -> None:
    response = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py=2028")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The pipeline has not run for PY2028 yet." in html
    assert '<option value="2028" selected>PY2028</option>' in html
    assert "vendor/plotly/" not in html


def test_money_page_is_the_acos_own(
    summary: PerformanceSummary, aco: ACO, outsider: User, cms_reviewer: User, client_for: Callable[..., Client]
) -> None:
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/money/").status_code == 404
    assert client_for(None).get(f"/acos/{aco.aco_id}/money/").status_code == 302
    assert "$3,392,995.20" in client_for(cms_reviewer).get(f"/acos/{aco.aco_id}/money/").content.decode()


# --------------------------------------------------------------------------------------------------
# The CSV of each chart
# --------------------------------------------------------------------------------------------------
def _csv(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_months_csv_is_the_snapshots_months(
    summary: PerformanceSummary, aco: ACO, analyst: User, client_for: Any
) -> None:
    client = client_for(analyst)
    response = client.get(f"/acos/{aco.aco_id}/money/data/months.csv?py=2027")
    # The vintage is in the name; the header is the first line (issue 17: a "# LEAD ACO …" line above it).
    claims_through = summary.data["vintage"]["claims_through"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="LEAD_{aco.aco_id}_PY2027_months_run{summary.run_id}'
        f'_claims-through-{claims_through}_estimates.csv"'
    )
    header, *rows = _csv(client, f"/acos/{aco.aco_id}/money/data/months.csv?py=2027")
    assert header == ["Month", "Member-months", "Expenditure ($)", "Expenditure PBPM ($)", "Benchmark PBPM ($)"]
    assert rows == [
        [
            m["month"],
            str(m["member_months"]),
            f"{m['expenditure']:.2f}",
            f"{m['pbpm']:.2f}",
            f"{m['benchmark_pbpm']:.2f}",
        ]
        for m in summary.data["months"]
    ]
    assert rows[0] == ["2027-01", "1020", "750000.00", "735.29", "1137.25"]


def test_settlement_and_corridor_csvs(summary: PerformanceSummary, aco: ACO, admin: User, client_for: Any) -> None:
    client = client_for(admin)
    header, *rows = _csv(client, f"/acos/{aco.aco_id}/money/data/settlement.csv?py=2027")
    assert header == ["Line", "Amount ($)", "Kind"]
    assert rows == [
        [label, f"{amount:.2f}", "Total" if kind == "total" else "Change"] for label, amount, kind in SETTLEMENT_LINES
    ]
    _, *bands = _csv(client, f"/acos/{aco.aco_id}/money/data/corridor.csv?py=2027")
    assert bands == [
        ["0.0", "15.0", "100.0", "2088000.00", "2088000.00"],
        ["15.0", "35.0", "50.0", "2748480.00", "1374240.00"],
    ]
    _, *parts = _csv(client, f"/acos/{aco.aco_id}/money/data/quality.csv?py=2027")
    assert parts == [
        ["Earned back", "334080.00", "80.0"],
        ["Not earned back", "83520.00", "20.0"],
        ["Withhold", "417600.00", "100.0"],
    ]


def test_every_chart_has_a_csv_and_unknown_ones_do_not(
    summary: PerformanceSummary, aco: ACO, admin: User, client_for: Any
) -> None:
    client = client_for(admin)
    for slug in charts.CHART_SLUGS:
        header, *_ = _csv(client, f"/acos/{aco.aco_id}/money/data/{slug}.csv?py=2027")
        assert header == charts.data_table(summary.data, slug).header
    assert client.get(f"/acos/{aco.aco_id}/money/data/parameters.csv?py=2027").status_code == 404
    assert client.get(f"/acos/{aco.aco_id}/money/data/months.csv?py=2028").status_code == 404  # no snapshot


def test_an_outsider_gets_no_csv(summary: PerformanceSummary, aco: ACO, outsider: User, client_for: Any) -> None:
    assert client_for(outsider).get(f"/acos/{aco.aco_id}/money/data/months.csv?py=2027").status_code == 404


def test_figures_are_built_once_per_snapshot_document(summary: PerformanceSummary, monkeypatch: Any) -> None:
    built: list[float] = []

    def counting(data: charts.Snapshot) -> dict[str, Any] | None:
        built.append(data["months"][0]["pbpm"])
        return charts.months_figure(data)

    monkeypatch.setitem(charts.FIGURES, "months", counting)
    cache.clear()
    first = views.figures(summary.data, ["months"])
    again = views.figures(summary.data, ["months"])
    assert first == again and built == [735.29]
    # Another document (a retried run's, or another ACO's) never gets this one's figure.
    changed = copy.deepcopy(summary.data)
    changed["months"][0]["pbpm"] = 1.0
    other = views.figures(changed, ["months"])["months"]
    assert built == [735.29, 1.0]
    assert other is not None and other["data"][0]["y"][0] == 1.0
