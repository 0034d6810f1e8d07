from django.urls import path

from . import views

app_name = "cara"

urlpatterns = [
    path("<str:aco_id>/cara/", views.OverviewView.as_view(), name="overview"),
]
