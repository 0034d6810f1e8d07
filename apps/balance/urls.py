"""GLP-1 access (BALANCE) pages of an ACO, under ``/acos/<aco_id>/glp1/``: one module per area."""

from . import urls_dashboard, urls_lifestyle, urls_worklist

app_name = "balance"

urlpatterns = [*urls_dashboard.urlpatterns, *urls_worklist.urlpatterns, *urls_lifestyle.urlpatterns]
