"""Rural add-on pages: the ACO's overview (eligibility and why, Participant TINs with their rurality,
beneficiaries by RUCA category, the monthly payment schedule) with its CSV/XLSX export, and for CMS
staff every ACO's eligibility and PY totals. Figures come from the latest rural run of the PY."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.acos import selectors as aco_selectors
from apps.acos.mixins import ACOScopedMixin, CMSOnlyMixin, resolve_performance_year
from apps.acos.models import ACO
from apps.acos.presentation import ChartBlock, DataTable, money
from lead_portal.exports import XLSX_CONTENT_TYPE, csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row

from . import charts, selectors
from .models import RuralRun
from .reference import zip_state

CATEGORY_ORDER = ["metropolitan", "micropolitan", "small town", "rural", "unknown"]
CATEGORY_LABELS = {
    "metropolitan": "Metropolitan (RUCA 1–3)",
    "micropolitan": "Micropolitan (RUCA 4–6)",
    "small town": "Small town (RUCA 7–9)",
    "rural": "Rural (RUCA 10)",
    "unknown": "Unknown ZIP",
}
KIND_LABELS = {"actual": "Actual", "projected": "Projected"}


def rurality_label(rural: bool | None) -> str:
    return {True: "Rural", False: "Urban", None: "Unknown"}[rural]


@dataclass(frozen=True)
class TinRow:
    tin: str
    legal_name: str
    facility_type: str
    practice_zip: str
    state: str
    ruca: int | None
    rural: bool | None
    rule: str

    @property
    def rurality(self) -> str:
        return rurality_label(self.rural)


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    member_months: int
    rate: Decimal
    amount: Decimal
    kind: str

    @property
    def rate_text(self) -> str:
        return money(self.rate)

    @property
    def amount_text(self) -> str:
        return money(self.amount)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def tin_rows(tins: Any) -> list[TinRow]:
    states = zip_state()
    return [
        TinRow(
            tin=t.tin,
            legal_name=t.legal_name,
            facility_type=t.facility_type,
            practice_zip=t.practice_zip,
            state=states.get(t.practice_zip, ""),
            ruca=t.ruca,
            rural=t.rural,
            rule=t.rule,
        )
        for t in tins
    ]


def month_rows(lines: Any) -> list[MonthRow]:
    return [MonthRow(m.month, m.member_months, m.rate, m.amount, m.kind) for m in lines]


def state_block(rows: list[TinRow]) -> ChartBlock:
    rural = Counter(r.state or "Unknown" for r in rows if r.rural)
    other = Counter(r.state or "Unknown" for r in rows if not r.rural)
    states = sorted(set(rural) | set(other))
    table = DataTable(
        "rural-by-state",
        "Participant TINs by state of the practice ZIP",
        ["State", "Rural TINs", "Urban or unknown TINs"],
        [[s, rural[s], other[s]] for s in states],
    )
    figure = (
        charts.tins_by_state_figure(states, [rural[s] for s in states], [other[s] for s in states]) if states else None
    )
    return ChartBlock(
        "rural-by-state", "Participant TINs by the state of their practice ZIP, rural ones in green.", figure, table
    )


def category_block(categories: Any) -> ChartBlock:
    found = {c.category: c for c in categories}
    order = [c for c in CATEGORY_ORDER if c in found] + sorted(set(found) - set(CATEGORY_ORDER))
    labels = [str(CATEGORY_LABELS.get(c, c)) for c in order]
    counts = [found[c].count for c in order]
    via = [found[c].via_rural_tin for c in order]
    table = DataTable(
        "rural-categories",
        "Aligned beneficiaries by RUCA category of their ZIP",
        ["RUCA category", "Aligned beneficiaries", "Aligned through a rural TIN"],
        [[label, n, v] for label, n, v in zip(labels, counts, via, strict=True)],
    )
    figure = charts.categories_figure(labels, counts, via) if order else None
    return ChartBlock(
        "rural-categories",
        "Aligned beneficiaries by the RUCA category of their ZIP, and those aligned through a rural Participant TIN.",
        figure,
        table,
    )


def schedule_block(months: list[MonthRow]) -> ChartBlock:
    labels = [m.month.strftime("%b %Y") for m in months]
    table = DataTable(
        "rural-schedule-chart",
        "Monthly rural add-on payments",
        ["Month", "Amount", "Actual or projected"],
        [[label, m.amount_text, m.kind_label] for label, m in zip(labels, months, strict=True)],
    )
    figure = (
        charts.schedule_figure(labels, [float(m.amount) for m in months], [m.kind for m in months]) if months else None
    )
    return ChartBlock(
        "rural-schedule",
        "Monthly add-on payments: months already paid on actual alignment in blue, projected months in gray.",
        figure,
        table,
    )


def overview_data(aco: ACO, performance_year: int) -> dict[str, Any]:
    """Everything the overview page, its export and the API show, from the PY's latest rural run
    (``run`` is None when there is none)."""
    found = selectors.overview(aco=aco, performance_year=performance_year)
    if found.run is None:
        return {"run": None}
    tins = tin_rows(found.tins)
    months = month_rows(found.schedule)
    eligibility = found.eligibility
    rate = eligibility.rate if eligibility is not None else (months[0].rate if months else None)
    actual = [m for m in months if m.kind == "actual"]
    projected = [m for m in months if m.kind == "projected"]
    totals = {
        "member_months": sum(m.member_months for m in months),
        "total_amount": sum((m.amount for m in months), Decimal("0.00")),
        "actual_amount": sum((m.amount for m in actual), Decimal("0.00")),
        "projected_amount": sum((m.amount for m in projected), Decimal("0.00")),
        "actual_months": len(actual),
        "projected_months": len(projected),
    }
    return {
        "run": found.run,
        "eligibility": eligibility,
        "tins": tins,
        "unknown_tins": [t for t in tins if t.rural is None],
        "rural_count": sum(1 for t in tins if t.rural),
        "categories": list(found.categories),
        "schedule": months,
        "totals": totals,
        "rate": rate,
    }


class OverviewMixin(ACOScopedMixin):
    nav = "rural"
    request: HttpRequest


class OverviewView(OverviewMixin, TemplateView):
    template_name = "rural/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        data = overview_data(self.aco, self.performance_year)
        context.update(run=data["run"])
        if data["run"] is None:
            return context
        totals = data["totals"]
        context.update(
            data,
            rate_text=money(data["rate"]),
            totals={
                "member_months": totals["member_months"],
                "total": money(totals["total_amount"]),
                "actual": money(totals["actual_amount"]),
                "projected": money(totals["projected_amount"]),
                "actual_months": totals["actual_months"],
                "projected_months": totals["projected_months"],
            },
            state_block=state_block(data["tins"]),
            category_block=category_block(data["categories"]),
            schedule_block=schedule_block(data["schedule"]),
        )
        return context


TIN_HEADER = ["TIN", "Legal name", "Facility type", "Practice ZIP", "State", "RUCA", "Rurality", "Rule"]
SCHEDULE_HEADER = ["Month", "Beneficiary-months", "Rate ($ PBPM)", "Amount ($)", "Actual or projected"]


def export_tables(data: dict[str, Any]) -> tuple[list[list[Any]], list[list[Any]]]:
    tins = [
        [t.tin, t.legal_name, t.facility_type, t.practice_zip, t.state, t.ruca, t.rurality, t.rule]
        for t in data.get("tins", [])
    ]
    months = [[m.month, m.member_months, m.rate, m.amount, m.kind_label] for m in data.get("schedule", [])]
    return tins, months


class ExportView(OverviewMixin, TemplateView):
    """The Participant TINs with their rurality and the payment schedule: both in one XLSX (a sheet
    each), or one CSV each (``table``: "tins" or "schedule"), the header first and the run in the
    file's name (Excel and pandas read a CSV's first row as its header: nothing goes above it)."""

    table = "tins"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs.get("fmt", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        data = overview_data(self.aco, self.performance_year)
        run: RuralRun | None = data["run"]
        tins, months = export_tables(data)
        eligibility = data.get("eligibility")
        stamp = f"LEAD ACO {self.aco.aco_id} rural add-on; PY{self.performance_year}; " + (
            f"rural run {run.pk} on alignment run {run.alignment_run_id}" if run else "no rural run yet"
        )
        summary = [
            ["Qualifies", "Yes" if eligibility and eligibility.qualifies else "No"],
            ["Why", eligibility.reason if eligibility else "No rural run for this performance year yet."],
            ["Rate ($ PBPM)", data.get("rate")],
            ["Total ($)", data["totals"]["total_amount"] if run else Decimal("0.00")],
            ["Note", "The rural add-on is never reconciled at settlement."],
        ]
        what = "-schedule" if fmt == "csv" and self.table == "schedule" else ""
        name = f"rural-addon{what}-{self.aco.aco_id}-py{self.performance_year}"
        name += (f"-run{run.pk}" if run else "-no-run-yet") + f".{fmt}"
        if run is not None:
            detail = f"{len(tins)} TINs, {len(months)} months"
            if fmt == "csv":
                detail = f"{len(months)} months" if self.table == "schedule" else f"{len(tins)} TINs"
            self.log("rural_addon", f"rural run {run.pk}", f"{fmt} export, {detail}", AccessLog.Action.EXPORT)
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv_writer(response)
            if self.table == "schedule":
                writer.writerow(SCHEDULE_HEADER)
                writer.writerows([[m[0].strftime("%Y-%m"), *m[1:]] for m in months])
            else:
                writer.writerow(TIN_HEADER)
                writer.writerows(tins)
        else:
            response = HttpResponse(xlsx_bytes(stamp, summary, tins, months), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


XLSX_TYPE = XLSX_CONTENT_TYPE


def xlsx_bytes(stamp: str, summary: list[list[Any]], tins: list[list[Any]], months: list[list[Any]]) -> bytes:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    bold = book.add_format({"bold": True})
    money_format = book.add_format({"num_format": "#,##0.00"})
    month_format = book.add_format({"num_format": "yyyy-mm"})
    sheet = book.add_worksheet("Participant TINs")
    xlsx_write(sheet, 0, 0, stamp)
    for r, (label, value) in enumerate(summary, start=1):
        xlsx_write(sheet, r, 0, label, bold)
        xlsx_write(sheet, r, 1, value, money_format if isinstance(value, Decimal) else None)
    top = len(summary) + 2
    xlsx_write_row(sheet, top, 0, TIN_HEADER, bold)
    for r, row in enumerate(tins, start=top + 1):
        xlsx_write_row(sheet, r, 0, row)
    sheet.freeze_panes(top + 1, 1)
    schedule = book.add_worksheet("Payment schedule")
    xlsx_write(schedule, 0, 0, stamp)
    xlsx_write_row(schedule, 1, 0, SCHEDULE_HEADER, bold)
    for r, (month, member_months, rate, amount, kind) in enumerate(months, start=2):
        xlsx_write(schedule, r, 0, month, month_format)
        xlsx_write(schedule, r, 1, member_months)
        xlsx_write(schedule, r, 2, rate, money_format)
        xlsx_write(schedule, r, 3, amount, money_format)
        xlsx_write(schedule, r, 4, kind)
    schedule.freeze_panes(2, 1)
    book.close()
    return raw.getvalue()


# --------------------------------------------------------------------------------------------------
# CMS: every ACO's eligibility and PY totals
# --------------------------------------------------------------------------------------------------
COLUMNS = [
    ("aco", "ACO"),
    ("name", "Legal name"),
    ("qualifies", "Eligibility"),
    ("rural_tins", "Rural TINs"),
    ("member_months", "Beneficiary-months"),
    ("total", "PY total"),
]


def cms_rows(performance_year: int, sort: str) -> tuple[RuralRun | None, list[dict[str, Any]]]:
    """The PY's latest rural run and one row per ACO in it, sorted by ``sort`` (a COLUMNS key,
    "-" first for descending)."""
    run = selectors.latest_run(performance_year=performance_year)
    rows: list[dict[str, Any]] = [
        {
            "aco_id": found.aco.aco_id,
            "legal_name": found.aco.legal_name,
            "qualifies": found.qualifies,
            "reason": found.reason,
            "rate": found.rate,
            "tins": found.tins,
            "rural_tins": found.rural_tins,
            "unknown_zip_tins": found.unknown_zip_tins,
            "member_months": found.totals.member_months,
            "total_amount": found.totals.amount,
        }
        for found in (selectors.all_acos(performance_year=performance_year, run=run) if run else [])
    ]
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "aco": lambda r: r["aco_id"],
        "name": lambda r: r["legal_name"].lower(),
        "qualifies": lambda r: (r["qualifies"], r["aco_id"]),
        "rural_tins": lambda r: (r["rural_tins"], r["aco_id"]),
        "member_months": lambda r: (r["member_months"], r["aco_id"]),
        "total": lambda r: (r["total_amount"], r["aco_id"]),
    }
    key = sort.removeprefix("-")
    rows = sorted(rows, key=keys.get(key, keys["aco"]), reverse=sort.startswith("-"))
    for r in rows:
        r["total_text"] = money(r["total_amount"])
    return run, rows


class AllACOsView(CMSOnlyMixin, TemplateView):
    template_name = "rural/cms_all.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        py = resolve_performance_year(self.request.GET.get("py"))
        sort = self.request.GET.get("sort", "aco")
        if sort.removeprefix("-") not in dict(COLUMNS):
            sort = "aco"
        run, rows = cms_rows(py, sort)
        headers = []
        for key, label in COLUMNS:
            current = sort.removeprefix("-") == key
            descending = sort.startswith("-")
            headers.append(
                {
                    "key": key,
                    "label": label,
                    "sort": f"-{key}" if current and not descending else key,
                    "aria_sort": ("descending" if descending else "ascending") if current else "",
                }
            )
        context.update(
            performance_year=py,
            performance_years=aco_selectors.performance_years(),
            run=run,
            rows=rows,
            headers=headers,
            grand_total=money(sum((r["total_amount"] for r in rows), Decimal("0.00"))),
        )
        return context


class BeneficiariesView(OverviewMixin, TemplateView):
    """Each aligned beneficiary of the ACO with its CCLF8 ZIP, RUCA code, category and the rule that
    decided, and whether it counts for the add-on (aligned through a rural TIN). Access-logged."""

    template_name = "rural/beneficiaries.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from django.core.paginator import Paginator

        from apps.alignment.models import AlignedBeneficiary

        context = super().get_context_data(**kwargs)
        run = selectors.latest_run(performance_year=self.performance_year)
        context.update(run=run, category_labels=CATEGORY_LABELS)
        if run is None:
            return context
        mbis = AlignedBeneficiary.objects.filter(run_id=run.alignment_run_id, aco=self.aco).order_by("mbi")
        page = Paginator(mbis.values_list("mbi", flat=True), 50).get_page(self.request.GET.get("page"))
        rows = selectors.beneficiary_rows(aco=self.aco, run=run, mbis=list(page.object_list))
        context.update(page=page, rows=rows)
        self.log("rural_beneficiaries", f"rural run {run.pk}", f"page {page.number}")
        return context
