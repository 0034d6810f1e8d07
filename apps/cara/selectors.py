"""Reading episode runs."""

from __future__ import annotations

from .models import EpisodeRun


def latest_run(*, performance_year: int) -> EpisodeRun | None:
    """The PY's latest successful episode run."""
    return (
        EpisodeRun.objects.filter(performance_year=performance_year, status=EpisodeRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )
