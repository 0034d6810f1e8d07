"""API shapes. Serializers only shape data: the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.reviews.serializers import ReviewHistoryMixin

from . import services
from .models import BenefitItem, BenefitSelection, Delivery, ImplementationPlan, PlanAttachment

TRANSITIONS = ["submit", "withdraw", "start_review", "request_changes", "approve", "deny"]


class BenefitItemSerializer(serializers.ModelSerializer[BenefitItem]):
    plan_fields = serializers.SerializerMethodField()

    class Meta:
        model = BenefitItem
        fields = [
            "code",
            "name",
            "kind",
            "description",
            "performance_year",
            "global_only",
            "first_performance_year",
            "legal_states_only",
            "annual_cap_dollars",
            "annual_cap_count",
            "plan_fields",
        ]

    def get_plan_fields(self, obj: BenefitItem) -> list[str]:
        return obj.plan_fields()


class CatalogueRowSerializer(serializers.Serializer[Any]):
    item = BenefitItemSerializer()
    selectable = serializers.BooleanField()
    reason = serializers.CharField()
    restricted_states = serializers.ListField(child=serializers.CharField())
    selection_id = serializers.SerializerMethodField()
    selection_withdrawn = serializers.SerializerMethodField()
    plan_id = serializers.SerializerMethodField()
    plan_state = serializers.SerializerMethodField()

    def get_selection_id(self, row: Any) -> int | None:
        return row.selection.pk if row.selection else None

    def get_selection_withdrawn(self, row: Any) -> bool:
        return bool(row.selection and row.selection.withdrawn_at)

    def get_plan_id(self, row: Any) -> int | None:
        return row.plan.pk if row.plan else None

    def get_plan_state(self, row: Any) -> str | None:
        return row.plan.review.state if row.plan else None


class SelectionSerializer(serializers.ModelSerializer[BenefitSelection]):
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    selected_by = serializers.CharField(source="selected_by.username", read_only=True)
    plan_id = serializers.SerializerMethodField()

    class Meta:
        model = BenefitSelection
        fields = [
            "id",
            "performance_year",
            "item_code",
            "item_name",
            "restricted_states",
            "selected_by",
            "selected_at",
            "withdrawn_at",
            "plan_id",
        ]

    def get_plan_id(self, obj: BenefitSelection) -> int | None:
        plan = ImplementationPlan.objects.filter(selection=obj).only("pk").first()
        return plan.pk if plan else None


class SelectionCreateSerializer(serializers.Serializer[Any]):
    item_code = serializers.SlugField()
    performance_year = serializers.IntegerField(required=False)


class AttachmentSerializer(serializers.ModelSerializer[PlanAttachment]):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = PlanAttachment
        fields = ["id", "original_name", "size", "content_type", "uploaded_by", "uploaded_at"]


class PlanSerializer(serializers.ModelSerializer[ImplementationPlan]):
    aco_id = serializers.CharField(source="selection.aco.aco_id", read_only=True)
    performance_year = serializers.IntegerField(source="selection.performance_year", read_only=True)
    item_code = serializers.CharField(source="selection.item.code", read_only=True)
    item_name = serializers.CharField(source="selection.item.name", read_only=True)
    title = serializers.CharField(source="review.title", read_only=True)
    state = serializers.CharField(source="review.state", read_only=True)
    submitted_at = serializers.DateTimeField(source="review.submitted_at", read_only=True)
    decided_at = serializers.DateTimeField(source="review.decided_at", read_only=True)
    decision_reason = serializers.CharField(source="review.decision_reason", read_only=True)
    updated_at = serializers.DateTimeField(source="review.updated_at", read_only=True)

    class Meta:
        model = ImplementationPlan
        fields = [
            "id",
            "aco_id",
            "performance_year",
            "item_code",
            "item_name",
            "title",
            "state",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]


class PlanDetailSerializer(ReviewHistoryMixin, PlanSerializer):
    content = serializers.JSONField(source="review.content", read_only=True)
    fields_required = serializers.SerializerMethodField()
    missing_fields = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [
            *PlanSerializer.Meta.fields,
            "content",
            "fields_required",
            "missing_fields",
            "versions",
            "transitions",
            "diff",
            "attachments",
        ]

    def get_fields_required(self, obj: ImplementationPlan) -> list[str]:
        return obj.selection.item.plan_fields()

    def get_missing_fields(self, obj: ImplementationPlan) -> list[str]:
        return services.plan_missing_fields(obj)


class PlanContentSerializer(serializers.Serializer[Any]):
    content = serializers.DictField(child=serializers.CharField(allow_blank=True, allow_null=True))


class TransitionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=TRANSITIONS)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "mbi", "delivered_on", "amount", "quantity", "note", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


class DeliveryCreateSerializer(serializers.Serializer[Any]):
    """Only the shape: the service checks alignment, dates and caps."""

    mbi = serializers.CharField(max_length=11)
    delivered_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    quantity = serializers.IntegerField(default=1)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class UsageCountSerializer(serializers.Serializer[Any]):
    month = serializers.SerializerMethodField(help_text="YYYY-MM; null on the PY's total")
    part_a_claims = serializers.IntegerField()
    part_b_claims = serializers.IntegerField(help_text="Part B and DME claims")
    claims = serializers.IntegerField()
    beneficiaries = serializers.IntegerField(help_text="Distinct in the month (in the PY on the total)")
    deliveries = serializers.IntegerField(help_text="Quantities logged in the ACO's delivery log")

    def get_month(self, obj: Any) -> str | None:
        return obj.month.strftime("%Y-%m") if obj.month is not None else None


class BenefitUsageSerializer(serializers.Serializer[Any]):
    item_code = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    plan_id = serializers.SerializerMethodField()
    plan_state = serializers.SerializerMethodField()
    months = UsageCountSerializer(many=True, help_text="Empty when no alignment run of the PY has finished")
    total = UsageCountSerializer()

    def get_plan_id(self, obj: Any) -> int | None:
        return obj.plan.pk if obj.plan is not None else None

    def get_plan_state(self, obj: Any) -> str | None:
        return obj.plan.review.state if obj.plan is not None else None


class ClaimsUsageSerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    performance_year = serializers.IntegerField()
    alignment_run = serializers.IntegerField(allow_null=True, help_text="The PY's latest finished alignment run")
    files_loaded = serializers.BooleanField(help_text="Whether any CCLFA/CCLFB file of the PY is loaded")
    counting = serializers.CharField()
    items = BenefitUsageSerializer(many=True)
