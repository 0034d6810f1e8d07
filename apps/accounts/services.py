"""Writes for accounts: the access log, account set-up, API tokens and authenticator enrolment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from knox.settings import knox_settings

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


# --- API tokens (django-rest-knox) --------------------------------------------------------------


def api_token_issue(*, user: User) -> tuple[Any, str]:
    """A new API token for one client: each sign-in gets its own token, so a second client never
    ends the first one's. Returns the token row and the key, which is shown once and stored only
    hashed. CMS staff are refused: a token obtained with a password alone would skip their second
    factor (a CMS admin can issue one in the administration pages). At most
    ``REST_KNOX["TOKEN_LIMIT_PER_USER"]`` live tokens per person."""
    if user.requires_second_factor:
        raise PermissionDenied("CMS accounts sign in with a second factor; ask a CMS admin for an API token.")
    with transaction.atomic():
        # Lock the person's row: two sign-ins at once must not both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None:
            live = AuthToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
            if live.count() >= limit:
                raise PermissionDenied(
                    f"You already have {limit} live API tokens, the most one person may hold. Revoke one "
                    "(POST /api/auth/logout/ with it) or all of them (POST /api/auth/logout-all/), or wait "
                    "for one to expire."
                )
        token: tuple[Any, str] = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        return token


def api_token_revoke(*, token: Any) -> None:
    """End one client's token (the one the request was made with)."""
    AuthToken.objects.filter(pk=token.pk).delete()


def api_token_revoke_all(*, user: User) -> int:
    """End every API token of the person (every client); returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


# --- authenticator enrolment (TOTP) --------------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The one unconfirmed authenticator a person enrols with: made on the first visit to the set-up
    page, the same one (same secret, same QR code) on every later visit until a code confirms it.
    Only people who need a second factor enrol."""
    if not user.requires_second_factor:
        raise PermissionDenied("Only CMS staff sign in with an authenticator app.")
    with transaction.atomic():
        # Lock the person's row: two visits at once (two tabs) must not each make a device.
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = list(TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id"))
        if not pending:
            return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        # Keep the oldest; extras (left by concurrent visits before this was serialised) go.
        TOTPDevice.objects.filter(pk__in=[d.pk for d in pending[1:]]).delete()
        return pending[0]


def totp_device_confirm(*, device: TOTPDevice) -> TOTPDevice:
    """A first valid code confirms the device; it is then the person's authenticator."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device
