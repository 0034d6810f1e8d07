"""Reading episode runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, QuerySet, Sum

from .models import Episode, EpisodeBaseline, EpisodeRun


def latest_run(*, performance_year: int) -> EpisodeRun | None:
    """The PY's latest successful episode run."""
    return (
        EpisodeRun.objects.filter(performance_year=performance_year, status=EpisodeRun.Status.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def aco_summary(*, run: EpisodeRun, aco_id: int) -> dict[str, Any]:
    """An ACO's episodes of a run, by definition: counts per start year, the closed ones' mean cost and
    components, Preferred Provider attribution, and the portal-wide baselines beside them. Aggregates
    only (no beneficiary appears)."""
    episodes = Episode.objects.filter(run=run, aco_id=aco_id)
    per_year = {
        (r["definition"], r["year"]): r["n"]
        for r in episodes.values("definition", "year").annotate(n=Count("pk")).order_by()
    }
    closed = episodes.filter(closed=True)
    cost = (
        F("index_cents") + F("readmission_cents") + F("post_acute_cents") + F("professional_cents") + F("other_cents")
    )
    means = {
        r["definition"]: r
        for r in closed.values("definition")
        .annotate(
            n=Count("pk"),
            cost=Avg(cost),
            index=Avg("index_cents"),
            readmission=Avg("readmission_cents"),
            post_acute=Avg("post_acute_cents"),
            professional=Avg("professional_cents"),
            other=Avg("other_cents"),
            readmissions=Sum("readmissions"),
        )
        .order_by()
    }
    attributed = {
        r["definition"]: r["n"]
        for r in episodes.filter(preferred_provider__isnull=False)
        .values("definition")
        .annotate(n=Count("pk"))
        .order_by()
    }
    baselines = {b.definition_id: b for b in EpisodeBaseline.objects.filter(run=run, year__isnull=True)}
    by_provider = list(
        closed.filter(preferred_provider__isnull=False)
        .values("preferred_provider", "preferred_provider__name", "preferred_provider__npi", "definition")
        .annotate(n=Count("pk"), cost=Avg(cost))
        .order_by("preferred_provider__name", "definition")
    )
    costs: dict[int, list[int]] = {}
    for definition, total in closed.annotate(total=cost).values_list("definition", "total").order_by():
        costs.setdefault(definition, []).append(int(total))
    return {
        "per_year": per_year,
        "means": means,
        "attributed": attributed,
        "baselines": baselines,
        "by_provider": by_provider,
        "costs": costs,
    }


def aco_episodes(
    *,
    run: EpisodeRun,
    aco_id: int,
    episode_type: str = "",
    year: int | None = None,
    npi: str = "",
    closed: bool | None = None,
    payment: bool | None = None,
) -> QuerySet[Episode]:
    """The ACO's episodes of the run, newest first, filtered."""
    rows = Episode.objects.filter(run=run, aco_id=aco_id).select_related("definition", "preferred_provider")
    if episode_type:
        rows = rows.filter(definition__code=episode_type)
    if year is not None:
        rows = rows.filter(year=year)
    if npi:
        rows = rows.filter(attributed_npi=npi)
    if closed is not None:
        rows = rows.filter(closed=closed)
    if payment is not None:
        rows = rows.filter(payment=payment)
    return rows.order_by("-start_date", "mbi", "pk")
