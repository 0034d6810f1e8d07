"""Serializers of the performance API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


# --------------------------------------------------------------------------------------------------
# Dashboard (api_dashboard.py): the history of an ACO's snapshots
# --------------------------------------------------------------------------------------------------
class SummaryHeadlineSerializer(serializers.Serializer[Any]):
    """One snapshot in an ACO's history: which run, when, and its headline figures (money in dollars;
    ``estimate`` true means the money figures are the portal's estimates, not CMS determinations)."""

    run = serializers.IntegerField(help_text="The pipeline run that computed the snapshot.")
    performance_year = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    run_finished_at = serializers.DateTimeField(allow_null=True)
    estimate = serializers.BooleanField()
    claims_through = serializers.CharField(allow_null=True, help_text="YYYY-MM")
    data_version = serializers.IntegerField(allow_null=True)
    aligned_beneficiaries = serializers.IntegerField(allow_null=True)
    member_months = serializers.IntegerField(allow_null=True)
    expenditure = serializers.FloatField(allow_null=True)
    benchmark = serializers.FloatField(allow_null=True)
    gross_savings = serializers.FloatField(allow_null=True)
    gross_savings_pct = serializers.FloatField(allow_null=True)
    estimated_settlement = serializers.FloatField(allow_null=True)
    capitation_reduction = serializers.FloatField(
        allow_null=True,
        help_text="Withheld from fee-for-service claims for capitation (CCLFA/CCLFB reduction amounts), beside "
        "the settlement, never in it; null in a snapshot computed before the portal read those amounts.",
    )
    total_quality_score = serializers.FloatField(allow_null=True)


# ---- end of the dashboard serializers ------------------------------------------------------------
