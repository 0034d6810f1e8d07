"""An ACO's money and settlement pages, mounted under ``acos/``."""

from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("<str:aco_id>/money/", views.MoneyView.as_view(), name="money"),
    path("<str:aco_id>/money/data/<slug:chart>.csv", views.MoneyDataView.as_view(), name="money_data"),
]
