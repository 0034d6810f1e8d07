"""The Medicaid demo: what it loads, that its milestones agree with the demo's today, and that it is
safe to run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.medicaid.demo import demo_load
from apps.medicaid.models import FrameworkDocument, MedicaidState, Milestone, StateStatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_today(settings: Settings) -> None:
    settings.PORTAL_TODAY = "2026-11-25"


def test_demo_loads_the_states_milestones_and_document(demo_today: None, cms_admin: User) -> None:
    counts = demo_load()
    assert (counts.states, counts.milestones, counts.documents) == (4, 10, 1)
    states = dict(MedicaidState.objects.values_list("code", "status"))
    assert states == {"MD": "selected", "VA": "under_consideration", "WV": "interested", "PA": "interested"}
    assert dict(MedicaidState.objects.values_list("code", "delivery_system")) == {
        "MD": "managed_care",
        "VA": "ffs",
        "WV": "ffs",
        "PA": "managed_care",
    }
    md_history = list(
        StateStatusChange.objects.filter(state__code="MD")
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
        ("MD", "Framework kickoff with Maryland Medicaid"): "done",
        ("MD", "Data-sharing agreement with Maryland Medicaid"): "in_progress",
        ("MD", "Managed care organization partnership template"): "planned",
        ("MD", "Nursing facility transition protocol"): "planned",
        ("VA", "Virginia feasibility review"): "in_progress",
    }
    document = FrameworkDocument.objects.get()
    assert (document.state.code, document.version, document.uploaded_by) == ("MD", 1, cms_admin)
    with document.file.open("rb") as f:
        assert f.read().startswith(b"Maryland: framework for ACO")


def test_demo_is_safe_to_run_again(demo_today: None, cms_admin: User) -> None:
    demo_load()
    MedicaidState.objects.filter(code="VA").update(notes="Kept")
    counts = demo_load()
    assert (counts.states, counts.milestones, counts.documents) == (4, 10, 1)
    assert StateStatusChange.objects.count() == 3 + 2 + 1 + 1
    assert MedicaidState.objects.get(code="VA").notes == "Kept"


def test_the_command_prints_one_line(demo_today: None, cms_admin: User) -> None:
    out = io.StringIO()
    call_command("medicaid_demo", stdout=out)
    assert out.getvalue() == "Medicaid demo: 4 states, 10 milestones, 1 framework document.\n"


def test_the_command_needs_a_cms_admin(demo_today: None) -> None:
    with pytest.raises(CommandError, match="No CMS admin yet"):
        call_command("medicaid_demo", stdout=io.StringIO())
    assert not MedicaidState.objects.exists()
