"""REST API of the lifestyle area: an ACO's enrolments (list, enrol, one with its sessions, end), their
sessions (record, remove) and the CSV upload. Same selectors and services as the pages; reads are
access-logged; writes are for the ACO's administrators (analysts and CMS staff get 403, others 404)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet
from lead_portal.uploads import refuse_large_body

from . import lifestyle, selectors_lifestyle
from .serializers_lifestyle import (
    LifestyleEndInputSerializer,
    LifestyleEnrolInputSerializer,
    LifestyleEnrolmentDetailSerializer,
    LifestyleEnrolmentSerializer,
    LifestyleSessionInputSerializer,
    LifestyleSessionSerializer,
    LifestyleUploadSerializer,
)


class LifestyleEnrolmentViewSet(ACOScopedViewSet):
    """The ACO's lifestyle enrolments. ``py`` names the performance year whose latest alignment run an
    enrolled MBI must be in (default: the current or next one)."""

    serializer_class = LifestyleEnrolmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("programme", str, description="coaching, nutrition or cdp_reward (default: all)"),
            OpenApiParameter("q", str, description="Start of the MBI"),
            OpenApiParameter("status", str, description="open (not ended) or ended (default: both)"),
        ],
        responses=LifestyleEnrolmentSerializer(many=True),
    )
    def list(self, request: Request, aco_id: str) -> Response:
        params = request.query_params
        rows = selectors_lifestyle.enrolment_list(
            aco=self.aco, programme=params.get("programme", ""), q=params.get("q", ""), status=params.get("status", "")
        )
        page = self.paginate_queryset(rows)
        self.log("glp1_lifestyle", self.aco.aco_id, f"list, {len(page or [])} rows")
        return self.get_paginated_response(LifestyleEnrolmentSerializer(page, many=True).data)

    @extend_schema(
        parameters=[PY_PARAM], request=LifestyleEnrolInputSerializer, responses={201: LifestyleEnrolmentSerializer}
    )
    def create(self, request: Request, aco_id: str) -> Response:
        data = LifestyleEnrolInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = lifestyle.enrolment_create(
            aco=self.aco,
            acting_user=request_user(request),
            performance_year=self.performance_year,
            **data.validated_data,
        )
        found = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=enrolment.pk)
        return Response(LifestyleEnrolmentSerializer(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LifestyleEnrolmentDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, enrolment_id: int) -> Response:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(enrolment_id))
        self.log("glp1_lifestyle_enrolment", str(enrolment.pk), f"MBI {enrolment.mbi}")
        body = LifestyleEnrolmentDetailSerializer(enrolment).data
        body["sessions"] = LifestyleSessionSerializer(
            selectors_lifestyle.session_list(enrolment=enrolment), many=True
        ).data
        return Response(body)

    @extend_schema(request=LifestyleEndInputSerializer, responses=LifestyleEnrolmentSerializer)
    def end(self, request: Request, aco_id: str, enrolment_id: int) -> Response:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(enrolment_id))
        data = LifestyleEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lifestyle.enrolment_end(enrolment=enrolment, acting_user=request_user(request), **data.validated_data)
        found = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=enrolment.pk)
        return Response(LifestyleEnrolmentSerializer(found).data)

    @extend_schema(parameters=[PY_PARAM], request={"multipart/form-data": LifestyleUploadSerializer}, responses=dict)
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request, aco_id: str) -> Response:
        """Record every enrolment and session of a CSV file or none; problems come back with their line,
        field and value."""
        refuse_large_body(request.META, limit=lifestyle.MAX_UPLOAD_BYTES)
        data = LifestyleUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = lifestyle.lifestyle_upload(
            aco=self.aco,
            acting_user=request_user(request),
            performance_year=self.performance_year,
            file=data.validated_data["file"],
        )
        if outcome.errors:
            return Response(
                {"errors": [e.as_dict() for e in outcome.errors], "message": outcome.message},
                status=status.HTTP_400_BAD_REQUEST,
            )
        body = {"enrolments": outcome.enrolments, "sessions": outcome.sessions, "message": outcome.message}
        return Response(body, status=status.HTTP_201_CREATED)


class LifestyleSessionViewSet(ACOScopedViewSet):
    """The sessions of one of the ACO's enrolments."""

    serializer_class = LifestyleSessionSerializer
    pagination_class = None

    @extend_schema(responses=LifestyleSessionSerializer(many=True))
    def list(self, request: Request, aco_id: str, enrolment_id: int) -> Response:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(enrolment_id))
        self.log("glp1_lifestyle_enrolment", str(enrolment.pk), f"sessions of MBI {enrolment.mbi}")
        rows = selectors_lifestyle.session_list(enrolment=enrolment)
        return Response(LifestyleSessionSerializer(rows, many=True).data)

    @extend_schema(request=LifestyleSessionInputSerializer, responses={201: LifestyleSessionSerializer})
    def create(self, request: Request, aco_id: str, enrolment_id: int) -> Response:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(enrolment_id))
        data = LifestyleSessionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = lifestyle.session_record(
            enrolment=enrolment,
            acting_user=request_user(request),
            session_date=data.validated_data["session_date"],
            minutes=data.validated_data.get("minutes") or None,
        )
        return Response(LifestyleSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, aco_id: str, enrolment_id: int, session_id: int) -> Response:
        enrolment = selectors_lifestyle.enrolment_get(aco=self.aco, enrolment_id=int(enrolment_id))
        session = selectors_lifestyle.session_get(enrolment=enrolment, session_id=int(session_id))
        lifestyle.session_remove(session=session, acting_user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
