"""REST endpoints for an ACO's downloadable performance reports (mounted under ``api/``): list and
request (``POST``: built in the background, answers 202), status, and download (409 until ready).
Requesting a report only reads, so read-only analysts and CMS staff may do it too."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.urls import path, reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.api import ACOScopedViewSet, _payload

from . import reports
from .models import PerformanceReport

PY_FILTER = OpenApiParameter("py", int, description="Only the reports of this performance year")


class PerformanceReportSerializer(serializers.ModelSerializer[PerformanceReport]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)
    run = serializers.IntegerField(source="summary.run_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True, default=None)
    filename = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PerformanceReport
        fields = [
            "id",
            "aco_id",
            "performance_year",
            "run",
            "format",
            "status",
            "status_label",
            "message",
            "size",
            "seconds",
            "requested_by",
            "created_at",
            "finished_at",
            "filename",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: PerformanceReport) -> str:
        return reverse("api_report_download", kwargs={"aco_id": obj.aco.aco_id, "report_id": obj.pk})


class ReportRequestSerializer(serializers.Serializer[dict[str, object]]):
    """What a request takes (documentation only: the service validates)."""

    # A plain string here: the choice set is documented once, on the report (PerformanceReportFormatEnum).
    format = serializers.CharField(help_text="pdf, xlsx or csv")
    performance_year = serializers.IntegerField(required=False, help_text="Default: the current performance year")
    run = serializers.IntegerField(required=False, help_text="A pipeline run (default: the year's latest)")


class PerformanceReportViewSet(ACOScopedViewSet):
    """The ACO's performance reports (PDF, XLSX, CSV). ``POST`` requests one, built in the background from
    the year's latest computed pipeline run (or ``run``): poll the report until ``status`` is ``ready``; its
    ``download_url`` answers 409 with the report's status until then."""

    serializer_class = PerformanceReportSerializer
    reading_actions = ("create",)

    @extend_schema(parameters=[PY_FILTER])
    def list(self, request: Request, aco_id: str) -> Response:
        py = request.query_params.get("py")
        qs = reports.report_list(aco=self.aco, performance_year=int(py) if py and py.isdigit() else None)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PerformanceReportSerializer(page, many=True).data)

    @extend_schema(request=ReportRequestSerializer, responses={202: PerformanceReportSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        body = _payload(request)
        summary = None
        try:
            year = int(str(body.get("performance_year") or self.performance_year))
            if body.get("run") not in (None, ""):
                summary = reports.summary_get(aco=self.aco, run_id=int(str(body["run"])))
        except ValueError as exc:
            raise ValidationError({"performance_year": "Give whole numbers for the year and the run."}) from exc
        except Http404 as exc:
            raise ValidationError({"run": "That pipeline run has no summary of this ACO."}) from exc
        try:
            report = reports.report_request(
                aco=self.aco,
                fmt=str(body.get("format", "")),
                performance_year=summary.performance_year if summary else year,
                acting_user=request_user(request),
                summary=summary,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        return Response(PerformanceReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request: Request, aco_id: str, report_id: int) -> Response:
        return Response(PerformanceReportSerializer(reports.report_get(aco=self.aco, report_id=report_id)).data)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): bytes,
            409: OpenApiResponse(PerformanceReportSerializer, description="Not ready yet: the report's status"),
        }
    )
    def download(self, request: Request, aco_id: str, report_id: int) -> FileResponse | Response:
        report = reports.report_get(aco=self.aco, report_id=report_id)
        if not reports.report_is_ready(report):
            body = dict(PerformanceReportSerializer(report).data)
            body["detail"] = f"This report is not ready yet: {report.get_status_display().lower()}."
            return Response(body, status=status.HTTP_409_CONFLICT)
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="performance_report",
            object_id=f"report {report.pk}",
            aco_code=self.aco.aco_id,
            detail=f"{report.format} PY{report.performance_year} pipeline run {report.summary.run_id} (API)",
        )
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.filename,
            content_type=reports.CONTENT_TYPES[report.format],
        )


urlpatterns = [
    path(
        "acos/<str:aco_id>/performance/reports/",
        PerformanceReportViewSet.as_view({"get": "list", "post": "create"}),
        name="api_report_list",
    ),
    path(
        "acos/<str:aco_id>/performance/reports/<int:report_id>/",
        PerformanceReportViewSet.as_view({"get": "retrieve"}),
        name="api_report_detail",
    ),
    path(
        "acos/<str:aco_id>/performance/reports/<int:report_id>/download/",
        PerformanceReportViewSet.as_view({"get": "download"}),
        name="api_report_download",
    ),
]
