"""CMS's CARA API routes, included under ``/api/``."""

from django.urls import path

from .api_cms import CaraPaymentsViewSet

urlpatterns = [
    path("cara/payments/", CaraPaymentsViewSet.as_view({"get": "list"}), name="api_cara_payments"),
]
