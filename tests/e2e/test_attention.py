"""The overview's "What needs your attention" in the browser (issue 17, worklist 1): ten days before
PY2028's list deadline, with a BE/BEI plan CMS sent back for changes, the ACO administrator opens the
overview, reads both items (soonest deadline first, each with its date and why) and follows the plan's
link to the page where it is revised. The other ACO's administrator sees neither. Every page passes axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.benefits import services as benefit_services
from apps.benefits.models import ImplementationPlan
from tests.benefits.builders import submitted_plan
from tests.e2e.browser import follow, sign_in, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ASKED = "Say how the visits are funded after month six."


@pytest.fixture
def plan_sent_back(demo: list[Any], settings: Any) -> ImplementationPlan:
    """The portal's date 2027-10-21, ten days before PY2028's list deadline (2027-10-31); L0001's Telehealth plan
    for PY2027 submitted and sent back by the CMS reviewer."""
    settings.PORTAL_TODAY = "2027-10-21"
    plan = submitted_plan(ACO.objects.get(aco_id="L0001"), User.objects.get(username="cvhp.admin"))
    return benefit_services.plan_request_changes(
        plan=plan, acting_user=User.objects.get(username="cms.reviewer"), reason=ASKED
    )


def test_admin_reads_what_needs_attention_and_follows_a_link(
    open_page: Callable[[], Page], plan_sent_back: ImplementationPlan
) -> None:
    page = open_page()
    sign_in(page, "cvhp.admin")  # lands on the overview
    expect(page).to_have_url(re.compile(r"/acos/L0001/$"))
    section = page.locator("#attention")
    expect(section.get_by_role("heading", level=2)).to_have_text("What needs your attention")
    items = section.locator("#attention-list > li")
    # The dated item first: the list deadline, with its date and how far away it is.
    expect(items.first).to_contain_text("PY2028 list deadline")
    expect(items.first).to_contain_text("Due October 31, 2027 (in 10 days)")
    expect(items.first.get_by_role("link", name="Review the PY2028 Participant TINs")).to_have_attribute(
        "href", "/acos/L0001/participants/?py=2028"
    )
    plan_item = items.filter(has_text="Telehealth implementation plan (PY2027): changes requested")
    expect(plan_item).to_have_count(1)
    expect(plan_item).to_contain_text(f"CMS asked for changes: “{ASKED}”")
    expect(plan_item).to_contain_text("Action needed")

    follow(page, plan_item.get_by_role("link", name="Revise the plan"))
    expect(page).to_have_url(re.compile(rf"/acos/L0001/benefits/plans/{plan_sent_back.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Telehealth: implementation plan, PY2027")


def test_the_other_acos_administrator_sees_none_of_it(
    open_page: Callable[[], Page], plan_sent_back: ImplementationPlan
) -> None:
    page = open_page()
    sign_in(page, "msaco.admin")
    visit(page, "/acos/L0002/")
    section = page.locator("#attention")
    expect(section).to_contain_text("PY2028 list deadline")  # a deadline of its own
    expect(section).not_to_contain_text("Telehealth")
    expect(section).not_to_contain_text("changes requested")
