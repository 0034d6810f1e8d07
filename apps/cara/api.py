"""REST API for CARA: an ACO's episodes of the PY's latest episode run (beneficiary-level, so every read
is access-logged), with filters, and the portal-wide baselines of that run."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import arrangements, selectors
from .models import Arrangement, Episode, EpisodeBaseline
from .serializers import (
    BaselineSerializer,
    EbraActionSerializer,
    EbraDetailSerializer,
    EbraInputSerializer,
    EbraSerializer,
    EpisodeSerializer,
)

FILTERS = [
    PY_PARAM,
    OpenApiParameter("type", str, description="Episode type code, e.g. hip_knee"),
    OpenApiParameter("year", int, description="Start year"),
    OpenApiParameter("npi", str, description="Attributed NPI"),
    OpenApiParameter("closed", bool, description="true: closed episodes only; false: open ones"),
    OpenApiParameter("payment", bool, description="true: episodes counting for payment only"),
]


class EpisodeViewSet(ACOScopedViewSet):
    """The ACO's episodes (its aligned beneficiaries') of the PY's latest episode run, oldest first."""

    serializer_class = EpisodeSerializer

    def get_queryset(self) -> QuerySet[Episode]:
        run = selectors.latest_run(performance_year=self.performance_year)
        if run is None:
            return Episode.objects.none()
        params = self.request.query_params
        flags = {f: (params.get(f) or "").lower() for f in ("closed", "payment")}
        rows = selectors.aco_episodes(
            run=run,
            aco_id=self.aco.pk,
            episode_type=params.get("type") or "",
            year=int(params["year"]) if (params.get("year") or "").isdigit() else None,
            npi=params.get("npi") or "",
            closed={"true": True, "false": False}.get(flags["closed"]),
            payment={"true": True, "false": False}.get(flags["payment"]),
        )
        return rows.order_by("start_date", "mbi", "pk")

    @extend_schema(parameters=FILTERS, responses=EpisodeSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        self.log("cara_episodes", f"PY{self.performance_year}", f"{len(rows)} episodes")
        data = EpisodeSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class BaselineViewSet(ACOScopedViewSet):
    """The portal-wide baselines of the PY's latest episode run: per episode type and base year, and for
    the three base years together (``year`` null)."""

    serializer_class = BaselineSerializer
    pagination_class = None

    @extend_schema(parameters=[PY_PARAM], responses=BaselineSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        run = selectors.latest_run(performance_year=self.performance_year)
        rows = (
            EpisodeBaseline.objects.filter(run=run).select_related("definition").order_by("definition_id", "year")
            if run is not None
            else EpisodeBaseline.objects.none()
        )
        return Response(BaselineSerializer(rows, many=True).data)


class ArrangementViewSet(ACOScopedViewSet):
    """The ACO's EBRAs (``?py=`` to one PY): list and draft (administrators); one EBRA with its terms and
    reconciliations; its edit while a draft, declined or sent back by CMS; every lifecycle move (``actions``:
    the ACO offers, submits, withdraws, activates, terminates; CMS starts the review, requests changes,
    approves or denies)."""

    serializer_class = EbraSerializer
    cms_may_write = True

    def get_object(self) -> Arrangement:
        return arrangements.aco_arrangement_get(aco=self.aco, arrangement_id=self.kwargs["arrangement_id"])

    @extend_schema(parameters=[PY_PARAM], responses=EbraSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        py = self.performance_year if request.query_params.get("py") else None
        rows = arrangements.aco_arrangements(aco=self.aco, performance_year=py).prefetch_related("terms__definition")
        page = self.paginate_queryset(rows)
        data = EbraSerializer(page if page is not None else rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(parameters=[PY_PARAM], request=EbraInputSerializer, responses={201: EbraDetailSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        serializer = EbraInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrangement = arrangements.arrangement_create(
            aco=self.aco, acting_user=request_user(request), performance_year=self.performance_year,
            data=serializer.validated_data,
        )  # fmt: skip
        return Response(EbraDetailSerializer(arrangement).data, status=201)

    @extend_schema(responses=EbraDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        return Response(EbraDetailSerializer(self.get_object()).data)

    @extend_schema(request=EbraInputSerializer, responses=EbraDetailSerializer)
    def update(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        serializer = EbraInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrangement = arrangements.arrangement_update(
            arrangement=self.get_object(), acting_user=request_user(request), data=serializer.validated_data
        )
        return Response(EbraDetailSerializer(arrangement).data)

    @extend_schema(request=EbraActionSerializer, responses=EbraDetailSerializer)
    def act(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        serializer = EbraActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        arrangement = arrangements.arrangement_act(
            arrangement=self.get_object(), acting_user=request_user(request), action=data["action"],
            reason=data["reason"], on=data["on"],
        )  # fmt: skip
        arrangement.refresh_from_db()
        return Response(EbraDetailSerializer(arrangement).data)
