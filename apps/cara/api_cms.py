"""REST API for CMS: every ACO's CARA reconciliations, the rows and totals of the CMS payments page
(``views_cms``), with the same filters. CMS staff only: anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user

from . import payments
from .views_cms import read_filters


class PaymentRowSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    aco_name = serializers.CharField()
    preferred_provider = serializers.CharField()
    npi = serializers.CharField()
    arrangement_id = serializers.IntegerField()
    arrangement_status = serializers.CharField()
    performance_year = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    episodes = serializers.IntegerField(help_text="Closed episodes counted.")
    open_episodes = serializers.IntegerField()
    target_cents = serializers.IntegerField()
    actual_cents = serializers.IntegerField()
    quality_points = serializers.FloatField(allow_null=True)
    adjustment_factor = serializers.DecimalField(max_digits=7, decimal_places=6)
    amount_cents = serializers.IntegerField(help_text="Positive: paid to the Preferred Provider; negative: repaid.")
    direction = serializers.CharField()
    capped = serializers.BooleanField(help_text="The repayment limit applied.")
    final = serializers.BooleanField()


class TotalsSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField(help_text="Empty in the overall totals.")
    aco_name = serializers.CharField()
    arrangements = serializers.IntegerField()
    periods = serializers.IntegerField()
    episodes = serializers.IntegerField()
    paid_cents = serializers.IntegerField()
    repaid_cents = serializers.IntegerField()
    net_cents = serializers.IntegerField(help_text="Charged to the ACO's settlement when positive.")


class PaymentsResponseSerializer(serializers.Serializer[Any]):
    performance_year = serializers.IntegerField(allow_null=True, help_text="Null: every year.")
    filter_errors = serializers.ListField(child=serializers.CharField(), help_text="Filters not used, and why.")
    totals = TotalsSerializer()
    by_aco = TotalsSerializer(many=True)
    reconciliations = PaymentRowSerializer(many=True)


class CaraPaymentsViewSet(viewsets.GenericViewSet):
    """Every reconciliation of every ACO's active or terminated EBRAs, with totals per ACO and overall."""

    serializer_class = PaymentsResponseSerializer
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not request_user(request).is_cms:
            raise Http404("Not found.")

    @extend_schema(
        parameters=[
            OpenApiParameter("py", str, description="A performance year, or all (default: the current PY)"),
            OpenApiParameter("aco", str, description="A LEAD ACO id"),
            OpenApiParameter("direction", str, description="payment or repayment"),
        ],
        responses=PaymentsResponseSerializer,
    )
    def list(self, request: Request) -> Response:
        filters = read_filters(request.query_params)
        rows = payments.cms_payments(
            user=request_user(request),
            performance_year=filters.performance_year,
            aco_id=filters.aco_id,
            direction=filters.direction,
        )
        per_aco, overall = payments.totals_by_aco(rows)
        body = {
            "performance_year": filters.performance_year,
            "filter_errors": list(filters.errors),
            "totals": overall,
            "by_aco": per_aco,
            "reconciliations": rows,
        }
        return Response(PaymentsResponseSerializer(body).data)
