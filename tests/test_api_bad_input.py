"""Inputs the audit's fuzzing turned into 500s (issue 16, defect 3), each now a clear answer: a
carriage return inside a voluntary alignment's ``channel``, an object where a participant row wants
text, and ``OPTIONS`` on an ACO's elections for a year. For the ACO's admin, its analyst and an
outsider."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.acos.models import ACO, ParticipantTIN
from apps.claims.models import VoluntaryAlignment
from tests.factories import ElectionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

ROW = {"tin": "111000009", "legal_name": "Harbor Family Medicine", "practice_zip": "21201"}


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_carriage_return_inside_the_channel_is_a_row_error(aco: ACO, admin: User, settings: Settings) -> None:
    settings.PORTAL_TODAY = "2026-06-01"
    ParticipantFactory.create(aco=aco, tin="111000001")
    record = {"mbi": "1EG4TE5MK73", "tin": "111000001", "npi": "1234567893", "signed_date": "2026-05-01"}
    url = f"/api/acos/{aco.aco_id}/voluntary-alignments/?py=2027"
    response = api(admin).post(url, {**record, "channel": "sva\rform"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"line": 0, "field": "channel", "value": "sva\rform", "reason": "must be medicare_gov or sva_form"}]
    }
    assert not VoluntaryAlignment.objects.exists()
    # A line end around a good value is only white space.
    assert api(admin).post(url, {**record, "channel": "sva_form\r\n"}, format="json").status_code == 201


def test_an_unexpected_key_is_ignored_whatever_it_holds(aco: ACO, admin: User, open_lists: str) -> None:
    url = f"/api/acos/{aco.aco_id}/participants/?py=2027"
    response = api(admin).post(url, {**ROW, "extra": [{}]}, format="json")
    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["added"]) == (True, 1)
    row = ParticipantTIN.objects.get(aco=aco, tin="111000009")
    # The edit takes the row's own fields and leaves the rest, even the id sent back.
    edit = api(admin).patch(
        f"/api/acos/{aco.aco_id}/participants/{row.pk}/",
        {"id": 1, "legal_name": "Harbor Family Medicine, P.A.", "extra": [{}]},
        format="json",
    )
    assert edit.status_code == 200 and edit.json()["updated"] == 1


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        ({**ROW, "ccns": [{}]}, {"ccns": ["Must be text or a list of texts."]}),
        ({**ROW, "legal_name": {"x": 1}}, {"legal_name": ["Must be text, a number or true/false."]}),
        ({**ROW, "tin": [{}]}, {"tin": ["Must be text, a number or true/false."]}),
        ({**ROW, "legal_name": "Harbor\x00Clinic"}, {"legal_name": ["Null characters are not allowed."]}),
    ],
    ids=["object-in-ccns", "object-as-name", "list-as-tin", "nul-in-name"],
)
def test_a_value_of_the_wrong_shape_answers_400_with_its_field(
    aco: ACO, admin: User, open_lists: str, body: dict[str, object], answer: dict[str, list[str]]
) -> None:
    response = api(admin).post(f"/api/acos/{aco.aco_id}/participants/?py=2027", body, format="json")
    assert (response.status_code, response.json()) == (400, answer)
    assert not ParticipantTIN.objects.exists()


def test_options_on_a_years_elections_describes_the_put(aco: ACO, admin: User, analyst: User, outsider: User) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027)
    url = f"/api/acos/{aco.aco_id}/elections/2027/"
    for user in (admin, analyst):
        response = api(user).options(url)
        assert response.status_code == 200
        assert response.json()["name"] == "Election"
        assert set(response.json()["actions"]["PUT"]) >= {"risk_option", "alignment_approach", "capitation"}
    assert api(outsider).options(url).status_code == 404
    # A year without elections: still described, without the form of a PUT on nothing.
    other = api(admin).options(f"/api/acos/{aco.aco_id}/elections/2028/")
    assert other.status_code == 200 and "actions" not in other.json()
