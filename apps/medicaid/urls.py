"""The ACO's Medicaid integration pages, included under ``/acos/``."""

from .arrangements import urls as arrangement_urls
from .duals import urls as dual_urls
from .states import urls as state_urls

app_name = "medicaid"

urlpatterns = [*state_urls.aco_urlpatterns, *arrangement_urls.aco_urlpatterns, *dual_urls.aco_urlpatterns]
