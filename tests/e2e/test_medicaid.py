"""Medicaid integration in the browser (issue 9): a CMS admin marks a state selected; an administrator of
an ACO in that state drafts and submits a partnership arrangement; a CMS reviewer approves it; the
administrator sees the dual-eligible dashboard, records a data-sharing opt-out and no longer finds that
beneficiary on the full-benefit dual list shared with the Medicaid partner.

The demo's Medicaid states (apps.medicaid.demo: Virginia under consideration; the demo's L0001 serves
Ohio, and here Virginia too) and a dual run (apps.medicaid.duals.services, the real computation) over
the hand-worked world of tests/medicaid: L0001 has two full-benefit duals (codes 02 and 08), one
partial (01) and one non-dual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from apps.acos.models import ACO
from apps.medicaid.demo import demo_load as medicaid_demo_load
from apps.medicaid.duals.services import dual_run_execute
from apps.medicaid.models import PartnershipArrangement
from tests.e2e.browser import follow, sign_in, submit, visit
from tests.factories import DUAL_FULL, DUAL_FULL_LATE, dual_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def saved(page: Page, change: Callable[[], object]) -> None:
    """Make a change to the draft and wait for its autosave to answer."""
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST") as response:
        change()
    assert response.value.status == 200


def fill(page: Page, field: Locator, value: str) -> None:
    """Type into a draft field and leave it (the change event autosaves it)."""
    field.fill(value)
    saved(page, field.blur)


@pytest.fixture
def medicaid(demo: list[Any]) -> None:
    ACO.objects.filter(aco_id="L0001").update(states=["OH", "VA"])
    medicaid_demo_load()
    run = dual_world(ACO.objects.get(aco_id="L0001"), ACO.objects.get(aco_id="L0002"))
    dual_run_execute(alignment_run=run)


def test_state_selected_arrangement_approved_then_the_dual_dashboard(
    open_page: Callable[[], Page], medicaid: None
) -> None:
    # A CMS admin moves Virginia from "under consideration" to "selected".
    cms = open_page()
    sign_in(cms, "cms.admin", second_factor=True)
    follow(cms, cms.get_by_role("navigation", name="Portal").get_by_role("link", name="Medicaid partner states"))
    follow(cms, cms.get_by_role("link", name="Virginia (VA)"))
    expect(cms.get_by_role("heading", level=1)).to_have_text("Virginia (VA)")
    cms.get_by_role("radio", name="Selected", exact=True).check()
    cms.get_by_label("Reason").fill("Fee-for-service Medicaid with a ready data-sharing plan.")
    submit(cms, cms.get_by_role("button", name="Change the status"))
    expect(cms.get_by_role("status").first).to_contain_text("Virginia is now selected")
    expect(cms.get_by_role("region", name="Status history")).to_contain_text("Fee-for-service Medicaid with a ready")

    # The administrator of L0001 (which serves VA) drafts an arrangement with the state agency.
    admin = open_page()
    sign_in(admin, "cvhp.admin")
    nav = admin.get_by_role("navigation", name="Portal")
    follow(admin, nav.get_by_role("link", name="Medicaid integration"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Medicaid integration")
    expect(nav.get_by_role("link", name="Medicaid integration")).to_have_attribute("aria-current", "page")
    admin.get_by_label("State", exact=True).select_option(label="Virginia (VA)")
    admin.get_by_label("Partner type").select_option(label="State Medicaid agency")
    admin.get_by_label("Partner", exact=True).fill("Virginia Department of Medical Assistance Services")
    submit(admin, admin.get_by_role("button", name="Start the draft"))
    arrangement = PartnershipArrangement.objects.get(state__code="VA")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Virginia Department of Medical Assistance Services")

    # Submitting too early lists what is missing, by field.
    submit(admin, admin.get_by_role("button", name="Submit to CMS"))
    expect(admin.locator("#arrangement-errors")).to_contain_text("Roles and responsibilities")

    # Each change is autosaved (htmx); wait for each save so no two writes of the draft overlap.
    saved(admin, lambda: admin.get_by_label("Agreement status", exact=True).select_option(label="In negotiation"))
    fill(
        admin,
        admin.get_by_label("Roles and responsibilities"),
        "The ACO coordinates Medicare care and transitions; DMAS coordinates Medicaid long-term services.",
    )
    fill(admin, admin.get_by_label("Integrated care plans"), "One shared care plan per full-benefit dual.")
    fill(admin, admin.get_by_label("Transitions from long-stay nursing facilities"), "Joint discharge planning.")
    saved(admin, lambda: admin.get_by_label("Data-sharing agreement status").select_option(label="Drafted"))
    fill(
        admin,
        admin.get_by_label("What is shared and how opt-outs are honoured"),
        "A monthly roster of shared full-benefit duals; beneficiaries who declined are never sent.",
    )
    first = admin.get_by_role("group", name="Contact 1", exact=True)
    saved(admin, lambda: first.get_by_label("Works for").select_option(label="ACO"))
    fill(admin, first.get_by_label("Name"), "Dana Whitfield")
    fill(admin, first.get_by_label("E-mail"), "dana@cvhp.example")
    second = admin.get_by_role("group", name="Contact 2", exact=True)
    saved(admin, lambda: second.get_by_label("Works for").select_option(label="Medicaid partner"))
    fill(admin, second.get_by_label("Name"), "Riley Moss")
    fill(admin, second.get_by_label("E-mail"), "riley.moss@dmas.example")
    expect(admin.locator("#autosave-status")).to_contain_text("Saved at")
    submit(admin, admin.get_by_role("button", name="Submit to CMS"))
    expect(admin.get_by_role("status").first).to_contain_text("Arrangement submitted to CMS")
    arrangement.refresh_from_db()
    assert arrangement.status == "submitted" and arrangement.review.versions.count() == 1

    # A CMS reviewer finds it in the queue, starts the review and approves it with a reason.
    reviewer = open_page()
    sign_in(reviewer, "cms.reviewer", second_factor=True)
    follow(
        reviewer, reviewer.get_by_role("navigation", name="Portal").get_by_role("link", name="Medicaid arrangements")
    )
    follow(reviewer, reviewer.get_by_role("link", name="Virginia Department of Medical Assistance Services, L0001"))
    submit(reviewer, reviewer.get_by_role("button", name="Start review"))
    reviewer.locator("#review-form").get_by_label("Reason").fill("Roles, strategies and data sharing are clear.")
    submit(reviewer, reviewer.get_by_role("button", name="Approve"))
    expect(reviewer.get_by_role("status").first).to_contain_text("Arrangement approved")
    arrangement.refresh_from_db()
    assert arrangement.status == "approved"

    # The administrator sees the decision in the arrangement's history, then the dual-eligible dashboard.
    visit(admin, f"/acos/L0001/medicaid/arrangements/{arrangement.pk}/")
    expect(admin.get_by_text("Roles, strategies and data sharing are clear.").first).to_be_visible()
    follow(admin, admin.get_by_role("navigation", name="Portal").get_by_role("link", name="Medicaid integration"))
    follow(admin, admin.get_by_role("link", name="Dual-eligible beneficiaries"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Dual-eligible beneficiaries")
    expect(admin.locator("#duals-cards")).to_contain_text("2")  # two full-benefit duals
    expect(admin.locator(".portal-chart .main-svg").first).to_be_visible()

    # One full-benefit dual declines data sharing: the list shared with the partner leaves them out.
    follow(admin, admin.get_by_role("link", name="The full-benefit duals, one by one"))
    table = admin.get_by_role("table")
    expect(table).to_contain_text(DUAL_FULL)
    expect(table).to_contain_text(DUAL_FULL_LATE)
    visit(admin, "/acos/L0001/medicaid/opt-outs/?py=2027")
    admin.get_by_role("textbox", name="MBI", exact=True).fill(DUAL_FULL)
    admin.get_by_label("Date the beneficiary declined").fill("2026-11-02")
    submit(admin, admin.get_by_role("button", name="Record the opt-out"))
    expect(admin.get_by_role("table")).to_contain_text(DUAL_FULL)
    visit(admin, "/acos/L0001/medicaid/duals/full/?py=2027")
    expect(admin.get_by_text("1 beneficiary who declined data sharing is not listed")).to_be_visible()
    expect(admin.get_by_role("table")).not_to_contain_text(DUAL_FULL)
    expect(admin.get_by_role("table")).to_contain_text(DUAL_FULL_LATE)
