"""REST endpoints (mounted under ``api/``) for CMS staff: pipeline runs (list, start, detail with
steps, resume) and every ACO's latest figures side by side. Anyone else gets 404, as for the pages:
a CMS-only resource is invisible. Only CMS administrators start or resume runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.mixins import resolve_performance_year

from . import selectors_cms, services
from .models import PipelineRun, PipelineStep


class PipelineStepSerializer(serializers.ModelSerializer[PipelineStep]):
    class Meta:
        model = PipelineStep
        fields = [
            "name",
            "order",
            "status",
            "attempts",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "seconds",
            "rows",
            "shards_total",
            "shards_done",
            "message",
        ]
        read_only_fields = fields


class PipelineRunSerializer(serializers.ModelSerializer[PipelineRun]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    seconds = serializers.FloatField(read_only=True)
    # Plain text in the schema: an enum here would share its choice set with alignment runs' under one
    # field name, a naming collision drf-spectacular warns about (and `check --deploy` fails on).
    status = serializers.CharField(
        read_only=True, help_text=", ".join(f"{value} ({label})" for value, label in PipelineRun.Status.choices)
    )

    class Meta:
        model = PipelineRun
        fields = [
            "id",
            "performance_year",
            "as_of",
            "trigger",
            "status",
            "stage",
            "percent",
            "data_version",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "seconds",
            "alignment_run",
            "quality_run",
            "message",
        ]
        read_only_fields = [f for f in fields if f not in ("performance_year", "as_of")]


class PipelineRunDetailSerializer(PipelineRunSerializer):
    steps = PipelineStepSerializer(many=True, read_only=True)
    stalled = serializers.SerializerMethodField(
        help_text="Why the run has stalled (its worker stopped reporting, or no worker took its step), or empty: "
        "a stalled run can be resumed."
    )

    class Meta(PipelineRunSerializer.Meta):
        fields = [*PipelineRunSerializer.Meta.fields, "stalled", "steps"]
        read_only_fields = [*PipelineRunSerializer.Meta.read_only_fields, "stalled", "steps"]

    def get_stalled(self, run: PipelineRun) -> str:
        return services.pipeline_run_stalled(run=run)


# A job the queue does not take (lead_portal.jobs.QueueUnavailable): the run is failed with the reason.
QUEUE_DOWN = OpenApiResponse(description="The job queue did not answer: nothing was started; try again later.")


class _CMSOnly(viewsets.GenericViewSet):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not request_user(request).is_cms:
            raise Http404("Not found.")


class PipelineRunViewSet(_CMSOnly):
    """Pipeline runs (CMS staff). ``POST`` starts one and ``resume`` restarts a failed or stalled one (CMS
    administrators); the run works in the background: follow it with ``GET``. When the job queue does not
    answer, both say so with 503 and start nothing."""

    serializer_class = PipelineRunSerializer

    @extend_schema(parameters=[OpenApiParameter("performance_year", int)])
    def list(self, request: Request) -> Response:
        py = request.query_params.get("performance_year")
        qs = selectors_cms.pipeline_run_list(performance_year=int(py) if py and py.isdigit() else None)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PipelineRunSerializer(page, many=True).data)

    @extend_schema(responses=PipelineRunDetailSerializer)
    def retrieve(self, request: Request, pipeline_run_id: int) -> Response:
        run = selectors_cms.pipeline_run_get(pipeline_run_id=pipeline_run_id)
        return Response(PipelineRunDetailSerializer(run).data)

    @extend_schema(responses={202: PipelineRunDetailSerializer, 503: QUEUE_DOWN})
    def create(self, request: Request) -> Response:
        user = request_user(request)
        if not user.is_cms_admin:  # the role decides before the body is read (the service checks again)
            raise PermissionDenied("Only CMS administrators start pipeline runs.")
        serializer = PipelineRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        as_of: dt.date | None = serializer.validated_data.get("as_of")
        run = services.pipeline_run_request(
            performance_year=serializer.validated_data["performance_year"],
            as_of=as_of,
            acting_user=user,
            trigger=PipelineRun.Trigger.API,
        )
        run = selectors_cms.pipeline_run_get(pipeline_run_id=run.pk)
        return Response(PipelineRunDetailSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: PipelineRunDetailSerializer, 503: QUEUE_DOWN})
    def resume(self, request: Request, pipeline_run_id: int) -> Response:
        user = request_user(request)
        if not user.is_cms_admin:
            raise PermissionDenied("Only CMS administrators resume pipeline runs.")
        run = selectors_cms.pipeline_run_get(pipeline_run_id=pipeline_run_id)
        services.pipeline_run_resume(run_id=run.pk, acting_user=user)
        run = selectors_cms.pipeline_run_get(pipeline_run_id=run.pk)
        return Response(PipelineRunDetailSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ComparisonRowSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    name = serializers.CharField()
    pipeline_run = serializers.IntegerField(source="run_id")
    claims_through = serializers.CharField(allow_null=True)
    benchmark_sources = serializers.ListField(child=serializers.CharField())
    aligned = serializers.IntegerField(source="values.aligned", allow_null=True)
    high_needs_share_pct = serializers.FloatField(source="values.high_needs", allow_null=True)
    member_months = serializers.IntegerField(source="values.member_months", allow_null=True)
    pbpm = serializers.FloatField(source="values.pbpm", allow_null=True)
    benchmark_pbpm = serializers.FloatField(source="values.benchmark_pbpm", allow_null=True)
    gross_savings_pct = serializers.FloatField(source="values.savings_pct", allow_null=True)
    estimated_settlement = serializers.FloatField(source="values.settlement", allow_null=True)
    tqs = serializers.FloatField(source="values.tqs", allow_null=True)


class ComparisonViewSet(_CMSOnly):
    """Every ACO's latest figures for a performance year (money figures are estimates)."""

    serializer_class = ComparisonRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("py", int, description="Performance year (default: the current or next one)"),
            OpenApiParameter("sort", str, enum=[*selectors_cms.SORTS, *(f"-{s}" for s in selectors_cms.SORTS)]),
        ]
    )
    def list(self, request: Request) -> Response:
        py = resolve_performance_year(request.query_params.get("py"))
        rows = selectors_cms.comparison(performance_year=py, sort=request.query_params.get("sort"))
        return Response(
            {
                "performance_year": py,
                "estimate": True,
                "results": ComparisonRowSerializer(rows, many=True).data,
            }
        )


urlpatterns = [
    path(
        "performance/runs/",
        PipelineRunViewSet.as_view({"get": "list", "post": "create"}),
        name="api_pipeline_run_list",
    ),
    path(
        "performance/runs/<int:pipeline_run_id>/",
        PipelineRunViewSet.as_view({"get": "retrieve"}),
        name="api_pipeline_run_detail",
    ),
    path(
        "performance/runs/<int:pipeline_run_id>/resume/",
        PipelineRunViewSet.as_view({"post": "resume"}),
        name="api_pipeline_run_resume",
    ),
    path("performance/compare/", ComparisonViewSet.as_view({"get": "list"}), name="api_performance_compare"),
]
