"""CAHPS/eCQM result pages and API for the ACO's admin, its read-only analyst and an outsider (the
admin of another ACO), and the measure catalogue API. Row checks themselves are in test_uploads.py."""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO, ModelParameters
from apps.quality.models import QualitySubmission
from tests.factories import ACOFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
HEADER = "aco_id,performance_year,measure,numerator,denominator,score\n"
GOOD = HEADER + "L0101,2027,cahps,,,82.5\nL0101,2027,bp_control,70,100,\n"


@pytest.fixture
def aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0101")


@pytest.fixture
def other_aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0102")


def page(name: str, aco: ACO, py: int = 2027) -> str:
    return f"{reverse(f'quality:{name}', kwargs={'aco_id': aco.aco_id})}?py={py}"


def api(aco: ACO, py: int = 2027) -> str:
    return f"{reverse('api_quality_submissions', kwargs={'aco_id': aco.aco_id})}?py={py}"


def csv_file(text: str, name: str = "results.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def stored() -> list[tuple[Any, ...]]:
    return list(
        QualitySubmission.objects.order_by("pk").values_list("aco__aco_id", "measure", "score", "superseded_at")
    )


# --- the results page --------------------------------------------------------------------------


def test_the_admin_sees_the_years_results_with_their_phase_and_the_upload_link(
    aco: ACO, admin: User, client_for: ClientFor
) -> None:
    QualitySubmission.objects.create(
        aco=aco, performance_year=2027, measure="bp_control", numerator=70, denominator=100
    )
    response = client_for(admin).get(page("submissions", aco))
    assert response.status_code == 200
    body = text(response)
    assert "CAHPS and eCQM results, PY2027" in body
    # PY2027 eCQMs are optional (docs/quality.md); CAHPS is scored.
    assert body.count("Optional: not scored") == 2
    assert "Pay for performance: scored" in body
    assert "In PY2027 the eCQMs are <strong>optional: not scored</strong>" in body
    # 70 / 100 = 70.00%; HbA1c and CAHPS have no result yet.
    assert "<td>70.00</td>" in body
    assert body.count("No result yet") == 2
    assert page("submissions_upload", aco) in body


def test_the_page_says_how_ecqms_count_in_a_reporting_year(aco: ACO, admin: User, client_for: ClientFor) -> None:
    body = text(client_for(admin).get(page("submissions", aco, py=2029)))
    assert body.count("Pay for reporting: reported counts") == 2
    ModelParameters.objects.filter(performance_year=2029).update(ecqm_phase="performance")
    body = text(client_for(admin).get(page("submissions", aco, py=2029)))
    assert body.count("Pay for performance: scored") == 3


def test_the_analyst_reads_the_page_without_the_upload_link(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    response = client_for(analyst).get(page("submissions", aco))
    assert response.status_code == 200
    assert page("submissions_upload", aco) not in text(response)
    assert "An ACO administrator uploads them." in text(response)


def test_the_analyst_is_refused_the_upload_page_and_its_post(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    client = client_for(analyst)
    assert client.get(page("submissions_upload", aco)).status_code == 403
    assert client.post(page("submissions_upload", aco), {"file": csv_file(GOOD)}).status_code == 403
    assert stored() == []


@pytest.mark.parametrize("name", ["submissions", "submissions_upload"])
def test_an_outsider_gets_404_for_the_pages(name: str, aco: ACO, outsider: User, client_for: ClientFor) -> None:
    client = client_for(outsider)
    assert client.get(page(name, aco)).status_code == 404
    assert client.post(page(name, aco), {"file": csv_file(GOOD)}).status_code == 404
    assert stored() == []


def test_anonymous_visitors_are_sent_to_sign_in(aco: ACO) -> None:
    response = Client().get(page("submissions", aco))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- uploading on the page ---------------------------------------------------------------------


def test_a_good_upload_loads_and_returns_to_the_results(aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    assert client.get(page("submissions_upload", aco)).status_code == 200
    response = client.post(page("submissions_upload", aco), {"file": csv_file(GOOD, "march.csv")})
    assert response.status_code == 302
    assert response["Location"] == page("submissions", aco)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 results loaded (Controlling high blood pressure (<140/90), CAHPS for ACOs); "
        "earlier results are kept as history."
    ]
    assert stored() == [("L0101", "cahps", Decimal("82.500"), None), ("L0101", "bp_control", None, None)]

    # A second upload supersedes CAHPS; the page shows both versions with who, when and source.
    client.post(page("submissions_upload", aco), {"file": csv_file(HEADER + "L0101,2027,cahps,,,85\n", "april.csv")})
    body = text(client.get(page("submissions", aco)))
    assert body.count("Superseded ") == 1
    assert body.count(">Current</span>") == 2
    assert "april.csv" in body and "march.csv" in body
    assert admin.display_name in body
    assert "85.000" in body and "82.500" in body


def test_a_bad_upload_lists_every_problem_and_changes_nothing(aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    client.post(page("submissions_upload", aco), {"file": csv_file(GOOD)})
    before = stored()
    bad = HEADER + "L0101,2027,acr,5,50,\nL0102,2027,cahps,,,80\nL0101,2027,bp_control,120,100,\n"
    response = client.post(page("submissions_upload", aco), {"file": csv_file(bad, "bad.csv")})
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was changed: 3 problems in bad.csv" in body
    assert '<table class="ds-c-table ds-c-table--compact" id="row-errors">' in body
    for line, field, value, reason in [
        (2, "measure", "acr", "is computed by the portal from claims and cannot be uploaded"),
        (3, "aco_id", "L0102", "must be this ACO's id, L0101"),
        (4, "numerator", "120", "is larger than the denominator"),
    ]:
        assert (
            f'<th scope="row">{line}</th><td>{field}</td><td class="portal-mono">{value}</td><td>{reason}</td>' in body
        )
    assert stored() == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "This field is required."),
        ({"file": csv_file(GOOD, "results.txt")}, "Upload a .csv file."),
    ],
    ids=["no-file", "not-csv"],
)
def test_the_form_says_what_is_wrong(
    files: dict[str, Any], message: str, aco: ACO, admin: User, client_for: ClientFor
) -> None:
    response = client_for(admin).post(page("submissions_upload", aco), files)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved: correct the fields marked below." in body
    assert f'<p class="ds-c-inline-error" id="id_file_error" role="alert">{message}</p>' in body
    assert 'aria-invalid="true"' in body
    assert stored() == []


# --- the results API ---------------------------------------------------------------------------


def test_the_api_lists_current_and_superseded_results(
    aco: ACO, admin: User, analyst: User, client_for: ClientFor
) -> None:
    client = client_for(admin)
    assert client.post(api(aco), {"file": csv_file(GOOD, "march.csv")}).status_code == 201
    assert client.post(api(aco), {"file": csv_file(HEADER + "L0101,2027,cahps,,,85\n", "april.csv")}).status_code == 201
    for user in (admin, analyst):
        data = client_for(user).get(api(aco)).json()
        assert data["count"] == 3
        assert [(r["measure"], r["score"], r["current"], r["source"]) for r in data["results"]] == [
            ("cahps", "85.000", True, "april.csv"),
            ("bp_control", None, True, "march.csv"),
            ("cahps", "82.500", False, "march.csv"),
        ]
    row = client.get(api(aco)).json()["results"][1]
    # 70 / 100 -> 70.00
    assert row["rate"] == "70.00" and row["submitted_by"] == "aco.admin" and row["aco_id"] == "L0101"
    current = client.get(f"{api(aco)}&current=true").json()
    assert [r["measure"] for r in current["results"]] == ["cahps", "bp_control"]
    assert client.get(api(aco, py=2028)).json()["count"] == 0


def test_the_api_upload_answers_what_it_loaded(aco: ACO, admin: User, client_for: ClientFor) -> None:
    response = client_for(admin).post(api(aco), {"file": csv_file(GOOD)})
    assert response.status_code == 201
    data = response.json()
    assert data["loaded"] == 2
    assert [(s["measure"], s["current"]) for s in data["submissions"]] == [("bp_control", True), ("cahps", True)]


def test_the_api_upload_reports_row_errors_and_changes_nothing(aco: ACO, admin: User, client_for: ClientFor) -> None:
    bad = HEADER + "L0101,2028,cahps,,,80\nL0101,2027,cahps,,,\n"
    response = client_for(admin).post(api(aco), {"file": csv_file(bad)})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "line": 2,
                "field": "performance_year",
                "value": "2028",
                "reason": "must be 2027, the year of this upload",
            },
            {"line": 3, "field": "score", "value": "", "reason": "give numerator and denominator, or a score"},
        ],
        "message": "Nothing was changed: 2 problems in the file.",
    }
    assert stored() == []


def test_the_api_upload_takes_the_year_from_the_form(aco: ACO, admin: User, client_for: ClientFor) -> None:
    client = client_for(admin)
    text_2028 = GOOD.replace(",2027,", ",2028,")
    response = client.post(api(aco), {"file": csv_file(text_2028), "performance_year": "2028"})
    assert response.status_code == 201
    assert set(QualitySubmission.objects.values_list("performance_year", flat=True)) == {2028}
    refused = client.post(api(aco), {"file": csv_file(GOOD), "performance_year": "2035"})
    assert refused.status_code == 400
    assert refused.json() == {"performance_year": ["2035 is not a configured performance year."]}


def test_the_api_upload_needs_a_file(aco: ACO, admin: User, client_for: ClientFor) -> None:
    response = client_for(admin).post(api(aco), {})
    assert response.status_code == 400
    assert "file" in response.json()


def test_the_api_refuses_the_analyst_upload(aco: ACO, analyst: User, client_for: ClientFor) -> None:
    assert client_for(analyst).post(api(aco), {"file": csv_file(GOOD)}).status_code == 403
    assert stored() == []


def test_the_api_answers_an_outsider_404(aco: ACO, outsider: User, client_for: ClientFor) -> None:
    client = client_for(outsider)
    assert client.get(api(aco)).status_code == 404
    assert client.post(api(aco), {"file": csv_file(GOOD)}).status_code == 404
    assert stored() == []


def test_the_api_refuses_anonymous_callers(aco: ACO) -> None:
    assert Client().get(api(aco)).status_code in (401, 403)


# --- the catalogue API -------------------------------------------------------------------------


def test_any_signed_in_user_reads_the_catalogue(plain_user: User, client_for: ClientFor) -> None:
    client = client_for(plain_user)
    data = client.get(f"{reverse('api_quality_measures')}?performance_year=2029").json()
    assert data["count"] == 7
    by_code = {m["code"]: m for m in data["results"]}
    # PY2029: eCQMs are pay for reporting, so they do not count in the score; CAHPS and claims measures do.
    assert (by_code["bp_control"]["phase"], by_code["bp_control"]["counts_in_score"]) == ("reporting", False)
    assert by_code["bp_control"]["phase_label"] == "pay for reporting: reported counts"
    assert (by_code["cahps"]["phase"], by_code["cahps"]["counts_in_score"]) == ("performance", True)
    assert by_code["acr"]["counts_in_score"] is True
    assert by_code["uamcc"]["deciles"] == [27.49, 30.21, 32.16, 33.99, 35.83, 37.7, 39.98, 43.09, 47.58]
    assert by_code["uamcc"]["direction"] == "lower"
    assert client.get(reverse("api_quality_measures")).json()["count"] == 21  # 3 years x 7 measures
    assert client.get(f"{reverse('api_quality_measures')}?performance_year=2031").json()["count"] == 0


def test_the_catalogue_refuses_a_year_that_is_not_a_number(plain_user: User, client_for: ClientFor) -> None:
    response = client_for(plain_user).get(f"{reverse('api_quality_measures')}?performance_year=next")
    assert response.status_code == 400
    assert response.json() == {"performance_year": ["A performance year is a number, e.g. 2027."]}


def test_the_catalogue_refuses_anonymous_callers() -> None:
    assert Client().get(reverse("api_quality_measures")).status_code in (401, 403)
