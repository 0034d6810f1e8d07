"""REST API of Preferred Provider users, under ``/api/provider/`` (the pages of apps/cara/views_provider.py,
the same selectors and services): their EBRAs, the answer to an offer, the episodes attributed to them under
an active or terminated EBRA (beneficiary-level: every read is access-logged) and the reconciliations.

Anyone who is not a Preferred Provider user gets 404; another Preferred Provider's EBRA answers 404 as a
missing one does. No answer names the ACO beyond its legal name (the EBRA's counterpart), nor any other
Preferred Provider."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record

from . import arrangements, provider
from .models import Arrangement, ArrangementEvent, ArrangementTerm, Episode, Reconciliation

# --- serializers -------------------------------------------------------------------------------------------


class ProviderTermSerializer(serializers.ModelSerializer[ArrangementTerm]):
    episode_type = serializers.CharField(source="definition.code", read_only=True)
    name = serializers.CharField(source="definition.name", read_only=True)
    design = serializers.CharField(source="definition.get_design_display", read_only=True)
    adjustment = serializers.CharField(read_only=True, help_text="discount or premium")

    class Meta:
        model = ArrangementTerm
        fields = ["episode_type", "name", "design", "baseline_cents", "adjustment", "rate_pct", "target_cents"]


class ProviderEventSerializer(serializers.ModelSerializer[ArrangementEvent]):
    # Statuses as codes with their labels beside them (plain strings: the EBRA statuses are one choice set
    # that other serializers name too).
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    actor = serializers.CharField(source="actor.display_name", read_only=True)
    from_label = serializers.CharField(source="get_from_status_display", read_only=True)
    to_label = serializers.CharField(source="get_to_status_display", read_only=True)

    class Meta:
        model = ArrangementEvent
        fields = ["from_status", "from_label", "to_status", "to_label", "actor", "at", "reason"]


class ProviderArrangementSerializer(serializers.ModelSerializer[Arrangement]):
    status = serializers.CharField(read_only=True)
    quality_measure = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    aco_name = serializers.CharField(source="aco.legal_name", read_only=True)
    preferred_provider = serializers.CharField(source="preferred_provider.name", read_only=True)
    tin = serializers.CharField(source="preferred_provider.tin", read_only=True)
    npi = serializers.CharField(source="preferred_provider.npi", read_only=True)
    terms = ProviderTermSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Arrangement
        fields = [
            "id", "status", "status_label", "aco_name", "preferred_provider", "tin", "npi", "performance_year",
            "effective_start", "effective_end", "terminated_on", "termination_reason", "performance_adjustment_pct",
            "quality_measure", "repayment_limit_pct", "terms", "actions",
        ]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="accept, decline"))
    def get_actions(self, arrangement: Arrangement) -> list[str]:
        """What the user can do with the EBRA now: accept or decline an offer."""
        user = self.context.get("user")
        if user is None:
            return []
        return [a for a in arrangements.available_actions(arrangement=arrangement, user=user) if a in ACTIONS]


class ProviderArrangementDetailSerializer(ProviderArrangementSerializer):
    history = ProviderEventSerializer(source="events", many=True, read_only=True)

    class Meta(ProviderArrangementSerializer.Meta):
        fields = [*ProviderArrangementSerializer.Meta.fields, "history"]


class ProviderEpisodeSerializer(serializers.ModelSerializer[Episode]):
    episode_type = serializers.CharField(source="definition.code", read_only=True)
    name = serializers.CharField(source="definition.name", read_only=True)
    cost_cents = serializers.IntegerField(read_only=True)
    attribution = serializers.CharField(read_only=True, help_text="operating, attending or rendering")

    class Meta:
        model = Episode
        fields = [
            "id", "mbi", "episode_type", "name", "trigger_claim_id", "trigger_code", "start_date", "anchor_end",
            "end_date", "attribution", "index_cents", "readmission_cents", "post_acute_cents", "professional_cents",
            "other_cents", "cost_cents", "readmissions", "closed",
        ]  # fmt: skip


class ProviderReconciliationSerializer(serializers.ModelSerializer[Reconciliation]):
    measure = serializers.CharField(read_only=True, help_text="The linked quality measure, e.g. uamcc")

    class Meta:
        model = Reconciliation
        fields = [
            "id", "period_start", "period_end", "episodes", "open_episodes", "target_cents", "actual_cents",
            "difference_cents", "measure", "measure_rate", "quality_points", "adjustment_factor", "adjusted_cents",
            "repayment_cap_cents", "capped", "amount_cents", "final",
        ]  # fmt: skip


ACTIONS = ("accept", "decline")


class ProviderActionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField(help_text="accept or decline")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_action(self, value: str) -> str:
        if value not in ACTIONS:
            raise serializers.ValidationError(f"Choose accept or decline, not “{value[:40]}”.")
        return value


# --- views -------------------------------------------------------------------------------------------------


class ProviderViewSet(viewsets.GenericViewSet):
    """Base of every endpoint under ``/api/provider/``: a Preferred Provider user, or 404."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        user = request_user(request)
        provider.require_provider_user(user)
        if "arrangement_id" in kwargs:
            # Before the method is looked at: another Preferred Provider's EBRA answers 404 whatever is asked.
            self._arrangement = provider.arrangement_get(user=user, arrangement_id=kwargs["arrangement_id"])

    def arrangement(self) -> Arrangement:
        return self._arrangement


class ProviderArrangementViewSet(ProviderViewSet):
    """The user's EBRAs (never a draft), offers waiting for an answer first."""

    serializer_class = ProviderArrangementSerializer
    pagination_class = None

    def list(self, request: Request) -> Response:
        user = request_user(request)
        rows = provider.home_arrangements(user=user)
        return Response(ProviderArrangementSerializer(rows, many=True, context={"user": user}).data)

    @extend_schema(responses=ProviderArrangementDetailSerializer)
    def retrieve(self, request: Request, arrangement_id: int) -> Response:
        user = request_user(request)
        return Response(ProviderArrangementDetailSerializer(self.arrangement(), context={"user": user}).data)


class ProviderActionViewSet(ProviderViewSet):
    serializer_class = ProviderActionSerializer

    @extend_schema(request=ProviderActionSerializer, responses={200: ProviderArrangementDetailSerializer})
    def create(self, request: Request, arrangement_id: int) -> Response:
        """Accept or decline an offer (``reason`` is required to decline: the ACO sees it)."""
        serializer = ProviderActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        arrangement = arrangements.arrangement_act(
            arrangement=self.arrangement(),
            acting_user=user,
            action=serializer.validated_data["action"],
            reason=serializer.validated_data["reason"],
        )
        arrangement = provider.arrangement_get(user=user, arrangement_id=arrangement.pk)
        return Response(ProviderArrangementDetailSerializer(arrangement, context={"user": user}).data)


EPISODE_FILTERS = [
    OpenApiParameter("type", str, description="Episode type code, e.g. hip_knee"),
    OpenApiParameter("closed", bool, description="true: closed episodes only; false: open ones"),
]


class ProviderEpisodeViewSet(ProviderViewSet):
    """The episodes attributed to the user's Preferred Provider under an active or terminated EBRA, oldest
    first, paged. Beneficiary-level: every read writes an access-log row."""

    serializer_class = ProviderEpisodeSerializer

    def get_queryset(self) -> QuerySet[Episode]:
        params = self.request.query_params
        return provider.arrangement_episodes(
            arrangement=self.arrangement(),
            episode_type=(params.get("type") or "").strip()[:40],
            closed={"true": True, "false": False}.get((params.get("closed") or "").lower()),
        )

    @extend_schema(parameters=EPISODE_FILTERS, responses=ProviderEpisodeSerializer(many=True))
    def list(self, request: Request, arrangement_id: int) -> Response:
        arrangement = self.arrangement()
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        access_log_record(
            request=request,
            action=AccessLog.Action.API,
            object_type="cara_provider_episodes",
            object_id=f"EBRA {arrangement.pk}",
            aco_code=arrangement.aco.aco_id,
            detail=f"{len(rows)} episodes",
        )
        data = ProviderEpisodeSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class ProviderReconciliationViewSet(ProviderViewSet):
    """The EBRA's reconciliations by period (aggregates: the statement lists the episodes)."""

    serializer_class = ProviderReconciliationSerializer
    pagination_class = None

    def list(self, request: Request, arrangement_id: int) -> Response:
        rows = self.arrangement().reconciliations.order_by("period_start")
        return Response(ProviderReconciliationSerializer(rows, many=True).data)
