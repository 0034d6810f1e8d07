"""API shapes for voluntary alignment. Serializers only shape data: checks live in ``voluntary``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.claims.models import VoluntaryAlignment

from .voluntary import RecordStatus


class RecordStatusSerializer(serializers.Serializer[RecordStatus]):
    counts = serializers.BooleanField(help_text="Aligns the beneficiary to this ACO in the PY.")
    summary = serializers.CharField(source="label", help_text="Counts, Counts from …, or Does not count.")
    counts_from = serializers.DateField(allow_null=True, help_text="January 1, or a Hybrid mid-year addition's day.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it does not count.")
    notes = serializers.ListField(child=serializers.CharField())


class VoluntaryAlignmentSerializer(serializers.ModelSerializer[VoluntaryAlignment]):
    """A record with its standing for the requested PY (``status``)."""

    aco_id = serializers.CharField(
        source="named_aco",
        read_only=True,
        help_text="The ACO the record was filed for: this ACO's id, or 'another ACO' for a record filed for "
        "another ACO that designates one of this ACO's Participant TINs.",
    )
    status = serializers.SerializerMethodField()

    class Meta:
        model = VoluntaryAlignment
        fields = ["id", "mbi", "aco_id", "tin", "npi", "signed_date", "channel", "source", "created_at", "status"]
        read_only_fields = fields

    @extend_schema_field(RecordStatusSerializer)
    def get_status(self, obj: VoluntaryAlignment) -> dict[str, Any] | None:
        status = self.context.get("statuses", {}).get(obj.pk)
        return None if status is None else dict(RecordStatusSerializer(status).data)


class VoluntaryAlignmentCreateSerializer(serializers.Serializer[dict[str, Any]]):
    """The record to add. Values are checked by the service (as in a file), so text throughout."""

    mbi = serializers.CharField(max_length=32)
    aco_id = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text="Blank: this ACO.")
    tin = serializers.CharField(max_length=32)
    npi = serializers.CharField(max_length=32)
    signed_date = serializers.CharField(max_length=32, help_text="YYYY-MM-DD")
    channel = serializers.CharField(max_length=32, help_text="medicare_gov or sva_form")
