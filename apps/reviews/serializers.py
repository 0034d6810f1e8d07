"""What the API shows of any reviewed thing's case (``obj.review``): its submitted versions, its
transitions (who, when, why) and what changed between the last two versions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import ReviewComment
from .selectors import version_diff


class ReviewHistoryMixin:
    """For a detail serializer declaring ``versions``, ``transitions`` and ``diff`` as
    ``SerializerMethodField``s over an object with a ``review`` case."""

    def get_versions(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "number": v.number,
                "submitted_at": v.submitted_at,
                "submitted_by": v.submitted_by.username,
                "content": v.content,
            }
            for v in obj.review.versions.select_related("submitted_by").order_by("number")
        ]

    def get_transitions(self, obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": t.actor.username,
                "at": t.at,
                "reason": t.reason,
            }
            for t in obj.review.transitions.select_related("actor").order_by("at", "id")
        ]

    def get_diff(self, obj: Any) -> list[dict[str, Any]]:
        return version_diff(case=obj.review)


class ReviewCommentSerializer(serializers.ModelSerializer[ReviewComment]):
    """A comment on a reviewed thing, or on one of its sections."""

    author = serializers.CharField(source="author.username", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True, allow_null=True)

    class Meta:
        model = ReviewComment
        fields = ["id", "section", "body", "author", "at", "version"]
        read_only_fields = ["id", "author", "at", "version"]
        extra_kwargs: dict[str, dict[str, Any]] = {"section": {"required": False}}
