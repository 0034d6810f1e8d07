"""An ACO's performance dashboard: the panel on the ACO home page, the "Money and settlement" page, and
the CSV of each chart's data. Everything is read from the ACO's latest ``PerformanceSummary`` for the
PY (one indexed read); the figures come from ``charts.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import ACO
from lead_portal.exports import csv_writer

from . import charts, selectors
from .models import PerformanceSummary


@dataclass(frozen=True)
class ChartBlock:
    """One chart as a page shows it: the figure, its caption, its data table and its CSV."""

    slug: str
    title: str
    caption: str
    figure: dict[str, Any] | None
    table: charts.DataTable
    csv_url: str

    @property
    def figure_id(self) -> str:
        return f"figure-{self.slug}"


def _csv_url(aco: ACO, performance_year: int, slug: str) -> str:
    url = reverse("performance:money_data", kwargs={"aco_id": aco.aco_id, "chart": slug})
    return f"{url}?py={performance_year}"


# Building a Plotly figure costs ~15 ms (plotly validates every property): a page of six would miss
# the dashboard's latency target. A snapshot of a finished run never changes, so each figure is
# built once and cached under a digest of the document itself (and FIGURE_VERSION, bumped when
# charts.py draws differently): a replaced document can never be shown another's figure.
FIGURE_VERSION = 2
FIGURE_CACHE_SECONDS = 7 * 24 * 3600


def figures(data: charts.Snapshot, slugs: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """The figures of ``slugs`` (each in ``charts.FIGURES``), from the cache or built now."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]
    keys = {slug: f"performance:figure:v{FIGURE_VERSION}:{slug}:{digest}" for slug in slugs}
    cached = cache.get_many(list(keys.values()))
    out: dict[str, dict[str, Any] | None] = {}
    missing: dict[str, Any] = {}
    for slug, key in keys.items():
        if key in cached:
            out[slug] = cached[key]["figure"]
        else:
            out[slug] = charts.FIGURES[slug](data)
            missing[key] = {"figure": out[slug]}
    if missing:
        cache.set_many(missing, FIGURE_CACHE_SECONDS)
    return out


# (template key, chart slug, title, caption)
BlockSpec = tuple[str, str, str, str]


def _blocks(aco: ACO, data: charts.Snapshot, specs: list[BlockSpec]) -> dict[str, ChartBlock]:
    drawn = figures(data, [slug for _, slug, _, _ in specs if slug in charts.FIGURES])
    return {
        key: ChartBlock(
            slug,
            title,
            caption,
            drawn.get(slug),
            charts.data_table(data, slug),
            _csv_url(aco, data["performance_year"], slug),
        )
        for key, slug, title, caption in specs
    }


def _estimate(data: charts.Snapshot) -> str:
    return " (estimate)" if data.get("estimate", True) else ""


def _home_specs(data: charts.Snapshot) -> list[BlockSpec]:
    est = _estimate(data)
    line = data["alignment"].get("high_needs_line_pct") or 40
    return [
        (
            "months",
            "months",
            f"Spending per beneficiary per month against the benchmark{est}",
            "Bars: expenditure per beneficiary per month (PBPM) from netted claims; dashed line: the "
            "benchmark PBPM for the month's mix of cohorts.",
        ),
        (
            "categories",
            "categories",
            f"Spending by service category{est}",
            "Expenditure of the performance year by service category, largest first.",
        ),
        (
            "quality",
            "quality",
            f"Quality withhold{est}",
            "The quality withhold, split into the part the Total Quality Score earns back and the part it does not.",
        ),
        (
            "settlement",
            "settlement",
            f"Estimated settlement{est}",
            "From the benchmark before discount to the estimated settlement: dark bars are levels, green "
            "bars add, red bars take away.",
        ),
        (
            "high_needs",
            "high-needs",
            "High Needs share",
            f"Share of aligned beneficiaries who are High Needs, against the {line:.0f}% line above which an "
            "ACO counts as a High Needs ACO.",
        ),
    ]


def dashboard_blocks(aco: ACO, data: charts.Snapshot) -> dict[str, ChartBlock]:
    """The charts of the home page, keyed for templates."""
    return _blocks(aco, data, _home_specs(data))


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]]:
    """The ACO home page's performance panel (registered in ``apps.py``)."""
    summary = selectors.summary_latest(aco=aco, performance_year=performance_year)
    money_url = f"{reverse('performance:money', kwargs={'aco_id': aco.aco_id})}?py={performance_year}"
    context: dict[str, object] = {"perf_summary": summary, "money_url": money_url}
    if summary is not None:
        context.update(perf=summary.data, perf_blocks=dashboard_blocks(aco, summary.data))
    return "performance/_home_panel.html", context


PARAMETER_LABELS = {
    "risk_option": "Risk option",
    "newly_entering": "Newly entering ACO",
    "capitation": "Capitation",
    "higher_spending": "Higher-spending ACO (base-year PBPM above the portal's)",
    "quality_withhold_pct": "Quality withhold (% of benchmark)",
    "sequestration_pct": "Sequestration (% of shared savings or losses)",
    "benchmark_trend_pct": "Benchmark trend (% a year)",
    "discount_higher_spending_pct": "Discount, higher-spending ACO (%)",
    "discount_lower_spending_pct": "Discount, lower-spending ACO (%)",
    "pcc_base_pct": "PCC base payment (% of benchmark)",
    "pcc_enhanced_target_pct": "Enhanced PCC target (% of benchmark)",
    "pcc_enhanced_floor_pct": "Enhanced PCC floor (% of benchmark)",
    "corridors": "Risk corridors (band of gross savings or losses: ACO share)",
}


def _parameter_text(key: str, value: Any, labels: dict[str, str]) -> str:
    if key in labels:  # a coded election: its label as the ACO chose it
        return labels[key]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key.endswith("_pct") and isinstance(value, int | float):
        return charts.fmt(value, "pct")
    if isinstance(value, list):  # corridor bands [[from %, to % or null, ACO share %], ...]
        bands = []
        for band in value:
            try:
                low, high, share = band
            except (TypeError, ValueError):
                return str(value)
            span = f"{low}–{high}%" if high is not None else f"{low}% and above"
            bands.append(f"{span}: {share}%")
        return "; ".join(bands) or "none"
    return str(value)


def parameter_rows(data: charts.Snapshot) -> list[tuple[str, str, str]]:
    """(name, label, value as text) of every parameter the estimate used, in a stable order."""
    parameters = data.get("parameters", {})
    aco = data.get("aco", {})
    labels = {k: aco[f"{k}_label"] for k in ("risk_option", "capitation") if aco.get(f"{k}_label")}
    order = list(PARAMETER_LABELS)
    keys = sorted(parameters, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [
        (k, PARAMETER_LABELS.get(k, k.replace("_", " ").capitalize()), _parameter_text(k, parameters[k], labels))
        for k in keys
    ]


class PerformanceMixin(ACOScopedMixin):
    nav = "money"
    request: HttpRequest
    summary: PerformanceSummary | None

    def get_summary(self) -> PerformanceSummary | None:
        self.summary = selectors.summary_latest(aco=self.aco, performance_year=self.performance_year)
        return self.summary


class MoneyView(PerformanceMixin, TemplateView):
    """The whole estimate: cohorts and their benchmarks (traceable to the base years), months,
    categories, the settlement waterfall and its lines, the corridor bands, notes and parameters."""

    template_name = "performance/money.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = self.get_summary()
        context["summary"] = summary
        if summary is None:
            return context
        data = summary.data
        cohorts: BlockSpec = (
            "cohorts",
            "cohorts",
            f"Cohorts: spending against the benchmark{_estimate(data)}",
            "Each cohort's expenditure PBPM next to its benchmark PBPM after any discount.",
        )
        blocks = _blocks(self.aco, data, [*_home_specs(data), cohorts])
        context.update(
            data=data,
            blocks=blocks,
            base_years=charts.data_table(data, "base-years"),
            corridor=charts.data_table(data, "corridor"),
            measures=charts.data_table(data, "measures"),
            base_years_url=_csv_url(self.aco, self.performance_year, "base-years"),
            corridor_url=_csv_url(self.aco, self.performance_year, "corridor"),
            measures_url=_csv_url(self.aco, self.performance_year, "measures"),
            parameters=parameter_rows(data),
        )
        return context


class MoneyDataView(PerformanceMixin, View):
    """One chart's data as CSV, stamped with the ACO, PY, run and data vintage."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        slug = kwargs["chart"]
        if slug not in charts.CHART_SLUGS:
            raise Http404("No such chart.")
        summary = self.get_summary()
        if summary is None:
            raise Http404(f"The pipeline has not run for PY{self.performance_year} yet.")
        data = summary.data
        table = charts.data_table(data, slug)
        vintage = data.get("vintage", {})
        stamp = (
            f"LEAD ACO {self.aco.aco_id}: {table.title}; PY{summary.performance_year}; pipeline run "
            f"{summary.run_id}; data version {vintage.get('data_version')}; claims through "
            f"{vintage.get('claims_through') or 'unknown'}"
        )
        if data.get("estimate", True):
            stamp += "; money figures are estimates, not CMS determinations"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="LEAD_{self.aco.aco_id}_PY{summary.performance_year}_{slug}_run{summary.run_id}.csv"'
        )
        writer = csv_writer(response)
        writer.writerow([f"# {stamp}"])
        writer.writerow(table.header)
        writer.writerows(table.csv_rows())
        return response
