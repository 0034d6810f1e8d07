"""The claims data behind every page, in one line of the footer: the latest CCLF package loaded, its
kind (monthly or run-out) and how many packages there are. Cached until the next load."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest

from .models import CCLFFile

CACHE_KEY = "claims-vintage-{}"


def claims_vintage(request: HttpRequest) -> dict[str, Any]:
    if not request.user.is_authenticated:
        return {}
    latest_id = CCLFFile.objects.aggregate(last=Max("id"))["last"]
    if latest_id is None:
        return {"claims_vintage": None}
    key = CACHE_KEY.format(latest_id)
    vintage = cache.get(key)
    if vintage is None:
        latest = CCLFFile.objects.order_by("-produced_at", "-id").values("produced_at", "runout", "performance_year")[0]
        runouts = sorted(set(CCLFFile.objects.filter(runout=True).values_list("performance_year", flat=True)))
        vintage = {
            "produced": latest["produced_at"].date(),
            "runout": latest["runout"],
            "performance_year": latest["performance_year"],
            "packages": CCLFFile.objects.exclude(package="").values("package").distinct().count(),
            "runout_years": runouts,
        }
        cache.set(key, vintage, timeout=24 * 3600)
    return {"claims_vintage": vintage}
