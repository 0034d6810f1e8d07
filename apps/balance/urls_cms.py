"""CMS's GLP-1 access pages (every ACO), under ``/glp1/``."""

from django.urls import URLPattern

app_name = "balance_cms"

urlpatterns: list[URLPattern] = []
