"""CMS's Medicaid integration pages, included under ``/medicaid/``."""

from . import urls_arrangements, urls_states

app_name = "medicaid_cms"

urlpatterns = [*urls_states.cms_urlpatterns, *urls_arrangements.cms_urlpatterns]
