"""Template filters for the claims load pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def as_it_stands(value: str) -> str:
    """A value from a record, quoted so its blanks and justification show (``' 1'``); a value
    that is all blanks also says how many."""
    if value and not value.strip():
        return f"'{value}' ({len(value)} blank{'s' if len(value) != 1 else ''})"
    return f"'{value}'"
