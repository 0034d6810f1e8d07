"""CMS's Medicaid integration pages, included under ``/medicaid/``."""

from .arrangements import urls as arrangement_urls
from .states import urls as state_urls

app_name = "medicaid_cms"

urlpatterns = [*state_urls.cms_urlpatterns, *arrangement_urls.cms_urlpatterns]
