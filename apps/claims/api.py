"""REST API for claims loads (CMS staff; uploads by CMS admins)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user

from . import selectors, services
from .forms import PackageUploadForm
from .models import IngestError, IngestRun


class IngestErrorSerializer(serializers.ModelSerializer[IngestError]):
    class Meta:
        model = IngestError
        fields = ["file_name", "line", "field", "value", "reason"]


class PackageSerializer(serializers.Serializer[Any]):
    package = serializers.CharField(source="label", help_text="The package's file names with the file number as *.")
    runout = serializers.BooleanField(help_text="A run-out package (ZC<n>R<yy>): claims of the year paid after it.")
    kind = serializers.CharField()
    performance_year = serializers.IntegerField()
    produced_at = serializers.DateTimeField()
    files = serializers.IntegerField()
    records = serializers.IntegerField()
    run_id = serializers.IntegerField()


class ReportPackageSerializer(serializers.Serializer[Any]):
    package = serializers.CharField(source="label")
    runout = serializers.BooleanField()
    performance_year = serializers.IntegerField()
    produced_at = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())


class SkippedFileSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    reason = serializers.CharField()


class FileNoteSerializer(serializers.Serializer[Any]):
    file = serializers.CharField()
    note = serializers.CharField()


class IngestReportSerializer(serializers.Serializer[Any]):
    packages = ReportPackageSerializer(many=True, default=list)
    skipped = SkippedFileSerializer(many=True, default=list, help_text="Files of the upload not loaded, and why.")
    notes = FileNoteSerializer(many=True, default=list, help_text="Variations taken in stride, per file.")


class IngestRunSerializer(serializers.ModelSerializer[IngestRun]):
    progress = serializers.SerializerMethodField()
    report = IngestReportSerializer(read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)

    class Meta:
        model = IngestRun
        fields = [
            "id",
            "source",
            "status",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "message",
            "error_count",
            "progress",
            "report",
        ]

    def get_progress(self, obj: IngestRun) -> dict[str, Any]:
        return services.progress_get(obj)


class PackageUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()


class IngestRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IngestRunSerializer
    lookup_url_kwarg = "run_id"
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> Any:
        return selectors.ingest_run_list(user=request_user(self.request))

    def get_object(self) -> IngestRun:
        return selectors.ingest_run_get(user=request_user(self.request), run_id=int(self.kwargs["run_id"]))

    @extend_schema(request={"multipart/form-data": PackageUploadSerializer}, responses={202: IngestRunSerializer})
    def create(self, request: Request) -> Response:
        """Upload a zipped CCLF package (CMS admins). The load runs on a worker; poll the run."""
        user = request_user(request)
        selectors.ingest_run_list(user=user)  # 404 for non-CMS callers, like the pages
        if not user.is_cms_admin:
            raise PermissionDenied("Only CMS admins load claims files.")
        form = PackageUploadForm(data={}, files=request.FILES)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        run = services.ingest_run_create(
            source=form.cleaned_data["file"].name, acting_user=user, upload=form.cleaned_data["file"]
        )
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=IngestErrorSerializer(many=True))
    @action(detail=True, methods=["get"])
    def errors(self, request: Request, run_id: int) -> Response:
        """Every problem found: file, line, field, value and reason."""
        run = self.get_object()
        page = self.paginate_queryset(selectors.ingest_error_list(run=run))
        return self.get_paginated_response(IngestErrorSerializer(page, many=True).data)


class PackageListView(generics.GenericAPIView[Any]):
    """Every CCLF package loaded, newest first, saying which are run-out packages (CMS staff)."""

    serializer_class = PackageSerializer
    pagination_class = None

    @extend_schema(responses=PackageSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(PackageSerializer(selectors.package_list(user=request_user(request)), many=True).data)
