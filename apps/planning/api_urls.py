"""What-if planner API (included by api_urls.py under /api/)."""

from django.urls import URLPattern, path

from .api import ScenarioViewSet

A = "acos/<str:aco_id>/scenarios/"

urlpatterns: list[URLPattern] = [
    path(A, ScenarioViewSet.as_view({"get": "list", "post": "create"}), name="api_scenarios"),
    path(f"{A}<int:scenario_id>/", ScenarioViewSet.as_view({"get": "retrieve"}), name="api_scenario"),
    path(
        f"{A}<int:scenario_id>/versions/",
        ScenarioViewSet.as_view({"post": "new_version"}),
        name="api_scenario_versions",
    ),
    path(
        f"{A}<int:scenario_id>/versions/<int:number>/",
        ScenarioViewSet.as_view({"get": "version_detail"}),
        name="api_scenario_version",
    ),
    path(
        f"{A}<int:scenario_id>/versions/<int:number>/file/",
        ScenarioViewSet.as_view({"post": "file"}),
        name="api_scenario_version_file",
    ),
]
