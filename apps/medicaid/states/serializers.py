"""API shapes for partner states, milestones and framework documents. Serializers only shape data:
the rules live in ``services``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import DeliverySystem, FrameworkDocument, MedicaidState, Milestone, StateStatus, StateStatusChange


class StatusChangeSerializer(serializers.ModelSerializer[StateStatusChange]):
    changed_by = serializers.CharField(source="changed_by.display_name", read_only=True)

    class Meta:
        model = StateStatusChange
        fields = ["from_status", "to_status", "reason", "changed_by", "changed_at"]


class StateSerializer(serializers.ModelSerializer[MedicaidState]):
    class Meta:
        model = MedicaidState
        fields = ["code", "name", "status", "delivery_system", "medicaid_agency", "notes", "updated_at"]


class StateDetailSerializer(StateSerializer):
    history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta(StateSerializer.Meta):
        fields = [*StateSerializer.Meta.fields, "history"]


class StateCreateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=2)
    name = serializers.CharField(max_length=60)
    delivery_system = serializers.ChoiceField(choices=DeliverySystem.choices)
    medicaid_agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class StateUpdateSerializer(serializers.Serializer[Any]):
    """Any of these; the status has its own endpoint (``…/status/``)."""

    name = serializers.CharField(max_length=60, required=False)
    delivery_system = serializers.ChoiceField(choices=DeliverySystem.choices, required=False)
    medicaid_agency = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class StateStatusSerializer(serializers.Serializer[Any]):
    to_status = serializers.ChoiceField(choices=StateStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "title", "state", "start", "end", "status", "notes", "updated_at"]

    def get_state(self, obj: Milestone) -> str | None:
        """The state's code, or null for a model-wide milestone."""
        return obj.state.code if obj.state else None


class MilestoneWriteSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=120)
    state = serializers.CharField(max_length=2, required=False, allow_blank=True, allow_null=True, default="")
    start = serializers.DateField()
    end = serializers.DateField()
    status = serializers.ChoiceField(choices=Milestone.Status.choices, default=Milestone.Status.PLANNED)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer[FrameworkDocument]):
    uploaded_by = serializers.CharField(source="uploaded_by.display_name", read_only=True)
    state = serializers.CharField(source="state.code", read_only=True)

    class Meta:
        model = FrameworkDocument
        fields = [
            "id",
            "state",
            "title",
            "version",
            "original_name",
            "size",
            "content_type",
            "uploaded_by",
            "uploaded_at",
        ]


class ACOStateDetailSerializer(serializers.Serializer[Any]):
    state = StateSerializer()
    milestones = MilestoneSerializer(many=True)
    documents = DocumentSerializer(many=True)
