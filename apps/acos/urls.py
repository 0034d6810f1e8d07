from django.urls import path

from . import views

app_name = "acos"

P = {"list_type": "participants"}
PP = {"list_type": "preferred_providers"}

urlpatterns = [
    path("<str:aco_id>/", views.ACOHomeView.as_view(), name="home"),
    path("<str:aco_id>/profile/", views.ProfileView.as_view(), name="profile"),
    path("<str:aco_id>/profile/edit/", views.ProfileEditView.as_view(), name="profile_edit"),
    path("<str:aco_id>/elections/<int:performance_year>/", views.ElectionEditView.as_view(), name="election_edit"),
    path("<str:aco_id>/participants/", views.ListView.as_view(), P, name="participants"),
    path("<str:aco_id>/participants/export.csv", views.ListExportView.as_view(), P, name="participants_export"),
    path("<str:aco_id>/participants/add/", views.RowEditView.as_view(), P, name="participant_add"),
    path("<str:aco_id>/participants/upload/", views.UploadView.as_view(), P, name="participants_upload"),
    path("<str:aco_id>/participants/<int:row_id>/edit/", views.RowEditView.as_view(), P, name="participant_edit"),
    path("<str:aco_id>/participants/<int:row_id>/remove/", views.RowRemoveView.as_view(), P, name="participant_remove"),
    path("<str:aco_id>/preferred-providers/", views.ListView.as_view(), PP, name="preferred_providers"),
    path(
        "<str:aco_id>/preferred-providers/export.csv",
        views.ListExportView.as_view(),
        PP,
        name="preferred_providers_export",
    ),
    path("<str:aco_id>/preferred-providers/add/", views.RowEditView.as_view(), PP, name="preferred_add"),
    path("<str:aco_id>/preferred-providers/upload/", views.UploadView.as_view(), PP, name="preferred_providers_upload"),
    path("<str:aco_id>/preferred-providers/<int:row_id>/edit/", views.RowEditView.as_view(), PP, name="preferred_edit"),
    path(
        "<str:aco_id>/preferred-providers/<int:row_id>/remove/",
        views.RowRemoveView.as_view(),
        PP,
        name="preferred_remove",
    ),
    path("<str:aco_id>/change-requests/", views.ChangeRequestListView.as_view(), name="change_requests"),
    path(
        "<str:aco_id>/change-requests/<int:request_id>/",
        views.ChangeRequestDetailView.as_view(),
        name="change_request_detail",
    ),
    path(
        "<str:aco_id>/change-requests/<int:request_id>/decide/",
        views.ChangeRequestDecideView.as_view(),
        name="change_request_decide",
    ),
    path(
        "<str:aco_id>/change-requests/<int:request_id>/withdraw/",
        views.ChangeRequestWithdrawView.as_view(),
        name="change_request_withdraw",
    ),
]
