"""The rural add-on run over a real alignment run: which beneficiaries are paid for, who qualifies,
what is reported (docs/rural.md). Numbers by hand: $8.00 PBPM in PY2027 (the default parameters)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.acos.models import ACO, ModelParameters
from apps.alignment.models import AlignmentRun
from apps.rural import selectors, services
from apps.rural.models import RuralBeneficiaries, RuralEligibility, RuralPaymentLine, RuralRun, RuralTIN
from tests.factories import ACOFactory, ElectionFactory, ParticipantFactory, aligned, alignment_run, cclf8_beneficiary

pytestmark = pytest.mark.django_db

D = dt.date
RURAL_TIN, URBAN_TIN, RHC_TIN = "500000001", "500000002", "500000003"
CCN = "511234"


def beneficiary(mbi: str, zip_code: str, death_date: dt.date | None = None) -> None:
    """A CCLF8 beneficiary row with a ZIP and a date of death."""
    cclf8_beneficiary(mbi, zip_code=zip_code, death_date=death_date)


@pytest.fixture
def aco() -> ACO:
    """A newly entering ACO with a rural TIN (ZIP 26601, RUCA 10) that lists a CCN, an urban TIN
    (Baltimore, RUCA 1) and an RHC in Baltimore (not rural)."""
    aco = ACOFactory.create()
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=True)
    ParticipantFactory.create(aco=aco, tin=RURAL_TIN, practice_zip="26601", ccns=[CCN])
    ParticipantFactory.create(aco=aco, tin=URBAN_TIN, practice_zip="21201")
    ParticipantFactory.create(aco=aco, tin=RHC_TIN, practice_zip="21201", facility_type="RHC")
    return aco


@pytest.fixture
def run() -> AlignmentRun:
    return alignment_run(2027)


def test_only_beneficiaries_aligned_through_a_rural_tin_or_its_ccn_are_paid_for(aco: ACO, run: AlignmentRun) -> None:
    aligned(run, aco, "1AA0AA0AA01", tin=RURAL_TIN)  # all year: 12
    aligned(run, aco, "1AA0AA0AA02", tin=CCN, unit_kind="ccn")  # through the rural TIN's CCN: 12
    aligned(run, aco, "1AA0AA0AA03", tin=URBAN_TIN)  # urban TIN of a rural ACO: not paid for
    aligned(run, aco, "1AA0AA0AA04", tin=RHC_TIN)  # an RHC in a city: not paid for
    aligned(run, aco, "1AA0AA0AA05", tin=RURAL_TIN)  # dies 15 May: Jan–May, 5
    aligned(run, aco, "1AA0AA0AA06", tin=RURAL_TIN, effective_from=D(2027, 7, 1), added_midyear=True)  # Jul–Dec, 6
    aligned(run, aco, "1AA0AA0AA07", tin=CCN, unit_kind="tin")  # a CCN given as a TIN is not the rural TIN
    beneficiary("1AA0AA0AA01", "26601")
    beneficiary("1AA0AA0AA02", "21620")  # RUCA 7: small town
    beneficiary("1AA0AA0AA03", "21201")
    beneficiary("1AA0AA0AA05", "21601", death_date=D(2027, 5, 15))  # RUCA 4: micropolitan
    beneficiary("1AA0AA0AA06", "99999")  # not in the table
    # 1AA0AA0AA04 and 07 have no CCLF8 row: unknown category.

    rural = services.rural_run_execute(alignment_run=run, performance_year=2027, actual_through=D(2027, 6, 30))

    assert rural.status == RuralRun.Status.SUCCEEDED
    tins = {t.tin: t for t in RuralTIN.objects.filter(run=rural)}
    assert (tins[RURAL_TIN].rural, tins[RURAL_TIN].ruca) == (True, 10)
    assert tins[URBAN_TIN].rural is False
    assert (tins[RHC_TIN].rural, tins[RHC_TIN].rule) == (False, "RHC, but ZIP 21201 is urban (RUCA 1)")
    eligibility = RuralEligibility.objects.get(run=rural, aco=aco)
    assert eligibility.qualifies and eligibility.rate == Decimal("8.00") and eligibility.newly_entering

    lines = list(RuralPaymentLine.objects.filter(run=rural, aco=aco).order_by("month"))
    # Jan–May: 01, 02, 05 = 3; Jun: 2; Jul–Dec: 01, 02, 06 = 3.
    assert [line.member_months for line in lines] == [3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3]
    assert [line.kind for line in lines] == ["actual"] * 6 + ["projected"] * 6
    # 12 + 12 + 5 + 6 = 35 member-months × $8.00 = $280.00; actual Jan–Jun 17 × 8 = $136.00.
    assert sum(line.amount for line in lines) == Decimal("280.00")
    assert sum(line.amount for line in lines if line.kind == "actual") == Decimal("136.00")

    categories = {c.category: (c.count, c.via_rural_tin) for c in RuralBeneficiaries.objects.filter(run=rural)}
    assert categories == {
        "rural": (1, 1),
        "small town": (1, 1),
        "metropolitan": (1, 0),
        "micropolitan": (1, 1),
        "unknown": (3, 1),
    }
    assert rural.counts["via_rural_tin"] == 4 and rural.counts["amount"] == "280.00"

    view = selectors.overview(aco=aco, performance_year=2027)
    assert view.run == rural and view.qualifies
    assert (view.totals.amount, view.totals.actual_amount, view.totals.projected_amount) == (
        Decimal("280.00"),
        Decimal("136.00"),
        Decimal("144.00"),
    )
    assert [c.category for c in view.categories] == ["metropolitan", "micropolitan", "small town", "rural", "unknown"]
    assert view.beneficiaries == 7 and view.via_rural_tin == 4
    assert [t.tin for t in view.rural_tins] == [RURAL_TIN]


def test_a_rural_aco_neither_newly_entering_nor_with_new_providers_gets_no_lines(run: AlignmentRun) -> None:
    aco = ACOFactory.create()
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=False)
    ParticipantFactory.create(aco=aco, tin=RURAL_TIN, practice_zip="26601")
    aligned(run, aco, "1AA0AA0AA01", tin=RURAL_TIN)

    rural = services.rural_run_execute(alignment_run=run, performance_year=2027)

    eligibility = RuralEligibility.objects.get(run=rural, aco=aco)
    assert not eligibility.qualifies
    assert eligibility.reason == (
        "1 rural Participant TIN, but the ACO is neither newly entering nor has providers new to ACOs."
    )
    assert not RuralPaymentLine.objects.filter(run=rural).exists()
    assert selectors.overview(aco=aco, performance_year=2027).totals.amount == Decimal("0.00")

    # A provider new to ACOs (on any TIN of the PY, even an urban one) makes it qualify.
    ParticipantFactory.create(aco=aco, tin=URBAN_TIN, practice_zip="21201", new_to_aco=True)
    rural = services.rural_run_execute(alignment_run=run, performance_year=2027)
    assert RuralEligibility.objects.get(run=rural, aco=aco).qualifies
    assert [line.amount for line in RuralPaymentLine.objects.filter(run=rural)] == [Decimal("8.00")] * 12


def test_an_aco_without_a_rural_tin_does_not_qualify(run: AlignmentRun) -> None:
    aco = ACOFactory.create()
    ElectionFactory.create(aco=aco, performance_year=2027, newly_entering=True)
    ParticipantFactory.create(aco=aco, tin=URBAN_TIN, practice_zip="21201")
    aligned(run, aco, "1AA0AA0AA01", tin=URBAN_TIN)
    rural = services.rural_run_execute(alignment_run=run, performance_year=2027)
    eligibility = RuralEligibility.objects.get(run=rural, aco=aco)
    assert not eligibility.qualifies and "No Participant TIN is rural" in eligibility.reason
    assert not RuralPaymentLine.objects.filter(run=rural).exists()


def test_unknown_practice_zips_are_listed_not_treated_as_urban(aco: ACO, run: AlignmentRun) -> None:
    ParticipantFactory.create(aco=aco, tin="500000009", practice_zip="99999")
    rural = services.rural_run_execute(alignment_run=run, performance_year=2027)
    tin = RuralTIN.objects.get(run=rural, tin="500000009")
    assert (tin.rural, tin.ruca, tin.rule) == (None, None, "ZIP 99999 is not in the USDA RUCA table")
    assert rural.counts["unknown_zips"] == ["99999"] and rural.counts["unknown_zip_tins"] == 1
    assert selectors.overview(aco=aco, performance_year=2027).unknown_zips == ["99999"]
    (row,) = selectors.all_acos(performance_year=2027)
    assert (row.aco, row.tins, row.rural_tins, row.unknown_zip_tins) == (aco, 4, 1, 1)


def test_the_rate_of_the_performance_year_applies(aco: ACO) -> None:
    """$8.00 in PY2027, $10.00 in PY2028: the same beneficiary all year is $96.00 then $120.00."""
    ModelParameters.objects.filter(performance_year=2028).update(rural_addon_pbpm=Decimal("10.00"))
    ElectionFactory.create(aco=aco, performance_year=2028, newly_entering=True)
    ParticipantFactory.create(aco=aco, performance_year=2028, tin="600000001", practice_zip="26601")
    amounts = {}
    for py, tin in ((2027, RURAL_TIN), (2028, "600000001")):
        run = alignment_run(py)
        aligned(run, aco, "1AA0AA0AA01", tin=tin)
        rural = services.rural_run_execute(alignment_run=run, performance_year=py)
        amounts[py] = sum(line.amount for line in RuralPaymentLine.objects.filter(run=rural))
        assert RuralEligibility.objects.get(run=rural).rate == Decimal("8.00" if py == 2027 else "10.00")
    assert amounts == {2027: Decimal("96.00"), 2028: Decimal("120.00")}


def test_the_run_reads_set_based(aco: ACO, run: AlignmentRun, django_assert_max_num_queries: object) -> None:
    """The reads do not grow with the number of beneficiaries."""
    for n in range(30):
        mbi = f"1AA0AA0AB{n:02d}"
        aligned(run, aco, mbi, tin=RURAL_TIN)
        beneficiary(mbi, "26601")
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        services.rural_run_execute(alignment_run=run, performance_year=2027)
