"""GLP-1 access pages: the worklist area (included by urls.py under /acos/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
