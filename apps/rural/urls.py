from django.urls import path

from . import views

app_name = "rural"

B = "<str:aco_id>/rural/"

urlpatterns = [
    path(B, views.OverviewView.as_view(), name="overview"),
    path(f"{B}export.<str:fmt>", views.ExportView.as_view(), name="export"),
    path(f"{B}schedule.csv", views.ExportView.as_view(table="schedule"), name="export_schedule"),
    path(f"{B}beneficiaries/", views.BeneficiariesView.as_view(), name="beneficiaries"),
]
