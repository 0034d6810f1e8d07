"""GLP-1 access API: the dashboard area (included by api_urls.py under /api/)."""

from django.urls import URLPattern, path

from .api_dashboard import Glp1ACOsViewSet, Glp1SummaryViewSet

urlpatterns: list[URLPattern] = [
    path("acos/<str:aco_id>/glp1/summary/", Glp1SummaryViewSet.as_view({"get": "summary"}), name="api_glp1_summary"),
    path("glp1/acos/", Glp1ACOsViewSet.as_view({"get": "table"}), name="api_glp1_acos"),
]
