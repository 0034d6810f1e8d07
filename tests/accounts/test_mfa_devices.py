"""Opening /accounts/verify/ makes no authenticator for ACO staff (who have no second factor), and
CMS staff enrolling keep one unconfirmed device however often they open the pages (audit, defect 8)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db


def test_ten_visits_of_an_aco_user_make_no_device(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    for _ in range(10):
        response = client.get("/accounts/verify/?next=/acos/")
        assert (response.status_code, response["Location"]) == (302, "/acos/")  # nothing to verify: on to next
        assert client.get("/accounts/mfa/setup/").status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()


def test_ten_visits_of_a_cms_newcomer_keep_one_device_with_one_secret(db: None) -> None:
    newcomer = UserFactory.create(username="cms.new", cms_role=User.CMSRole.REVIEWER)
    client = Client()
    client.force_login(newcomer)
    pages = [client.get("/accounts/verify/", follow=True) for _ in range(10)]
    assert {p.status_code for p in pages} == {200}
    assert {p.redirect_chain[-1][0] for p in pages} == {"/accounts/mfa/setup/?next=/"}
    device = TOTPDevice.objects.get(user=newcomer)  # exactly one
    assert not device.confirmed
    # Every visit showed the same secret, so the QR code scanned on the first still works.
    secret = device.config_url.split("secret=")[1].split("&")[0]
    assert all(secret in p.content.decode() for p in pages)
    response = client.post("/accounts/mfa/setup/", {"token": totp_code(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=newcomer).confirmed


def test_left_over_unconfirmed_devices_are_folded_into_one_not_a_server_error(db: None) -> None:
    """Two unconfirmed devices (two tabs opened at once before visits were serialised) made the
    set-up page answer 500 (get_or_create found two)."""
    newcomer = UserFactory.create(username="cms.new", cms_role=User.CMSRole.REVIEWER)
    first = TOTPDevice.objects.create(user=newcomer, name="Authenticator app", confirmed=False)
    TOTPDevice.objects.create(user=newcomer, name="Authenticator app", confirmed=False)
    client = Client(raise_request_exception=False)
    client.force_login(newcomer)
    assert client.get("/accounts/mfa/setup/").status_code == 200
    assert list(TOTPDevice.objects.filter(user=newcomer).values_list("pk", flat=True)) == [first.pk]
