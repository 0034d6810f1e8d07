"""What needs an ACO's attention (apps/acos/attention.py and the sources each app registers): one
hand-worked case per kind of item, the order, the empty state, tenancy (nothing of another ACO), the
overview page and ``GET /api/acos/{aco_id}/attention/``.

Calendar: PY2027's list deadline is 2026-10-31, PY2028's 2027-10-31, PY2029's 2028-10-31 (the data
migration's Oct 31 of PY-1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.attention import AttentionItem, attention_items, list_deadline_items
from apps.acos.models import ACO, ModelParameters
from apps.alignment.models import AlignedBeneficiary, AlignmentExport, AlignmentRun
from apps.alignment.selectors import MinimumsStatus, minimum_shortfall_text
from apps.benefits import services as benefit_services
from apps.claims.models import CCLFFile, IngestRun
from apps.medicaid.arrangements import services as arrangement_services
from apps.medicaid.models import DeliverySystem, MedicaidState, StateStatus
from apps.performance.models import PerformanceReport
from apps.quality.models import CareGapItem, GapKind, GapStatus
from apps.quality.selectors import gaps_due_between
from tests.benefits.builders import submitted_plan
from tests.factories import ElectionFactory, ParticipantFactory, alignment_run, performance_summary
from tests.medicaid.conftest import FULL_ARRANGEMENT

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def items_of(aco: ACO, today: str, kind: str = "", performance_year: int = 2027) -> list[AttentionItem]:
    found = attention_items(aco=aco, performance_year=performance_year, today=D(today))
    return [i for i in found if not kind or i.kind == kind]


# --- list deadlines ----------------------------------------------------------------------------


def test_a_list_deadline_ten_days_away_appears_with_its_date_and_none_that_passed(aco: ACO) -> None:
    # 2027-10-21: PY2028's deadline (2027-10-31) is 10 days away; PY2027's (2026-10-31) passed;
    # PY2029's (2028-10-31) is 376 days away, beyond the 90-day horizon.
    [item] = items_of(aco, "2027-10-21", "list_deadline")
    assert item.title == "PY2028 list deadline"
    assert item.deadline == D("2027-10-31") and item.days_left == 10 and item.when_text == "in 10 days"
    assert item.severity == "urgent"  # within the last 14 days
    assert item.url == f"/acos/{aco.aco_id}/participants/?py=2028"
    assert "Until October 31, 2027 you change PY2028 Participant TINs" in item.detail
    assert "no Participant TINs are listed for PY2028 yet and no PY2028 elections are recorded yet" in item.detail


def test_a_list_deadline_says_nothing_is_missing_once_lists_and_elections_exist(aco: ACO) -> None:
    ParticipantFactory.create(aco=aco, performance_year=2028)
    ElectionFactory.create(aco=aco, performance_year=2028)
    [item] = list_deadline_items(aco, 2027, D("2027-09-01"))  # 60 days before: action needed, not urgent
    assert item.severity == "action" and "Still to do" not in item.detail


def test_the_deadline_day_itself_counts_and_the_day_after_does_not(aco: ACO) -> None:
    [item] = items_of(aco, "2027-10-31", "list_deadline")
    assert item.days_left == 0 and item.when_text == "today"
    assert items_of(aco, "2027-11-01", "list_deadline") == []
    assert items_of(aco, "2027-08-01", "list_deadline") == []  # 91 days before: not yet


# --- alignment below the minimums ---------------------------------------------------------------


def _standard_minimums(total: int, claims: int) -> None:
    ModelParameters.objects.filter(performance_year=2027).update(
        minimum_standard_total=total, minimum_standard_claims=claims
    )


def _aligned(aco: ACO, run: AlignmentRun, claims: int, voluntary: int = 0) -> None:
    rows = [
        AlignedBeneficiary(
            run=run,
            aco=aco,
            mbi=f"{n:011d}",
            alignment_type="claims" if n < claims else "voluntary",
            step="1" if n < claims else "voluntary",
            tin="111000001",
            unit_kind="tin",
        )
        for n in range(claims + voluntary)
    ]
    AlignedBeneficiary.objects.bulk_create(rows)


def test_an_alignment_300_short_shows_300_and_the_claims_gap(aco: ACO) -> None:
    # A standard ACO (not newly entering, no High Needs) with minimums 400 aligned / 300 claims-aligned,
    # and 100 claims-aligned: 300 short of the total, 200 of the claims minimum.
    _standard_minimums(400, 300)
    run = alignment_run(2027, finished_at=timezone.make_aware(dt.datetime(2027, 3, 1, 12)))
    _aligned(aco, run, claims=100)
    [item] = items_of(aco, "2027-03-10", "alignment_minimum")
    assert item.title == "PY2027 alignment is below the minimums"
    assert item.detail == (
        f"Standard ACO minimums: 100 of 400 aligned and 100 of 300 claims-aligned in alignment run {run.pk}. "
        "It would take 300 more aligned beneficiaries, at least 200 of them claims-aligned."
    )
    assert item.since == D("2027-03-01") and item.deadline is None and item.severity == "urgent"
    assert item.url == f"/acos/{aco.aco_id}/beneficiaries/by-tin/?py=2027"


def test_alignment_meeting_the_minimums_is_not_an_item(aco: ACO) -> None:
    _standard_minimums(3, 2)
    _aligned(aco, alignment_run(2027), claims=2, voluntary=1)
    assert items_of(aco, "2027-03-10", "alignment_minimum") == []


def test_without_an_alignment_run_there_is_no_minimum_item(aco: ACO) -> None:
    assert items_of(aco, "2027-03-10", "alignment_minimum") == []


@pytest.mark.parametrize(
    ("total", "claims", "text"),
    [
        (300, 200, "300 more aligned beneficiaries, at least 200 of them claims-aligned"),
        (300, 0, "300 more aligned beneficiaries (claims-based or voluntary)"),
        (0, 50, "50 more claims-aligned beneficiaries"),
        (100, 250, "250 more claims-aligned beneficiaries"),  # each claims-aligned one counts in the total too
        (1, 0, "1 more aligned beneficiary (claims-based or voluntary)"),
    ],
)
def test_what_it_would_take(total: int, claims: int, text: str) -> None:
    status = MinimumsStatus(performance_year=2027, run=None, total_minimum=1000, claims_minimum=600)
    status.total, status.claims = 1000 - total, 600 - claims
    assert minimum_shortfall_text(status) == text


# --- claims data older than expected ------------------------------------------------------------


def _package(produced: str) -> None:
    run = IngestRun.objects.create(source="hand-worked", status=IngestRun.Status.SUCCEEDED)
    CCLFFile.objects.create(
        run=run,
        name=f"P.A9999.ACO.ZC8Y27.D{produced[2:4]}{produced[5:7]}{produced[8:10]}.T1200000",
        file_type="CCLF8",
        produced_at=timezone.make_aware(dt.datetime.fromisoformat(f"{produced}T12:00:00")),
        performance_year=2027,
        sha256=produced.replace("-", "").ljust(64, "0"),
        records=1,
        size=10,
    )


def test_claims_a_month_and_a_week_old_are_late(aco: ACO) -> None:
    # Package dated 2027-01-02: the next is expected by 2027-02-02 (31 days), late after a week's grace.
    _package("2027-01-02")
    assert items_of(aco, "2027-02-09", "claims_data") == []
    [item] = items_of(aco, "2027-02-10", "claims_data")
    assert item.title == "Claims data is 39 days old"
    assert item.since == D("2027-02-02") and item.severity == "info"
    assert "dated January 2, 2027" in item.detail and "expected by February 2, 2027" in item.detail
    assert item.url == f"/acos/{aco.aco_id}/money/?py=2027#performance-vintage"


def test_the_latest_package_counts(aco: ACO) -> None:
    _package("2027-01-02")
    _package("2027-02-02")
    assert items_of(aco, "2027-02-10", "claims_data") == []


def test_no_claims_loaded_is_not_late_claims(aco: ACO) -> None:
    assert items_of(aco, "2027-02-10", "claims_data") == []


# --- care gaps due this week --------------------------------------------------------------------


def _gap(aco: ACO, due: str, n: int, status: str = GapStatus.OPEN, assignee: User | None = None) -> CareGapItem:
    return CareGapItem.objects.create(
        aco=aco,
        performance_year=2027,
        mbi=f"1EG4TE5MK{n:02d}",
        kind=GapKind.FOLLOW_UP,
        opening_claim_id=1000 + n,
        gap_type="tfu_open",
        opened_on=D("2027-06-01"),
        due_date=D(due),
        status=status,
        assignee=assignee,
    )


def test_care_gaps_due_this_week(aco: ACO, other_aco: ACO, admin: User) -> None:
    # Today 2027-06-10: the week runs to 2027-06-16.
    _gap(aco, "2027-06-09", 1)  # overdue: not "due this week"
    first = _gap(aco, "2027-06-12", 2, assignee=admin)
    _gap(aco, "2027-06-16", 3, status=GapStatus.IN_PROGRESS)
    _gap(aco, "2027-06-17", 4)  # next week
    _gap(aco, "2027-06-11", 5, status=GapStatus.CLOSED)
    _gap(other_aco, "2027-06-10", 6)  # another ACO's
    due = gaps_due_between(aco=aco, start=D("2027-06-10"), end=D("2027-06-16"))
    assert [g.mbi for g in due] == [first.mbi, "1EG4TE5MK03"]
    [item] = items_of(aco, "2027-06-10", "care_gaps")
    assert item.title == "2 care gaps due this week"
    assert item.deadline == D("2027-06-12") and item.days_left == 2 and item.severity == "urgent"
    assert item.detail == "2 of PY2027's open care gaps are due by June 16, 2027; 1 has no one assigned."
    assert item.url == f"/acos/{aco.aco_id}/quality/care-gaps/?py=2027&due_from=2027-06-10&due_to=2027-06-16"


# --- plans sent back for changes ----------------------------------------------------------------


def test_a_plan_sent_back_for_changes_says_what_cms_asked(
    aco: ACO, admin: User, cms_reviewer: User, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2027-06-30"
    ElectionFactory.create(aco=aco, performance_year=2027)
    plan = submitted_plan(aco, admin)
    benefit_services.plan_request_changes(
        plan=plan, acting_user=cms_reviewer, reason="Add the funding source after month six."
    )
    [item] = items_of(aco, "2027-06-30", "plan_changes")
    assert item.title == "Telehealth implementation plan (PY2027): changes requested"
    asked = "Add the funding source after month six."
    assert item.detail == f"CMS asked for changes: “{asked}” Revise it and submit it again."
    assert item.since == timezone.localdate() and item.severity == "action"
    assert item.url == f"/acos/{aco.aco_id}/benefits/plans/{plan.pk}/"
    # Once resubmitted it waits for CMS, not for the ACO.
    benefit_services.plan_submit(plan=plan, acting_user=admin)
    assert items_of(aco, "2027-06-30", "plan_changes") == []


def test_a_read_only_member_is_offered_to_see_the_plan_not_to_revise_it(
    client_for: Callable[[User], Client], aco: ACO, admin: User, analyst: User, cms_reviewer: User, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2027-06-30"
    ElectionFactory.create(aco=aco, performance_year=2027)
    benefit_services.plan_request_changes(plan=submitted_plan(aco, admin), acting_user=cms_reviewer, reason="More.")
    admin_page = client_for(admin).get(f"/acos/{aco.aco_id}/").content.decode()
    analyst_page = client_for(analyst).get(f"/acos/{aco.aco_id}/").content.decode()
    assert ">Revise the plan</a>" in admin_page and "See the plan" not in admin_page
    assert ">See the plan</a>" in analyst_page and "Revise the plan" not in analyst_page


def test_an_arrangement_sent_back_for_changes(aco: ACO, admin: User, cms_reviewer: User) -> None:
    state = MedicaidState.objects.create(
        code="MD", name="Maryland", status=StateStatus.SELECTED, delivery_system=DeliverySystem.MANAGED_CARE
    )
    arrangement = arrangement_services.arrangement_create(
        aco=aco, state=state, acting_user=admin, partner_type="state_agency", partner_name="Maryland Medicaid"
    )
    arrangement = arrangement_services.arrangement_save_draft(
        arrangement=arrangement, content=FULL_ARRANGEMENT, acting_user=admin
    )
    arrangement = arrangement_services.arrangement_submit(arrangement=arrangement, acting_user=admin)
    arrangement_services.arrangement_request_changes(
        arrangement=arrangement, acting_user=cms_reviewer, reason="Name the data-sharing lead."
    )
    [item] = items_of(aco, "2027-06-30", "plan_changes")
    assert item.title.endswith("Maryland partnership arrangement: changes requested")
    assert "“Name the data-sharing lead.”" in item.detail
    assert item.url == f"/acos/{aco.aco_id}/medicaid/arrangements/{arrangement.pk}/"


# --- exports ready ------------------------------------------------------------------------------


def _download(user: User, aco: ACO, object_type: str, object_id: str, detail: str = "") -> None:
    AccessLog.objects.create(
        user=user,
        username=user.username,
        action=AccessLog.Action.EXPORT,
        object_type=object_type,
        object_id=object_id,
        aco_code=aco.aco_id,
        path="/download/",
        detail=detail,
    )


def test_a_report_ready_and_not_downloaded_by_the_aco(aco: ACO, admin: User, cms_reviewer: User) -> None:
    summary = performance_summary(aco)
    report = PerformanceReport.objects.create(
        summary=summary,
        aco=aco,
        performance_year=2027,
        format="pdf",
        status=PerformanceReport.Status.READY,
        file="reports/2027/06/r.pdf",
        finished_at=timezone.make_aware(dt.datetime(2027, 6, 1, 12)),
    )
    PerformanceReport.objects.create(summary=summary, aco=aco, performance_year=2027, format="csv")  # being built
    [item] = items_of(aco, "2027-06-10", "export_ready")
    assert item.title == "1 performance report ready to download"
    assert item.detail == f"Built and not downloaded yet: PDF, PY2027, pipeline run {summary.run_id}."
    assert item.since == D("2027-06-01") and item.url == f"/acos/{aco.aco_id}/reports/?py=2027"
    _download(cms_reviewer, aco, "performance_report", f"report {report.pk}")  # CMS's download: still waiting
    assert len(items_of(aco, "2027-06-10", "export_ready")) == 1
    _download(admin, aco, "performance_report", f"report {report.pk}")
    assert items_of(aco, "2027-06-10", "export_ready") == []


def test_a_list_of_aligned_beneficiaries_ready_and_not_downloaded(aco: ACO, analyst: User) -> None:
    run = alignment_run(2027)
    export = AlignmentExport.objects.create(
        aco=aco, run=run, format="csv", status=AlignmentExport.Status.READY, file="exports/a.csv", row_count=253
    )
    [item] = items_of(aco, "2027-06-10", "export_ready")
    assert item.title == "1 list of aligned beneficiaries ready to download"
    assert item.detail == "Built and not downloaded yet: CSV, PY2027, 253 beneficiaries."
    _download(analyst, aco, "aligned_beneficiaries", f"run {run.pk}", f"csv export {export.pk}, 253 rows")
    assert items_of(aco, "2027-06-10", "export_ready") == []


# --- the list as a whole ------------------------------------------------------------------------


def test_deadlines_first_soonest_first_then_the_most_urgent(aco: ACO) -> None:
    _standard_minimums(400, 300)
    _aligned(aco, alignment_run(2027), claims=100)
    _package("2027-08-01")
    _gap(aco, "2027-10-25", 1)
    kinds = [i.kind for i in items_of(aco, "2027-10-21")]
    # care gap due Oct 25, list deadline Oct 31, then the undated: urgent alignment, informative claims.
    assert kinds == ["care_gaps", "list_deadline", "alignment_minimum", "claims_data"]


def test_nothing_of_another_aco(aco: ACO, other_aco: ACO, settings: Settings) -> None:
    """Another ACO's gaps, exports, reports and short alignment never show in this ACO's list."""
    _standard_minimums(4, 3)
    run = alignment_run(2027)
    _aligned(aco, run, claims=3, voluntary=1)  # meets both minimums
    AlignedBeneficiary.objects.create(run=run, aco=other_aco, mbi="9EG4TE5MK99", alignment_type="claims", step="1")
    _gap(other_aco, "2027-06-12", 1)
    AlignmentExport.objects.create(aco=other_aco, run=run, format="csv", status="ready", file="exports/b.csv")
    PerformanceReport.objects.create(
        summary=performance_summary(other_aco),
        aco=other_aco,
        performance_year=2027,
        format="pdf",
        status="ready",
        file="reports/b.pdf",
    )
    assert items_of(aco, "2027-06-10") == []
    assert {i.kind for i in items_of(other_aco, "2027-06-10")} == {"alignment_minimum", "care_gaps", "export_ready"}


# --- the overview page and the API --------------------------------------------------------------


def test_the_overview_opens_with_the_items(
    client_for: Callable[[User], Client], aco: ACO, admin: User, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2027-10-21"
    html = client_for(admin).get(f"/acos/{aco.aco_id}/").content.decode()
    assert html.index("What needs your attention") < html.index("Performance year")
    assert "PY2028 list deadline" in html and "Due October 31, 2027" in html and "(in 10 days)" in html
    assert f'href="/acos/{aco.aco_id}/participants/?py=2028"' in html
    assert "Nothing needs your attention" not in html


def test_the_empty_state(client_for: Callable[[User], Client], aco: ACO, analyst: User, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2027-03-01"  # 244 days before PY2028's deadline; nothing else open
    html = client_for(analyst).get(f"/acos/{aco.aco_id}/").content.decode()
    assert "Nothing needs your attention" in html and 'id="attention-list"' not in html


def test_the_api_answers_the_same_items(aco: ACO, analyst: User, outsider: User, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2027-10-21"

    def get(user: User) -> Any:
        client = APIClient()
        client.force_authenticate(user)
        return client.get(f"/api/acos/{aco.aco_id}/attention/?py=2027")

    response = get(analyst)
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2027-10-21" and body["performance_year"] == 2027
    assert body["items"] == [
        {
            "kind": "list_deadline",
            "kind_label": "List deadline",
            "title": "PY2028 list deadline",
            "detail": body["items"][0]["detail"],
            "severity": "urgent",
            "severity_label": "Urgent",
            "deadline": "2027-10-31",
            "days_left": 10,
            "since": None,
            "url": f"/acos/{aco.aco_id}/participants/?py=2028",
            "action": "Review the PY2028 Participant TINs",
        }
    ]
    assert get(outsider).status_code == 404


def test_every_area_is_built_so_nothing_is_shown_as_coming(
    client_for: Callable[[User], Client], aco: ACO, admin: User
) -> None:
    html = client_for(admin).get(f"/acos/{aco.aco_id}/").content.decode()
    assert 'id="coming-areas"' not in html and "Coming</span>" not in html
    assert f'href="/acos/{aco.aco_id}/planning/"' in html  # the what-if planner, in the navigation


def test_the_minimums_card_says_its_category_once(client_for: Callable[[User], Client], aco: ACO, admin: User) -> None:
    performance_summary(aco)  # Standard ACO, 1,020 of 5,000 aligned and 1,000 of 3,000 claims-aligned
    html = client_for(admin).get(f"/acos/{aco.aco_id}/?py=2027").content.decode()
    card = html[html.index('id="minimum-card"') :].split("</div>")[0]
    assert card.count("Standard ACO") == 1
    assert "Not met" in card and "1,020 of 5,000 aligned, 1,000 of 3,000 claims-aligned" in card
