from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("ingest/", views.IngestListView.as_view(), name="ingest_list"),
    path("ingest/<int:run_id>/", views.IngestDetailView.as_view(), name="ingest_detail"),
    path("ingest/<int:run_id>/errors.csv", views.IngestErrorsCSVView.as_view(), name="ingest_errors_csv"),
]
