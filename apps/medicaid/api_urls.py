"""Medicaid integration API routes, included under ``/api/``."""

from . import urls_arrangements, urls_duals, urls_states

urlpatterns = [*urls_states.api_urlpatterns, *urls_arrangements.api_urlpatterns, *urls_duals.api_urlpatterns]
