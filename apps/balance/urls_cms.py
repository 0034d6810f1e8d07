"""CMS's GLP-1 access pages (every ACO), under ``/glp1/``."""

from django.urls import URLPattern, path

from . import views_cms

app_name = "balance_cms"

urlpatterns: list[URLPattern] = [
    path("", views_cms.ACOsView.as_view(), name="acos"),
    path("acos.csv", views_cms.ACOsCSVView.as_view(), name="acos_csv"),
]
