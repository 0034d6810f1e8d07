"""Every read of ACO data, already scoped to what the user may see.

An ACO the user has no membership in answers 404 exactly as a missing one does; CMS staff see
every ACO. Nothing else in the project looks up tenant rows by primary key."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User
from apps.reviews.models import OPEN_STATES
from lead_portal.formatting import long_date

from .models import (
    ACO,
    DemoClock,
    Election,
    ListChangeRequest,
    Membership,
    ModelParameters,
    ParticipantTIN,
    PreferredProvider,
)


def demo_clock() -> DemoClock | None:
    """The demo's moment (``manage.py demo`` sets it), unless ``PORTAL_TODAY`` pins the date instead."""
    if settings.PORTAL_TODAY:
        return None
    return DemoClock.objects.filter(pk=DemoClock.SINGLETON).first()


def portal_today() -> datetime.date:
    """The one clock of every date rule: ``PORTAL_TODAY`` when set (tests pin it), else the demo's
    date when the demo set one, else today's date in the portal's time zone."""
    if settings.PORTAL_TODAY:
        return datetime.date.fromisoformat(settings.PORTAL_TODAY)
    clock = demo_clock()
    return clock.today if clock is not None else timezone.localdate()


def aco_list_for_user(*, user: User) -> QuerySet[ACO]:
    if not user.is_authenticated:
        return ACO.objects.none()
    if user.is_cms:
        return ACO.objects.all()
    return ACO.objects.filter(memberships__user=user).distinct()


def aco_get_for_user(*, user: User, aco_id: str) -> ACO:
    aco = aco_list_for_user(user=user).filter(aco_id=aco_id).first()
    if aco is None:
        raise Http404("No such ACO.")
    return aco


def membership_get(*, user: User, aco: ACO) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, aco=aco).first()


def user_can_edit_aco(*, user: User, aco: ACO) -> bool:
    """ACO administrators edit their ACO; analysts and CMS staff read it (CMS decides requests)."""
    membership = membership_get(user=user, aco=aco)
    return membership is not None and membership.can_edit


def performance_years() -> list[int]:
    return list(ModelParameters.objects.values_list("performance_year", flat=True))


def default_performance_year() -> int | None:
    """The demo's performance year when the demo set one; else the PY under way, else the next one
    to start, else the latest configured."""
    years = performance_years()
    if not years:
        return None
    clock = demo_clock()
    if clock is not None and clock.performance_year in years:
        return clock.performance_year
    this_year = portal_today().year
    upcoming = [y for y in years if y >= this_year]
    return min(upcoming) if upcoming else max(years)


def parameters_get(*, performance_year: int) -> ModelParameters:
    params = ModelParameters.objects.filter(performance_year=performance_year).first()
    if params is None:
        raise Http404(f"Performance year {performance_year} is not configured.")
    return params


def list_is_locked(*, performance_year: int) -> bool:
    """After the PY's list deadline, list changes go to CMS as change requests."""
    return portal_today() > parameters_get(performance_year=performance_year).list_deadline


def elections_closed_message(*, performance_year: int) -> str:
    """Why a PY's elections can no longer be changed here: they close with its list deadline."""
    deadline = parameters_get(performance_year=performance_year).list_deadline
    return (
        f"Elections for PY{performance_year} closed on {long_date(deadline)}, the PY{performance_year} "
        "list deadline; contact CMS to change them."
    )


def election_get(*, aco: ACO, performance_year: int) -> Election | None:
    return Election.objects.filter(aco=aco, performance_year=performance_year).first()


def election_list(*, aco: ACO) -> QuerySet[Election]:
    return Election.objects.filter(aco=aco).order_by("performance_year")


def participant_list(*, aco: ACO, performance_year: int, search: str = "") -> QuerySet[ParticipantTIN]:
    qs = ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year)
    if search:
        qs = qs.filter(Q(tin__startswith=search) | Q(legal_name__icontains=search))
    return qs.order_by("tin")


def participant_get(*, aco: ACO, participant_id: int) -> ParticipantTIN:
    obj = ParticipantTIN.objects.filter(aco=aco, pk=participant_id).first()
    if obj is None:
        raise Http404("No such Participant TIN.")
    return obj


def preferred_list(*, aco: ACO, performance_year: int, search: str = "") -> QuerySet[PreferredProvider]:
    qs = PreferredProvider.objects.filter(aco=aco, performance_year=performance_year)
    if search:
        qs = qs.filter(Q(tin__startswith=search) | Q(npi__startswith=search) | Q(name__icontains=search))
    return qs.order_by("tin", "npi")


def preferred_get(*, aco: ACO, provider_id: int) -> PreferredProvider:
    obj = PreferredProvider.objects.filter(aco=aco, pk=provider_id).first()
    if obj is None:
        raise Http404("No such Preferred Provider.")
    return obj


def change_request_list(*, aco: ACO) -> QuerySet[ListChangeRequest]:
    return (
        ListChangeRequest.objects.filter(aco=aco)
        .select_related("review", "review__created_by", "review__decided_by")
        .order_by("-review__created_at")
    )


def change_request_get(*, user: User, request_id: int) -> ListChangeRequest:
    """A change request the user may see: CMS staff any, ACO people their ACO's."""
    qs = ListChangeRequest.objects.select_related("aco", "review", "review__created_by", "review__decided_by")
    if not user.is_cms:
        qs = qs.filter(aco__in=aco_list_for_user(user=user))
    obj = qs.filter(pk=request_id).first()
    if obj is None:
        raise Http404("No such change request.")
    return obj


def review_queue(*, user: User, state: str = "", aco_id: str = "") -> QuerySet[ListChangeRequest]:
    """Pending list change requests across every ACO, oldest first (CMS reviewers only)."""
    if not user.can_review:
        raise Http404("Not found.")
    qs = ListChangeRequest.objects.select_related("aco", "review", "review__created_by")
    qs = qs.filter(review__state=state) if state else qs.filter(review__state__in=OPEN_STATES)
    if aco_id:
        qs = qs.filter(aco__aco_id=aco_id)
    return qs.order_by("review__submitted_at")


def aco_summary(*, aco: ACO, performance_year: int | None) -> dict[str, int]:
    if performance_year is None:
        return {"participants": 0, "preferred_providers": 0, "pending_requests": 0}
    return {
        "participants": ParticipantTIN.objects.filter(aco=aco, performance_year=performance_year).count(),
        "preferred_providers": PreferredProvider.objects.filter(aco=aco, performance_year=performance_year).count(),
        "pending_requests": ListChangeRequest.objects.filter(aco=aco, review__state__in=OPEN_STATES).count(),
    }


def aco_overview_for_cms(*, user: User, performance_year: int) -> QuerySet[ACO]:
    """All ACOs with their list sizes for a PY, for CMS staff."""
    if not user.is_cms:
        raise Http404("Not found.")
    return ACO.objects.annotate(
        n_participants=Count("participants", filter=Q(participants__performance_year=performance_year), distinct=True),
        n_preferred=Count(
            "preferred_providers", filter=Q(preferred_providers__performance_year=performance_year), distinct=True
        ),
        n_pending=Count("change_requests", filter=Q(change_requests__review__state__in=OPEN_STATES), distinct=True),
    ).order_by("aco_id")
