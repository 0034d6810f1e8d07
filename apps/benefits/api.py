"""REST API for BE/BEI, scoped as the pages are: another ACO's data answers 404, an analyst's write
403. CMS reviewers may post plan transitions and comments (the services decide which)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet
from apps.acos.mixins import resolve_performance_year
from apps.reviews import services as review_services
from apps.reviews.serializers import ReviewCommentSerializer

from . import selectors, services
from .models import ImplementationPlan
from .serializers import (
    CatalogueRowSerializer,
    ClaimsUsageSerializer,
    DeliveryCreateSerializer,
    DeliverySerializer,
    PlanContentSerializer,
    PlanDetailSerializer,
    PlanSerializer,
    SelectionCreateSerializer,
    SelectionSerializer,
    TransitionSerializer,
)


class CatalogueViewSet(ACOScopedViewSet):
    serializer_class = CatalogueRowSerializer

    @extend_schema(parameters=[PY_PARAM])
    def list(self, request: Request, aco_id: str) -> Response:
        rows = selectors.catalogue_for(aco=self.aco, performance_year=self.performance_year)
        return Response(self.get_serializer(rows, many=True).data)


class SelectionViewSet(ACOScopedViewSet):
    serializer_class = SelectionSerializer

    @extend_schema(parameters=[PY_PARAM])
    def list(self, request: Request, aco_id: str) -> Response:
        qs = selectors.selections_for(aco=self.aco, performance_year=self.performance_year)
        return Response(self.get_serializer(qs, many=True).data)

    @extend_schema(request=SelectionCreateSerializer, responses={201: SelectionSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        """Choose an item; its implementation plan starts as an empty draft (``plan_id``)."""
        serializer = SelectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        py = resolve_performance_year(
            serializer.validated_data.get("performance_year") or request.query_params.get("py")
        )
        selection = services.selection_create(
            aco=self.aco, performance_year=py, item_code=serializer.validated_data["item_code"], acting_user=user
        )
        services.plan_for(selection=selection, acting_user=user)
        return Response(self.get_serializer(selection).data, status=status.HTTP_201_CREATED)


class _PlanScoped(ACOScopedViewSet):
    def get_plan(self) -> ImplementationPlan:
        return selectors.plan_get(aco=self.aco, plan_id=int(self.kwargs["plan_id"]))


class PlanViewSet(_PlanScoped):
    serializer_class = PlanDetailSerializer

    @extend_schema(
        parameters=[OpenApiParameter("py", int, description="Performance year (default: every year)")],
        responses=PlanSerializer(many=True),
    )
    def list(self, request: Request, aco_id: str) -> Response:
        py = request.query_params.get("py")
        qs = selectors.plans_for_aco(aco=self.aco, performance_year=int(py) if py and py.isdigit() else None)
        return Response(PlanSerializer(qs, many=True).data)

    def retrieve(self, request: Request, aco_id: str, plan_id: int) -> Response:
        return Response(self.get_serializer(self.get_plan()).data)

    @extend_schema(request=PlanContentSerializer, responses=PlanDetailSerializer)
    def partial_update(self, request: Request, aco_id: str, plan_id: int) -> Response:
        """Autosave: ``{"content": {field: text, ...}}``; the fields sent replace theirs."""
        serializer = PlanContentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_save_draft(
            plan=self.get_plan(), content=serializer.validated_data["content"], acting_user=request_user(request)
        )
        return Response(self.get_serializer(plan).data)


class PlanTransitionViewSet(_PlanScoped):
    serializer_class = TransitionSerializer
    cms_may_write = True

    @extend_schema(request=TransitionSerializer, responses={200: PlanDetailSerializer})
    def create(self, request: Request, aco_id: str, plan_id: int) -> Response:
        """The ACO submits or withdraws; CMS reviewers start review, request changes, approve or deny
        (a reason is required for the last three)."""
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action, reason = serializer.validated_data["action"], serializer.validated_data["reason"]
        user = request_user(request)
        plan = self.get_plan()
        if action == "submit":
            plan = services.plan_submit(plan=plan, acting_user=user)
        elif action == "withdraw":
            plan = services.plan_withdraw(plan=plan, acting_user=user, reason=reason)
        else:
            plan.review = review_services.case_review_act(
                case=plan.review, acting_user=user, action=action, reason=reason
            )
        return Response(PlanDetailSerializer(plan).data)


class PlanCommentViewSet(_PlanScoped):
    serializer_class = ReviewCommentSerializer
    cms_may_write = True

    def list(self, request: Request, aco_id: str, plan_id: int) -> Response:
        comments = self.get_plan().review.comments.select_related("author", "version").order_by("at", "id")
        return Response(self.get_serializer(comments, many=True).data)

    def create(self, request: Request, aco_id: str, plan_id: int) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.plan_comment(
            plan=self.get_plan(),
            acting_user=request_user(request),
            body=serializer.validated_data["body"],
            section=serializer.validated_data.get("section", ""),
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class DeliveryViewSet(_PlanScoped):
    serializer_class = DeliverySerializer

    def list(self, request: Request, aco_id: str, plan_id: int) -> Response:
        plan = self.get_plan()
        self.log("benefit_deliveries", str(plan.pk))
        return Response(self.get_serializer(selectors.deliveries_for(plan=plan), many=True).data)

    @extend_schema(request=DeliveryCreateSerializer, responses={201: DeliverySerializer})
    def create(self, request: Request, aco_id: str, plan_id: int) -> Response:
        serializer = DeliveryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = self.get_plan()
        self.log("benefit_deliveries", str(plan.pk))
        delivery = services.delivery_record(plan=plan, acting_user=request_user(request), **serializer.validated_data)
        return Response(self.get_serializer(delivery).data, status=status.HTTP_201_CREATED)


class ClaimsUsageViewSet(ACOScopedViewSet):
    """Per Benefit Enhancement that claims mark: claims that used it per month of the PY beside the
    deliveries logged and the ACO's plan (the figures of the page and its CSV). Counts only."""

    serializer_class = ClaimsUsageSerializer

    @extend_schema(
        parameters=[PY_PARAM, OpenApiParameter("item", str, description="Only this item code")],
        responses=ClaimsUsageSerializer,
    )
    def summary(self, request: Request, aco_id: str) -> Response:
        found = selectors.claims_usage(aco=self.aco, performance_year=self.performance_year)
        code = request.query_params.get("item", "")
        body = {
            "aco_id": self.aco.aco_id,
            "performance_year": found.performance_year,
            "alignment_run": found.run.pk if found.run is not None else None,
            "files_loaded": found.files_loaded,
            "counting": selectors.COUNTING_NOTE,
            "items": [u for u in found.items if not code or u.item.code == code],
        }
        return Response(ClaimsUsageSerializer(body).data)


class BenefitReviewQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Open implementation plans across all ACOs, oldest submission first (CMS reviewers)."""

    serializer_class = PlanSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("item", str, description="Item code"),
            OpenApiParameter("state", str, description="Review state (default: submitted and in review)"),
            OpenApiParameter("aco", str, description="LEAD ACO id"),
            OpenApiParameter("min_age_days", int, description="Submitted at least this many days ago"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if not request_user(self.request).can_review:
            raise Http404("Not found.")
        params = self.request.query_params
        age = params.get("min_age_days", "")
        return selectors.review_queue(
            item=params.get("item", ""),
            state=params.get("state", ""),
            aco=params.get("aco", ""),
            min_age_days=int(age) if age.isdigit() else None,
        )
