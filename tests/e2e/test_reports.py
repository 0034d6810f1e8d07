"""Performance reports in the browser, on a generated bundle computed by the real pipeline (alignment,
quality, money, summaries): an ACO administrator requests a PDF report and downloads it (Celery is eager
in the live server, so the report is built before the page comes back); a CMS reviewer, signed in with
TOTP, downloads another ACO's report, and a report still being built answers "not ready yet"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.performance import reports
from apps.performance.models import PerformanceReport, PerformanceSummary
from tests.e2e.browser import follow, sign_in, submit, visit
from tests.performance.test_reports import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def latest_summary(aco_id: str) -> PerformanceSummary:
    summary = reports.summary_for_report(aco=ACO.objects.get(aco_id=aco_id), performance_year=2027)
    assert summary is not None, f"the pipeline left no summary of {aco_id}"
    return summary


def test_admin_requests_a_pdf_report_and_downloads_it(page: Page) -> None:
    summary = latest_summary("L0001")
    settlement = reports.display(summary.data["settlement"]["estimated_settlement"], "usd")

    sign_in(page, "cvhp.admin")
    follow(page, page.get_by_role("navigation", name="Portal").get_by_role("link", name="Reports"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance reports")
    expect(page.get_by_text("No reports yet.")).to_be_visible()
    page.get_by_label("Performance year").select_option("2027")
    page.get_by_label("Format").select_option("pdf")
    submit(page, page.get_by_role("button", name="Request report"))
    expect(page.get_by_role("status")).to_contain_text(
        f"Building the PDF report for PY2027 (pipeline run {summary.run_id})"
    )
    row = page.locator("#reports tbody tr").first
    expect(row).to_contain_text("Ready")
    expect(row).to_contain_text("cvhp.admin")

    with page.expect_download() as info:
        row.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename == f"LEAD_L0001_PY2027_performance_run{summary.run_id}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "L0001" in text and f"pipeline run {summary.run_id}" in text and "ESTIMATE" in text
    assert f"Estimated settlement\n{settlement} (estimate)" in text
    report = PerformanceReport.objects.get(aco__aco_id="L0001")
    assert report.requested_by is not None and report.requested_by.username == "cvhp.admin"


def test_cms_reviewer_downloads_another_acos_report(open_page: Callable[[], Page]) -> None:
    summary = latest_summary("L0002")
    aco = ACO.objects.get(aco_id="L0002")
    built = reports.report_request(
        aco=aco, fmt="xlsx", performance_year=2027, acting_user=User.objects.get(username="msaco.admin")
    )
    built.refresh_from_db()
    assert built.status == "ready"  # eager Celery: built on commit
    waiting = PerformanceReport.objects.create(summary=summary, aco=aco, performance_year=2027, format="pdf")

    reviewer = open_page()
    sign_in(reviewer, "cms.reviewer", second_factor=True)
    visit(reviewer, "/acos/L0002/reports/")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Performance reports")
    table = reviewer.locator("#reports")
    expect(table).to_contain_text("msaco.admin")
    expect(table).to_contain_text("Being built")  # the waiting one: the list refreshes itself meanwhile
    with reviewer.expect_download() as info:
        table.get_by_role("link", name=f"Download Excel (XLSX) report {built.pk}, PY2027").click()
    assert info.value.suggested_filename == f"LEAD_L0002_PY2027_performance_run{summary.run_id}.xlsx"
    assert Path(info.value.path()).read_bytes().startswith(b"PK")

    visit(reviewer, f"/acos/L0002/reports/{waiting.pk}/download/", status=409)
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("This report is not ready yet")
    expect(reviewer.locator("#report-status")).to_contain_text("Being built")
