"""REST API for the quality catalogue (any signed-in user) and an ACO's CAHPS/eCQM results, scoped
as the pages are (the same selectors and service). Another ACO's results answer 404; an analyst's
upload answers 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos import selectors as aco_selectors
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import selectors, services
from .models import CareGap, MeasureDefinition, MeasureMember, QualityRun
from .models import MeasureResult as StoredMeasureResult
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
            data=upload,  # read by the service, its size checked first
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


# --------------------------------------------------------------------------------------------------
# Results of quality runs
# --------------------------------------------------------------------------------------------------
QRUN_PARAM = OpenApiParameter("run", int, description="Quality run id (default: the performance year's latest)")


class MeasureResultSerializer(serializers.ModelSerializer[StoredMeasureResult]):
    class Meta:
        model = StoredMeasureResult
        fields = [
            "measure",
            "source",
            "numerator",
            "denominator",
            "rate",
            "person_years",
            "expected",
            "expected_rate",
            "risk_standardized_rate",
            "score_rate",
            "decile",
            "points",
            "scored",
            "note",
        ]
        read_only_fields = fields


class MeasureMemberSerializer(serializers.ModelSerializer[MeasureMember]):
    class Meta:
        model = MeasureMember
        fields = ["measure", "mbi", "role", "source", "claim_id", "related_claim_id", "event_date", "value"]
        read_only_fields = fields


class CareGapSerializer(serializers.ModelSerializer[CareGap]):
    class Meta:
        model = CareGap
        fields = ["mbi", "last_name", "first_name", "tin", "gap_type", "measure", "claim_id", "opened_on", "due_date"]
        read_only_fields = fields


class QualityResultsViewSet(ACOScopedViewSet):
    """The ACO's quality results in a quality run: measures with scoring, the Total Quality Score, a
    measure's members, and the care-gap worklist. Beneficiary-level reads are access-logged."""

    def get_run(self) -> QualityRun:
        run = selectors.quality_run_for_view(
            performance_year=self.performance_year, run_id=self.request.query_params.get("run")
        )
        if run is None:
            raise Http404("Quality has not been computed for this performance year.")
        return run

    def _log(self, object_type: str, object_id: str, detail: str = "") -> None:
        access_log_record(
            request=self.request,
            action=AccessLog.Action.API,
            object_type=object_type,
            object_id=object_id,
            aco_code=self.aco.aco_id,
            detail=detail,
        )

    @extend_schema(parameters=[PY_PARAM, QRUN_PARAM], responses=dict)
    def summary(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        score = selectors.quality_score(aco=self.aco, run=run)
        return Response(
            {
                "run": run.pk,
                "alignment_run": run.alignment_run_id,
                "performance_year": run.performance_year,
                "finished_at": run.finished_at,
                "portal_acr_rate": run.portal_acr_rate,
                "total_quality_score": score.total_quality_score if score else None,
                "scored_measures": score.scored_measures if score else 0,
                "earned_back_dollars": score.earned_back_dollars if score else None,
                "measures": [
                    {"code": r.code, "name": r.name, **(MeasureResultSerializer(r.result).data if r.result else {})}
                    for r in selectors.measure_rows(aco=self.aco, run=run)
                ],
            }
        )

    @extend_schema(
        parameters=[
            PY_PARAM,
            QRUN_PARAM,
            OpenApiParameter("role", str, enum=["numerator", "denominator", "event"]),
            OpenApiParameter("q", str, description="MBI or its start"),
        ],
        responses=MeasureMemberSerializer(many=True),
    )
    def members(self, request: Request, aco_id: str, measure: str) -> Response:
        run = self.get_run()
        row = selectors.measure_row(aco=self.aco, run=run, measure=measure)
        qs = selectors.measure_members(
            aco=self.aco,
            run=run,
            measure=row.code,
            role=request.query_params.get("role", ""),
            search=request.query_params.get("q", ""),
        )
        page = self.paginate_queryset(qs)
        self._log("quality_measure_members", f"run {run.pk} {row.code}", "API")
        return self.get_paginated_response(MeasureMemberSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            PY_PARAM,
            QRUN_PARAM,
            OpenApiParameter("tin", str),
            OpenApiParameter("type", str, enum=CareGap.GapType.values),
            OpenApiParameter("due_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("due_to", str, description="YYYY-MM-DD"),
            OpenApiParameter("q", str, description="MBI or last name start"),
        ],
        responses=CareGapSerializer(many=True),
    )
    def care_gaps(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        params = request.query_params
        dates: dict[str, dt.date | None] = {}
        for key in ("due_from", "due_to"):
            value = params.get(key, "")
            try:
                dates[key] = dt.date.fromisoformat(value) if value else None
            except ValueError as exc:
                raise ValidationError({key: ["Enter the date as YYYY-MM-DD."]}) from exc
        qs = selectors.care_gaps(
            aco=self.aco,
            run=run,
            tin=params.get("tin", ""),
            gap_type=params.get("type", ""),
            search=params.get("q", ""),
            **dates,
        )
        page = self.paginate_queryset(qs)
        self._log("care_gaps", f"run {run.pk}", "API")
        return self.get_paginated_response(CareGapSerializer(page, many=True).data)
