"""An ACO's CARA documents (contracting templates and reconciliation statements), mounted under ``acos/``."""

from django.urls import path

from . import views_documents

app_name = "cara_documents"

urlpatterns = [
    path("<str:aco_id>/cara/documents/", views_documents.DocumentListView.as_view(), name="list"),
    path(
        "<str:aco_id>/cara/documents/prospective/",
        views_documents.ProspectiveView.as_view(),
        name="prospective",
    ),
    path(
        "<str:aco_id>/cara/arrangements/<int:arrangement_id>/template/",
        views_documents.TemplateRequestView.as_view(),
        name="template",
    ),
    path(
        "<str:aco_id>/cara/reconciliations/<int:reconciliation_id>/statement/",
        views_documents.StatementRequestView.as_view(),
        name="statement",
    ),
    path(
        "<str:aco_id>/cara/documents/<int:document_id>/download/",
        views_documents.DocumentDownloadView.as_view(),
        name="download",
    ),
]
