"""REST API for alignment: an ACO's aligned beneficiaries (list with the pages' search, filters and
sort; detail with the explanation), summary with minimums, churn, counts by TIN, ALR exports; and,
for CMS staff, alignment runs. Same selectors and services as the pages; every read of
beneficiary-level data is access-logged."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.api import PY_PARAM, ACOScopedViewSet, _payload

from . import selectors, services
from .explain import explain
from .models import AlignedBeneficiary, AlignmentExport, AlignmentRun

RUN_PARAM = OpenApiParameter("run", int, description="Alignment run id (default: the performance year's latest)")


class AlignedBeneficiarySerializer(serializers.ModelSerializer[AlignedBeneficiary]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)

    class Meta:
        model = AlignedBeneficiary
        fields = [
            "mbi",
            "aco_id",
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "alignment_type",
            "step",
            "tin",
            "unit_kind",
            "npi",
            "effective_from",
            "added_midyear",
            "cohort",
            "high_needs",
            "high_needs_criteria",
        ]
        read_only_fields = fields


class AlignedBeneficiaryDetailSerializer(AlignedBeneficiarySerializer):
    explanation = serializers.JSONField(read_only=True)
    why = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(AlignedBeneficiarySerializer.Meta):
        fields = [*AlignedBeneficiarySerializer.Meta.fields, "explanation", "why"]
        read_only_fields = fields


class AlignmentRunSerializer(serializers.ModelSerializer[AlignmentRun]):
    kind = serializers.CharField(source="kind_label", read_only=True)

    class Meta:
        model = AlignmentRun
        fields = [
            "id",
            "performance_year",
            "as_of",
            "kind",
            "status",
            "stage",
            "percent",
            "created_at",
            "started_at",
            "finished_at",
            "data_version",
            "counts",
            "timings",
            "shards",
            "message",
        ]
        read_only_fields = [f for f in fields if f not in ("performance_year", "as_of")]


class ACOAlignmentRunSerializer(serializers.ModelSerializer[AlignmentRun]):
    """The run an ACO's answer comes from: which one, when, and on which data. Not its ``counts``,
    ``message`` or ``timings``: a run aligns every ACO at once, so those are portal-wide (every ACO's
    claims, voluntary and High Needs counts, and the total); the ACO's own figures are ``counts``
    beside it."""

    kind = serializers.CharField(source="kind_label", read_only=True)

    class Meta:
        model = AlignmentRun
        fields = ["id", "performance_year", "as_of", "kind", "status", "created_at", "finished_at", "data_version"]
        read_only_fields = fields


class AlignmentSummarySerializer(serializers.Serializer[Any]):
    run = ACOAlignmentRunSerializer()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="This ACO's aligned beneficiaries.")
    minimums = serializers.DictField(help_text="The minimums that apply to this ACO and whether they are met.")


class AlignmentExportSerializer(serializers.ModelSerializer[AlignmentExport]):
    run: serializers.PrimaryKeyRelatedField[AlignmentRun] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AlignmentExport
        fields = ["id", "run", "format", "status", "row_count", "message", "created_at", "finished_at"]
        read_only_fields = ["id", "run", "status", "row_count", "message", "created_at", "finished_at"]


class _RunScoped(ACOScopedViewSet):
    def get_run(self) -> AlignmentRun:
        run = selectors.run_for_view(
            performance_year=self.performance_year, run_id=self.request.query_params.get("run")
        )
        if run is None:
            raise Http404("Alignment has not been computed for this performance year.")
        return run


class AlignedBeneficiaryViewSet(_RunScoped):
    """Aligned beneficiaries of the ACO in an alignment run."""

    serializer_class = AlignedBeneficiarySerializer

    @extend_schema(
        parameters=[
            PY_PARAM,
            RUN_PARAM,
            OpenApiParameter("q", str, description="MBI (or its start) or name words"),
            OpenApiParameter("cohort", str, enum=AlignedBeneficiary.Cohort.values),
            OpenApiParameter("type", str, enum=AlignedBeneficiary.Type.values),
            OpenApiParameter("tin", str, description="Aligning TIN or CCN"),
            OpenApiParameter("high_needs", str, enum=["yes", "no"]),
            OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
        ]
    )
    def list(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        params = request.query_params
        qs = selectors.aligned_list(
            aco=self.aco,
            run=run,
            search=params.get("q", ""),
            cohort=params.get("cohort", ""),
            alignment_type=params.get("type", ""),
            tin=params.get("tin", ""),
            high_needs=params.get("high_needs", ""),
            sort=params.get("sort", "mbi"),
        ).select_related("aco")
        page = self.paginate_queryset(qs)
        self.log("aligned_beneficiaries", f"run {run.pk}", request.get_full_path()[:200])
        return self.get_paginated_response(AlignedBeneficiarySerializer(page, many=True).data)

    @extend_schema(parameters=[PY_PARAM, RUN_PARAM], responses=AlignedBeneficiaryDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, mbi: str) -> Response:
        run = self.get_run()
        row = selectors.aligned_get(aco=self.aco, run=run, mbi=mbi)
        data = AlignedBeneficiarySerializer(row).data
        data["explanation"] = selectors.explanation_for(aco=self.aco, explanation=row.explanation)
        data["why"] = explain(
            {**data, "effective_from": str(row.effective_from) if row.effective_from else None},
            aco_id=self.aco.aco_id,
        )
        self.log("aligned_beneficiary", row.mbi, f"run {run.pk}")
        return Response(data)


class AlignmentSummaryViewSet(_RunScoped):
    """Counts, minimums, churn and counts by TIN for the ACO in an alignment run."""

    @extend_schema(parameters=[PY_PARAM, RUN_PARAM], responses=AlignmentSummarySerializer)
    def summary(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        minimums = selectors.minimums_status(aco=self.aco, performance_year=self.performance_year, run=run)
        body = dataclasses.asdict(minimums)
        body.pop("run")
        body["met"] = minimums.met
        return Response(
            {
                "run": ACOAlignmentRunSerializer(run).data,
                "counts": selectors.run_summary(aco=self.aco, run=run),
                "minimums": body,
            }
        )

    @extend_schema(parameters=[PY_PARAM, RUN_PARAM, OpenApiParameter("base", int)], responses=dict)
    def churn(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        base = selectors.previous_run(run=run)
        wanted = request.query_params.get("base")
        if wanted and wanted.isdigit():
            base = AlignmentRun.objects.filter(pk=int(wanted), status=AlignmentRun.Status.SUCCEEDED).first() or base
        found = selectors.churn(aco=self.aco, run=run, base=base)
        self.log("alignment_churn", f"run {run.pk}", f"base {base.pk if base else '-'}")
        return Response(
            {
                "run": run.pk,
                "base": base.pk if base else None,
                "joined_count": found.joined_count,
                "left_count": found.left_count,
                "stayed": found.stayed,
                "joined": [dataclasses.asdict(r) for r in found.joined],
                "left": [dataclasses.asdict(r) for r in found.left],
                "stayed_changed": [dataclasses.asdict(r) for r in found.stayed_changed],
            }
        )

    @extend_schema(parameters=[PY_PARAM, RUN_PARAM], responses=dict)
    def by_tin(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        return Response(
            {"run": run.pk, "units": [dataclasses.asdict(r) for r in selectors.by_unit(aco=self.aco, run=run)]}
        )


class AlignmentExportViewSet(_RunScoped):
    """ALR-style exports: request one (built in the background), see its status, download it.
    Read-only analysts may export what they can see."""

    serializer_class = AlignmentExportSerializer
    reading_actions = ("create",)
    pagination_class = None  # the list is the latest 20 exports, a plain array (so the schema says)

    def list(self, request: Request, aco_id: str) -> Response:
        return Response(AlignmentExportSerializer(selectors.export_list(aco=self.aco), many=True).data)

    @extend_schema(
        parameters=[PY_PARAM, RUN_PARAM],
        request=AlignmentExportSerializer,
        responses={202: AlignmentExportSerializer},  # accepted: built in the background
    )
    def create(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        try:
            export = services.alignment_export_request(
                aco=self.aco, run=run, fmt=str(_payload(request).get("format", "")), acting_user=request_user(request)
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"format": exc.messages}) from exc
        return Response(AlignmentExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request: Request, aco_id: str, export_id: int) -> Response:
        return Response(AlignmentExportSerializer(selectors.export_get(aco=self.aco, export_id=export_id)).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def download(self, request: Request, aco_id: str, export_id: int) -> FileResponse:
        export = selectors.export_get(aco=self.aco, export_id=export_id)
        if export.status != AlignmentExport.Status.READY or not export.file:
            raise Http404("This export is not ready.")
        access_log_record(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type="aligned_beneficiaries",
            object_id=f"run {export.run_id}",
            aco_code=self.aco.aco_id,
            detail=f"{export.format} export {export.pk} (API)",
        )
        return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.file_name)


class AlignmentRunViewSet(viewsets.GenericViewSet):
    """Alignment runs (CMS staff). ``POST`` starts one (CMS administrators)."""

    serializer_class = AlignmentRunSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not request_user(request).is_cms:
            raise Http404("Not found.")

    @extend_schema(parameters=[OpenApiParameter("performance_year", int)])
    def list(self, request: Request) -> Response:
        py = request.query_params.get("performance_year")
        qs = selectors.run_list(performance_year=int(py) if py and py.isdigit() else None)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AlignmentRunSerializer(page, many=True).data)

    def retrieve(self, request: Request, run_id: int) -> Response:
        return Response(AlignmentRunSerializer(selectors.run_get(run_id=run_id)).data)

    def create(self, request: Request) -> Response:
        user = request_user(request)
        serializer = AlignmentRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        py = serializer.validated_data["performance_year"]
        as_of: dt.date | None = serializer.validated_data.get("as_of")
        try:
            run = services.alignment_run_request(performance_year=py, as_of=as_of, acting_user=user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(AlignmentRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
