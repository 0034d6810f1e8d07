"""Template filters for the quality pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """A count or measure value: whole numbers with separators, others to two decimals, — when empty."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if number.is_integer():
        return str(intcomma(int(number)))
    return f"{number:,.2f}"
