"""Routes for the arrangements area: ACO pages (under /acos/), CMS pages (under /medicaid/) and the API."""

from django.urls import URLPattern

aco_urlpatterns: list[URLPattern] = []
cms_urlpatterns: list[URLPattern] = []
api_urlpatterns: list[URLPattern] = []
