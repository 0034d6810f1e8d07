"""REST endpoint of the high-cost beneficiaries list (mounted under ``api/``): the ACO's aligned
beneficiaries ranked by PY spending, filtered as the page is, with the totals that reconcile it with the
money page. Same selectors as the page; another ACO answers 404; every read is access-logged."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import selectors_high_cost as high_cost
from .serializers import HighCostBeneficiarySerializer, HighCostTotalsSerializer
from .views_high_cost import claims_url

FILTER_PARAMS = [
    PY_PARAM,
    OpenApiParameter("cohort", str, description="aged_disabled, esrd or high_needs (default: all)"),
    OpenApiParameter(
        "category",
        str,
        description="Rank by one service category's spending and list only the beneficiaries with spending in "
        f"it: {', '.join(high_cost.CATEGORY_LABELS)} (default: all spending)",
    ),
    OpenApiParameter("tin", str, description="Only the beneficiaries aligned through this TIN (or CCN)"),
    OpenApiParameter("page", int, description="A page number within the paginated result set."),
]


class HighCostViewSet(ACOScopedViewSet):
    """High-cost beneficiaries of the ACO in the PY's latest pipeline run (the money page's)."""

    serializer_class = HighCostBeneficiarySerializer

    @extend_schema(
        parameters=FILTER_PARAMS,
        responses={
            200: inline_serializer(
                "HighCostPage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": HighCostBeneficiarySerializer(many=True),
                    "aco_id": serializers.CharField(),
                    "performance_year": serializers.IntegerField(),
                    "pipeline_run": serializers.IntegerField(),
                    "computed": serializers.BooleanField(
                        help_text="False for a pipeline run from before the portal kept each beneficiary's spending."
                    ),
                    "filters": serializers.DictField(child=serializers.CharField()),
                    "totals": HighCostTotalsSerializer(allow_null=True),
                },
            ),
            400: OpenApiResponse(description="An unknown cohort or category (the allowed values are named)."),
        },
    )
    def ranking(self, request: Request, aco_id: str) -> Response:
        """Highest spending first (ties by MBI). Money in dollars: estimates, not CMS determinations."""
        errors = high_cost.Filters.invalid(request.query_params)
        if errors:
            raise ValidationError(errors)
        filters = high_cost.Filters.from_query(request.query_params)
        py = self.performance_year
        found = high_cost.source(aco=self.aco, performance_year=py)
        summary = found.summary
        if summary is None:
            raise NotFound(f"The pipeline has not run for PY{py} yet: no estimate of {self.aco.aco_id}.")
        totals = high_cost.totals(aco=self.aco, summary=summary, filters=filters) if found.computed else None
        queryset = (
            high_cost.ranked(aco=self.aco, run_id=summary.run_id, filters=filters)
            if found.computed
            else high_cost.ranked(aco=self.aco, run_id=summary.run_id, filters=filters).none()
        )
        page = self.paginate_queryset(queryset) or []
        current = getattr(self.paginator, "page", None)  # PageNumberPagination keeps the Django page
        first = current.start_index() if page and current is not None else 1
        rows = high_cost.rows(
            list(page),
            first_rank=first,
            base=totals.aco_spending if totals else high_cost.ZERO,
            above=high_cost.spending_above(queryset, first - 1),
        )
        body = [self._row(r, py, filters.category) for r in rows]
        response = self.get_paginated_response(HighCostBeneficiarySerializer(body, many=True).data)
        response.data.update(
            aco_id=self.aco.aco_id,
            performance_year=py,
            pipeline_run=summary.run_id,
            computed=found.computed,
            filters=filters.params(),
            totals=HighCostTotalsSerializer(self._totals(totals)).data if totals is not None else None,
        )
        self.log("high_cost_beneficiaries", f"pipeline run {summary.run_id}", f"{len(body)} rows; {filters.describe()}")
        return response

    def _row(self, r: high_cost.Row, py: int, category: str) -> dict[str, Any]:
        f = r.fact
        return {
            "rank": r.rank,
            "mbi": f.mbi,
            "last_name": f.last_name,
            "first_name": f.first_name,
            "cohort": f.cohort,
            "cohort_label": r.cohort_label,
            "aligning_unit": f.unit_kind or "tin",
            "aligning_tin": f.tin,
            "spending": r.spending,
            "share_pct": r.share_pct,
            "cumulative_share_pct": r.cumulative_share_pct,
            "by_category": {c: high_cost.cents(getattr(f, c)) for c in high_cost.CATEGORY_LABELS},
            "total": high_cost.cents(f.total),
            "claims": f.claims,
            "claims_url": claims_url(self.aco, py, f.mbi, category),
        }

    @staticmethod
    def _totals(t: high_cost.Totals) -> dict[str, Any]:
        return {
            "beneficiaries": t.beneficiaries,
            "spending": t.listed,
            "aco_spending": t.aco_spending,
            "before_tin_filter": t.before_tin,
            "money_page_spending": t.money_page,
            "reconciles": t.reconciles,
        }


urlpatterns = [
    path("acos/<str:aco_id>/high-cost/", HighCostViewSet.as_view({"get": "ranking"}), name="api_high_cost"),
]
