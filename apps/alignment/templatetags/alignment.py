"""Template filters for alignment pages."""

from __future__ import annotations

from typing import Any

from django import template

from apps.alignment import cohorts
from lead_portal import formatting

register = template.Library()


@register.filter
def cents(value: Any) -> str:
    """Integer cents as money, the portal's way (``$3,786.66``); "—" when unknown."""
    return formatting.money_cents(value)


@register.filter
def criterion(code: Any) -> str:
    """A High Needs criterion code in words."""
    return cohorts.CRITERIA_LABELS.get(str(code), str(code))
