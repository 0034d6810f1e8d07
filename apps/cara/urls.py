from django.urls import path

from . import views, views_arrangements

app_name = "cara"

urlpatterns = [
    path("<str:aco_id>/cara/", views.OverviewView.as_view(), name="overview"),
    path("<str:aco_id>/cara/episodes/", views.EpisodeListView.as_view(), name="episodes"),
    path("<str:aco_id>/cara/arrangements/", views_arrangements.ArrangementListView.as_view(), name="arrangements"),
    path(
        "<str:aco_id>/cara/arrangements/new/",
        views_arrangements.ArrangementCreateView.as_view(),
        name="arrangement_new",
    ),
    path(
        "<str:aco_id>/cara/arrangements/<int:arrangement_id>/",
        views_arrangements.ArrangementDetailView.as_view(),
        name="arrangement_detail",
    ),
    path(
        "<str:aco_id>/cara/arrangements/<int:arrangement_id>/edit/",
        views_arrangements.ArrangementEditView.as_view(),
        name="arrangement_edit",
    ),
    path(
        "<str:aco_id>/cara/arrangements/<int:arrangement_id>/act/",
        views_arrangements.ArrangementActView.as_view(),
        name="arrangement_act",
    ),
    path(
        "<str:aco_id>/cara/arrangements/<int:arrangement_id>/comment/",
        views_arrangements.ArrangementCommentView.as_view(),
        name="arrangement_comment",
    ),
]
