"""Guards for management commands that must never run on a real installation."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def require_debug(command: str, why: str) -> None:
    """Refuse unless DEBUG is on. The demo commands create accounts with the published demo
    password and print fixed second-factor keys: under production settings (DEBUG off) that
    would open the portal to anyone who has read the README."""
    if not settings.DEBUG:
        raise CommandError(
            f"manage.py {command} refuses to run with DEBUG off: {why}. It is for a development "
            "machine only: run it with DEBUG=true (`make run` writes a local .env that sets it)."
        )
