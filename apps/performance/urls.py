"""An ACO's money and settlement pages, mounted under ``acos/``."""

from django.urls import path

from . import views, views_high_cost

app_name = "performance"

urlpatterns = [
    path("<str:aco_id>/money/", views.MoneyView.as_view(), name="money"),
    path("<str:aco_id>/money/data/<slug:chart>.csv", views.MoneyDataView.as_view(), name="money_data"),
    path("<str:aco_id>/money/high-cost/", views_high_cost.HighCostView.as_view(), name="high_cost"),
    path(
        "<str:aco_id>/money/high-cost/export.<str:fmt>",
        views_high_cost.HighCostExportView.as_view(),
        name="high_cost_export",
    ),
    path(
        "<str:aco_id>/money/high-cost/<str:mbi>/claims/",
        views_high_cost.BeneficiaryClaimsView.as_view(),
        name="beneficiary_claims",
    ),
]
