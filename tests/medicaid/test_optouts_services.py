"""Data-sharing opt-outs: recording (MBI checked and resolved, not in the future, one open per
beneficiary), revoking, uploading all-or-nothing with line numbers, by every role; and the
suppression of opted-out beneficiaries from the full-benefit dual list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from apps.accounts.models import User
from apps.acos.models import ACO
from apps.medicaid.duals import selectors, services
from apps.medicaid.models import DataSharingOptOut
from tests.factories import DUAL_FULL, DUAL_FULL_LATE, OLD_MBI

pytestmark = pytest.mark.django_db

TODAY = "2027-06-01"


@pytest.fixture(autouse=True)
def today(settings: Settings) -> None:
    settings.PORTAL_TODAY = TODAY


def record(aco: ACO, user: User, mbi: str = DUAL_FULL, declined_on: str = "2027-05-01", **kw: Any) -> DataSharingOptOut:
    return services.optout_record(
        aco=aco, acting_user=user, mbi=mbi, declined_on=declined_on, source=kw.pop("source", "form"), **kw
    )


def test_the_admin_records_an_opt_out(aco: ACO, admin: User) -> None:
    optout = record(aco, admin, mbi=DUAL_FULL.lower(), note="Called on May 1")
    optout.refresh_from_db()
    assert (optout.mbi, optout.declined_on, optout.source, optout.note) == (
        DUAL_FULL, dt.date(2027, 5, 1), "form", "Called on May 1",
    )  # fmt: skip
    assert optout.recorded_by == admin and optout.revoked_at is None


@pytest.mark.parametrize("who", ["analyst", "outsider", "cms_reviewer", "cms_admin"])
def test_only_the_acos_admin_records(who: str, aco: ACO, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        record(aco, user)
    assert not DataSharingOptOut.objects.exists()


@pytest.mark.parametrize(
    ("mbi", "declined_on", "source", "field", "words"),
    [
        ("1EG4TE5MK7", "2027-05-01", "form", "mbi", "not an MBI"),
        ("1SG4TE5MK73", "2027-05-01", "form", "mbi", "not an MBI"),  # S is never used in an MBI
        ("", "2027-05-01", "form", "mbi", "required"),
        (DUAL_FULL, "2027-06-02", "form", "declined_on", "in the future"),
        (DUAL_FULL, "01/05/2027", "form", "declined_on", "YYYY-MM-DD"),
        (DUAL_FULL, "2027-05-01", "email", "source", "must be one of"),
    ],
)
def test_a_bad_entry_is_refused(
    aco: ACO, admin: User, mbi: str, declined_on: str, source: str, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.optout_record(aco=aco, acting_user=admin, mbi=mbi, declined_on=declined_on, source=source)
    assert words.lower() in " ".join(caught.value.message_dict[field]).lower()
    assert not DataSharingOptOut.objects.exists()


def test_today_is_not_in_the_future(aco: ACO, admin: User) -> None:
    assert record(aco, admin, declined_on=TODAY).declined_on == dt.date(2027, 6, 1)


def test_one_open_opt_out_per_beneficiary(aco: ACO, admin: User, other_aco: ACO, outsider: User) -> None:
    record(aco, admin)
    with pytest.raises(ValidationError) as caught:
        record(aco, admin, declined_on="2027-05-20")
    assert "already has an open opt-out, declined on 2027-05-01" in caught.value.message_dict["mbi"][0]
    record(other_aco, outsider)  # another ACO's opt-out is its own
    assert DataSharingOptOut.objects.count() == 2


def test_an_earlier_mbi_is_resolved_to_the_current_one(dual_world: Any, aco: ACO, admin: User) -> None:
    optout = record(aco, admin, mbi=OLD_MBI)
    assert optout.mbi == DUAL_FULL
    with pytest.raises(ValidationError) as caught:
        record(aco, admin, mbi=DUAL_FULL)
    assert DUAL_FULL in caught.value.message_dict["mbi"][0]


def test_revoking_keeps_the_row_and_allows_a_new_opt_out(aco: ACO, admin: User, analyst: User) -> None:
    optout = record(aco, admin)
    with pytest.raises(PermissionDenied):
        services.optout_revoke(optout=optout, acting_user=analyst)
    revoked = services.optout_revoke(optout=optout, acting_user=admin)
    assert revoked.revoked_at is not None and revoked.revoked_by == admin
    with pytest.raises(ValidationError):
        services.optout_revoke(optout=optout, acting_user=admin)
    again = record(aco, admin, declined_on="2027-05-30")
    assert DataSharingOptOut.objects.filter(aco=aco, mbi=DUAL_FULL).count() == 2 and again.revoked_at is None


def upload(text: str, name: str = "optouts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_an_upload_records_every_row(dual_world: Any, aco: ACO, admin: User) -> None:
    outcome = services.optout_upload(
        aco=aco,
        acting_user=admin,
        file=upload(
            f"mbi,declined_on,source,note\n{OLD_MBI},2027-05-01,medicare,\n\n{DUAL_FULL_LATE},2027-04-02,,by phone\n"
        ),
    )
    assert outcome.errors == [] and outcome.added == 2
    assert outcome.message == "2 data-sharing opt-outs recorded."
    assert dict(DataSharingOptOut.objects.values_list("mbi", "source")) == {
        DUAL_FULL: "medicare",  # the earlier MBI, resolved
        DUAL_FULL_LATE: "beneficiary",  # blank source: the beneficiary told the ACO
    }


def test_an_upload_with_problems_records_nothing_and_says_which_lines(aco: ACO, admin: User) -> None:
    record(aco, admin, mbi="4EG4TE5MK74")
    text = (
        "mbi,declined_on,source,note\n"  # line 1
        f"{DUAL_FULL},2027-05-01,form,\n"  # line 2: fine
        "NOTANMBI,2027-05-01,form,\n"  # line 3: bad MBI
        f"{DUAL_FULL_LATE},2027-07-01,form,\n"  # line 4: in the future
        f"{DUAL_FULL},2027-05-02,form,\n"  # line 5: the same beneficiary as line 2
        "4EG4TE5MK74,2027-05-01,fax,\n"  # line 6: already open, and an unknown source
    )
    outcome = services.optout_upload(aco=aco, acting_user=admin, file=upload(text))
    assert outcome.added == 0
    assert [(e.line, e.field) for e in outcome.errors] == [
        (3, "mbi"), (4, "declined_on"), (5, "mbi"), (6, "source"),
    ]  # fmt: skip
    assert "same beneficiary as line 2" in outcome.errors[2].reason
    assert outcome.message == "Nothing was recorded: 4 problems found."
    assert DataSharingOptOut.objects.count() == 1  # only the one recorded before


def test_an_upload_reports_the_already_open_beneficiary(aco: ACO, admin: User) -> None:
    record(aco, admin)
    outcome = services.optout_upload(
        aco=aco, acting_user=admin, file=upload(f"mbi,declined_on\n{DUAL_FULL},2027-05-01\n")
    )
    assert [(e.line, e.field) for e in outcome.errors] == [(2, "mbi")]
    assert "already has an open opt-out" in outcome.errors[0].reason


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("member,date\nx,y\n", "header"),
        ("mbi,declined_on,colour\n1EG4TE5MK71,2027-05-01,red\n", "header"),
        ("mbi,declined_on\n", "file"),
    ],
)
def test_an_unusable_file_is_refused(aco: ACO, admin: User, text: str, field: str) -> None:
    outcome = services.optout_upload(aco=aco, acting_user=admin, file=upload(text))
    assert [e.field for e in outcome.errors] == [field] and not DataSharingOptOut.objects.exists()


def test_an_analyst_cannot_upload(aco: ACO, analyst: User) -> None:
    with pytest.raises(PermissionDenied):
        services.optout_upload(aco=aco, acting_user=analyst, file=upload("mbi,declined_on\n"))


# --- suppression ---------------------------------------------------------------------------------


def listed(aco: ACO) -> tuple[list[str], int]:
    found = selectors.full_dual_list(aco=aco, performance_year=2027)
    return [r.mbi for r in found.rows], found.suppressed


def test_an_open_opt_out_leaves_the_beneficiary_out_and_revoking_brings_them_back(
    dual_world: Any, aco: ACO, admin: User
) -> None:
    services.dual_run_execute(alignment_run=dual_world)
    assert listed(aco) == ([DUAL_FULL, DUAL_FULL_LATE], 0)
    optout = record(aco, admin)
    assert listed(aco) == ([DUAL_FULL_LATE], 1)
    services.optout_revoke(optout=optout, acting_user=admin)
    assert listed(aco) == ([DUAL_FULL, DUAL_FULL_LATE], 0)


def test_an_opt_out_filed_under_an_earlier_mbi_still_suppresses(dual_world: Any, aco: ACO, admin: User) -> None:
    # Recorded before the crosswalk linked the two MBIs: the row keeps the old one.
    DataSharingOptOut.objects.create(aco=aco, mbi=OLD_MBI, declined_on=dt.date(2027, 1, 5), recorded_by=admin)
    services.dual_run_execute(alignment_run=dual_world)
    assert listed(aco) == ([DUAL_FULL_LATE], 1)


def test_an_opt_out_under_the_newer_mbi_suppresses_a_run_made_before_the_crosswalk_changed(
    dual_world: Any, aco: ACO, admin: User
) -> None:
    from apps.claims.models import MBIMap

    services.dual_run_execute(alignment_run=dual_world)  # the run lists DUAL_FULL_LATE under that MBI
    MBIMap.objects.create(mbi=DUAL_FULL_LATE, current_mbi="5EG4TE5MK77", hops=1)  # then CMS issued a new one
    record(aco, admin, mbi="5EG4TE5MK77")
    assert listed(aco) == ([DUAL_FULL], 1)


def test_another_acos_opt_out_does_not_suppress(dual_world: Any, aco: ACO, other_aco: ACO, outsider: User) -> None:
    record(other_aco, outsider)
    services.dual_run_execute(alignment_run=dual_world)
    assert listed(aco) == ([DUAL_FULL, DUAL_FULL_LATE], 0)
