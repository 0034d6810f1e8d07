from django.urls import path

from . import views

app_name = "benefits_cms"

urlpatterns = [
    path("review-queue/", views.ReviewQueueView.as_view(), name="queue"),
]
