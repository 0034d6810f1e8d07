"""CARA in the browser, from proposal to statement (issue 20): an ACO administrator drafts an EBRA with one of
L0001's Preferred Providers and offers it; the Preferred Provider's user accepts it; the administrator submits
it; a CMS reviewer approves it and it is active; its first quarter is reconciled from the Preferred Provider's
closed episodes; the administrator and the Preferred Provider's user each download the quarter's statement.

The episodes are rows of an episode run made here (tests/cara/ebra_world.py does the same for the unit tests):
a hip/knee baseline of $20,000.00 and, for the Preferred Provider, Q1 2027 hip/knee episodes costing $15,000.00
and $17,000.00. With a 5% discount the target is $19,000.00: Σ(target − actual) = $38,000 − $32,000 = +$6,000;
no quality run, so 0 points: × (1 − 50%) = +$3,000.00 to the Preferred Provider.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.services import user_create
from apps.acos.demo import DEMO_PASSWORD_DEFAULT
from apps.acos.models import PreferredProvider
from apps.cara import services
from apps.cara.models import Arrangement, Episode, EpisodeBaseline, EpisodeParameters, EpisodeRun, ProviderMembership
from tests.e2e.browser import follow, sign_in, submit, visit
from tests.factories import alignment_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def cara(demo: list[Any], settings: Any) -> PreferredProvider:
    settings.PORTAL_TODAY = "2027-10-15"
    pp = PreferredProvider.objects.filter(aco__aco_id="L0001", performance_year=2027, capitation="none").first()
    assert pp is not None
    user = user_create(
        username="provider.user", password=DEMO_PASSWORD_DEFAULT, first_name="Jordan", last_name="Alvarez"
    )
    ProviderMembership.objects.create(user=user, tin=pp.tin, npi=pp.npi, name=pp.name)
    EpisodeParameters.objects.create(performance_year=2027, first_episode_date=dt.date(2027, 1, 1))
    hip = next(d for d in services.ensure_catalogue(2027) if d.code == "hip_knee")
    run = EpisodeRun.objects.create(
        performance_year=2027, alignment_run=alignment_run(2027), through=dt.date(2027, 9, 30),
        first_episode_date=dt.date(2027, 1, 1), status=EpisodeRun.Status.SUCCEEDED, finished_at=timezone.now(),
    )  # fmt: skip
    EpisodeBaseline.objects.create(run=run, definition=hip, year=None, episodes=30, mean_cost_cents=2_000_000)
    for k, (start, cents) in enumerate((("2027-01-12", 1_500_000), ("2027-02-20", 1_700_000))):
        day = dt.date.fromisoformat(start)
        Episode.objects.create(
            run=run, definition=hip, aco=pp.aco, mbi=f"1EG4TE5MK7{k}", trigger_claim_id=500 + k, trigger_code="470",
            start_date=day, anchor_end=day + dt.timedelta(days=3), end_date=day + dt.timedelta(days=93), year=2027,
            attributed_npi=pp.npi, attribution="operating", preferred_provider=pp, index_cents=cents, closed=True,
            payment=True,
        )  # fmt: skip
    return pp


def test_from_proposal_to_statement(open_page: Callable[[], Page], cara: PreferredProvider) -> None:
    pp = cara
    admin = open_page()
    sign_in(admin, "cvhp.admin")
    nav = admin.get_by_role("navigation", name="Portal")
    follow(admin, nav.get_by_role("link", name="CARA episodes and arrangements"))
    follow(admin, admin.get_by_role("navigation", name="CARA").get_by_role("link", name="Arrangements (EBRAs)"))
    follow(admin, admin.get_by_role("link", name="Draft a new EBRA"))
    admin.get_by_label("Preferred Provider", exact=True).select_option(value=str(pp.pk))
    admin.get_by_label("Include Elective hip or knee replacement").check()
    admin.get_by_label("Rate for Elective hip or knee replacement (%)").fill("5")
    submit(admin, admin.get_by_role("button", name="Save the draft"))
    expect(admin.locator("#ebra-targets")).to_contain_text("$19,000.00")
    arrangement = Arrangement.objects.get()
    submit(admin, admin.get_by_role("button", name="Offer to the Preferred Provider"))
    expect(admin.locator("#ebra-status")).to_contain_text("Offered to the Preferred Provider")

    # The Preferred Provider's user lands on their arrangements and accepts the offer.
    provider = open_page()
    sign_in(provider, "provider.user")
    assert provider.url.endswith("/provider/")
    follow(provider, provider.get_by_role("link", name=f"EBRA {arrangement.pk}").first)
    submit(provider, provider.get_by_role("button", name="Accept the offer"))
    arrangement.refresh_from_db()
    assert arrangement.status == "accepted"
    visit(provider, "/acos/L0001/", status=404)

    # The administrator submits it; a CMS reviewer approves it and, the effective start being past, it is active.
    visit(admin, f"/acos/L0001/cara/arrangements/{arrangement.pk}/")
    submit(admin, admin.get_by_role("button", name="Submit to CMS"))
    reviewer = open_page()
    sign_in(reviewer, "cms.reviewer", second_factor=True)
    visit(reviewer, f"/acos/L0001/cara/arrangements/{arrangement.pk}/")
    reviewer.get_by_label("Reason (the ACO sees it with the decision)").fill("Targets follow the baselines.")
    submit(reviewer, reviewer.get_by_role("button", name="Approve"))
    expect(reviewer.locator("#ebra-status")).to_contain_text("Active")
    # Q1: +$6,000 × 0.5 = $3,000.00 to the Preferred Provider.
    expect(reviewer.locator("#ebra-reconciliations")).to_contain_text("$3,000.00: payment to the preferred provider")

    # The administrator asks for the Q1 statement; it is built in the background and downloads as XLSX.
    visit(admin, f"/acos/L0001/cara/arrangements/{arrangement.pk}/")
    submit(admin, admin.get_by_role("button", name="XLSX statement for Jan 1, 2027 – Mar 31, 2027"))
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The Preferred Provider's user downloads the same statement as PDF from their own page.
    visit(provider, f"/provider/arrangements/{arrangement.pk}/")
    expect(provider.locator("#ebra-reconciliations")).to_contain_text("$3,000.00 paid to you")
    submit(provider, provider.get_by_role("button", name="PDF statement for Jan 1, 2027 – Mar 31, 2027"))
    with provider.expect_download() as download:
        provider.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
