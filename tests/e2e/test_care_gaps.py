"""The care-gap worklist in the browser, on a generated bundle computed by the real pipeline: an ACO
administrator assigns two gaps at once, filters the list by that person, and closes one of them with a
reason; its history says who closed it, when and why. The read-only analyst sees the gap but no form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.quality.models import CareGapItem
from tests.e2e.browser import check_a11y, follow, sign_in, sign_out, submit, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANALYST = "Omar Haddad"  # cvhp.analyst, a user of L0001


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_a_care_manager_assigns_two_gaps_filters_by_assignee_and_closes_one(page: Page) -> None:
    open_gaps = CareGapItem.objects.filter(aco__aco_id="L0001", performance_year=2027).count()
    assert open_gaps >= 2, "the generated bundle has care gaps for L0001"

    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/quality/care-gaps/?py=2027")
    expect(page.get_by_role("heading", level=1)).to_have_text("Care gaps worklist, PY2027")
    rows = page.locator("#care-gaps tbody tr")
    chosen = [rows.nth(i).locator("th a").inner_text().split(":")[0].strip() for i in (0, 1)]
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    page.get_by_label("Assign the selected gaps to").select_option(label=ANALYST)
    # Every request saves the session: let the page's own requests finish before posting (SQLite takes
    # one writer at a time, and a transaction that read first cannot wait for another writer).
    page.wait_for_load_state("networkidle")
    submit(page, page.get_by_role("button", name="Assign selected"))
    expect(page.get_by_role("status").first).to_contain_text(f"2 care gaps assigned to {ANALYST}.")

    # Filter by the person (htmx swaps the list in place).
    page.get_by_label("Assigned to", exact=True).select_option(label=ANALYST)
    caption = page.locator("#care-gaps caption")
    expect(caption).to_have_text("2 care gaps matching the filters")
    expect(page).to_have_url(re.compile(r"assignee=cvhp\.analyst"))  # the filtered list has its own address
    check_a11y(page)
    listed = page.locator("#care-gaps tbody th a")
    expect(listed).to_have_count(2)
    assert sorted(listed.nth(i).inner_text().split(":")[0].strip() for i in (0, 1)) == sorted(chosen)

    # Close the first one with a reason.
    follow(page, listed.first)
    expect(page.locator("#gap-summary")).to_contain_text(f"Assigned to {ANALYST}")
    page.get_by_label("Status", exact=True).select_option(label="Closed")
    page.get_by_label("Why it is closed").select_option(label="Care delivered (visit or follow-up done)")
    page.get_by_label("Add a note").fill("Seen in clinic; visit notes received.")
    page.wait_for_load_state("networkidle")
    submit(page, page.get_by_role("button", name="Save"))
    expect(page.locator("#gap-summary")).to_contain_text("Closed")
    history = page.locator("#gap-history")
    expect(history).to_contain_text("Dana Whitfield")
    expect(history).to_contain_text("Closed: Care delivered (visit or follow-up done).")
    expect(page.locator("#gap-notes")).to_contain_text("Seen in clinic; visit notes received.")

    # Back on the list, filtered by the person: one gap is still to do.
    follow(page, page.get_by_role("link", name="Back to the care gaps worklist, PY2027"))
    expect(page.locator("#care-gaps caption")).to_have_text("1 care gap matching the filters")
    sign_out(page)

    # The analyst sees the closed gap and its history, with no form.
    sign_in(page, "cvhp.analyst")
    visit(page, "/acos/L0001/quality/care-gaps/?py=2027&status=closed")
    follow(page, page.locator("#care-gaps tbody th a").first)
    expect(page.locator("#gap-history")).to_contain_text("Closed: Care delivered")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
