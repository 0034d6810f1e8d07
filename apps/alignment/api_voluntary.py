"""REST API for an ACO's voluntary alignment records, scoped as the pages are (the same selectors
and service). Another ACO's data answers 404; an analyst's write answers 403."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import voluntary
from .serializers import VoluntaryAlignmentCreateSerializer, VoluntaryAlignmentSerializer


class VoluntaryAlignmentViewSet(ACOScopedViewSet):
    """Voluntary alignment records naming the ACO or designating one of its Participant TINs for the
    PY, each with its standing for that PY. ``POST`` adds one record (ACO administrators)."""

    serializer_class = VoluntaryAlignmentSerializer

    def get_queryset(self) -> Any:
        return voluntary.voluntary_list(
            aco=self.aco, performance_year=self.performance_year, mbi=self.request.query_params.get("mbi", "")
        )

    @extend_schema(parameters=[PY_PARAM, OpenApiParameter("mbi", str, description="Only this beneficiary's records")])
    def list(self, request: Request, aco_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        statuses = voluntary.voluntary_statuses(aco=self.aco, performance_year=self.performance_year, records=page)
        access_log_record(
            request=request,
            action=AccessLog.Action.API,
            object_type="voluntary_alignments",
            object_id=f"PY{self.performance_year}",
            aco_code=self.aco.aco_id,
            detail=f"mbi {request.query_params.get('mbi', '')!r}" if request.query_params.get("mbi") else "",
        )
        data = VoluntaryAlignmentSerializer(page, many=True, context={"statuses": statuses}).data
        return self.get_paginated_response(data)

    @extend_schema(
        parameters=[PY_PARAM], request=VoluntaryAlignmentCreateSerializer, responses={201: VoluntaryAlignmentSerializer}
    )
    def create(self, request: Request, aco_id: str) -> Response:
        """Add one record; the checks and messages are those of a file upload."""
        serializer = VoluntaryAlignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = voluntary.voluntary_alignment_add(
            aco=self.aco,
            performance_year=self.performance_year,
            data=serializer.validated_data,
            acting_user=request_user(request),
        )
        # As the list shows it (``named_aco``): the record is this ACO's, so the list holds it.
        record = voluntary.voluntary_list(aco=self.aco, performance_year=self.performance_year).get(pk=record.pk)
        statuses = voluntary.voluntary_statuses(aco=self.aco, performance_year=self.performance_year, records=[record])
        data = VoluntaryAlignmentSerializer(record, context={"statuses": statuses}).data
        return Response(data, status=status.HTTP_201_CREATED)
