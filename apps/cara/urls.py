from django.urls import path

from . import views

app_name = "cara"

urlpatterns = [
    path("<str:aco_id>/cara/", views.OverviewView.as_view(), name="overview"),
    path("<str:aco_id>/cara/episodes/", views.EpisodeListView.as_view(), name="episodes"),
]
