"""CMS's GLP-1 page (``/glp1/``): every ACO's headline GLP-1 figures from the PY's latest successful GLP-1 run,
a chart comparing them, and the table as CSV. CMS staff only: anyone else gets 404, as on CMS's other pages.
Aggregates per ACO only: no beneficiary appears, so nothing is access-logged."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import CMSOnlyMixin, resolve_performance_year
from apps.acos.presentation import ChartBlock, DataTable
from lead_portal.exports import csv_writer
from lead_portal.formatting import count, percent
from lead_portal.formatting import money_cents as usd

from . import charts
from . import selectors_dashboard as dash
from .views_dashboard import of, pdc

HEADER = [
    "ACO",
    "Aligned",
    "Likely eligible",
    "Needs confirmation",
    "On a GLP-1 under Part D",
    "Started (share of eligible)",
    "Adherent at 90 days",
    "Adherent at 180 days",
    "Mean PDC of starters",
    "Drug cost at net price (copays)",
]
CSV_HEADER = [
    "aco_id",
    "legal_name",
    "aligned",
    "likely_eligible",
    "needs_confirmation",
    "not_eligible",
    "part_d_glp1",
    "started",
    "share_started_pct",
    "observed_90_days",
    "adherent_90_days",
    "observed_180_days",
    "adherent_180_days",
    "mean_pdc",
    "drug_cost_usd",
    "copay_usd",
]


def table_row(label: str, name: str, h: dash.Headline) -> list[Any]:
    return [
        f"{label} {name}".strip(), h.aligned, h.likely, h.confirm, h.part_d,
        f"{h.treated:,} ({percent(h.share_treated)})", of(h.adherent_90, h.observed_90),
        of(h.adherent_180, h.observed_180), pdc(h.mean_pdc), f"{usd(h.drug_cost_cents)} ({usd(h.copay_cents)})",
    ]  # fmt: skip


def csv_row(aco_id: str, name: str, h: dash.Headline) -> list[Any]:
    """Plain values (numbers as numbers, amounts in dollars to the cent); empty for a share with no base."""
    return [
        aco_id, name, h.aligned, h.likely, h.confirm, h.not_eligible, h.part_d, h.treated,
        "" if h.share_treated is None else h.share_treated, h.observed_90, h.adherent_90, h.observed_180,
        h.adherent_180, "" if h.mean_pdc is None else round(h.mean_pdc, 4),
        f"{h.drug_cost_cents / 100:.2f}", f"{h.copay_cents / 100:.2f}",
    ]  # fmt: skip


def comparison_table(c: dash.Comparison) -> DataTable:
    rows = [table_row(r.aco_id, r.legal_name, r.figures) for r in c.rows]
    if c.rows:
        rows.append(table_row("All ACOs", "", c.total))
    return DataTable("glp1-acos", f"GLP-1 access by ACO, PY{c.performance_year}", HEADER, rows)


class ACOsView(CMSOnlyMixin, TemplateView):
    template_name = "balance/cms/acos.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = resolve_performance_year(self.request.GET.get("py"))
        c = dash.cms_comparison(user=request_user(self.request), performance_year=py)
        table = comparison_table(c)
        context.update(
            performance_year=py,
            performance_years=aco_selectors.performance_years(),
            comparison=c,
            run=c.run,
            threshold=pdc(c.threshold),
            total=c.total,
            total_eligible=count(c.total.eligible),
            table=table,
            chart=ChartBlock(
                "glp1-acos",
                "Per ACO: the share of its eligible beneficiaries (likely, to confirm or started) who have started "
                "on the Bridge, and the share of its starters observed 90 days who were adherent at 90 days.",
                charts.aco_comparison_figure(
                    [r.aco_id for r in c.rows],
                    [r.figures.share_treated for r in c.rows],
                    [r.figures.share_adherent_90 for r in c.rows],
                )
                if c.rows
                else None,
                DataTable(
                    "glp1-acos-chart",
                    "Started and adherent at 90 days by ACO",
                    ["ACO", "Started (% of eligible)", "Adherent at 90 days (% of starters observed 90 days)"],
                    [
                        [r.aco_id, percent(r.figures.share_treated), percent(r.figures.share_adherent_90)]
                        for r in c.rows
                    ],
                ),
            ),
            csv_url=f"{reverse('balance_cms:acos_csv')}?py={py}",
        )
        return context


class ACOsCSVView(CMSOnlyMixin, View):
    """The page's table as CSV through the one CSV writer (no cell is a formula); the run is in the file's name,
    never above the header."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        py = resolve_performance_year(request.GET.get("py"))
        c = dash.cms_comparison(user=request_user(request), performance_year=py)
        name = f"LEAD_GLP1_by_ACO_PY{py}" + (f"_run{c.run.pk}" if c.run else "_no_run_yet")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv_writer(response)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_row(r.aco_id, r.legal_name, r.figures) for r in c.rows)
        return response
