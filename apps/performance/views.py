"""An ACO's performance dashboard: the panel on the ACO home page, the "Money and settlement" page, and
the CSV of each chart's data. Everything is read from the ACO's latest ``PerformanceSummary`` for the
PY (one indexed read); the figures come from ``charts.py``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import ACO

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


def _block(aco: ACO, data: charts.Snapshot, slug: str, title: str, caption: str) -> ChartBlock:
    figure = charts.FIGURES[slug](data) if slug in charts.FIGURES else None
    return ChartBlock(
        slug, title, caption, figure, charts.data_table(data, slug), _csv_url(aco, data["performance_year"], slug)
    )


def _estimate(data: charts.Snapshot) -> str:
    return " (estimate)" if data.get("estimate", True) else ""


def dashboard_blocks(aco: ACO, data: charts.Snapshot) -> dict[str, ChartBlock]:
    """The charts of the home page (the money page shows these and more)."""
    est = _estimate(data)
    a = data["alignment"]
    return {
        "months": _block(
            aco,
            data,
            "months",
            f"Spending per beneficiary per month against the benchmark{est}",
            "Bars: expenditure per beneficiary per month (PBPM) from netted claims; dashed line: the "
            "benchmark PBPM for the month's mix of cohorts.",
        ),
        "categories": _block(
            aco,
            data,
            "categories",
            f"Spending by service category{est}",
            "Expenditure of the performance year by service category, largest first.",
        ),
        "quality": _block(
            aco,
            data,
            "quality",
            f"Quality withhold{est}",
            "The quality withhold, split into the part the Total Quality Score earns back and the part it does not.",
        ),
        "settlement": _block(
            aco,
            data,
            "settlement",
            f"Estimated settlement{est}",
            "From the benchmark before discount to the estimated settlement: dark bars are levels, green "
            "bars add, red bars take away.",
        ),
        "high-needs": _block(
            aco,
            data,
            "high-needs",
            "High Needs share",
            f"Share of aligned beneficiaries who are High Needs, against the "
            f"{a.get('high_needs_line_pct') or 40:.0f}% line above which an ACO counts as a High Needs ACO.",
        ),
    }


def home_panel(aco: ACO, performance_year: int) -> tuple[str, dict[str, object]]:
    """The ACO home page's performance panel (registered in ``apps.py``)."""
    summary = selectors.summary_latest(aco=aco, performance_year=performance_year)
    money_url = f"{reverse('performance:money', kwargs={'aco_id': aco.aco_id})}?py={performance_year}"
    context: dict[str, object] = {"perf_summary": summary, "money_url": money_url}
    if summary is not None:
        context.update(perf=summary.data, perf_blocks=dashboard_blocks(aco, summary.data))
    return "performance/_home_panel.html", context


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
        blocks = dashboard_blocks(self.aco, data)
        blocks["cohorts"] = _block(
            self.aco,
            data,
            "cohorts",
            f"Cohorts: spending against the benchmark{_estimate(data)}",
            "Each cohort's expenditure PBPM next to its benchmark PBPM after any discount.",
        )
        context.update(
            data=data,
            blocks=blocks,
            base_years=charts.data_table(data, "base-years"),
            corridor=charts.data_table(data, "corridor"),
            measures=charts.data_table(data, "measures"),
            base_years_url=_csv_url(self.aco, self.performance_year, "base-years"),
            corridor_url=_csv_url(self.aco, self.performance_year, "corridor"),
            measures_url=_csv_url(self.aco, self.performance_year, "measures"),
            parameters=sorted(data.get("parameters", {}).items()),
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
        writer = csv.writer(response)
        writer.writerow([f"# {stamp}"])
        writer.writerow(table.header)
        writer.writerows(table.csv_rows())
        return response
