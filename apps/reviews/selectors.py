"""Reads of review cases. Tenant scoping of a case is the owning app's job (its selector
reaches the case through the ACO); these helpers only shape what is shown."""

from __future__ import annotations

from typing import Any

from .models import ReviewCase


def version_diff(*, case: ReviewCase) -> list[dict[str, Any]]:
    """Top-level fields that differ between the last two submitted versions."""
    versions = list(case.versions.order_by("-number")[:2])
    if len(versions) < 2:
        return []
    new, old = versions[0].content, versions[1].content
    rows = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            rows.append({"field": key, "old": old.get(key), "new": new.get(key)})
    return rows
