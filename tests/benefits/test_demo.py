"""The BE/BEI demo: approved plans for exactly the Benefit Enhancements the generator puts on each
demo ACO's claims, a few deliveries through the real delivery log, and safe to run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django.fixtures import Settings

from apps.acos.demo import demo_load as accounts_load
from apps.acos.models import ACO
from apps.benefits.models import Delivery, ImplementationPlan
from apps.claims.generator_world import benefit_enhancements
from apps.reviews.models import ReviewState
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db

MBIS = {
    "L0001": ["1EG4TE5MK71", "1EG4TE5MK72", "1EG4TE5MK73"],
    "L0002": ["2EG4TE5MK71", "2EG4TE5MK72"],
}


def world(settings: Settings, today: str) -> None:
    """The demo's accounts and ACOs, and an alignment run of its claims year, on ``today``."""
    settings.PORTAL_TODAY = today
    settings.DEBUG = True  # the demo commands refuse to run without it
    accounts_load(password="demo-password-for-tests")
    run = alignment_run(2027)
    for aco_id, mbis in MBIS.items():
        for mbi in mbis:
            aligned(run, ACO.objects.get(aco_id=aco_id), mbi)


@pytest.fixture
def demo_world(settings: Settings) -> None:
    """On the demo's date (``manage.py demo``: the day after PY2027's run-out package of 2028-04-02)."""
    world(settings, "2028-04-03")


def plans() -> dict[tuple[str, str], str]:
    return {
        (p.selection.aco.aco_id, p.selection.item.code): p.review.state
        for p in ImplementationPlan.objects.select_related("selection__aco", "selection__item", "review")
    }


def test_demo_approves_the_generators_enhancements_and_logs_deliveries(demo_world: None) -> None:
    out = io.StringIO()
    call_command("benefits_demo", stdout=out)
    assert plans() == {
        ("L0001", "snf_3day_waiver"): ReviewState.APPROVED,
        ("L0001", "telehealth"): ReviewState.APPROVED,
        ("L0001", "post_discharge_home_visits"): ReviewState.APPROVED,
        ("L0002", "telehealth"): ReviewState.APPROVED,
        ("L0002", "care_management_home_visits"): ReviewState.APPROVED,
    }
    assert {(a, c) for a, c in plans()} == {(a, c) for a in ("L0001", "L0002") for c in benefit_enhancements(a)}
    assert "5 approved implementation plans, 5 deliveries logged now." in out.getvalue()
    logged = {
        (d.aco.aco_id, d.plan.selection.item.code, d.mbi, d.delivered_on.isoformat(), d.quantity)
        for d in Delivery.objects.select_related("aco", "plan__selection__item")
    }
    assert logged == {
        ("L0001", "telehealth", "1EG4TE5MK71", "2027-02-09", 1),
        ("L0001", "telehealth", "1EG4TE5MK72", "2027-03-16", 1),
        ("L0001", "telehealth", "1EG4TE5MK73", "2027-05-04", 2),
        ("L0002", "care_management_home_visits", "2EG4TE5MK71", "2027-04-12", 2),
        ("L0002", "care_management_home_visits", "2EG4TE5MK72", "2027-06-21", 1),
    }
    # Each stamped as recorded the working day after it: Tue 2027-02-09 -> Wed 02-10; Mon 2027-06-21 -> Tue 06-22.
    recorded = {d.delivered_on.isoformat(): timezone.localtime(d.recorded_at) for d in Delivery.objects.all()}
    assert (recorded["2027-02-09"].date().isoformat(), recorded["2027-06-21"].date().isoformat()) == (
        "2027-02-10",
        "2027-06-22",
    )
    # Each went through the review workflow: submitted by the ACO, approved by the CMS reviewer.
    plan = ImplementationPlan.objects.select_related("review__decided_by").get(
        selection__aco__aco_id="L0002", selection__item__code="telehealth"
    )
    assert plan.review.decided_by is not None and plan.review.decided_by.username == "cms.reviewer"
    assert plan.review.versions.count() == 1


def test_before_the_claims_year_is_over_the_demo_logs_no_deliveries(settings: Settings) -> None:
    """On the real date of December 2026 the deliveries (dated in 2027) would be in the future: the
    delivery log refuses them, so the demo leaves them out and says why."""
    world(settings, "2026-12-05")
    out = io.StringIO()
    call_command("benefits_demo", stdout=out)
    assert len(plans()) == 5 and not Delivery.objects.exists()
    assert (
        "No deliveries for L0001's Telehealth: they are dated up to 2027-05-04, after the portal's date "
        "(2026-12-05); manage.py demo sets the date after the claims year."
    ) in out.getvalue()


def test_demo_is_safe_to_run_again(demo_world: None) -> None:
    call_command("benefits_demo", stdout=io.StringIO())
    before = (plans(), Delivery.objects.count())
    out = io.StringIO()
    call_command("benefits_demo", stdout=out)
    assert (plans(), Delivery.objects.count()) == before
    assert "0 deliveries logged now" in out.getvalue()


def test_demo_without_alignment_still_approves_the_plans(settings: Settings) -> None:
    settings.PORTAL_TODAY = "2026-12-05"
    settings.DEBUG = True  # the demo commands refuse to run without it
    accounts_load(password="demo-password-for-tests")
    out = io.StringIO()
    call_command("benefits_demo", stdout=out)
    assert len(plans()) == 5 and not Delivery.objects.exists()
    assert "no alignment run has aligned enough beneficiaries yet" in out.getvalue()


def test_demo_needs_the_demo_accounts(settings: Settings) -> None:
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No CMS reviewer yet"):
        call_command("benefits_demo", stdout=io.StringIO())
