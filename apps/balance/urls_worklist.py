"""GLP-1 access pages: the worklist area (included by urls.py under /acos/): the outreach worklist, its export
and bulk outreach, a beneficiary's GLP-1 page and prior-authorization packet."""

from django.urls import path

from . import views_worklist as views

urlpatterns = [
    path("<str:aco_id>/glp1/worklist/", views.WorklistView.as_view(), name="worklist"),
    path("<str:aco_id>/glp1/worklist/export/", views.WorklistExportView.as_view(), name="worklist_export"),
    path("<str:aco_id>/glp1/worklist/outreach/", views.WorklistOutreachView.as_view(), name="worklist_outreach"),
    path("<str:aco_id>/glp1/beneficiaries/<str:mbi>/", views.BeneficiaryView.as_view(), name="beneficiary"),
    path("<str:aco_id>/glp1/beneficiaries/<str:mbi>/packet.pdf", views.PacketView.as_view(), name="packet"),
]
