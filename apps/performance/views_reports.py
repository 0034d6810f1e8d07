"""An ACO's downloadable performance reports: the list (refreshed while one builds), the request form,
and the download, which answers 409 with the report's status until its file exists."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView, View
from django.views.generic.base import ContextMixin

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.mixins import ACOScopedMixin
from lead_portal.jobs import QueueUnavailable

from . import reports
from .models import PerformanceReport

LIST_SIZE = 50


class ReportListView(ACOScopedMixin, TemplateView):
    """GET: the ACO's reports (polled while one builds) and the request form. POST: request a report.
    Building a report only reads, so read-only analysts and CMS staff may do it too."""

    template_name = "performance/reports.html"
    nav = "reports"
    write_methods = ("PUT", "PATCH", "DELETE")

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["performance/reports_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        items = list(reports.report_list(aco=self.aco)[:LIST_SIZE])
        years = reports.report_years(aco=self.aco)
        context.update(
            reports=items,
            building=any(r.status == PerformanceReport.Status.REQUESTED for r in items),
            report_years=years,
            selected_year=self.performance_year if self.performance_year in years else (years[0] if years else None),
            formats=PerformanceReport.Format.choices,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        url = reverse("reports:list", kwargs={"aco_id": self.aco.aco_id})
        try:
            year = int(request.POST.get("performance_year", ""))
        except ValueError:
            year = self.performance_year
        try:
            report = reports.report_request(
                aco=self.aco,
                fmt=request.POST.get("format", ""),
                performance_year=year,
                acting_user=request_user(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(f"{url}?py={year}")
        except QueueUnavailable as exc:  # the report is listed as failed, with the same reason
            messages.error(request, str(exc))
            return redirect(f"{url}?py={year}")
        messages.success(
            request,
            f"Building the {report.get_format_display()} report for PY{report.performance_year} (pipeline run "
            f"{report.summary.run_id}); it appears below, ready to download, in a few seconds.",
        )
        return redirect(f"{url}?py={report.performance_year}")


class ReportDownloadView(ACOScopedMixin, ContextMixin, View):
    """The file once it exists; until then a page saying so, with the report's status (HTTP 409)."""

    template_name = "performance/reports_not_ready.html"
    nav = "reports"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        report = reports.report_get(aco=self.aco, report_id=kwargs["report_id"])
        if not reports.report_is_ready(report):
            context = self.get_context_data(report=report)
            return render(request, self.template_name, context, status=409)
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="performance_report",
            object_id=f"report {report.pk}",
            aco_code=self.aco.aco_id,
            detail=f"{report.format} PY{report.performance_year} pipeline run {report.summary.run_id}",
        )
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.filename,
            content_type=reports.CONTENT_TYPES[report.format],
        )
