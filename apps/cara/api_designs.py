"""REST API of Maximal Flexibility designs, scoped as the pages are: another ACO's design answers 404, an
analyst's write 403. CMS reviewers may post review moves and comments (the services decide which). Every
endpoint calls the same service of ``designs`` as its page; the serializers only shape data."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import ACOScopedViewSet
from apps.reviews.serializers import ReviewCommentSerializer, ReviewHistoryMixin

from . import designs
from .models import DesignProposal


def _content(obj: DesignProposal) -> dict[str, Any]:
    return obj.review.content or {}


class DesignSerializer(serializers.ModelSerializer[DesignProposal]):
    aco_id = serializers.CharField(source="aco.aco_id", read_only=True)
    based_on_code = serializers.CharField(source="based_on.code", read_only=True)
    based_on_name = serializers.CharField(source="based_on.name", read_only=True)
    title = serializers.CharField(source="review.title", read_only=True)
    status = serializers.CharField(source="review.state", read_only=True)
    name = serializers.SerializerMethodField()
    trigger_kind = serializers.SerializerMethodField()
    trigger_codes = serializers.SerializerMethodField()
    window_days = serializers.SerializerMethodField()
    included_categories = serializers.SerializerMethodField()
    excluded_diagnoses = serializers.SerializerMethodField()
    rationale = serializers.SerializerMethodField()
    variant_code = serializers.CharField(
        source="definition.code", read_only=True, allow_null=True, default=None,
        help_text="The approved variant's episode type code (empty until CMS approves).",
    )  # fmt: skip
    created_at = serializers.DateTimeField(source="review.created_at", read_only=True)
    submitted_at = serializers.DateTimeField(source="review.submitted_at", read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(source="review.decided_at", read_only=True, allow_null=True)
    decision_reason = serializers.CharField(source="review.decision_reason", read_only=True)

    class Meta:
        model = DesignProposal
        fields = [
            "id", "aco_id", "performance_year", "based_on", "based_on_code", "based_on_name", "title", "status",
            "name", "trigger_kind", "trigger_codes", "window_days", "included_categories", "excluded_diagnoses",
            "rationale", "definition", "variant_code", "created_at", "submitted_at", "decided_at", "decision_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def get_name(self, obj: DesignProposal) -> str:
        return str(_content(obj).get("name") or "")

    def get_trigger_kind(self, obj: DesignProposal) -> str:
        return str(_content(obj).get("trigger_kind") or "")

    def get_trigger_codes(self, obj: DesignProposal) -> list[str]:
        return [str(c) for c in _content(obj).get("trigger_codes") or []]

    def get_window_days(self, obj: DesignProposal) -> int | None:
        value = _content(obj).get("window_days")
        return int(value) if value not in (None, "") else None

    def get_included_categories(self, obj: DesignProposal) -> list[str]:
        return [str(c) for c in _content(obj).get("included_categories") or []]

    def get_excluded_diagnoses(self, obj: DesignProposal) -> list[str]:
        return [str(c) for c in _content(obj).get("excluded_diagnoses") or []]

    def get_rationale(self, obj: DesignProposal) -> str:
        return str(_content(obj).get("rationale") or "")


class DifferenceSerializer(serializers.Serializer[Any]):
    """One field of the design beside its default's, in words (``label``: the field's name)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Declared here: a class attribute ``label`` would shadow the serializer's own.
        return {
            "key": serializers.CharField(),
            "label": serializers.CharField(),
            "default": serializers.CharField(),
            "proposed": serializers.CharField(),
            "differs": serializers.BooleanField(),
        }


class DesignDetailSerializer(ReviewHistoryMixin, DesignSerializer):
    actions = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField()

    class Meta(DesignSerializer.Meta):
        fields = [*DesignSerializer.Meta.fields, "actions", "comparison", "versions", "transitions", "diff"]
        read_only_fields = fields

    def get_actions(self, obj: DesignProposal) -> list[str]:
        request = self.context.get("request")
        return designs.available_actions(proposal=obj, user=request_user(request)) if request is not None else []

    @extend_schema_field(DifferenceSerializer(many=True))
    def get_comparison(self, obj: DesignProposal) -> list[dict[str, Any]]:
        return designs.comparison(obj)


class DesignFieldsSerializer(serializers.Serializer[Any]):
    """A design's fields, each optional (the ones sent replace theirs); the service checks every value and
    names the field and the value in its message."""

    name = serializers.CharField(required=False, allow_blank=True)
    trigger_kind = serializers.CharField(required=False, allow_blank=True, help_text="inpatient or procedure")
    trigger_codes = serializers.ListField(child=serializers.CharField(), required=False)
    window_days = serializers.CharField(required=False, help_text="30, 60 or 90")
    included_categories = serializers.ListField(child=serializers.CharField(), required=False)
    excluded_diagnoses = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    rationale = serializers.CharField(required=False, allow_blank=True)


class DesignCreateSerializer(DesignFieldsSerializer):
    based_on = serializers.IntegerField(help_text="The id of one of CMS's default episode definitions of the PY.")


class DesignActionSerializer(serializers.Serializer[Any]):
    # Text, not a choice: the service names a move it does not know ("Action: “x” is not one of …").
    action = serializers.CharField(help_text=f"One of: {', '.join(designs.ACTIONS)}.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class _DesignScoped(ACOScopedViewSet):
    def get_proposal(self) -> DesignProposal:
        return designs.aco_design_get(aco=self.aco, proposal_id=self.kwargs["proposal_id"])


class DesignViewSet(_DesignScoped):
    serializer_class = DesignDetailSerializer

    @extend_schema(responses=DesignSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        """The ACO's designs, newest first (every PY)."""
        return Response(DesignSerializer(designs.aco_designs(aco=self.aco), many=True).data)

    @extend_schema(request=DesignCreateSerializer, responses={201: DesignDetailSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        """Start a draft variant of a default: its fields start as the default's, those sent replace them."""
        serializer = DesignCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        default = designs.default_for(based_on=data.pop("based_on"))
        proposal = designs.design_create(aco=self.aco, based_on=default, acting_user=request_user(request), data=data)
        return Response(self.get_serializer(proposal).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, aco_id: str, proposal_id: int) -> Response:
        return Response(self.get_serializer(self.get_proposal()).data)

    @extend_schema(request=DesignFieldsSerializer, responses=DesignDetailSerializer)
    def partial_update(self, request: Request, aco_id: str, proposal_id: int) -> Response:
        """Save the draft (a draft, or when CMS asked for changes): the fields sent replace theirs."""
        serializer = DesignFieldsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = designs.design_update(
            proposal=self.get_proposal(), acting_user=request_user(request), data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(proposal).data)


class DesignTransitionViewSet(_DesignScoped):
    serializer_class = DesignDetailSerializer
    cms_may_write = True

    @extend_schema(request=DesignActionSerializer, responses={200: DesignDetailSerializer})
    def create(self, request: Request, aco_id: str, proposal_id: int) -> Response:
        """The ACO: submit, withdraw. CMS reviewers: start_review, request_changes, approve, deny (a reason for
        the last three). Anyone else's move answers 403."""
        serializer = DesignActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = designs.design_act(
            proposal=self.get_proposal(),
            acting_user=request_user(request),
            action=serializer.validated_data["action"],
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(proposal).data)


class DesignCommentViewSet(_DesignScoped):
    serializer_class = ReviewCommentSerializer
    cms_may_write = True

    def list(self, request: Request, aco_id: str, proposal_id: int) -> Response:
        comments = self.get_proposal().review.comments.select_related("author", "version").order_by("at", "id")
        return Response(self.get_serializer(comments, many=True).data)

    def create(self, request: Request, aco_id: str, proposal_id: int) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = designs.design_comment(
            proposal=self.get_proposal(),
            acting_user=request_user(request),
            body=serializer.validated_data["body"],
            section=serializer.validated_data.get("section", ""),
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)
