"""API of Maximal Flexibility design proposals, included under ``/api/``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
