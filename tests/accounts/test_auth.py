"""Signing in: password with lockout, TOTP for CMS staff, idle sessions, the access log, and the
production settings passing Django's deployment checks."""

from __future__ import annotations

import datetime
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from tests.factories import PASSWORD, ParticipantFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def _device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def _wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code valid in no window the device accepts now (it allows one step of drift)."""
    valid = {f"{totp(device.bin_key, drift=d):06d}" for d in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(10)) if c not in valid)


# --- the second factor -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/cms/", "/reviews/", "/audit/access-log/", "/admin/"])
def test_unverified_cms_user_is_sent_to_verify_for_pages(cms_admin: User, path: str) -> None:
    client = Client()
    client.force_login(cms_admin)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/verify/?next={path}"


def test_unverified_cms_user_gets_403_from_the_api(cms_reviewer: User, aco: ACO) -> None:
    client = Client()
    client.force_login(cms_reviewer)
    for path in ("/api/review-queue/", f"/api/acos/{aco.aco_id}/participants/"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.json() == {"detail": "Second factor required: complete TOTP verification."}


def test_staff_without_a_cms_role_also_needs_the_second_factor(db: None) -> None:
    staff = UserFactory.create(username="django.staff", is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/verify/?next=/admin/")


def test_aco_users_need_no_second_factor(admin: User, aco: ACO) -> None:
    client = Client()
    client.force_login(admin)
    assert client.get(f"/acos/{aco.aco_id}/").status_code == 200


def test_password_sign_in_sends_cms_staff_to_verify_and_aco_users_home(cms_reviewer: User, admin: User) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "cms.reviewer", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/verify/")
    response = client.get("/cms/")
    assert response["Location"] == "/accounts/verify/?next=/cms/"  # signed in, not yet verified

    client = Client()
    response = client.post("/accounts/login/", {"username": "aco.admin", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_a_valid_code_opens_the_cms_pages_and_the_api(cms_reviewer: User) -> None:
    client = Client()
    client.force_login(cms_reviewer)
    response = client.post("/accounts/verify/", {"token": totp_code(_device(cms_reviewer)), "next": "/reviews/"})
    assert (response.status_code, response["Location"]) == (302, "/reviews/")
    assert client.get("/reviews/").status_code == 200
    assert client.get("/api/review-queue/").status_code == 200


def test_a_wrong_code_is_refused_with_a_message(cms_reviewer: User) -> None:
    client = Client()
    client.force_login(cms_reviewer)
    response = client.post("/accounts/verify/", {"token": _wrong_code(_device(cms_reviewer)), "next": "/cms/"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert client.get("/cms/")["Location"] == "/accounts/verify/?next=/cms/"


def test_verify_will_not_redirect_to_another_site(cms_reviewer: User) -> None:
    client = Client()
    client.force_login(cms_reviewer)
    token = totp_code(_device(cms_reviewer))
    response = client.post("/accounts/verify/", {"token": token, "next": "https://evil.example/"})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_cms_user_without_an_authenticator_is_sent_to_set_one_up(db: None) -> None:
    newcomer = UserFactory.create(username="cms.new", cms_role=User.CMSRole.REVIEWER)
    client = Client()
    client.force_login(newcomer)
    response = client.get("/accounts/verify/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/mfa/setup/?next=/")
    response = client.get("/accounts/mfa/setup/")
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    response = client.post("/accounts/mfa/setup/", {"token": totp_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cms/").status_code == 200


# --- lockout -----------------------------------------------------------------------------------


def _attempt(client: Client, password: str) -> int:
    return client.post("/accounts/login/", {"username": "aco.admin", "password": password}).status_code


def test_five_wrong_passwords_lock_the_account(admin: User) -> None:
    client = Client()
    assert [_attempt(client, "wrong-password") for _ in range(5)] == [200, 200, 200, 200, 429]
    # Now even the right password is refused, and nobody is signed in.
    response = client.post("/accounts/login/", {"username": "aco.admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(admin: User) -> None:
    client = Client()
    assert [_attempt(client, "wrong-password") for _ in range(4)] == [200, 200, 200, 200]
    assert _attempt(client, PASSWORD) == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


# --- sessions ----------------------------------------------------------------------------------


def test_sessions_expire_after_fifteen_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_request_pushes_the_session_expiry_forward(admin: User, aco: ACO) -> None:
    client = Client()
    client.force_login(admin)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(minutes=1))
    assert client.get(f"/acos/{aco.aco_id}/").status_code == 200
    left = Session.objects.get(session_key=key).expire_date - timezone.now()
    # 900 s from the request just made, give or take the test's own run time.
    assert datetime.timedelta(seconds=880) < left <= datetime.timedelta(seconds=900)


def test_an_idle_session_is_signed_out(admin: User, aco: ACO) -> None:
    client = Client()
    client.force_login(admin)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(f"/acos/{aco.aco_id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the access log ----------------------------------------------------------------------------


def test_viewing_and_exporting_a_list_is_logged(admin: User, aco: ACO, open_lists: str) -> None:
    ParticipantFactory.create(aco=aco, performance_year=2027)
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(admin)
    assert client.get(f"/acos/{aco.aco_id}/participants/?py=2027").status_code == 200
    assert client.get(f"/acos/{aco.aco_id}/participants/export.csv?py=2027").status_code == 200
    rows = list(
        AccessLog.objects.order_by("id").values_list(
            "user", "username", "action", "object_type", "object_id", "aco_code", "ip_address", "path"
        )
    )
    assert rows == [
        (
            admin.pk,
            "aco.admin",
            "view",
            "participants",
            "PY2027",
            aco.aco_id,
            "203.0.113.7",
            f"/acos/{aco.aco_id}/participants/?py=2027",
        ),
        (
            admin.pk,
            "aco.admin",
            "export",
            "participants",
            "PY2027",
            aco.aco_id,
            "203.0.113.7",
            f"/acos/{aco.aco_id}/participants/export.csv?py=2027",
        ),
    ]


def test_the_log_ignores_a_forwarded_for_header_without_a_proxy(admin: User, aco: ACO, open_lists: str) -> None:
    # Anyone can send X-Forwarded-For; without a proxy that sets it the peer address is the truth.
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.9")
    client.force_login(admin)
    client.get(f"/acos/{aco.aco_id}/preferred-providers/export.csv")
    assert AccessLog.objects.get().ip_address == "203.0.113.7"


def test_the_log_records_the_client_the_proxy_saw(admin: User, aco: ACO, open_lists: str, settings: Any) -> None:
    # Behind our proxy the last hop is the address the proxy appended; earlier hops came from the
    # client and may be forged ("198.51.100.9" here).
    settings.USE_X_FORWARDED_FOR = True
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7")
    client.force_login(admin)
    client.get(f"/acos/{aco.aco_id}/preferred-providers/export.csv")
    log = AccessLog.objects.get()
    assert (log.action, log.object_type, log.ip_address) == ("export", "preferred_providers", "203.0.113.7")


def test_reading_a_list_through_the_api_is_logged(admin: User, aco: ACO, open_lists: str) -> None:
    api = APIClient()
    api.force_authenticate(admin)
    assert api.get(f"/api/acos/{aco.aco_id}/participants/?py=2027").status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id, log.aco_code) == (
        admin,
        "api",
        "participants",
        "PY2027",
        aco.aco_id,
    )


@pytest.fixture
def logged(db: None) -> AccessLog:
    return AccessLog.objects.create(
        username="someone", action="view", object_type="participants", object_id="PY2027", aco_code="L0101", path="/x"
    )


def test_cms_admin_reads_the_access_log_page(
    cms_admin: User, logged: AccessLog, client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(cms_admin).get("/audit/access-log/?aco=L0101")
    assert response.status_code == 200
    assert "someone" in response.content.decode()


@pytest.mark.parametrize("who", ["cms_reviewer", "admin", "analyst"])
def test_nobody_else_reads_the_access_log_page(
    who: str, logged: AccessLog, request: pytest.FixtureRequest, client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(request.getfixturevalue(who)).get("/audit/access-log/")
    assert response.status_code == 403
    assert "someone" not in response.content.decode()


def test_cms_admin_reads_the_access_log_api(cms_admin: User, logged: AccessLog) -> None:
    api = APIClient()
    api.force_authenticate(cms_admin)
    response = api.get("/api/access-log/", {"aco": "L0101"})
    assert response.status_code == 200
    assert [(r["username"], r["object_type"]) for r in response.json()["results"]] == [("someone", "participants")]
    assert api.get(f"/api/access-log/{logged.pk}/").json()["username"] == "someone"
    assert api.get("/api/access-log/", {"aco": "L0999"}).json()["results"] == []


@pytest.mark.parametrize("who", ["cms_reviewer", "admin", "analyst"])
def test_nobody_else_reads_the_access_log_api(who: str, logged: AccessLog, request: pytest.FixtureRequest) -> None:
    api = APIClient()
    api.force_authenticate(request.getfixturevalue(who))
    assert api.get("/api/access-log/").status_code == 403
    assert api.get(f"/api/access-log/{logged.pk}/").status_code == 403


# --- production settings -----------------------------------------------------------------------


def _production_env(**extra: str) -> dict[str, str]:
    """A bare environment, as a server has: not this test run's (which may set DEBUG, a test
    secret, or DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "lead_portal.settings.production"
    return {**env, **extra}


def test_production_settings_pass_the_deployment_checks() -> None:
    env = _production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    result = subprocess.run(  # noqa: S603 (fixed arguments: this interpreter and the project's manage.py)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = _production_env()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_cms_staff_cannot_get_an_api_token_with_a_password_alone(cms_reviewer: User) -> None:
    cms_reviewer.set_password("a-long-test-password-1")
    cms_reviewer.save()
    response = APIClient().post(
        "/api/auth/token/", {"username": cms_reviewer.username, "password": "a-long-test-password-1"}
    )
    assert response.status_code == 403


def test_aco_staff_get_an_api_token(admin: User, aco: ACO) -> None:
    admin.set_password("a-long-test-password-1")
    admin.save()
    response = APIClient().post("/api/auth/token/", {"username": admin.username, "password": "a-long-test-password-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(f"/api/acos/{aco.aco_id}/").status_code == 200
