"""The ACO's Medicaid integration pages, included under ``/acos/``."""

from . import urls_arrangements, urls_duals, urls_states

app_name = "medicaid"

urlpatterns = [*urls_states.aco_urlpatterns, *urls_arrangements.aco_urlpatterns, *urls_duals.aco_urlpatterns]
