"""The demo is one moment. `manage.py demo` keeps its date in the database (the day after the last
claims package it loaded: PY2027's run-out package is dated 2028-04-02, so 2028-04-03), and every
date rule reads it through ``apps.acos.selectors.portal_today``; ``PORTAL_TODAY`` wins over it.

Hand-worked: list deadlines are Oct 31 of the year before the PY (PY2027: 2026-10-31, PY2028:
2027-10-31, PY2029: 2028-10-31); the rural add-on is $8.00 per beneficiary-month in PY2027."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos import selectors, services
from apps.acos.models import ACO, DemoClock
from apps.alignment import voluntary
from apps.alignment.models import AlignmentRun
from apps.benefits import services as benefits_services
from apps.claims.management.commands.demo import Command as DemoCommand
from apps.claims.models import CCLFFile, IngestRun
from apps.medicaid.demo import demo_load as medicaid_demo_load
from apps.medicaid.models import Milestone
from apps.medicaid.states import charts as state_charts
from apps.medicaid.states import selectors as state_selectors
from apps.performance import services as pipeline_services
from apps.performance.models import PipelineRun
from apps.rural.models import RuralPaymentLine
from tests.benefits.builders import approved_plan
from tests.factories import ElectionFactory, ParticipantFactory, aligned, alignment_run, cclf8_beneficiary

pytestmark = pytest.mark.django_db

D = dt.date
DEMO_DAY = D(2028, 4, 3)
MBI = "1EG4TE5MK73"
NPI = "1234567893"  # passes the NPI check digit


@pytest.fixture
def no_pin(settings: Settings) -> None:
    """No ``PORTAL_TODAY``: the demo's date (or the real one) decides."""
    settings.PORTAL_TODAY = ""


@pytest.fixture
def demo_day(no_pin: None) -> DemoClock:
    return services.demo_clock_set(
        today=DEMO_DAY,
        performance_year=2027,
        reason="the day after the PY2027 run-out claims package of 2028-04-02",
    )


# --- the clock ------------------------------------------------------------------------------------


def test_the_persisted_demo_date_is_the_portals_today(demo_day: DemoClock) -> None:
    assert selectors.portal_today() == DEMO_DAY
    # Pages open on the demo's year, not on PY2028 (the year under way on 2028-04-03).
    assert selectors.default_performance_year() == 2027
    # PY2027's and PY2028's deadlines have passed; PY2029's (2028-10-31) has not.
    locked = {py: selectors.list_is_locked(performance_year=py) for py in (2027, 2028, 2029)}
    assert locked == {2027: True, 2028: True, 2029: False}


def test_setting_the_clock_again_replaces_the_one_row(demo_day: DemoClock) -> None:
    services.demo_clock_set(today=D(2027, 6, 30))
    assert DemoClock.objects.count() == 1
    assert selectors.portal_today() == D(2027, 6, 30)
    assert selectors.default_performance_year() == 2027  # no demo year: the PY under way


def test_portal_today_setting_wins_over_the_demo_date(demo_day: DemoClock, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2026-12-01"
    assert selectors.portal_today() == D(2026, 12, 1)
    assert selectors.demo_clock() is None
    assert selectors.default_performance_year() == 2027  # the next PY to start, by the pinned date
    assert selectors.list_is_locked(performance_year=2028) is False


def test_without_a_demo_date_the_portal_runs_on_the_real_date(no_pin: None) -> None:
    assert selectors.portal_today() == timezone.localdate()
    services.demo_clock_set(today=DEMO_DAY)
    services.demo_clock_clear()
    assert selectors.portal_today() == timezone.localdate()


def test_the_demo_clock_command_shows_sets_and_clears_it(no_pin: None, settings: Settings) -> None:
    settings.DEBUG = True  # it refuses to move the date otherwise
    out = io.StringIO()
    call_command("demo_clock", "--set", "2028-04-03", "--performance-year", "2027", stdout=out)
    assert out.getvalue() == ("Demo: as of 2028-04-03 (set with manage.py demo_clock); pages open on PY2027.\n")
    call_command("demo_clock", "--clear", stdout=out)
    assert DemoClock.objects.count() == 0


# --- `manage.py demo` sets it from the packages it loaded -----------------------------------------


def package_file(run: IngestRun, name: str, produced: dt.datetime, *, runout: bool) -> CCLFFile:
    return CCLFFile.objects.create(
        run=run,
        name=name,
        file_type="CCLF1",
        produced_at=timezone.make_aware(produced),
        performance_year=2027,
        sha256=name.ljust(64, "0")[:64],
        records=1,
        size=1,
        runout=runout,
    )


def test_the_demo_sets_the_day_after_its_last_package_and_opens_on_its_year(no_pin: None) -> None:
    loaded = IngestRun.objects.create(source="bundle", status=IngestRun.Status.SUCCEEDED)
    package_file(loaded, "P.LEAD0.ACO.ZC1Y27.D280102.T0415300", dt.datetime(2028, 1, 2, 4, 15, 30), runout=False)
    package_file(loaded, "P.LEAD0.ACO.ZC1R27.D280402.T0415300", dt.datetime(2028, 4, 2, 4, 15, 30), runout=True)
    failed = IngestRun.objects.create(source="later", status=IngestRun.Status.FAILED)
    package_file(failed, "P.LEAD0.ACO.ZC1Y27.D280601.T0415300", dt.datetime(2028, 6, 1, 4, 15, 30), runout=False)
    out = io.StringIO()
    DemoCommand(stdout=out)._clock()
    clock = DemoClock.objects.get()
    assert (clock.today, clock.performance_year) == (DEMO_DAY, 2027)
    assert clock.reason == "the day after the PY2027 run-out claims package of 2028-04-02"
    assert "The portal's date is now 2028-04-03" in out.getvalue()
    assert selectors.portal_today() == DEMO_DAY


def test_without_claims_the_demo_leaves_the_date_alone(no_pin: None) -> None:
    DemoCommand(stdout=io.StringIO())._clock()
    assert not DemoClock.objects.exists()


# --- the banner -----------------------------------------------------------------------------------


def test_every_page_says_the_demos_date(demo_day: DemoClock, client_for: Callable[[User | None], Client]) -> None:
    page = client_for(None).get("/accounts/login/").content.decode()
    assert '<div class="portal-demo-clock" id="demo-clock">' in page
    assert (
        "<strong>Demo: as of April 3, 2028</strong>, the day after the PY2027 run-out claims package of "
        "2028-04-02. The portal acts as if today were that date"
    ) in page


def test_no_banner_on_the_real_date_or_a_pinned_one(
    no_pin: None, settings: Settings, client_for: Callable[[User | None], Client]
) -> None:
    assert "demo-clock" not in client_for(None).get("/accounts/login/").content.decode()
    services.demo_clock_set(today=DEMO_DAY)
    settings.PORTAL_TODAY = "2026-12-01"
    assert "demo-clock" not in client_for(None).get("/accounts/login/").content.decode()


# --- the rules that follow it ---------------------------------------------------------------------


def rural_schedule(aco: ACO, run: AlignmentRun) -> list[tuple[int, str, Decimal]]:
    """The pipeline's rural step (actual months through the portal's date) and its payment lines."""
    pipeline = pipeline_services.pipeline_run_create(performance_year=2027)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run)
    assert pipeline_services.pipeline_step_execute(run_id=pipeline.pk, name="rural", inline=True) == "succeeded"
    pipeline.refresh_from_db()
    lines = RuralPaymentLine.objects.filter(run=pipeline.rural_run, aco=aco).order_by("month")
    return [(line.member_months, line.kind, line.amount) for line in lines]


def test_the_rural_add_on_of_py2027_is_actual_at_the_demo_date(no_pin: None, aco: ACO) -> None:
    """One beneficiary aligned all year through a rural TIN (ZIP 26601, RUCA 10) of a newly entering
    ACO: 12 beneficiary-months x $8.00. On 2027-06-30 Jan-Jun are actual and Jul-Dec projected; on the
    demo's date, after the year and its run-out, all twelve are actual."""
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=True)
    ParticipantFactory.create(aco=aco, tin="500000001", practice_zip="26601")
    run = alignment_run(2027)
    aligned(run, aco, MBI, tin="500000001", effective_from=D(2027, 1, 1))
    cclf8_beneficiary(MBI, zip_code="26601")

    services.demo_clock_set(today=D(2027, 6, 30))
    assert rural_schedule(aco, run) == [(1, "actual", Decimal("8.00"))] * 6 + [(1, "projected", Decimal("8.00"))] * 6
    services.demo_clock_set(today=DEMO_DAY, performance_year=2027)
    assert rural_schedule(aco, run) == [(1, "actual", Decimal("8.00"))] * 12


def test_the_delivery_log_takes_a_py2027_date_at_the_demo_date(
    no_pin: None, aco: ACO, admin: User, cms_reviewer: User
) -> None:
    aligned(alignment_run(2027), aco, MBI)
    plan = approved_plan(aco, admin, cms_reviewer)
    services.demo_clock_set(today=D(2027, 6, 1))
    with pytest.raises(ValidationError) as exc:
        benefits_services.delivery_record(plan=plan, mbi=MBI, delivered_on="2027-11-15", amount="45", acting_user=admin)
    assert exc.value.message_dict["delivered_on"] == ["The date cannot be in the future (today is 2027-06-01)."]
    services.demo_clock_set(today=DEMO_DAY, performance_year=2027)
    delivery = benefits_services.delivery_record(
        plan=plan, mbi=MBI, delivered_on="2027-11-15", amount="45", acting_user=admin
    )
    assert (delivery.delivered_on, delivery.amount) == (D(2027, 11, 15), Decimal("45.00"))


def test_voluntary_records_may_be_signed_up_to_the_demo_date(demo_day: DemoClock, aco: ACO, admin: User) -> None:
    ParticipantFactory.create(aco=aco, tin="111000001")
    data = {"mbi": MBI, "tin": "111000001", "npi": NPI, "channel": "sva_form"}
    record = voluntary.voluntary_alignment_add(
        aco=aco, performance_year=2027, data={**data, "signed_date": "2027-06-01"}, acting_user=admin
    )
    assert record.signed_date == D(2027, 6, 1)
    with pytest.raises(voluntary.VoluntaryRowsInvalid) as exc:
        voluntary.voluntary_alignment_add(
            aco=aco, performance_year=2027, data={**data, "signed_date": "2028-04-04"}, acting_user=admin
        )
    assert [(e.field, e.reason) for e in exc.value.row_errors] == [
        ("signed_date", "is in the future (today is 2028-04-03)")
    ]


HIGH_NEEDS: dict[str, Any] = {
    "step": "1",
    "claims_step": "1",
    "competitors": [],
    "service_count": 2,
    "first_service": "2025-09-01",
    "last_service": "2026-02-01",
    "voluntary": None,
    "high_needs": {
        "window": ["2026-01-01", "2026-12-31"],
        "criteria": ["snf_days"],
        "mobility_diagnosis": None,
        "frailty_dme": None,
        "snf_days": 50,
        "unplanned_admissions": 0,
    },
}


def test_the_high_needs_window_is_tied_to_the_assessment_date_not_the_computation(
    demo_day: DemoClock, aco: ACO, admin: User, client_for: Callable[[User | None], Client]
) -> None:
    """A prospective PY2027 run assesses High Needs as of 2027-01-01 over the four quarters before it
    (2026-01-01 to 2026-12-31), whenever it was computed."""
    run = alignment_run(2027)
    aligned(run, aco, MBI, cohort="high_needs", high_needs=True, explanation=HIGH_NEEDS, effective_from=D(2027, 1, 1))
    page = client_for(admin).get(f"/acos/{aco.aco_id}/beneficiaries/{MBI}/").content.decode()
    assert (
        "Assessed as of Jan 1, 2027 (the start of PY2027), over the 12 months before that quarter: "
        '<span id="high-needs-window">2026-01-01 to 2026-12-31</span>.'
    ) in page


def test_the_medicaid_demo_on_the_demo_date_finds_the_planning_phase_over(demo_day: DemoClock, cms_admin: User) -> None:
    medicaid_demo_load()
    assert set(Milestone.objects.values_list("status", flat=True)) == {Milestone.Status.DONE}
    rows = state_selectors.timeline_rows(state_selectors.milestones_for_cms(user=cms_admin))
    figure = state_charts.timeline_figure(rows, today=DEMO_DAY)
    # The planning phase (2026-03-01 to 2027-12-31) and today, 15 days either side.
    assert list(figure["layout"]["xaxis"]["range"]) == ["2026-02-14", "2028-04-18"]
    # Today's label sits left of its line, inside the figure, as the end-of-phase one does.
    labels = {a["text"]: a["xanchor"] for a in figure["layout"]["annotations"]}
    assert labels == {"Planning phase starts": "left", "Planning phase ends": "right", "Today (2028-04-03)": "right"}
