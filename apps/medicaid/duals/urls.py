"""Routes for the duals area: ACO pages (under /acos/), CMS pages (under /medicaid/) and the API."""

from django.urls import URLPattern, path

from . import views
from .api import DualsViewSet, OptOutViewSet

B = "<str:aco_id>/medicaid/"
A = "acos/<str:aco_id>/medicaid/"

aco_urlpatterns: list[URLPattern] = [
    path(f"{B}duals/", views.DualsView.as_view(), name="duals"),
    path(f"{B}duals/data.csv", views.DualsDataView.as_view(), name="duals_data"),
    path(f"{B}duals/codes.csv", views.DualsDataView.as_view(table="codes"), name="duals_codes"),
    path(f"{B}duals/full/", views.DualListView.as_view(), name="dual_list"),
    path(f"{B}duals/full/export.<str:fmt>", views.DualExportView.as_view(), name="dual_export"),
    path(f"{B}opt-outs/", views.OptOutsView.as_view(), name="optouts"),
    path(f"{B}opt-outs/<int:optout_id>/revoke/", views.OptOutRevokeView.as_view(), name="optout_revoke"),
]
cms_urlpatterns: list[URLPattern] = []
api_urlpatterns: list[URLPattern] = [
    path(f"{A}duals/", DualsViewSet.as_view({"get": "summary"}), name="api_medicaid_duals"),
    path(f"{A}duals/full/", DualsViewSet.as_view({"get": "full"}), name="api_medicaid_dual_list"),
    path(
        f"{A}opt-outs/",
        OptOutViewSet.as_view({"get": "list", "post": "create"}),
        name="api_medicaid_optouts",
    ),
    path(f"{A}opt-outs/upload/", OptOutViewSet.as_view({"post": "upload"}), name="api_medicaid_optout_upload"),
    path(
        f"{A}opt-outs/<int:optout_id>/revoke/",
        OptOutViewSet.as_view({"post": "revoke"}),
        name="api_medicaid_optout_revoke",
    ),
]
