"""Tenancy, URL by URL, generated from the URL resolver: a page or endpoint added by any app joins
this matrix without anyone listing it.

For every route with an ``aco_id`` (pages and API) and a *victim* ACO:

* its own admin reaches it (the control: the URL built below really points at the victim's data);
* an outsider (admin of another ACO) gets 404 for GET and for writes, as for an ACO that does not
  exist, and changes nothing;
* the victim's read-only analyst is refused every write (403; 405 where the view takes no such
  method) and changes nothing;
* an anonymous visitor is sent to sign in (pages) or refused (API).

Routes without an ``aco_id`` are CMS-only unless listed in ``PUBLIC`` or ``SIGNED_IN`` (tests/routes.py):
an ACO user gets 403/404 there, anonymous visitors are refused, and a verified CMS admin gets in.

A **Preferred Provider user** (CARA: a ``ProviderMembership`` with a TIN and NPI, no ACO membership, no CMS
role) is a person of its own kind. Their routes (``PROVIDER_ROUTES``: ``/provider/…`` and
``/api/provider/…``) have no ``aco_id``; for each, and the victim's EBRA with its episode, reconciliation and
statement (``routes.cara_rows``):

* the EBRA's Preferred Provider user reaches it (the control);
* everyone else gets 404 for GET and writes and changes nothing: another Preferred Provider's user (of the
  same ACO), the victim ACO's own administrator and analyst (an ACO's people are not Preferred Provider users:
  they see EBRAs on the ACO's pages; ``/provider/`` itself answers them 404), an outsider, a CMS admin and a
  signed-in person with no role;
* and the Preferred Provider user gets 403/404 on every ACO route of the EBRA's own ACO and every CMS route.

The routes and their keyword values come from tests/routes.py (shared with the leak scanner in
tests/leaks/). A route whose URL has a keyword it does not know fails
``test_every_url_keyword_is_registered``: add a builder to ``KWARG_VALUES`` there that returns a value
belonging to the given ACO.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, Election, ListChangeRequest, ParticipantTIN, PreferredProvider
from apps.alignment.models import AlignedBeneficiary, AlignmentExport, AlignmentRun
from apps.claims.models import VoluntaryAlignment
from apps.medicaid.models import DataSharingOptOut, PartnershipArrangement
from apps.quality.models import CareGapEvent, CareGapItem, QualityRun, QualitySubmission
from apps.reviews.models import ReviewCase, ReviewTransition, ReviewVersion
from tests import routes
from tests.factories import (
    ElectionFactory,
    ParticipantFactory,
    PreferredProviderFactory,
    add_participant_op,
    aligned,
    alignment_run,
    change_request_create,
    performance_summary,
)
from tests.routes import (
    ACO_ROUTES,
    CMS_ONLY_ROUTES,
    KWARG_VALUES,
    OTHER_ROUTES,
    PROVIDER_ROUTES,
    PUBLIC,
    ROUTES,
    SIGNED_IN,
    SIGNED_IN_ROUTES,
    Route,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

# POSTs that only read: a read-only analyst may use them (building an export of data they can see).
READING_POSTS = {
    "alignment:exports",
    "api_alignment_export_list",
    "reports:list",
    "api_report_list",
    # CARA contracting templates and statements: built in the background from what the analyst can see.
    "cara_documents:prospective",
    "cara_documents:template",
    "cara_documents:statement",
}

# Writes that must exist and must answer the analyst 403 (a rename shows up here first).
KNOWN_WRITES: dict[str, set[str]] = {
    "acos:profile_edit": {"POST"},
    "acos:election_edit": {"POST"},
    "acos:participant_add": {"POST"},
    "acos:participant_edit": {"POST"},
    "acos:participant_remove": {"POST"},
    "acos:participants_upload": {"POST"},
    "acos:preferred_add": {"POST"},
    "acos:preferred_edit": {"POST"},
    "acos:preferred_remove": {"POST"},
    "acos:preferred_providers_upload": {"POST"},
    "acos:change_request_decide": {"POST"},
    "acos:change_request_withdraw": {"POST"},
    "api_aco_detail": {"PATCH"},
    "api_election_detail": {"PUT"},
    "api_participant_list": {"POST"},
    "api_participant_detail": {"PUT", "PATCH", "DELETE"},
    "api_participant_upload": {"POST"},
    "api_preferred_list": {"POST"},
    "api_preferred_detail": {"PUT", "PATCH", "DELETE"},
    "api_preferred_upload": {"POST"},
    "api_change_request_decide": {"POST"},
    "api_change_request_withdraw": {"POST"},
    "alignment:voluntary_add": {"POST"},
    "alignment:voluntary_upload": {"POST"},
    "api_voluntary_list": {"POST"},
    "quality:submissions_upload": {"POST"},
    "api_quality_submissions": {"POST"},
    "quality:care_gap_detail": {"POST"},
    "quality:care_gaps_assign": {"POST"},
    "api_quality_care_gap_detail": {"PATCH"},
    "api_quality_care_gaps_assign": {"POST"},
    "api_benefit_selections": {"POST"},
    "api_benefit_plan_detail": {"PATCH"},
    "api_benefit_plan_transitions": {"POST"},
    "api_benefit_plan_comments": {"POST"},
    "api_benefit_plan_deliveries": {"POST"},
    "benefits:select": {"POST"},
    "benefits:plan_detail": {"POST"},
    "benefits:plan_autosave": {"POST"},
    "benefits:plan_submit": {"POST"},
    "benefits:plan_withdraw": {"POST"},
    "benefits:plan_review": {"POST"},
    "benefits:plan_comment": {"POST"},
    "benefits:attachment_add": {"POST"},
    "benefits:attachment_remove": {"POST"},
    "benefits:deliveries": {"POST"},
    "medicaid:arrangement_create": {"POST"},
    "medicaid:arrangement_detail": {"POST"},
    "medicaid:arrangement_autosave": {"POST"},
    "medicaid:arrangement_submit": {"POST"},
    "medicaid:arrangement_withdraw": {"POST"},
    "medicaid:arrangement_review": {"POST"},
    "medicaid:arrangement_comment": {"POST"},
    "api_medicaid_arrangements": {"POST"},
    "api_medicaid_arrangement_detail": {"PATCH"},
    "api_medicaid_arrangement_submit": {"POST"},
    "api_medicaid_arrangement_withdraw": {"POST"},
    "api_medicaid_arrangement_review": {"POST"},
    "api_medicaid_arrangement_comments": {"POST"},
    "medicaid:optouts": {"POST"},
    "medicaid:optout_revoke": {"POST"},
    "api_medicaid_optouts": {"POST"},
    "api_medicaid_optout_upload": {"POST"},
    "api_medicaid_optout_revoke": {"POST"},
}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _ids(routes: list[Route]) -> list[str]:
    return [r.name for r in routes]


# --- the victim's data -------------------------------------------------------------------------


@dataclass
class World:
    victim: ACO
    other: ACO
    participant: ParticipantTIN
    preferred: PreferredProvider
    change_request: ListChangeRequest
    access_log: AccessLog
    alignment_run: AlignmentRun
    aligned: AlignedBeneficiary
    export: AlignmentExport


def _victim_plan_create(aco: ACO, admin: User) -> None:
    from tests.benefits.builders import submitted_plan

    submitted_plan(aco, admin)


def _victim_attachment_create(aco: ACO) -> None:
    """A file attached to the victim's plan (made in the world, before any snapshot)."""
    from apps.benefits.models import ImplementationPlan, PlanAttachment

    plan = ImplementationPlan.objects.select_related("review").filter(selection__aco=aco).order_by("id")[0]
    attachment = PlanAttachment(
        plan=plan, original_name="matrix.txt", size=6, content_type="text/plain", uploaded_by=plan.review.created_by
    )
    attachment.file.save("matrix.txt", ContentFile(b"matrix"), save=False)
    attachment.save()


def _victim_arrangement_create(aco: ACO, admin: User) -> None:
    """A submitted Medicaid partnership arrangement of the victim (made in the world, before any
    snapshot: its review case is part of what a refused write must leave alone)."""
    from apps.medicaid.arrangements import services as arrangements
    from apps.medicaid.models import MedicaidState

    code = str(aco.states[0])
    state, _ = MedicaidState.objects.get_or_create(
        code=code, defaults={"name": f"State {code}", "status": "selected", "delivery_system": "managed_care"}
    )
    arrangement = arrangements.arrangement_create(
        aco=aco, state=state, acting_user=admin, partner_type="state_agency", partner_name="Matrix Medicaid"
    )
    arrangement = arrangements.arrangement_save_draft(
        arrangement=arrangement,
        content={
            "roles": "Matrix roles.",
            "strategies": {"risk_stratification": "Matrix."},
            "data_sharing": {"status": "drafted", "description": "Matrix."},
            "contacts": [
                {"side": "aco", "name": "A", "email": "a@example.org"},
                {"side": "partner", "name": "P", "email": "p@example.org"},
            ],
        },
        acting_user=admin,
    )
    arrangements.arrangement_submit(arrangement=arrangement, acting_user=admin)


def url_for(route: Route, world: World, **override: object) -> str:
    return routes.url_for(route, world.victim, **override)


@pytest.fixture
def world(aco: ACO, other_aco: ACO, admin: User, analyst: User, outsider: User, open_lists: str) -> World:
    """The victim ``aco`` with one row of each list, elections, a pending change request; lists
    are open, so a write that slipped through would change the data at once."""
    ElectionFactory.create(aco=aco, performance_year=2027)
    ElectionFactory.create(aco=aco, performance_year=2028)
    ParticipantFactory.create(aco=other_aco, tin="555000001")
    run = alignment_run()
    aligned(run, other_aco, "1EG4TE5MK72")
    export = AlignmentExport.objects.create(aco=aco, run=run, format="csv", status="ready", row_count=1)
    export.file.save("matrix.csv", ContentFile(b"MBI\n1EG4TE5MK73\n"))
    QualityRun.objects.create(
        alignment_run=run, performance_year=run.performance_year, status="succeeded", finished_at=run.finished_at
    )
    performance_summary(aco)  # the dashboard's snapshot (PY2027, a successful pipeline run)
    routes.KWARG_VALUES["gap_id"](aco, ACO_ROUTES[0])  # a care gap on the worklist, before any snapshot
    _victim_plan_create(aco, admin)  # a submitted BE/BEI implementation plan
    _victim_attachment_create(aco)
    _victim_arrangement_create(aco, admin)  # a submitted Medicaid partnership arrangement
    DataSharingOptOut.objects.create(  # an open data-sharing opt-out (medicaid:optout_revoke)
        aco=aco, mbi="1EG4TE5MK73", declined_on=dt.date(2026, 5, 1), recorded_by=admin
    )
    routes.cara_rows(aco)  # an active EBRA with its Preferred Provider user, episode, reconciliation, statement
    made = World(
        victim=aco,
        other=other_aco,
        participant=ParticipantFactory.create(aco=aco, tin="111000001", legal_name="Harbor"),
        preferred=PreferredProviderFactory.create(aco=aco, tin="211000001", npi="1234567893"),
        change_request=change_request_create(aco=aco, created_by=admin, operations=[add_participant_op("111000002")]),
        access_log=AccessLog.objects.create(
            username="someone", action="view", object_type="participants", aco_code=aco.aco_id, path="/"
        ),
        alignment_run=run,
        aligned=aligned(run, aco, "1EG4TE5MK73"),
        export=export,
    )
    routes.glp1_rows(aco)  # a GLP-1 run with the aligned beneficiary likely eligible, a lifestyle enrolment
    return made


def snapshot(world: World) -> dict[str, Any]:
    """Everything a write could change, for before/after comparisons."""
    aco = ACO.objects.get(pk=world.victim.pk)
    return {
        "aco": model_to_dict(aco),
        "participants": list(ParticipantTIN.objects.order_by("id").values()),
        "preferred": list(PreferredProvider.objects.order_by("id").values()),
        "elections": list(Election.objects.order_by("id").values()),
        "requests": list(ListChangeRequest.objects.order_by("id").values()),
        "cases": list(ReviewCase.objects.order_by("id").values("id", "state", "content", "decided_by")),
        "transitions": ReviewTransition.objects.count(),
        "versions": ReviewVersion.objects.count(),
        "voluntary": list(VoluntaryAlignment.objects.order_by("id").values()),
        "quality": list(QualitySubmission.objects.order_by("id").values()),
        "care_gaps": list(CareGapItem.objects.order_by("id").values()),
        "care_gap_events": CareGapEvent.objects.count(),
        "alignment_runs": AlignmentRun.objects.count(),
        "benefits": _benefit_rows(),
        "opt_outs": list(DataSharingOptOut.objects.order_by("id").values()),
        "arrangements": list(PartnershipArrangement.objects.order_by("id").values()),
        "cara": _cara_rows(),
        "glp1": _glp1_rows(),
    }


def _glp1_rows() -> dict[str, Any]:
    from apps.balance.models import LifestyleEnrolment, LifestyleSession, Outreach, OutreachChange

    return {
        "outreach": list(Outreach.objects.order_by("id").values()),
        "outreach_changes": OutreachChange.objects.count(),
        "enrolments": list(LifestyleEnrolment.objects.order_by("id").values()),
        "sessions": list(LifestyleSession.objects.order_by("id").values()),
    }


def _cara_rows() -> dict[str, Any]:
    from apps.cara.models import Arrangement, ArrangementEvent, DesignProposal, Reconciliation

    return {
        "arrangements": list(Arrangement.objects.order_by("id").values()),
        "events": ArrangementEvent.objects.count(),
        "reconciliations": list(Reconciliation.objects.order_by("id").values("id", "amount_cents")),
        "proposals": DesignProposal.objects.count(),
    }


def _benefit_rows() -> dict[str, Any]:
    from apps.benefits.models import BenefitSelection, Delivery, ImplementationPlan, PlanAttachment
    from apps.reviews.models import ReviewComment

    return {
        "selections": list(BenefitSelection.objects.order_by("id").values()),
        "plans": list(ImplementationPlan.objects.order_by("id").values()),
        "attachments": PlanAttachment.objects.count(),
        "deliveries": Delivery.objects.count(),
        "comments": ReviewComment.objects.count(),
    }


def _form_body(world: World, route: Route) -> dict[str, Any]:
    """A write that would succeed for any of the forms if the role check were missing."""
    aco_id = world.victim.aco_id
    if "voluntary" in route.name:
        csv = f"mbi,aco_id,tin,npi,signed_date,channel\n1EG4TE5MK74,{aco_id},111000001,1234567893,2026-05-01,sva_form\n"
    elif "preferred" in route.name:
        csv = (
            "aco_id,performance_year,tin,npi,name,specialty_code,capitation\n"
            f"{aco_id},2027,299000001,1000000004,Matrix Specialist,06,none\n"
        )
    else:
        csv = (
            "aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco\n"
            f"{aco_id},2027,199000001,Matrix Clinic,,21201,,false\n"
        )
    body = {
        # a Participant TIN or Preferred Provider row
        "tin": "199000001",
        "legal_name": "Matrix Clinic",
        "practice_zip": "21201",
        "facility_type": "",
        "ccns": "",
        "new_to_aco": "true",
        # 1000000004: 24 + doubled(1) = 26 -> check digit 4
        "npi": "1000000004",
        "name": "Matrix Specialist",
        "specialty_code": "06",
        "capitation": "none",
        # a voluntary alignment record (TIN: the victim's Participant TIN)
        "mbi": "1EG4TE5MK74",
        "signed_date": "2026-05-01",
        "channel": "sva_form",
        # the profile and elections
        "states": "VA",
        "primary_contact_email": "matrix@example.org",
        "risk_option": "professional",
        "alignment_approach": "hybrid",
        "newly_entering": "true",
        # decisions and withdrawals
        "decision": "approve",
        "approve": "true",
        "reason": "matrix",
        # uploads (replace: the existing rows would go)
        "performance_year": "2027",
        "replace": "true",
        "file": SimpleUploadedFile("list.csv", csv.encode(), content_type="text/csv"),
    }
    if "voluntary" in route.name:
        body["tin"] = "111000001"  # a voluntary record must designate one of the victim's Participant TINs
    return body


def send(client: Client, method: str, url: str, world: World, route: Route) -> HttpResponse:
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, _form_body(world, route))
    if method == "DELETE":
        return client.delete(url)
    body = {k: v for k, v in _form_body(world, route).items() if k != "file"}
    body.update(states=["VA"], new_to_aco=True, approve=True, newly_entering=True)
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


def _write_methods(route: Route) -> list[str]:
    """POST always (pages and API); for the API also every write method the view takes."""
    extra = [m for m in WRITE_METHODS if m in route.methods] if route.is_api else []
    return sorted({"POST", *extra})


# --- the matrix itself -------------------------------------------------------------------------


def test_every_url_keyword_is_registered() -> None:
    unknown = {(r.name, k) for r in ROUTES for k in r.kwargs if k not in KWARG_VALUES}
    assert not unknown, f"Register these URL keywords in KWARG_VALUES: {sorted(unknown)}"


def test_every_route_can_be_built() -> None:
    assert [r.name for r in ROUTES if not r.buildable] == []


def test_the_matrix_sees_the_known_routes() -> None:
    names = {r.name for r in ACO_ROUTES}
    assert set(KNOWN_WRITES) <= names
    for name, methods in KNOWN_WRITES.items():
        route = next(r for r in ACO_ROUTES if r.name == name)
        assert methods <= route.methods, f"{name} no longer takes {methods - route.methods}"
    assert {r.name for r in CMS_ONLY_ROUTES} >= {
        "cms_home",
        "review_queue",
        "access_log",
        "api_review_queue",
        "api_access_log",
        "api_access_log_detail",
        "pipeline:runs",
        "pipeline:run_detail",
        "pipeline:run_resume",
        "pipeline:compare",
        "pipeline:benchmarks",
        "api_pipeline_run_list",
        "api_pipeline_run_detail",
        "api_pipeline_run_resume",
        "api_performance_compare",
        "benefits_cms:queue",
        "rural_cms:all",
        "api_rural_payments",
    }
    # Every name in the allowlists is a real route (a removed URL must leave the lists too).
    assert (PUBLIC | SIGNED_IN) <= {r.name for r in OTHER_ROUTES}
    assert {r.name for r in PROVIDER_ROUTES} >= {
        "cara_provider:home",
        "cara_provider:arrangement",
        "cara_provider:episodes",
        "cara_provider:episode",
        "cara_provider:statement",
        "cara_provider:document",
        "api_provider_arrangements",
        "api_provider_arrangement_detail",
        "api_provider_arrangement_actions",
        "api_provider_episodes",
        "api_provider_reconciliations",
    }
    for name, methods in PROVIDER_WRITES.items():
        route = next(r for r in PROVIDER_ROUTES if r.name == name)
        assert methods <= route.methods, f"{name} no longer takes {methods - route.methods}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ACO_ROUTES, ids=_ids(ACO_ROUTES))
def test_the_victims_admin_reaches_it(route: Route, world: World, admin: User, client_for: Any) -> None:
    """The control: the URL points at the victim's real data, so the 404s below mean tenancy."""
    status = client_for(admin).get(url_for(route, world)).status_code
    if "GET" in route.methods:
        assert status < 400, f"the victim's own admin got {status}: check KWARG_VALUES for this route"
    else:
        assert status == 405


@pytest.mark.django_db
@pytest.mark.parametrize("route", ACO_ROUTES, ids=_ids(ACO_ROUTES))
def test_an_outsider_gets_404(route: Route, world: World, outsider: User, client_for: Any) -> None:
    client = client_for(outsider)
    before = snapshot(world)
    assert client.get(url_for(route, world)).status_code == 404
    for method in _write_methods(route):
        status = send(client, method, url_for(route, world), world, route).status_code
        if status == 405:
            # A method the view never takes may say so, but only if it says the same for an ACO
            # that does not exist: the answer must not tell the outsider the victim is there.
            missing = send(client, method, url_for(route, world, aco_id="Z9999"), world, route).status_code
            assert missing == 405, f"{method}: 405 for the victim but {missing} for a missing ACO"
        else:
            assert status == 404, f"{method} answered {status}"
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("route", ACO_ROUTES, ids=_ids(ACO_ROUTES))
def test_the_analyst_cannot_write(route: Route, world: World, analyst: User, client_for: Any) -> None:
    client = client_for(analyst)
    before = snapshot(world)
    for method in _write_methods(route):
        status = send(client, method, url_for(route, world), world, route).status_code
        if route.name in READING_POSTS and method == "POST":
            # Let through (the matrix's form body may still be invalid for it: 400 is fine, 403 is not).
            assert status not in (401, 403, 404), f"{method} answered {status}: a read-only analyst may do this"
        elif method in route.methods or method in KNOWN_WRITES.get(route.name, set()):
            assert status == 403, f"{method} answered {status}"
        else:
            assert status in (403, 405), f"{method} answered {status}"
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    ACO_ROUTES + CMS_ONLY_ROUTES + SIGNED_IN_ROUTES + PROVIDER_ROUTES,
    ids=_ids(ACO_ROUTES + CMS_ONLY_ROUTES + SIGNED_IN_ROUTES + PROVIDER_ROUTES),
)
def test_anonymous_visitors_are_refused(route: Route, world: World) -> None:
    response = Client().get(url_for(route, world))
    if route.is_api:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("route", CMS_ONLY_ROUTES, ids=_ids(CMS_ONLY_ROUTES))
def test_aco_people_cannot_reach_cms_pages(
    route: Route, world: World, admin: User, analyst: User, cms_admin: User, client_for: Any
) -> None:
    before = snapshot(world)
    for user in (admin, analyst):
        client = client_for(user)
        assert client.get(url_for(route, world)).status_code in (403, 404)
        for method in _write_methods(route):
            assert send(client, method, url_for(route, world), world, route).status_code in (403, 404, 405)
    assert snapshot(world) == before
    # The control: a verified CMS admin does get in.
    status = client_for(cms_admin).get(url_for(route, world)).status_code
    assert status < 400 if "GET" in route.methods else status == 405


# --- Preferred Provider users -----------------------------------------------------------------------

# Writes of a Preferred Provider user: answering an offer, asking for a statement.
PROVIDER_WRITES: dict[str, set[str]] = {
    "cara_provider:arrangement": {"POST"},
    "cara_provider:statement": {"POST"},
    "api_provider_arrangement_actions": {"POST"},
}
MISSING_IDS = {"arrangement_id": 999999, "episode_id": 999999, "reconciliation_id": 999999, "document_id": 999999}


@pytest.fixture
def other_provider(world: World) -> User:
    """The user of another Preferred Provider of the same ACO, with an offer of its own: a Preferred
    Provider user, but not the victim EBRA's."""
    from apps.cara.models import Arrangement, ArrangementTerm, ProviderMembership

    victim = routes.cara_rows(world.victim).arrangement
    pp = PreferredProviderFactory.create(
        aco=world.victim, performance_year=victim.performance_year, tin="211000009", npi="1245319599"
    )
    mine = Arrangement.objects.create(
        aco=world.victim, preferred_provider=pp, performance_year=victim.performance_year, status="offered",
        effective_start=victim.effective_start, effective_end=victim.effective_end, created_by=victim.created_by,
    )  # fmt: skip
    term = victim.terms.get()
    ArrangementTerm.objects.create(
        arrangement=mine, definition=term.definition, baseline_cents=term.baseline_cents, target_cents=term.target_cents
    )
    user: User = User.objects.create(username="other.provider")
    ProviderMembership.objects.create(user=user, tin=pp.tin, npi=pp.npi, name=pp.name)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("route", PROVIDER_ROUTES, ids=_ids(PROVIDER_ROUTES))
def test_the_preferred_provider_reaches_its_own(route: Route, world: World, client_for: Any) -> None:
    """The control: the URL points at the victim EBRA's real objects, so the 404s below mean tenancy."""
    user = routes.cara_rows(world.victim).user
    status = client_for(user).get(url_for(route, world)).status_code
    if "GET" in route.methods:
        assert status < 400, f"the EBRA's own Preferred Provider user got {status}: check cara_rows"
    else:
        assert status == 405


@pytest.mark.django_db
@pytest.mark.parametrize("route", PROVIDER_ROUTES, ids=_ids(PROVIDER_ROUTES))
def test_everyone_else_gets_404_on_a_preferred_providers_urls(
    route: Route,
    world: World,
    admin: User,
    analyst: User,
    outsider: User,
    cms_admin: User,
    plain_user: User,
    other_provider: User,
    client_for: Any,
) -> None:
    before = snapshot(world)
    people = {
        "another Preferred Provider's user": other_provider,
        "the ACO's admin": admin,
        "the ACO's analyst": analyst,
        "an outsider": outsider,
        "a CMS admin": cms_admin,
        "a person with no role": plain_user,
    }
    for who, user in people.items():
        client = client_for(user)
        url = url_for(route, world)
        if route.kwargs:  # /provider/ and the list of arrangements answer everyone their own (none: 404 or [])
            assert client.get(url).status_code == 404, f"{who}: GET"
        elif user is not other_provider:
            assert client.get(url).status_code == 404, f"{who}: GET"
        for method in _write_methods(route):
            status = send(client, method, url, world, route).status_code
            if status == 405:
                missing = send(client, method, url_for(route, world, **MISSING_IDS), world, route).status_code
                assert missing == 405, f"{who}: {method}: 405 for the victim but {missing} for a missing id"
            else:
                assert status == 404, f"{who}: {method} answered {status}"
    assert snapshot(world) == before


@pytest.mark.django_db
def test_a_preferred_provider_user_reaches_nothing_of_the_aco_or_cms(world: World, client_for: Any) -> None:
    """Every ACO route of the EBRA's own ACO and every CMS route: 403 or 404, and nothing changes. One test
    over every route (one world), to keep the matrix's run time reasonable."""
    client = client_for(routes.cara_rows(world.victim).user)
    before = snapshot(world)
    problems = []
    for route in ACO_ROUTES + CMS_ONLY_ROUTES:
        url = url_for(route, world)
        status = client.get(url).status_code
        if status not in (403, 404) and not (status == 405 and "GET" not in route.methods):
            problems.append(f"{route.name}: GET answered {status}")
        for method in _write_methods(route):
            status = send(client, method, url, world, route).status_code
            if status not in (403, 404, 405):
                problems.append(f"{route.name}: {method} answered {status}")
    assert not problems, "\n".join(problems)
    assert snapshot(world) == before
