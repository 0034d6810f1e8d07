"""The quality measure catalogue (docs/quality.md): the seeded PY2027–PY2029 tables, the decile table
checks, how each measure counts in a year (eCQM phases, docs/quality.md), and editing by CMS admins in
the administration pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import User
from apps.acos.models import ModelParameters
from apps.quality import selectors
from apps.quality.admin import MeasureDefinitionForm
from apps.quality.models import MeasureCode, MeasureDefinition, validate_deciles

ClientFor = Callable[[User | None], Client]

SEEDED_YEARS = (2027, 2028, 2029)
# docs/quality.md: ACR and UAMCC count bad events (lower is better), DAH counts good days and TFU met
# follow-ups (higher), the HbA1c eCQM counts poorly controlled patients (lower), the BP eCQM
# controlled ones (higher), CAHPS is a satisfaction score (higher).
DIRECTIONS = {
    "acr": "lower",
    "uamcc": "lower",
    "dah": "higher",
    "tfu": "higher",
    "cahps": "higher",
    "hba1c_poor_control": "lower",
    "bp_control": "higher",
}
SOURCES = {
    "acr": "claims",
    "uamcc": "claims",
    "dah": "claims",
    "tfu": "claims",
    "cahps": "survey",
    "hba1c_poor_control": "ecqm",
    "bp_control": "ecqm",
}


# --- the seeded catalogue ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_has_seven_measures_in_each_seeded_year() -> None:
    rows = list(MeasureDefinition.objects.values_list("performance_year", "code"))
    assert len(rows) == 3 * 7
    for year in SEEDED_YEARS:
        assert {code for py, code in rows if py == year} == set(MeasureCode.values) == set(DIRECTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("year", SEEDED_YEARS)
def test_every_seeded_decile_table_is_nine_ascending_cut_points(year: int) -> None:
    for measure in MeasureDefinition.objects.filter(performance_year=year):
        assert len(measure.deciles) == 9, measure
        assert all(a < b for a, b in zip(measure.deciles, measure.deciles[1:], strict=False)), measure
        validate_deciles(measure.deciles)
        measure.full_clean()  # the row passes the checks an admin's edit must pass
        assert measure.direction == DIRECTIONS[measure.code]
        assert measure.data_source == SOURCES[measure.code]
        assert measure.scored
        assert measure.benchmark_source


@pytest.mark.django_db
def test_the_seeded_tables_come_from_the_qpp_2025_benchmarks() -> None:
    """Spot checks against CMS QPP 2025 benchmarks/2025.json: the 50th percentile (5th cut point)
    of measure 236 (eCQM) is 68.735, of 001 (eCQM) 32.915, of 484 35.83; measure 479's 0.1507 is
    stored in percent, 15.07."""
    medians = {m.code: m.deciles[4] for m in MeasureDefinition.objects.filter(performance_year=2027)}
    assert medians["bp_control"] == 68.735
    assert medians["hba1c_poor_control"] == 32.915
    assert medians["uamcc"] == 35.83
    assert medians["acr"] == 15.07
    assert "236" in MeasureDefinition.objects.get(performance_year=2027, code="bp_control").benchmark_source
    assert "Assumption" in MeasureDefinition.objects.get(performance_year=2027, code="dah").benchmark_source


# --- decile table checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], "Give exactly 9 decile cut points."),
        (list(range(10)), "Give exactly 9 decile cut points."),
        ("1,2,3,4,5,6,7,8,9", "Give exactly 9 decile cut points."),
        ([1, 2, 3, "4", 5, 6, 7, 8, 9], "Cut point 4 (4) is not a number."),
        ([1, 2, 3, 4, 5, 6, 7, 8, True], "Cut point 9 (True) is not a number."),
        ([9, 8, 7, 6, 5, 4, 3, 2, 1], "The cut points must go up: cut point 2 (8) is not larger than cut point 1 (9)."),
        (
            [1, 2, 3, 4, 4, 6, 7, 8, 9],
            "The cut points must go up: cut point 5 (4) is not larger than cut point 4 (4).",
        ),
    ],
    ids=["eight", "ten", "not-a-list", "text", "boolean", "descending", "repeated"],
)
def test_a_bad_decile_table_is_refused_with_its_reason(value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_deciles(value)
    assert caught.value.messages == [message]


def test_a_good_decile_table_passes() -> None:
    validate_deciles([0, 0.5, 1, 2, 3.25, 10, 11, 12, 99.9])


@pytest.mark.django_db
def test_a_measure_keeps_its_own_data_source() -> None:
    measure = MeasureDefinition.objects.get(performance_year=2027, code="acr")
    measure.data_source = "ecqm"
    with pytest.raises(ValidationError) as caught:
        measure.full_clean()
    assert caught.value.message_dict == {"data_source": ["All-condition readmission (ACR) is computed from claims."]}


# --- how a measure counts in a year ------------------------------------------------------------


@pytest.mark.django_db
def test_ecqms_follow_the_phase_of_the_year_and_other_measures_are_scored() -> None:
    """The seeded model parameters: PY2027 and PY2028 optional, PY2029 pay for reporting (docs/quality.md);
    a CMS admin moving a year to pay for performance makes its eCQMs count."""
    catalogue = {(m.performance_year, m.code): m for m in selectors.measure_catalogue()}
    hba1c_2027, hba1c_2029 = catalogue[(2027, "hba1c_poor_control")], catalogue[(2029, "hba1c_poor_control")]
    assert selectors.ecqm_phase(performance_year=2027) == "optional"
    assert selectors.ecqm_phase(performance_year=2029) == "reporting"
    assert not hba1c_2027.counts_in_score("optional")
    assert not hba1c_2029.counts_in_score("reporting")
    assert hba1c_2029.counts_in_score("performance")
    assert catalogue[(2027, "cahps")].counts_in_score("optional")
    assert catalogue[(2027, "acr")].counts_in_score("optional")

    def label(code: str, year: int) -> str:
        m = catalogue[(year, code)]
        return selectors.measure_phase(
            data_source=m.data_source, scored=m.scored, phase=selectors.ecqm_phase(performance_year=year)
        )[1]

    assert label("bp_control", 2027) == "optional: not scored"
    assert label("bp_control", 2029) == "pay for reporting: reported counts"
    assert label("cahps", 2029) == "pay for performance: scored"
    ModelParameters.objects.filter(performance_year=2029).update(ecqm_phase="performance")
    assert label("bp_control", 2029) == "pay for performance: scored"


@pytest.mark.django_db
def test_an_unscored_measure_never_counts() -> None:
    cahps = MeasureDefinition.objects.get(performance_year=2027, code="cahps")
    cahps.scored = False
    assert not cahps.counts_in_score("performance")
    assert selectors.measure_phase(data_source="survey", scored=False, phase="performance") == (
        "not_scored",
        "not scored",
    )


@pytest.mark.django_db
def test_a_year_without_parameters_reads_as_optional() -> None:
    assert selectors.ecqm_phase(performance_year=2031) == "optional"
    assert selectors.ecqm_phases(years={2029, 2031}) == {2029: "reporting", 2031: "optional"}


# --- editing in the administration pages -------------------------------------------------------


def _admin_data(measure: MeasureDefinition, deciles: str) -> dict[str, str]:
    return {
        "performance_year": str(measure.performance_year),
        "code": measure.code,
        "name": measure.name,
        "description": measure.description,
        "direction": measure.direction,
        "data_source": measure.data_source,
        "unit": measure.unit,
        "deciles": deciles,
        "scored": "on",
        "benchmark_source": measure.benchmark_source,
    }


@pytest.mark.django_db
def test_the_admin_form_reads_nine_numbers_separated_by_commas() -> None:
    measure = MeasureDefinition.objects.get(performance_year=2028, code="tfu")
    form = MeasureDefinitionForm(_admin_data(measure, "55, 58, 60.5, 62.5, 64, 65.5, 67, 69, 72"), instance=measure)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["deciles"] == [55.0, 58.0, 60.5, 62.5, 64.0, 65.5, 67.0, 69.0, 72.0]
    # The stored table is shown as the same kind of text (the seeded PY2028 TFU table).
    unbound = MeasureDefinitionForm(instance=MeasureDefinition.objects.get(pk=measure.pk))
    assert 'value="56.0, 59.0, 61.5, 63.5, 65.0, 66.5, 68.0, 70.0, 73.0"' in str(unbound["deciles"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deciles", "message"),
    [
        ("1, 2, 3", "Give exactly 9 decile cut points."),
        ("1, 2, 3, four, 5, 6, 7, 8, 9", "Cut point 4 (four) is not a number."),
        (
            "9, 8, 7, 6, 5, 4, 3, 2, 1",
            "The cut points must go up: cut point 2 (8.0) is not larger than cut point 1 (9.0).",
        ),
        ("", "This field is required."),
    ],
    ids=["three", "word", "descending", "empty"],
)
def test_the_admin_form_refuses_a_bad_table(deciles: str, message: str) -> None:
    measure = MeasureDefinition.objects.get(performance_year=2028, code="tfu")
    form = MeasureDefinitionForm(_admin_data(measure, deciles), instance=measure)
    assert not form.is_valid()
    assert form.errors["deciles"] == [message]


@pytest.mark.django_db
def test_a_cms_admin_edits_a_decile_table_in_the_admin(cms_admin: User, client_for: ClientFor) -> None:
    client = client_for(cms_admin)
    measure = MeasureDefinition.objects.get(performance_year=2029, code="cahps")
    before = list(measure.deciles)
    url = f"/admin/quality/measuredefinition/{measure.pk}/change/"
    assert client.get(url).status_code == 200

    refused = client.post(url, _admin_data(measure, "80, 79, 81, 82, 83, 84, 85, 86, 87"))
    assert refused.status_code == 200  # the form again, with the error
    assert "The cut points must go up" in refused.content.decode()
    measure.refresh_from_db()
    assert measure.deciles == before

    saved = client.post(url, _admin_data(measure, "78, 79, 80, 81, 82, 83, 84, 85, 86"))
    assert saved.status_code == 302
    measure.refresh_from_db()
    assert measure.deciles == [78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0]
    # Other years keep their own tables.
    assert MeasureDefinition.objects.get(performance_year=2028, code="cahps").deciles == before


@pytest.mark.django_db
def test_submitted_results_are_read_only_in_the_admin(cms_admin: User, client_for: ClientFor) -> None:
    client = client_for(cms_admin)
    assert client.get("/admin/quality/qualitysubmission/").status_code == 200
    assert client.get("/admin/quality/qualitysubmission/add/").status_code == 403


@pytest.mark.django_db
def test_aco_people_cannot_open_the_admin(admin: User, client_for: ClientFor) -> None:
    response = client_for(admin).get("/admin/quality/measuredefinition/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
