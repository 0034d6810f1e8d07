"""Filters of the performance pages (months, list lookups); money, percentages and counts are the
portal's built-in formatting filters."""

from __future__ import annotations

from typing import Any

from django import template

from apps.performance import charts

register = template.Library()


# Money, percentages and counts (|usd, |pct, |count) are the portal's built-in formatting filters
# (lead_portal/format_filters.py), the same on every page.


@register.filter
def month_label(value: Any) -> str:
    """``2027-08`` → ``Aug 2027``; "" when unknown (so ``default`` applies)."""
    return charts.fmt(value, "month") if value else ""


@register.filter
def at(items: Any, index: int) -> Any:
    """``items[index]``, or None past the end (a row's link in a list of links)."""
    try:
        return items[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def share(value: Any) -> str:
    """A share in percent to two decimals, so a column of them lines up: ``5.70%``; "—" when unknown."""
    return "—" if value is None else f"{float(value):.2f}%"
