"""API of Maximal Flexibility design proposals, included under ``/api/``."""

from django.urls import path

from . import api_designs as api

D = "acos/<str:aco_id>/cara/designs/"
P = f"{D}<int:proposal_id>/"

urlpatterns = [
    path(D, api.DesignViewSet.as_view({"get": "list", "post": "create"}), name="api_cara_designs"),
    path(P, api.DesignViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="api_cara_design_detail"),
    path(
        f"{P}transitions/",
        api.DesignTransitionViewSet.as_view({"post": "create"}),
        name="api_cara_design_transitions",
    ),
    path(
        f"{P}comments/",
        api.DesignCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_cara_design_comments",
    ),
]
