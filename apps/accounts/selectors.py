"""Reads for accounts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import AccessLog, User


def access_log_list(*, user: User, aco_code: str = "", username: str = "") -> QuerySet[AccessLog]:
    """The access log is for CMS admins only."""
    if not user.is_cms_admin:
        raise PermissionDenied("Only CMS admins can read the access log.")
    qs = AccessLog.objects.select_related("user")
    if aco_code:
        qs = qs.filter(aco_code=aco_code)
    if username:
        qs = qs.filter(username__icontains=username)
    return qs


def request_user(request: HttpRequest) -> User:
    """The signed-in person making a request (pages and API). Views behind a login check call
    this to hand services a real ``User``."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
