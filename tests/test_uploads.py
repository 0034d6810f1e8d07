"""Every CSV the portal reads goes through one reader with limits (issue 16, defects 3 and 4): a cell
over the csv module's 131,072 characters, a NUL, bad bytes, a file that is not text, a file too large.
Each answer is a row error (file, line, field, the value shortened, the reason) or a size message,
nothing is loaded, and nothing answers 500.

The reader on its own first, then each place a person hands the portal a CSV: the list pages and API
(participants, preferred providers), voluntary alignments, quality submissions, Medicaid opt-outs
and the dataset bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO, ParticipantTIN, PreferredProvider
from apps.claims.bundle import dataset_load
from apps.claims.models import VoluntaryAlignment
from apps.medicaid.models import DataSharingOptOut
from apps.quality.models import QualitySubmission
from lead_portal.uploads import MAX_CELL_CHARS, FileTooLarge, RowError, read_csv, upload_bytes
from tests.factories import ParticipantFactory

ClientFor = Callable[[User | None], Client]

P_HEADER = "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco"
PP_HEADER = "aco_id,performance_year,tin,npi,name,specialty_code,capitation"
VA_HEADER = "mbi,aco_id,tin,npi,signed_date,channel"
Q_HEADER = "aco_id,performance_year,measure,numerator,denominator,score"
NPI = "1234567893"  # passes the Luhn check
HUGE = "A" * 131_073  # one more than the csv module's own field limit
HUGE_SHOWN = "A" * 40 + "…"
TOO_LONG = f"is longer than {MAX_CELL_CHARS:,} characters"
NUL = "contains a NUL character (byte 0)"


def api_client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


# --- the reader ----------------------------------------------------------------------------------


def test_a_cell_over_the_csv_modules_limit_is_a_row_error_with_its_field() -> None:
    read = read_csv(f"a,b\n1,2\n3,{HUGE}\n".encode(), name="f.csv", columns=["a", "b"])
    assert read.errors == [RowError(3, "b", HUGE_SHOWN, TOO_LONG)]
    assert read.records == []


def test_a_nul_bad_bytes_and_control_characters_are_named_and_shown_readably() -> None:
    data = b"a,b\nHarbor\x00Clinic,ok\nx,caf\xe9\n"
    read = read_csv(data, name="f.csv")
    assert read.errors == [
        RowError(2, "a", "Harbor\\x00Clinic", NUL),
        RowError(3, "b", "caf\ufffd", "is not UTF-8 text (byte 0xE9): save the file as UTF-8"),
    ]


def test_line_ends_of_every_kind_and_quoted_line_breaks_read_as_records() -> None:
    read = read_csv(b'a,b\r1,"x\ry"\r\n2,z\n', name="f.csv")
    assert read.errors == []
    assert [(r.line, r.values) for r in read.records] == [(3, {"a": "1", "b": "x\ry"}), (4, {"a": "2", "b": "z"})]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PK\x03\x04rest of a workbook", "a zip file (an Excel workbook?)"),
        ("a,b\n".encode("utf-16"), "UTF-16 text"),
    ],
)
def test_a_file_that_is_not_text_is_refused_as_a_whole(data: bytes, kind: str) -> None:
    read = read_csv(data, name="list.csv")
    assert read.errors == [RowError(0, "file", "list.csv", f"is {kind}, not a CSV file: save it as CSV UTF-8")]


def test_a_binary_file_gives_a_hundred_errors_and_a_last_word() -> None:
    read = read_csv(b"a\n" + b"\x00\n" * 500, name="f.csv")
    assert len(read.errors) == 101
    assert read.errors[-1] == RowError(
        0, "file", "f.csv", "has more problems than these 100: is it a CSV file in UTF-8?"
    )


def test_the_size_is_checked_before_anything_is_read() -> None:
    class Declared:
        size = 223 * 1024 * 1024
        name = "big.csv"

        def read(self, n: int = -1) -> bytes:
            raise AssertionError("read a file already known to be too large")

    with pytest.raises(FileTooLarge) as exc:
        upload_bytes(Declared())
    assert exc.value.message_text == "The file is larger than 5 MB (it is 223.0 MB)."


# --- participants and preferred providers: the page and the API -----------------------------------


@pytest.mark.django_db
def test_the_list_page_reports_an_overlong_cell_and_loads_nothing(
    aco: ACO, admin: User, client_for: ClientFor, open_lists: str
) -> None:
    body = f"{P_HEADER}\n{aco.aco_id},2027,111000001,{HUGE},,21201,,false\n"
    response = client_for(admin).post(
        f"/acos/{aco.aco_id}/participants/upload/?py=2027", {"file": upload("participants.csv", body)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "legal_name" in page and TOO_LONG in page
    assert not ParticipantTIN.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("list_type", "header", "row", "expected"),
    [
        ("participants", P_HEADER, f"111000001,{HUGE},,21201,,false", (2, "legal_name", HUGE_SHOWN, TOO_LONG)),
        (
            "participants",
            P_HEADER,
            "111000001,Harbor\x00Clinic,,21201,,false",
            (2, "legal_name", "Harbor\\x00Clinic", NUL),
        ),
        ("preferred-providers", PP_HEADER, f"111000001,{NPI},{HUGE},11,none", (2, "name", HUGE_SHOWN, TOO_LONG)),
    ],
    ids=["participant-long-cell", "participant-nul", "preferred-long-cell"],
)
def test_the_list_api_reports_the_cell_and_loads_nothing(
    aco: ACO, admin: User, open_lists: str, list_type: str, header: str, row: str, expected: tuple[Any, ...]
) -> None:
    body = f"{header}\n{aco.aco_id},2027,{row}\n"
    response = api_client(admin).post(
        f"/api/acos/{aco.aco_id}/{list_type}/upload/", {"file": upload("list.csv", body), "performance_year": 2027}
    )
    assert response.status_code == 400
    line, field, value, reason = expected
    assert response.json()["errors"] == [{"line": line, "field": field, "value": value, "reason": reason}]
    assert not ParticipantTIN.objects.exists() and not PreferredProvider.objects.exists()


@pytest.mark.django_db
def test_the_list_api_refuses_a_file_over_5_mb_as_the_page_does(
    aco: ACO, admin: User, open_lists: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a file over the limit reached the list service")

    monkeypatch.setattr("apps.acos.services.list_upload", never)
    row = f"{aco.aco_id},2027,111000001,Harbor Family Medicine,,21201,,false\n"
    body = P_HEADER + "\n" + row * (6 * 1024 * 1024 // len(row))  # 6 MB of good rows
    url = f"/api/acos/{aco.aco_id}/participants/upload/"
    response = api_client(admin).post(url, {"file": upload("big.csv", body), "performance_year": 2027})
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than 5 MB (it is 6.0 MB)."]}


@pytest.mark.django_db
def test_the_list_api_refuses_a_large_body_before_parsing_it(
    aco: ACO, admin: User, open_lists: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the body of a request over the limit was parsed")

    monkeypatch.setattr("rest_framework.parsers.MultiPartParser.parse", never)
    url = f"/api/acos/{aco.aco_id}/participants/upload/"
    response = api_client(admin).post(
        url, {"file": upload("big.csv", b"x" * (6 * 1024 * 1024)), "performance_year": 2027}
    )
    assert response.status_code == 400
    assert response.json()["file"][0].startswith("The file is larger than 5 MB (it is 6.0 MB")


# --- voluntary alignments, quality submissions, opt-outs -----------------------------------------


@pytest.mark.django_db
def test_a_voluntary_alignment_file_with_an_overlong_cell_is_reported(
    aco: ACO, admin: User, client_for: ClientFor, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2026-06-01"
    ParticipantFactory.create(aco=aco, tin="111000001")
    body = f"{VA_HEADER}\n1EG4TE5MK73,,111000001,{NPI},2026-05-01,{HUGE}\n"
    response = client_for(admin).post(
        f"/acos/{aco.aco_id}/voluntary/upload/?py=2027", {"file": upload("voluntary.csv", body)}
    )
    assert response.status_code == 400
    assert "channel" in response.content.decode() and TOO_LONG in response.content.decode()
    assert not VoluntaryAlignment.objects.exists()


@pytest.mark.django_db
def test_a_quality_file_with_an_overlong_cell_is_reported(aco: ACO, admin: User) -> None:
    body = f"{Q_HEADER}\n{aco.aco_id},2027,cahps,,,{HUGE}\n"
    response = api_client(admin).post(
        f"/api/acos/{aco.aco_id}/quality/submissions/?py=2027", {"file": upload("results.csv", body)}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 2, "field": "score", "value": HUGE_SHOWN, "reason": TOO_LONG}]
    assert not QualitySubmission.objects.exists()


@pytest.mark.django_db
def test_the_quality_api_refuses_a_file_over_1_mb_unread(aco: ACO, admin: User) -> None:
    body = Q_HEADER + "\n" + "#" * (2 * 1024 * 1024)
    response = api_client(admin).post(
        f"/api/acos/{aco.aco_id}/quality/submissions/?py=2027", {"file": upload("results.csv", body)}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["line"], error["field"], error["value"]) == (0, "file", "results.csv")
    assert error["reason"].startswith("is larger than 1 MB (it is 2.0 MB")


@pytest.mark.django_db
def test_an_opt_out_file_with_a_nul_is_reported_and_one_over_2_mb_refused(
    aco: ACO, admin: User, settings: Settings
) -> None:
    settings.PORTAL_TODAY = "2027-06-01"
    client = api_client(admin)
    url = f"/api/acos/{aco.aco_id}/medicaid/opt-outs/upload/"
    nul = client.post(url, {"file": upload("optouts.csv", "mbi,declined_on,note\n1EG4TE5MK73,2027-05-01,a\x00b\n")})
    assert nul.status_code == 400
    assert nul.json()["errors"] == [{"line": 2, "field": "note", "value": "a\\x00b", "reason": NUL}]
    big = client.post(url, {"file": upload("optouts.csv", "mbi,declined_on\n" + "#" * (3 * 1024 * 1024))})
    assert big.status_code == 400
    assert big.json()["errors"][0]["reason"].startswith("is larger than 2 MB (it is 3.0 MB")
    assert not DataSharingOptOut.objects.exists()


# --- the dataset bundle --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bundle_file_with_an_overlong_cell_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "acos.csv").write_text(
        "aco_id,legal_name,risk_option,alignment_approach,newly_entering,states\n"
        "L0901,Bundle ACO,global,prospective,false,MD\n"
    )
    (tmp_path / "participants.csv").write_text(f"{P_HEADER}\nL0901,2027,111000001,{HUGE},,21201,,false\n")
    outcome = dataset_load(folder=tmp_path, with_claims=False)
    assert outcome.errors == [("participants.csv", RowError(2, "legal_name", HUGE_SHOWN, TOO_LONG))]
    assert not ACO.objects.filter(aco_id="L0901").exists()
