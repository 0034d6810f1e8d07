"""REST API for the quality catalogue (any signed-in user) and an ACO's CAHPS/eCQM results, scoped
as the pages are (the same selectors and service). Another ACO's results answer 404; an analyst's
upload answers 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.selectors import request_user
from apps.acos import selectors as aco_selectors
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import selectors, services
from .models import (
    MANUAL_CLOSE_REASON_CHOICES,
    CareGap,
    CareGapEvent,
    CareGapItem,
    CloseReason,
    GapStatus,
    MeasureDefinition,
    MeasureMember,
    QualityRun,
)
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


class QualityResultsViewSet(ACOScopedViewSet):
    """The ACO's quality results in a quality run: measures with scoring, the Total Quality Score and a
    measure's members. Beneficiary-level reads are access-logged."""

    def get_run(self) -> QualityRun:
        run = selectors.quality_run_for_view(
            performance_year=self.performance_year, run_id=self.request.query_params.get("run")
        )
        if run is None:
            raise Http404("Quality has not been computed for this performance year.")
        return run

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
        self.log("quality_measure_members", f"run {run.pk} {row.code}", "API")
        return self.get_paginated_response(MeasureMemberSerializer(page, many=True).data)


# --------------------------------------------------------------------------------------------------
# The care-gap worklist
# --------------------------------------------------------------------------------------------------
class ClosingClaimSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(allow_null=True, help_text="CUR_CLM_UNIQ_ID of the later claim")
    date = serializers.DateField()
    code = serializers.CharField(help_text='e.g. "HCPCS 99214" or "principal diagnosis I50.20"')


class CareGapItemSerializer(serializers.ModelSerializer[CareGapItem]):
    """A care gap on the worklist: what the quality runs found and the work done on it."""

    claim_id = serializers.IntegerField(
        source="opening_claim_id", read_only=True, help_text="The claim that opened the gap"
    )
    assignee = serializers.SerializerMethodField(help_text="The username of the person assigned (null: no one)")
    assignee_name = serializers.SerializerMethodField()
    closed_by = serializers.SerializerMethodField(help_text="Who closed it (null: a quality run, or not closed)")
    closing_claim = serializers.SerializerMethodField(help_text="The later claim that closed it, when a run closed it")
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, allow_blank=True, read_only=True, help_text="Empty unless closed"
    )

    class Meta:
        model = CareGapItem
        fields = [
            "id",
            "performance_year",
            "mbi",
            "last_name",
            "first_name",
            "tin",
            "kind",
            "gap_type",
            "measure",
            "claim_id",
            "opened_on",
            "window_ends",
            "status",
            "assignee",
            "assignee_name",
            "due_date",
            "close_reason",
            "close_note",
            "closed_at",
            "closed_by",
            "closed_by_run",
            "closing_claim",
            "last_run",
            "updated_at",
        ]
        read_only_fields = fields

    def get_assignee(self, obj: CareGapItem) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None

    def get_assignee_name(self, obj: CareGapItem) -> str | None:
        return obj.assignee.display_name if obj.assignee else None

    def get_closed_by(self, obj: CareGapItem) -> str | None:
        return obj.closed_by.get_username() if obj.closed_by else None

    @extend_schema_field(ClosingClaimSerializer(allow_null=True))
    def get_closing_claim(self, obj: CareGapItem) -> dict[str, Any] | None:
        if obj.closing_claim_date is None:
            return None
        return {"id": obj.closing_claim_id, "date": obj.closing_claim_date, "code": obj.closing_claim_code}


class CareGapEventSerializer(serializers.ModelSerializer[CareGapEvent]):
    who = serializers.CharField(read_only=True, help_text="The person, or the quality run that made the change")
    actor = serializers.SerializerMethodField(help_text="The person's username (null: a quality run)")

    class Meta:
        model = CareGapEvent
        fields = ["at", "who", "actor", "run", "kind", "summary", "note", "changes"]
        read_only_fields = fields

    def get_actor(self, obj: CareGapEvent) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class CareGapDetailSerializer(CareGapItemSerializer):
    history = CareGapEventSerializer(many=True, read_only=True, source="events_list", help_text="Oldest first")

    class Meta(CareGapItemSerializer.Meta):
        fields = [*CareGapItemSerializer.Meta.fields, "history"]
        read_only_fields = fields


class CareGapPatchSerializer(serializers.Serializer[Any]):
    """The work fields; send only those that change. ``note`` adds a note to the gap's history."""

    status = serializers.ChoiceField(choices=GapStatus.choices, required=False)
    assignee = serializers.CharField(
        required=False, allow_null=True, max_length=150, help_text="A username of one of the ACO's users; null: no one"
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    close_reason = serializers.ChoiceField(
        choices=MANUAL_CLOSE_REASON_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Needed to close; other needs close_note",
    )
    close_note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, help_text="A note to add")


class CareGapAssignSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=500,
        help_text="Worklist item ids of the ACO",
    )  # fmt: skip
    assignee = serializers.CharField(allow_null=True, max_length=150, help_text="A username of the ACO; null: no one")


class CareGapAssignResultSerializer(serializers.Serializer[Any]):
    assigned = serializers.IntegerField(help_text="Items that changed hands")
    items = CareGapItemSerializer(many=True)


CARE_GAP_FILTERS = [
    PY_PARAM,
    OpenApiParameter(
        "status", str, enum=["open", "in_progress", "closed", "all"], description="Default: open or in progress"
    ),
    OpenApiParameter("assignee", str, description='"me", "none" (no one) or a username; default: anyone'),
    OpenApiParameter("type", str, enum=CareGap.GapType.values),
    OpenApiParameter("tin", str),
    OpenApiParameter("due_from", str, description="YYYY-MM-DD"),
    OpenApiParameter("due_to", str, description="YYYY-MM-DD"),
    OpenApiParameter("q", str, description="MBI or last name start"),
]


class CareGapViewSet(ACOScopedViewSet):
    """The ACO's care-gap worklist across quality runs: each gap with its status, assignee, due date and
    history. ``PATCH`` changes a gap's work fields and ``assign`` assigns several at once (ACO
    administrators; an analyst gets 403). Another ACO's gap answers 404; a user who is not the ACO's, 400."""

    serializer_class = CareGapItemSerializer

    def _user(self, username: str | None, field: str = "assignee") -> User | None:
        if username is None:
            return None
        user = selectors.care_gap_assignees(aco=self.aco).filter(username=username).first()
        if user is None:
            raise ValidationError({field: [f"{username} is not a user of {self.aco.aco_id}."]})
        return user

    def _detail(self, item: CareGapItem) -> Response:
        item.events_list = list(selectors.care_gap_events(item=item))  # type: ignore[attr-defined]
        return Response(CareGapDetailSerializer(item).data)

    @extend_schema(parameters=CARE_GAP_FILTERS, responses=CareGapItemSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        params = request.query_params
        dates: dict[str, dt.date | None] = {}
        for key in ("due_from", "due_to"):
            value = params.get(key, "")
            try:
                dates[key] = dt.date.fromisoformat(value) if value else None
            except ValueError as exc:
                raise ValidationError({key: ["Enter the date as YYYY-MM-DD."]}) from exc
        status_ = params.get("status", "")
        if status_ not in {"", "all", *GapStatus.values}:
            raise ValidationError({"status": ["Give open, in_progress, closed or all."]})
        qs = selectors.care_gap_items(
            aco=self.aco,
            performance_year=self.performance_year,
            user=request_user(request),
            status=status_,
            assignee=params.get("assignee", ""),
            tin=params.get("tin", ""),
            gap_type=params.get("type", ""),
            search=params.get("q", ""),
            **dates,
        )
        page = self.paginate_queryset(qs)
        self.log("care_gaps", f"worklist PY{self.performance_year}", "API")
        return self.get_paginated_response(CareGapItemSerializer(page, many=True).data)

    @extend_schema(responses=CareGapDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, gap_id: int) -> Response:
        item = selectors.care_gap_item_get(aco=self.aco, item_id=gap_id)
        self.log("care_gaps", f"gap {item.pk}", "API")
        return self._detail(item)

    @extend_schema(request=CareGapPatchSerializer, responses=CareGapDetailSerializer)
    def partial_update(self, request: Request, aco_id: str, gap_id: int) -> Response:
        item = selectors.care_gap_item_get(aco=self.aco, item_id=gap_id)
        serializer = CareGapPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "assignee" in data:
            data["assignee"] = self._user(data["assignee"])
        try:
            item = services.care_gap_update(item=item, acting_user=request_user(request), **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return self._detail(item)

    @extend_schema(request=CareGapAssignSerializer, responses=CareGapAssignResultSerializer)
    def assign(self, request: Request, aco_id: str) -> Response:
        serializer = CareGapAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = list(serializer.validated_data["ids"])
        assignee = self._user(serializer.validated_data["assignee"])
        try:
            changed = services.care_gaps_assign(
                aco=self.aco, item_ids=ids, assignee=assignee, acting_user=request_user(request)
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        items = selectors.care_gap_items_by_id(aco=self.aco, item_ids=ids)
        return Response(CareGapAssignResultSerializer({"assigned": changed, "items": list(items)}).data)
