from django.urls import path

from . import views

app_name = "rural_cms"

urlpatterns = [
    path("", views.AllACOsView.as_view(), name="all"),
]
