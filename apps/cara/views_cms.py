"""CMS's CARA pages (docs/cara.md, "Payment"): every ACO's reconciliations with its Preferred Providers
(filters, totals per ACO and overall, a chart of the net amount by ACO, a CSV), and CMS's queue of EBRAs
and pending Maximal Flexibility designs. CMS staff only: anyone else gets 404, as on CMS's other pages.

The reconciliations are amounts per EBRA and period (the episodes behind them are on the EBRA's own
statement): no beneficiary appears here, so nothing is access-logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import CMSOnlyMixin
from apps.acos.models import ACO
from apps.acos.presentation import ChartBlock, DataTable
from lead_portal.exports import csv_writer
from lead_portal.formatting import money_cents as usd

from . import charts, payments
from .models import Arrangement, DesignProposal


@dataclass(frozen=True)
class Filters:
    """The page's and the CSV's filters, read from the query string; ``errors`` name each bad one."""

    performance_year: int | None
    aco_id: str
    direction: str
    errors: tuple[str, ...]

    @property
    def query(self) -> str:
        parts = [f"py={self.performance_year}" if self.performance_year else "py=all"]
        if self.aco_id:
            parts.append(f"aco={self.aco_id}")
        if self.direction:
            parts.append(f"direction={self.direction}")
        return "&".join(parts)


def read_filters(get: Any) -> Filters:
    """``py`` (a PY the portal knows, or ``all``; the default PY when absent), ``aco`` (a LEAD ACO id) and
    ``direction`` (``payment`` or ``repayment``). A bad value is dropped and named in ``errors``."""
    errors: list[str] = []
    years = aco_selectors.performance_years()
    raw_py = (get.get("py") or "").strip()
    py: int | None = aco_selectors.default_performance_year()
    if raw_py == "all":
        py = None
    elif raw_py:
        try:
            asked = int(raw_py)
        except ValueError:
            asked = 0
        if asked in years:
            py = asked
        else:
            errors.append(f"Performance year: “{raw_py[:20]}” is not one the portal knows; showing PY{py}.")
    aco_id = (get.get("aco") or "").strip().upper()[:5]
    if aco_id and not ACO.objects.filter(aco_id=aco_id).exists():
        errors.append(f"ACO: there is no ACO “{aco_id}”; showing every ACO.")
        aco_id = ""
    direction = (get.get("direction") or "").strip()
    if direction and direction not in payments.DIRECTIONS:
        errors.append(f"Direction: choose payments or repayments, not “{direction[:20]}”; showing both.")
        direction = ""
    return Filters(py, aco_id, direction, tuple(errors))


def totals_table(per_aco: list[payments.Totals], overall: payments.Totals) -> DataTable:
    return DataTable(
        "cara-payments-by-aco",
        "CARA reconciliations by ACO: paid to and repaid by Preferred Providers",
        [
            "ACO",
            "Legal name",
            "EBRAs",
            "Periods",
            "Episodes",
            "Paid to Preferred Providers",
            "Repaid by Preferred Providers",
            "Net (charged to the ACO's settlement when positive)",
        ],
        [
            [
                t.label,
                t.aco_name,
                t.arrangements,
                t.periods,
                t.episodes,
                usd(t.paid_cents),
                usd(t.repaid_cents),
                usd(t.net_cents),
            ]
            for t in [*per_aco, overall]
        ],  # fmt: skip
    )


class PaymentsView(CMSOnlyMixin, TemplateView):
    template_name = "cara/cms/payments.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = read_filters(self.request.GET)
        rows = payments.cms_payments(
            user=request_user(self.request),
            performance_year=filters.performance_year,
            aco_id=filters.aco_id,
            direction=filters.direction,
        )
        per_aco, overall = payments.totals_by_aco(rows)
        by_aco: dict[str, list[payments.PaymentRow]] = {}
        for r in rows:
            by_aco.setdefault(r.aco_id, []).append(r)
        table = totals_table(per_aco, overall)
        context.update(
            filters=filters,
            performance_year=filters.performance_year,
            performance_years=aco_selectors.performance_years(),
            acos=list(ACO.objects.order_by("aco_id").values_list("aco_id", "legal_name")),
            directions=payments.DIRECTIONS,
            groups=[(t, by_aco[t.aco_id]) for t in per_aco],
            overall=overall,
            chart=ChartBlock(
                "cara-net-by-aco",
                "Net amount of each ACO's CARA reconciliations: green bars, CMS paid the ACO's Preferred Providers "
                "on balance (charged to the ACO's settlement); red bars, they repaid on balance (credited to it).",
                charts.net_by_aco_figure(per_aco),
                table,
            ),
            totals=table,
            csv_url=f"{reverse('cara_cms:payments_csv')}?{filters.query}",
            arrangements_url=reverse("cara_cms:arrangements"),
        )
        return context


class PaymentsCSVView(CMSOnlyMixin, View):
    """The page's rows as CSV (``payments.CSV_HEADER``), through the one CSV writer: no cell is a formula."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = read_filters(request.GET)
        rows = payments.cms_payments(
            user=request_user(request),
            performance_year=filters.performance_year,
            aco_id=filters.aco_id,
            direction=filters.direction,
        )
        name = f"LEAD_CARA_payments_{'PY' + str(filters.performance_year) if filters.performance_year else 'all'}"
        if filters.aco_id:
            name += f"_{filters.aco_id}"
        if filters.direction:
            name += f"_{filters.direction}s"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv_writer(response)
        writer.writerow(payments.CSV_HEADER)
        writer.writerows(r.csv_row() for r in rows)
        return response


def arrangement_url(arrangement: Arrangement) -> str:
    try:
        return reverse(
            "cara:arrangement_detail", kwargs={"aco_id": arrangement.aco.aco_id, "arrangement_id": arrangement.pk}
        )
    except NoReverseMatch:
        return ""


def design_url(proposal: DesignProposal) -> str:
    try:
        return reverse("cara_designs:detail", kwargs={"aco_id": proposal.aco.aco_id, "proposal_id": proposal.pk})
    except NoReverseMatch:
        return ""


class ArrangementsView(CMSOnlyMixin, TemplateView):
    """CMS's queue: every ACO's EBRAs, those submitted to CMS first, and the Maximal Flexibility designs
    waiting for a decision."""

    template_name = "cara/cms/arrangements.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = read_filters(self.request.GET)
        user = request_user(self.request)
        arrangements = list(payments.cms_queue_arrangements(user=user, performance_year=filters.performance_year))
        designs = list(payments.cms_pending_designs(user=user, performance_year=filters.performance_year))
        context.update(
            errors=[e for e in filters.errors if not e.startswith(("ACO:", "Direction:"))],
            performance_year=filters.performance_year,
            performance_years=aco_selectors.performance_years(),
            arrangements=[(a, arrangement_url(a)) for a in arrangements],
            waiting=sum(1 for a in arrangements if a.status == "submitted"),
            designs=[(d, design_url(d)) for d in designs],
            payments_url=reverse("cara_cms:payments"),
        )
        return context
