"""The opt-outs page and API: list (access-logged), record, upload with row errors, revoke, by every
role."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.medicaid.models import DataSharingOptOut
from tests.factories import DUAL_FULL, DUAL_FULL_LATE

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]


@pytest.fixture(autouse=True)
def today(settings: Settings) -> None:
    settings.PORTAL_TODAY = "2027-06-01"


def page_url(aco: ACO, tail: str = "") -> str:
    return f"/acos/{aco.aco_id}/medicaid/opt-outs/{tail}?py=2027"


def api_url(aco: ACO, tail: str = "") -> str:
    return f"/api/acos/{aco.aco_id}/medicaid/opt-outs/{tail}"


def text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def optout(aco: ACO, admin: User) -> DataSharingOptOut:
    return DataSharingOptOut.objects.create(
        aco=aco, mbi=DUAL_FULL, declined_on=dt.date(2027, 3, 1), source="form", recorded_by=admin
    )


def csv_file(body: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("optouts.csv", body.encode(), content_type="text/csv")


# --- the page ------------------------------------------------------------------------------------


def test_the_admin_sees_the_list_and_the_forms(
    aco: ACO, admin: User, optout: DataSharingOptOut, client_for: Clients
) -> None:
    response = client_for(admin).get(page_url(aco))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Data-sharing opt-outs</h1>" in page and DUAL_FULL in page and "Open: not shared" in page
    assert 'id="optout-add"' in page and 'id="optout-upload"' in page and "Revoke" in page
    assert '<label class="ds-c-label" for="id_mbi">MBI</label>' in page
    log = AccessLog.objects.get(object_type="medicaid_optouts")
    assert (log.user, log.aco_code, log.action) == (admin, aco.aco_id, AccessLog.Action.VIEW)


def test_the_analyst_reads_without_forms(
    aco: ACO, analyst: User, optout: DataSharingOptOut, client_for: Clients
) -> None:
    page = text(client_for(analyst).get(page_url(aco)))
    assert DUAL_FULL in page
    assert 'id="optout-add"' not in page and 'id="optout-upload"' not in page and "/revoke/" not in page


def test_the_empty_state(aco: ACO, analyst: User, client_for: Clients) -> None:
    page = text(client_for(analyst).get(page_url(aco)))
    assert "No opt-outs recorded" in page and "An ACO administrator records" in page


def test_the_admin_records_one(aco: ACO, admin: User, client_for: Clients) -> None:
    client = client_for(admin)
    response = client.post(
        page_url(aco), {"action": "add", "mbi": DUAL_FULL.lower(), "declined_on": "2027-05-02", "source": "medicare"}
    )
    assert response.status_code == 302
    saved = DataSharingOptOut.objects.get()
    assert (saved.mbi, saved.declined_on, saved.source, saved.recorded_by) == (
        DUAL_FULL, dt.date(2027, 5, 2), "medicare", admin,
    )  # fmt: skip
    assert f"Opt-out recorded: MBI {DUAL_FULL}" in text(client.get(response["Location"]))


def test_a_refused_entry_shows_why(aco: ACO, admin: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    client = client_for(admin)
    response = client.post(
        page_url(aco), {"action": "add", "mbi": DUAL_FULL, "declined_on": "2027-05-02", "source": "form"}
    )
    assert response.status_code == 400
    assert "already has an open opt-out, declined on 2027-03-01" in text(response)
    response = client.post(
        page_url(aco), {"action": "add", "mbi": "NOPE", "declined_on": "2027-07-01", "source": "form"}
    )
    page = text(response)
    assert response.status_code == 400 and "Nothing was saved" in page
    assert "Is not an MBI" in page and "Is in the future" in page
    assert DataSharingOptOut.objects.count() == 1
    # The date left empty (the form refuses it) and the MBI checked all the same: every problem at once.
    response = client.post(page_url(aco), {"action": "add", "mbi": "NOPE", "declined_on": "", "source": "form"})
    page = text(response)
    assert "This field is required" in page and "Is not an MBI" in page


def test_an_upload_with_problems_lists_them_by_line(aco: ACO, admin: User, client_for: Clients) -> None:
    body = f"mbi,declined_on,source,note\n{DUAL_FULL},2027-05-01,form,\nBAD,2027-05-01,form,\n"
    response = client_for(admin).post(page_url(aco), {"action": "upload", "upload-file": csv_file(body)})
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was recorded: 1 problem in optouts.csv" in page
    assert re.search(r'<th scope="row">3</th><td>mbi</td><td class="portal-mono">BAD</td>', page)
    assert not DataSharingOptOut.objects.exists()


def test_an_upload_records_the_file(aco: ACO, admin: User, client_for: Clients) -> None:
    body = f"mbi,declined_on,source,note\n{DUAL_FULL},2027-05-01,form,\n{DUAL_FULL_LATE},2027-05-03,,\n"
    response = client_for(admin).post(page_url(aco), {"action": "upload", "upload-file": csv_file(body)})
    assert response.status_code == 302
    assert set(DataSharingOptOut.objects.values_list("mbi", flat=True)) == {DUAL_FULL, DUAL_FULL_LATE}


def test_the_admin_revokes(aco: ACO, admin: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    client = client_for(admin)
    response = client.post(page_url(aco, f"{optout.pk}/revoke/"))
    assert response.status_code == 302
    optout.refresh_from_db()
    assert optout.revoked_at is not None and optout.revoked_by == admin
    page = text(client.get(response["Location"]))
    assert "revoked: the beneficiary appears in shared lists again" in page and "Revoked" in page
    again = client.post(page_url(aco, f"{optout.pk}/revoke/"))  # twice: said, nothing changes
    assert again.status_code == 302 and "already revoked" in text(client.get(again["Location"]))


def test_revoke_takes_only_post(aco: ACO, admin: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    assert client_for(admin).get(page_url(aco, f"{optout.pk}/revoke/")).status_code == 405


@pytest.mark.parametrize("who", ["analyst", "cms_reviewer", "cms_admin"])
def test_readers_cannot_write(
    who: str, aco: ACO, optout: DataSharingOptOut, client_for: Clients, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(page_url(aco)).status_code == 200
    body = {"action": "add", "mbi": DUAL_FULL_LATE, "declined_on": "2027-05-02", "source": "form"}
    assert client.post(page_url(aco), body).status_code == 403
    assert client.post(page_url(aco), {"upload-file": csv_file("mbi,declined_on\n")}).status_code == 403
    assert client.post(page_url(aco, f"{optout.pk}/revoke/")).status_code == 403
    optout.refresh_from_db()
    assert optout.revoked_at is None and DataSharingOptOut.objects.count() == 1


def test_an_outsider_gets_404(aco: ACO, outsider: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    client = client_for(outsider)
    assert client.get(page_url(aco)).status_code == 404
    body = {"action": "add", "mbi": DUAL_FULL_LATE, "declined_on": "2027-05-02", "source": "form"}
    assert client.post(page_url(aco), body).status_code == 404
    assert client.post(page_url(aco, f"{optout.pk}/revoke/")).status_code == 404
    assert DataSharingOptOut.objects.count() == 1 and not AccessLog.objects.filter(object_type="medicaid_optouts")


def test_another_acos_opt_out_cannot_be_revoked_through_this_aco(
    aco: ACO, other_aco: ACO, admin: User, outsider: User, client_for: Clients
) -> None:
    theirs = DataSharingOptOut.objects.create(
        aco=other_aco, mbi=DUAL_FULL, declined_on=dt.date(2027, 3, 1), recorded_by=outsider
    )
    assert client_for(admin).post(page_url(aco, f"{theirs.pk}/revoke/")).status_code == 404
    assert client_for(admin).post(api_url(aco, f"{theirs.pk}/revoke/")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_anonymous_is_sent_to_sign_in(aco: ACO, client_for: Clients) -> None:
    response = client_for(None).get(page_url(aco))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the API -------------------------------------------------------------------------------------


def test_api_list_record_revoke(aco: ACO, admin: User, client_for: Clients) -> None:
    client = client_for(admin)
    created = client.post(
        api_url(aco),
        {"mbi": DUAL_FULL, "declined_on": "2027-05-02", "source": "form", "note": "signed"},
        "application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["mbi"], body["declined_on"], body["is_open"], body["recorded_by"]) == (
        DUAL_FULL, "2027-05-02", True, admin.username,
    )  # fmt: skip
    listed = client.get(api_url(aco)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert AccessLog.objects.filter(object_type="medicaid_optouts", action=AccessLog.Action.API).count() == 1
    revoked = client.post(api_url(aco, f"{body['id']}/revoke/"))
    assert revoked.status_code == 200 and revoked.json()["is_open"] is False
    assert client.get(api_url(aco) + "?status=open").json()["count"] == 0


def test_api_refusals_say_why(aco: ACO, admin: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    client = client_for(admin)
    duplicate = client.post(api_url(aco), {"mbi": DUAL_FULL, "declined_on": "2027-05-02"}, "application/json")
    assert duplicate.status_code == 400 and "already has an open opt-out" in duplicate.json()["mbi"][0]
    future = client.post(api_url(aco), {"mbi": DUAL_FULL_LATE, "declined_on": "2027-06-02"}, "application/json")
    assert future.status_code == 400 and "future" in future.json()["declined_on"][0]


def test_api_upload(aco: ACO, admin: User, client_for: Clients) -> None:
    client = client_for(admin)
    bad = client.post(api_url(aco, "upload/"), {"file": csv_file(f"mbi,declined_on\n{DUAL_FULL},2027-05-01\nBAD,x\n")})
    assert bad.status_code == 400
    assert [(e["line"], e["field"]) for e in bad.json()["errors"]] == [(3, "mbi"), (3, "declined_on")]
    assert not DataSharingOptOut.objects.exists()
    good = client.post(api_url(aco, "upload/"), {"file": csv_file(f"mbi,declined_on\n{DUAL_FULL},2027-05-01\n")})
    assert good.status_code == 201 and good.json()["added"] == 1


@pytest.mark.parametrize("who", ["analyst", "cms_reviewer"])
def test_api_readers_cannot_write(
    who: str, aco: ACO, optout: DataSharingOptOut, client_for: Clients, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(api_url(aco)).status_code == 200
    body = {"mbi": DUAL_FULL_LATE, "declined_on": "2027-05-02"}
    assert client.post(api_url(aco), body, "application/json").status_code == 403
    assert client.post(api_url(aco, "upload/"), {"file": csv_file("mbi,declined_on\n")}).status_code == 403
    assert client.post(api_url(aco, f"{optout.pk}/revoke/")).status_code == 403
    assert DataSharingOptOut.objects.filter(revoked_at__isnull=True).count() == 1


def test_api_outsider_and_anonymous(aco: ACO, outsider: User, optout: DataSharingOptOut, client_for: Clients) -> None:
    client = client_for(outsider)
    assert client.get(api_url(aco)).status_code == 404
    assert (
        client.post(api_url(aco), {"mbi": DUAL_FULL_LATE, "declined_on": "2027-05-02"}, "application/json").status_code
        == 404
    )
    assert client.post(api_url(aco, f"{optout.pk}/revoke/")).status_code == 404
    assert client_for(None).get(api_url(aco)).status_code in (401, 403)
