"""REST API for ACOs and their lists, scoped exactly as the pages are (same selectors and
services). Another ACO's data answers 404; an analyst's write answers 403."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from lead_portal.uploads import MAX_CSV_UPLOAD_BYTES, refuse_large_body, upload_bytes

from . import selectors, services
from .attention import attention_items
from .mixins import resolve_performance_year
from .models import ACO
from .serializers import (
    ACOSerializer,
    AttentionSerializer,
    ChangeRequestSerializer,
    DecisionSerializer,
    ElectionSerializer,
    ListChangeOutcomeSerializer,
    ParticipantInputSerializer,
    ParticipantSerializer,
    PreferredProviderInputSerializer,
    PreferredProviderSerializer,
    UploadSerializer,
    WithdrawSerializer,
)

PY_PARAM = OpenApiParameter("py", int, description="Performance year (default: the current or next one)")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _payload(request: Request) -> dict[str, Any]:
    """A JSON object or form body as a plain dict (lists in a form body keep their last value)."""
    data = request.data
    if not hasattr(data, "items"):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    return dict(data.items())


def _row_payload(request: Request, shape: type[Serializer[Any]]) -> dict[str, Any]:
    """A list row's values from a JSON object or form body, as ``shape`` takes them: only its
    fields (other keys, such as ``id`` sent back, are ignored), each text, a number, true/false or
    null, so nothing else reaches the row checks. The values themselves are checked by the service."""
    serializer = shape(data=_payload(request))
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ACOScopedViewSet(viewsets.GenericViewSet):
    """Base for every endpoint under ``/api/acos/{aco_id}/``: resolves the ACO through the
    user's scope before anything else runs, so no subclass can forget the tenant filter."""

    aco: ACO
    can_edit: bool
    cms_may_write = False
    # Actions that take a POST but only read (e.g. building an export): read-only members may use them.
    reading_actions: tuple[str, ...] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        user = request_user(request)
        self.aco = selectors.aco_get_for_user(user=user, aco_id=kwargs["aco_id"])
        self.can_edit = selectors.user_can_edit_aco(user=user, aco=self.aco)
        if (
            request.method in WRITE_METHODS
            and self.action not in self.reading_actions
            and not self.can_edit
            and not (self.cms_may_write and user.can_review)
        ):
            raise PermissionDenied("Your role in this ACO is read-only.")

    @property
    def performance_year(self) -> int:
        return resolve_performance_year(self.request.query_params.get("py"))

    def log(self, object_type: str, object_id: str, detail: str = "") -> None:
        """An access-log row: the user read the ACO's beneficiary-level data through the API."""
        access_log_record(
            request=self.request,
            action=AccessLog.Action.API,
            object_type=object_type,
            object_id=object_id,
            aco_code=self.aco.aco_id,
            detail=detail,
        )


class ACOViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """ACO profiles. ``PATCH`` changes the profile (ACO administrators)."""

    serializer_class = ACOSerializer
    lookup_field = "aco_id"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ACO]:
        return selectors.aco_list_for_user(user=request_user(self.request))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The role decides before the data is looked at: a read-only member gets 403, not 400.
        aco = self.get_object()
        if not selectors.user_can_edit_aco(user=request_user(request), aco=aco):
            raise PermissionDenied("Your role in this ACO is read-only.")
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer: Any) -> None:
        aco = services.aco_update_profile(
            aco=serializer.instance, data=serializer.validated_data, acting_user=request_user(self.request)
        )
        serializer.instance = aco


class ElectionViewSet(ACOScopedViewSet):
    serializer_class = ElectionSerializer
    lookup_url_kwarg = "performance_year"

    def get_queryset(self) -> Any:
        return selectors.election_list(aco=self.aco)

    def _year(self) -> int:
        """The URL's year, if the portal knows it (else 404 naming it)."""
        py = int(self.kwargs["performance_year"])
        if py not in selectors.performance_years():
            raise Http404(f"PY{py} is not a performance year in this portal.")
        return py

    def get_object(self) -> Any:
        py = self._year()
        election = selectors.election_get(aco=self.aco, performance_year=py)
        if election is None:
            raise Http404(f"No elections recorded for PY{py}.")
        return election

    def list(self, request: Request, aco_id: str) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request: Request, aco_id: str, performance_year: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def update(self, request: Request, aco_id: str, performance_year: int) -> Response:
        py = self._year()
        services.elections_require_open(performance_year=py)  # before the values: "closed" says it all
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        election = services.election_save(
            aco=self.aco, performance_year=py, data=serializer.validated_data, acting_user=request_user(request)
        )
        return Response(self.get_serializer(election).data)


class ListRowViewSet(ACOScopedViewSet):
    list_type: str
    input_serializer_class: type[Serializer[Any]]
    row_kwarg = "row_id"
    lookup_url_kwarg = "row_id"

    def get_queryset(self) -> Any:
        if self.list_type == "participants":
            return selectors.participant_list(
                aco=self.aco, performance_year=self.performance_year, search=self.request.query_params.get("q", "")
            )
        return selectors.preferred_list(
            aco=self.aco, performance_year=self.performance_year, search=self.request.query_params.get("q", "")
        )

    def get_object(self) -> Any:
        row_id = int(self.kwargs["row_id"])
        if self.list_type == "participants":
            return selectors.participant_get(aco=self.aco, participant_id=row_id)
        return selectors.preferred_get(aco=self.aco, provider_id=row_id)

    def _outcome(self, outcome: services.ListChangeOutcome) -> Response:
        data = ListChangeOutcomeSerializer(
            {
                "applied": outcome.applied,
                "added": outcome.added,
                "updated": outcome.updated,
                "removed": outcome.removed,
                "unchanged": outcome.unchanged,
                "message": outcome.message,
                "change_request": outcome.change_request,
            }
        ).data
        if outcome.errors:
            return Response(
                {"errors": [e.as_dict() for e in outcome.errors], "message": outcome.message},
                status=status.HTTP_400_BAD_REQUEST,
            )
        code = status.HTTP_202_ACCEPTED if outcome.change_request is not None else status.HTTP_200_OK
        return Response(data, status=code)

    @extend_schema(parameters=[PY_PARAM, OpenApiParameter("q", str, description="TIN, NPI or name")])
    def list(self, request: Request, aco_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        self.log(self.list_type, f"PY{self.performance_year}")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, aco_id: str, row_id: int) -> Response:
        obj = self.get_object()
        self.log(self.list_type, str(obj.pk))
        return Response(self.get_serializer(obj).data)

    @extend_schema(
        parameters=[PY_PARAM], responses={200: ListChangeOutcomeSerializer, 202: ListChangeOutcomeSerializer}
    )
    def create(self, request: Request, aco_id: str) -> Response:
        """Add a row; after the list deadline this creates a change request (202)."""
        outcome = services.list_row_save(
            aco=self.aco,
            performance_year=self.performance_year,
            list_type=self.list_type,
            data=_row_payload(request, self.input_serializer_class),
            acting_user=request_user(request),
        )
        return self._outcome(outcome)

    @extend_schema(responses={200: ListChangeOutcomeSerializer, 202: ListChangeOutcomeSerializer})
    def update(self, request: Request, aco_id: str, row_id: int) -> Response:
        obj = self.get_object()
        fields = services.LIST_FIELDS[self.list_type]
        data = {f: getattr(obj, f) for f in fields}
        data.update({k: v for k, v in _row_payload(request, self.input_serializer_class).items() if k in fields})
        key = services.list_row_key(self.list_type, obj)
        outcome = services.list_row_save(
            aco=self.aco,
            performance_year=obj.performance_year,
            list_type=self.list_type,
            data=data,
            acting_user=request_user(request),
            existing_key=key,
        )
        return self._outcome(outcome)

    @extend_schema(responses={200: ListChangeOutcomeSerializer, 202: ListChangeOutcomeSerializer})
    def partial_update(self, request: Request, aco_id: str, row_id: int) -> Response:
        return self.update(request, aco_id, row_id)

    @extend_schema(responses={200: ListChangeOutcomeSerializer, 202: ListChangeOutcomeSerializer})
    def destroy(self, request: Request, aco_id: str, row_id: int) -> Response:
        obj = self.get_object()
        key = services.list_row_key(self.list_type, obj)
        outcome = services.list_row_remove(
            aco=self.aco,
            performance_year=obj.performance_year,
            list_type=self.list_type,
            key=key,
            acting_user=request_user(request),
        )
        return self._outcome(outcome)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={200: ListChangeOutcomeSerializer, 202: ListChangeOutcomeSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request, aco_id: str) -> Response:
        """Bulk upload a CSV (bundle format; at most 5 MB, as on the page). Every row is checked; all
        rows apply or none."""
        # From the declared length, before the body is read (a file's own size is checked below).
        refuse_large_body(request.META, limit=MAX_CSV_UPLOAD_BYTES)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        py = resolve_performance_year(serializer.validated_data["performance_year"])
        outcome = services.list_upload(
            aco=self.aco,
            performance_year=py,
            list_type=self.list_type,
            data=upload_bytes(serializer.validated_data["file"], limit=MAX_CSV_UPLOAD_BYTES),
            replace=serializer.validated_data["replace"],
            acting_user=request_user(request),
        )
        return self._outcome(outcome)


class ParticipantViewSet(ListRowViewSet):
    list_type = "participants"
    serializer_class = ParticipantSerializer
    input_serializer_class = ParticipantInputSerializer


class PreferredProviderViewSet(ListRowViewSet):
    list_type = "preferred_providers"
    serializer_class = PreferredProviderSerializer
    input_serializer_class = PreferredProviderInputSerializer


class ChangeRequestViewSet(ACOScopedViewSet):
    serializer_class = ChangeRequestSerializer
    lookup_url_kwarg = "request_id"
    cms_may_write = True

    def get_queryset(self) -> Any:
        return selectors.change_request_list(aco=self.aco)

    def get_object(self) -> Any:
        obj = selectors.change_request_get(user=request_user(self.request), request_id=int(self.kwargs["request_id"]))
        if obj.aco_id != self.aco.pk:
            raise Http404("No such change request.")
        return obj

    def list(self, request: Request, aco_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, aco_id: str, request_id: int) -> Response:
        obj = self.get_object()
        access_log_record(
            request=request,
            action=AccessLog.Action.API,
            object_type="list_change_request",
            object_id=str(obj.pk),
            aco_code=self.aco.aco_id,
        )
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=DecisionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, aco_id: str, request_id: int) -> Response:
        """CMS reviewers approve or deny, with a reason."""
        user = request_user(request)
        if not user.can_review:
            raise PermissionDenied("Only CMS reviewers can decide change requests.")
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.change_request_decide(
            change_request=self.get_object(),
            acting_user=user,
            approve=serializer.validated_data["approve"],
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(obj).data)

    @extend_schema(request=WithdrawSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, aco_id: str, request_id: int) -> Response:
        """The ACO withdraws a request CMS has not decided yet."""
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.change_request_withdraw(
            change_request=self.get_object(),
            acting_user=request_user(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(obj).data)


class AttentionViewSet(ACOScopedViewSet):
    """What needs the ACO's attention: the overview's list of open items."""

    serializer_class = AttentionSerializer

    @extend_schema(parameters=[PY_PARAM], responses=AttentionSerializer)
    def list(self, request: Request, aco_id: str) -> Response:
        """The ACO's open items (list deadlines, plans sent back for changes, alignment below the minimums,
        late claims data, care gaps due this week, exports ready to download), each with what, why, its
        deadline or since when, its severity and the page where it is acted on; soonest deadline first.
        ``py`` chooses the performance year of year-specific items (the alignment minimums)."""
        today = selectors.portal_today()
        items = attention_items(aco=self.aco, performance_year=self.performance_year, today=today)
        data = {"as_of": today, "performance_year": self.performance_year, "items": items}
        return Response(AttentionSerializer(data).data)


class ReviewQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pending list change requests across all ACOs (CMS reviewers)."""

    serializer_class = ChangeRequestSerializer

    def get_queryset(self) -> Any:
        return selectors.review_queue(
            user=request_user(self.request),
            state=self.request.query_params.get("state", ""),
            aco_id=self.request.query_params.get("aco", ""),
        )
