"""Alignment in the browser: on a generated bundle loaded and computed by the real pipeline, an ACO
administrator finds a beneficiary, reads why they are aligned, and exports the list; a CMS admin
starts a run and watches it finish."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.alignment.models import AlignedBeneficiary, AlignmentExport, AlignmentRun
from tests.e2e.browser import check_a11y, follow, sign_in, submit, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_admin_finds_a_beneficiary_reads_why_and_exports(page: Page) -> None:
    run = AlignmentRun.objects.get(status="succeeded")
    row = AlignedBeneficiary.objects.filter(run=run, aco__aco_id="L0001", alignment_type="claims").order_by("mbi")[0]
    total = AlignedBeneficiary.objects.filter(run=run, aco__aco_id="L0001").count()

    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/?py=2027")
    expect(page.locator("#minimums-status")).to_contain_text("alignment minimums")
    follow(page, page.get_by_role("link", name="Aligned beneficiaries", exact=True).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aligned beneficiaries, PY2027")
    expect(page.locator("#beneficiary-table caption")).to_contain_text(f"{total:,} aligned")

    # Search by last name (the list updates as one types), then open the beneficiary.
    page.get_by_label("Search by MBI or name").fill(row.last_name)
    expect(page).to_have_url(re.compile(r"[?&]q="))  # htmx pushed the search into the address bar
    expect(page.locator("#beneficiary-table")).to_contain_text(row.mbi)
    check_a11y(page)
    follow(page, page.get_by_role("link", name=row.mbi))
    expect(page.get_by_role("heading", level=1)).to_contain_text(row.mbi)
    why = page.locator("#why-aligned")
    expect(why).to_contain_text("Aligned by claims")
    expect(why).to_contain_text("has the largest weighted charge")
    expect(page.locator("#competitors tbody tr").first).to_contain_text("L0001")
    expect(page.locator(".portal-chart .main-svg").first).to_be_visible()  # Plotly drew the chart
    # The risk score, computed by the pipeline's first step, with the terms behind it.
    expect(page.locator("#risk-years tbody tr")).to_have_count(4)  # three base years and the PY
    check_a11y(page)

    # The recapture worklist: open gaps by aligning TIN and NPI, each linking to its beneficiary.
    visit(page, "/acos/L0001/beneficiaries/recapture-gaps/?py=2027")
    expect(page.locator("#recapture-summary")).to_contain_text("Risk score at stake")
    expect(page.locator("#recapture-gaps tbody tr").first).to_be_visible()
    check_a11y(page)

    # The other views of the run: counts by TIN (with its chart), changes since the last run, voluntary records.
    visit(page, "/acos/L0001/beneficiaries/by-tin/?py=2027")
    expect(page.locator("#by-tin tbody tr").first).to_be_visible()
    expect(page.locator(".portal-chart .main-svg").first).to_be_visible()
    visit(page, "/acos/L0001/beneficiaries/churn/?py=2027")
    expect(page.locator("#churn-summary")).to_contain_text(f"{total:,}")  # the first run: everyone joined
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Voluntary alignment"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Voluntary alignment")

    # Export the list as CSV; it is built in the background and appears when ready.
    visit(page, "/acos/L0001/beneficiaries/exports/?py=2027")
    submit(page, page.get_by_role("button", name="Build CSV"))
    expect(page.get_by_role("status").first).to_contain_text("Building the CSV list")
    download_link = page.get_by_role("link", name=re.compile("Download"))
    expect(download_link).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        download_link.click()
    content = Path(info.value.path()).read_text()
    assert row.mbi in content and len(content.splitlines()) == total + 1  # the header, the rows
    assert AlignmentExport.objects.get().row_count == total


def test_cms_admin_starts_a_run_and_watches_it(page: Page) -> None:
    sign_in(page, "cms.admin", second_factor=True)
    visit(page, "/alignment/runs/")
    page.get_by_label("Performance year").select_option("2027")
    submit(page, page.get_by_role("button", name="Start alignment run"))
    expect(page.locator("#run-status")).to_have_text("Done", timeout=60_000)
    expect(page.locator("#run-acos")).to_contain_text("L0001")
    check_a11y(page)
