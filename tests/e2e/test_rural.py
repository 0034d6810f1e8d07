"""The rural add-on in the browser (issue 8): an administrator of a qualifying ACO sees why it qualifies
and the payment schedule; an administrator of a non-qualifying ACO sees why not. The run is the real
one (apps.rural.services) over an alignment run built here.

By hand, at the PY2027 default rate of $8.00 PBPM with months through March 2027 actual:
* L0002 is newly entering; its Zanesville TIN moved to an RHC in ZIP 24801 (WV, RUCA 7) is rural; two
  beneficiaries aligned through it all year: 24 beneficiary-months, $192.00 ($48.00 actual, January–March;
  $144.00 projected);
* L0001 has two rural TINs (ZIPs 44654 and 44691) but is not newly entering and, here, has no
  TIN new to ACOs: it does not qualify.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.acos.models import ACO, ParticipantTIN
from apps.rural.services import rural_run_execute
from tests.e2e.browser import follow, sign_in, visit
from tests.factories import aligned, alignment_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def rural(demo: list[Any]) -> None:
    ParticipantTIN.objects.filter(aco__aco_id="L0002", performance_year=2027, tin="122000001").update(
        practice_zip="24801", facility_type="RHC", new_to_aco=True
    )
    ParticipantTIN.objects.filter(aco__aco_id="L0001", performance_year=2027).update(new_to_aco=False)
    run = alignment_run(2027)
    l0002 = ACO.objects.get(aco_id="L0002")
    aligned(run, l0002, "1EG4TE5MK73", tin="122000001")
    aligned(run, l0002, "1EG4TE5MK74", tin="122000001")
    aligned(run, l0002, "1EG4TE5MK75", tin="122000002")  # Columbus: urban, not paid for
    aligned(run, ACO.objects.get(aco_id="L0001"), "1EG4TE5MK76", tin="111000003")
    rural_run_execute(alignment_run=run, performance_year=2027, actual_through=dt.date(2027, 3, 31))


def test_the_admin_of_a_qualifying_aco_sees_the_schedule(page: Page, rural: None) -> None:
    sign_in(page, "msaco.admin")
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Rural add-on"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rural add-on payments, PY2027")
    expect(nav.get_by_role("link", name="Rural add-on")).to_have_attribute("aria-current", "page")
    expect(page.locator("#rural-eligibility")).to_contain_text("L0002 qualifies for the rural add-on in PY2027")
    expect(page.locator("#rural-eligibility")).to_contain_text("the ACO is newly entering")
    expect(page.locator("#rural-rate")).to_contain_text("$8.00 per beneficiary per month")
    tins = page.locator("#rural-tins")
    expect(tins.get_by_role("row", name="122000001")).to_contain_text("RHC in a rural ZIP 24801 (RUCA 7)")
    expect(tins.get_by_role("row", name="122000002")).to_contain_text("practice ZIP 43215 is urban (RUCA 1)")
    expect(page.locator("#rural-totals")).to_contain_text("$192.00")
    expect(page.locator("#rural-totals")).to_contain_text("$48.00")
    expect(page.locator("#rural-totals")).to_contain_text("$144.00")
    schedule = page.locator("#rural-schedule")
    expect(schedule.get_by_role("row", name="March 2027")).to_contain_text("Actual")
    expect(schedule.get_by_role("row", name="April 2027")).to_contain_text("Projected")
    expect(schedule.get_by_role("row", name="April 2027")).to_contain_text("$16.00")
    expect(page.locator("#rural-not-reconciled")).to_contain_text("never reconciled at settlement")
    expect(page.locator("#chart-rural-schedule .portal-chart .main-svg").first).to_be_visible()
    # The chart's data table is one click away.
    page.locator("#chart-rural-schedule summary").click()
    expect(page.locator("#table-rural-schedule-chart")).to_contain_text("Jan 2027")
    # Each beneficiary with its ZIP, RUCA code and the rule.
    follow(page, page.get_by_role("link", name="Each beneficiary, with its ZIP, RUCA code and rule"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("aligned beneficiaries")
    # This fixture's beneficiaries have no CCLF8 record: the page says so instead of calling them urban.
    table = page.locator("#rural-beneficiaries")
    expect(table.get_by_role("row", name="1EG4TE5MK73")).to_contain_text("no ZIP on file (CCLF8)")
    expect(table.get_by_role("row", name="1EG4TE5MK73")).to_contain_text("Yes (aligned through a rural TIN)")
    expect(table.get_by_role("row", name="1EG4TE5MK75")).to_contain_text("No")


def test_the_admin_of_a_non_qualifying_aco_sees_why_not(page: Page, rural: None) -> None:
    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/rural/?py=2027")
    eligibility = page.locator("#rural-eligibility")
    expect(eligibility).to_contain_text("L0001 does not qualify for the rural add-on in PY2027")
    expect(eligibility).to_contain_text("neither newly entering nor has providers new to ACOs")
    expect(page.locator("#rural-tins").get_by_role("row", name="111000003")).to_contain_text("Rural")
    expect(page.locator("#rural-schedule-none")).to_contain_text("L0001 does not qualify this year")
    expect(page.locator("#rural-schedule")).to_have_count(0)


def test_cms_staff_see_every_aco_and_drill_down(page: Page, rural: None) -> None:
    sign_in(page, "cms.reviewer", second_factor=True)
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Rural add-on payments"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rural add-on payments")
    table = page.locator("#rural-acos")
    expect(table.get_by_role("row", name="L0002")).to_contain_text("Qualifies")
    expect(table.get_by_role("row", name="L0002")).to_contain_text("$192.00")
    expect(table.get_by_role("row", name="L0001")).to_contain_text("Does not qualify")
    follow(page, table.get_by_role("link", name="PY total"))
    expect(table.locator("tbody tr").first).to_contain_text("L0001")  # ascending: $0.00 first
    follow(page, table.get_by_role("link", name="PY total"))
    expect(table.locator("tbody tr").first).to_contain_text("L0002")  # descending: $192.00 first
    follow(page, table.get_by_role("link", name="L0002"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rural add-on payments, PY2027")
    expect(page.locator("#rural-totals")).to_contain_text("$192.00")
