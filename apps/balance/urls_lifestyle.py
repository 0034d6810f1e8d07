"""GLP-1 access pages: the lifestyle area (included by urls.py under /acos/)."""

from django.urls import URLPattern, path

from . import views_lifestyle as views

B = "<str:aco_id>/glp1/lifestyle/"

urlpatterns: list[URLPattern] = [
    path(B, views.LifestyleListView.as_view(), name="lifestyle"),
    path(f"{B}template.csv", views.LifestyleTemplateView.as_view(), name="lifestyle_template"),
    path(f"{B}<int:enrolment_id>/", views.LifestyleEnrolmentView.as_view(), name="lifestyle_enrolment"),
    path(f"{B}<int:enrolment_id>/end/", views.LifestyleEndView.as_view(), name="lifestyle_enrolment_end"),
    path(
        f"{B}<int:enrolment_id>/sessions/<int:session_id>/remove/",
        views.LifestyleSessionRemoveView.as_view(),
        name="lifestyle_session_remove",
    ),
]
