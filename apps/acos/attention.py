"""What needs an ACO's attention: the open items the overview opens with (and ``GET
/api/acos/{aco_id}/attention/`` returns), each with what it is, why, its deadline (or since when it
has been open), how urgent it is and where it is acted on.

Every app contributes the items of its own kind through a source registered from its
AppConfig.ready() (as home-page panels are, see ``panels.py``): acos never imports the apps above it.
This module holds the item, the registry, the sort, and the ACO's own kind, the list deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.urls import reverse
from django.utils import timezone

from apps.reviews.models import ReviewCase, ReviewState, ReviewTransition
from lead_portal.formatting import long_date

from . import selectors
from .models import ACO, Election, ModelParameters, ParticipantTIN

# How urgent an item is, in the order the list shows them when deadlines tie or are absent.
URGENT, ACTION, INFO = "urgent", "action", "info"
SEVERITY_LABELS = {URGENT: "Urgent", ACTION: "Action needed", INFO: "For information"}
SEVERITY_RANK = {URGENT: 0, ACTION: 1, INFO: 2}

# The kinds of item, in the words the list uses for them.
KIND_LABELS = {
    "list_deadline": "List deadline",
    "plan_changes": "Changes requested",
    "alignment_minimum": "Alignment minimum",
    "claims_data": "Claims data",
    "care_gaps": "Care gaps",
    "export_ready": "Export ready",
}
KIND_CHOICES = list(KIND_LABELS.items())
SEVERITY_CHOICES = list(SEVERITY_LABELS.items())

# A list deadline joins the list this many days before it; within the last two weeks it is urgent.
LIST_DEADLINE_HORIZON_DAYS = 90
LIST_DEADLINE_URGENT_DAYS = 14


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # a key of KIND_LABELS
    title: str  # what needs attention
    detail: str  # why, in a sentence or two
    url: str  # the page where it is acted on
    action: str  # the link's text
    severity: str  # URGENT, ACTION or INFO
    deadline: dt.date | None = None  # the day it is due, when it has one
    since: dt.date | None = None  # otherwise, since when it has been open
    days_left: int | None = None  # days from the portal's date to the deadline (set by attention_items)
    read_action: str = ""  # the link's text for a read-only member, when acting needs an administrator

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def when_text(self) -> str:
        """The deadline counted from the portal's date ("in 10 days", "today", "3 days ago")."""
        if self.days_left is None:
            return ""
        if self.days_left == 0:
            return "today"
        if self.days_left == 1:
            return "tomorrow"
        if self.days_left > 0:
            return f"in {self.days_left} days"
        return f"{-self.days_left} day{'s' if self.days_left != -1 else ''} ago"


# A source returns the items of one kind for the ACO, for the performance year on screen, as of the
# portal's date.
AttentionSource = Callable[[ACO, int, dt.date], Iterable[AttentionItem]]
ATTENTION_SOURCES: list[AttentionSource] = []


def register_attention_source(source: AttentionSource) -> AttentionSource:
    if source not in ATTENTION_SOURCES:
        ATTENTION_SOURCES.append(source)
    return source


def _sort_key(item: AttentionItem) -> tuple[bool, dt.date, int, dt.date, str]:
    return (
        item.deadline is None,
        item.deadline or dt.date.max,
        SEVERITY_RANK[item.severity],
        item.since or dt.date.max,
        item.title,
    )


def attention_items(*, aco: ACO, performance_year: int, today: dt.date | None = None) -> list[AttentionItem]:
    """Every open item of the ACO, soonest deadline first; items without a deadline follow, the most
    urgent and the oldest first. ``today`` defaults to the portal's date."""
    today = today or selectors.portal_today()
    items = [item for source in ATTENTION_SOURCES for item in source(aco, performance_year, today)]
    items = [replace(i, days_left=(i.deadline - today).days) if i.deadline else i for i in items]
    return sorted(items, key=_sort_key)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """A stored moment as a date in the portal's zone."""
    return timezone.localtime(moment).date() if moment else None


# --------------------------------------------------------------------------------------------------
# Reviewed plans sent back for changes (used by the apps whose plans go through apps.reviews)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangesRequested:
    at: dt.date | None
    reason: str


def changes_requested(cases: Iterable[ReviewCase]) -> dict[int, ChangesRequested]:
    """For each case now waiting for the ACO's changes: when CMS asked and what it said (the latest
    transition into "changes requested"), by case id."""
    ids = [c.pk for c in cases if c.state == ReviewState.CHANGES_REQUESTED]
    found: dict[int, ChangesRequested] = {}
    for case_id, at, reason in (
        ReviewTransition.objects.filter(case_id__in=ids, to_state=ReviewState.CHANGES_REQUESTED)
        .order_by("case_id", "at", "id")
        .values_list("case_id", "at", "reason")
    ):
        found[case_id] = ChangesRequested(at=local_date(at), reason=reason)  # the latest wins
    return {i: found.get(i, ChangesRequested(at=None, reason="")) for i in ids}


def changes_requested_detail(note: ChangesRequested, limit: int = 240) -> str:
    if not note.reason.strip():
        return "CMS sent it back for changes; revise it and submit it again."
    reason = " ".join(note.reason.split())
    if len(reason) > limit:
        reason = reason[: limit - 1].rstrip() + "…"
    return f"CMS asked for changes: “{reason}” Revise it and submit it again."


def changes_requested_items(
    sent_back: Sequence[tuple[ReviewCase, str, str]], *, action: str, read_action: str
) -> list[AttentionItem]:
    """One item per reviewed plan CMS sent back for changes, each given as (its review case, what it is,
    the page where it is revised): what CMS said, open since CMS asked."""
    notes = changes_requested([case for case, _, _ in sent_back])
    return [
        AttentionItem(
            kind="plan_changes",
            title=f"{name}: changes requested",
            detail=changes_requested_detail(notes[case.pk]),
            url=url,
            action=action,
            read_action=read_action,
            severity=ACTION,
            since=notes[case.pk].at,
        )
        for case, name, url in sent_back
    ]


# --------------------------------------------------------------------------------------------------
# Files built and not downloaded yet (used by the apps that build exports and reports)
# --------------------------------------------------------------------------------------------------
def downloads_waiting(
    *, described: Sequence[str], one: str, many: str, url: str, action: str, since: dt.datetime | None
) -> AttentionItem:
    """The item for files of one kind built and not yet downloaded by anyone of the ACO (``one``/``many``
    name the kind): how many, the first three ``described``, open since the oldest was built."""
    count = len(described)
    more = f" and {count - 3} more" if count > 3 else ""
    return AttentionItem(
        kind="export_ready",
        title=f"{count} {one if count == 1 else many} ready to download",
        detail=f"Built and not downloaded yet: {'; '.join(described[:3])}{more}.",
        url=url,
        action=action,
        severity=INFO,
        since=local_date(since),
    )


# --------------------------------------------------------------------------------------------------
# The ACO's own kind: list deadlines
# --------------------------------------------------------------------------------------------------
def list_deadline_items(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """Each performance year whose list deadline is today or within the next
    ``LIST_DEADLINE_HORIZON_DAYS`` days: until it, lists and elections change directly; after it,
    list changes go to CMS and elections are closed. A past deadline is not an open item."""
    horizon = today + dt.timedelta(days=LIST_DEADLINE_HORIZON_DAYS)
    items = []
    for params in ModelParameters.objects.filter(list_deadline__gte=today, list_deadline__lte=horizon):
        py = params.performance_year
        gaps = []
        if not ParticipantTIN.objects.filter(aco=aco, performance_year=py).exists():
            gaps.append(f"no Participant TINs are listed for PY{py} yet")
        if not Election.objects.filter(aco=aco, performance_year=py).exists():
            gaps.append(f"no PY{py} elections are recorded yet")
        detail = (
            f"Until {long_date(params.list_deadline)} you change "
            f"PY{py} Participant TINs, Preferred Providers and elections directly; after it, list changes go to "
            "CMS for approval and elections close."
        )
        if gaps:
            detail += " Still to do: " + " and ".join(gaps) + "."
        days = (params.list_deadline - today).days
        items.append(
            AttentionItem(
                kind="list_deadline",
                title=f"PY{py} list deadline",
                detail=detail,
                url=f"{reverse('acos:participants', kwargs={'aco_id': aco.aco_id})}?py={py}",
                action=f"Review the PY{py} Participant TINs",
                severity=URGENT if days <= LIST_DEADLINE_URGENT_DAYS else ACTION,
                deadline=params.list_deadline,
            )
        )
    return items
