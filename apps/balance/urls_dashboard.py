"""GLP-1 access pages: the dashboard area (included by urls.py under /acos/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
