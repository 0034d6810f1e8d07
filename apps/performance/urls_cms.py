"""CMS pages of the performance pipeline: runs, the comparison of all ACOs, published benchmarks;
mounted under ``performance/``."""

from django.urls import path

from . import views_cms

app_name = "pipeline"

urlpatterns = [
    path("runs/", views_cms.PipelineRunListView.as_view(), name="runs"),
    path("runs/<int:pipeline_run_id>/", views_cms.PipelineRunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pipeline_run_id>/resume/", views_cms.PipelineRunResumeView.as_view(), name="run_resume"),
    path("acos/", views_cms.CompareView.as_view(), name="compare"),
    path("benchmarks/", views_cms.PublishedBenchmarksView.as_view(), name="benchmarks"),
]
