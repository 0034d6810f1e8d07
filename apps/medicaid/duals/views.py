"""Dual-eligible pages of an ACO: the dashboard (full / partial / not dual compared on spending,
admissions and ED visits, and the count per CCLF8 dual status code) with its CSV, the full-benefit
dual list for care coordination with its CSV/XLSX export (never with a beneficiary who declined data
sharing), and the data-sharing opt-outs. Beneficiary-level pages and files are access-logged."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.acos.mixins import ACOScopedMixin
from apps.acos.presentation import ChartBlock, DataTable, money
from apps.alignment.models import AlignedBeneficiary
from lead_portal.exports import XLSX_CONTENT_TYPE, csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row

from .. import engine
from ..models import DataSharingOptOut, DualBeneficiary, DualRun
from . import charts, selectors, services
from .forms import OptOutForm, OptOutUploadForm

PAGE_SIZE = 50
XLSX_TYPE = XLSX_CONTENT_TYPE
GROUP_LABELS = {engine.FULL: "Full-benefit duals", engine.PARTIAL: "Partial-benefit duals", engine.NONE: "Not dual"}
COHORT_LABELS = dict(AlignedBeneficiary.Cohort.choices)


def rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def times(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}×"


def _stamp(aco_id: str, performance_year: int, run: DualRun | None, what: str) -> str:
    if run is None:
        return f"LEAD ACO {aco_id} {what}; PY{performance_year}; no dual-eligible run for the year yet"
    through = f"claims through {run.through:%Y-%m-%d}" if run.through else "no claims of the year yet"
    return (
        f"LEAD ACO {aco_id} {what}; PY{performance_year}; dual run {run.pk} on alignment run "
        f"{run.alignment_run_id}; {through}"
    )


# --- the dashboard -------------------------------------------------------------------------------

COMPARISON_HEADER = [
    "Group",
    "Beneficiaries",
    "Member-months",
    "Spending",
    "Spending per beneficiary per month",
    "Admissions",
    "Admissions per 1,000 per year",
    "ED visits",
    "ED visits per 1,000 per year",
]
MEASURES = [
    # slug, title, figure attribute, formatter, axis title, d3 format
    ("pbpm", "Spending per beneficiary per month", "pbpm", money, "US$ per beneficiary per month", "$,.2f"),
    ("admissions", "Inpatient admissions per 1,000 per year", "admissions_per_1000", rate, "Admissions per 1,000",
     ",.1f"),
    ("ed", "Emergency department visits per 1,000 per year", "ed_visits_per_1000", rate, "ED visits per 1,000",
     ",.1f"),
]  # fmt: skip


def comparison_rows(summary: selectors.DualSummary) -> list[tuple[str, selectors.GroupFigures]]:
    return [
        (GROUP_LABELS[engine.FULL], summary.groups[engine.FULL]),
        (GROUP_LABELS[engine.PARTIAL], summary.groups[engine.PARTIAL]),
        ("All duals", summary.duals),
        (GROUP_LABELS[engine.NONE], summary.groups[engine.NONE]),
        ("All aligned", summary.aligned),
    ]


def comparison_table(summary: selectors.DualSummary) -> DataTable:
    rows = [
        [
            label, f.beneficiaries, f.member_months, money(f.spending), money(f.pbpm), f.admissions,
            rate(f.admissions_per_1000), f.ed_visits, rate(f.ed_visits_per_1000),
        ]
        for label, f in comparison_rows(summary)
    ]  # fmt: skip
    return DataTable("dual-comparison", "Use of care by dual status", COMPARISON_HEADER, rows)


def ratio_rows(summary: selectors.DualSummary) -> list[list[str]]:
    """Each rate of the full-benefit, partial-benefit and all duals as a multiple of the non-duals'."""
    none = summary.groups[engine.NONE]
    groups = [
        (GROUP_LABELS[engine.FULL], summary.groups[engine.FULL]),
        (GROUP_LABELS[engine.PARTIAL], summary.groups[engine.PARTIAL]),
        ("All duals", summary.duals),
    ]
    return [
        [label, *[times(engine.ratio(getattr(f, attr), getattr(none, attr))) for _, _, attr, *_ in MEASURES]]
        for label, f in groups
    ]


def chart_blocks(summary: selectors.DualSummary) -> list[ChartBlock]:
    groups = list(engine.GROUPS)
    labels = [GROUP_LABELS[g] for g in groups]
    blocks = []
    for slug, title, attr, fmt, axis, d3 in MEASURES:
        values: list[Decimal | None] = [getattr(summary.groups[g], attr) for g in groups]
        cells = [[lab, fmt(v)] for lab, v in zip(labels, values, strict=True)]
        table = DataTable(f"duals-{slug}", f"{title}, by dual status", ["Group", title], cells)
        figure = charts.comparison_figure(
            groups,
            labels,
            [float(v) if v is not None else None for v in values],
            y_title=axis,
            value_format=d3,
        )
        caption = f"{title}: full-benefit duals, partial-benefit duals and beneficiaries who are not dual."
        blocks.append(ChartBlock(f"duals-{slug}", caption, figure, table))
    return blocks


def code_table(summary: selectors.DualSummary) -> DataTable:
    rows = [[c.code or "(blank)", c.label, c.group_label, c.beneficiaries] for c in summary.codes]
    return DataTable(
        "dual-codes",
        "Aligned beneficiaries by CCLF8 dual status code (BENE_DUAL_STUS_CD)",
        ["Code", "Meaning", "Counted as", "Beneficiaries"],
        rows,
    )


class DualsMixin(ACOScopedMixin):
    nav = "medicaid"
    request: HttpRequest

    def url(self, name: str, **kwargs: Any) -> str:
        return f"{reverse(f'medicaid:{name}', kwargs={'aco_id': self.aco.aco_id, **kwargs})}?py={self.performance_year}"


class DualsView(DualsMixin, TemplateView):
    """The dual-eligible dashboard (aggregates only: no beneficiary is named here)."""

    template_name = "medicaid/duals/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        summary = selectors.dual_summary(aco=self.aco, performance_year=self.performance_year)
        context.update(summary=summary, run=summary.run)
        if summary.run is None:
            return context
        context.update(
            cards={
                "duals": summary.duals.beneficiaries,
                "full": summary.groups[engine.FULL].beneficiaries,
                "partial": summary.groups[engine.PARTIAL].beneficiaries,
                "aligned": summary.aligned.beneficiaries,
                "share": "—" if summary.dual_share is None else f"{summary.dual_share}%",
            },
            comparison=comparison_table(summary),
            ratio_header=["Group", *[m[1] for m in MEASURES]],
            ratios=ratio_rows(summary),
            blocks=chart_blocks(summary),
            codes=code_table(summary),
        )
        return context


class DualsDataView(DualsMixin, View):
    """One table of the dashboard as CSV (``table``: "care", use of care by dual status, or "codes",
    beneficiaries by CCLF8 dual status code). One table a file, the header first: the run is in the
    file's name, never above the header (Excel and pandas read the first row as the header)."""

    table = "care"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        summary = selectors.dual_summary(aco=self.aco, performance_year=self.performance_year)
        run = summary.run
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        what = "dual-eligibles" if self.table == "care" else "dual-status-codes"
        name = f"{what}-{self.aco.aco_id}-py{self.performance_year}" + (f"-run{run.pk}" if run else "-no-run-yet")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        writer = csv_writer(response)
        if self.table == "codes":
            writer.writerow(["code", "meaning", "counted_as", "beneficiaries"])
            for c in summary.codes if run is not None else []:
                writer.writerow([c.code, c.label, c.group, c.beneficiaries])
            return response
        writer.writerow(
            ["group", "beneficiaries", "member_months", "spending", "pbpm", "admissions", "admissions_per_1000",
             "ed_visits", "ed_visits_per_1000"]
        )  # fmt: skip
        for label, f in comparison_rows(summary) if run is not None else []:
            writer.writerow(
                [label, f.beneficiaries, f.member_months, f.spending, f.pbpm, f.admissions, f.admissions_per_1000,
                 f.ed_visits, f.ed_visits_per_1000]
            )  # fmt: skip
        return response


# --- the full-benefit dual list ------------------------------------------------------------------

LIST_COLUMNS = [
    ("name", "Name"),
    ("mbi", "MBI"),
    ("code", "Dual status code"),
    ("cohort", "Cohort"),
    ("spending", "Spending"),
    ("admissions", "Admissions"),
    ("ed_visits", "ED visits"),
    ("last_admission", "Last admission"),
]
EXPORT_HEADER = [
    "mbi", "last_name", "first_name", "dual_status_code", "dual_status", "cohort", "member_months", "spending",
    "admissions", "ed_visits", "last_admission",
]  # fmt: skip


def list_sort(value: str | None) -> str:
    sort = value or "name"
    return sort if sort.removeprefix("-") in selectors.LIST_SORTS else "name"


def list_headers(sort: str) -> list[dict[str, str]]:
    headers = []
    for key, label in LIST_COLUMNS:
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
    return headers


def export_rows(rows: QuerySet[DualBeneficiary]) -> list[list[Any]]:
    return [
        [
            r.mbi, getattr(r, "last_name", "") or "", getattr(r, "first_name", "") or "", r.dual_code,
            engine.code_label(r.dual_code), COHORT_LABELS.get(getattr(r, "cohort", "") or "", ""), r.member_months,
            r.spending, r.admissions, r.ed_visits, r.last_admission,
        ]
        for r in rows.iterator(chunk_size=2000)
    ]  # fmt: skip


class DualListView(DualsMixin, TemplateView):
    """The full-benefit duals, for care coordination with the Medicaid partner. Access-logged."""

    template_name = "medicaid/duals/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        sort = list_sort(self.request.GET.get("sort"))
        found = selectors.full_dual_list(aco=self.aco, performance_year=self.performance_year, q=q, sort=sort)
        context.update(run=found.run, q=q, sort=sort, suppressed=found.suppressed, headers=list_headers(sort))
        if found.run is None:
            return context
        page = Paginator(found.rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        for r in rows:
            r.code_label = engine.code_label(r.dual_code)  # type: ignore[attr-defined]
            r.cohort_label = COHORT_LABELS.get(r.cohort or "", "—")  # type: ignore[attr-defined]
        context.update(page=page, rows=rows)
        detail = f"page {page.number}, {len(rows)} rows, {found.suppressed} suppressed" + (
            f", search {q!r}" if q else ""
        )
        self.log("medicaid_full_duals", f"dual run {found.run.pk}", detail)
        return context


class DualExportView(DualsMixin, View):
    """The full-benefit dual list (the same suppressed list) as CSV or XLSX, stamped. Access-logged."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs["fmt"]
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        found = selectors.full_dual_list(aco=self.aco, performance_year=self.performance_year, sort="name")
        run = found.run
        rows = export_rows(found.rows)
        stamp = _stamp(self.aco.aco_id, self.performance_year, run, "full-benefit dual eligibles")
        one = found.suppressed == 1
        who = f"{found.suppressed} beneficiar{'y' if one else 'ies'} who declined data sharing"
        note = f"{who} {'is' if one else 'are'} not listed."
        name = (
            f"full-duals-{self.aco.aco_id}-py{self.performance_year}"
            + (f"-run{run.pk}" if run else "-no-run-yet")
            + f".{fmt}"
        )
        if run is not None:
            self.log(
                "medicaid_full_duals",
                f"dual run {run.pk}",
                f"{fmt} export, {len(rows)} rows, {found.suppressed} suppressed",
                AccessLog.Action.EXPORT,
            )
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv_writer(response)
            # The header first: the run is in the file's name; the page says who is not listed.
            writer.writerow(EXPORT_HEADER)
            for row in rows:
                writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])
        else:
            response = HttpResponse(xlsx_bytes(stamp, note, rows), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def xlsx_bytes(stamp: str, note: str, rows: list[list[Any]]) -> bytes:
    raw = io.BytesIO()
    book = xlsx_workbook(raw)
    bold = book.add_format({"bold": True})
    money_format = book.add_format({"num_format": "#,##0.00"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Full-benefit duals")
    xlsx_write(sheet, 0, 0, stamp)
    xlsx_write(sheet, 1, 0, note)
    xlsx_write_row(sheet, 2, 0, EXPORT_HEADER, bold)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            # An MBI or code stays text (a string cell), money to the cent.
            cell_format = money_format if isinstance(value, Decimal) else None
            xlsx_write(sheet, r, c, value, cell_format, date_format=date_format)
    sheet.freeze_panes(3, 1)
    book.close()
    return raw.getvalue()


# --- data-sharing opt-outs -----------------------------------------------------------------------


class OptOutsView(DualsMixin, TemplateView):
    """The ACO's opt-outs (open and revoked; access-logged), with the add form and the CSV upload for
    administrators. Every POST is a write: analysts get 403 (ACOScopedMixin)."""

    template_name = "medicaid/duals/optouts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        status = self.request.GET.get("status", "")
        status = status if status in ("open", "revoked") else ""
        page = Paginator(selectors.optout_list(aco=self.aco, q=q, status=status), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        context.setdefault("form", OptOutForm())
        context.setdefault("upload_form", OptOutUploadForm(prefix="upload"))
        context.update(
            page=page,
            rows=list(page.object_list),
            q=q,
            status=status,
            counts=selectors.optout_counts(aco=self.aco),
            columns=services.OPTOUT_COLUMNS,
            sources=[(value, str(label)) for value, label in DataSharingOptOut.Source.choices],
        )
        detail = f"page {page.number}" + (f", search {q!r}" if q else "") + (f", {status}" if status else "")
        self.log("medicaid_optouts", f"PY{self.performance_year}", detail)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "upload-file" in request.FILES or request.POST.get("action") == "upload":
            return self._upload(request)
        form = OptOutForm(request.POST)
        if form.is_valid():
            try:
                optout = services.optout_record(aco=self.aco, acting_user=request_user(request), **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for e in errors:
                        form.add_error(name if name in form.fields else None, e)
            else:
                messages.success(
                    request,
                    f"Opt-out recorded: MBI {optout.mbi} declined data sharing on {optout.declined_on:%Y-%m-%d}.",
                )
                return HttpResponseRedirect(self.url("optouts"))
        else:
            # Show every problem at once: the service's checks for the fields the form did not refuse.
            for problem in services.optout_entry_check(data=request.POST.dict()):
                if problem.field in form.fields and problem.field not in form.errors:
                    form.add_error(problem.field, f"{problem.reason[:1].upper()}{problem.reason[1:]}.")
        return self.render_to_response(self.get_context_data(form=form, form_failed=True), status=400)

    def _upload(self, request: HttpRequest) -> HttpResponse:
        form = OptOutUploadForm(request.POST, request.FILES, prefix="upload")
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(upload_form=form, upload_failed=True), status=400)
        upload = form.cleaned_data["file"]
        outcome = services.optout_upload(aco=self.aco, acting_user=request_user(request), file=upload)
        if outcome.errors:
            context = self.get_context_data(
                upload_form=OptOutUploadForm(prefix="upload"), row_errors=outcome.errors, filename=upload.name
            )
            return self.render_to_response(context, status=400)
        messages.success(request, f"{outcome.message[:-1]} from {upload.name}.")
        return HttpResponseRedirect(self.url("optouts"))


class OptOutRevokeView(DualsMixin, View):
    """POST only: the beneficiary agreed to data sharing again."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        optout = selectors.optout_get(aco=self.aco, optout_id=int(kwargs["optout_id"]))
        try:
            services.optout_revoke(optout=optout, acting_user=request_user(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"Opt-out of MBI {optout.mbi} revoked: the beneficiary appears in shared lists again."
            )
        return HttpResponseRedirect(self.url("optouts"))
