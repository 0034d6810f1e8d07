"""GLP-1 access API routes, included under ``/api/``: one module per area."""

from . import api_urls_dashboard, api_urls_lifestyle, api_urls_worklist

urlpatterns = [*api_urls_dashboard.urlpatterns, *api_urls_worklist.urlpatterns, *api_urls_lifestyle.urlpatterns]
