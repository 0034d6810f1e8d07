"""The performance dashboard in the browser, on a generated bundle computed by the real pipeline
(alignment, quality, money, summaries): an ACO administrator opens the home page and sees the Plotly
charts drawn with the snapshot's figures, opens a chart's data table and downloads its CSV, then reads
the whole estimate on the "Money and settlement" page. Every page passes axe."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.performance import charts
from apps.performance.models import PerformanceSummary
from tests.e2e.browser import check_a11y, follow, sign_in, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# For each drawn figure: how many points each trace carries (bars, markers, waterfall steps).
TRACE_POINTS = """() => Object.fromEntries([...document.querySelectorAll('.portal-chart.js-plotly-plot')].map(
  el => [el.dataset.figure, el.data.map(t => ((t.orientation === 'h' ? t.x : t.y) || []).length)]))"""


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_admin_reads_the_dashboard_and_the_money_page(page: Page) -> None:
    summary = PerformanceSummary.objects.get(aco__aco_id="L0001", performance_year=2027, run__status="succeeded")
    data = summary.data
    months, lines = data["months"], data["settlement"]["lines"]
    assert months and lines and data["categories"], "the generated bundle gives L0001 a year of spending"

    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/?py=2027")
    panel = page.locator("#performance-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Performance and money, PY2027")
    expect(panel).to_contain_text("Money figures are estimates, not CMS determinations.")
    expect(page.locator("#performance-cards")).to_contain_text(
        charts.money_text(data["settlement"]["estimated_settlement"])
    )

    # The six charts are drawn (Plotly turned each container into a graph) with the snapshot's data; the
    # risk chart has a line per cohort (and one for everyone), a point per score year.
    risk = data["alignment"]["risk"]
    expect(panel.locator(".js-plotly-plot")).to_have_count(6)
    points = page.evaluate(TRACE_POINTS)
    assert points == {
        "figure-months": [len(months), len(months)],
        "figure-categories": [len(data["categories"])],
        "figure-quality": [1, 1],
        "figure-settlement": [len(lines)],
        "figure-high-needs": [1],
        "figure-risk": [len(risk["years"])] * len(risk["cohorts"]),
    }
    expect(page.locator("#chart-months .main-svg .bars .point")).to_have_count(len(months))
    expect(page.locator("#chart-settlement .main-svg .point")).to_have_count(len(lines))
    drawn = page.evaluate("() => document.querySelector('[data-figure=\"figure-settlement\"]').data[0].y")
    assert drawn == [line["amount"] for line in lines]

    # The data table alternative: closed at first, opened by its summary, one row per month.
    months_table = page.locator("#table-months")
    expect(months_table).to_be_hidden()
    page.locator("#chart-months summary").click()
    expect(months_table).to_be_visible()
    expect(months_table.locator("tbody tr")).to_have_count(len(months))
    expect(months_table.locator("tbody tr").first).to_contain_text(charts.money_text(months[0]["pbpm"]))
    check_a11y(page)  # the opened table too

    # The chart's data as CSV: the same rows.
    with page.expect_download() as info:
        page.locator("#chart-months").get_by_role("link", name=re.compile("Download the data")).click()
    header, *rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert f"_run{summary.run_id}_" in info.value.suggested_filename  # the vintage is in the name
    assert info.value.suggested_filename.endswith("_estimates.csv")
    assert header[0] == "Month" and [r[0] for r in rows] == [m["month"] for m in months]
    assert [r[3] for r in rows] == [f"{m['pbpm']:.2f}" for m in months]

    # The whole estimate.
    follow(page, panel.get_by_role("link", name="The whole estimate: money and settlement"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Money and settlement, PY2027")
    nav = page.get_by_role("navigation", name="Portal")
    expect(nav.get_by_role("link", name="Money and settlement")).to_have_attribute("aria-current", "page")
    expect(page.locator("#estimate-notice")).to_contain_text("Estimates, not CMS determinations.")
    # Why it is a saving or a loss, in words, near the top.
    kind = "saving" if data["settlement"]["gross_savings"] > 0 else "loss"
    expect(page.locator("#why-estimate h2")).to_have_text(f"Why the estimate is a {kind}")
    expect(page.locator("#why-estimate li").first).to_contain_text(charts.money_text(data["settlement"]["pbpm"]))
    expect(page.locator(".portal-chart.js-plotly-plot")).to_have_count(6)
    settlement = page.locator("#table-settlement")
    expect(settlement.locator("tbody tr")).to_have_count(len(lines))
    expect(settlement.locator("tbody tr").last).to_contain_text(charts.money_text(lines[-1]["amount"]))
    expect(page.locator("#table-cohorts tbody tr")).to_have_count(len(data["cohorts"]))
    expect(page.locator("#table-parameters")).to_contain_text("Quality withhold (% of benchmark)")
    expect(page.locator("#performance-vintage")).to_contain_text(str(summary.run_id))

    # Another PY the pipeline has not computed: an honest empty state, no charts.
    page.get_by_role("combobox", name="Performance year").select_option("2028")
    follow(page, page.get_by_role("button", name="Show"))
    expect(page.locator("#performance-empty")).to_contain_text("The pipeline has not run for PY2028 yet.")
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
