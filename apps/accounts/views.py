"""Sign-in: password (with lockout), then TOTP for CMS staff; enrolment of an authenticator."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import selectors, services
from .forms import LoginForm, TokenForm
from .selectors import request_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        user = request_user(self.request)
        if user.requires_second_factor:
            nxt = self.get_redirect_url()
            url = reverse("accounts:verify")
            return f"{url}?next={nxt}" if nxt else url
        return super().get_success_url()


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return "/"


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second step for CMS staff: a TOTP code from the confirmed device, or enrolment if none."""
    user = request_user(request)
    # is_verified() is added to the user by django-otp's middleware. ACO staff have no second factor
    # to pass: the page sends them on and makes nothing (no authenticator is enrolled for them).
    if user.is_verified() or not user.requires_second_factor:  # type: ignore[attr-defined]
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect(f"/accounts/mfa/setup/?next={_safe_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", "Too many wrong codes: wait a moment and try again.")
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        else:
            form.add_error("token", "That code is not valid. Codes change every 30 seconds.")
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (CMS staff): show the secret as a QR code, confirm with a first code."""
    user = request_user(request)
    if not user.requires_second_factor:
        return redirect(_safe_next(request))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:verify")
    # One unconfirmed device per person, reused on every visit until a first code confirms it.
    device = services.totp_device_pending(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.totp_device_confirm(device=device)
            otp_login(request, device)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_safe_next(request))
        form.add_error("token", "That code is not valid. Check the clock on your phone and try again.")
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "qr_svg": svg, "secret": secret, "next": _safe_next(request)},
    )


class AccessLogView(LoginRequiredMixin, View):
    """CMS admins read who viewed or exported which data."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        qs = selectors.access_log_list(
            user=request_user(request),
            aco_code=request.GET.get("aco", "").strip(),
            username=request.GET.get("user", "").strip(),
        )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(request, "accounts/access_log.html", {"page": page})
