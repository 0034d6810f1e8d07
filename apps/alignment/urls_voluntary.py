"""Voluntary alignment pages, included by the ``alignment`` namespace under ``acos/``."""

from django.urls import path

from . import views_voluntary as views

urlpatterns = [
    path("<str:aco_id>/voluntary/", views.VoluntaryListView.as_view(), name="voluntary"),
    path("<str:aco_id>/voluntary/export.csv", views.VoluntaryExportView.as_view(), name="voluntary_export"),
    path("<str:aco_id>/voluntary/add/", views.VoluntaryAddView.as_view(), name="voluntary_add"),
    path("<str:aco_id>/voluntary/upload/", views.VoluntaryUploadView.as_view(), name="voluntary_upload"),
]
