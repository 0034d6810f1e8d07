"""The care-gap worklist of the demo: each demo ACO's administrator has started working the gaps the
pipeline found, so the worklist, a gap's history and the overview's "care gaps due this week" show what
a working week looks like. Through the same services a person uses; safe to run again."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from apps.acos.selectors import portal_today

from . import selectors, services
from .models import CareGapEvent, CareGapItem, GapStatus

DEMO_ACOS = ("L0001", "L0002")


def demo_load() -> list[str]:
    """Work a few of each demo ACO's open gaps; returns one line per ACO worked."""
    today = portal_today()
    lines = []
    for aco in ACO.objects.filter(aco_id__in=DEMO_ACOS).order_by("aco_id"):
        if CareGapEvent.objects.filter(item__aco=aco, actor__isnull=False).exists():
            continue  # worked already
        admin = (
            User.objects.filter(memberships__aco=aco, memberships__role=Membership.Role.ADMIN).order_by("id").first()
        )
        years = selectors.latest_quality_run_years()
        items = [
            i
            for year in years
            for i in selectors.care_gap_items(aco=aco, performance_year=year)[:3]
            if i.opened_on <= today
        ][:3]
        if admin is None or not items:
            continue
        try:
            lines.append(_work(aco, admin, items, today))
        except ValidationError as exc:  # a date the rules refuse (a demo clock far past the year)
            lines.append(f"{aco.aco_id}: not worked ({'; '.join(exc.messages)})")
    return lines


def _work(aco: ACO, admin: User, items: list[CareGapItem], today: dt.date) -> str:
    """One gap in progress with a note (due in two days), one assigned and due this week, one closed."""
    first, *rest = items
    services.care_gap_update(
        item=first,
        acting_user=admin,
        assignee=admin,
        status=GapStatus.IN_PROGRESS,
        due_date=today + dt.timedelta(days=2),
        note="Called the beneficiary and left a voicemail; the practice will call again in two days.",
    )
    if rest:
        services.care_gap_update(item=rest[0], acting_user=admin, assignee=admin, due_date=today + dt.timedelta(days=5))
    if len(rest) > 1:
        services.care_gap_update(
            item=rest[1],
            acting_user=admin,
            status=GapStatus.CLOSED,
            close_reason="completed",
            close_note="Seen at the practice; the visit note is in the chart.",
        )
    return f"{aco.aco_id}: {len(items)} care gaps worked by {admin.display_name}"
