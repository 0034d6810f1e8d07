"""REST API of the dual-eligible area: the ACO's dual-eligible figures, the full-benefit dual list
(paginated, access-logged, never with a beneficiary who declined data sharing) and the data-sharing
opt-outs (list, record, upload, revoke). Same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import AccessLog
from apps.accounts.selectors import request_user
from apps.accounts.services import access_log_record
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from .. import engine
from . import selectors, services
from .serializers import (
    DualRunSerializer,
    DualSummarySerializer,
    FullDualSerializer,
    OptOutInputSerializer,
    OptOutSerializer,
    OptOutUploadSerializer,
)
from .views import COHORT_LABELS, GROUP_LABELS, list_sort


def _figures(group: str, label: str, f: selectors.GroupFigures) -> dict[str, Any]:
    return {
        "group": group,
        "title": label,
        "beneficiaries": f.beneficiaries,
        "member_months": f.member_months,
        "spending": f.spending,
        "pbpm": f.pbpm,
        "admissions": f.admissions,
        "admissions_per_1000": f.admissions_per_1000,
        "ed_visits": f.ed_visits,
        "ed_visits_per_1000": f.ed_visits_per_1000,
    }


class DualsViewSet(ACOScopedViewSet):
    """The ACO's dual eligibles of a PY, from the PY's latest dual run (``run`` null: none yet)."""

    serializer_class = FullDualSerializer

    @extend_schema(parameters=[PY_PARAM], responses=DualSummarySerializer)
    def summary(self, request: Request, aco_id: str) -> Response:
        s = selectors.dual_summary(aco=self.aco, performance_year=self.performance_year)
        body = {
            "aco_id": self.aco.aco_id,
            "performance_year": self.performance_year,
            "run": s.run,
            "dual_share": s.dual_share,
            "groups": [
                _figures(engine.FULL, GROUP_LABELS[engine.FULL], s.groups[engine.FULL]),
                _figures(engine.PARTIAL, GROUP_LABELS[engine.PARTIAL], s.groups[engine.PARTIAL]),
                _figures("duals", "All duals", s.duals),
                _figures(engine.NONE, GROUP_LABELS[engine.NONE], s.groups[engine.NONE]),
                _figures("aligned", "All aligned", s.aligned),
            ]
            if s.run is not None
            else [],
            "codes": [
                {"code": c.code, "meaning": c.label, "group": c.group, "beneficiaries": c.beneficiaries}
                for c in s.codes
            ],
        }
        return Response(DualSummarySerializer(body).data)

    @extend_schema(
        parameters=[
            PY_PARAM,
            OpenApiParameter("q", str, description="Start of the MBI, or part of the name"),
            OpenApiParameter("sort", str, description="name, mbi, code, cohort, spending, admissions, ed_visits, "
                             "last_admission; - first for descending"),
        ],
        responses=FullDualSerializer(many=True),
    )  # fmt: skip
    def full(self, request: Request, aco_id: str) -> Response:
        """Full-benefit duals for care coordination with the Medicaid partner; beneficiaries who declined
        data sharing are left out (``suppressed`` says how many). Access-logged."""
        q = request.query_params.get("q", "").strip()
        found = selectors.full_dual_list(
            aco=self.aco, performance_year=self.performance_year, q=q, sort=list_sort(request.query_params.get("sort"))
        )
        page = self.paginate_queryset(found.rows) or []
        rows = [
            {
                "mbi": r.mbi,
                "last_name": getattr(r, "last_name", None),
                "first_name": getattr(r, "first_name", None),
                "dual_code": r.dual_code,
                "dual_status": engine.code_label(r.dual_code),
                "cohort": COHORT_LABELS.get(getattr(r, "cohort", "") or "") or None,
                "member_months": r.member_months,
                "spending": r.spending,
                "admissions": r.admissions,
                "ed_visits": r.ed_visits,
                "last_admission": r.last_admission,
            }
            for r in page
        ]
        if found.run is not None:
            access_log_record(
                request=request,
                action=AccessLog.Action.API,
                object_type="medicaid_full_duals",
                object_id=f"dual run {found.run.pk}",
                aco_code=self.aco.aco_id,
                detail=f"{len(rows)} rows, {found.suppressed} suppressed" + (f", search {q!r}" if q else ""),
            )
        response = self.get_paginated_response(FullDualSerializer(rows, many=True).data)
        response.data["suppressed"] = found.suppressed
        response.data["run"] = DualRunSerializer(found.run).data if found.run is not None else None
        return response


class OptOutViewSet(ACOScopedViewSet):
    """The ACO's data-sharing opt-outs. Recording, uploading and revoking are for its administrators."""

    serializer_class = OptOutSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Start of the MBI"),
            OpenApiParameter("status", str, description="open or revoked (default: both)"),
        ],
        responses=OptOutSerializer(many=True),
    )
    def list(self, request: Request, aco_id: str) -> Response:
        rows = selectors.optout_list(
            aco=self.aco, q=request.query_params.get("q", ""), status=request.query_params.get("status", "")
        )
        page = self.paginate_queryset(rows)
        self.log("medicaid_optouts", self.aco.aco_id, "list")
        return self.get_paginated_response(OptOutSerializer(page, many=True).data)

    @extend_schema(request=OptOutInputSerializer, responses={201: OptOutSerializer})
    def create(self, request: Request, aco_id: str) -> Response:
        data = OptOutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        optout = services.optout_record(aco=self.aco, acting_user=request_user(request), **data.validated_data)
        return Response(OptOutSerializer(optout).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": OptOutUploadSerializer}, responses=dict)
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request, aco_id: str) -> Response:
        """Record every opt-out of a CSV file or none; problems come back with their line numbers."""
        data = OptOutUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.optout_upload(
            aco=self.aco, acting_user=request_user(request), file=data.validated_data["file"]
        )
        if outcome.errors:
            return Response(
                {"errors": [e.as_dict() for e in outcome.errors], "message": outcome.message},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"added": outcome.added, "message": outcome.message}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OptOutSerializer)
    def revoke(self, request: Request, aco_id: str, optout_id: int) -> Response:
        optout = selectors.optout_get(aco=self.aco, optout_id=int(optout_id))
        revoked = services.optout_revoke(optout=optout, acting_user=request_user(request))
        return Response(OptOutSerializer(revoked).data)
