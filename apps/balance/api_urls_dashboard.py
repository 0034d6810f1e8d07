"""GLP-1 access API: the dashboard area (included by api_urls.py under /api/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
