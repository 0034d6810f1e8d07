"""API shapes of the lifestyle area. Serializers only shape data: the rules are the services'
(``lifestyle``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import LifestyleEnrolment, LifestyleSession


class LifestyleSessionSerializer(serializers.ModelSerializer[LifestyleSession]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LifestyleSession
        fields = ["id", "enrolment", "session_date", "minutes", "created_at", "created_by"]
        read_only_fields = fields


class LifestyleEnrolmentSerializer(serializers.ModelSerializer[LifestyleEnrolment]):
    programme_label = serializers.CharField(source="get_programme_display", read_only=True)
    session_count = serializers.IntegerField(read_only=True, default=0)
    last_session = serializers.DateField(read_only=True, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LifestyleEnrolment
        fields = [
            "id", "mbi", "programme", "programme_label", "enrolled_on", "ended_on", "session_count", "last_session",
            "created_at", "created_by",
        ]  # fmt: skip
        read_only_fields = fields


class LifestyleEnrolmentDetailSerializer(LifestyleEnrolmentSerializer):
    sessions = LifestyleSessionSerializer(many=True, read_only=True)

    class Meta(LifestyleEnrolmentSerializer.Meta):
        fields = [*LifestyleEnrolmentSerializer.Meta.fields, "sessions"]
        read_only_fields = fields


class LifestyleEnrolInputSerializer(serializers.Serializer[Any]):
    """Shapes the request only: the service checks the MBI, the programme, the dates and overlaps."""

    mbi = serializers.CharField(max_length=20)
    programme = serializers.CharField(max_length=80, help_text="coaching, nutrition or cdp_reward (or the name)")
    enrolled_on = serializers.CharField(max_length=20, help_text="YYYY-MM-DD, not in the future")


class LifestyleSessionInputSerializer(serializers.Serializer[Any]):
    session_date = serializers.CharField(max_length=20, help_text="YYYY-MM-DD, within the enrolment, not in the future")
    minutes = serializers.CharField(max_length=8, required=False, allow_blank=True, allow_null=True, default="")


class LifestyleEndInputSerializer(serializers.Serializer[Any]):
    ended_on = serializers.CharField(max_length=20, help_text="YYYY-MM-DD, on or after the last session")


class LifestyleUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="UTF-8 CSV: mbi,programme,enrolled_on,session_date,minutes")
