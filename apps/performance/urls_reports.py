"""An ACO's downloadable performance reports, mounted under ``acos/``."""

from django.urls import path

from . import views_reports

app_name = "reports"

urlpatterns = [
    path("<str:aco_id>/reports/", views_reports.ReportListView.as_view(), name="list"),
    path(
        "<str:aco_id>/reports/<int:report_id>/download/",
        views_reports.ReportDownloadView.as_view(),
        name="download",
    ),
]
