"""Template filters for the quality pages."""

from __future__ import annotations

from django import template

register = template.Library()


# Counts and measure values (|num), rates (|rate) and points (|points) are the portal's built-in
# formatting filters (lead_portal/format_filters.py).
