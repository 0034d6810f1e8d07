"""Writes for accounts: the access log and account set-up."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .models import AccessLog, User


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. X-Forwarded-For is believed only behind a proxy that sets it
    (``USE_X_FORWARDED_FOR``); otherwise anyone could write any address into the log."""
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def access_log_record(
    *,
    request: HttpRequest,
    action: str,
    object_type: str,
    object_id: str = "",
    aco_code: str = "",
    detail: str = "",
) -> AccessLog:
    user = request.user if request.user.is_authenticated else None
    return AccessLog.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:128],
        aco_code=aco_code,
        path=request.get_full_path()[:512],
        ip_address=client_ip(request),
        detail=detail[:255],
    )


def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    cms_role: str = "",
) -> User:
    """Create a person. CMS admins get Django admin access for model parameters."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        cms_role=cms_role,
        is_staff=cms_role == User.CMSRole.ADMIN,
        is_superuser=cms_role == User.CMSRole.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
