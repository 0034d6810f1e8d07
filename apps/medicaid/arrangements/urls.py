"""Routes for the arrangements area: ACO pages (under /acos/), CMS pages (under /medicaid/) and the API."""

from django.urls import URLPattern, path

from . import api, views

M = "<str:aco_id>/medicaid/"
A = f"{M}arrangements/<int:arrangement_id>/"

aco_urlpatterns: list[URLPattern] = [
    path(M, views.OverviewView.as_view(), name="overview"),
    path(f"{M}arrangements/", views.ArrangementCreateView.as_view(), name="arrangement_create"),
    path(A, views.ArrangementDetailView.as_view(), name="arrangement_detail"),
    path(f"{A}autosave/", views.ArrangementAutosaveView.as_view(), name="arrangement_autosave"),
    path(f"{A}submit/", views.ArrangementSubmitView.as_view(), name="arrangement_submit"),
    path(f"{A}withdraw/", views.ArrangementWithdrawView.as_view(), name="arrangement_withdraw"),
    path(f"{A}review/", views.ArrangementReviewView.as_view(), name="arrangement_review"),
    path(f"{A}comments/", views.ArrangementCommentView.as_view(), name="arrangement_comment"),
]

cms_urlpatterns: list[URLPattern] = [
    path("arrangements/", views.QueueView.as_view(), name="queue"),
]

AA = "acos/<str:aco_id>/medicaid/arrangements/"
AD = f"{AA}<int:arrangement_id>/"

api_urlpatterns: list[URLPattern] = [
    path(
        AA,
        api.ArrangementViewSet.as_view({"get": "list", "post": "create"}),
        name="api_medicaid_arrangements",
    ),
    path(
        AD,
        api.ArrangementViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_medicaid_arrangement_detail",
    ),
    path(
        f"{AD}submit/", api.ArrangementSubmitViewSet.as_view({"post": "create"}), name="api_medicaid_arrangement_submit"
    ),
    path(
        f"{AD}withdraw/",
        api.ArrangementWithdrawViewSet.as_view({"post": "create"}),
        name="api_medicaid_arrangement_withdraw",
    ),
    path(
        f"{AD}review/", api.ArrangementReviewViewSet.as_view({"post": "create"}), name="api_medicaid_arrangement_review"
    ),
    path(
        f"{AD}comments/",
        api.ArrangementCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_medicaid_arrangement_comments",
    ),
    path(
        "medicaid/arrangements/",
        api.ArrangementQueueViewSet.as_view({"get": "list"}),
        name="api_medicaid_arrangement_queue",
    ),
]
