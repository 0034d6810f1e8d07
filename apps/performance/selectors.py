"""Reads of the performance snapshots. Callers pass an ACO already resolved through the user's scope
(``ACOScopedMixin`` / ``ACOScopedViewSet``): these functions only ever return that ACO's rows.

Only snapshots of *successful* pipeline runs count: a running run may have written some ACOs' and
not others', and a failed run's are not to be trusted."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.acos.models import ACO

from .models import PerformanceSummary, PipelineRun


def summaries(*, aco: ACO, performance_year: int | None = None) -> QuerySet[PerformanceSummary]:
    """The ACO's snapshots from successful runs, newest run first (every PY, or one)."""
    qs = PerformanceSummary.objects.filter(aco=aco, run__status=PipelineRun.Status.SUCCEEDED)
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.select_related("run").order_by("-run_id")


def summary_latest(*, aco: ACO, performance_year: int) -> PerformanceSummary | None:
    """The snapshot the dashboard shows: the latest successful run's for the PY."""
    return summaries(aco=aco, performance_year=performance_year).first()


def summary_for_run(*, aco: ACO, performance_year: int, run_id: Any) -> PerformanceSummary | None:
    """One successful run's snapshot of the ACO (``run_id`` as typed in a query string)."""
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        return None
    # By the run's own key (``run__pk``): Django answers "no row" for an id beyond the column's range
    # there, where a foreign-key column (``run_id``) would pass it on to the database, which fails.
    return summaries(aco=aco, performance_year=performance_year).filter(run__pk=pk).first()


def summary_headline(summary: PerformanceSummary) -> dict[str, Any]:
    """The figures a history row shows (all from the snapshot: what the dashboard showed then)."""
    data = summary.data
    s, q, a = data.get("settlement", {}), data.get("quality", {}), data.get("alignment", {})
    vintage = data.get("vintage", {})
    return {
        "run": summary.run_id,
        "performance_year": summary.performance_year,
        "created_at": summary.created_at,
        "run_finished_at": summary.run.finished_at,
        "estimate": bool(data.get("estimate", True)),
        "claims_through": vintage.get("claims_through"),
        "data_version": vintage.get("data_version"),
        "aligned_beneficiaries": a.get("total"),
        "member_months": s.get("member_months"),
        "expenditure": s.get("expenditure"),
        "benchmark": s.get("benchmark"),
        "gross_savings": s.get("gross_savings"),
        "gross_savings_pct": s.get("gross_savings_pct"),
        "estimated_settlement": s.get("estimated_settlement"),
        "capitation_reduction": (s.get("capitation_reduction") or {}).get("amount"),
        "cara_reconciliation": (s.get("cara") or {}).get("change"),
        "total_quality_score": q.get("tqs"),
    }
