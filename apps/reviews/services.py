"""Every state change of a review case, one transaction each, with the acting user.

The state machine (docs/reviews.md):

    draft → submitted → in review → changes requested ↺ (resubmitted) → approved | denied
    withdrawn from draft or submitted

Only the ACO side edits drafts, submits and withdraws; only CMS reviewers move a case past
submitted. A reviewer may decide straight from ``submitted``: the implied "in review" step is then
recorded too, so the audit trail always shows every state the case passed through.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from lead_portal import jobs
from lead_portal.text import in_sentence

from . import registry, task_names
from .models import ReviewCase, ReviewComment, ReviewState, ReviewTransition, ReviewVersion

S = ReviewState


def _require_aco_side(case: ReviewCase, user: User) -> None:
    if not registry.get(case.kind).can_act_for_aco(user, case):
        raise PermissionDenied("Only the ACO's administrators can change this.")


def _require_reviewer(user: User) -> None:
    if not user.can_review:
        raise PermissionDenied("Only CMS reviewers can decide this.")


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the other side sees it with the decision."})
    return reason


def _move(case: ReviewCase, to_state: str, user: User, reason: str = "") -> ReviewTransition:
    """Record one transition and queue the notification once the transaction commits."""
    transition = ReviewTransition.objects.create(
        case=case, from_state=case.state, to_state=to_state, actor=user, reason=reason
    )
    case.state = to_state
    transaction.on_commit(lambda: jobs.send_notification(task_names.REVIEW_TRANSITION_NOTIFY, transition.pk))
    return transition


def _locked(case: ReviewCase) -> ReviewCase:
    """Re-read the case under a row lock so two people cannot move it at once."""
    return ReviewCase.objects.select_for_update().get(pk=case.pk)


def _check_from(case: ReviewCase, *allowed: str) -> None:
    if case.state not in allowed:
        raise ValidationError(
            f"This {in_sentence(registry.get(case.kind).label)} is {case.get_state_display().lower()}; "
            "that action is not possible now."
        )


@transaction.atomic
def case_create(
    *, kind: str, title: str, content: dict[str, Any], acting_user: User, submit: bool = False
) -> ReviewCase:
    registry.get(kind)
    case = ReviewCase(kind=kind, title=title[:200], content=content, created_by=acting_user)
    case.full_clean()
    case.save()
    if submit:
        case = case_submit(case=case, acting_user=acting_user)
    return case


@transaction.atomic
def case_update_draft(*, case: ReviewCase, content: dict[str, Any], acting_user: User) -> ReviewCase:
    case = _locked(case)
    _require_aco_side(case, acting_user)
    _check_from(case, S.DRAFT, S.CHANGES_REQUESTED)
    case.content = content
    case.save(update_fields=["content", "updated_at"])
    return case


@transaction.atomic
def case_submit(*, case: ReviewCase, acting_user: User) -> ReviewCase:
    case = _locked(case)
    _require_aco_side(case, acting_user)
    _check_from(case, S.DRAFT, S.CHANGES_REQUESTED)
    number = case.versions.count() + 1
    ReviewVersion.objects.create(case=case, number=number, content=case.content, submitted_by=acting_user)
    _move(case, S.SUBMITTED, acting_user, "Resubmitted" if number > 1 else "")
    case.submitted_at = timezone.now()
    case.save(update_fields=["state", "submitted_at", "updated_at"])
    return case


@transaction.atomic
def case_withdraw(*, case: ReviewCase, acting_user: User, reason: str = "") -> ReviewCase:
    case = _locked(case)
    _require_aco_side(case, acting_user)
    _check_from(case, S.DRAFT, S.SUBMITTED)
    _move(case, S.WITHDRAWN, acting_user, reason.strip())
    case.save(update_fields=["state", "updated_at"])
    return case


@transaction.atomic
def case_start_review(*, case: ReviewCase, acting_user: User) -> ReviewCase:
    case = _locked(case)
    _require_reviewer(acting_user)
    _check_from(case, S.SUBMITTED)
    _move(case, S.IN_REVIEW, acting_user)
    case.save(update_fields=["state", "updated_at"])
    return case


@transaction.atomic
def case_request_changes(*, case: ReviewCase, acting_user: User, reason: str) -> ReviewCase:
    case = _locked(case)
    _require_reviewer(acting_user)
    reason = _require_reason(reason)
    _check_from(case, S.SUBMITTED, S.IN_REVIEW)
    if case.state == S.SUBMITTED:
        _move(case, S.IN_REVIEW, acting_user)
    _move(case, S.CHANGES_REQUESTED, acting_user, reason)
    case.save(update_fields=["state", "updated_at"])
    return case


@transaction.atomic
def case_decide(*, case: ReviewCase, acting_user: User, approve: bool, reason: str) -> ReviewCase:
    """Approve or deny. Approval runs the kind's effect in the same transaction: if the effect
    is refused (for example a list change that would now duplicate a TIN), nothing changes."""
    case = _locked(case)
    _require_reviewer(acting_user)
    reason = _require_reason(reason)
    _check_from(case, S.SUBMITTED, S.IN_REVIEW)
    if case.state == S.SUBMITTED:
        _move(case, S.IN_REVIEW, acting_user)
    _move(case, S.APPROVED if approve else S.DENIED, acting_user, reason)
    case.decided_at = timezone.now()
    case.decided_by = acting_user
    case.decision_reason = reason
    case.save(update_fields=["state", "decided_at", "decided_by", "decision_reason", "updated_at"])
    kind = registry.get(case.kind)
    if approve and kind.on_approved is not None:
        kind.on_approved(case, acting_user)
    return case


# CMS's moves on a case, by the action name pages and the API send ("start" is the pages' older name).
REVIEW_ACTIONS = ("start_review", "request_changes", "approve", "deny")


def case_review_act(*, case: ReviewCase, acting_user: User, action: str, reason: str = "") -> ReviewCase:
    """Start the review, request changes, approve or deny (a reason for the last three), by name."""
    if action in ("start", "start_review"):
        return case_start_review(case=case, acting_user=acting_user)
    if action == "request_changes":
        return case_request_changes(case=case, acting_user=acting_user, reason=reason)
    if action in ("approve", "deny"):
        return case_decide(case=case, acting_user=acting_user, approve=action == "approve", reason=reason)
    raise ValidationError("Choose an action.")


def review_action_done(action: str, noun: str) -> str:
    """What a page tells the reviewer after ``action`` on a case of ``noun`` ("Plan", "Arrangement")."""
    if action in ("start", "start_review"):
        return "Review started."
    if action == "request_changes":
        return "Changes requested; the ACO has been notified."
    return f"{noun} {'approved' if action == 'approve' else 'denied'}; the ACO has been notified."


@transaction.atomic
def comment_add(*, case: ReviewCase, acting_user: User, body: str, section: str = "") -> ReviewComment:
    if not (acting_user.can_review or registry.get(case.kind).can_act_for_aco(acting_user, case)):
        raise PermissionDenied("Only the ACO's administrators and CMS reviewers can comment.")
    body = body.strip()
    if not body:
        raise ValidationError({"body": "A comment cannot be empty."})
    comment = ReviewComment(
        case=case,
        version=case.versions.order_by("-number").first(),
        section=section,
        author=acting_user,
        body=body,
    )
    comment.full_clean()
    comment.save()
    return comment


def transition_notify(*, transition_id: int) -> int:
    """E-mail the other side about a transition. Returns the number of messages sent.

    A CMS action notifies the ACO's people; an ACO action notifies every CMS reviewer.
    """
    from django.conf import settings
    from django.core.mail import send_mail

    transition = ReviewTransition.objects.select_related("case", "actor").get(pk=transition_id)
    case = transition.case
    kind = registry.get(case.kind)
    if transition.actor.can_review:
        recipients = kind.aco_recipients(case)
    else:
        recipients = list(
            User.objects.filter(is_active=True).exclude(cms_role="").exclude(email="").values_list("email", flat=True)
        )
    if not recipients:
        return 0
    link = kind.url(case) if kind.url else ""
    body = (
        f"{kind.label} \u201c{case.title}\u201d moved from "
        f"{ReviewState(transition.from_state).label} to {ReviewState(transition.to_state).label} "
        f"by {transition.actor.display_name} on {timezone.localtime(transition.at):%Y-%m-%d %H:%M}.\n"
    )
    if transition.reason:
        body += f"\nReason: {transition.reason}\n"
    if link:
        body += f"\nOpen it in the LEAD Portal: {link}\n"
    subject = f"[LEAD Portal] {kind.label}: {ReviewState(transition.to_state).label}"
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
