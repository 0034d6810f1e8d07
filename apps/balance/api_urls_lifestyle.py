"""GLP-1 access API: the lifestyle area (included by api_urls.py under /api/)."""

from django.urls import URLPattern, path

from .api_lifestyle import LifestyleEnrolmentViewSet, LifestyleSessionViewSet

A = "acos/<str:aco_id>/glp1/lifestyle/"

urlpatterns: list[URLPattern] = [
    path(
        f"{A}enrolments/",
        LifestyleEnrolmentViewSet.as_view({"get": "list", "post": "create"}),
        name="api_glp1_lifestyle_enrolments",
    ),
    path(
        f"{A}enrolments/upload/",
        LifestyleEnrolmentViewSet.as_view({"post": "upload"}),
        name="api_glp1_lifestyle_upload",
    ),
    path(
        f"{A}enrolments/<int:enrolment_id>/",
        LifestyleEnrolmentViewSet.as_view({"get": "retrieve"}),
        name="api_glp1_lifestyle_enrolment",
    ),
    path(
        f"{A}enrolments/<int:enrolment_id>/end/",
        LifestyleEnrolmentViewSet.as_view({"post": "end"}),
        name="api_glp1_lifestyle_enrolment_end",
    ),
    path(
        f"{A}enrolments/<int:enrolment_id>/sessions/",
        LifestyleSessionViewSet.as_view({"get": "list", "post": "create"}),
        name="api_glp1_lifestyle_sessions",
    ),
    path(
        f"{A}enrolments/<int:enrolment_id>/sessions/<int:session_id>/",
        LifestyleSessionViewSet.as_view({"delete": "destroy"}),
        name="api_glp1_lifestyle_session",
    ),
]
