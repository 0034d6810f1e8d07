"""Partner states, milestones and framework documents: the services' rules and who may use them,
the selectors' scoping and the Gantt figure's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from apps.accounts.models import User
from apps.acos.models import ACO, Membership
from apps.medicaid.models import FrameworkDocument, MedicaidState, Milestone, PartnershipArrangement, StateStatusChange
from apps.medicaid.states import charts, selectors, services
from apps.reviews.models import ReviewState
from tests.factories import (
    MembershipFactory,
    ReviewCaseFactory,
    framework_document,
    medicaid_milestone,
    medicaid_state,
)

pytestmark = pytest.mark.django_db

# Everyone but a CMS admin is refused every write.
REFUSED = ["cms_reviewer", "admin", "analyst", "plain_user"]

ALLOWED = [
    ("interested", "under_consideration"),
    ("interested", "not_selected"),
    ("under_consideration", "selected"),
    ("under_consideration", "not_selected"),
    ("under_consideration", "interested"),
    ("selected", "under_consideration"),
    ("not_selected", "under_consideration"),
]
ALL = ["interested", "under_consideration", "selected", "not_selected"]
REFUSED_MOVES = [(a, b) for a in ALL for b in ALL if (a, b) not in ALLOWED]
LABELS = {
    "interested": "interested",
    "under_consideration": "under consideration",
    "selected": "selected",
    "not_selected": "not selected",
}


def person(request: pytest.FixtureRequest, name: str) -> User:
    user: User = request.getfixturevalue(name)
    return user


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def arrangement(aco: ACO, state: MedicaidState, review_state: str) -> PartnershipArrangement:
    """An arrangement row written directly: a review case of the arrangement kind in ``review_state``."""
    case = ReviewCaseFactory.create(kind="medicaid_arrangement", state=review_state, title="Arrangement")
    return PartnershipArrangement.objects.create(aco=aco, state=state, review=case)


# --- states --------------------------------------------------------------------------------------


def test_cms_admin_adds_a_state_as_interested_with_its_first_history_row(cms_admin: User) -> None:
    state = services.state_create(
        acting_user=cms_admin, code=" md ", name="Maryland", delivery_system="managed_care", medicaid_agency=" MDH "
    )
    assert (state.code, state.status, state.medicaid_agency) == ("MD", "interested", "MDH")
    history = list(StateStatusChange.objects.filter(state=state).values_list("from_status", "to_status", "changed_by"))
    assert history == [("", "interested", cms_admin.pk)]


@pytest.mark.parametrize("who", REFUSED)
def test_only_a_cms_admin_adds_a_state(who: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(PermissionDenied):
        services.state_create(
            acting_user=person(request, who), code="MD", name="Maryland", delivery_system="managed_care"
        )
    assert not MedicaidState.objects.exists()


def test_a_state_code_is_unique_and_two_letters(cms_admin: User) -> None:
    medicaid_state("MD")
    with pytest.raises(ValidationError) as exc:
        services.state_create(acting_user=cms_admin, code="md", name="Maryland", delivery_system="ffs")
    assert exc.value.message_dict["code"] == ["MD is already on the list of states."]
    for bad in ("M1", "MDX", ""):
        with pytest.raises(ValidationError) as exc:
            services.state_create(acting_user=cms_admin, code=bad, name="X", delivery_system="ffs")
        assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.state_create(acting_user=cms_admin, code="VA", name="Virginia", delivery_system="capitated")
    assert "delivery_system" in exc.value.message_dict
    assert MedicaidState.objects.count() == 1


def test_cms_admin_edits_details_but_not_the_status(cms_admin: User) -> None:
    state = medicaid_state("VA", delivery_system="ffs")
    services.state_update(state=state, acting_user=cms_admin, medicaid_agency="DMAS", delivery_system="managed_care")
    state.refresh_from_db()
    assert (state.medicaid_agency, state.delivery_system) == ("DMAS", "managed_care")
    with pytest.raises(ValidationError) as exc:
        services.state_update(state=state, acting_user=cms_admin, status="selected")
    assert "status change" in exc.value.message_dict["status"][0]
    state.refresh_from_db()
    assert state.status == "interested"


@pytest.mark.parametrize("who", REFUSED)
def test_only_a_cms_admin_edits_a_state(who: str, request: pytest.FixtureRequest) -> None:
    state = medicaid_state("VA")
    with pytest.raises(PermissionDenied):
        services.state_update(state=state, acting_user=person(request, who), name="Changed")
    state.refresh_from_db()
    assert state.name == "Virginia"


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_every_allowed_move_is_made_and_recorded(from_status: str, to_status: str, cms_admin: User) -> None:
    state = medicaid_state("VA", status=from_status)
    services.state_status_change(state=state, acting_user=cms_admin, to_status=to_status, reason="Because.")
    state.refresh_from_db()
    assert state.status == to_status
    change = StateStatusChange.objects.get(state=state)
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        from_status,
        to_status,
        "Because.",
        cms_admin,
    )


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED_MOVES)
def test_every_other_move_is_refused_naming_both_statuses(from_status: str, to_status: str, cms_admin: User) -> None:
    state = medicaid_state("VA", status=from_status)
    with pytest.raises(ValidationError) as exc:
        services.state_status_change(state=state, acting_user=cms_admin, to_status=to_status, reason="Because.")
    message = exc.value.message_dict["to_status"][0]
    assert f"Virginia is {LABELS[from_status]}; it cannot move to {LABELS[to_status]}" in message
    state.refresh_from_db()
    assert state.status == from_status
    assert not StateStatusChange.objects.exists()


@pytest.mark.parametrize("who", REFUSED)
def test_only_a_cms_admin_changes_a_status(who: str, request: pytest.FixtureRequest) -> None:
    state = medicaid_state("VA", status="under_consideration")
    with pytest.raises(PermissionDenied):
        services.state_status_change(state=state, acting_user=person(request, who), to_status="selected")
    state.refresh_from_db()
    assert state.status == "under_consideration"


@pytest.mark.parametrize(
    ("from_status", "to_status", "needs_reason"),
    [
        ("interested", "not_selected", True),
        ("under_consideration", "not_selected", True),
        ("selected", "under_consideration", True),  # reopening a decision
        ("not_selected", "under_consideration", True),  # reopening a decision
        ("interested", "under_consideration", False),
        ("under_consideration", "selected", False),
        ("under_consideration", "interested", False),
    ],
)
def test_a_reason_is_required_to_not_select_or_reopen(
    from_status: str, to_status: str, needs_reason: bool, cms_admin: User
) -> None:
    state = medicaid_state("VA", status=from_status)
    if needs_reason:
        with pytest.raises(ValidationError) as exc:
            services.state_status_change(state=state, acting_user=cms_admin, to_status=to_status, reason="  ")
        assert "Give a reason" in exc.value.message_dict["reason"][0]
        state.refresh_from_db()
        assert state.status == from_status
    else:
        services.state_status_change(state=state, acting_user=cms_admin, to_status=to_status, reason="")
        state.refresh_from_db()
        assert state.status == to_status


def test_at_most_two_states_are_selected_at_once(cms_admin: User) -> None:
    maryland = medicaid_state("MD", status="selected")
    medicaid_state("VA", status="selected")
    pennsylvania = medicaid_state("PA", status="under_consideration")
    with pytest.raises(ValidationError) as exc:
        services.state_status_change(state=pennsylvania, acting_user=cms_admin, to_status="selected")
    assert exc.value.message_dict["to_status"] == [
        "At most 2 states can be selected at once; Maryland (MD) and Virginia (VA) already are. "
        "Reopen one of them first."
    ]
    pennsylvania.refresh_from_db()
    assert pennsylvania.status == "under_consideration"
    # Reopening Maryland frees a place.
    services.state_status_change(
        state=maryland, acting_user=cms_admin, to_status="under_consideration", reason="Budget."
    )
    services.state_status_change(state=pennsylvania, acting_user=cms_admin, to_status="selected")
    assert set(MedicaidState.objects.filter(status="selected").values_list("code", flat=True)) == {"VA", "PA"}


@pytest.mark.parametrize(
    ("review_state", "held"),
    [
        (ReviewState.SUBMITTED, True),
        (ReviewState.IN_REVIEW, True),
        (ReviewState.APPROVED, True),
        (ReviewState.DRAFT, False),
        (ReviewState.CHANGES_REQUESTED, False),
        (ReviewState.DENIED, False),
        (ReviewState.WITHDRAWN, False),
    ],
)
def test_a_state_with_open_or_approved_arrangements_stays_selected(
    review_state: str, held: bool, aco: ACO, cms_admin: User
) -> None:
    maryland = medicaid_state("MD", status="selected")
    arrangement(aco, maryland, review_state)
    if held:
        with pytest.raises(ValidationError) as exc:
            services.state_status_change(
                state=maryland, acting_user=cms_admin, to_status="under_consideration", reason="Reopen."
            )
        assert exc.value.message_dict["to_status"] == [
            "Maryland has 1 partnership arrangement submitted, in review or approved; it stays selected while they are."
        ]
        maryland.refresh_from_db()
        assert maryland.status == "selected"
    else:
        services.state_status_change(
            state=maryland, acting_user=cms_admin, to_status="under_consideration", reason="Reopen."
        )
        maryland.refresh_from_db()
        assert maryland.status == "under_consideration"


def test_the_refusal_counts_every_holding_arrangement(aco: ACO, other_aco: ACO, cms_admin: User) -> None:
    maryland = medicaid_state("MD", status="selected")
    arrangement(aco, maryland, ReviewState.SUBMITTED)
    arrangement(other_aco, maryland, ReviewState.APPROVED)
    arrangement(other_aco, maryland, ReviewState.DRAFT)  # not counted
    with pytest.raises(ValidationError) as exc:
        services.state_status_change(
            state=maryland, acting_user=cms_admin, to_status="under_consideration", reason="Reopen."
        )
    assert "Maryland has 2 partnership arrangements submitted" in exc.value.message_dict["to_status"][0]


def test_selecting_a_state_emails_the_admins_of_the_acos_serving_it(
    aco: ACO,
    other_aco: ACO,
    admin: User,
    analyst: User,
    outsider: User,
    cms_admin: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    aco.states = ["PA", "MD"]
    aco.save()
    other_aco.states = ["VA"]
    other_aco.save()
    second = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN, user__username="second.admin").user
    MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN, user__username="gone", user__is_active=False)
    maryland = medicaid_state("MD", status="under_consideration")
    with django_capture_on_commit_callbacks(execute=True):
        services.state_status_change(state=maryland, acting_user=cms_admin, to_status="selected")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.email, second.email])
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert mail.outbox[0].subject == "[LEAD Portal] Medicaid integration: Maryland selected"
    assert "CMS selected Maryland (MD)" in mail.outbox[0].body


def test_other_moves_send_no_email(
    aco: ACO, admin: User, cms_admin: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    maryland = medicaid_state("MD", status="interested")
    with django_capture_on_commit_callbacks(execute=True):
        services.state_status_change(state=maryland, acting_user=cms_admin, to_status="under_consideration")
    assert mail.outbox == []


# --- milestones ----------------------------------------------------------------------------------


def test_cms_admin_adds_milestones_for_the_model_and_for_a_state(cms_admin: User) -> None:
    maryland = medicaid_state("MD", status="selected")
    model_wide = services.milestone_create(
        acting_user=cms_admin, title="State selection", start="2026-07-01", end="2026-10-30", status="done"
    )
    own = services.milestone_create(
        acting_user=cms_admin, title="Data sharing", start=dt.date(2026, 11, 16), end=dt.date(2027, 3, 31), state="md"
    )
    assert (model_wide.state, model_wide.start, model_wide.end, model_wide.status) == (
        None,
        dt.date(2026, 7, 1),
        dt.date(2026, 10, 30),
        "done",
    )
    assert (own.state, own.status, own.updated_by) == (maryland, "planned", cms_admin)


def test_the_first_and_last_days_of_the_planning_phase_are_inside(cms_admin: User) -> None:
    m = services.milestone_create(acting_user=cms_admin, title="Whole", start="2026-03-01", end="2027-12-31")
    one_day = services.milestone_create(acting_user=cms_admin, title="Day", start="2027-12-31", end="2027-12-31")
    assert (m.start, m.end, one_day.start) == (dt.date(2026, 3, 1), dt.date(2027, 12, 31), dt.date(2027, 12, 31))


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            "2026-02-28",
            "2026-06-30",
            "start",
            "The start must fall inside the planning phase (March 1, 2026 to December 31, 2027).",
        ),
        (
            "2027-06-01",
            "2028-01-01",
            "end",
            "The end must fall inside the planning phase (March 1, 2026 to December 31, 2027).",
        ),
        ("2027-06-01", "2027-05-31", "end", "The end cannot be before the start."),
        ("2027-13-01", "2027-12-31", "start", "Enter a date as YYYY-MM-DD, e.g. 2026-09-01."),
    ],
)
def test_milestone_dates_are_checked(start: str, end: str, field: str, message: str, cms_admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.milestone_create(acting_user=cms_admin, title="Bad", start=start, end=end)
    assert exc.value.message_dict[field] == [message]
    assert not Milestone.objects.exists()


def test_a_milestone_for_an_unknown_state_is_refused(cms_admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.milestone_create(acting_user=cms_admin, title="X", start="2026-05-01", end="2026-06-01", state="ZZ")
    assert exc.value.message_dict["state"] == ["There is no state ZZ on the list."]


def test_cms_admin_updates_and_deletes_a_milestone(cms_admin: User) -> None:
    m = medicaid_milestone(title="Framework design")
    services.milestone_update(milestone=m, acting_user=cms_admin, status="done", end="2027-01-31")
    m.refresh_from_db()
    assert (m.status, m.end, m.start) == ("done", dt.date(2027, 1, 31), dt.date(2026, 9, 1))
    with pytest.raises(ValidationError):
        services.milestone_update(milestone=m, acting_user=cms_admin, end="2026-08-31")
    m.refresh_from_db()
    assert m.end == dt.date(2027, 1, 31)
    services.milestone_delete(milestone=m, acting_user=cms_admin)
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("who", REFUSED)
def test_only_a_cms_admin_writes_milestones(who: str, request: pytest.FixtureRequest) -> None:
    user = person(request, who)
    m = medicaid_milestone()
    with pytest.raises(PermissionDenied):
        services.milestone_create(acting_user=user, title="X", start="2026-05-01", end="2026-06-01")
    with pytest.raises(PermissionDenied):
        services.milestone_update(milestone=m, acting_user=user, title="Changed")
    with pytest.raises(PermissionDenied):
        services.milestone_delete(milestone=m, acting_user=user)
    assert list(Milestone.objects.values_list("title", flat=True)) == ["Framework design"]


# --- documents -----------------------------------------------------------------------------------


def test_a_same_title_upload_is_the_next_version(cms_admin: User) -> None:
    maryland = medicaid_state("MD", status="selected")
    first = services.document_upload(
        state=maryland, acting_user=cms_admin, title="Framework", upload=upload("framework.txt", b"v1")
    )
    second = services.document_upload(
        state=maryland, acting_user=cms_admin, title="  framework ", upload=upload("framework-v2.csv", b"a,b\n1,2\n")
    )
    other = services.document_upload(
        state=maryland, acting_user=cms_admin, title="Data-sharing template", upload=upload("dsa.txt", b"x")
    )
    assert (first.title, first.version, first.size, first.content_type) == ("Framework", 1, 2, "text/plain")
    assert (second.title, second.version, second.original_name, second.content_type) == (
        "Framework",
        2,
        "framework-v2.csv",
        "text/csv",
    )
    assert (other.title, other.version) == ("Data-sharing template", 1)
    with second.file.open("rb") as f:
        assert f.read() == b"a,b\n1,2\n"
    # Versions are per state: Virginia's "Framework" starts at 1.
    virginia = medicaid_state("VA")
    assert (
        services.document_upload(
            state=virginia, acting_user=cms_admin, title="Framework", upload=upload("f.txt", b"va")
        ).version
        == 1
    )


def _docx() -> bytes:
    import io
    import zipfile

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return raw.getvalue()


def test_each_allowed_type_is_accepted(cms_admin: User) -> None:
    state = medicaid_state("MD")
    files = [
        ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        ("a.docx", _docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("a.txt", b"text", "text/plain"),
        ("a.csv", b"a,b\n", "text/csv"),
    ]
    for name, data, content_type in files:
        doc = services.document_upload(state=state, acting_user=cms_admin, title=name, upload=upload(name, data))
        assert doc.content_type == content_type


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tool.exe", b"MZ", "Upload a file of one of these types: pdf, docx, xlsx, txt, csv."),
        ("picture.png", b"\x89PNG\r\n\x1a\n", "Upload a file of one of these types: pdf, docx, xlsx, txt, csv."),
        ("noext", b"text", "Upload a file of one of these types: pdf, docx, xlsx, txt, csv."),
        ("fake.pdf", b"MZ not a pdf", "The file's contents are not a .pdf file."),
        ("fake.docx", b"PK\x03\x04 broken", "The file's contents are not a .docx file."),
        ("binary.txt", b"a\x00b", "The file's contents are not a .txt file."),
        ("empty.txt", b"", "The file is empty."),
    ],
)
def test_other_types_and_bad_contents_are_refused(name: str, data: bytes, message: str, cms_admin: User) -> None:
    state = medicaid_state("MD")
    with pytest.raises(ValidationError) as exc:
        services.document_upload(state=state, acting_user=cms_admin, title="Doc", upload=upload(name, data))
    assert exc.value.message_dict["file"] == [message]
    assert not FrameworkDocument.objects.exists()


def test_documents_are_limited_to_ten_megabytes(cms_admin: User) -> None:
    state = medicaid_state("MD")
    limit = 10 * 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            state=state, acting_user=cms_admin, title="Big", upload=upload("big.txt", b"a" * (limit + 1))
        )
    assert exc.value.message_dict["file"] == ["The file is 10.0 MB; documents are limited to 10 MB."]
    doc = services.document_upload(
        state=state, acting_user=cms_admin, title="Just fits", upload=upload("fits.txt", b"a" * limit)
    )
    assert doc.size == limit


def test_a_document_needs_a_title(cms_admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            state=medicaid_state("MD"), acting_user=cms_admin, title="  ", upload=upload("a.txt", b"a")
        )
    assert "title" in exc.value.message_dict


@pytest.mark.parametrize("who", REFUSED)
def test_only_a_cms_admin_uploads_and_removes_documents(
    who: str, request: pytest.FixtureRequest, cms_admin: User
) -> None:
    user = person(request, who)
    state = medicaid_state("MD", status="selected")
    doc = framework_document(state, cms_admin)
    with pytest.raises(PermissionDenied):
        services.document_upload(state=state, acting_user=user, title="X", upload=upload("a.txt", b"a"))
    with pytest.raises(PermissionDenied):
        services.document_remove(document=doc, acting_user=user)
    assert list(FrameworkDocument.objects.values_list("pk", flat=True)) == [doc.pk]


def test_cms_admin_removes_one_version(cms_admin: User) -> None:
    state = medicaid_state("MD")
    v1 = services.document_upload(state=state, acting_user=cms_admin, title="F", upload=upload("a.txt", b"1"))
    v2 = services.document_upload(state=state, acting_user=cms_admin, title="F", upload=upload("b.txt", b"2"))
    services.document_remove(document=v2, acting_user=cms_admin)
    assert list(FrameworkDocument.objects.values_list("pk", "version")) == [(v1.pk, 1)]


# --- what each person sees -----------------------------------------------------------------------


@pytest.fixture
def planning(aco: ACO, cms_admin: User) -> dict[str, Any]:
    """The ACO serves MD and PA. MD (interested) and VA (selected) are on CMS's list; PA is not."""
    aco.states = ["MD", "PA"]
    aco.save()
    md = medicaid_state("MD", status="interested")
    va = medicaid_state("VA", status="selected")
    return {
        "md": md,
        "va": va,
        "wide": medicaid_milestone(None, "State selection"),
        "md_m": medicaid_milestone(md, "Maryland kickoff"),
        "va_m": medicaid_milestone(va, "Virginia kickoff"),
        "md_doc": framework_document(md, cms_admin, "Maryland framework"),
        "va_doc": framework_document(va, cms_admin, "Virginia framework"),
    }


def test_an_aco_sees_only_its_states_and_their_milestones(aco: ACO, planning: dict[str, Any]) -> None:
    assert [s.code for s in selectors.states_for_aco(aco=aco)] == ["MD"]
    assert selectors.state_get_for_aco(aco=aco, code="md") == planning["md"]
    with pytest.raises(Http404):
        selectors.state_get_for_aco(aco=aco, code="VA")  # on CMS's list, not the ACO's state
    with pytest.raises(Http404):
        selectors.state_get_for_aco(aco=aco, code="PA")  # the ACO's state, not on CMS's list
    titles = {m.title for m in selectors.milestones_for_aco(aco=aco)}
    assert titles == {"State selection", "Maryland kickoff"}


def test_an_aco_sees_a_states_documents_only_once_it_is_selected(
    aco: ACO, planning: dict[str, Any], cms_admin: User
) -> None:
    md = planning["md"]
    assert list(selectors.documents_for_aco(aco=aco, state=md)) == []
    with pytest.raises(Http404):
        selectors.document_get_for_aco(aco=aco, state=md, document_id=planning["md_doc"].pk)
    md.status = "selected"
    md.save()
    assert [d.pk for d in selectors.documents_for_aco(aco=aco, state=md)] == [planning["md_doc"].pk]
    assert selectors.document_get_for_aco(aco=aco, state=md, document_id=planning["md_doc"].pk)
    # Another state's document through this state's URL is not found.
    with pytest.raises(Http404):
        selectors.document_get_for_aco(aco=aco, state=md, document_id=planning["va_doc"].pk)


@pytest.mark.parametrize("who", ["cms_reviewer", "cms_admin"])
def test_cms_staff_see_every_state_milestone_and_document(
    who: str, request: pytest.FixtureRequest, planning: dict[str, Any]
) -> None:
    user = person(request, who)
    assert [s.code for s in selectors.states_for_cms(user=user)] == ["MD", "VA"]
    assert selectors.milestones_for_cms(user=user).count() == 3
    md = selectors.state_get_for_cms(user=user, code="MD")
    assert [d.title for d in selectors.documents_for_cms(user=user, state=md)] == ["Maryland framework"]


@pytest.mark.parametrize("who", ["admin", "analyst", "plain_user"])
def test_aco_people_do_not_reach_the_cms_reads(
    who: str, request: pytest.FixtureRequest, planning: dict[str, Any]
) -> None:
    user = person(request, who)
    with pytest.raises(Http404):
        selectors.states_for_cms(user=user)
    with pytest.raises(Http404):
        selectors.state_get_for_cms(user=user, code="MD")
    with pytest.raises(Http404):
        selectors.milestones_for_cms(user=user)


def test_the_cms_list_counts_arrangements_by_review_state(aco: ACO, other_aco: ACO, cms_reviewer: User) -> None:
    md = medicaid_state("MD", status="selected")
    medicaid_state("VA", status="interested")
    arrangement(aco, md, ReviewState.SUBMITTED)
    arrangement(other_aco, md, ReviewState.SUBMITTED)
    arrangement(aco, md, ReviewState.APPROVED)
    rows = {s.code: s for s in selectors.states_for_cms(user=cms_reviewer)}
    counts = {code: {k: getattr(s, f"n_{k}") for k in ("submitted", "approved", "draft")} for code, s in rows.items()}
    assert counts == {
        "MD": {"submitted": 2, "approved": 1, "draft": 0},
        "VA": {"submitted": 0, "approved": 0, "draft": 0},
    }


# --- the Gantt chart -----------------------------------------------------------------------------


def test_the_timeline_has_one_bar_per_milestone_from_start_to_end(cms_reviewer: User) -> None:
    md = medicaid_state("MD", status="selected")
    va = medicaid_state("VA", status="under_consideration")
    medicaid_milestone(
        va, "Feasibility review", start=dt.date(2026, 9, 14), end=dt.date(2027, 1, 29), status="in_progress"
    )
    medicaid_milestone(md, "Kickoff", start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 20), status="done")
    medicaid_milestone(
        None, "Readiness review", start=dt.date(2027, 10, 1), end=dt.date(2027, 12, 31), status="planned"
    )
    medicaid_milestone(None, "State applications", start=dt.date(2026, 3, 2), end=dt.date(2026, 6, 30), status="done")
    rows = selectors.timeline_rows(selectors.milestones_for_cms(user=cms_reviewer))
    # Model-wide first (by start), then MD, then VA.
    assert [(r.state_code, r.title) for r in rows] == [
        ("", "State applications"),
        ("", "Readiness review"),
        ("MD", "Kickoff"),
        ("VA", "Feasibility review"),
    ]
    figure = charts.timeline_figure(rows, today=dt.date(2026, 11, 25))
    bars = {}
    for trace in figure["data"]:
        for y, base, x, text in zip(trace["y"], trace["base"], trace["x"], trace["text"], strict=True):
            bars[y] = (base, x, text, trace["name"])
    day = 86_400_000
    # Durations count both ends: Mar 2 – Jun 30, 2026 is 30 (Mar 2–31) + 30 + 31 + 30 = 121 days.
    assert bars == {
        "Model-wide: State applications": ("2026-03-02", 121 * day, "Done", "Done"),
        # Oct 1 – Dec 31, 2027: 31 + 30 + 31 = 92 days.
        "Model-wide: Readiness review": ("2027-10-01", 92 * day, "Planned", "Planned"),
        # Nov 2 – Nov 20: 19 days.
        "MD: Kickoff": ("2026-11-02", 19 * day, "Done", "Done"),
        # Sep 14, 2026 – Jan 29, 2027: 17 (Sep) + 31 + 30 + 31 + 29 = 138 days.
        "VA: Feasibility review": ("2026-09-14", 138 * day, "In progress", "In progress"),
    }
    assert list(figure["layout"]["yaxis"]["categoryarray"]) == [
        "Model-wide: State applications",
        "Model-wide: Readiness review",
        "MD: Kickoff",
        "VA: Feasibility review",
    ]
    lines = [(s["x0"], s["x1"]) for s in figure["layout"]["shapes"]]
    assert lines == [("2026-03-01", "2026-03-01"), ("2027-12-31", "2027-12-31"), ("2026-11-25", "2026-11-25")]
    notes = [a["text"] for a in figure["layout"]["annotations"]]
    assert notes == ["Planning phase starts", "Planning phase ends", "Today (2026-11-25)"]
    # The status is in the hover text too, not only in the colour.
    done = next(t for t in figure["data"] if t["name"] == "Done")
    assert "Status: Done" in done["hovertemplate"]
