"""Reads of the lifestyle area, always for one ACO the caller has resolved through the user's scope
(``ACOScopedMixin`` / ``ACOScopedViewSet``): another ACO's enrolment is simply not found (404).

``participation`` is the one other pages call (the beneficiary's GLP-1 page, the worklist, the
dashboard) to show lifestyle participation beside adherence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypedDict

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from apps.acos.models import ACO

from .models import LifestyleEnrolment, LifestyleProgramme, LifestyleSession

_IN_CHUNK = 500


def enrolment_list(*, aco: ACO, programme: str = "", q: str = "", status: str = "") -> QuerySet[LifestyleEnrolment]:
    """The ACO's enrolments, each annotated with ``session_count`` and ``last_session`` (None: no
    session yet), newest enrolment first. ``programme``: a ``LifestyleProgramme`` code (others ignored);
    ``q``: the start of an MBI; ``status``: "open" (not ended) or "ended" (default: both)."""
    qs = LifestyleEnrolment.objects.filter(aco=aco).select_related("created_by")
    if programme in LifestyleProgramme.values:
        qs = qs.filter(programme=programme)
    q = q.strip().upper()
    if q:
        qs = qs.filter(mbi__startswith=q)
    if status == "open":
        qs = qs.filter(ended_on__isnull=True)
    elif status == "ended":
        qs = qs.filter(ended_on__isnull=False)
    return qs.annotate(session_count=Count("sessions"), last_session=Max("sessions__session_date")).order_by(
        "-enrolled_on", "mbi", "programme", "-pk"
    )


def enrolment_counts(*, aco: ACO) -> dict[str, int]:
    """How many enrolments the ACO has: ``all``, ``open`` and per programme code."""
    rows = (
        LifestyleEnrolment.objects.filter(aco=aco)
        .values("programme")
        .annotate(n=Count("pk"), open=Count("pk", filter=Q(ended_on__isnull=True)))
    )
    counts = dict.fromkeys(LifestyleProgramme.values, 0)
    counts.update({"all": 0, "open": 0})
    for row in rows:
        counts[row["programme"]] = row["n"]
        counts["all"] += row["n"]
        counts["open"] += row["open"]
    return counts


def enrolment_get(*, aco: ACO, enrolment_id: int) -> LifestyleEnrolment:
    """One of the ACO's enrolments (404 for another ACO's, as for a missing one)."""
    found = (
        LifestyleEnrolment.objects.filter(aco=aco, pk=enrolment_id)
        .select_related("aco", "created_by")
        .annotate(session_count=Count("sessions"), last_session=Max("sessions__session_date"))
        .first()
    )
    if found is None:
        raise Http404("No such lifestyle enrolment.")
    return found


def session_list(*, enrolment: LifestyleEnrolment) -> QuerySet[LifestyleSession]:
    """An enrolment's sessions, oldest first."""
    return enrolment.sessions.select_related("created_by").order_by("session_date", "pk")


def session_get(*, enrolment: LifestyleEnrolment, session_id: int) -> LifestyleSession:
    found = enrolment.sessions.select_related("enrolment__aco").filter(pk=session_id).first()
    if found is None:
        raise Http404("No such session.")
    return found


def beneficiary_enrolments(*, aco: ACO, mbi: str) -> QuerySet[LifestyleEnrolment]:
    """One beneficiary's enrolments in the ACO, with ``session_count`` and ``last_session``."""
    return enrolment_list(aco=aco).filter(mbi=mbi.strip().upper())


class Participation(TypedDict):
    """One beneficiary's lifestyle participation (see ``participation``)."""

    programmes: list[str]
    sessions: int
    last_session: dt.date | None


def participation(*, aco: ACO, mbis: Iterable[str], open_only: bool = False) -> dict[str, Participation]:
    """Lifestyle participation of some of an ACO's beneficiaries, to show beside adherence.

    Returns ``{mbi: {"programmes": [...], "sessions": n, "last_session": date or None}}`` for each MBI in
    ``mbis`` that has at least one enrolment in the ACO (an MBI without one is absent: read it with
    ``.get(mbi)``):

    - ``programmes``: the ``LifestyleProgramme`` codes the beneficiary is or was enrolled in (only the
      enrolments not ended when ``open_only``), in the order of ``LifestyleProgramme``; show them with
      ``dict(LifestyleProgramme.choices)``;
    - ``sessions``: the number of sessions recorded across those enrolments;
    - ``last_session``: the latest session date across them (None: enrolled, no session yet).

    MBIs are taken as given (current MBIs, as GLP-1 and alignment rows hold them). Set-based: one
    grouped query per 500 MBIs whatever the number of enrolments, so a page of a worklist or the
    whole of a dashboard costs a few queries. Scoped to ``aco``: another ACO's enrolments never count.
    """
    wanted = sorted({m for m in mbis if m})
    order = {code: i for i, code in enumerate(LifestyleProgramme.values)}
    found: dict[str, Participation] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        qs = LifestyleEnrolment.objects.filter(aco=aco, mbi__in=wanted[start : start + _IN_CHUNK])
        if open_only:
            qs = qs.filter(ended_on__isnull=True)
        rows = (
            qs.order_by().values("mbi", "programme").annotate(n=Count("sessions"), last=Max("sessions__session_date"))
        )
        for row in rows:
            entry = found.setdefault(row["mbi"], {"programmes": [], "sessions": 0, "last_session": None})
            if row["programme"] not in entry["programmes"]:
                entry["programmes"].append(row["programme"])
            entry["sessions"] += row["n"]
            last = row["last"]
            if last is not None and (entry["last_session"] is None or last > entry["last_session"]):
                entry["last_session"] = last
    for entry in found.values():
        entry["programmes"].sort(key=lambda code: order.get(code, len(order)))
    return found
