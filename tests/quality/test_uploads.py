"""CAHPS/eCQM result uploads (docs/quality.md), service level: every rejection with its row message and
nothing changed, whole file or nothing, supersede with history, the role check, and agreement with
the dataset bundle's ``quality_submissions.csv`` (the generator's file loads through the bundle and,
one ACO's rows at a time, through the upload)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.acos.lists import RowError
from apps.acos.models import ACO
from apps.claims.bundle import dataset_load
from apps.claims.generator import Options, generate
from apps.quality import selectors
from apps.quality.models import QualitySubmission
from apps.quality.services import submissions_check, submissions_upload
from tests.factories import ACOFactory

pytestmark = pytest.mark.django_db

HEADER = "aco_id,performance_year,measure,numerator,denominator,score\n"
GOOD = HEADER + "L0101,2027,cahps,,,82.5\nL0101,2027,bp_control,70,100,\n"


@pytest.fixture
def aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0101")


@pytest.fixture
def other_aco(db: None) -> ACO:
    return ACOFactory.create(aco_id="L0102")


def upload(aco: ACO, user: User, text: str, py: int = 2027, filename: str = "results.csv") -> Any:
    return submissions_upload(aco=aco, performance_year=py, data=text.encode(), filename=filename, acting_user=user)


def stored() -> list[tuple[Any, ...]]:
    return list(
        QualitySubmission.objects.order_by("pk").values_list(
            "aco__aco_id", "performance_year", "measure", "numerator", "denominator", "score", "superseded_at"
        )
    )


# --- a good file -------------------------------------------------------------------------------


def test_a_good_file_loads_every_row_with_who_and_where(aco: ACO, admin: User) -> None:
    outcome = upload(aco, admin, GOOD)
    assert outcome.errors == []
    assert outcome.loaded == 2
    assert outcome.message == (
        "2 results loaded (Controlling high blood pressure (<140/90), CAHPS for ACOs); "
        "earlier results are kept as history."
    )
    rows = QualitySubmission.objects.order_by("measure")
    assert [(r.measure, r.numerator, r.denominator, r.score, r.source, r.submitted_by) for r in rows] == [
        ("bp_control", 70, 100, None, "results.csv", admin),
        ("cahps", None, None, Decimal("82.500"), "results.csv", admin),
    ]
    # 70 / 100 = 70.00%: the result of a row without a score is its rate.
    assert rows[0].rate == Decimal("70.00") and rows[0].result == Decimal("70.00")
    assert rows[1].rate is None and rows[1].result == Decimal("82.500")


def test_a_row_may_carry_both_counts_and_a_score_and_blank_lines_are_skipped(aco: ACO, admin: User) -> None:
    text = HEADER + "\nL0101,2027,hba1c_poor_control,12,80,15.00\n\n"
    outcome = upload(aco, admin, text)
    assert outcome.errors == []
    # 12 / 80 = 15.00%, as given.
    assert stored() == [("L0101", 2027, "hba1c_poor_control", 12, 80, Decimal("15.000"), None)]


def test_a_score_keeps_three_decimals(aco: ACO, admin: User) -> None:
    assert upload(aco, admin, HEADER + "L0101,2027,cahps,,,82.12351\n").errors == []
    assert QualitySubmission.objects.get().score == Decimal("82.124")


# --- rejections: each with its row message, nothing changed -------------------------------------

# (row or rows after the header, the problems reported)
REJECTIONS: dict[str, tuple[str, list[RowError]]] = {
    "unknown-measure": (
        "L0101,2027,hba1c,5,50,\n",
        [RowError(2, "measure", "hba1c", "must be cahps, hba1c_poor_control or bp_control")],
    ),
    "claims-measure": (
        "L0101,2027,acr,5,50,\n",
        [RowError(2, "measure", "acr", "is computed by the portal from claims and cannot be uploaded")],
    ),
    "claims-measure-uamcc": (
        "L0101,2027,uamcc,,,35\n",
        [RowError(2, "measure", "uamcc", "is computed by the portal from claims and cannot be uploaded")],
    ),
    "numerator-above-denominator": (
        "L0101,2027,bp_control,120,100,\n",
        [RowError(2, "numerator", "120", "is larger than the denominator")],
    ),
    "negative-numerator": (
        "L0101,2027,bp_control,-5,100,\n",
        [RowError(2, "numerator", "-5", "must not be negative")],
    ),
    "negative-denominator": (
        "L0101,2027,bp_control,5,-100,\n",
        [RowError(2, "denominator", "-100", "must not be negative")],
    ),
    "negative-score": (
        "L0101,2027,cahps,,,-1\n",
        [RowError(2, "score", "-1", "must be between 0 and 100")],
    ),
    "score-above-100": (
        "L0101,2027,cahps,,,100.5\n",
        [RowError(2, "score", "100.5", "must be between 0 and 100")],
    ),
    "no-counts-and-no-score": (
        "L0101,2027,cahps,,,\n",
        [RowError(2, "score", "", "give numerator and denominator, or a score")],
    ),
    "numerator-without-denominator": (
        "L0101,2027,bp_control,70,,\n",
        [RowError(2, "denominator", "", "is needed with a numerator")],
    ),
    "denominator-without-numerator": (
        "L0101,2027,bp_control,,100,70\n",
        [RowError(2, "numerator", "", "is needed with a denominator")],
    ),
    "zero-denominator": (
        "L0101,2027,bp_control,0,0,\n",
        [RowError(2, "denominator", "0", "must be more than 0")],
    ),
    "fractional-count": (
        "L0101,2027,bp_control,7.5,100,\n",
        [RowError(2, "numerator", "7.5", "is not a whole number")],
    ),
    "score-not-a-number": (
        "L0101,2027,cahps,,,high\n",
        [RowError(2, "score", "high", "is not a number")],
    ),
    "another-acos-row": (
        "L0102,2027,cahps,,,82.5\n",
        [RowError(2, "aco_id", "L0102", "must be this ACO's id, L0101")],
    ),
    "another-year": (
        "L0101,2028,cahps,,,82.5\n",
        [RowError(2, "performance_year", "2028", "must be 2027, the year of this upload")],
    ),
    "unconfigured-year": (
        "L0101,2035,cahps,,,82.5\n",
        [RowError(2, "performance_year", "2035", "must be 2027, the year of this upload")],
    ),
    "duplicate-measure": (
        "L0101,2027,cahps,,,82.5\nL0101,2027,bp_control,70,100,\nL0101,2027,cahps,,,84\n",
        [RowError(4, "measure", "cahps", "duplicate: already on line 2")],
    ),
    # One bad row spoils the file: the good row on line 2 is not loaded either.
    "good-row-then-bad-row": (
        "L0101,2027,cahps,,,82.5\nL0101,2027,bp_control,101,100,\n",
        [RowError(3, "numerator", "101", "is larger than the denominator")],
    ),
    "several-problems-in-one-row": (
        "L0102,2028,acr,-1,,\n",
        [
            RowError(2, "aco_id", "L0102", "must be this ACO's id, L0101"),
            RowError(2, "performance_year", "2028", "must be 2027, the year of this upload"),
            RowError(2, "measure", "acr", "is computed by the portal from claims and cannot be uploaded"),
            RowError(2, "numerator", "-1", "must not be negative"),
            RowError(2, "denominator", "", "is needed with a numerator"),
        ],
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS), ids=list(REJECTIONS))
def test_a_bad_row_is_reported_and_nothing_changes(case: str, aco: ACO, other_aco: ACO, admin: User) -> None:
    rows, expected = REJECTIONS[case]
    assert upload(aco, admin, GOOD).errors == []
    before = stored()
    outcome = upload(aco, admin, HEADER + rows)
    assert outcome.errors == expected
    assert outcome.loaded == 0
    assert outcome.message.startswith("Nothing was changed:")
    assert stored() == before


BAD_FILES: dict[str, tuple[bytes, RowError]] = {
    "missing-columns": (
        b"aco_id,measure,score\nL0101,cahps,80\n",
        RowError(1, "header", "aco_id,measure,score", "missing column(s): performance_year, numerator, denominator"),
    ),
    # é in Latin-1 is the byte 0xE9, in line 2's score: named with its line and column.
    "not-utf8": (
        (HEADER + "L0101,2027,cahps,,,8é\n").encode("latin-1"),
        RowError(2, "score", "8\ufffd", "is not UTF-8 text (byte 0xE9): save the file as UTF-8"),
    ),
    "no-rows": (HEADER.encode(), RowError(0, "file", "results.csv", "has no result rows")),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_file_is_reported_and_nothing_changes(case: str, aco: ACO, admin: User) -> None:
    data, expected = BAD_FILES[case]
    outcome = submissions_upload(aco=aco, performance_year=2027, data=data, filename="results.csv", acting_user=admin)
    assert outcome.errors == [expected]
    assert stored() == []


# --- supersede, with history -------------------------------------------------------------------


def test_a_new_upload_supersedes_the_current_result_and_keeps_history(aco: ACO, admin: User) -> None:
    assert upload(aco, admin, GOOD, filename="march.csv").errors == []
    first_cahps = QualitySubmission.objects.get(measure="cahps")
    assert upload(aco, admin, HEADER + "L0101,2027,cahps,,,85\n", filename="april.csv").errors == []

    first_cahps.refresh_from_db()
    assert first_cahps.superseded_at is not None
    current = QualitySubmission.objects.filter(superseded_at__isnull=True).order_by("measure")
    # bp_control was not in the second file: its March result stays current.
    assert [(s.measure, s.score, s.source) for s in current] == [
        ("bp_control", None, "march.csv"),
        ("cahps", Decimal("85.000"), "april.csv"),
    ]
    history = list(selectors.submissions_history(aco=aco, performance_year=2027))
    # Newest first, then by measure within one upload.
    assert [(s.measure, s.source, s.superseded_at is None) for s in history] == [
        ("cahps", "april.csv", True),
        ("bp_control", "march.csv", True),
        ("cahps", "march.csv", False),
    ]
    # The March CAHPS result was superseded at the very time the April one was submitted.
    assert history[2].superseded_at == history[0].submitted_at
    assert history[1].submitted_at == history[2].submitted_at
    results = {r.code: r for r in selectors.submissions_current(aco=aco, performance_year=2027)}
    assert results["cahps"].current is not None and results["cahps"].current.source == "april.csv"
    assert results["hba1c_poor_control"].current is None
    assert results["hba1c_poor_control"].phase_label == "optional: not scored"


def test_uploads_of_one_aco_leave_other_acos_and_years_alone(aco: ACO, other_aco: ACO, admin: User) -> None:
    QualitySubmission.objects.create(aco=other_aco, performance_year=2027, measure="cahps", score=Decimal(90))
    QualitySubmission.objects.create(aco=aco, performance_year=2028, measure="cahps", score=Decimal(70))
    assert upload(aco, admin, GOOD).errors == []
    assert QualitySubmission.objects.filter(superseded_at__isnull=False).count() == 0


def test_the_database_holds_one_current_result_per_measure(aco: ACO) -> None:
    QualitySubmission.objects.create(aco=aco, performance_year=2027, measure="cahps", score=Decimal(80))
    with pytest.raises(IntegrityError), transaction.atomic():
        QualitySubmission.objects.create(aco=aco, performance_year=2027, measure="cahps", score=Decimal(81))


# --- who may upload ----------------------------------------------------------------------------


def test_an_analyst_may_not_upload(aco: ACO, analyst: User) -> None:
    with pytest.raises(PermissionDenied):
        upload(aco, analyst, GOOD)
    assert stored() == []


def test_another_acos_admin_may_not_upload(aco: ACO, outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        upload(aco, outsider, GOOD)
    assert stored() == []


def test_cms_staff_may_not_upload_for_an_aco(aco: ACO, cms_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        upload(aco, cms_admin, GOOD)
    assert stored() == []


# --- the dataset bundle and the upload agree ---------------------------------------------------


def test_the_bundle_check_keeps_its_own_messages(aco: ACO) -> None:
    """Without an ACO and year the check is the bundle's: any ACO of the portal, any configured year."""
    text = HEADER + "L0101,2028,cahps,,,80\nL0999,2027,cahps,,,80\nL0101,2040,cahps,,,80\n"
    rows, errors = submissions_check(text.encode(), {"L0101"})
    assert [r["performance_year"] for r in rows] == [2028]
    assert errors == [
        RowError(3, "aco_id", "L0999", "is not an ACO of the portal"),
        RowError(4, "performance_year", "2040", "is not a configured year"),
    ]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic bundle (2 ACOs, PY2027)."""
    folder = tmp_path_factory.mktemp("bundle")
    generate(Options(out=folder, beneficiaries=60, acos=2, seed=3, performance_year=2027))
    return folder


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_the_bundle_loader_accepts_the_generated_quality_file(generated: Path) -> None:
    expected = _csv_rows(generated / "quality_submissions.csv")
    assert len(expected) == 2 * 3  # CAHPS and the two eCQMs for each ACO
    outcome = dataset_load(folder=generated, with_claims=False)
    assert outcome.errors == []
    assert outcome.counts["quality_submissions"] == 6
    loaded = {
        (s.aco.aco_id, s.measure): s
        for s in QualitySubmission.objects.select_related("aco").filter(superseded_at__isnull=True)
    }
    assert len(loaded) == 6
    for row in expected:
        s = loaded[(row["aco_id"], row["measure"])]
        assert s.performance_year == 2027 and s.source == "quality_submissions.csv" and s.submitted_by is None
        assert s.score == Decimal(row["score"])
        assert s.numerator == (int(row["numerator"]) if row["numerator"] else None)
        assert s.denominator == (int(row["denominator"]) if row["denominator"] else None)


def test_one_acos_rows_of_the_generated_file_pass_the_upload(generated: Path, admin: User, aco: ACO) -> None:
    """The generated ACO L0001's rows, relabelled as this ACO's, load through the page's service."""
    lines = (generated / "quality_submissions.csv").read_text().splitlines()
    mine = [line.replace("L0001,", "L0101,", 1) for line in lines[1:] if line.startswith("L0001,")]
    assert len(mine) == 3
    outcome = upload(aco, admin, "\n".join([lines[0], *mine]) + "\n")
    assert outcome.errors == []
    assert outcome.loaded == 3
