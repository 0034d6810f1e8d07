"""Pages for an ACO's CAHPS and eCQM results: the year's current results with how each counts, the
history of every upload, and the upload itself (ACO administrators). Rules live in ``services``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.mixins import ACOScopedMixin
from lead_portal.exports import XLSX_CONTENT_TYPE, csv_writer, xlsx_workbook, xlsx_write, xlsx_write_row

from . import charts, selectors, services
from .forms import SubmissionUploadForm
from .models import CareGap, QualityRun, QualitySubmission


class SubmissionsMixin(ACOScopedMixin):
    nav = "quality"
    request: HttpRequest

    def submissions_url(self) -> str:
        url = reverse("quality:submissions", kwargs={"aco_id": self.aco.aco_id})
        return f"{url}?py={self.performance_year}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            submissions_url=self.submissions_url(),
            ecqm_phase_label=selectors.PHASE_LABELS[selectors.ecqm_phase(performance_year=self.performance_year)],
            columns=services.COLUMNS,
            uploadable=QualitySubmission.Measure.choices,
        )
        return context


class SubmissionsView(SubmissionsMixin, TemplateView):
    template_name = "quality/submissions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            results=selectors.submissions_current(aco=self.aco, performance_year=self.performance_year),
            history=selectors.submissions_history(aco=self.aco, performance_year=self.performance_year),
        )
        return context


class SubmissionUploadView(SubmissionsMixin, TemplateView):
    template_name = "quality/submissions_upload.html"
    editors_only = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SubmissionUploadForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SubmissionUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        outcome = services.submissions_upload(
            aco=self.aco,
            performance_year=self.performance_year,
            data=upload,  # read by the service, its size checked first
            filename=upload.name,
            acting_user=request_user(request),
        )
        if outcome.errors:
            return self.render_to_response(
                self.get_context_data(form=SubmissionUploadForm(), row_errors=outcome.errors, filename=upload.name),
                status=400,
            )
        messages.success(request, outcome.message)
        return HttpResponseRedirect(self.submissions_url())


# --------------------------------------------------------------------------------------------------
# Results: overview, a measure's members, care gaps
# --------------------------------------------------------------------------------------------------
class QualityRunMixin(ACOScopedMixin):
    nav = "quality"
    request: HttpRequest
    run: QualityRun | None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        self.run = selectors.quality_run_for_view(
            performance_year=self.performance_year, run_id=self.request.GET.get("run")
        )
        context.update(run=self.run, runs=list(selectors.quality_runs(performance_year=self.performance_year)[:20]))
        return context

    def log(self, object_type: str, object_id: str, detail: str = "", action: str = AccessLog.Action.VIEW) -> None:
        access_log_record(
            request=self.request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            aco_code=self.aco.aco_id,
            detail=detail,
        )


def _unit(row: selectors.MeasureRow) -> str:
    return row.definition.unit if row.definition else ""


class QualityOverviewView(QualityRunMixin, TemplateView):
    template_name = "quality/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is None:
            return context
        rows = selectors.measure_rows(aco=self.aco, run=self.run)
        charted = [
            {
                "name": r.name,
                "unit": _unit(r),
                "deciles": r.definition.deciles,
                "rate": r.result.score_rate if r.result else None,
                "higher_is_better": r.higher_is_better,
                "points": r.result.points if r.result else None,
            }
            for r in rows
            if r.definition and r.definition.deciles
        ]
        trend = selectors.measure_trend(aco=self.aco, performance_year=self.performance_year)
        names = {r.code: r.name for r in rows}
        series = {
            names.get(code, code): [rates.get(code) for _, rates in trend]
            for code in selectors.MEASURE_ORDER
            if any(code in rates for _, rates in trend)
        }
        context.update(
            rows=rows,
            score=selectors.quality_score(aco=self.aco, run=self.run),
            deciles_figure=charts.deciles_figure(charted) if charted else None,
            trend_figure=charts.trend_figure([f"Run {r.pk}" for r, _ in trend], series)
            if len(trend) > 1 and series
            else None,
            gap_count=selectors.care_gaps(aco=self.aco, run=self.run).count(),
        )
        return context


class MeasureDetailView(QualityRunMixin, TemplateView):
    """A measure's figure and the beneficiaries (and claims) behind it."""

    template_name = "quality/measure_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.run is None:
            raise Http404("Quality has not been computed for this performance year.")
        row = selectors.measure_row(aco=self.aco, run=self.run, measure=self.kwargs["measure"])
        role = self.request.GET.get("role", "")
        search = self.request.GET.get("q", "").strip()[:11]
        members = selectors.measure_members(aco=self.aco, run=self.run, measure=row.code, role=role, search=search)
        page = Paginator(members, 50).get_page(self.request.GET.get("page"))
        context.update(row=row, page=page, role=role, search=search, unit=_unit(row))
        self.log("quality_measure_members", f"run {self.run.pk} {row.code}", f"page {page.number} role {role!r}")
        return context


def _due(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class CareGapsMixin(QualityRunMixin):
    def filters(self) -> dict[str, Any]:
        get = self.request.GET
        return {
            "tin": get.get("tin", "").strip()[:9],
            "gap_type": get.get("type", ""),
            "due_from": _due(get.get("due_from")),
            "due_to": _due(get.get("due_to")),
            "search": get.get("q", "").strip()[:40],
        }


class CareGapsView(CareGapsMixin, TemplateView):
    template_name = "quality/care_gaps.html"

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and self.request.headers.get("HX-Target") == "list-results":
            return ["quality/_care_gap_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        context.update(filters=filters, gap_types=CareGap.GapType.choices)
        if self.run is None:
            return context
        qs = selectors.care_gaps(aco=self.aco, run=self.run, **filters)
        page = Paginator(qs, 50).get_page(self.request.GET.get("page"))
        context.update(
            page=page,
            units=selectors.care_gap_units(aco=self.aco, run=self.run),
            filtered=any(filters.values()),
            query=self.request.GET.urlencode(),
        )
        self.log("care_gaps", f"run {self.run.pk}", f"page {page.number}")
        return context


GAP_COLUMNS = [
    ("MBI", "mbi"),
    ("Last name", "last_name"),
    ("First name", "first_name"),
    ("Aligning TIN or CCN", "tin"),
    ("Gap", "gap_type"),
    ("Measure", "measure"),
    ("Opened on", "opened_on"),
    ("Due", "due_date"),
    ("Claim", "claim_id"),
]


class CareGapsExportView(CareGapsMixin, TemplateView):
    """The worklist as filtered, as CSV or XLSX, stamped with the run."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_context_data(**kwargs)
        if self.run is None:
            raise Http404("Quality has not been computed for this performance year.")
        fmt = request.GET.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise Http404("Choose CSV or XLSX.")
        labels = dict(CareGap.GapType.choices)
        rows = [
            [labels.get(v, v) if k == "gap_type" else v for (_, k), v in zip(GAP_COLUMNS, values, strict=True)]
            for values in selectors.care_gaps(aco=self.aco, run=self.run, **self.filters()).values_list(
                *[c for _, c in GAP_COLUMNS]
            )
        ]
        stamp = (
            f"LEAD ACO {self.aco.aco_id} care gaps; PY{self.run.performance_year}; quality run {self.run.pk}; "
            f"data version {self.run.data_version}"
        )
        name = f"care-gaps-{self.aco.aco_id}-py{self.run.performance_year}-run{self.run.pk}.{fmt}"
        self.log("care_gaps", f"run {self.run.pk}", f"{fmt} export, {len(rows)} rows", action=AccessLog.Action.EXPORT)
        header = [h for h, _ in GAP_COLUMNS]
        if fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv_writer(response)
            writer.writerow([f"# {stamp}"])
            writer.writerow(header)
            writer.writerows(rows)
        else:
            raw = io.BytesIO()
            book = xlsx_workbook(raw)
            sheet = book.add_worksheet("Care gaps")
            xlsx_write(sheet, 0, 0, stamp)
            xlsx_write_row(sheet, 1, 0, header, book.add_format({"bold": True}))
            date_format = book.add_format({"num_format": "yyyy-mm-dd"})
            for r, values in enumerate(rows, start=2):
                xlsx_write_row(sheet, r, 0, values, date_format=date_format)
            sheet.freeze_panes(2, 1)
            book.close()
            response = HttpResponse(raw.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
