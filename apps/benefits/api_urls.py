"""BE/BEI API routes, included under ``/api/``."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "acos/<str:aco_id>/benefits/catalogue/",
        api.CatalogueViewSet.as_view({"get": "list"}),
        name="api_benefit_catalogue",
    ),
    path(
        "acos/<str:aco_id>/benefits/selections/",
        api.SelectionViewSet.as_view({"get": "list", "post": "create"}),
        name="api_benefit_selections",
    ),
    path(
        "acos/<str:aco_id>/benefits/claims-usage/",
        api.ClaimsUsageViewSet.as_view({"get": "summary"}),
        name="api_benefit_claims_usage",
    ),
    path("acos/<str:aco_id>/benefits/plans/", api.PlanViewSet.as_view({"get": "list"}), name="api_benefit_plans"),
    path(
        "acos/<str:aco_id>/benefits/plans/<int:plan_id>/",
        api.PlanViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api_benefit_plan_detail",
    ),
    path(
        "acos/<str:aco_id>/benefits/plans/<int:plan_id>/transitions/",
        api.PlanTransitionViewSet.as_view({"post": "create"}),
        name="api_benefit_plan_transitions",
    ),
    path(
        "acos/<str:aco_id>/benefits/plans/<int:plan_id>/comments/",
        api.PlanCommentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_benefit_plan_comments",
    ),
    path(
        "acos/<str:aco_id>/benefits/plans/<int:plan_id>/deliveries/",
        api.DeliveryViewSet.as_view({"get": "list", "post": "create"}),
        name="api_benefit_plan_deliveries",
    ),
    path(
        "benefits/review-queue/",
        api.BenefitReviewQueueViewSet.as_view({"get": "list"}),
        name="api_benefit_review_queue",
    ),
]
