"""REST API for the rural add-on: an ACO's overview (eligibility, Participant TINs with their
rurality, beneficiaries by RUCA category, schedule and totals) and its payment schedule; for CMS
staff, every ACO's eligibility and PY totals. Same data as the pages (views.overview_data)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet
from apps.acos.mixins import resolve_performance_year

from .serializers import RuralACOPaymentSerializer, RuralOverviewSerializer, RuralScheduleSerializer
from .views import cms_rows, overview_data


def _body(aco_id: str, performance_year: int, data: dict[str, Any], *, full: bool) -> dict[str, Any]:
    run = data["run"]
    eligibility = data.get("eligibility")
    body: dict[str, Any] = {
        "aco_id": aco_id,
        "performance_year": performance_year,
        "run": run,
        "qualifies": bool(eligibility and eligibility.qualifies),
        "rate": data.get("rate"),
        "reconciled": False,
        "months": data.get("schedule", []),
        "totals": data.get("totals"),
    }
    if full:
        body.update(eligibility=eligibility, tins=data.get("tins", []), categories=data.get("categories", []))
    return body


class RuralOverviewViewSet(ACOScopedViewSet):
    """The ACO's rural add-on for a PY, from the PY's latest rural run (``run`` null: none yet)."""

    serializer_class = RuralOverviewSerializer

    @extend_schema(parameters=[PY_PARAM], responses=RuralOverviewSerializer)
    def overview(self, request: Request, aco_id: str) -> Response:
        py = self.performance_year
        data = overview_data(self.aco, py)
        return Response(RuralOverviewSerializer(_body(self.aco.aco_id, py, data, full=True)).data)

    @extend_schema(parameters=[PY_PARAM], responses=RuralScheduleSerializer)
    def schedule(self, request: Request, aco_id: str) -> Response:
        py = self.performance_year
        data = overview_data(self.aco, py)
        return Response(RuralScheduleSerializer(_body(self.aco.aco_id, py, data, full=False)).data)


class RuralPaymentsViewSet(viewsets.GenericViewSet):
    """Every ACO's rural add-on eligibility and PY total (CMS staff)."""

    serializer_class = RuralACOPaymentSerializer
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not request_user(request).is_cms:
            raise Http404("Not found.")

    @extend_schema(
        parameters=[
            PY_PARAM,
            OpenApiParameter(
                "sort", str, description="aco, name, qualifies, rural_tins, member_months, total; - for descending"
            ),
        ],
        responses=dict,
    )
    def list(self, request: Request) -> Response:
        py = resolve_performance_year(request.query_params.get("py"))
        run, rows = cms_rows(py, request.query_params.get("sort", "aco"))
        return Response(
            {
                "performance_year": py,
                "run": run.pk if run else None,
                "total_amount": str(sum((r["total_amount"] for r in rows), Decimal("0.00"))),
                "acos": RuralACOPaymentSerializer(rows, many=True).data,
            }
        )
