"""Reads for the CMS pages and API of the performance pipeline: runs with their steps, every ACO's
latest summary side by side, published benchmarks. These are CMS-only resources: the views and API
refuse everyone else before calling in here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from .models import PerformanceSummary, PipelineRun, PipelineStep, PublishedBenchmark


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------
def pipeline_run_list(*, performance_year: int | None = None) -> QuerySet[PipelineRun]:
    qs = PipelineRun.objects.select_related("created_by")
    if performance_year is not None:
        qs = qs.filter(performance_year=performance_year)
    return qs.order_by("-created_at", "-id")


def pipeline_run_get(*, pipeline_run_id: int) -> PipelineRun:
    run = (
        PipelineRun.objects.select_related("created_by", "alignment_run", "quality_run")
        .prefetch_related("steps")
        .filter(pk=pipeline_run_id)
        .first()
    )
    if run is None:
        raise Http404("No such pipeline run.")
    return run


def pipeline_run_failed_step(*, run: PipelineRun) -> PipelineStep | None:
    """The step that stopped a failed run (the reason to show first)."""
    if run.status != PipelineRun.Status.FAILED:
        return None
    return next((s for s in run.steps.all() if s.status == PipelineStep.Status.FAILED), None)


def pipeline_run_summaries(*, run: PipelineRun) -> list[dict[str, Any]]:
    """The ACOs a run summarised, with the headline of each (for links to their pages)."""
    rows = []
    for aco_id, name, data in (
        PerformanceSummary.objects.filter(run=run)
        .order_by("aco__aco_id")
        .values_list("aco__aco_id", "aco__legal_name", "data")
    ):
        settlement = data.get("settlement", {})
        rows.append(
            {
                "aco_id": aco_id,
                "name": name,
                "aligned": data.get("alignment", {}).get("total"),
                "estimated_settlement": settlement.get("estimated_settlement"),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------------
# Comparison of all ACOs
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the page's column heading (the page says once that money figures are estimates)
    long_label: str  # the CSV's, which stands alone
    value: Callable[[dict[str, Any]], Any]
    kind: str  # how the page shows it: "count", "pct", "dollars" (cents), "dollars0" (whole), "score", "risk"


def _get(*path: str) -> Callable[[dict[str, Any]], Any]:
    def read(data: dict[str, Any]) -> Any:
        node: Any = data
        for key in path:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    return read


def _py_risk(data: dict[str, Any]) -> float | None:
    """All aligned beneficiaries' average risk score of the PY (empty without risk scores)."""
    risk = (data.get("alignment") or {}).get("risk") or {}
    rows = [r for r in risk.get("cohorts") or [] if r.get("cohort") == "all"]
    return rows[0]["scores"].get(str(data.get("performance_year"))) if rows else None


# The comparison's columns, in table order; each can sort the table (``?sort=key`` or ``-key``).
COLUMNS: list[Column] = [
    Column("aligned", "Aligned", "Aligned beneficiaries", _get("alignment", "total"), "count"),
    Column("high_needs", "High Needs share", "High Needs share (%)", _get("alignment", "high_needs_share_pct"), "pct"),
    Column("risk", "Average risk score", "Average risk score (PY, CMS-HCC, normalized)", _py_risk, "risk"),
    Column("member_months", "Member-months", "Member-months", _get("settlement", "member_months"), "count"),
    Column("pbpm", "PBPM", "PBPM ($, estimate)", _get("settlement", "pbpm"), "dollars"),
    Column(
        "benchmark_pbpm",
        "Benchmark PBPM",
        "Benchmark PBPM ($, estimate)",
        _get("settlement", "benchmark_pbpm"),
        "dollars",
    ),
    Column(
        "savings_pct",
        "Gross savings",
        "Gross savings (% of benchmark, estimate)",
        _get("settlement", "gross_savings_pct"),
        "pct",
    ),
    Column(
        "settlement",
        "Estimated settlement",
        "Estimated settlement ($)",
        _get("settlement", "estimated_settlement"),
        "dollars0",
    ),
    Column("tqs", "Quality score", "Total Quality Score", _get("quality", "tqs"), "score"),
]
COLUMN_KEYS = {c.key for c in COLUMNS}
SORTS = ["aco", *(c.key for c in COLUMNS)]
DEFAULT_SORT = "aco"


@dataclass(frozen=True)
class ComparisonRow:
    aco_id: str
    name: str
    run_id: int
    claims_through: str | None
    benchmark_sources: list[str]
    values: dict[str, Any]

    def cells(self) -> list[tuple[Column, Any]]:
        return [(c, self.values[c.key]) for c in COLUMNS]


def latest_summaries(*, performance_year: int) -> QuerySet[PerformanceSummary]:
    """Each ACO's summary from the latest successful pipeline run of the year that summarised it."""
    done = PerformanceSummary.objects.filter(
        performance_year=performance_year, run__status=PipelineRun.Status.SUCCEEDED
    )
    latest = done.filter(aco_id=OuterRef("aco_id")).order_by("-run_id").values("run_id")[:1]
    return done.filter(run_id=Subquery(latest)).select_related("aco")


def parse_sort(value: str | None) -> tuple[str, bool]:
    """``?sort=`` as (column key, descending); an unknown key sorts by ACO."""
    text = (value or "").strip()
    descending = text.startswith("-")
    key = text.lstrip("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, descending


def comparison(*, performance_year: int, sort: str | None = None) -> list[ComparisonRow]:
    """Every ACO's latest summary of the year, sorted server-side by any column (missing values last
    whichever the direction; ties by ACO id)."""
    rows = []
    for summary in latest_summaries(performance_year=performance_year):
        data = summary.data
        rows.append(
            ComparisonRow(
                aco_id=summary.aco.aco_id,
                name=summary.aco.legal_name,
                run_id=summary.run_id,
                claims_through=_get("vintage", "claims_through")(data),
                benchmark_sources=sorted({str(c.get("benchmark_source", "")) for c in data.get("cohorts", [])} - {""}),
                values={c.key: c.value(data) for c in COLUMNS},
            )
        )
    key, descending = parse_sort(sort)
    rows.sort(key=lambda r: r.aco_id)
    if key == "aco":
        return list(reversed(rows)) if descending else rows
    present = [r for r in rows if r.values[key] is not None]
    missing = [r for r in rows if r.values[key] is None]
    present.sort(key=lambda r: r.values[key], reverse=descending)  # stable: ties stay in ACO order
    return present + missing


# --------------------------------------------------------------------------------------------------
# Published benchmarks
# --------------------------------------------------------------------------------------------------
def published_benchmark_list(*, performance_year: int) -> QuerySet[PublishedBenchmark]:
    return (
        PublishedBenchmark.objects.filter(performance_year=performance_year)
        .select_related("aco", "entered_by")
        .order_by("aco__aco_id", "cohort")
    )
