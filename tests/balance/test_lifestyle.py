"""Lifestyle programmes (issue 21): enrolments and sessions per beneficiary, one at a time or by CSV
(all or nothing, each problem with its line, field and value), the Chronic Disease Prevention Reward only
under an approved BEI plan, the participation summary other GLP-1 pages show beside adherence, and the
pages and API by every role (admin writes, analyst and CMS read, outsider 404)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO
from apps.alignment.models import AlignmentRun
from apps.balance import lifestyle, selectors_lifestyle
from apps.balance.models import LifestyleEnrolment, LifestyleSession
from apps.claims.models import MBIMap
from tests.benefits.builders import approved_plan, submitted_plan
from tests.factories import aligned, alignment_run

pytestmark = pytest.mark.django_db

Clients = Callable[[User | None], Client]
TODAY = "2027-06-30"
ADA = "1EG4TE5MK71"  # aligned to the ACO
BEA = "1EG4TE5MK72"  # aligned to the ACO
OTHERS = "3EG4TE5MK76"  # aligned to the other ACO
OLD_ADA = "9EG4TE5MK79"  # an earlier MBI of ADA (CCLF9 crosswalk)
NOBODY = "1EG4TE5MK73"  # a well-formed MBI aligned to no one
CDP = "chronic_disease_prevention_reward"


@pytest.fixture(autouse=True)
def today(settings: Settings) -> None:
    settings.PORTAL_TODAY = TODAY


@pytest.fixture
def run(aco: ACO, other_aco: ACO) -> AlignmentRun:
    """PY2027's latest alignment: ADA and BEA to ``aco``, OTHERS to ``other_aco``. An earlier run that
    aligned NOBODY shows only the latest run counts."""
    old = alignment_run(2027, finished_at=dt.datetime(2020, 1, 2, tzinfo=dt.UTC))
    aligned(old, aco, NOBODY)
    latest = alignment_run(2027)
    aligned(latest, aco, ADA)
    aligned(latest, aco, BEA)
    aligned(latest, other_aco, OTHERS)
    MBIMap.objects.create(mbi=OLD_ADA, current_mbi=ADA, hops=1)
    return latest


def enrol(
    aco: ACO, user: User, mbi: str = ADA, programme: str = "coaching", on: str = "2027-03-01"
) -> LifestyleEnrolment:
    return lifestyle.enrolment_create(
        aco=aco, acting_user=user, performance_year=2027, mbi=mbi, programme=programme, enrolled_on=on
    )


def messages_of(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(caught.value.message_dict[field])


def csv_file(body: str, name: str = "lifestyle.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def upload(aco: ACO, user: User, body: str) -> lifestyle.LifestyleUploadOutcome:
    return lifestyle.lifestyle_upload(aco=aco, acting_user=user, performance_year=2027, file=csv_file(body))


def text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


# --- enrolling ---------------------------------------------------------------------------------------


def test_the_admin_enrols_an_aligned_beneficiary(aco: ACO, admin: User, run: AlignmentRun) -> None:
    enrolment = enrol(aco, admin, mbi=ADA.lower(), programme="Manufacturer coaching")
    enrolment.refresh_from_db()
    assert (enrolment.mbi, enrolment.programme, enrolment.enrolled_on, enrolment.ended_on) == (
        ADA, "coaching", dt.date(2027, 3, 1), None,
    )  # fmt: skip
    assert enrolment.created_by == admin and enrolment.aco == aco


def test_an_earlier_mbi_is_resolved_to_the_current_one(aco: ACO, admin: User, run: AlignmentRun) -> None:
    assert enrol(aco, admin, mbi=OLD_ADA).mbi == ADA


@pytest.mark.parametrize("who", ["analyst", "outsider", "cms_reviewer", "cms_admin"])
def test_only_the_acos_admin_writes(
    who: str, aco: ACO, admin: User, run: AlignmentRun, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    enrolment = enrol(aco, admin)
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-08")
    with pytest.raises(PermissionDenied):
        enrol(aco, user, mbi=BEA)
    with pytest.raises(PermissionDenied):
        lifestyle.session_record(enrolment=enrolment, acting_user=user, session_date="2027-03-09")
    with pytest.raises(PermissionDenied):
        lifestyle.enrolment_end(enrolment=enrolment, acting_user=user, ended_on="2027-04-01")
    with pytest.raises(PermissionDenied):
        lifestyle.session_remove(session=session, acting_user=user)
    with pytest.raises(PermissionDenied):
        upload(aco, user, f"mbi,programme,enrolled_on\n{BEA},coaching,2027-03-01\n")
    with pytest.raises(PermissionDenied):
        lifestyle.lifestyle_record(
            aco=aco, acting_user=user, performance_year=2027, mbi=ADA, programme="coaching", session_date="2027-03-09"
        )
    assert LifestyleEnrolment.objects.count() == 1 and LifestyleSession.objects.count() == 1


@pytest.mark.parametrize(
    ("mbi", "programme", "on", "field", "words"),
    [
        (NOBODY, "coaching", "2027-03-01", "mbi", "not aligned to"),  # aligned only in an older run
        (OTHERS, "coaching", "2027-03-01", "mbi", "not aligned to"),  # the other ACO's beneficiary
        ("1EG4TE5MK7", "coaching", "2027-03-01", "mbi", "not an MBI"),
        ("", "coaching", "2027-03-01", "mbi", "required"),
        (ADA, "yoga", "2027-03-01", "programme", "not a programme"),
        (ADA, "coaching", "2027-07-01", "enrolled_on", "in the future"),
        (ADA, "coaching", "03/01/2027", "enrolled_on", "YYYY-MM-DD"),
        (ADA, "coaching", "", "enrolled_on", "required"),
    ],
)
def test_a_bad_enrolment_is_refused(
    aco: ACO, admin: User, run: AlignmentRun, mbi: str, programme: str, on: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin, mbi=mbi, programme=programme, on=on)
    assert words.lower() in messages_of(caught, field).lower()
    assert not LifestyleEnrolment.objects.exists()


def test_a_year_without_an_alignment_run_cannot_check_the_mbi(aco: ACO, admin: User) -> None:
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin)
    assert "PY2027 has no alignment run yet" in messages_of(caught, "mbi")


def test_one_enrolment_in_a_programme_at_a_time(aco: ACO, admin: User, run: AlignmentRun) -> None:
    first = enrol(aco, admin)
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin, on="2027-04-01")
    assert "Overlaps" in messages_of(caught, "enrolled_on") and "2027-03-01" in messages_of(caught, "enrolled_on")
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin)
    assert "already enrolled" in messages_of(caught, "enrolled_on")
    enrol(aco, admin, programme="nutrition")  # another programme: fine
    lifestyle.enrolment_end(enrolment=first, acting_user=admin, ended_on="2027-03-31")
    with pytest.raises(ValidationError):
        enrol(aco, admin, on="2027-03-31")  # the day it ended is still in it
    again = enrol(aco, admin, on="2027-04-01")
    assert again.enrolled_on == dt.date(2027, 4, 1)


# --- the Chronic Disease Prevention Reward -----------------------------------------------------------


def test_cdp_reward_needs_an_approved_plan(aco: ACO, admin: User, cms_reviewer: User, run: AlignmentRun) -> None:
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin, programme="cdp_reward")
    assert "has no implementation plan for this BEI in PY2027" in messages_of(caught, "programme")
    submitted_plan(aco, admin, code=CDP)
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin, programme="Chronic Disease Prevention Reward")
    assert "implementation plan for PY2027 is submitted, not approved" in messages_of(caught, "programme")
    assert not LifestyleEnrolment.objects.exists()


def test_cdp_reward_under_an_approved_plan(aco: ACO, admin: User, cms_reviewer: User, run: AlignmentRun) -> None:
    approved_plan(aco, admin, cms_reviewer, code=CDP)
    enrolment = enrol(aco, admin, programme="cdp_reward")
    assert enrolment.programme == "cdp_reward"
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-02", minutes=30)
    assert session.minutes == 30


def test_cdp_reward_is_per_performance_year(aco: ACO, admin: User, cms_reviewer: User, run: AlignmentRun) -> None:
    # Approved for PY2027 only: an enrolment dated in 2026 falls in a year without an approved plan.
    approved_plan(aco, admin, cms_reviewer, code=CDP)
    with pytest.raises(ValidationError) as caught:
        enrol(aco, admin, programme="cdp_reward", on="2026-12-01")
    assert "PY2026" in messages_of(caught, "programme")


# --- sessions and ending -----------------------------------------------------------------------------


def test_sessions_fall_within_the_enrolment(aco: ACO, admin: User, run: AlignmentRun) -> None:
    enrolment = enrol(aco, admin)
    lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-01", minutes="45")
    cases = [
        ("2027-02-28", "session_date", "before the enrolment, on 2027-03-01"),
        ("2027-07-01", "session_date", "in the future"),
        ("2027-03-01", "session_date", "Has a session recorded already"),
        ("2027-13-01", "session_date", "YYYY-MM-DD"),
        ("", "session_date", "required"),
    ]
    for day, field, words in cases:
        with pytest.raises(ValidationError) as caught:
            lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date=day)
        assert words in messages_of(caught, field), day
    with pytest.raises(ValidationError) as caught:
        lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-02", minutes="0")
    assert "from 1 to 600" in messages_of(caught, "minutes")
    assert LifestyleSession.objects.count() == 1


def test_ending_an_enrolment(aco: ACO, admin: User, run: AlignmentRun) -> None:
    enrolment = enrol(aco, admin)
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-04-10")
    for day, words in [
        ("2027-02-01", "before the enrolment"),
        ("2027-04-09", "before the last session recorded, on 2027-04-10"),
        ("2027-07-01", "in the future"),
    ]:
        with pytest.raises(ValidationError) as caught:
            lifestyle.enrolment_end(enrolment=enrolment, acting_user=admin, ended_on=day)
        assert words in messages_of(caught, "ended_on")
    lifestyle.session_remove(session=session, acting_user=admin)
    ended = lifestyle.enrolment_end(enrolment=enrolment, acting_user=admin, ended_on="2027-04-09")
    assert ended.ended_on == dt.date(2027, 4, 9)
    with pytest.raises(ValidationError) as caught:
        lifestyle.session_record(enrolment=ended, acting_user=admin, session_date="2027-04-10")
    assert "after the enrolment ended, on 2027-04-09" in messages_of(caught, "session_date")
    with pytest.raises(ValidationError, match="already ended"):
        lifestyle.enrolment_end(enrolment=ended, acting_user=admin, ended_on="2027-04-20")


def test_one_entry_enrols_and_records_a_session(aco: ACO, admin: User, run: AlignmentRun) -> None:
    entry = lifestyle.lifestyle_record(
        aco=aco, acting_user=admin, performance_year=2027, mbi=ADA, programme="nutrition",
        enrolled_on="2027-05-01", session_date="2027-05-03", minutes="60",
    )  # fmt: skip
    assert entry.enrolled and entry.session is not None and entry.session.minutes == 60
    # A session alone goes into the enrolment covering its date.
    entry = lifestyle.lifestyle_record(
        aco=aco, acting_user=admin, performance_year=2027, mbi=ADA, programme="nutrition", session_date="2027-05-10"
    )
    assert not entry.enrolled and entry.enrolment.enrolled_on == dt.date(2027, 5, 1)
    with pytest.raises(ValidationError) as caught:
        lifestyle.lifestyle_record(
            aco=aco, acting_user=admin, performance_year=2027, mbi=ADA, programme="coaching", session_date="2027-05-10"
        )
    assert "no enrolment in Manufacturer coaching covering this date" in messages_of(caught, "session_date")


# --- the CSV file ------------------------------------------------------------------------------------

BAD_CSV = (
    "mbi,programme,enrolled_on,session_date,minutes\n"
    f"{ADA},coaching,2027-03-01,2027-03-08,45\n"  # 2: fine on its own
    f"{NOBODY},coaching,2027-03-01,,\n"  # 3: aligned to no one in the latest run
    f"{BEA},yoga,2027-03-01,,\n"  # 4: no such programme
    f"{BEA},nutrition,2027-02-30,,\n"  # 5: no such day
    f"{BEA},coaching,2027-04-01,2027-03-15,30\n"  # 6: the session before its enrolment
    f"{BEA},cdp_reward,2027-04-01,,\n"  # 7: no approved plan for the BEI
    f"{ADA},coaching,2027-03-01,2027-03-08,\n"  # 8: the same session as line 2
)


def test_a_csv_with_bad_rows_writes_nothing_and_lists_every_problem(aco: ACO, admin: User, run: AlignmentRun) -> None:
    outcome = upload(aco, admin, BAD_CSV)
    found = [(e.line, e.field, e.value) for e in outcome.errors]
    assert found == [
        (3, "mbi", NOBODY),
        (4, "programme", "yoga"),
        (5, "enrolled_on", "2027-02-30"),
        (6, "session_date", "2027-03-15"),
        (7, "programme", "cdp_reward"),
        (8, "session_date", "2027-03-08"),
    ]
    reasons = {e.line: e.reason for e in outcome.errors}
    assert f"not aligned to {aco.aco_id}" in reasons[3] and "is not a programme" in reasons[4]
    assert "YYYY-MM-DD" in reasons[5] and "before the enrolment, on 2027-04-01" in reasons[6]
    assert "no implementation plan" in reasons[7] and "on line 2" in reasons[8]
    assert outcome.message == "Nothing was recorded: 6 problems found."
    assert not LifestyleEnrolment.objects.exists() and not LifestyleSession.objects.exists()


GOOD_CSV = (
    "MBI,Programme,Enrolled_On,Session_Date,Minutes\n"
    f"{ADA},coaching,2027-03-01,,\n"  # enrolment only
    f"{ADA},Manufacturer coaching,2027-03-01,2027-03-08,45\n"  # a session of that enrolment
    f"{ADA},coaching,,2027-03-15,\n"  # a session of the enrolment covering the date
    f"{OLD_ADA},Nutrition counselling,2027-04-02,2027-04-02,60\n"  # enrols and records at once (earlier MBI)
    f"{BEA},cdp_reward,2027-05-01,2027-05-02,20\n"  # the BEI under its approved plan
)


def test_a_good_csv_records_everything(aco: ACO, admin: User, cms_reviewer: User, run: AlignmentRun) -> None:
    approved_plan(aco, admin, cms_reviewer, code=CDP)
    outcome = upload(aco, admin, GOOD_CSV)
    assert outcome.errors == [] and (outcome.enrolments, outcome.sessions) == (3, 4)
    assert outcome.message == "3 enrolments and 4 sessions recorded."
    coaching = LifestyleEnrolment.objects.get(mbi=ADA, programme="coaching")
    assert [(s.session_date, s.minutes) for s in coaching.sessions.order_by("session_date")] == [
        (dt.date(2027, 3, 8), 45), (dt.date(2027, 3, 15), None),
    ]  # fmt: skip
    assert LifestyleEnrolment.objects.get(mbi=ADA, programme="nutrition").created_by == admin
    # The same file again: every row is already on file, nothing is added twice.
    again = upload(aco, admin, GOOD_CSV)
    assert again.errors and LifestyleSession.objects.count() == 4


def test_a_session_row_adds_to_an_enrolment_on_file(aco: ACO, admin: User, run: AlignmentRun) -> None:
    enrol(aco, admin)
    outcome = upload(
        aco, admin, f"mbi,programme,enrolled_on,session_date,minutes\n{ADA},coaching,2027-03-01,2027-03-20,30\n"
    )
    assert (outcome.enrolments, outcome.sessions) == (0, 1)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("mbi,date\nX,2027-01-01\n", "header", "must have the columns"),
        ("mbi,programme,enrolled_on,colour\nX,coaching,2027-01-01,red\n", "header", "unknown columns"),
        ("mbi,programme,enrolled_on,session_date,minutes\n", "file", "has no rows"),
    ],
)
def test_a_csv_of_the_wrong_shape(aco: ACO, admin: User, run: AlignmentRun, body: str, field: str, words: str) -> None:
    outcome = upload(aco, admin, body)
    assert [e.field for e in outcome.errors] == [field] and words in outcome.errors[0].reason


def test_a_csv_over_the_size_limit(aco: ACO, admin: User, run: AlignmentRun) -> None:
    body = "mbi,programme,enrolled_on\n" + "x" * (lifestyle.MAX_UPLOAD_BYTES + 1)
    outcome = upload(aco, admin, body)
    assert outcome.errors[0].field == "file" and "larger than 2 MB" in outcome.errors[0].reason


def test_the_template_is_the_upload_format() -> None:
    lines = lifestyle.template_csv().splitlines()
    assert lines[0] == "mbi,programme,enrolled_on,session_date,minutes" and len(lines) == 4


# --- the participation summary -----------------------------------------------------------------------


def test_participation_per_beneficiary(aco: ACO, admin: User, other_aco: ACO, run: AlignmentRun) -> None:
    coaching = enrol(aco, admin)
    lifestyle.session_record(enrolment=coaching, acting_user=admin, session_date="2027-03-08")
    lifestyle.session_record(enrolment=coaching, acting_user=admin, session_date="2027-04-01")
    nutrition = enrol(aco, admin, programme="nutrition", on="2027-05-01")
    lifestyle.session_record(enrolment=nutrition, acting_user=admin, session_date="2027-05-02")
    lifestyle.enrolment_end(enrolment=nutrition, acting_user=admin, ended_on="2027-05-02")
    enrol(aco, admin, mbi=BEA, programme="nutrition")
    LifestyleEnrolment.objects.create(aco=other_aco, mbi=ADA, programme="nutrition", enrolled_on=dt.date(2027, 1, 1))

    found = selectors_lifestyle.participation(aco=aco, mbis=[ADA, BEA, NOBODY])
    assert found == {
        ADA: {"programmes": ["coaching", "nutrition"], "sessions": 3, "last_session": dt.date(2027, 5, 2)},
        BEA: {"programmes": ["nutrition"], "sessions": 0, "last_session": None},
    }
    assert selectors_lifestyle.participation(aco=aco, mbis=[ADA], open_only=True)[ADA] == {
        "programmes": ["coaching"], "sessions": 2, "last_session": dt.date(2027, 4, 1),
    }  # fmt: skip
    assert selectors_lifestyle.participation(aco=aco, mbis=[]) == {}


def test_the_enrolment_list_counts_sessions(aco: ACO, admin: User, run: AlignmentRun) -> None:
    coaching = enrol(aco, admin)
    lifestyle.session_record(enrolment=coaching, acting_user=admin, session_date="2027-03-08")
    enrol(aco, admin, mbi=BEA, programme="nutrition")
    rows = {(e.mbi, e.programme): e for e in selectors_lifestyle.enrolment_list(aco=aco)}
    assert rows[(ADA, "coaching")].session_count == 1  # type: ignore[attr-defined]
    assert rows[(ADA, "coaching")].last_session == dt.date(2027, 3, 8)  # type: ignore[attr-defined]
    assert rows[(BEA, "nutrition")].session_count == 0  # type: ignore[attr-defined]
    assert [e.mbi for e in selectors_lifestyle.enrolment_list(aco=aco, programme="nutrition")] == [BEA]
    assert [e.mbi for e in selectors_lifestyle.enrolment_list(aco=aco, q=BEA.lower())] == [BEA]
    assert selectors_lifestyle.enrolment_counts(aco=aco)["all"] == 2


# --- the pages ---------------------------------------------------------------------------------------


def page_url(aco: ACO, tail: str = "") -> str:
    return f"/acos/{aco.aco_id}/glp1/lifestyle/{tail}?py=2027"


def test_the_admin_sees_the_list_and_the_forms(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    enrolment = enrol(aco, admin)
    response = client_for(admin).get(page_url(aco))
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Lifestyle programmes</h1>" in page and ADA in page and "Manufacturer coaching" in page
    assert 'id="lifestyle-add"' in page and 'id="lifestyle-upload"' in page and 'id="lifestyle-template"' in page
    assert '<th scope="col">Programme</th>' in page and "<caption" in page
    assert f"/glp1/lifestyle/{enrolment.pk}/" in page
    log = AccessLog.objects.get(object_type="glp1_lifestyle")
    assert (log.user, log.aco_code, log.action) == (admin, aco.aco_id, AccessLog.Action.VIEW)


def test_the_empty_state_and_the_filters(
    aco: ACO, admin: User, analyst: User, run: AlignmentRun, client_for: Clients
) -> None:
    page = text(client_for(analyst).get(page_url(aco)))
    assert "No lifestyle enrolments recorded" in page and "An ACO administrator records" in page
    enrol(aco, admin)
    client = client_for(analyst)
    assert "No enrolment matches" in text(client.get(page_url(aco) + "&programme=nutrition"))
    assert ADA in text(client.get(page_url(aco) + "&programme=coaching&q=1EG"))


@pytest.mark.parametrize("who", ["analyst", "cms_reviewer"])
def test_readers_see_without_forms_and_cannot_write(
    who: str, aco: ACO, admin: User, run: AlignmentRun, client_for: Clients, request: pytest.FixtureRequest
) -> None:
    enrolment = enrol(aco, admin)
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-08")
    client = client_for(request.getfixturevalue(who))
    page = text(client.get(page_url(aco)))
    assert ADA in page and 'id="lifestyle-add"' not in page and 'id="lifestyle-upload"' not in page
    detail = client.get(page_url(aco, f"{enrolment.pk}/"))
    assert detail.status_code == 200 and "8 Mar 2027" in text(detail)
    assert 'id="lifestyle-session-add"' not in text(detail) and "/remove/" not in text(detail)
    entry = {"mbi": BEA, "programme": "coaching", "enrolled_on": "2027-03-01"}
    assert client.post(page_url(aco), entry).status_code == 403
    assert client.post(page_url(aco, f"{enrolment.pk}/"), {"session_date": "2027-03-09"}).status_code == 403
    assert client.post(page_url(aco, f"{enrolment.pk}/end/"), {"end-ended_on": "2027-04-01"}).status_code == 403
    assert client.post(page_url(aco, f"{enrolment.pk}/sessions/{session.pk}/remove/")).status_code == 403
    assert LifestyleEnrolment.objects.count() == 1 and LifestyleSession.objects.count() == 1


def test_an_outsider_gets_404_everywhere(
    aco: ACO, admin: User, outsider: User, run: AlignmentRun, client_for: Clients
) -> None:
    enrolment = enrol(aco, admin)
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-08")
    client = client_for(outsider)
    for url in [page_url(aco), page_url(aco, "template.csv"), page_url(aco, f"{enrolment.pk}/")]:
        assert client.get(url).status_code == 404, url
    assert client.post(page_url(aco, f"{enrolment.pk}/sessions/{session.pk}/remove/")).status_code == 404
    # Their own ACO's URL with this ACO's enrolment: not found either.
    other = enrolment.pk
    assert (
        client.get(f"/acos/{outsider.memberships.get().aco.aco_id}/glp1/lifestyle/{other}/?py=2027").status_code == 404
    )
    assert not AccessLog.objects.filter(object_type__startswith="glp1_lifestyle", user=outsider).exists()


def test_the_admin_records_through_the_page(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    client = client_for(admin)
    response = client.post(
        page_url(aco),
        {
            "action": "add",
            "mbi": ADA,
            "programme": "coaching",
            "enrolled_on": "2027-03-01",
            "session_date": "2027-03-02",
        },
    )
    assert response.status_code == 302
    enrolment = LifestyleEnrolment.objects.get()
    detail = text(client.get(response["Location"]))
    assert "enrolled in Manufacturer coaching from 2027-03-01; session on 2027-03-02 recorded" in detail
    assert AccessLog.objects.filter(object_type="glp1_lifestyle_enrolment", object_id=str(enrolment.pk)).exists()
    assert (
        client.post(page_url(aco, f"{enrolment.pk}/"), {"session_date": "2027-03-09", "minutes": "30"}).status_code
        == 302
    )
    response = client.post(page_url(aco, f"{enrolment.pk}/"), {"session_date": "2027-02-01"})
    assert response.status_code == 400 and "Is before the enrolment, on 2027-03-01." in text(response)
    session = LifestyleSession.objects.get(session_date="2027-03-09")
    assert client.post(page_url(aco, f"{enrolment.pk}/sessions/{session.pk}/remove/")).status_code == 302
    assert client.post(page_url(aco, f"{enrolment.pk}/end/"), {"end-ended_on": "2027-03-05"}).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.ended_on == dt.date(2027, 3, 5) and enrolment.sessions.count() == 1


def test_a_refused_entry_shows_every_problem(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    response = client_for(admin).post(
        page_url(aco), {"action": "add", "mbi": NOBODY, "programme": "", "enrolled_on": "2027-09-01"}
    )
    page = text(response)
    assert response.status_code == 400 and "Nothing was saved" in page
    assert "not aligned to" in page and "Is in the future" in page and "This field is required" in page
    assert not LifestyleEnrolment.objects.exists()


def test_an_upload_with_problems_lists_them_by_line(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Clients
) -> None:
    response = client_for(admin).post(page_url(aco), {"action": "upload", "upload-file": csv_file(BAD_CSV)})
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was recorded: 6 problems in lifestyle.csv" in page and 'id="row-errors"' in page
    assert '<th scope="row">6</th><td>session_date</td><td class="portal-mono">2027-03-15</td>' in page
    assert not LifestyleEnrolment.objects.exists()


def test_a_good_upload_through_the_page(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    body = f"mbi,programme,enrolled_on,session_date,minutes\n{ADA},coaching,2027-03-01,2027-03-08,45\n"
    client = client_for(admin)
    response = client.post(page_url(aco), {"action": "upload", "upload-file": csv_file(body)})
    assert response.status_code == 302
    assert "1 enrolment and 1 session recorded from lifestyle.csv" in text(client.get(response["Location"]))


def test_the_template_download(aco: ACO, analyst: User, client_for: Clients) -> None:
    response = client_for(analyst).get(page_url(aco, "template.csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="lifestyle-template.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == "mbi,programme,enrolled_on,session_date,minutes"


def test_the_enrolment_page_shows_sessions(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    enrolment = enrol(aco, admin)
    lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-08", minutes=45)
    enrol(aco, admin, programme="nutrition", on="2027-04-01")
    page = text(client_for(admin).get(page_url(aco, f"{enrolment.pk}/")))
    assert 'id="lifestyle-sessions"' in page and "8 Mar 2027" in page and "45" in page
    assert "Other enrolments of" in page and "Nutrition counselling from 1 Apr 2027" in page
    assert "No GLP-1 figures" in page and 'id="lifestyle-end"' in page


# --- the API -----------------------------------------------------------------------------------------


def api_url(aco: ACO, tail: str = "") -> str:
    return f"/api/acos/{aco.aco_id}/glp1/lifestyle/enrolments/{tail}"


def test_the_api_enrols_lists_and_records_sessions(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Clients
) -> None:
    client = client_for(admin)
    response = client.post(
        api_url(aco) + "?py=2027",
        {"mbi": ADA, "programme": "coaching", "enrolled_on": "2027-03-01"},
        "application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["mbi"], body["programme"], body["programme_label"], body["session_count"]) == (
        ADA, "coaching", "Manufacturer coaching", 0,
    )  # fmt: skip
    pk = body["id"]
    response = client.post(
        api_url(aco, f"{pk}/sessions/"), {"session_date": "2027-03-05", "minutes": "40"}, "application/json"
    )
    assert response.status_code == 201 and response.json()["minutes"] == 40
    session_id = response.json()["id"]
    listed = client.get(api_url(aco)).json()
    assert listed["count"] == 1 and listed["results"][0]["last_session"] == "2027-03-05"
    detail = client.get(api_url(aco, f"{pk}/")).json()
    assert [s["session_date"] for s in detail["sessions"]] == ["2027-03-05"]
    assert client.get(api_url(aco, f"{pk}/sessions/")).json()[0]["id"] == session_id
    assert AccessLog.objects.filter(object_type="glp1_lifestyle", action=AccessLog.Action.API).exists()
    response = client.post(api_url(aco, f"{pk}/sessions/"), {"session_date": "2027-02-01"}, "application/json")
    assert response.status_code == 400 and "before the enrolment" in response.json()["session_date"][0]
    assert client.delete(api_url(aco, f"{pk}/sessions/{session_id}/")).status_code == 204
    response = client.post(api_url(aco, f"{pk}/end/"), {"ended_on": "2027-03-31"}, "application/json")
    assert response.status_code == 200 and response.json()["ended_on"] == "2027-03-31"


def test_the_api_refuses_a_cdp_reward_without_an_approved_plan(
    aco: ACO, admin: User, run: AlignmentRun, client_for: Clients
) -> None:
    response = client_for(admin).post(
        api_url(aco), {"mbi": ADA, "programme": "cdp_reward", "enrolled_on": "2027-03-01"}, "application/json"
    )
    assert response.status_code == 400 and "no implementation plan" in response.json()["programme"][0]


def test_the_api_upload(aco: ACO, admin: User, run: AlignmentRun, client_for: Clients) -> None:
    client = client_for(admin)
    response = client.post(api_url(aco, "upload/") + "?py=2027", {"file": csv_file(BAD_CSV)})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "line": 3, "field": "mbi", "value": NOBODY, "reason": response.json()["errors"][0]["reason"],
    }  # fmt: skip
    body = f"mbi,programme,enrolled_on,session_date,minutes\n{ADA},coaching,2027-03-01,2027-03-08,45\n"
    response = client.post(api_url(aco, "upload/"), {"file": csv_file(body)})
    assert response.status_code == 201 and response.json()["enrolments"] == 1 and response.json()["sessions"] == 1


@pytest.mark.parametrize("who", ["analyst", "cms_reviewer"])
def test_api_readers_cannot_write(
    who: str, aco: ACO, admin: User, run: AlignmentRun, client_for: Clients, request: pytest.FixtureRequest
) -> None:
    enrolment = enrol(aco, admin)
    session = lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date="2027-03-08")
    client = client_for(request.getfixturevalue(who))
    assert client.get(api_url(aco)).status_code == 200
    assert client.get(api_url(aco, f"{enrolment.pk}/")).status_code == 200
    entry = {"mbi": BEA, "programme": "coaching", "enrolled_on": "2027-03-01"}
    assert client.post(api_url(aco), entry, "application/json").status_code == 403
    assert client.post(api_url(aco, f"{enrolment.pk}/sessions/"), {"session_date": "2027-03-09"}).status_code == 403
    assert client.post(api_url(aco, f"{enrolment.pk}/end/"), {"ended_on": "2027-03-09"}).status_code == 403
    assert client.delete(api_url(aco, f"{enrolment.pk}/sessions/{session.pk}/")).status_code == 403
    assert client.post(api_url(aco, "upload/"), {"file": csv_file("mbi,programme,enrolled_on\n")}).status_code == 403
    assert LifestyleEnrolment.objects.count() == 1 and LifestyleSession.objects.count() == 1


def test_api_outsider_gets_404(aco: ACO, admin: User, outsider: User, run: AlignmentRun, client_for: Clients) -> None:
    enrolment = enrol(aco, admin)
    client = client_for(outsider)
    for url in [api_url(aco), api_url(aco, f"{enrolment.pk}/"), api_url(aco, f"{enrolment.pk}/sessions/")]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(api_url(aco), {"mbi": ADA, "programme": "coaching", "enrolled_on": "2027-03-01"}).status_code == 404
    )
    own = outsider.memberships.get().aco.aco_id
    assert client.get(f"/api/acos/{own}/glp1/lifestyle/enrolments/{enrolment.pk}/").status_code == 404
