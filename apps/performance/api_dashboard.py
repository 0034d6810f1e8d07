"""REST endpoints of the dashboard (mounted under ``api/``): an ACO's performance snapshot for a PY,
and the history of its snapshots. Scoped like the pages: another ACO's answers 404."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import selectors
from .serializers import SummaryHeadlineSerializer

RUN_PARAM = OpenApiParameter("run", int, description="Pipeline run id (default: the PY's latest successful run)")
HISTORY_PY_PARAM = OpenApiParameter("py", int, description="Only this performance year's snapshots (default: all)")


class PerformanceSummaryViewSet(ACOScopedViewSet):
    """The ACO's performance snapshots: what the dashboard shows, as computed by the pipeline."""

    @extend_schema(parameters=[PY_PARAM, RUN_PARAM], responses=dict)
    def summary(self, request: Request, aco_id: str) -> Response:
        """The snapshot document (``apps/performance/snapshot.py`` describes its shape). ``estimate: true``:
        the money figures are estimates, not CMS determinations."""
        py = self.performance_year
        run = request.query_params.get("run")
        if run:
            found = selectors.summary_for_run(aco=self.aco, performance_year=py, run_id=run)
            if found is None:
                raise NotFound(f"No PY{py} performance summary of {self.aco.aco_id} from pipeline run {run}.")
        else:
            found = selectors.summary_latest(aco=self.aco, performance_year=py)
            if found is None:
                raise NotFound(f"The pipeline has not run for PY{py} yet: no performance summary of {self.aco.aco_id}.")
        return Response(found.data)

    @extend_schema(parameters=[HISTORY_PY_PARAM], responses=SummaryHeadlineSerializer(many=True))
    def summaries(self, request: Request, aco_id: str) -> Response:
        """Every snapshot of the ACO from successful pipeline runs, newest first, with headline figures."""
        py = self.performance_year if request.query_params.get("py") else None
        page = self.paginate_queryset(selectors.summaries(aco=self.aco, performance_year=py))
        rows = [selectors.summary_headline(s) for s in page or []]
        return self.get_paginated_response(SummaryHeadlineSerializer(rows, many=True).data)


urlpatterns = [
    path(
        "acos/<str:aco_id>/performance/summary/",
        PerformanceSummaryViewSet.as_view({"get": "summary"}),
        name="api_performance_summary",
    ),
    path(
        "acos/<str:aco_id>/performance/summaries/",
        PerformanceSummaryViewSet.as_view({"get": "summaries"}),
        name="api_performance_summaries",
    ),
]
