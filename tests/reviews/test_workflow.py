"""The review workflow (docs/reviews.md): draft → submitted → in review → changes requested ↺
→ approved | denied, withdrawn from draft or submitted. Every transition is recorded with who and
why, and tells the other side by e-mail once the transaction commits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from apps.accounts.models import User
from apps.acos import services as aco_services
from apps.acos.models import ACO, Membership, ParticipantTIN
from apps.reviews import registry
from apps.reviews import services as s
from apps.reviews.models import ReviewCase, ReviewState, ReviewTransition, ReviewVersion
from apps.reviews.selectors import version_diff
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = "test_plan"
S = ReviewState


def _aco_of(case: ReviewCase) -> ACO:
    return ACO.objects.get(aco_id=case.content["aco_id"])


@pytest.fixture
def plan_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[registry.ReviewKind]:
    """A review kind of our own, so these tests exercise the workflow, not one app's effects:
    the ACO's admins act for it, every member hears from CMS."""
    kind = registry.ReviewKind(
        key=KIND,
        label="Test plan",
        can_act_for_aco=lambda user, case: Membership.objects.filter(
            user=user, aco=_aco_of(case), role=Membership.Role.ADMIN
        ).exists(),
        aco_recipients=lambda case: sorted(
            Membership.objects.filter(aco=_aco_of(case)).values_list("user__email", flat=True)
        ),
        url=lambda case: f"/plans/{case.pk}/",
    )
    monkeypatch.setitem(registry._KINDS, KIND, kind)
    yield kind


@pytest.fixture
def draft(plan_kind: registry.ReviewKind, aco: ACO, admin: User, analyst: User) -> ReviewCase:
    content = {"aco_id": aco.aco_id, "budget": 1000, "benefit": "meals"}
    return s.case_create(kind=KIND, title="PY2027 BEI plan", content=content, acting_user=admin)


def _trail(case: ReviewCase) -> list[tuple[str, str, str, str]]:
    return [
        (t.from_state, t.to_state, t.actor.username, t.reason)
        for t in ReviewTransition.objects.filter(case=case).order_by("at", "id").select_related("actor")
    ]


def _state(case: ReviewCase) -> str:
    return ReviewCase.objects.get(pk=case.pk).state


def test_the_whole_round_trip_is_recorded(draft: ReviewCase, admin: User, cms_reviewer: User) -> None:
    case = s.case_submit(case=draft, acting_user=admin)
    assert case.state == S.SUBMITTED and case.submitted_at is not None
    case = s.case_start_review(case=case, acting_user=cms_reviewer)
    case = s.case_request_changes(case=case, acting_user=cms_reviewer, reason="Budget needs a breakdown")
    assert case.state == S.CHANGES_REQUESTED
    new_content = {**draft.content, "budget": 1200, "breakdown": {"meals": 1200}}
    s.case_update_draft(case=case, content=new_content, acting_user=admin)
    case = s.case_submit(case=case, acting_user=admin)
    case = s.case_decide(case=case, acting_user=cms_reviewer, approve=True, reason="Complete now")

    assert case.state == S.APPROVED and case.is_final
    assert (case.decided_by, case.decision_reason) == (cms_reviewer, "Complete now")
    assert _trail(case) == [
        ("draft", "submitted", "aco.admin", ""),
        ("submitted", "in_review", "cms.reviewer", ""),
        ("in_review", "changes_requested", "cms.reviewer", "Budget needs a breakdown"),
        ("changes_requested", "submitted", "aco.admin", "Resubmitted"),
        # Decided straight from "submitted": the implied "in review" step is recorded too.
        ("submitted", "in_review", "cms.reviewer", ""),
        ("in_review", "approved", "cms.reviewer", "Complete now"),
    ]


def test_resubmission_is_a_new_version_and_the_first_stays_as_submitted(
    draft: ReviewCase, admin: User, cms_reviewer: User
) -> None:
    first = dict(draft.content)
    s.case_submit(case=draft, acting_user=admin)
    s.case_request_changes(case=draft, acting_user=cms_reviewer, reason="More detail")
    s.case_update_draft(case=draft, content={"aco_id": first["aco_id"], "budget": 1500, "note": "x"}, acting_user=admin)
    s.case_submit(case=draft, acting_user=admin)

    versions = list(ReviewVersion.objects.filter(case=draft).order_by("number"))
    assert [(v.number, v.submitted_by) for v in versions] == [(1, admin), (2, admin)]
    assert versions[0].content == first  # v1 is what was submitted first, untouched
    # budget changed, benefit dropped, note added; aco_id unchanged so it is not listed.
    assert version_diff(case=draft) == [
        {"field": "benefit", "old": "meals", "new": None},
        {"field": "budget", "old": 1000, "new": 1500},
        {"field": "note", "old": None, "new": "x"},
    ]


def test_a_single_version_has_no_diff(draft: ReviewCase, admin: User) -> None:
    s.case_submit(case=draft, acting_user=admin)
    assert version_diff(case=draft) == []


def test_denial_is_final(draft: ReviewCase, admin: User, cms_reviewer: User) -> None:
    s.case_submit(case=draft, acting_user=admin)
    case = s.case_decide(case=draft, acting_user=cms_reviewer, approve=False, reason="Not eligible")
    assert (case.state, case.decision_reason) == (S.DENIED, "Not eligible")
    for action in (
        lambda: s.case_decide(case=draft, acting_user=cms_reviewer, approve=True, reason="Changed my mind"),
        lambda: s.case_submit(case=draft, acting_user=admin),
        lambda: s.case_withdraw(case=draft, acting_user=admin),
    ):
        with pytest.raises(ValidationError):
            action()
    assert _state(draft) == S.DENIED


@pytest.mark.parametrize("submitted", [False, True], ids=["from_draft", "from_submitted"])
def test_the_aco_may_withdraw_before_review_starts(draft: ReviewCase, admin: User, submitted: bool) -> None:
    if submitted:
        s.case_submit(case=draft, acting_user=admin)
    case = s.case_withdraw(case=draft, acting_user=admin, reason=" No longer needed ")
    assert case.state == S.WITHDRAWN
    assert _trail(case)[-1] == ("submitted" if submitted else "draft", "withdrawn", "aco.admin", "No longer needed")


@pytest.mark.parametrize("reached", ["in_review", "changes_requested"])
def test_withdrawal_is_refused_once_review_started(
    draft: ReviewCase, admin: User, cms_reviewer: User, reached: str
) -> None:
    s.case_submit(case=draft, acting_user=admin)
    s.case_start_review(case=draft, acting_user=cms_reviewer)
    if reached == "changes_requested":
        s.case_request_changes(case=draft, acting_user=cms_reviewer, reason="Fix it")
    with pytest.raises(ValidationError, match="that action is not possible now"):
        s.case_withdraw(case=draft, acting_user=admin)
    assert _state(draft) == reached


def test_only_reviewers_move_a_case_past_submitted(draft: ReviewCase, admin: User, analyst: User) -> None:
    s.case_submit(case=draft, acting_user=admin)
    for user in (admin, analyst):
        with pytest.raises(PermissionDenied):
            s.case_start_review(case=draft, acting_user=user)
        with pytest.raises(PermissionDenied):
            s.case_request_changes(case=draft, acting_user=user, reason="x")
        with pytest.raises(PermissionDenied):
            s.case_decide(case=draft, acting_user=user, approve=True, reason="x")
    assert _state(draft) == S.SUBMITTED
    assert len(_trail(draft)) == 1


def test_only_the_acos_admins_edit_submit_and_withdraw(
    draft: ReviewCase, analyst: User, outsider: User, cms_reviewer: User
) -> None:
    for user in (analyst, outsider, cms_reviewer):
        with pytest.raises(PermissionDenied):
            s.case_update_draft(case=draft, content={"aco_id": draft.content["aco_id"]}, acting_user=user)
        with pytest.raises(PermissionDenied):
            s.case_submit(case=draft, acting_user=user)
        with pytest.raises(PermissionDenied):
            s.case_withdraw(case=draft, acting_user=user)
    fresh = ReviewCase.objects.get(pk=draft.pk)
    assert (fresh.state, fresh.content["budget"]) == (S.DRAFT, 1000)
    assert not ReviewVersion.objects.filter(case=draft).exists()


def test_a_submitted_case_cannot_be_edited(draft: ReviewCase, admin: User) -> None:
    s.case_submit(case=draft, acting_user=admin)
    with pytest.raises(ValidationError):
        s.case_update_draft(case=draft, content={"aco_id": draft.content["aco_id"], "budget": 1}, acting_user=admin)
    assert ReviewCase.objects.get(pk=draft.pk).content["budget"] == 1000


def test_reviewers_cannot_skip_submission(draft: ReviewCase, cms_reviewer: User) -> None:
    with pytest.raises(ValidationError):
        s.case_start_review(case=draft, acting_user=cms_reviewer)
    with pytest.raises(ValidationError):
        s.case_decide(case=draft, acting_user=cms_reviewer, approve=True, reason="ok")
    assert _state(draft) == S.DRAFT


@pytest.mark.parametrize("reason", ["", "   "])
def test_decisions_need_a_reason(draft: ReviewCase, admin: User, cms_reviewer: User, reason: str) -> None:
    s.case_submit(case=draft, acting_user=admin)
    with pytest.raises(ValidationError) as exc:
        s.case_decide(case=draft, acting_user=cms_reviewer, approve=False, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    with pytest.raises(ValidationError) as exc:
        s.case_request_changes(case=draft, acting_user=cms_reviewer, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    assert _state(draft) == S.SUBMITTED
    assert len(_trail(draft)) == 1


def test_a_refused_approval_effect_changes_nothing(
    plan_kind: registry.ReviewKind, monkeypatch: pytest.MonkeyPatch, draft: ReviewCase, admin: User, cms_reviewer: User
) -> None:
    def refuse(case: ReviewCase, user: User) -> None:
        raise ValidationError("The plan's budget exceeds the cap.")

    monkeypatch.setitem(registry._KINDS, KIND, registry.ReviewKind(**{**plan_kind.__dict__, "on_approved": refuse}))
    s.case_submit(case=draft, acting_user=admin)
    with pytest.raises(ValidationError, match="exceeds the cap"):
        s.case_decide(case=draft, acting_user=cms_reviewer, approve=True, reason="ok")
    fresh = ReviewCase.objects.get(pk=draft.pk)
    assert (fresh.state, fresh.decided_by, fresh.decided_at) == (S.SUBMITTED, None, None)
    assert len(_trail(draft)) == 1


def test_comments_come_from_the_two_sides_only(
    draft: ReviewCase, admin: User, cms_reviewer: User, analyst: User, outsider: User
) -> None:
    s.case_submit(case=draft, acting_user=admin)
    comment = s.comment_add(case=draft, acting_user=cms_reviewer, body=" Please add receipts ", section="budget")
    assert (comment.body, comment.section, comment.version and comment.version.number) == (
        "Please add receipts",
        "budget",
        1,
    )
    s.comment_add(case=draft, acting_user=admin, body="Will do")
    for user in (analyst, outsider):
        with pytest.raises(PermissionDenied):
            s.comment_add(case=draft, acting_user=user, body="Me too")
    with pytest.raises(ValidationError):
        s.comment_add(case=draft, acting_user=admin, body="   ")
    assert list(draft.comments.values_list("author__username", flat=True)) == ["cms.reviewer", "aco.admin"]


def test_unknown_kinds_are_refused(admin: User) -> None:
    with pytest.raises(LookupError):
        s.case_create(kind="no_such_kind", title="x", content={}, acting_user=admin)
    assert not ReviewCase.objects.exists()


# --- notifications -----------------------------------------------------------------------------


@pytest.fixture
def cms_people(cms_reviewer: User, cms_admin: User) -> list[str]:
    # An inactive reviewer and one without an address get nothing.
    UserFactory.create(username="cms.retired", cms_role=User.CMSRole.REVIEWER, is_active=False)
    UserFactory.create(username="cms.noemail", cms_role=User.CMSRole.REVIEWER, email="")
    return sorted([cms_reviewer.email, cms_admin.email])


def test_an_aco_action_tells_every_cms_reviewer(
    draft: ReviewCase,
    admin: User,
    analyst: User,
    cms_people: list[str],
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        s.case_submit(case=draft, acting_user=admin)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert sorted(message.to) == cms_people
    assert admin.email not in message.to and analyst.email not in message.to
    assert message.subject == "[LEAD Portal] Test plan: Submitted"
    assert "\u201cPY2027 BEI plan\u201d moved from Draft to Submitted" in message.body
    assert f"/plans/{draft.pk}/" in message.body


def test_a_cms_action_tells_the_acos_people_with_the_reason(
    draft: ReviewCase,
    admin: User,
    analyst: User,
    outsider: User,
    cms_reviewer: User,
    cms_people: list[str],
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    s.case_submit(case=draft, acting_user=admin)  # not captured: no mail from this step
    with django_capture_on_commit_callbacks(execute=True):
        s.case_request_changes(case=draft, acting_user=cms_reviewer, reason="Add a budget breakdown")
    # Straight from submitted: "in review" and "changes requested", one message each.
    assert [m.subject for m in mailoutbox] == [
        "[LEAD Portal] Test plan: In review",
        "[LEAD Portal] Test plan: Changes requested",
    ]
    for message in mailoutbox:
        assert sorted(message.to) == sorted([admin.email, analyst.email])
        assert outsider.email not in message.to
    assert "Reason: Add a budget breakdown" in mailoutbox[1].body


def test_no_mail_leaves_before_the_transaction_commits(
    draft: ReviewCase,
    admin: User,
    cms_people: list[str],
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        s.case_submit(case=draft, acting_user=admin)
    assert (len(callbacks), len(mailoutbox)) == (1, 0)


def test_list_change_requests_notify_both_ways(
    aco: ACO,
    admin: User,
    analyst: User,
    cms_reviewer: User,
    locked_lists: str,
    mailoutbox: list[mail.EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    data: dict[str, Any] = {"tin": "111000001", "legal_name": "New Clinic", "practice_zip": "21201"}
    with django_capture_on_commit_callbacks(execute=True):
        outcome = aco_services.list_row_save(
            aco=aco, performance_year=2027, list_type="participants", data=data, acting_user=admin
        )
    request = outcome.change_request
    assert request is not None
    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("[LEAD Portal] List change request: Submitted", [cms_reviewer.email])
    ]
    assert f"/acos/{aco.aco_id}/change-requests/{request.pk}/" in mailoutbox[0].body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        aco_services.change_request_decide(
            change_request=request, acting_user=cms_reviewer, approve=True, reason="TIN enrolled"
        )
    assert mailoutbox[-1].subject == "[LEAD Portal] List change request: Approved"
    assert sorted(mailoutbox[-1].to) == sorted([admin.email, analyst.email])
    assert "Reason: TIN enrolled" in mailoutbox[-1].body
    assert ParticipantTIN.objects.filter(aco=aco, tin="111000001").exists()
