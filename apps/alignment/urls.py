from django.urls import include, path

from . import views

app_name = "alignment"

B = "acos/<str:aco_id>/beneficiaries/"

urlpatterns = [
    path(B, views.BeneficiaryListView.as_view(), name="beneficiaries"),
    path(f"{B}churn/", views.ChurnView.as_view(), name="churn"),
    path(f"{B}by-tin/", views.ByUnitView.as_view(), name="by_tin"),
    path(f"{B}exports/", views.ExportView.as_view(), name="exports"),
    path(f"{B}recapture-gaps/", views.RecaptureGapsView.as_view(), name="recapture"),
    path(f"{B}recapture-gaps/export/", views.RecaptureGapsExportView.as_view(), name="recapture_export"),
    path(f"{B}exports/<int:export_id>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path(f"{B}<str:mbi>/", views.BeneficiaryDetailView.as_view(), name="beneficiary_detail"),
    path("acos/", include("apps.alignment.urls_voluntary")),
    path("alignment/runs/", views.RunListView.as_view(), name="runs"),
    path("alignment/runs/<int:run_id>/", views.RunDetailView.as_view(), name="run_detail"),
]
