"""Voluntary alignment pages and API, for the ACO's admin, its read-only analyst and an outsider
(the admin of another ACO). Rules themselves are tested in test_voluntary.py."""

from __future__ import annotations

import csv
import datetime
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, AlignmentApproach
from apps.claims.models import VoluntaryAlignment
from tests.factories import ACOFactory, ElectionFactory, ParticipantFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
MBI = "1EG4TE5MK73"
MBI_2 = "2AC3DE4FG55"
TIN = "111000001"
NPI = "1234567893"  # Luhn: 24 + 23 + 20 = 67 -> check digit 3
FORM = {"mbi": MBI, "tin": TIN, "npi": NPI, "signed_date": "2026-05-01", "channel": "sva_form"}


@pytest.fixture
def aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0101")


@pytest.fixture
def other_aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0102")


@pytest.fixture
def today(settings: Settings) -> str:
    settings.PORTAL_TODAY = "2026-06-01"
    return "2026-06-01"


@pytest.fixture
def tin(aco: ACO) -> str:
    ParticipantFactory.create(aco=aco, tin=TIN)
    return TIN


def url(name: str, aco: ACO, py: int = 2027) -> str:
    return f"{reverse(f'alignment:{name}', kwargs={'aco_id': aco.aco_id})}?py={py}"


def text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def store(aco: ACO, mbi: str = MBI, signed: datetime.date = datetime.date(2026, 3, 1)) -> VoluntaryAlignment:
    return VoluntaryAlignment.objects.create(
        mbi=mbi, aco=aco, tin=TIN, npi=NPI, signed_date=signed, channel="medicare_gov", source="cms.csv"
    )


def logs(action: str) -> list[tuple[str, str, str, str]]:
    return list(AccessLog.objects.filter(action=action).values_list("username", "object_type", "object_id", "aco_code"))


# --- the list page -----------------------------------------------------------------------------


def test_admin_sees_records_with_their_standing_and_the_buttons(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    store(aco)
    store(aco, MBI_2, datetime.date(2026, 11, 2))
    response = client_for(admin).get(url("voluntary", aco))
    page = text(response)
    assert response.status_code == 200
    assert "2 voluntary alignment records" in page
    assert MBI in page and MBI_2 in page
    assert "Counts" in page
    assert "Signed after 2026-10-31: counts from PY2028" in page  # MBI_2, Prospective (no election)
    assert url("voluntary_add", aco) in page and url("voluntary_upload", aco) in page
    assert logs("view") == [("aco.admin", "voluntary_alignments", "PY2027", "L0101")]


def test_hybrid_records_signed_during_the_year_show_their_first_day(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2027-06-01"
    ElectionFactory.create(aco=aco, performance_year=2027, alignment_approach=AlignmentApproach.HYBRID)
    store(aco, signed=datetime.date(2027, 3, 10))
    page = text(client_for(admin).get(url("voluntary", aco)))
    assert "This ACO uses the Hybrid approach in PY2027" in page
    assert "Counts from 2027-04-01" in page


def test_analyst_reads_the_list_without_buttons_and_outsider_gets_404(
    aco: ACO, analyst: User, outsider: User, client_for: ClientFor, tin: str, today: str
) -> None:
    store(aco)
    response = client_for(analyst).get(url("voluntary", aco))
    assert response.status_code == 200
    assert MBI in text(response)
    assert url("voluntary_add", aco) not in text(response) and url("voluntary_upload", aco) not in text(response)
    assert client_for(outsider).get(url("voluntary", aco)).status_code == 404
    assert [row[0] for row in logs("view")] == ["aco.analyst"]  # the outsider saw nothing


def test_empty_list_explains_voluntary_alignment(aco: ACO, admin: User, client_for: ClientFor, today: str) -> None:
    page = text(client_for(admin).get(url("voluntary", aco)))
    assert "No voluntary alignment records yet" in page
    assert "a beneficiary's own choice of primary clinician" in page


def test_search_by_mbi_answers_the_htmx_partial(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    store(aco)
    store(aco, MBI_2)
    response = client_for(admin).get(
        f"{url('voluntary', aco)}&q=2ac", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert [t.name for t in response.templates][0] == "alignment/voluntary_list_results.html"
    assert MBI_2 in text(response) and MBI not in text(response)
    assert AccessLog.objects.get().detail == "page 1, search '2ac'"


def test_the_list_is_paginated_on_the_server(aco: ACO, admin: User, client_for: ClientFor, tin: str) -> None:
    # 51 records, 50 a page: page 2 holds the 51st MBI in MBI order (…050).
    VoluntaryAlignment.objects.bulk_create(
        VoluntaryAlignment(mbi=f"1EG4TE5M{n:03d}", aco=aco, tin=TIN, npi=NPI, signed_date=datetime.date(2026, 1, 1))
        for n in range(51)
    )
    first = client_for(admin).get(url("voluntary", aco))
    assert len(first.context["rows"]) == 50 and "Page 1 of 2 (51 in all)" in text(first)
    second = client_for(admin).get(f"{url('voluntary', aco)}&page=2")
    assert [r.mbi for r, _ in second.context["rows"]] == ["1EG4TE5M050"]


def test_export_is_a_csv_with_the_standing_and_is_logged(
    aco: ACO, analyst: User, client_for: ClientFor, tin: str, today: str
) -> None:
    store(aco)
    response = client_for(analyst).get(url("voluntary_export", aco))
    assert response["Content-Disposition"] == 'attachment; filename="L0101_PY2027_voluntary_alignments.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "mbi", "aco_id", "tin", "npi", "signed_date", "channel", "source",
            "performance_year", "counts", "counts_from", "reasons",
        ],
        [MBI, "L0101", TIN, NPI, "2026-03-01", "medicare_gov", "cms.csv", "2027", "true", "2027-01-01", ""],
    ]  # fmt: skip
    assert logs("export") == [("aco.analyst", "voluntary_alignments", "PY2027", "L0101")]


def test_a_record_filed_for_another_aco_is_listed_without_naming_it(
    aco: ACO, other_aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    """A record filed for another ACO that designates one of our Participant TINs aligns the beneficiary
    to us, so it is in our list, page, CSV and API alike; which ACO it was filed for is that ACO's."""
    store(other_aco)
    page = text(client_for(admin).get(url("voluntary", aco)))
    export = client_for(admin).get(url("voluntary_export", aco)).content.decode()
    listed = api(admin).get(api_url(aco, "?py=2027")).json()["results"]
    assert MBI in page and MBI in export and [r["mbi"] for r in listed] == [MBI]
    assert "another ACO" in page and listed[0]["aco_id"] == "another ACO"
    assert listed[0]["status"]["notes"] == ["names another ACO, but designates this ACO's Participant TIN"]
    assert list(csv.reader(io.StringIO(export)))[1][:3] == [MBI, "another ACO", TIN]
    for body in (page, export, str(listed)):
        assert other_aco.aco_id not in body and other_aco.legal_name not in body


# --- adding one record --------------------------------------------------------------------------


def test_admin_adds_a_record(aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str) -> None:
    assert client_for(admin).get(url("voluntary_add", aco)).status_code == 200
    response = client_for(admin).post(url("voluntary_add", aco), FORM)
    assert (response.status_code, response["Location"]) == (302, url("voluntary", aco))
    assert messages_of(response) == [f"Voluntary alignment added: MBI {MBI} to TIN {TIN}, NPI {NPI}."]
    assert VoluntaryAlignment.objects.get().source == "aco.admin"


def test_field_errors_sit_next_to_their_fields_with_a_summary(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    response = client_for(admin).post(
        url("voluntary_add", aco), {**FORM, "npi": "1234567890", "signed_date": "2026-07-01"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "npi": ["Fails the NPI check digit (Luhn with prefix 80840)."],
        "signed_date": ["Is in the future (today is 2026-06-01)."],
    }
    page = text(response)
    assert 'id="error-summary"' in page
    assert '<a href="#id_npi">NPI: Fails the NPI check digit (Luhn with prefix 80840).</a>' in page
    assert 'id="id_npi_error"' in page and 'aria-invalid="true"' in page
    assert not VoluntaryAlignment.objects.exists()


def test_every_problem_shows_at_once_even_with_a_field_left_empty(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    # The form refuses the empty channel; the record's checks still judge the other fields.
    body = {k: v for k, v in FORM.items() if k != "channel"}
    response = client_for(admin).post(url("voluntary_add", aco), {**body, "mbi": "1SG4TE5MK73"})
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "mbi": ["Is not an MBI (11 characters in the CMS MBI format)."],
        "channel": ["This field is required."],
    }
    assert '<a href="#id_channel">How the beneficiary chose: This field is required.</a>' in text(response)


def test_a_duplicate_is_refused_in_the_summary(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    client_for(admin).post(url("voluntary_add", aco), FORM)
    response = client_for(admin).post(url("voluntary_add", aco), FORM)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The same MBI, TIN, NPI and signed date are already on file."
    ]
    assert VoluntaryAlignment.objects.count() == 1


def test_analyst_cannot_add_or_upload_and_outsider_gets_404(
    aco: ACO, analyst: User, outsider: User, client_for: ClientFor, tin: str, today: str
) -> None:
    for name in ("voluntary_add", "voluntary_upload"):
        assert client_for(analyst).get(url(name, aco)).status_code == 403
        assert client_for(outsider).get(url(name, aco)).status_code == 404
    assert client_for(analyst).post(url("voluntary_add", aco), FORM).status_code == 403
    assert client_for(outsider).post(url("voluntary_add", aco), FORM).status_code == 404
    assert client_for(analyst).post(url("voluntary_upload", aco), {"file": upload_file()}).status_code == 403
    assert client_for(outsider).post(url("voluntary_upload", aco), {"file": upload_file()}).status_code == 404
    assert not VoluntaryAlignment.objects.exists()


# --- uploading a file ---------------------------------------------------------------------------


def upload_file(*rows: str, name: str = "signed_forms.csv") -> SimpleUploadedFile:
    lines = ["mbi,aco_id,tin,npi,signed_date,channel", *(rows or [f"{MBI},,{TIN},{NPI},2026-05-01,sva_form"])]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def test_admin_uploads_a_file(aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str) -> None:
    response = client_for(admin).post(url("voluntary_upload", aco), {"file": upload_file()})
    assert (response.status_code, response["Location"]) == (302, url("voluntary", aco))
    assert messages_of(response) == ["1 voluntary alignment record added from signed_forms.csv."]
    assert VoluntaryAlignment.objects.get().source == "signed_forms.csv"


def test_a_bad_file_shows_its_problems_and_adds_nothing(
    aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str
) -> None:
    bad = upload_file(f"{MBI},,{TIN},{NPI},2026-05-01,sva_form", f"{MBI_2},L0102,{TIN},{NPI},2026-05-01,fax")
    response = client_for(admin).post(url("voluntary_upload", aco), {"file": bad})
    assert response.status_code == 400
    assert [(e.line, e.field, e.reason) for e in response.context["row_errors"]] == [
        (3, "aco_id", "must be this ACO's id (L0101) or left blank"),
        (3, "channel", "must be medicare_gov or sva_form"),
    ]
    page = text(response)
    assert "Nothing was added: 2 problems in signed_forms.csv" in page
    assert '<table class="ds-c-table ds-c-table--compact" id="row-errors">' in page
    assert not VoluntaryAlignment.objects.exists()


def test_only_csv_files_are_taken(aco: ACO, admin: User, client_for: ClientFor, tin: str, today: str) -> None:
    response = client_for(admin).post(url("voluntary_upload", aco), {"file": upload_file(name="forms.xlsx")})
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["Upload a .csv file."]}


# --- the API ------------------------------------------------------------------------------------


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_url(aco: ACO, query: str = "") -> str:
    return reverse("api_voluntary_list", kwargs={"aco_id": aco.aco_id}) + query


def test_api_lists_records_filtered_by_mbi_with_their_standing_and_logs(
    aco: ACO, analyst: User, tin: str, today: str
) -> None:
    record = store(aco)
    store(aco, MBI_2)
    response = api(analyst).get(api_url(aco, f"?py=2027&mbi={MBI.lower()}"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": record.pk,
            "mbi": MBI,
            "aco_id": "L0101",
            "tin": TIN,
            "npi": NPI,
            "signed_date": "2026-03-01",
            "channel": "medicare_gov",
            "source": "cms.csv",
            "created_at": response.json()["results"][0]["created_at"],
            "status": {
                "counts": True,
                "summary": "Counts",
                "counts_from": "2027-01-01",
                "reasons": [],
                "notes": [],
            },
        }
    ]
    assert logs("api") == [("aco.analyst", "voluntary_alignments", "PY2027", "L0101")]


def test_api_admin_creates_with_the_service_rules(aco: ACO, admin: User, tin: str, today: str) -> None:
    created = api(admin).post(api_url(aco, "?py=2027"), FORM, format="json")
    assert created.status_code == 201
    assert (created.json()["mbi"], created.json()["source"], created.json()["status"]["counts"]) == (
        MBI,
        "aco.admin",
        True,
    )
    again = api(admin).post(api_url(aco, "?py=2027"), {**FORM, "tin": "111000002"}, format="json")
    assert again.status_code == 400
    assert again.json() == {
        "errors": [
            {
                "line": 0,
                "field": "tin",
                "value": "111000002",
                "reason": "is not one of this ACO's Participant TINs for PY2027",
            }
        ]
    }
    assert VoluntaryAlignment.objects.count() == 1


def test_api_analyst_is_refused_create_and_outsider_gets_404(
    aco: ACO, analyst: User, outsider: User, tin: str, today: str
) -> None:
    assert api(analyst).post(api_url(aco), FORM, format="json").status_code == 403
    assert api(outsider).get(api_url(aco)).status_code == 404
    assert api(outsider).post(api_url(aco), FORM, format="json").status_code == 404
    assert not VoluntaryAlignment.objects.exists()
    assert not AccessLog.objects.exists()
