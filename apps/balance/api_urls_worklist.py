"""GLP-1 access API: the worklist area (included by api_urls.py under /api/)."""

from django.urls import path

from .api_worklist import Glp1WorklistViewSet

urlpatterns = [
    path("acos/<str:aco_id>/glp1/worklist/", Glp1WorklistViewSet.as_view({"get": "list"}), name="api_glp1_worklist"),
    path(
        "acos/<str:aco_id>/glp1/worklist/outreach/",
        Glp1WorklistViewSet.as_view({"post": "outreach_bulk"}),
        name="api_glp1_outreach_bulk",
    ),
    path(
        "acos/<str:aco_id>/glp1/beneficiaries/<str:mbi>/",
        Glp1WorklistViewSet.as_view({"get": "retrieve"}),
        name="api_glp1_beneficiary",
    ),
    path(
        "acos/<str:aco_id>/glp1/beneficiaries/<str:mbi>/outreach/",
        Glp1WorklistViewSet.as_view({"get": "outreach_read", "patch": "outreach_patch"}),
        name="api_glp1_outreach",
    ),
]
