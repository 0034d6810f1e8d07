"""Routes for the states area: ACO pages (under /acos/), CMS pages (under /medicaid/) and the API."""

from django.urls import URLPattern, path

from . import api, views

A = "<str:aco_id>/medicaid/"
S = "states/<str:state_code>/"

aco_urlpatterns: list[URLPattern] = [
    path(f"{A}timeline/", views.ACOTimelineView.as_view(), name="timeline"),
    path(f"{A}{S}", views.ACOStateDetailView.as_view(), name="state_detail"),
    path(f"{A}{S}documents/<int:document_id>/", views.ACODocumentDownloadView.as_view(), name="document_download"),
]

cms_urlpatterns: list[URLPattern] = [
    path("states/", views.StateListView.as_view(), name="states"),
    path("states/new/", views.StateCreateView.as_view(), name="state_create"),
    path(S, views.StateDetailView.as_view(), name="state_detail"),
    path(f"{S}edit/", views.StateEditView.as_view(), name="state_edit"),
    path(f"{S}status/", views.StateStatusView.as_view(), name="state_status"),
    path(f"{S}documents/", views.DocumentUploadView.as_view(), name="document_upload"),
    path(f"{S}documents/<int:document_id>/", views.DocumentDownloadView.as_view(), name="document_download"),
    path(f"{S}documents/<int:document_id>/remove/", views.DocumentRemoveView.as_view(), name="document_remove"),
    path("milestones/new/", views.MilestoneFormView.as_view(), name="milestone_create"),
    path("milestones/<int:milestone_id>/edit/", views.MilestoneFormView.as_view(), name="milestone_edit"),
    path("milestones/<int:milestone_id>/delete/", views.MilestoneDeleteView.as_view(), name="milestone_delete"),
    path("timeline/", views.CMSTimelineView.as_view(), name="timeline"),
]

api_urlpatterns: list[URLPattern] = [
    path(
        "medicaid/states/",
        api.StateViewSet.as_view({"get": "list", "post": "create"}),
        name="api_medicaid_states",
    ),
    path(
        "medicaid/states/<str:state_code>/",
        api.StateViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_medicaid_state_detail",
    ),
    path(
        "medicaid/states/<str:state_code>/status/",
        api.StateStatusViewSet.as_view({"post": "create"}),
        name="api_medicaid_state_status",
    ),
    path(
        "medicaid/states/<str:state_code>/documents/",
        api.DocumentViewSet.as_view({"get": "list"}),
        name="api_medicaid_state_documents",
    ),
    path(
        "medicaid/milestones/",
        api.MilestoneViewSet.as_view({"get": "list", "post": "create"}),
        name="api_medicaid_milestones",
    ),
    path(
        "medicaid/milestones/<int:milestone_id>/",
        api.MilestoneViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api_medicaid_milestone_detail",
    ),
    path(
        "acos/<str:aco_id>/medicaid/states/",
        api.ACOStateViewSet.as_view({"get": "list"}),
        name="api_aco_medicaid_states",
    ),
    path(
        "acos/<str:aco_id>/medicaid/states/<str:state_code>/",
        api.ACOStateViewSet.as_view({"get": "retrieve"}),
        name="api_aco_medicaid_state_detail",
    ),
    path(
        "acos/<str:aco_id>/medicaid/milestones/",
        api.ACOMilestoneViewSet.as_view({"get": "list"}),
        name="api_aco_medicaid_milestones",
    ),
]
