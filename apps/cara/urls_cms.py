"""CMS's CARA pages, mounted at ``/cara/``."""

from django.urls import path

from . import views_cms

app_name = "cara_cms"

urlpatterns = [
    path("payments/", views_cms.PaymentsView.as_view(), name="payments"),
    path("payments.csv", views_cms.PaymentsCSVView.as_view(), name="payments_csv"),
    path("arrangements/", views_cms.ArrangementsView.as_view(), name="arrangements"),
]
