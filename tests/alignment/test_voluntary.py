"""Voluntary alignment records: the rule for a PY (docs/alignment.md rule 10; pure, no database), the
scoped selectors, and the services that add one record or a file (checks, duplicates, whole file or
nothing, roles)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.lists import RowError
from apps.acos.models import ACO, AlignmentApproach
from apps.alignment import voluntary
from apps.alignment.voluntary import Designation, RecordStatus, record_status
from apps.claims.models import VoluntaryAlignment
from tests.factories import ACOFactory, ElectionFactory, ParticipantFactory

D = datetime.date
MBI = "1EG4TE5MK73"
MBI_2 = "2AC3DE4FG55"
OURS = "L0101"
THEIRS = "L0102"
OUR_TIN = "111000001"
OUR_TIN_2 = "111000002"
THEIR_TIN = "555000001"
NO_ONES_TIN = "999000001"
# Valid NPIs (Luhn over 80840 + the first nine digits; the prefix contributes 24):
# 1234567893: 24 + 23 (1,3,5,7,9 doubled -> 2,6,1,5,9) + 20 (2,4,6,8) = 67 -> 10 - 7 = 3.
# 1000000012: 24 + 2 (the leading 1 doubled) + 2 (the ninth digit 1 doubled) = 28 -> 2.
NPI = "1234567893"
NPI_2 = "1000000012"
OWNERS = {OUR_TIN: OURS, OUR_TIN_2: OURS, THEIR_TIN: THEIRS}


def rec(record_id: int, tin: str, signed: datetime.date, *, aco_id: str = OURS, npi: str = NPI) -> Designation:
    return Designation(record_id, MBI, aco_id, tin, npi, signed)


def status_of(
    record: Designation, *others: Designation, hybrid: frozenset[str] = frozenset(), py: int = 2027
) -> RecordStatus:
    return record_status(
        record=record,
        others=[record, *others],
        aco_id=OURS,
        performance_year=py,
        tin_owners=OWNERS,
        hybrid_acos=hybrid,
    )


# --- the rule, PY2027: cutoff Oct 31, 2026 -------------------------------------------------------

HYBRID = frozenset({OURS})


def test_signed_on_the_cutoff_counts_for_the_whole_year() -> None:
    s = status_of(rec(1, OUR_TIN, D(2026, 10, 31)))
    assert (s.counts, s.counts_from, s.reasons, s.notes, s.label) == (True, D(2027, 1, 1), (), (), "Counts")


def test_prospective_signed_the_day_after_the_cutoff_counts_from_the_next_year() -> None:
    s = status_of(rec(1, OUR_TIN, D(2026, 11, 1)))
    assert (s.counts, s.label) == (False, "Does not count")
    assert s.reasons == ("signed after 2026-10-31: counts from PY2028",)


def test_prospective_signed_after_the_pys_own_cutoff_counts_two_years_on() -> None:
    # 2027-11-15 is after Oct 31, 2027 (PY2028's cutoff) too: the first PY it meets is PY2029.
    assert status_of(rec(1, OUR_TIN, D(2027, 11, 15))).reasons == ("signed after 2026-10-31: counts from PY2029",)


def test_hybrid_signed_during_the_year_adds_the_beneficiary_from_the_next_month() -> None:
    s = status_of(rec(1, OUR_TIN, D(2027, 3, 10)), hybrid=HYBRID)
    assert (s.counts, s.counts_from, s.label) == (True, D(2027, 4, 1), "Counts from 2027-04-01")
    assert s.notes == (
        "Hybrid approach: signed during PY2027, adds the beneficiary from 2027-04-01 "
        "unless claims align them from 2027-01-01",
    )


def test_hybrid_signed_on_november_30_adds_from_december_first() -> None:
    assert status_of(rec(1, OUR_TIN, D(2027, 11, 30)), hybrid=HYBRID).counts_from == D(2027, 12, 1)


def test_hybrid_signed_in_december_of_the_year_falls_in_no_month_of_it() -> None:
    # First of the next month is 2028-01-01, outside PY2027. Nor is it a PY2028 addition (signed
    # before Jan 1, 2028) or valid at PY2028's start (after Oct 31, 2027): PY2029 is the first.
    s = status_of(rec(1, OUR_TIN, D(2027, 12, 5)), hybrid=HYBRID)
    assert not s.counts
    assert s.reasons == ("signed in December 2027: falls in no month of PY2027; counts from PY2029",)


def test_hybrid_signed_between_the_cutoff_and_the_year_counts_from_the_next_year() -> None:
    # Nov 20, 2026: after PY2027's cutoff and before PY2027 starts; valid at PY2028's start.
    s = status_of(rec(1, OUR_TIN, D(2026, 11, 20)), hybrid=HYBRID)
    assert (s.counts, s.reasons) == (False, ("signed after 2026-10-31: counts from PY2028",))


def test_a_tin_that_is_not_one_of_our_participant_tins_does_not_count() -> None:
    for tin in (THEIR_TIN, NO_ONES_TIN):
        s = status_of(rec(1, tin, D(2026, 5, 1)))
        assert (s.counts, s.reasons) == (False, (f"TIN {tin} is not one of this ACO's Participant TINs for PY2027",))


def test_both_reasons_are_given_when_the_tin_and_the_date_fail() -> None:
    assert status_of(rec(1, NO_ONES_TIN, D(2026, 12, 1))).reasons == (
        f"TIN {NO_ONES_TIN} is not one of this ACO's Participant TINs for PY2027",
        "signed after 2026-10-31: counts from PY2028",
    )


def test_a_record_naming_another_aco_counts_for_the_aco_of_its_tin() -> None:
    s = status_of(rec(1, OUR_TIN, D(2026, 5, 1), aco_id=THEIRS))
    assert s.counts
    # Which ACO the record names is that ACO's to know (the leak scanner, tests/leaks/).
    assert s.notes == ("names another ACO, but designates this ACO's Participant TIN",)


def test_an_earlier_record_is_superseded_by_a_later_valid_one() -> None:
    early, late = rec(1, OUR_TIN, D(2026, 3, 1)), rec(2, OUR_TIN_2, D(2026, 9, 1))
    s = status_of(early, late)
    assert (s.counts, s.reasons) == (False, (f"superseded by a later record (signed 2026-09-01, TIN {OUR_TIN_2})",))
    assert status_of(late, early).counts


def test_a_later_record_to_another_acos_tin_supersedes_without_its_details() -> None:
    s = status_of(rec(1, OUR_TIN, D(2026, 3, 1)), rec(2, THEIR_TIN, D(2026, 9, 1), aco_id=THEIRS))
    assert s.reasons == ("superseded by a later designation of a clinician outside this ACO",)


def test_later_records_that_are_not_valid_do_not_supersede() -> None:
    # A later TIN outside every ACO, and a later (prospective) record signed after the cutoff.
    s = status_of(rec(1, OUR_TIN, D(2026, 3, 1)), rec(2, NO_ONES_TIN, D(2026, 9, 1)), rec(3, OUR_TIN, D(2026, 12, 1)))
    assert (s.counts, s.reasons) == (True, ())


def test_same_day_records_the_smallest_tin_wins() -> None:
    # Same ACO (L0101) for both TINs: 111000001 < 111000002 as text.
    a, b = rec(1, OUR_TIN, D(2026, 9, 1)), rec(2, OUR_TIN_2, D(2026, 9, 1))
    assert status_of(a, b).counts
    assert status_of(b, a).reasons == (f"superseded by another record signed the same day (TIN {OUR_TIN}, NPI {NPI})",)


def test_a_midyear_record_adds_no_one_aligned_at_the_start() -> None:
    # Nobody is moved: the Jan-1 record keeps counting all year; the later Hybrid one adds nothing.
    start, midyear = rec(1, OUR_TIN, D(2026, 3, 1)), rec(2, OUR_TIN_2, D(2027, 3, 10))
    assert status_of(start, midyear, hybrid=HYBRID) == RecordStatus(counts=True, counts_from=D(2027, 1, 1))
    assert status_of(midyear, start, hybrid=HYBRID).reasons == (
        f"not added: the beneficiary is aligned from 2027-01-01 by a record (signed 2026-03-01, TIN {OUR_TIN})",
    )


def test_of_two_midyear_records_the_later_one_counts() -> None:
    # One mid-year run: the latest signature decides, from the month after it.
    march, june = rec(1, OUR_TIN, D(2027, 3, 10)), rec(2, OUR_TIN_2, D(2027, 6, 5))
    assert status_of(march, june, hybrid=HYBRID).reasons == (
        f"superseded by a later record (signed 2027-06-05, TIN {OUR_TIN_2})",
    )
    assert status_of(june, march, hybrid=HYBRID).counts_from == D(2027, 7, 1)


def test_a_later_midyear_record_to_a_prospective_acos_tin_is_not_an_addition() -> None:
    # THEIRS is not on the Hybrid approach: their record signed in June adds nobody, so ours counts.
    ours, theirs = rec(1, OUR_TIN, D(2027, 3, 10)), rec(2, THEIR_TIN, D(2027, 6, 5), aco_id=THEIRS)
    assert status_of(ours, theirs, hybrid=HYBRID).counts
    assert status_of(ours, theirs, hybrid=HYBRID | {THEIRS}).reasons == (
        "superseded by a later designation of a clinician outside this ACO",
    )


# --- fixtures for the database tests ----------------------------------------------------------


@pytest.fixture
def aco(db: None) -> ACO:
    """Fixed ids (the factory's sequence runs across the session): messages name them."""
    return ACOFactory.create(aco_id=OURS)


@pytest.fixture
def other_aco(db: None) -> ACO:
    return ACOFactory.create(aco_id=THEIRS)


@pytest.fixture
def today(settings: Settings) -> str:
    settings.PORTAL_TODAY = "2026-06-01"
    return "2026-06-01"


@pytest.fixture
def tins(aco: ACO, other_aco: ACO) -> None:
    ParticipantFactory.create(aco=aco, tin=OUR_TIN)
    ParticipantFactory.create(aco=aco, tin=OUR_TIN_2)
    ParticipantFactory.create(aco=other_aco, tin=THEIR_TIN)
    ParticipantFactory.create(aco=aco, tin="111000009", performance_year=2028)


def good(**changes: str) -> dict[str, str]:
    return {"mbi": MBI, "tin": OUR_TIN, "npi": NPI, "signed_date": "2026-05-01", "channel": "sva_form", **changes}


def errors_of(exc: pytest.ExceptionInfo[voluntary.VoluntaryRowsInvalid]) -> list[tuple[str, str, str]]:
    return [(e.field, e.value, e.reason) for e in exc.value.row_errors]


def add(aco: ACO, user: User, **changes: str) -> VoluntaryAlignment:
    return voluntary.voluntary_alignment_add(aco=aco, performance_year=2027, data=good(**changes), acting_user=user)


# --- adding one record ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_adds_a_record_with_their_name_as_source(aco: ACO, admin: User, tins: None, today: str) -> None:
    record = add(aco, admin, mbi=" 1eg4te5mk73 ")  # typed in lower case with spaces
    stored = VoluntaryAlignment.objects.get()
    assert (stored.pk, stored.mbi, stored.aco, stored.tin, stored.npi) == (record.pk, MBI, aco, OUR_TIN, NPI)
    assert (stored.signed_date, stored.channel, stored.source) == (D(2026, 5, 1), "sva_form", "aco.admin")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"mbi": "1SG4TE5MK73"}, ("mbi", "1SG4TE5MK73", "is not an MBI (11 characters in the CMS MBI format)")),
        ({"tin": "11100000"}, ("tin", "11100000", "a TIN is exactly 9 digits")),
        ({"tin": THEIR_TIN}, ("tin", THEIR_TIN, "is not one of this ACO's Participant TINs for PY2027")),
        ({"tin": "111000009"}, ("tin", "111000009", "is not one of this ACO's Participant TINs for PY2027")),
        ({"npi": "1234567890"}, ("npi", "1234567890", "fails the NPI check digit (Luhn with prefix 80840)")),
        ({"signed_date": "05/01/2026"}, ("signed_date", "05/01/2026", "is not a date (YYYY-MM-DD)")),
        ({"signed_date": "2026-06-02"}, ("signed_date", "2026-06-02", "is in the future (today is 2026-06-01)")),
        ({"signed_date": "2019-12-31"}, ("signed_date", "2019-12-31", "is before 2020-01-01, the earliest accepted")),
        ({"channel": "phone"}, ("channel", "phone", "must be medicare_gov or sva_form")),
        ({"aco_id": THEIRS}, ("aco_id", THEIRS, "must be this ACO's id (L0101) or left blank")),
        ({"npi": " "}, ("npi", "", "is required")),
        ({"channel": ""}, ("channel", "", "is required")),
    ],
)
def test_each_rule_refuses_with_its_message(
    aco: ACO, admin: User, tins: None, today: str, changes: dict[str, str], expected: tuple[str, ...]
) -> None:
    with pytest.raises(voluntary.VoluntaryRowsInvalid) as exc:
        add(aco, admin, **changes)
    assert errors_of(exc) == [expected]
    assert exc.value.row_errors[0].line == 0  # one record: no line to point at
    assert not VoluntaryAlignment.objects.exists()


@pytest.mark.django_db
def test_the_signed_date_may_be_today_and_the_first_accepted_day(aco: ACO, admin: User, tins: None, today: str) -> None:
    add(aco, admin, signed_date="2026-06-01")
    add(aco, admin, signed_date="2020-01-01")
    assert VoluntaryAlignment.objects.count() == 2


@pytest.mark.django_db
def test_a_duplicate_is_refused(aco: ACO, admin: User, tins: None, today: str) -> None:
    add(aco, admin)
    with pytest.raises(voluntary.VoluntaryRowsInvalid) as exc:
        add(aco, admin, channel="medicare_gov")  # another channel is still the same record
    assert errors_of(exc) == [
        ("record", f"{MBI}/{OUR_TIN}/{NPI}/2026-05-01", "the same MBI, TIN, NPI and signed date are already on file")
    ]
    assert VoluntaryAlignment.objects.count() == 1
    add(aco, admin, signed_date="2026-05-02")  # another day is another record
    assert VoluntaryAlignment.objects.count() == 2


@pytest.mark.django_db
def test_the_analyst_is_refused(aco: ACO, analyst: User, tins: None, today: str) -> None:
    with pytest.raises(PermissionDenied):
        add(aco, analyst)
    with pytest.raises(PermissionDenied):
        upload(aco, analyst, csv_file(f"{MBI},,{OUR_TIN},{NPI},2026-05-01,sva_form"))
    assert not VoluntaryAlignment.objects.exists()


@pytest.mark.django_db
def test_another_acos_admin_is_refused(aco: ACO, outsider: User, tins: None, today: str) -> None:
    with pytest.raises(PermissionDenied):
        add(aco, outsider)


# --- uploading a file ------------------------------------------------------------------------------

HEADER = "mbi,aco_id,tin,npi,signed_date,channel"


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upload(aco: ACO, user: User, data: bytes, filename: str = "voluntary.csv") -> voluntary.VoluntaryUploadOutcome:
    return voluntary.voluntary_alignment_upload(
        aco=aco, performance_year=2027, data=data, filename=filename, acting_user=user
    )


@pytest.mark.django_db
def test_a_good_file_adds_every_record_with_the_file_name_as_source(
    aco: ACO, admin: User, tins: None, today: str
) -> None:
    data = csv_file(
        f"{MBI},L0101,{OUR_TIN},{NPI},2026-05-01,sva_form",
        f"{MBI_2},,{OUR_TIN_2},{NPI_2},2025-02-14,medicare_gov",  # blank aco_id: this ACO
    )
    outcome = upload(aco, admin, data)
    assert (outcome.added, outcome.errors, outcome.message) == (2, [], "2 voluntary alignment records added.")
    assert set(VoluntaryAlignment.objects.values_list("mbi", "aco__aco_id", "tin", "channel", "source")) == {
        (MBI, OURS, OUR_TIN, "sva_form", "voluntary.csv"),
        (MBI_2, OURS, OUR_TIN_2, "medicare_gov", "voluntary.csv"),
    }


@pytest.mark.django_db
def test_one_bad_row_adds_nothing_and_every_problem_has_its_line(
    aco: ACO, other_aco: ACO, admin: User, tins: None, today: str
) -> None:
    data = csv_file(
        f"{MBI},,{OUR_TIN},{NPI},2026-05-01,sva_form",  # line 2: good
        "",  # line 3: blank, skipped but counted
        f"{MBI_2},L0102,{OUR_TIN},{NPI},2026-05-01,sva_form",  # line 4: another ACO's id
        f"{MBI_2},,{THEIR_TIN},{NPI},2026-07-01,sva_form",  # line 5: their TIN, future date
        f"{MBI},,{OUR_TIN},{NPI},2026-05-01,medicare_gov",  # line 6: repeats line 2
        f"1SG4TE5MK73,,{THEIR_TIN},{NPI},2019-06-30,sva_form",  # line 7: a bundle check and ours both fail
    )
    outcome = upload(aco, admin, data)
    assert outcome.added == 0
    assert outcome.errors == [
        RowError(4, "aco_id", "L0102", "must be this ACO's id (L0101) or left blank"),
        RowError(5, "tin", THEIR_TIN, "is not one of this ACO's Participant TINs for PY2027"),
        RowError(5, "signed_date", "2026-07-01", "is in the future (today is 2026-06-01)"),
        RowError(6, "record", f"{MBI}/{OUR_TIN}/{NPI}/2026-05-01", "duplicate: the same record is on line 2"),
        RowError(7, "mbi", "1SG4TE5MK73", "is not an MBI (11 characters in the CMS MBI format)"),
        RowError(7, "tin", THEIR_TIN, "is not one of this ACO's Participant TINs for PY2027"),
        RowError(7, "signed_date", "2019-06-30", "is before 2020-01-01, the earliest accepted"),
    ]
    assert outcome.message == "Nothing was added: 7 problem(s) found."
    assert not VoluntaryAlignment.objects.exists()


@pytest.mark.django_db
def test_a_record_already_on_file_refuses_the_whole_file(aco: ACO, admin: User, tins: None, today: str) -> None:
    add(aco, admin)
    outcome = upload(
        aco,
        admin,
        csv_file(f"{MBI_2},,{OUR_TIN_2},{NPI_2},2026-01-05,sva_form", f"{MBI},,{OUR_TIN},{NPI},2026-05-01,sva_form"),
    )
    assert [(e.line, e.field, e.reason) for e in outcome.errors] == [
        (3, "record", "the same MBI, TIN, NPI and signed date are already on file")
    ]
    assert VoluntaryAlignment.objects.count() == 1


@pytest.mark.django_db
def test_file_level_problems(aco: ACO, admin: User, tins: None, today: str) -> None:
    missing = upload(aco, admin, b"mbi,tin,npi,signed_date,channel\n")
    assert missing.errors == [RowError(1, "header", "mbi,tin,npi,signed_date,channel", "missing column(s): aco_id")]
    empty = upload(aco, admin, csv_file(), filename="empty.csv")
    assert empty.errors == [RowError(0, "file", "empty.csv", "has no rows")]
    latin = upload(aco, admin, HEADER.encode() + b"\n\xe9\n")
    # Line 2's only cell is the Latin-1 byte 0xE9: named with its line and column.
    assert latin.errors == [RowError(2, "mbi", "\ufffd", "is not UTF-8 text (byte 0xE9): save the file as UTF-8")]
    assert not VoluntaryAlignment.objects.exists()


# --- selectors -----------------------------------------------------------------------------------


def store(aco: ACO, mbi: str, tin: str, signed: datetime.date, npi: str = NPI) -> VoluntaryAlignment:
    return VoluntaryAlignment.objects.create(
        mbi=mbi, aco=aco, tin=tin, npi=npi, signed_date=signed, channel="sva_form", source="test"
    )


@pytest.mark.django_db
def test_the_list_holds_records_naming_the_aco_or_designating_its_tins(aco: ACO, other_aco: ACO, tins: None) -> None:
    named = store(aco, MBI, NO_ONES_TIN, D(2026, 1, 1))  # names us, TIN outside every ACO
    designating = store(other_aco, MBI_2, OUR_TIN, D(2026, 1, 1))  # names them, designates our TIN
    store(other_aco, "3HJ7KM8NP21", THEIR_TIN, D(2026, 1, 1))  # theirs entirely: not shown
    next_year = store(other_aco, "3HJ7KM8NP22", "111000009", D(2026, 1, 1))  # our TIN in PY2028 only

    def listed(py: int, **kwargs: str) -> list[int]:
        return [r.pk for r in voluntary.voluntary_list(aco=aco, performance_year=py, **kwargs)]

    assert listed(2027) == [named.pk, designating.pk]  # by MBI
    assert listed(2028) == [named.pk, next_year.pk]
    assert listed(2027, search="1eg") == [named.pk]
    assert listed(2027, mbi=MBI_2) == [designating.pk]
    assert listed(2027, mbi="2AC3") == []  # mbi= is the whole MBI


@pytest.mark.django_db
def test_statuses_read_other_acos_records_and_their_elections(aco: ACO, other_aco: ACO, tins: None) -> None:
    ElectionFactory.create(aco=aco, performance_year=2027, alignment_approach=AlignmentApproach.HYBRID)
    ours = store(aco, MBI, OUR_TIN, D(2027, 2, 10))
    store(other_aco, MBI, THEIR_TIN, D(2027, 5, 20))  # theirs, later in the year

    def status(py: int = 2027) -> RecordStatus:
        return voluntary.voluntary_statuses(aco=aco, performance_year=py, records=[ours])[ours.pk]

    # Their ACO has no election (Prospective): their record is no mid-year addition; ours adds from Mar 1.
    assert (status().counts, status().counts_from) == (True, D(2027, 3, 1))
    ElectionFactory.create(aco=other_aco, performance_year=2027, alignment_approach=AlignmentApproach.HYBRID)
    assert status().reasons == ("superseded by a later designation of a clinician outside this ACO",)
    # PY2028: our TIN is a Participant TIN of PY2027 only.
    assert status(2028).reasons == (f"TIN {OUR_TIN} is not one of this ACO's Participant TINs for PY2028",)


@pytest.mark.django_db
def test_the_export_rows_carry_the_standing(aco: ACO, tins: None) -> None:
    store(aco, MBI, OUR_TIN, D(2026, 3, 1))
    store(aco, MBI_2, OUR_TIN, D(2026, 12, 1))
    rows = list(voluntary.voluntary_export_rows(aco=aco, performance_year=2027))
    assert rows == [
        [MBI, OURS, OUR_TIN, NPI, "2026-03-01", "sva_form", "test", "2027", "true", "2027-01-01", ""],
        [
            MBI_2, OURS, OUR_TIN, NPI, "2026-12-01", "sva_form", "test", "2027", "false", "",
            "signed after 2026-10-31: counts from PY2028",
        ],
    ]  # fmt: skip
