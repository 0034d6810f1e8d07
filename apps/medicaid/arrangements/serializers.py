"""API shapes of partnership arrangements. Serializers only shape data: the rules live in
``services``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.reviews import services as review_services
from apps.reviews.serializers import ReviewHistoryMixin

from ..models import ARRANGEMENT_FIELDS, PartnershipArrangement, PartnerType


class ArrangementSerializer(serializers.ModelSerializer[PartnershipArrangement]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)
    state_code = serializers.CharField(source="state.code", read_only=True)
    state_name = serializers.CharField(source="state.name", read_only=True)
    title = serializers.CharField(source="review.title", read_only=True)
    status = serializers.CharField(source="review.state", read_only=True)
    partner_type = serializers.SerializerMethodField()
    partner_name = serializers.SerializerMethodField()
    agreement_status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="review.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="review.updated_at", read_only=True)
    submitted_at = serializers.DateTimeField(source="review.submitted_at", read_only=True)
    decided_at = serializers.DateTimeField(source="review.decided_at", read_only=True)
    decision_reason = serializers.CharField(source="review.decision_reason", read_only=True)

    class Meta:
        model = PartnershipArrangement
        fields = [
            "id",
            "aco_id",
            "state_code",
            "state_name",
            "title",
            "status",
            "partner_type",
            "partner_name",
            "agreement_status",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]

    def get_partner_type(self, obj: PartnershipArrangement) -> str:
        return str((obj.review.content or {}).get("partner_type") or "")

    def get_partner_name(self, obj: PartnershipArrangement) -> str:
        return str((obj.review.content or {}).get("partner_name") or "")

    def get_agreement_status(self, obj: PartnershipArrangement) -> str:
        return str((obj.review.content or {}).get("agreement_status") or "")


class ArrangementDetailSerializer(ReviewHistoryMixin, ArrangementSerializer):
    content = serializers.JSONField(source="review.content", read_only=True)
    versions = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()

    class Meta(ArrangementSerializer.Meta):
        fields = [*ArrangementSerializer.Meta.fields, "content", "versions", "transitions", "diff"]


class ArrangementCreateSerializer(serializers.Serializer[Any]):
    state = serializers.CharField(max_length=2, help_text="The state's two-letter code.")
    partner_type = serializers.ChoiceField(choices=PartnerType.choices)
    partner_name = serializers.CharField(max_length=200)


class ArrangementContentSerializer(serializers.Serializer[Any]):
    """Only the shape: ``{"content": {key: value}}`` with keys from the arrangement's fields; the
    service checks every value."""

    content = serializers.DictField()

    def validate_content(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(ARRANGEMENT_FIELDS))
        if unknown:
            raise serializers.ValidationError(f"Unknown fields: {', '.join(unknown)}.")
        return value


class ArrangementReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ArrangementReviewActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=list(review_services.REVIEW_ACTIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
