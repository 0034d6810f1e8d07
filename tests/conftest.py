"""Shared fixtures: the three people of every endpoint test (the ACO's admin, its read-only
analyst, an outsider administering another ACO), CMS staff, and the calendar.

Nothing here is autouse: a test names what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from tests.factories import ACOFactory, CMSUserFactory, MembershipFactory, UserFactory, totp_code, totp_device_for

TESTS_DIR = Path(__file__).resolve().parent

# PY2027's list deadline is 2026-10-31 (data migration: Oct 31 of PY-1), PY2028's 2027-10-31.
OPEN_DAY = "2026-06-01"  # before both deadlines: changes apply at once
LOCKED_DAY = "2026-12-01"  # PY2027 locked (changes become change requests); PY2028 still open


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Folders decide the markers: everything under tests/integration/ is ``integration`` and
    under tests/e2e/ is ``e2e``. Runs first so ``-m`` deselection sees the markers."""
    for item in items:
        parts = Path(str(item.path)).resolve().relative_to(TESTS_DIR).parts
        if parts and parts[0] == "integration":
            item.add_marker(pytest.mark.integration)
        elif parts and parts[0] == "e2e":
            item.add_marker(pytest.mark.e2e)


# --- the calendar ------------------------------------------------------------------------------


@pytest.fixture
def open_lists(settings: Settings) -> str:
    """Pin "today" before every list deadline: list changes apply at once."""
    settings.PORTAL_TODAY = OPEN_DAY
    return OPEN_DAY


@pytest.fixture
def locked_lists(settings: Settings) -> str:
    """Pin "today" after PY2027's deadline: PY2027 changes become change requests."""
    settings.PORTAL_TODAY = LOCKED_DAY
    return LOCKED_DAY


# --- ACOs and people ---------------------------------------------------------------------------


@pytest.fixture
def aco(db: None) -> ACO:
    return ACOFactory.create()


@pytest.fixture
def other_aco(db: None) -> ACO:
    return ACOFactory.create()


@pytest.fixture
def admin(aco: ACO) -> User:
    """The ACO's administrator: reads and writes its data."""
    return MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN, user__username="aco.admin").user


@pytest.fixture
def analyst(aco: ACO) -> User:
    """The ACO's read-only analyst."""
    return MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST, user__username="aco.analyst").user


@pytest.fixture
def outsider(other_aco: ACO) -> User:
    """Administrator of another ACO: must not learn that ``aco`` exists."""
    return MembershipFactory.create(aco=other_aco, role=Membership.Role.ADMIN, user__username="other.admin").user


@pytest.fixture
def cms_reviewer(db: None) -> User:
    user = CMSUserFactory.create(username="cms.reviewer", cms_role=User.CMSRole.REVIEWER)
    totp_device_for(user)
    return user


@pytest.fixture
def cms_admin(db: None) -> User:
    user = CMSUserFactory.create(username="cms.admin", cms_role=User.CMSRole.ADMIN, is_staff=True, is_superuser=True)
    totp_device_for(user)
    return user


@pytest.fixture
def plain_user(db: None) -> User:
    """Signed in, but in no ACO and not CMS staff."""
    return UserFactory.create(username="nobody")


# --- clients -----------------------------------------------------------------------------------


def login_verified(client: Client, user: User) -> Client:
    """Sign ``user`` in and pass the TOTP step through the real verify page, as a person would."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device_for(user)
    response = client.post("/accounts/verify/", {"token": totp_code(device), "next": "/"})
    assert response.status_code == 302, "TOTP verification failed in the test set-up"
    return client


@pytest.fixture
def client_for(db: None) -> Callable[[User | None], Client]:
    """A fresh Django test client signed in as the given user (CMS staff verified with TOTP);
    ``None`` gives an anonymous client."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is None:
            return client
        if user.requires_second_factor:
            return login_verified(client, user)
        client.force_login(user)
        return client

    return make
