"""Reads of claims data. Ingest runs are CMS business: CMS staff see them, nobody else."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User

from .models import IngestError, IngestRun


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
