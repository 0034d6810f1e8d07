"""From the settlement to the people behind it: the high-cost beneficiaries list of an ACO and PY (ranked
by PY spending, filtered by cohort, category and aligning TIN, reconciled with the money page), its CSV
and XLSX export, and one beneficiary's claims. Every page and file is access-logged."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.acos.mixins import ACOScopedMixin
from apps.acos.models import ACO
from lead_portal import formatting
from lead_portal.exports import XLSX_CONTENT_TYPE, csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row

from . import selectors_high_cost as high_cost
from .models import PerformanceSummary

PAGE_SIZE = 50
ESTIMATE_NOTE = "Money figures are the portal's estimates from the claims loaded so far, not CMS determinations."


def list_url(aco: ACO, performance_year: int, **filters: str) -> str:
    """The list's URL for the PY, pre-filtered (``cohort``, ``category``, ``tin``; empty values dropped)."""
    query: dict[str, str | int] = {"py": performance_year, **{k: v for k, v in filters.items() if v}}
    return f"{reverse('performance:high_cost', kwargs={'aco_id': aco.aco_id})}?{urlencode(query)}"


def claims_url(aco: ACO, performance_year: int, mbi: str, category: str = "") -> str:
    query: dict[str, str | int] = {"py": performance_year, **({"category": category} if category else {})}
    url = reverse("performance:beneficiary_claims", kwargs={"aco_id": aco.aco_id, "mbi": mbi})
    return f"{url}?{urlencode(query)}"


def now_text() -> str:
    """Now in the portal's zone, named: ``1 Mar 2027 14:05 EST``."""
    return formatting.when(timezone.now())


class HighCostMixin(ACOScopedMixin):
    nav = "money"


class HighCostView(HighCostMixin, TemplateView):
    """The ACO's aligned beneficiaries ranked by PY spending, with the reconciliation to the money page."""

    template_name = "performance/high_cost.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = high_cost.Filters.from_query(self.request.GET)
        found = high_cost.source(aco=self.aco, performance_year=self.performance_year)
        py = self.performance_year
        context.update(
            filters=filters,
            source=found,
            summary=found.summary,
            cohorts=list(high_cost.COHORT_LABELS.items()),
            categories=list(high_cost.CATEGORY_LABELS.items()),
            money_url=f"{reverse('performance:money', kwargs={'aco_id': self.aco.aco_id})}?py={py}",
            category_label=high_cost.CATEGORY_LABELS.get(filters.category, ""),
            cohort_label=high_cost.COHORT_LABELS.get(filters.cohort, ""),
        )
        summary = found.summary
        if summary is None or not found.computed:
            return context
        totals = high_cost.totals(aco=self.aco, summary=summary, filters=filters)
        ranking = high_cost.ranked(aco=self.aco, run_id=summary.run_id, filters=filters)
        paginator = Paginator(ranking, PAGE_SIZE)
        paginator.__dict__["count"] = totals.beneficiaries  # counted already with the sums
        page = paginator.get_page(self.request.GET.get("page"))
        rows = high_cost.rows(
            list(page.object_list),
            first_rank=page.start_index(),
            base=totals.aco_spending,
            above=high_cost.spending_above(ranking, page.start_index() - 1),
        )
        units = high_cost.units(aco=self.aco, run_id=summary.run_id, performance_year=py)
        context.update(
            totals=totals,
            page=page,
            rows=[(r, claims_url(self.aco, py, r.fact.mbi, filters.category)) for r in rows],
            units=units,
            unit_known=not filters.tin or any(u.tin == filters.tin for u in units),
            alignment_run_id=summary.run.alignment_run_id,
            export_query=urlencode({"py": str(py), **filters.params()}),
            unfiltered_url=list_url(self.aco, py),
        )
        self.log(
            "high_cost_beneficiaries",
            f"pipeline run {summary.run_id}",
            f"page {page.number}, {len(rows)} rows; {filters.describe()}",
        )
        return context


EXPORT_HEADER = [
    "rank", "mbi", "last_name", "first_name", "cohort", "aligning_unit", "aligning_tin_or_ccn", "spending",
    "share_of_aco_spending_pct", "cumulative_share_pct", *high_cost.CATEGORY_LABELS, "total", "claims",
]  # fmt: skip


def export_rows(aco: ACO, summary: PerformanceSummary, filters: high_cost.Filters) -> Iterator[list[Any]]:
    """Every listed beneficiary, in rank order, streamed from the database in chunks."""
    totals = high_cost.totals(aco=aco, summary=summary, filters=filters)
    base = totals.aco_spending
    facts = high_cost.ranked(aco=aco, run_id=summary.run_id, filters=filters)
    cumulative = high_cost.ZERO
    for rank, fact in enumerate(facts.iterator(chunk_size=2000), start=1):
        spending = high_cost.cents(fact.spending)  # type: ignore[attr-defined]
        cumulative += spending
        yield [
            rank,
            fact.mbi,
            fact.last_name,
            fact.first_name,
            high_cost.COHORT_LABELS.get(fact.cohort, fact.cohort),
            "CCN" if fact.unit_kind == "ccn" else "TIN",
            fact.tin,
            spending,
            high_cost.share_pct(spending, base),
            high_cost.share_pct(cumulative, base),
            *(high_cost.cents(getattr(fact, c)) for c in high_cost.CATEGORY_LABELS),
            high_cost.cents(fact.total),
            fact.claims,
        ]


def about_lines(aco: ACO, summary: PerformanceSummary, filters: high_cost.Filters) -> list[tuple[str, str]]:
    """What the export is, for its "About" sheet: the vintage never goes above the header row."""
    data = summary.data
    vintage = data.get("vintage", {})
    return [
        ("ACO", f"{aco.aco_id} {aco.legal_name}"),
        ("Performance year", f"PY{summary.performance_year}"),
        ("List", f"High-cost beneficiaries: {filters.describe()}"),
        ("Pipeline run", str(summary.run_id)),
        ("Alignment run", str(vintage.get("alignment_run") or "—")),
        ("Claims through", str(vintage.get("claims_through") or "—")),
        ("Spending", "Netted paid amounts of the performance year, as the money step counts them."),
        ("Estimate", ESTIMATE_NOTE),
        ("Exported", now_text()),
    ]


class HighCostExportView(HighCostMixin, View):
    """The list (with its filter) as CSV or XLSX; the ACO, PY, run and filter are in the file name."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs["fmt"]
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        filters = high_cost.Filters.from_query(request.GET)
        found = high_cost.source(aco=self.aco, performance_year=self.performance_year)
        summary = found.summary
        rows: Iterator[list[Any]] = (
            export_rows(self.aco, summary, filters) if summary is not None and found.computed else iter(())
        )
        run = f"_run{summary.run_id}" if summary is not None else ""
        name = f"LEAD_{self.aco.aco_id}_PY{self.performance_year}_high-cost{run}{filters.slug()}.{fmt}"
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv_writer(response)
            writer.writerow(EXPORT_HEADER)
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        else:
            body, count = xlsx_bytes(rows, about_lines(self.aco, summary, filters) if summary is not None else [])
            response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        if summary is not None:
            self.log(
                "high_cost_beneficiaries",
                f"pipeline run {summary.run_id}",
                f"{fmt} export, {count} rows; {filters.describe()}",
                action=AccessLog.Action.EXPORT,
            )
        return response


def xlsx_bytes(rows: Iterator[list[Any]], about: list[tuple[str, str]]) -> tuple[bytes, int]:
    raw = io.BytesIO()
    book = xlsx_workbook(raw, {"constant_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet("High-cost beneficiaries")
    xlsx_write_row(sheet, 0, 0, EXPORT_HEADER, bold)
    count = 0
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            xlsx_write(sheet, r, c, value, money if isinstance(value, Decimal) else None)
        count += 1
    sheet.freeze_panes(1, 2)
    info = book.add_worksheet("About")
    for r, (label, value) in enumerate(about):
        xlsx_write(info, r, 0, label, bold)
        xlsx_write(info, r, 1, value)
    info.set_column(0, 0, 18)
    info.set_column(1, 1, 90)
    book.close()
    return raw.getvalue(), count


class BeneficiaryClaimsView(HighCostMixin, TemplateView):
    """One aligned beneficiary's PY claims as the money step counts them, by category, with what it left
    out and why. Another ACO's beneficiary answers 404."""

    template_name = "performance/beneficiary_claims.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        category = self.request.GET.get("category", "")
        category = category if category in high_cost.CATEGORY_LABELS else ""
        py = self.performance_year
        found = high_cost.beneficiary_claims(
            aco=self.aco, performance_year=py, mbi=self.kwargs["mbi"], category=category
        )
        row = found.aligned
        base = claims_url(self.aco, py, row.mbi)
        context.update(
            found=found,
            row=row,
            category=category,
            category_label=high_cost.CATEGORY_LABELS.get(category, ""),
            category_links=[(c, claims_url(self.aco, py, row.mbi, c.category)) for c in found.categories],
            all_claims_url=base,
            list_url=list_url(self.aco, py, category=category),
            beneficiary_url=(
                f"{reverse('alignment:beneficiary_detail', kwargs={'aco_id': self.aco.aco_id, 'mbi': row.mbi})}"
                f"?{urlencode({'py': py, 'run': found.alignment_run.pk})}"
            ),
            cohort_label=high_cost.COHORT_LABELS.get(row.cohort, row.cohort),
            unit_name=high_cost.unit_name(aco=self.aco, performance_year=py, tin=row.tin, kind=row.unit_kind),
            shown_total=sum((c.amount for c in found.claims), Decimal("0.00")),
            counted_claims=sum(c.claims for c in found.categories),
        )
        self.log(
            "beneficiary_claims",
            row.mbi,
            f"PY{py} claims, {len(found.claims)} shown"
            + (f", pipeline run {found.pipeline_run.pk}" if found.pipeline_run else "")
            + (f", {category}" if category else ""),
        )
        return context
