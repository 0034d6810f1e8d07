"""The BE/BEI loop in the browser (issue 7's "done when"): an ACO administrator selects Substance
Access and drafts and submits its plan; a CMS reviewer starts the review and asks for changes with a
comment; the administrator revises and resubmits; the reviewer sees the diff and approves; the
administrator logs a delivery, and an over-cap delivery is refused with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.acos.models import ACO
from apps.benefits.models import Delivery, ImplementationPlan
from apps.reviews.models import ReviewState
from tests.e2e.browser import check_a11y, follow, sign_in, submit, visit
from tests.factories import aligned, alignment_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MBI = "1EG4TE5MK73"
PLAN = {
    "Target population": "Aligned beneficiaries with chronic pain or insomnia in Maryland, Pennsylvania and Virginia.",
    "Eligibility criteria": "Aligned in the current run; seen by a participant clinician in the last 12 months.",
    "Services or products": "A pharmacist consultation on eligible hemp products.",
    "Products": "Hemp oil capsules, at most 0.3% delta-9 THC by dry weight, 2 mg THC per capsule.",
    "Dosing": "One capsule, at most twice a day, by mouth.",
    "Frequency": "Consultation every 3 months; up to a 90-day supply.",
    "Delivery": "Clinic pharmacists at the three largest practices, by appointment.",
    "Cost estimate (dollars a year)": "60000",
    "Funding source": "Shared savings reserve.",
    "Safeguards against abuse and coercion": "No beneficiary is pressured; consent is documented.",
    "Monitoring and oversight": "Quarterly review of every delivery by the compliance officer.",
}
REVISED_SAFEGUARDS = "Consent is documented and the compliance officer audits 10% of offers each month."


@pytest.fixture
def aligned_beneficiary(demo: list[Any], settings: Any) -> str:
    """One beneficiary aligned to L0001 in PY2027, and "today" in the middle of PY2027 (deliveries
    must fall in the plan's year and not in the future)."""
    settings.PORTAL_TODAY = "2027-06-15"
    aligned(alignment_run(2027), ACO.objects.get(aco_id="L0001"), MBI)
    return MBI


def fill_and_autosave(page: Page, label: str, value: str) -> None:
    """Type into a plan field and leave it: htmx autosaves it and says so in the status region."""
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    with page.expect_response(lambda r: "/autosave/" in r.url and r.request.method == "POST") as saved:
        field.blur()
    assert saved.value.status == 200
    expect(page.locator("#autosave-status")).to_contain_text("Saved at")


def test_substance_access_plan_from_selection_to_an_over_cap_delivery(
    open_page: Callable[[], Page], aligned_beneficiary: str
) -> None:
    # The administrator selects Substance Access (all of L0001's states allow it).
    admin = open_page()
    sign_in(admin, "cvhp.admin")
    visit(admin, "/acos/L0001/benefits/?py=2027")
    expect(admin.get_by_text("Choosing them is optional")).to_be_visible()
    expect(admin.locator("#catalogue-be")).to_contain_text("is offered from PY2029")  # Part D Premium Buydown
    submit(admin, admin.get_by_role("button", name="Select Substance Access"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Substance Access: implementation plan, PY2027")
    expect(admin.locator("#plan-state")).to_have_text("Draft")

    # Draft: each field autosaves; a wrong amount is reported in the status region, not saved.
    field = admin.get_by_label("Cost estimate (dollars a year)")
    field.fill("about sixty thousand")
    with admin.expect_response(lambda r: "/autosave/" in r.url):
        field.blur()
    expect(admin.locator("#autosave-status")).to_contain_text("Cost estimate (dollars a year): Enter an amount")
    for label, value in PLAN.items():
        fill_and_autosave(admin, label, value)
    expect(admin.locator("#autosave-status")).not_to_contain_text("except")
    admin.get_by_label("Start date").fill("2027-07-01")
    with admin.expect_response(lambda r: "/autosave/" in r.url):
        admin.get_by_label("Start date").blur()
    plan = ImplementationPlan.objects.select_related("review").get(selection__aco__aco_id="L0001")
    assert plan.review.content["products"] == PLAN["Products"] and plan.review.content["cost_estimate"] == "60000.00"
    check_a11y(admin)
    submit(admin, admin.get_by_role("button", name="Submit to CMS"))
    expect(admin.locator("#plan-state")).to_have_text("Submitted")
    expect(admin.get_by_role("status").first).to_contain_text("Plan submitted to CMS")
    follow(admin, admin.get_by_role("link", name="Printable view (save as PDF)"))
    expect(admin.get_by_text("Save as PDF")).to_be_visible()
    expect(admin.locator("main")).to_contain_text(PLAN["Dosing"])

    # The CMS reviewer finds it in the queue, starts the review and asks for changes with a comment.
    reviewer = open_page()
    sign_in(reviewer, "cms.reviewer", second_factor=True)
    visit(reviewer, "/benefits/review-queue/")
    queue = reviewer.locator("#plan-queue")
    expect(queue).to_contain_text("1 plan, oldest submission first")
    follow(reviewer, queue.get_by_role("link", name="Substance Access, L0001"))
    submit(reviewer, reviewer.get_by_role("button", name="Start review"))
    expect(reviewer.locator("#plan-state")).to_have_text("In review")
    reviewer.get_by_label("Section").select_option(label="Safeguards against abuse and coercion")
    reviewer.get_by_label("Comment", exact=True).fill("Say who audits the offers, and how often.")
    submit(reviewer, reviewer.get_by_role("button", name="Add comment"))
    # A reason is required.
    submit(reviewer, reviewer.get_by_role("button", name="Request changes"), status=400)
    expect(reviewer.locator("#review-form")).to_contain_text("Give a reason")
    reviewer.get_by_label("Reason").fill("Strengthen the safeguards (see the comment).")
    submit(reviewer, reviewer.get_by_role("button", name="Request changes"))
    expect(reviewer.locator("#plan-state")).to_have_text("Changes requested")

    # The administrator sees the request and the comment, revises and resubmits.
    visit(admin, f"/acos/L0001/benefits/plans/{plan.pk}/")
    expect(admin.locator("#plan-state")).to_have_text("Changes requested")
    expect(admin.get_by_text("CMS asked for changes")).to_contain_text("Strengthen the safeguards")
    expect(admin.locator("#plan-form")).to_contain_text("Say who audits the offers, and how often.")
    admin.get_by_label("Safeguards against abuse and coercion").fill(REVISED_SAFEGUARDS)
    submit(admin, admin.get_by_role("button", name="Submit to CMS"))
    expect(admin.locator("#plan-state")).to_have_text("Submitted")

    # The reviewer sees what changed between the two versions and approves.
    visit(reviewer, f"/acos/L0001/benefits/plans/{plan.pk}/")
    diff = reviewer.locator("#version-diff")
    expect(diff).to_contain_text("Version 1 compared with version 2")
    expect(diff).to_contain_text(PLAN["Safeguards against abuse and coercion"])
    expect(diff).to_contain_text(REVISED_SAFEGUARDS)
    expect(diff.locator("tbody tr")).to_have_count(1)
    reviewer.get_by_label("Reason").fill("Meets the Substance Access requirements.")
    submit(reviewer, reviewer.get_by_role("button", name="Approve"))
    expect(reviewer.locator("#plan-state")).to_have_text("Approved")
    plan.review.refresh_from_db()
    assert plan.review.state == ReviewState.APPROVED and plan.review.versions.count() == 2

    # The administrator logs a delivery; a second one would pass the $500 yearly cap and is refused.
    visit(admin, f"/acos/L0001/benefits/plans/{plan.pk}/")
    expect(admin.get_by_text("Approved by")).to_contain_text("Meets the Substance Access requirements.")
    follow(admin, admin.get_by_role("link", name="Delivery log"))

    def record(amount: str, day: str, *, status: int | None = None) -> None:
        admin.get_by_label("MBI").fill(aligned_beneficiary)
        admin.get_by_label("Date delivered").fill(day)
        admin.get_by_label("Amount (dollars)").fill(amount)
        admin.get_by_label("Quantity").fill("1")
        submit(admin, admin.get_by_role("button", name="Record delivery"), status=status)

    record("400", "2027-03-01")
    expect(admin.get_by_role("status").first).to_contain_text(f"Delivery recorded: {MBI} on 2027-03-01, $400.00")
    expect(admin.locator("#deliveries")).to_contain_text("1 delivery")
    record("200", "2027-04-01", status=400)
    expect(admin.locator("#delivery-refused")).to_contain_text(
        f"Over the $500.00 yearly limit per beneficiary: {MBI} already received $400.00 in PY2027, $100.00 left."
    )
    assert list(Delivery.objects.values_list("amount", flat=True)) == [400]
    visit(admin, "/acos/L0001/benefits/?py=2027")
    expect(admin.locator("#delivery-totals")).to_contain_text("Substance Access")
    expect(admin.locator("#delivery-totals")).to_contain_text("$400.00")
