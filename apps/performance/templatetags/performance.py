"""Filters for the performance pages: money and percentages as the dashboard's tables show them."""

from __future__ import annotations

from typing import Any

from django import template

from apps.performance import charts

register = template.Library()


@register.filter
def usd(value: Any) -> str:
    """Dollars to the cent, a true minus sign for losses, "—" when unknown."""
    return charts.fmt(value, "money")


@register.filter
def pct(value: Any) -> str:
    return charts.fmt(value, "pct")


@register.filter
def count(value: Any) -> str:
    return charts.fmt(value, "int")
