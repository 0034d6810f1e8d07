"""REST API for partnership arrangements, scoped as the pages are: another ACO's arrangement answers
404, an analyst's write 403. CMS reviewers may post review actions and comments (the services decide
which). Every endpoint calls the same service as its page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import ACOScopedViewSet
from apps.reviews import services as review_services
from apps.reviews.serializers import ReviewCommentSerializer

from ..models import MedicaidState, PartnershipArrangement
from . import selectors, services
from .serializers import (
    ArrangementContentSerializer,
    ArrangementCreateSerializer,
    ArrangementDetailSerializer,
    ArrangementReasonSerializer,
    ArrangementReviewActionSerializer,
    ArrangementSerializer,
)


class _ArrangementScoped(ACOScopedViewSet):
    def get_arrangement(self) -> PartnershipArrangement:
        return selectors.arrangement_get(aco=self.aco, arrangement_id=int(self.kwargs["arrangement_id"]))


class ArrangementViewSet(_ArrangementScoped):
    serializer_class = ArrangementDetailSerializer

    @extend_schema(responses=ArrangementSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        return Response(ArrangementSerializer(selectors.arrangements_for_aco(aco=self.aco), many=True).data)

    @extend_schema(request=ArrangementCreateSerializer, responses={201: ArrangementDetailSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        """Start a draft in a state the ACO serves and CMS selected."""
        serializer = ArrangementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = serializer.validated_data["state"].strip().upper()
        state = MedicaidState.objects.filter(code=code).first()
        if state is None:
            raise ValidationError({"state": f"State: {code} is not part of the Medicaid integration planning phase."})
        arrangement = services.arrangement_create(
            aco=self.aco,
            state=state,
            acting_user=request_user(request),
            partner_type=serializer.validated_data["partner_type"],
            partner_name=serializer.validated_data["partner_name"],
        )
        return Response(self.get_serializer(arrangement).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        return Response(self.get_serializer(self.get_arrangement()).data)

    @extend_schema(request=ArrangementContentSerializer, responses=ArrangementDetailSerializer)
    def partial_update(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        """Save the draft: ``{"content": {key: value, ...}}``; the keys sent replace theirs."""
        serializer = ArrangementContentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrangement = services.arrangement_save_draft(
            arrangement=self.get_arrangement(),
            content=serializer.validated_data["content"],
            acting_user=request_user(request),
        )
        return Response(self.get_serializer(arrangement).data)


class ArrangementSubmitViewSet(_ArrangementScoped):
    serializer_class = ArrangementDetailSerializer

    @extend_schema(request=None, responses={200: ArrangementDetailSerializer})
    def create(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        """Submit to CMS; a 400 lists every missing or malformed field."""
        arrangement = services.arrangement_submit(arrangement=self.get_arrangement(), acting_user=request_user(request))
        return Response(self.get_serializer(arrangement).data)


class ArrangementWithdrawViewSet(_ArrangementScoped):
    serializer_class = ArrangementDetailSerializer

    @extend_schema(request=ArrangementReasonSerializer, responses={200: ArrangementDetailSerializer})
    def create(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        serializer = ArrangementReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrangement = services.arrangement_withdraw(
            arrangement=self.get_arrangement(),
            acting_user=request_user(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(arrangement).data)


class ArrangementReviewViewSet(_ArrangementScoped):
    serializer_class = ArrangementDetailSerializer
    cms_may_write = True

    @extend_schema(request=ArrangementReviewActionSerializer, responses={200: ArrangementDetailSerializer})
    def create(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        """CMS reviewers: start_review, request_changes, approve or deny (a reason for the last three)."""
        serializer = ArrangementReviewActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action, reason = serializer.validated_data["action"], serializer.validated_data["reason"]
        user = request_user(request)
        arrangement = self.get_arrangement()
        arrangement.review = review_services.case_review_act(
            case=arrangement.review, acting_user=user, action=action, reason=reason
        )
        return Response(self.get_serializer(arrangement).data)


class ArrangementCommentViewSet(_ArrangementScoped):
    serializer_class = ReviewCommentSerializer
    cms_may_write = True

    def list(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        comments = self.get_arrangement().review.comments.select_related("author", "version").order_by("at", "id")
        return Response(self.get_serializer(comments, many=True).data)

    def create(self, request: Request, aco_id: str, arrangement_id: int) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.arrangement_comment(
            arrangement=self.get_arrangement(),
            acting_user=request_user(request),
            body=serializer.validated_data["body"],
            section=serializer.validated_data.get("section", ""),
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class ArrangementQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Arrangements across every ACO, oldest submission first (CMS staff)."""

    serializer_class = ArrangementSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="Two-letter state code"),
            OpenApiParameter("status", str, description="Review state, or all (default: submitted and in review)"),
            OpenApiParameter("aco", str, description="LEAD ACO id"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.arrangement_queue(
            user=request_user(self.request),
            state_code=params.get("state", ""),
            status=params.get("status", ""),
            aco_id=params.get("aco", ""),
        )
