"""Template filters for alignment pages."""

from __future__ import annotations

from typing import Any

from django import template

from apps.alignment import cohorts

register = template.Library()


@register.filter
def cents(value: Any) -> str:
    """Integer cents as dollars with thousands separators (no currency sign)."""
    try:
        return f"{int(value) / 100:,.2f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def criterion(code: Any) -> str:
    """A High Needs criterion code in words."""
    return cohorts.CRITERIA_LABELS.get(str(code), str(code))
