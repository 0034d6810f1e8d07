"""REST API for the quality catalogue (any signed-in user) and an ACO's CAHPS/eCQM results, scoped
as the pages are (the same selectors and service). Another ACO's results answer 404; an analyst's
upload answers 403."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import selectors, services
from .models import MeasureDefinition
from .serializers import (
    MeasureDefinitionSerializer,
    QualitySubmissionSerializer,
    SubmissionUploadResultSerializer,
    SubmissionUploadSerializer,
)

CURRENT_PARAM = OpenApiParameter("current", bool, description="true: only the current result of each measure")


class MeasureDefinitionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[MeasureDefinition]):
    """The quality measure catalogue: each measure's direction, unit, decile table and how it counts
    in its year (an eCQM follows the year's eCQM phase)."""

    serializer_class = MeasureDefinitionSerializer

    def get_queryset(self) -> Any:
        year = self.request.query_params.get("performance_year", "").strip()
        if year and not year.isdigit():
            raise ValidationError({"performance_year": ["A performance year is a number, e.g. 2027."]})
        return selectors.measure_catalogue(performance_year=int(year) if year else None)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            years = set(self.get_queryset().values_list("performance_year", flat=True))
            context["phases"] = selectors.ecqm_phases(years=years)
        return context

    @extend_schema(parameters=[OpenApiParameter("performance_year", int, description="Only this year's measures")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class QualitySubmissionViewSet(ACOScopedViewSet):
    """The ACO's CAHPS and eCQM results for a PY, current and superseded (newest first). ``POST``
    uploads a CSV of results (ACO administrators): every row is checked; all load or none."""

    serializer_class = QualitySubmissionSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        qs = selectors.submissions_history(aco=self.aco, performance_year=self.performance_year)
        if self.request.query_params.get("current", "").lower() in ("1", "true", "yes"):
            qs = qs.filter(superseded_at__isnull=True)
        return qs.select_related("aco")

    @extend_schema(parameters=[PY_PARAM, CURRENT_PARAM])
    def list(self, request: Request, aco_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[PY_PARAM],
        request={"multipart/form-data": SubmissionUploadSerializer},
        responses={201: SubmissionUploadResultSerializer},
    )
    def create(self, request: Request, aco_id: str) -> Response:
        """Upload results for one PY (``performance_year`` in the form, else ``?py=``). Problems answer
        400 with ``errors`` (line, field, value, reason) and change nothing."""
        serializer = SubmissionUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        year = serializer.validated_data.get("performance_year", self.performance_year)
        if year not in aco_selectors.performance_years():
            raise ValidationError({"performance_year": [f"{year} is not a configured performance year."]})
        outcome = services.submissions_upload(
            aco=self.aco,
            performance_year=year,
            data=upload.read(),
            filename=upload.name,
            acting_user=request_user(request),
        )
        if outcome.errors:
            return Response(
                {"errors": [e.as_dict() for e in outcome.errors], "message": outcome.message},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = {"loaded": outcome.loaded, "message": outcome.message, "submissions": outcome.submissions}
        return Response(SubmissionUploadResultSerializer(data).data, status=status.HTTP_201_CREATED)
