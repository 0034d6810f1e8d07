"""Quality pages of an ACO, mounted under ``acos/``."""

from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("<str:aco_id>/quality/submissions/", views.SubmissionsView.as_view(), name="submissions"),
    path(
        "<str:aco_id>/quality/submissions/upload/",
        views.SubmissionUploadView.as_view(),
        name="submissions_upload",
    ),
]
