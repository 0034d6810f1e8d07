"""API of Preferred Provider users (their EBRAs, episodes and statements), included under ``/api/``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
