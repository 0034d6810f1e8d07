"""Quality pages of an ACO, mounted under ``acos/``."""

from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("<str:aco_id>/quality/", views.QualityOverviewView.as_view(), name="overview"),
    path("<str:aco_id>/quality/measures/<slug:measure>/", views.MeasureDetailView.as_view(), name="measure"),
    path("<str:aco_id>/quality/care-gaps/", views.CareGapsView.as_view(), name="care_gaps"),
    path("<str:aco_id>/quality/care-gaps/export/", views.CareGapsExportView.as_view(), name="care_gaps_export"),
    path("<str:aco_id>/quality/care-gaps/assign/", views.CareGapsAssignView.as_view(), name="care_gaps_assign"),
    path("<str:aco_id>/quality/care-gaps/<int:gap_id>/", views.CareGapDetailView.as_view(), name="care_gap_detail"),
    path("<str:aco_id>/quality/submissions/", views.SubmissionsView.as_view(), name="submissions"),
    path(
        "<str:aco_id>/quality/submissions/upload/",
        views.SubmissionUploadView.as_view(),
        name="submissions_upload",
    ),
]
