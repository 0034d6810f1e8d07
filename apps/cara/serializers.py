"""CARA API serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Arrangement, ArrangementTerm, Episode, EpisodeBaseline, QualityLink, Reconciliation


class EpisodeSerializer(serializers.ModelSerializer[Episode]):
    episode_type = serializers.CharField(source="definition.code")
    definition = serializers.CharField(source="definition.get_design_display")
    preferred_provider = serializers.CharField(source="preferred_provider.name", default=None)
    cost_cents = serializers.IntegerField()

    class Meta:
        model = Episode
        fields = [
            "id", "mbi", "episode_type", "definition", "trigger_claim_id", "trigger_code", "start_date", "anchor_end",
            "end_date", "year", "attributed_npi", "attribution", "preferred_provider", "index_cents",
            "readmission_cents", "post_acute_cents", "professional_cents", "other_cents", "cost_cents", "readmissions",
            "closed", "payment", "risk_score",
        ]  # fmt: skip


class BaselineSerializer(serializers.ModelSerializer[EpisodeBaseline]):
    episode_type = serializers.CharField(source="definition.code")
    name = serializers.CharField(source="definition.name")

    class Meta:
        model = EpisodeBaseline
        fields = [
            "episode_type", "name", "year", "episodes", "mean_cost_cents", "scored_episodes", "mean_risk",
            "mean_cost_per_risk_cents",
        ]  # fmt: skip


class EbraTermSerializer(serializers.ModelSerializer[ArrangementTerm]):
    episode_type = serializers.CharField(source="definition.code", read_only=True)
    name = serializers.CharField(source="definition.name", read_only=True)

    class Meta:
        model = ArrangementTerm
        fields = ["definition", "episode_type", "name", "baseline_cents", "adjustment", "rate_pct", "target_cents"]
        read_only_fields = ["baseline_cents", "target_cents"]


class EbraReconciliationSerializer(serializers.ModelSerializer[Reconciliation]):
    class Meta:
        model = Reconciliation
        fields = [
            "id", "period_start", "period_end", "episode_run", "episodes", "open_episodes", "target_cents",
            "actual_cents", "difference_cents", "measure", "measure_rate", "measure_denominator", "quality_points",
            "adjustment_factor", "adjusted_cents", "repayment_cap_cents", "capped", "amount_cents", "final",
            "computed_at",
        ]  # fmt: skip


class EbraSerializer(serializers.ModelSerializer[Arrangement]):
    preferred_provider_name = serializers.CharField(source="preferred_provider.name", read_only=True)
    preferred_provider_npi = serializers.CharField(source="preferred_provider.npi", read_only=True)
    terms = EbraTermSerializer(many=True, read_only=True)
    review_state = serializers.CharField(source="review.state", default=None, read_only=True)

    class Meta:
        model = Arrangement
        fields = [
            "id", "performance_year", "status", "preferred_provider", "preferred_provider_name",
            "preferred_provider_npi", "effective_start", "effective_end", "performance_adjustment_pct",
            "quality_measure", "repayment_limit_pct", "terms", "review_state", "terminated_on", "termination_reason",
            "created_at", "updated_at",
        ]  # fmt: skip


class EbraDetailSerializer(EbraSerializer):
    reconciliations = EbraReconciliationSerializer(many=True, read_only=True)

    class Meta(EbraSerializer.Meta):
        fields = [*EbraSerializer.Meta.fields, "reconciliations"]


class EbraTermInputSerializer(serializers.Serializer[dict[str, Any]]):
    definition = serializers.IntegerField()
    adjustment = serializers.ChoiceField(choices=ArrangementTerm.Adjustment.choices, default="discount")
    rate_pct = serializers.CharField(max_length=12, default="0")


class EbraInputSerializer(serializers.Serializer[dict[str, Any]]):
    preferred_provider = serializers.IntegerField()
    effective_start = serializers.DateField()
    effective_end = serializers.DateField()
    performance_adjustment_pct = serializers.CharField(max_length=12, default="50")
    quality_measure = serializers.ChoiceField(choices=QualityLink.choices, default=QualityLink.UAMCC)
    repayment_limit_pct = serializers.CharField(max_length=12, default="20")
    terms = EbraTermInputSerializer(many=True)


class EbraActionSerializer(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(
        choices=[
            "offer",
            "submit",
            "withdraw",
            "activate",
            "terminate",
            "start_review",
            "request_changes",
            "approve",
            "deny",
        ]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text="terminate: the last day")
