from django.urls import path

from . import views

app_name = "benefits"

B = "<str:aco_id>/benefits/"
P = f"{B}plans/<int:plan_id>/"

urlpatterns = [
    path(B, views.CatalogueView.as_view(), name="catalogue"),
    path(f"{B}select/", views.SelectView.as_view(), name="select"),
    path(f"{B}claims/", views.ClaimsUsageView.as_view(), name="claims_usage"),
    path(f"{B}claims/export.csv", views.ClaimsUsageExportView.as_view(), name="claims_usage_export"),
    path(P, views.PlanDetailView.as_view(), name="plan_detail"),
    path(f"{P}autosave/", views.PlanAutosaveView.as_view(), name="plan_autosave"),
    path(f"{P}submit/", views.PlanSubmitView.as_view(), name="plan_submit"),
    path(f"{P}withdraw/", views.PlanWithdrawView.as_view(), name="plan_withdraw"),
    path(f"{P}review/", views.PlanReviewView.as_view(), name="plan_review"),
    path(f"{P}comments/", views.PlanCommentView.as_view(), name="plan_comment"),
    path(f"{P}attachments/", views.AttachmentAddView.as_view(), name="attachment_add"),
    path(f"{P}attachments/<int:attachment_id>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path(
        f"{P}attachments/<int:attachment_id>/remove/",
        views.AttachmentRemoveView.as_view(),
        name="attachment_remove",
    ),
    path(f"{P}print/", views.PlanPrintView.as_view(), name="plan_print"),
    path(f"{P}deliveries/", views.DeliveryView.as_view(), name="deliveries"),
    path(f"{P}deliveries/export.csv", views.DeliveryExportView.as_view(), name="deliveries_export"),
]
