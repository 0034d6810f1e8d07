"""Navigation for the base layout: the user's ACOs (for the switcher) and the current ACO."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import selectors

# Areas of the portal, in navigation order.
ACO_AREAS: list[tuple[str, str, str]] = [
    ("home", "Overview", "acos:home"),
    ("profile", "Profile and elections", "acos:profile"),
    ("participants", "Participant TINs", "acos:participants"),
    ("preferred", "Preferred Providers", "acos:preferred_providers"),
    ("changes", "List change requests", "acos:change_requests"),
    ("beneficiaries", "Aligned beneficiaries", "alignment:beneficiaries"),
    ("voluntary", "Voluntary alignment", "alignment:voluntary"),
    ("quality", "Quality and care gaps", "quality:overview"),
    ("money", "Money and settlement", "performance:money"),
    ("rural", "Rural add-on", "rural:overview"),
    ("medicaid", "Medicaid integration", "medicaid:overview"),
    ("benefits", "BEs and BEIs", "benefits:catalogue"),
    ("cara", "CARA episodes and arrangements", "cara:overview"),
    ("glp1", "GLP-1 access (BALANCE)", "balance:overview"),
    ("planning", "What-if planner", "planning:scenarios"),
    ("reports", "Reports", "reports:list"),
]


def portal(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    # Home-page panels render with the request too: read the switcher's ACOs once per request.
    cached: dict[str, Any] | None = getattr(request, "_portal_nav", None)
    if cached is None:
        cached = {
            "my_acos": list(selectors.aco_list_for_user(user=user).values("aco_id", "legal_name")[:200])
            if not user.is_cms
            else [],
            "aco_areas": ACO_AREAS,
        }
        request._portal_nav = cached  # type: ignore[attr-defined]
    return cached


def demo_clock(request: HttpRequest) -> dict[str, Any]:
    """The demo's date for the banner on every page (signed in or not), when the demo set one."""
    return {"demo_clock": selectors.demo_clock()}
