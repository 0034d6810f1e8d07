"""API tokens (django-rest-knox): a token works, expires, is revoked by logout (one client or all),
two clients have two tokens, tokens are stored hashed, and CMS staff get none with a password alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from knox.models import AuthToken
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def sign_in(user: User, password: str = PASSWORD) -> Any:
    return APIClient().post(TOKEN_URL, {"username": user.username, "password": password}, format="json")


def token_client(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_works_and_says_when_it_expires(admin: User, aco: ACO) -> None:
    before = timezone.now()
    response = sign_in(admin)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    # Ten hours by default (REST_KNOX["TOKEN_TTL"]).
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert dt.timedelta(hours=10) <= expiry - before <= dt.timedelta(hours=10, minutes=1)
    assert token_client(body["token"]).get(f"/api/acos/{aco.aco_id}/").status_code == 200


def test_a_token_stops_working_once_expired(admin: User, aco: ACO) -> None:
    key = sign_in(admin).json()["token"]
    api = token_client(key)
    assert api.get(f"/api/acos/{aco.aco_id}/").status_code == 200
    AuthToken.objects.filter(user=admin).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = api.get(f"/api/acos/{aco.aco_id}/")
    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "Invalid token."}
    assert not AuthToken.objects.filter(user=admin).exists()  # an expired token is deleted when seen


def test_the_lifetime_is_a_setting(admin: User, settings: Settings) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(minutes=5)}
    before = timezone.now()
    sign_in(admin)
    token = AuthToken.objects.get(user=admin)
    assert dt.timedelta(minutes=5) <= token.expiry - before < dt.timedelta(minutes=6)


def test_two_clients_have_two_tokens_and_logout_ends_only_its_own(admin: User, aco: ACO) -> None:
    laptop = token_client(sign_in(admin).json()["token"])
    script = token_client(sign_in(admin).json()["token"])
    assert AuthToken.objects.filter(user=admin).count() == 2
    url = f"/api/acos/{aco.aco_id}/"
    assert laptop.get(url).status_code == 200
    assert script.get(url).status_code == 200

    assert laptop.post("/api/auth/logout/").status_code == 204
    assert laptop.get(url).status_code in (401, 403)
    assert script.get(url).status_code == 200  # the other client keeps working
    assert AuthToken.objects.filter(user=admin).count() == 1


def test_logout_all_ends_every_client(admin: User, aco: ACO, analyst: User) -> None:
    clients = [token_client(sign_in(admin).json()["token"]) for _ in range(3)]
    sign_in(analyst)  # someone else's token is not touched
    assert clients[0].post("/api/auth/logout-all/").status_code == 204
    for api in clients:
        assert api.get(f"/api/acos/{aco.aco_id}/").status_code in (401, 403)
    assert not AuthToken.objects.filter(user=admin).exists()
    assert AuthToken.objects.filter(user=analyst).count() == 1


def test_logout_needs_a_token(admin: User) -> None:
    client = APIClient()
    client.force_login(admin)  # a browser session revokes nothing: logout names the token it came with
    assert client.post("/api/auth/logout/").status_code in (401, 403)
    assert APIClient().post("/api/auth/logout-all/").status_code in (401, 403)


def test_tokens_are_stored_hashed(admin: User) -> None:
    key = sign_in(admin).json()["token"]
    token = AuthToken.objects.get(user=admin)
    assert key not in (token.digest, token.token_key)
    assert len(token.digest) == 128  # SHA-512, hex
    assert token.token_key == key[: len(token.token_key)]  # only a short lookup prefix is kept


def test_a_person_holds_a_bounded_number_of_live_tokens(admin: User, settings: Settings) -> None:
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    assert [sign_in(admin).status_code for _ in range(2)] == [200, 200]
    response = sign_in(admin)
    assert response.status_code == 403
    assert "already have 2 live API tokens" in response.json()["detail"]
    # An expired token does not count.
    AuthToken.objects.filter(user=admin).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert sign_in(admin).status_code == 200


def test_wrong_password_gets_no_token(admin: User) -> None:
    response = sign_in(admin, password="not-the-password")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to sign in with that username and password."]}
    assert not AuthToken.objects.exists()


def test_cms_staff_get_no_token_with_a_password_alone(cms_reviewer: User) -> None:
    response = sign_in(cms_reviewer)
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]
    assert not AuthToken.objects.exists()


def test_an_unreadable_token_header_is_refused_not_a_server_error(aco: ACO) -> None:
    api = APIClient(HTTP_AUTHORIZATION="Token \xff\xfe-not-utf8")
    response = api.get(f"/api/acos/{aco.aco_id}/")
    assert response.status_code in (401, 403)
    assert response.json() == {"detail": "Invalid token."}


def test_the_old_never_expiring_tokens_are_gone(settings: Settings) -> None:
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "rest_framework.authentication.SessionAuthentication",
        "apps.accounts.authentication.APITokenAuthentication",
    ]


def test_repeated_wrong_passwords_lock_the_token_endpoint_too(admin: User) -> None:
    """django-axes counts the API's failures as the login page's: five wrong passwords lock out."""
    statuses = [sign_in(admin, password="not-the-password").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 403]
    response = sign_in(admin)  # now even the right password is refused, with a reason
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Too many failed sign-ins")
    assert not AuthToken.objects.exists()


def test_a_cms_admin_issues_a_token_in_the_administration_pages(
    cms_admin: User, cms_reviewer: User, client_for: Any
) -> None:
    """How CMS staff get a token (they sign in with a second factor, which the API cannot ask for)."""
    admin_pages = client_for(cms_admin)
    expiry = (timezone.now() + dt.timedelta(hours=8)).replace(microsecond=0)
    response = admin_pages.post(
        "/admin/knox/authtoken/add/",
        {"user": cms_reviewer.pk, "expiry_0": expiry.date().isoformat(), "expiry_1": expiry.time().isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if str(m).startswith("TOKEN ")]
    assert len(shown) == 1  # the key is shown once, to the CMS admin who issued it
    key = shown[0].removeprefix("TOKEN ")
    assert token_client(key).get("/api/review-queue/").status_code == 200
    assert AuthToken.objects.get(user=cms_reviewer).digest != key  # stored hashed here too
