"""Reads of claims data. Ingest runs are CMS business: CMS staff see them, nobody else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.attention import INFO, AttentionItem
from apps.acos.models import ACO
from lead_portal.formatting import long_date

from .models import CCLFFile, IngestError, IngestRun


def ingest_run_list(*, user: User) -> QuerySet[IngestRun]:
    if not user.is_cms:
        raise Http404("Not found.")
    return IngestRun.objects.select_related("created_by").order_by("-created_at")


def ingest_run_get(*, user: User, run_id: int) -> IngestRun:
    run = ingest_run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such ingest run.")
    return run


def ingest_error_list(*, run: IngestRun) -> QuerySet[IngestError]:
    return run.errors.order_by("id")


def package_list(*, user: User) -> list[dict[str, Any]]:
    """Every package loaded, newest first: its name pattern, whether it is a run-out package, the
    performance year, when CMS produced it, its files and records, and the load that brought it."""
    if not user.is_cms:
        raise Http404("Not found.")
    rows = (
        CCLFFile.objects.values("package", "runout", "performance_year", "run_id")
        .annotate(produced_at=Min("produced_at"), files=Count("id"), records=Sum("records"), last=Max("id"))
        .order_by("-produced_at", "-last")
    )
    return [
        {
            "label": r["package"] or "(loaded before packages were recorded)",
            "runout": r["runout"],
            "kind": "Run-out" if r["runout"] else "Monthly",
            "performance_year": r["performance_year"],
            "produced_at": r["produced_at"],
            "files": r["files"],
            "records": r["records"] or 0,
            "run_id": r["run_id"],
        }
        for r in rows
    ]


def report_notes_by_file(*, run: IngestRun) -> dict[str, list[str]]:
    """The load's notes on each file (padded records, CRLF, HICN links..., and why a file was not
    loaded: the reason is in the report's list of files not loaded), by file name."""
    out: dict[str, list[str]] = {}
    report = run.report or {}
    for note in report.get("notes", []):
        out.setdefault(note["file"], []).append(note["note"])
    for skipped in report.get("skipped", []):
        out.setdefault(skipped["name"], []).append("not loaded (see Files not loaded)")
    return out


def ingest_run_lines(*, run: IngestRun) -> list[str]:
    """What a finished load did, file by file: records loaded, files not loaded and why, notes."""
    lines = [
        f"  {name}: {counts['loaded']:,} record{'s' if counts['loaded'] != 1 else ''}"
        for name, counts in run.progress.items()
        if run.status == run.Status.SUCCEEDED and counts.get("expected") is not None
    ]
    lines += [f"  not loaded: {s['name']}: {s['reason']}" for s in run.report.get("skipped", [])]
    lines += [f"  {n['file']}: {n['note']}" for n in run.report.get("notes", [])]
    return lines


# --------------------------------------------------------------------------------------------------
# What needs the ACO's attention (registered in ``apps.py``; see apps/acos/attention.py)
# --------------------------------------------------------------------------------------------------
# CMS sends a CCLF package a month; a week's grace before the data counts as late.
CLAIMS_CADENCE_DAYS = 31
CLAIMS_GRACE_DAYS = 7


def claims_data_attention(aco: ACO, performance_year: int, today: dt.date) -> list[AttentionItem]:
    """The claims behind every figure are older than the monthly cadence leads one to expect: the
    latest package's file date plus a month (and a week's grace) is behind the portal's date."""
    latest = CCLFFile.objects.order_by("-produced_at", "-id").values("produced_at", "performance_year").first()
    if latest is None:
        return []
    produced = timezone.localtime(latest["produced_at"]).date()
    expected = produced + dt.timedelta(days=CLAIMS_CADENCE_DAYS)
    if today <= expected + dt.timedelta(days=CLAIMS_GRACE_DAYS):
        return []
    age = (today - produced).days
    py = latest["performance_year"]
    return [
        AttentionItem(
            kind="claims_data",
            title=f"Claims data is {age} days old",
            detail=(
                f"The latest CCLF package is dated {long_date(produced)}. CMS sends one a month, so the next was "
                f"expected by {long_date(expected)}; alignment, quality and money figures stop at the latest "
                "package until it comes."
            ),
            url=f"{reverse('performance:money', kwargs={'aco_id': aco.aco_id})}?py={py}#performance-vintage",
            action="See the data vintage",
            severity=INFO,
            since=expected,
        )
    ]
