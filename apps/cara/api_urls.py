"""CARA API routes, included under ``/api/``."""

from django.urls import path

from .api import ArrangementViewSet, BaselineViewSet, EpisodeViewSet

urlpatterns = [
    path("acos/<str:aco_id>/cara/episodes/", EpisodeViewSet.as_view({"get": "list"}), name="api_cara_episodes"),
    path("acos/<str:aco_id>/cara/baselines/", BaselineViewSet.as_view({"get": "list"}), name="api_cara_baselines"),
    path(
        "acos/<str:aco_id>/cara/arrangements/",
        ArrangementViewSet.as_view({"get": "list", "post": "create"}),
        name="api_cara_arrangements",
    ),
    path(
        "acos/<str:aco_id>/cara/arrangements/<int:arrangement_id>/",
        ArrangementViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="api_cara_arrangement",
    ),
    path(
        "acos/<str:aco_id>/cara/arrangements/<int:arrangement_id>/actions/",
        ArrangementViewSet.as_view({"post": "act"}),
        name="api_cara_arrangement_act",
    ),
]
