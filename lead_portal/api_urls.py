"""The REST API. Every ACO-scoped endpoint lives under ``acos/{aco_id}/``."""

from typing import Any

from django.urls import include, path

from apps.accounts.api import AccessLogViewSet, TokenLogoutAllView, TokenLogoutView, TokenView
from apps.acos import api as aco_api
from apps.alignment import api as alignment_api
from apps.alignment import api_voluntary
from apps.claims.api import IngestRunViewSet, PackageListView
from apps.quality import api as quality_api

LIST: dict[str, Any] = {"get": "list", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api_token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="api_token_logout"),
    path("auth/logout-all/", TokenLogoutAllView.as_view(), name="api_token_logout_all"),
    path("acos/", aco_api.ACOViewSet.as_view({"get": "list"}), name="api_aco_list"),
    path(
        "acos/<str:aco_id>/",
        aco_api.ACOViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_aco_detail",
    ),
    path("acos/<str:aco_id>/attention/", aco_api.AttentionViewSet.as_view({"get": "list"}), name="api_attention"),
    path("acos/<str:aco_id>/elections/", aco_api.ElectionViewSet.as_view({"get": "list"}), name="api_election_list"),
    path(
        "acos/<str:aco_id>/elections/<int:performance_year>/",
        aco_api.ElectionViewSet.as_view({"get": "retrieve", "put": "update"}),
        name="api_election_detail",
    ),
    path("acos/<str:aco_id>/participants/", aco_api.ParticipantViewSet.as_view(LIST), name="api_participant_list"),
    path(
        "acos/<str:aco_id>/participants/upload/",
        aco_api.ParticipantViewSet.as_view({"post": "upload"}),
        name="api_participant_upload",
    ),
    path(
        "acos/<str:aco_id>/participants/<int:row_id>/",
        aco_api.ParticipantViewSet.as_view(DETAIL),
        name="api_participant_detail",
    ),
    path(
        "acos/<str:aco_id>/preferred-providers/",
        aco_api.PreferredProviderViewSet.as_view(LIST),
        name="api_preferred_list",
    ),
    path(
        "acos/<str:aco_id>/preferred-providers/upload/",
        aco_api.PreferredProviderViewSet.as_view({"post": "upload"}),
        name="api_preferred_upload",
    ),
    path(
        "acos/<str:aco_id>/preferred-providers/<int:row_id>/",
        aco_api.PreferredProviderViewSet.as_view(DETAIL),
        name="api_preferred_detail",
    ),
    path(
        "acos/<str:aco_id>/change-requests/",
        aco_api.ChangeRequestViewSet.as_view({"get": "list"}),
        name="api_change_request_list",
    ),
    path(
        "acos/<str:aco_id>/change-requests/<int:request_id>/",
        aco_api.ChangeRequestViewSet.as_view({"get": "retrieve"}),
        name="api_change_request_detail",
    ),
    path(
        "acos/<str:aco_id>/change-requests/<int:request_id>/decide/",
        aco_api.ChangeRequestViewSet.as_view({"post": "decide"}),
        name="api_change_request_decide",
    ),
    path(
        "acos/<str:aco_id>/change-requests/<int:request_id>/withdraw/",
        aco_api.ChangeRequestViewSet.as_view({"post": "withdraw"}),
        name="api_change_request_withdraw",
    ),
    path(
        "acos/<str:aco_id>/beneficiaries/",
        alignment_api.AlignedBeneficiaryViewSet.as_view({"get": "list"}),
        name="api_beneficiary_list",
    ),
    path(
        "acos/<str:aco_id>/beneficiaries/<str:mbi>/",
        alignment_api.AlignedBeneficiaryViewSet.as_view({"get": "retrieve"}),
        name="api_beneficiary_detail",
    ),
    path(
        "acos/<str:aco_id>/alignment/",
        alignment_api.AlignmentSummaryViewSet.as_view({"get": "summary"}),
        name="api_alignment_summary",
    ),
    path(
        "acos/<str:aco_id>/alignment/churn/",
        alignment_api.AlignmentSummaryViewSet.as_view({"get": "churn"}),
        name="api_alignment_churn",
    ),
    path(
        "acos/<str:aco_id>/alignment/by-tin/",
        alignment_api.AlignmentSummaryViewSet.as_view({"get": "by_tin"}),
        name="api_alignment_by_tin",
    ),
    path(
        "acos/<str:aco_id>/alignment/exports/",
        alignment_api.AlignmentExportViewSet.as_view({"get": "list", "post": "create"}),
        name="api_alignment_export_list",
    ),
    path(
        "acos/<str:aco_id>/alignment/exports/<int:export_id>/",
        alignment_api.AlignmentExportViewSet.as_view({"get": "retrieve"}),
        name="api_alignment_export_detail",
    ),
    path(
        "acos/<str:aco_id>/alignment/exports/<int:export_id>/download/",
        alignment_api.AlignmentExportViewSet.as_view({"get": "download"}),
        name="api_alignment_export_download",
    ),
    path(
        "alignment/runs/",
        alignment_api.AlignmentRunViewSet.as_view({"get": "list", "post": "create"}),
        name="api_run_list",
    ),
    path(
        "alignment/runs/<int:run_id>/",
        alignment_api.AlignmentRunViewSet.as_view({"get": "retrieve"}),
        name="api_run_detail",
    ),
    path(
        "acos/<str:aco_id>/voluntary-alignments/",
        api_voluntary.VoluntaryAlignmentViewSet.as_view(LIST),
        name="api_voluntary_list",
    ),
    path(
        "acos/<str:aco_id>/quality/submissions/",
        quality_api.QualitySubmissionViewSet.as_view(LIST),
        name="api_quality_submissions",
    ),
    path(
        "acos/<str:aco_id>/quality/",
        quality_api.QualityResultsViewSet.as_view({"get": "summary"}),
        name="api_quality_summary",
    ),
    path(
        "acos/<str:aco_id>/quality/measures/<slug:measure>/members/",
        quality_api.QualityResultsViewSet.as_view({"get": "members"}),
        name="api_quality_members",
    ),
    path(
        "acos/<str:aco_id>/quality/care-gaps/",
        quality_api.CareGapViewSet.as_view({"get": "list"}),
        name="api_quality_care_gaps",
    ),
    path(
        "acos/<str:aco_id>/quality/care-gaps/assign/",
        quality_api.CareGapViewSet.as_view({"post": "assign"}),
        name="api_quality_care_gaps_assign",
    ),
    path(
        "acos/<str:aco_id>/quality/care-gaps/<int:gap_id>/",
        quality_api.CareGapViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_quality_care_gap_detail",
    ),
    path(
        "quality/measures/", quality_api.MeasureDefinitionViewSet.as_view({"get": "list"}), name="api_quality_measures"
    ),
    path("review-queue/", aco_api.ReviewQueueViewSet.as_view({"get": "list"}), name="api_review_queue"),
    path("claims/ingest-runs/", IngestRunViewSet.as_view({"get": "list", "post": "create"}), name="api_ingest_list"),
    path("claims/packages/", PackageListView.as_view(), name="api_package_list"),
    path("claims/ingest-runs/<int:run_id>/", IngestRunViewSet.as_view({"get": "retrieve"}), name="api_ingest_detail"),
    path(
        "claims/ingest-runs/<int:run_id>/errors/", IngestRunViewSet.as_view({"get": "errors"}), name="api_ingest_errors"
    ),
    path("", include("apps.performance.api_dashboard")),
    path("", include("apps.performance.api_high_cost")),
    path("", include("apps.performance.api_reports")),
    path("", include("apps.performance.api_pipeline")),
    path("", include("apps.benefits.api_urls")),
    path("", include("apps.rural.api_urls")),
    path("", include("apps.cara.api_urls")),
    path("", include("apps.cara.api_provider_urls")),
    path("", include("apps.cara.api_designs_urls")),
    path("", include("apps.cara.api_cms_urls")),
    path("", include("apps.balance.api_urls")),
    path("", include("apps.medicaid.api_urls")),
    path("", include("apps.planning.api_urls")),
    path("access-log/", AccessLogViewSet.as_view({"get": "list"}), name="api_access_log"),
    path("access-log/<int:log_id>/", AccessLogViewSet.as_view({"get": "retrieve"}), name="api_access_log_detail"),
]
