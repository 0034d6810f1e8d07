"""Pages of Preferred Provider users, under ``/provider/`` (apps/cara/views_provider.py)."""

from django.urls import path

from . import views_provider as views

app_name = "cara_provider"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("arrangements/<int:arrangement_id>/", views.ArrangementView.as_view(), name="arrangement"),
    path("arrangements/<int:arrangement_id>/episodes/", views.EpisodeListView.as_view(), name="episodes"),
    path("arrangements/<int:arrangement_id>/episodes/<int:episode_id>/", views.EpisodeView.as_view(), name="episode"),
    path("reconciliations/<int:reconciliation_id>/statement/", views.StatementView.as_view(), name="statement"),
    path("documents/<int:document_id>/download/", views.DocumentView.as_view(), name="document"),
]
