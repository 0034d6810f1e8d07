"""API shapes. Serializers only shape data: checks live in ``lists`` and ``services``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from lead_portal.uploads import MAX_CSV_UPLOAD_BYTES, MB, FileTooLarge

from .attention import KIND_CHOICES, SEVERITY_CHOICES
from .models import ACO, Election, ListChangeRequest, ParticipantTIN, PreferredProvider
from .reference import US_STATES


class ACOSerializer(serializers.ModelSerializer[ACO]):
    states = serializers.ListField(child=serializers.ChoiceField(choices=sorted(US_STATES)), allow_empty=False)

    class Meta:
        model = ACO
        fields = [
            "aco_id",
            "legal_name",
            "doing_business_as",
            "states",
            "primary_contact_name",
            "primary_contact_email",
            "primary_contact_phone",
            "executive_name",
            "executive_email",
            "compliance_contact_name",
            "compliance_contact_email",
            "updated_at",
        ]
        read_only_fields = ["aco_id", "updated_at"]


class ElectionSerializer(serializers.ModelSerializer[Election]):
    class Meta:
        model = Election
        fields = [
            "performance_year",
            "risk_option",
            "alignment_approach",
            "capitation",
            "newly_entering",
            "cara_participation",
            "updated_at",
        ]
        read_only_fields = ["performance_year", "updated_at"]


class ParticipantSerializer(serializers.ModelSerializer[ParticipantTIN]):
    ccns = serializers.ListField(child=serializers.CharField(max_length=6), required=False)

    class Meta:
        model = ParticipantTIN
        fields = [
            "id",
            "performance_year",
            "tin",
            "legal_name",
            "practice_zip",
            "ccns",
            "facility_type",
            "new_to_aco",
            "updated_at",
        ]
        read_only_fields = ["id", "performance_year", "updated_at"]
        # Field checks run in the service (the same as for uploads and forms).
        extra_kwargs: dict[str, dict[str, Any]] = {"tin": {"validators": []}}


class RowValueField(serializers.Field):
    """A value of a list row as sent: text, a number, true/false or null, passed on as it is (the
    service checks it with the reasons a file's row gets). ``lists`` also takes a list of such values
    (CCNs). Anything else, an object say, answers 400 here rather than reaching the checks."""

    default_error_messages = {
        "invalid": "Must be text, a number or true/false.",
        "invalid_list": "Must be text or a list of texts.",
        "null_characters": "Null characters are not allowed.",
    }

    def __init__(self, *, lists: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)
        self.lists = lists

    def to_internal_value(self, data: Any) -> Any:
        if self.lists and isinstance(data, list):
            return [self._scalar(v) for v in data]
        return self._scalar(data)

    def _scalar(self, value: Any) -> Any:
        if not isinstance(value, str | int | float | bool):
            self.fail("invalid_list" if self.lists else "invalid")
        if isinstance(value, str) and "\x00" in value:
            self.fail("null_characters")
        return value

    def to_representation(self, value: Any) -> Any:
        return value


class ParticipantInputSerializer(serializers.Serializer[Any]):
    """What a participant row write takes (keys not named here, e.g. ``id`` sent back, are ignored)."""

    tin = RowValueField()
    legal_name = RowValueField()
    practice_zip = RowValueField()
    ccns = RowValueField(lists=True)
    facility_type = RowValueField()
    new_to_aco = RowValueField()


class PreferredProviderInputSerializer(serializers.Serializer[Any]):
    """What a preferred provider row write takes (other keys are ignored)."""

    tin = RowValueField()
    npi = RowValueField()
    name = RowValueField()
    specialty_code = RowValueField()
    capitation = RowValueField()


class PreferredProviderSerializer(serializers.ModelSerializer[PreferredProvider]):
    class Meta:
        model = PreferredProvider
        fields = ["id", "performance_year", "tin", "npi", "name", "specialty_code", "capitation", "updated_at"]
        read_only_fields = ["id", "performance_year", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"tin": {"validators": []}, "npi": {"validators": []}}


class ChangeRequestSerializer(serializers.ModelSerializer[ListChangeRequest]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)
    state = serializers.CharField(source="review.state", read_only=True)
    submitted_at = serializers.DateTimeField(source="review.submitted_at", read_only=True)
    submitted_by = serializers.CharField(source="review.created_by.username", read_only=True)
    decided_at = serializers.DateTimeField(source="review.decided_at", read_only=True)
    decision_reason = serializers.CharField(source="review.decision_reason", read_only=True)
    operations = serializers.SerializerMethodField()

    class Meta:
        model = ListChangeRequest
        fields = [
            "id",
            "aco_id",
            "performance_year",
            "list_type",
            "summary",
            "state",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decision_reason",
            "operations",
        ]

    def get_operations(self, obj: ListChangeRequest) -> list[dict[str, Any]]:
        return list(obj.review.content.get("operations", []))


class UploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=f"UTF-8 CSV in the bundle format; at most {MAX_CSV_UPLOAD_BYTES // MB} MB.")
    performance_year = serializers.IntegerField()
    replace = serializers.BooleanField(default=False)

    def validate_file(self, value: Any) -> Any:
        if value.size > MAX_CSV_UPLOAD_BYTES:
            raise serializers.ValidationError(FileTooLarge(size=value.size, limit=MAX_CSV_UPLOAD_BYTES).message_text)
        return value


class DecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    reason = serializers.CharField()


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ListChangeOutcomeSerializer(serializers.Serializer[Any]):
    applied = serializers.BooleanField()
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    message = serializers.CharField()
    change_request = ChangeRequestSerializer(allow_null=True)


class AttentionItemSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=KIND_CHOICES, help_text="What kind of item this is.")
    kind_label = serializers.CharField(help_text="The kind in words.")
    title = serializers.CharField(help_text="What needs attention.")
    detail = serializers.CharField(help_text="Why, in a sentence or two.")
    severity = serializers.ChoiceField(choices=SEVERITY_CHOICES, help_text="How urgent it is.")
    severity_label = serializers.CharField(help_text="The severity in words.")
    deadline = serializers.DateField(allow_null=True, help_text="The day it is due, when it has one.")
    days_left = serializers.IntegerField(
        allow_null=True, help_text="Days from the portal's date to the deadline (negative once it has passed)."
    )
    since = serializers.DateField(allow_null=True, help_text="Without a deadline: since when it has been open.")
    url = serializers.CharField(help_text="The page of the portal where it is acted on (a path).")
    action = serializers.CharField(help_text="What the page lets one do, as its link reads.")


@extend_schema_serializer(many=False)  # answered by a list action, but one object
class AttentionSerializer(serializers.Serializer[Any]):
    as_of = serializers.DateField(help_text="The portal's date the items are counted from.")
    performance_year = serializers.IntegerField(help_text="The performance year of year-specific items.")
    items = AttentionItemSerializer(many=True, help_text="Soonest deadline first; items without one follow.")
