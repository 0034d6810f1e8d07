"""API shapes of the dual-eligible area. Serializers only shape data: figures come from the selectors,
rules from the services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import DataSharingOptOut, DualRun


class DualRunSerializer(serializers.ModelSerializer[DualRun]):
    class Meta:
        model = DualRun
        fields = ["id", "performance_year", "alignment_run", "through", "status", "created_at", "finished_at"]
        read_only_fields = fields


class DualGroupFiguresSerializer(serializers.Serializer[Any]):
    group = serializers.CharField(help_text="full, partial, duals (full and partial), none or aligned (everyone)")
    title = serializers.CharField()
    beneficiaries = serializers.IntegerField()
    member_months = serializers.IntegerField()
    spending = serializers.DecimalField(max_digits=16, decimal_places=2)
    pbpm = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    admissions = serializers.IntegerField()
    admissions_per_1000 = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    ed_visits = serializers.IntegerField()
    ed_visits_per_1000 = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)


class DualCodeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(allow_blank=True)
    meaning = serializers.CharField()
    group = serializers.CharField()
    beneficiaries = serializers.IntegerField()


class DualSummarySerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    performance_year = serializers.IntegerField()
    run = DualRunSerializer(allow_null=True)
    dual_share = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Duals as a % of aligned beneficiaries"
    )
    groups = DualGroupFiguresSerializer(many=True)
    codes = DualCodeSerializer(many=True)


class FullDualSerializer(serializers.Serializer[Any]):
    mbi = serializers.CharField()
    last_name = serializers.CharField(allow_null=True)
    first_name = serializers.CharField(allow_null=True)
    dual_code = serializers.CharField()
    dual_status = serializers.CharField()
    cohort = serializers.CharField(allow_null=True)
    member_months = serializers.IntegerField()
    spending = serializers.DecimalField(max_digits=12, decimal_places=2)
    admissions = serializers.IntegerField()
    ed_visits = serializers.IntegerField()
    last_admission = serializers.DateField(allow_null=True)


class OptOutSerializer(serializers.ModelSerializer[DataSharingOptOut]):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, allow_null=True, default=None)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = DataSharingOptOut
        fields = [
            "id", "mbi", "declined_on", "source", "note", "recorded_by", "recorded_at", "revoked_at", "revoked_by",
            "is_open",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_open(self, obj: DataSharingOptOut) -> bool:
        return obj.revoked_at is None


class OptOutInputSerializer(serializers.Serializer[Any]):
    """Shapes the request only: the service checks the MBI, the date and duplicates."""

    mbi = serializers.CharField(max_length=20)
    declined_on = serializers.CharField(max_length=20, help_text="YYYY-MM-DD, not in the future")
    # The API field is named like the model's; DRF's Field has a ``source`` attribute of another type.
    source = serializers.CharField(required=False, allow_blank=True, default="beneficiary")  # type: ignore[assignment]
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class OptOutUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="UTF-8 CSV: mbi,declined_on,source,note")
