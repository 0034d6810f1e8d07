"""What-if planner pages of an ACO, under ``/acos/<aco_id>/planning/``."""

from django.urls import path

from . import views

app_name = "planning"

B = "<str:aco_id>/planning/"
S = f"{B}<int:scenario_id>/"
V = f"{S}versions/<int:number>/"

urlpatterns = [
    path(B, views.ScenarioListView.as_view(), name="scenarios"),
    path(S, views.ScenarioDetailView.as_view(), name="scenario"),
    path(f"{S}edit/", views.ScenarioEditView.as_view(), name="scenario_edit"),
    path(f"{S}delete/", views.ScenarioDeleteView.as_view(), name="scenario_delete"),
    path(f"{V}recompute/", views.VersionRecomputeView.as_view(), name="version_recompute"),
    path(f"{V}file/", views.VersionFileView.as_view(), name="version_file"),
    path(f"{V}beneficiaries.csv", views.VersionExportView.as_view(), name="version_export"),
    path(f"{V}report.pdf", views.VersionReportView.as_view(), name="version_report"),
]
