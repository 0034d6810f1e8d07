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
    cara_reconciliation = serializers.FloatField(
        allow_null=True,
        help_text="The CARA reconciliation with Preferred Providers as it changes the estimated settlement "
        "(included in it): negative, a charge (CMS paid the Preferred Providers on balance); positive, a credit "
        "(they repaid). Null when the ACO has no active or terminated EBRA, or in a snapshot computed before "
        "CARA was reconciled.",
    )
    total_quality_score = serializers.FloatField(allow_null=True)


# ---- end of the dashboard serializers ------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# High-cost beneficiaries (api_high_cost.py)
# --------------------------------------------------------------------------------------------------
class HighCostBeneficiarySerializer(serializers.Serializer[Any]):
    """One aligned beneficiary ranked by PY spending (dollars, netted claims as the money step counts
    them; estimates, not CMS determinations)."""

    rank = serializers.IntegerField()
    mbi = serializers.CharField()
    last_name = serializers.CharField()
    first_name = serializers.CharField()
    cohort = serializers.CharField(help_text="aged_disabled, esrd or high_needs")
    cohort_label = serializers.CharField()
    aligning_unit = serializers.CharField(help_text="tin or ccn")
    aligning_tin = serializers.CharField(help_text="The aligning TIN (or CCN).")
    spending = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The ranked amount: the category's spending, or the total."
    )
    share_pct = serializers.FloatField(allow_null=True, help_text="Of the ACO's spending in the same category.")
    cumulative_share_pct = serializers.FloatField(allow_null=True)
    by_category = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    claims = serializers.IntegerField(help_text="Claim headers and lines counted.")
    claims_url = serializers.CharField(help_text="The page of the beneficiary's counted claims.")


class HighCostTotalsSerializer(serializers.Serializer[Any]):
    beneficiaries = serializers.IntegerField(help_text="Listed (after every filter).")
    spending = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Their spending.")
    aco_spending = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="The ACO's PY spending in the category (or in all)."
    )
    before_tin_filter = serializers.DecimalField(max_digits=16, decimal_places=2)
    money_page_spending = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="What the money step counted for the same cohort and category: equal to before_tin_filter.",
    )
    reconciles = serializers.BooleanField()


# ---- end of the high-cost serializers ------------------------------------------------------------
