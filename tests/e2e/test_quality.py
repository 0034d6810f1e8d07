"""Quality in the browser, on a generated bundle computed by the real pipeline (alignment, then
quality): an administrator opens a measure, drills down to a beneficiary and exports the care-gap
worklist; a read-only analyst sees no upload and is refused the upload page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.quality.models import CareGap, MeasureMember, QualityRun
from tests.e2e.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_admin_drills_into_a_measure_and_exports_the_worklist(page: Page) -> None:
    run = QualityRun.objects.get(status="succeeded")
    member = MeasureMember.objects.filter(run=run, aco__aco_id="L0001", measure="acr").order_by("role", "mbi").first()
    assert member is not None, "the generated bundle has ACR index stays for L0001"
    gaps = CareGap.objects.filter(run=run, aco__aco_id="L0001").count()

    sign_in(page, "cvhp.admin")
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Quality and care gaps"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality, PY2027")
    expect(page.locator("#quality-summary")).to_contain_text("Total Quality Score")
    expect(page.locator(".portal-chart .main-svg").first).to_be_visible()

    follow(page, page.locator("#measures").get_by_role("link", name="All-condition readmission (ACR)"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("All-condition readmission (ACR)")
    expect(page.locator("#members")).to_contain_text(member.mbi)
    follow(page, page.locator("#members").get_by_role("link", name=member.mbi).first)
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.mbi)
    expect(page.locator("#why-aligned")).to_contain_text("Aligned")

    visit(page, "/acos/L0001/quality/care-gaps/?py=2027")
    expect(page.get_by_role("heading", level=1)).to_have_text("Care gaps worklist, PY2027")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    lines = Path(info.value.path()).read_text().splitlines()
    assert lines[0].startswith("MBI,Last name") and len(lines) == gaps + 1


def test_an_analyst_cannot_upload_results(page: Page) -> None:
    sign_in(page, "cvhp.analyst")
    visit(page, "/acos/L0001/quality/submissions/?py=2027")
    expect(page.get_by_role("heading", level=1)).to_have_text("CAHPS and eCQM results, PY2027")
    expect(page.get_by_role("link", name="Upload results")).to_have_count(0)
    visit(page, "/acos/L0001/quality/submissions/upload/?py=2027", status=403)
    sign_out(page)
