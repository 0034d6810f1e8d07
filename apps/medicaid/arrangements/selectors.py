"""Reads of partnership arrangements, already scoped: the caller passes an ACO it resolved through
``apps.acos.selectors.aco_get_for_user`` (outsiders got 404 there); an arrangement of another ACO
answers 404 exactly as a missing one does. The CMS queue is for CMS staff only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.attention import AttentionItem, changes_requested_items
from apps.acos.models import ACO
from apps.reviews.models import OPEN_STATES, ReviewState

from ..models import MedicaidState as State
from ..models import PartnershipArrangement, StateStatus


@dataclass(frozen=True)
class ACOStateRow:
    """One state the ACO serves: its row in the planning phase, or None when CMS has no row for it."""

    code: str
    state: State | None

    @property
    def in_planning(self) -> bool:
        return self.state is not None

    @property
    def is_selected(self) -> bool:
        return self.state is not None and self.state.status == StateStatus.SELECTED


def _arrangements() -> QuerySet[PartnershipArrangement]:
    return PartnershipArrangement.objects.select_related(
        "aco", "state", "review", "review__created_by", "review__decided_by"
    )


def aco_states(*, aco: ACO) -> list[ACOStateRow]:
    """The ACO's states in its own order, each with CMS's planning row if there is one."""
    codes = list(dict.fromkeys(aco.states or []))
    found = {s.code: s for s in State.objects.filter(code__in=codes)}
    return [ACOStateRow(code=code, state=found.get(code)) for code in codes]


def selectable_states(*, aco: ACO) -> QuerySet[State]:
    """Where the ACO may draft an arrangement: states it serves that CMS selected."""
    return State.objects.filter(code__in=list(aco.states or []), status=StateStatus.SELECTED).order_by("name")


def arrangements_for_aco(*, aco: ACO) -> QuerySet[PartnershipArrangement]:
    return _arrangements().filter(aco=aco).order_by("state__name", "-review__created_at", "-pk")


def arrangement_get(*, aco: ACO, arrangement_id: int) -> PartnershipArrangement:
    obj = _arrangements().filter(aco=aco, pk=arrangement_id).first()
    if obj is None:
        raise Http404("No such partnership arrangement.")
    return obj


def arrangement_status_counts(*, aco: ACO) -> dict[str, int]:
    """How many of the ACO's arrangements are in each review state."""
    rows = PartnershipArrangement.objects.filter(aco=aco).values("review__state").annotate(n=Count("pk"))
    return {r["review__state"]: r["n"] for r in rows}


def arrangement_queue(
    *, user: User, state_code: str = "", status: str = "", aco_id: str = ""
) -> QuerySet[PartnershipArrangement]:
    """Arrangements across every ACO for CMS staff, oldest submission first (drafts last).
    ``status`` is a review state, ``"all"`` for every one, or empty for those waiting for CMS."""
    if not user.is_authenticated or not user.is_cms:
        raise Http404("Not found.")
    qs = _arrangements()
    if status == "all":
        pass
    elif status in ReviewState.values:
        qs = qs.filter(review__state=status)
    else:
        qs = qs.filter(review__state__in=OPEN_STATES)
    if state_code:
        qs = qs.filter(state__code=state_code.upper())
    if aco_id:
        qs = qs.filter(aco__aco_id=aco_id)
    return qs.order_by(F("review__submitted_at").asc(nulls_last=True), "pk")


def queue_filters() -> dict[str, Any]:
    """The choices of the CMS queue's filters: states with arrangements and ACOs with arrangements."""
    states = State.objects.filter(arrangements__isnull=False).distinct().order_by("name")
    acos = (
        ACO.objects.filter(medicaid_arrangements__isnull=False)
        .distinct()
        .order_by("aco_id")
        .values_list("aco_id", flat=True)
    )
    return {"states": list(states), "acos": list(acos)}


# --------------------------------------------------------------------------------------------------
# What needs the ACO's attention (registered in ``apps.py``; see apps/acos/attention.py)
# --------------------------------------------------------------------------------------------------
def arrangement_changes_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """Partnership arrangements CMS sent back for changes."""
    arrangements = _arrangements().filter(aco=aco, review__state=ReviewState.CHANGES_REQUESTED)
    return changes_requested_items(
        [
            (
                a.review,
                a.review.title,
                reverse("medicaid:arrangement_detail", kwargs={"aco_id": aco.aco_id, "arrangement_id": a.pk}),
            )
            for a in arrangements
        ],
        action="Revise the arrangement",
        read_action="See the arrangement",
    )
