"""The Medicaid demo: what it loads, that its milestones agree with the demo's today, and that it is
safe to run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.demo import demo_load
from apps.medicaid.models import (
    DataSharingOptOut,
    FrameworkDocument,
    MedicaidState,
    Milestone,
    PartnershipArrangement,
    StateStatusChange,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_today(settings: Settings) -> None:
    settings.PORTAL_TODAY = "2026-11-25"
    settings.DEBUG = True  # the demo commands refuse to run without it


def test_demo_loads_the_states_milestones_and_document(demo_today: None, cms_admin: User) -> None:
    counts = demo_load()
    assert (counts.states, counts.milestones, counts.documents) == (5, 10, 1)
    states = dict(MedicaidState.objects.values_list("code", "status"))
    assert states == {
        "OH": "selected",
        "MD": "under_consideration",
        "VA": "under_consideration",
        "WV": "interested",
        "PA": "interested",
    }
    assert dict(MedicaidState.objects.values_list("code", "delivery_system")) == {
        "OH": "managed_care",
        "MD": "managed_care",
        "VA": "ffs",
        "WV": "ffs",
        "PA": "managed_care",
    }
    md_history = list(
        StateStatusChange.objects.filter(state__code="OH")
        .order_by("changed_at")
        .values_list("from_status", "to_status")
    )
    assert md_history == [
        ("", "interested"),
        ("interested", "under_consideration"),
        ("under_consideration", "selected"),
    ]
    # On 2026-11-25: ended before -> done, running -> in progress, not started -> planned.
    statuses = {(m.state.code if m.state else "", m.title): m.status for m in Milestone.objects.select_related("state")}
    assert statuses == {
        ("", "State applications"): "done",
        ("", "State selection"): "done",
        ("", "Framework design"): "in_progress",
        ("", "ACO partnership arrangements drafted"): "planned",
        ("", "Readiness review"): "planned",
        ("OH", "Framework kickoff with Ohio Medicaid"): "done",
        ("OH", "Data-sharing agreement with Ohio Medicaid"): "in_progress",
        ("OH", "Managed care organization partnership template"): "planned",
        ("OH", "Nursing facility transition protocol"): "planned",
        ("VA", "Virginia feasibility review"): "in_progress",
    }
    document = FrameworkDocument.objects.get()
    assert (document.state.code, document.version, document.uploaded_by) == ("OH", 1, cms_admin)
    with document.file.open("rb") as f:
        assert f.read().startswith(b"Ohio: framework for ACO")


def test_demo_is_safe_to_run_again(demo_today: None, cms_admin: User) -> None:
    demo_load()
    MedicaidState.objects.filter(code="VA").update(notes="Kept")
    counts = demo_load()
    assert (counts.states, counts.milestones, counts.documents) == (5, 10, 1)
    assert StateStatusChange.objects.count() == 3 + 2 + 2 + 1 + 1  # OH, MD, VA, WV, PA
    assert MedicaidState.objects.get(code="VA").notes == "Kept"


def test_the_command_prints_one_line(demo_today: None, cms_admin: User) -> None:
    out = io.StringIO()
    call_command("medicaid_demo", stdout=out)
    assert out.getvalue() == (
        "Medicaid demo: 5 states, 10 milestones, 1 framework document, 0 partnership arrangements, "
        "0 data-sharing opt-outs.\n"
    )


def test_with_the_demo_accounts_l0001_gets_an_approved_arrangement_and_two_opt_outs(demo_today: None) -> None:
    from apps.acos.demo import demo_load as accounts_load
    from apps.medicaid.duals.services import dual_run_execute
    from tests.factories import DUAL_FULL, DUAL_FULL_LATE, dual_world

    accounts_load()
    l0001 = ACO.objects.get(aco_id="L0001")
    ACO.objects.filter(pk=l0001.pk).update(states=["OH"])  # as the generated claims bundle has it
    l0001.refresh_from_db()
    dual_run_execute(alignment_run=dual_world(l0001, ACO.objects.get(aco_id="L0002")))
    counts = demo_load()
    assert (counts.arrangements, counts.opt_outs) == (1, 2)
    arrangement = PartnershipArrangement.objects.get()
    assert (arrangement.aco, arrangement.state.code, arrangement.status) == (l0001, "OH", "approved")
    assert arrangement.review.versions.count() == 1  # submitted once through the review workflow
    assert arrangement.review.decided_by.username == "cms.reviewer"  # type: ignore[union-attr]
    # The two full-benefit duals of L0001 (02 and 08), recorded by its administrator.
    opted = DataSharingOptOut.objects.filter(aco=l0001, revoked_at__isnull=True)
    assert set(opted.values_list("mbi", flat=True)) == {DUAL_FULL, DUAL_FULL_LATE}
    assert set(opted.values_list("recorded_by__username", flat=True)) == {"cvhp.admin"}
    demo_load()  # again: nothing added
    assert (PartnershipArrangement.objects.count(), DataSharingOptOut.objects.count()) == (1, 2)


def test_the_command_needs_a_cms_admin(demo_today: None) -> None:
    with pytest.raises(CommandError, match="No CMS admin yet"):
        call_command("medicaid_demo", stdout=io.StringIO())
    assert not MedicaidState.objects.exists()
