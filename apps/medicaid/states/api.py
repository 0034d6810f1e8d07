"""REST API for partner states, milestones and framework documents, scoped as the pages are.

CMS-wide endpoints (``/api/medicaid/…``): CMS staff read (anyone else gets 404, as for the pages);
the services let only CMS admins write. ACO endpoints (``/api/acos/{aco_id}/medicaid/…``) read the
ACO's states and milestones through ``ACOScopedViewSet``: another ACO answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.selectors import request_user
from apps.acos.api import ACOScopedViewSet

from ..models import MedicaidState, Milestone
from . import selectors, services
from .serializers import (
    ACOStateDetailSerializer,
    DocumentSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
    StateCreateSerializer,
    StateDetailSerializer,
    StateSerializer,
    StateStatusSerializer,
    StateUpdateSerializer,
)


class CMSViewSet(viewsets.GenericViewSet):
    """Base for ``/api/medicaid/…``: anyone but CMS staff gets 404 before anything else runs."""

    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        if not request_user(request).is_cms:
            raise Http404("Not found.")

    @property
    def user(self) -> User:
        return request_user(self.request)

    def get_state(self) -> MedicaidState:
        return selectors.state_get_for_cms(user=self.user, code=self.kwargs["state_code"])


class StateViewSet(CMSViewSet):
    serializer_class = StateDetailSerializer

    @extend_schema(responses=StateSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(StateSerializer(selectors.states_for_cms(user=self.user), many=True).data)

    @extend_schema(request=StateCreateSerializer, responses={201: StateDetailSerializer})
    def create(self, request: Request) -> Response:
        """Add a state (CMS admins); it starts as interested."""
        serializer = StateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = services.state_create(acting_user=self.user, **serializer.validated_data)
        return Response(StateDetailSerializer(state).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, state_code: str) -> Response:
        return Response(StateDetailSerializer(self.get_state()).data)

    @extend_schema(request=StateUpdateSerializer, responses=StateDetailSerializer)
    def partial_update(self, request: Request, state_code: str) -> Response:
        """Change the name, delivery system, Medicaid agency or notes (CMS admins)."""
        state = self.get_state()
        serializer = StateUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        state = services.state_update(state=state, acting_user=self.user, **serializer.validated_data)
        return Response(StateDetailSerializer(state).data)


class StateStatusViewSet(CMSViewSet):
    serializer_class = StateStatusSerializer

    @extend_schema(request=StateStatusSerializer, responses={200: StateDetailSerializer})
    def create(self, request: Request, state_code: str) -> Response:
        """Move the state to ``to_status`` (CMS admins); a reason is required for not selected and
        for reopening a decision."""
        state = self.get_state()
        serializer = StateStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = services.state_status_change(state=state, acting_user=self.user, **serializer.validated_data)
        return Response(StateDetailSerializer(state).data)


class DocumentViewSet(CMSViewSet):
    serializer_class = DocumentSerializer

    def list(self, request: Request, state_code: str) -> Response:
        documents = selectors.documents_for_cms(user=self.user, state=self.get_state())
        return Response(self.get_serializer(documents, many=True).data)


class MilestoneViewSet(CMSViewSet):
    serializer_class = MilestoneSerializer

    def get_milestone(self) -> Milestone:
        return selectors.milestone_get_for_cms(user=self.user, milestone_id=int(self.kwargs["milestone_id"]))

    def list(self, request: Request) -> Response:
        return Response(self.get_serializer(selectors.milestones_for_cms(user=self.user), many=True).data)

    @extend_schema(request=MilestoneWriteSerializer, responses={201: MilestoneSerializer})
    def create(self, request: Request) -> Response:
        serializer = MilestoneWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["state"] = data.get("state") or None
        milestone = services.milestone_create(acting_user=self.user, **data)
        return Response(self.get_serializer(milestone).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, milestone_id: int) -> Response:
        return Response(self.get_serializer(self.get_milestone()).data)

    @extend_schema(request=MilestoneWriteSerializer, responses=MilestoneSerializer)
    def partial_update(self, request: Request, milestone_id: int) -> Response:
        milestone = self.get_milestone()
        serializer = MilestoneWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        if "state" in data:
            data["state"] = data["state"] or None
        milestone = services.milestone_update(milestone=milestone, acting_user=self.user, **data)
        return Response(self.get_serializer(milestone).data)

    def destroy(self, request: Request, milestone_id: int) -> Response:
        services.milestone_delete(milestone=self.get_milestone(), acting_user=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ACOStateViewSet(ACOScopedViewSet):
    """The states CMS lists that the ACO serves, with their status."""

    serializer_class = StateSerializer
    pagination_class = None

    def list(self, request: Request, aco_id: str) -> Response:
        return Response(self.get_serializer(selectors.states_for_aco(aco=self.aco), many=True).data)

    @extend_schema(responses=ACOStateDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, state_code: str) -> Response:
        """One of the ACO's states with its milestones (and the model-wide ones) and, once the state
        is selected, its framework documents."""
        state = selectors.state_get_for_aco(aco=self.aco, code=state_code)
        data = {
            "state": state,
            "milestones": selectors.milestones_for_aco(aco=self.aco, state=state),
            "documents": selectors.documents_for_aco(aco=self.aco, state=state),
        }
        return Response(ACOStateDetailSerializer(data).data)


class ACOMilestoneViewSet(ACOScopedViewSet):
    """The model-wide milestones and those of the ACO's states."""

    serializer_class = MilestoneSerializer
    pagination_class = None

    def list(self, request: Request, aco_id: str) -> Response:
        return Response(self.get_serializer(selectors.milestones_for_aco(aco=self.aco), many=True).data)
