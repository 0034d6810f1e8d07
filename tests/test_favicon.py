"""The portal's icon: every page links static/favicon.svg, and /favicon.ico (which browsers and tools
ask for on their own) answers with public/favicon.ico instead of a 404 on every page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ACO

ClientFor = Callable[[User | None], Client]


def test_favicon_ico_answers_with_an_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert body == (settings.BASE_DIR / "public" / "favicon.ico").read_bytes()


@pytest.mark.django_db
def test_pages_link_the_svg_icon(aco: ACO, admin: User, client_for: ClientFor, client: Client) -> None:
    for page, who in (("/accounts/login/", client), (f"/acos/{aco.aco_id}/", client_for(admin))):
        html = who.get(page).content.decode()
        link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
        assert link and link.group(1) == f"{settings.STATIC_URL}favicon.svg", page
    found = finders.find("favicon.svg")
    assert found and "<svg" in open(found, encoding="utf-8").read()  # noqa: PTH123
