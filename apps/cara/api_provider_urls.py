"""API of Preferred Provider users (their EBRAs, episodes and reconciliations), included under ``/api/``."""

from django.urls import path

from . import api_provider as api

urlpatterns = [
    path(
        "provider/arrangements/",
        api.ProviderArrangementViewSet.as_view({"get": "list"}),
        name="api_provider_arrangements",
    ),
    path(
        "provider/arrangements/<int:arrangement_id>/",
        api.ProviderArrangementViewSet.as_view({"get": "retrieve"}),
        name="api_provider_arrangement_detail",
    ),
    path(
        "provider/arrangements/<int:arrangement_id>/actions/",
        api.ProviderActionViewSet.as_view({"post": "create"}),
        name="api_provider_arrangement_actions",
    ),
    path(
        "provider/arrangements/<int:arrangement_id>/episodes/",
        api.ProviderEpisodeViewSet.as_view({"get": "list"}),
        name="api_provider_episodes",
    ),
    path(
        "provider/arrangements/<int:arrangement_id>/reconciliations/",
        api.ProviderReconciliationViewSet.as_view({"get": "list"}),
        name="api_provider_reconciliations",
    ),
]
