"""The pipeline in the browser, on a generated bundle loaded but not yet computed: a CMS admin starts a
pipeline run for PY2027 (with eager Celery it computes within the request), reads its steps done,
compares the ACOs it summarised, sorts the comparison, drills into one ACO's money page and enters a
published benchmark; a failed run shows why; a CMS reviewer sees the runs but cannot start or resume one."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.performance.models import PerformanceSummary, PipelineRun
from tests.e2e.browser import check_a11y, follow, sign_in, sign_out, submit, visit
from tests.factories import pipeline_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(loaded_demo: list[Any]) -> list[Any]:
    return loaded_demo


def test_cms_admin_runs_the_pipeline_and_compares_the_acos(page: Page) -> None:
    assert not PipelineRun.objects.exists()
    sign_in(page, "cms.admin", second_factor=True)
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Pipeline runs"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline runs")
    page.get_by_label("Performance year").select_option("2027")
    submit(page, page.get_by_role("button", name="Start pipeline run"))

    run = PipelineRun.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Pipeline run {run.pk}: PY2027")
    expect(page.locator("#run-status")).to_have_text("Done", timeout=60_000)
    steps = page.locator("#run-steps tbody tr")
    expect(steps).to_have_count(9)
    names = [
        "Risk scores",
        "Alignment",
        "Quality measures",
        "Rural add-on",
        "Dual eligibles",
        "CARA episodes",
        "GLP-1 access",
        "Money inputs",
        "ACO summaries",
    ]
    for i, name in enumerate(names):
        expect(steps.nth(i).locator("th")).to_contain_text(name)
        expect(steps.nth(i).locator("td").first).to_have_text("Done")
    expect(steps.nth(8)).to_contain_text("2 of 2")  # one summary per ACO
    expect(page.locator("#run-acos")).to_contain_text("L0001")
    expect(page.locator("#run-acos")).to_contain_text("(estimate)")
    assert PerformanceSummary.objects.filter(run=run).count() == 2
    check_a11y(page)

    follow(page, nav.get_by_role("link", name="Compare ACOs"))
    expect(page.get_by_role("heading", level=1)).to_have_text("All ACOs compared, PY2027")
    table = page.locator("#compare")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".portal-chart .main-svg").first).to_be_visible()  # Plotly drew the charts
    expect(page.locator('.portal-chart[data-figure="pbpm-figure"] .main-svg').first).to_be_visible()

    # Sort by estimated settlement, largest first: a second click on the heading turns the order round.
    follow(page, table.get_by_role("link", name="Estimated settlement"))
    follow(page, table.get_by_role("link", name="Estimated settlement"))
    expect(table.locator('th[aria-sort="descending"]')).to_contain_text("Estimated settlement")
    by_settlement = sorted(
        PerformanceSummary.objects.filter(run=run).select_related("aco"),
        key=lambda s: -s.data["settlement"]["estimated_settlement"],
    )
    expect(table.locator("tbody tr").first.locator("th")).to_contain_text(by_settlement[0].aco.aco_id)

    # Drill into one ACO's money page.
    follow(page, table.get_by_role("link", name="Money of L0001"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Money and settlement, PY2027")
    assert "/acos/L0001/money/" in page.url

    # Enter the benchmark CMS published for L0001's Aged & Disabled cohort (a wrong figure first).
    follow(page, nav.get_by_role("link", name="Published benchmarks"))
    form = page.locator("#benchmark-form")
    form.get_by_label("ACO").select_option("L0001")
    form.get_by_label("Aged & Disabled").check()
    form.get_by_label("Benchmark PBPM ($)").fill("about 1000")
    form.get_by_label("Source").fill("PY2027 benchmark report, 2027-02-15")
    submit(page, form.get_by_role("button", name="Save benchmark"), status=400)
    expect(page.locator("#error-summary")).to_contain_text("Enter a number.")
    page.locator("#benchmark-form").get_by_label("Benchmark PBPM ($)").fill("$1,043.27")
    submit(page, page.get_by_role("button", name="Save benchmark"))
    expect(page.get_by_role("status").first).to_contain_text("takes effect at the next pipeline run of PY2027")
    expect(page.locator("#benchmarks")).to_contain_text("$1,043.27")

    # A run that failed says where and why, and offers to resume.
    failed = pipeline_run(status=PipelineRun.Status.FAILED, stage="Failed at Money inputs", percent=75)
    failed.steps.filter(name="money").update(status="failed", message="Money inputs failed: the disk is full")
    failed.steps.filter(name="summaries").update(status="waiting", attempts=0)
    visit(page, f"/performance/runs/{failed.pk}/")
    expect(page.locator("#run-failure")).to_contain_text("Money inputs failed: the disk is full")
    expect(page.get_by_role("button", name=f"Resume run {failed.pk}")).to_be_visible()

    sign_out(page)
    sign_in(page, "cms.reviewer", second_factor=True)
    visit(page, "/performance/runs/")
    expect(page.locator("#runs")).to_contain_text(f"Run {run.pk}")
    expect(page.get_by_role("button", name="Start pipeline run")).to_have_count(0)
    visit(page, f"/performance/runs/{failed.pk}/")
    expect(page.locator("#run-failure")).to_be_visible()
    expect(page.get_by_role("button", name=f"Resume run {failed.pk}")).to_have_count(0)
