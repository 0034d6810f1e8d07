from django.urls import path  # noqa: F401

app_name = "cara_cms"

urlpatterns: list = []
