"""CARA API serializers."""

from __future__ import annotations

from rest_framework import serializers

from .models import Episode, EpisodeBaseline


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
