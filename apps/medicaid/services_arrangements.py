"""Partnership arrangements: every write, one transaction each, with the acting user."""

from __future__ import annotations


def register_review_kinds() -> None:
    """Register the ``medicaid_arrangement`` review kind (filled in with the arrangement workflow)."""
