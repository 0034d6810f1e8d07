"""The portal's answer when no URL matches: the 404 page for people, and for the API the same JSON
body as every other API 404 (``{"detail": "Not found."}``), so an API client never receives an HTML
page (for example for ``/api/alignment/runs/abc/``, whose id is not a number)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/") and not request.path.startswith("/api/docs/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
