"""Medicaid integration API routes, included under ``/api/``."""

from .arrangements import urls as arrangement_urls
from .duals import urls as dual_urls
from .states import urls as state_urls

urlpatterns = [*state_urls.api_urlpatterns, *arrangement_urls.api_urlpatterns, *dual_urls.api_urlpatterns]
