"""GLP-1 access pages: the lifestyle area (included by urls.py under /acos/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
