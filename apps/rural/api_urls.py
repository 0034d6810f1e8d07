"""Rural add-on API routes, included under ``/api/``."""

from django.urls import path

from .api import RuralOverviewViewSet, RuralPaymentsViewSet

urlpatterns = [
    path("acos/<str:aco_id>/rural/", RuralOverviewViewSet.as_view({"get": "overview"}), name="api_rural_overview"),
    path(
        "acos/<str:aco_id>/rural/schedule/",
        RuralOverviewViewSet.as_view({"get": "schedule"}),
        name="api_rural_schedule",
    ),
    path("rural/payments/", RuralPaymentsViewSet.as_view({"get": "list"}), name="api_rural_payments"),
]
