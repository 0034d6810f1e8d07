"""CARA API routes, included under ``/api/``."""

from django.urls import path

from .api import BaselineViewSet, EpisodeViewSet

urlpatterns = [
    path("acos/<str:aco_id>/cara/episodes/", EpisodeViewSet.as_view({"get": "list"}), name="api_cara_episodes"),
    path("acos/<str:aco_id>/cara/baselines/", BaselineViewSet.as_view({"get": "list"}), name="api_cara_baselines"),
]
