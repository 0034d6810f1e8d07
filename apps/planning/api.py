"""REST API of the what-if planner: an ACO's scenarios (list, create), one scenario with its versions, a new
version, one version with its alignment preview and its money preview (the sliders as query parameters),
and filing a version. Scenarios are the ACO's drafts: CMS staff get 404; writes are for the ACO's
administrators (analysts get 403); another ACO's scenario answers 404. The same services as the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import money, services
from .models import Scenario, ScenarioVersion

CHANGE_FIELDS = ("add_tins", "remove_tins", "add_ccns", "remove_ccns", "risk_option", "alignment_approach", "note")


class ChangesInputSerializer(serializers.Serializer):
    add_tins = serializers.CharField(
        required=False, allow_blank=True, help_text="One per line: TIN, legal name, practice ZIP[, facility type, CCNs]"
    )
    remove_tins = serializers.CharField(required=False, allow_blank=True, help_text="One TIN per line")
    add_ccns = serializers.CharField(required=False, allow_blank=True, help_text="One per line: CCN, TIN")
    remove_ccns = serializers.CharField(required=False, allow_blank=True, help_text="One per line: CCN, TIN")
    risk_option = serializers.CharField(required=False, allow_blank=True, help_text="global, professional or empty")
    alignment_approach = serializers.CharField(
        required=False, allow_blank=True, help_text="prospective, hybrid or empty"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScenarioInputSerializer(ChangesInputSerializer):
    name = serializers.CharField(max_length=120)


class VersionSerializer(serializers.ModelSerializer):
    changes = serializers.SerializerMethodField()
    filed_request = serializers.IntegerField(source="filed_request_id", allow_null=True)

    class Meta:
        model = ScenarioVersion
        fields = [
            "number",
            "changes",
            "add_tins",
            "remove_tins",
            "add_ccns",
            "remove_ccns",
            "risk_option",
            "alignment_approach",
            "note",
            "created_at",
            "preview_error",
            "filed_at",
            "filed_request",
            "filed_outcome",
        ]

    def get_changes(self, obj: ScenarioVersion) -> list[str]:
        return obj.describe()


class ScenarioSerializer(serializers.ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta:
        model = Scenario
        fields = ["id", "name", "performance_year", "created_at", "updated_at", "versions"]


def preview_out(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """The preview as an ACO's answer: other ACOs as "Another ACO n" with counts, never their ids."""
    if document is None:
        return None
    out = {k: v for k, v in document.items() if k != "other_acos"}
    out["other_acos"] = services.other_aco_rows(document, show_ids=False)
    return out


def money_out(outcome: money.Outcome) -> dict[str, Any]:
    p = outcome.point
    return {
        "benchmark": float(p.benchmark),
        "expenditure": float(p.expenditure),
        "gross_savings": float(p.gross_savings),
        "shared_after_sequestration": float(p.shared_after_sequestration),
        "estimated_settlement": float(p.settlement),
        "percentiles": {str(k): round(v, 2) for k, v in outcome.percentiles.items()},
        "chance_of_savings": round(outcome.chance_of_savings, 4),
        "draws": outcome.draws,
        "months": list(outcome.months),
        "bands": {str(k): [round(x, 2) for x in v] for k, v in outcome.bands.items()},
    }


class ScenarioViewSet(ACOScopedViewSet):
    serializer_class = ScenarioSerializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.user.is_authenticated and getattr(request.user, "is_cms", False):
            raise Http404("Scenarios are the ACO's drafts.")
        super().initial(request, *args, **kwargs)

    def scenario(self, scenario_id: int) -> Scenario:
        found = Scenario.objects.filter(pk=scenario_id, aco=self.aco).first()
        if found is None:
            raise Http404("No such scenario.")
        return found

    def version(self, scenario: Scenario, number: int) -> ScenarioVersion:
        found = scenario.versions.filter(number=number).first()
        if found is None:
            raise Http404("No such version.")
        return found

    @extend_schema(parameters=[PY_PARAM], responses=ScenarioSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        rows = services.scenarios_for(aco=self.aco, performance_year=self.performance_year).prefetch_related("versions")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ScenarioSerializer(page, many=True).data)

    @extend_schema(parameters=[PY_PARAM], request=ScenarioInputSerializer, responses={201: ScenarioSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        data = ScenarioInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scenario = services.scenario_create(
            aco=self.aco,
            performance_year=self.performance_year,
            name=data.validated_data["name"],
            data=data.validated_data,
            acting_user=request_user(request),
        )
        return Response(ScenarioSerializer(scenario).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ScenarioSerializer)
    def retrieve(self, request: Request, aco_id: str, scenario_id: int) -> Response:
        return Response(ScenarioSerializer(self.scenario(scenario_id)).data)

    @extend_schema(request=ChangesInputSerializer, responses={201: VersionSerializer})
    def new_version(self, request: Request, aco_id: str, scenario_id: int) -> Response:
        data = ChangesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.version_save(
            scenario=self.scenario(scenario_id), data=data.validated_data, acting_user=request_user(request)
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("trend_pct", float, description="Benchmark trend, % a year (default: the PY's)"),
            OpenApiParameter("tqs", float, description="Total Quality Score 0-100 (default: the latest)"),
            OpenApiParameter("risk_growth_pct", float, description="Risk score growth, % (default 0)"),
            OpenApiParameter(
                "spending_<cohort>", float, description="Spending change of a cohort, % (aged_disabled, esrd...)"
            ),
        ]
    )
    def version_detail(self, request: Request, aco_id: str, scenario_id: int, number: int) -> Response:
        version = services.version_preview(self.version(self.scenario(scenario_id), number))
        document = version.preview
        if document and (document.get("gained") or document.get("lost") or document.get("changed")):
            self.log("planning_preview", f"{scenario_id}/v{number}", "preview with beneficiaries")
        found = services.money_preview(version=version, params=request.query_params) if document else None
        body: dict[str, Any] = {
            "version": VersionSerializer(version).data,
            "preview": preview_out(document),
            "money": None,
        }
        if found is not None:
            _, _, assumptions, today, outcome = found
            body["money"] = {
                "assumptions": {
                    "trend_pct": assumptions.trend_pct,
                    "tqs": assumptions.tqs,
                    "risk_growth_pct": assumptions.risk_growth_pct,
                    "spending_change_pct": dict(assumptions.spending_change_pct),
                },
                "today": money_out(today),
                "scenario": money_out(outcome),
            }
        return Response(body)

    @extend_schema(request=None, responses={200: VersionSerializer})
    def file(self, request: Request, aco_id: str, scenario_id: int, number: int) -> Response:
        version = self.version(self.scenario(scenario_id), number)
        outcome = services.version_file(version=version, acting_user=request_user(request))
        if outcome.errors:
            return Response(
                {
                    "detail": outcome.message,
                    "errors": [{"field": e.field, "value": e.value, "reason": e.reason} for e in outcome.errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        version.refresh_from_db()
        return Response(VersionSerializer(version).data)
