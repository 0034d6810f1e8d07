"""GLP-1 access pages: the dashboard area (included by urls.py under /acos/)."""

from django.urls import URLPattern, path

from . import views_dashboard

urlpatterns: list[URLPattern] = [
    path("<str:aco_id>/glp1/", views_dashboard.OverviewView.as_view(), name="overview"),
]
