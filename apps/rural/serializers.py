"""API shapes for the rural add-on. Serializers only shape data; figures come from the selectors."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import RuralEligibility, RuralRun


class RuralRunSerializer(serializers.ModelSerializer[RuralRun]):
    class Meta:
        model = RuralRun
        fields = ["id", "performance_year", "alignment_run", "as_of", "status", "created_at", "finished_at"]
        read_only_fields = fields


class RuralEligibilitySerializer(serializers.ModelSerializer[RuralEligibility]):
    rate = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=True, read_only=True)

    class Meta:
        model = RuralEligibility
        fields = ["qualifies", "reason", "rate", "newly_entering", "any_new_to_aco"]
        read_only_fields = fields


class RuralTINSerializer(serializers.Serializer[Any]):
    tin = serializers.CharField()
    legal_name = serializers.CharField()
    facility_type = serializers.CharField()
    practice_zip = serializers.CharField()
    state = serializers.CharField()
    ruca = serializers.IntegerField(allow_null=True)
    rural = serializers.BooleanField(allow_null=True, help_text="null: the ZIP is not in the USDA RUCA table")
    rule = serializers.CharField()


class RuralCategorySerializer(serializers.Serializer[Any]):
    category = serializers.CharField()
    count = serializers.IntegerField()
    via_rural_tin = serializers.IntegerField()


class RuralMonthSerializer(serializers.Serializer[Any]):
    month = serializers.DateField()
    member_months = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=8, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    kind = serializers.ChoiceField(choices=["actual", "projected"])


class RuralTotalsSerializer(serializers.Serializer[Any]):
    member_months = serializers.IntegerField()
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    projected_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    actual_months = serializers.IntegerField()
    projected_months = serializers.IntegerField()


class RuralScheduleSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    performance_year = serializers.IntegerField()
    run = RuralRunSerializer(allow_null=True)
    qualifies = serializers.BooleanField()
    rate = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    reconciled = serializers.BooleanField(help_text="Always false: the add-on is never reconciled at settlement.")
    months = RuralMonthSerializer(many=True)
    totals = RuralTotalsSerializer(allow_null=True)


class RuralOverviewSerializer(RuralScheduleSerializer):
    eligibility = RuralEligibilitySerializer(allow_null=True)
    tins = RuralTINSerializer(many=True)
    categories = RuralCategorySerializer(many=True)


class RuralACOPaymentSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    legal_name = serializers.CharField()
    qualifies = serializers.BooleanField()
    reason = serializers.CharField()
    rural_tins = serializers.IntegerField()
    member_months = serializers.IntegerField()
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
