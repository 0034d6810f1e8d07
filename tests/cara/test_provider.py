"""Preferred Provider users (apps/cara/views_provider.py, api_provider.py, provider.py): people of a Preferred
Provider who see only their own EBRAs, answer offers, the episodes attributed to them under an active EBRA with
the beneficiaries' claims (access-logged), and their statements; everything else answers 404.

The world, by hand: ACO "Harbor Health ACO" (Global, CARA elected for PY2028) with two Preferred Providers,
Harbor Orthopedics (TIN 211000001, NPI 1234567893: ``pp_user``) and Riverside Cardiology (TIN 211000002, NPI
1245319599: ``other_user``). Harbor Orthopedics' EBRAs are hip/knee only (target $19,000.00 = baseline
$20,000.00 less 5%), effective Feb 1 – Dec 31, 2028.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, Election, Membership, PreferredProvider
from apps.cara.models import (
    Arrangement,
    ArrangementEvent,
    ArrangementTerm,
    CaraDocument,
    EpisodeDefinition,
    EpisodeRun,
    ProviderMembership,
    Reconciliation,
)
from apps.cara.models import Episode as EpisodeRow
from apps.cara.services import ensure_catalogue
from apps.claims.models import ClaimFact
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import (
    ACOFactory,
    MembershipFactory,
    PreferredProviderFactory,
    UserFactory,
    alignment_run,
    cclf8_beneficiary,
)

pytestmark = pytest.mark.django_db

PY = 2028
START, END = dt.date(2028, 2, 1), dt.date(2028, 12, 31)
THEIRS, OTHER_TYPE, OTHER_PP, EARLY = "1EG4TE5MK73", "2EG4TE5MK74", "3EG4TE5MK75", "4EG4TE5MK76"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@dataclass
class World:
    aco: ACO
    pp: PreferredProvider
    other_pp: PreferredProvider
    pp_user: User
    other_user: User
    admin: User
    analyst: User
    hip: EpisodeDefinition
    heart: EpisodeDefinition


def _user(pp: PreferredProvider, username: str, first: str, last: str) -> User:
    user: User = UserFactory.create(username=username, first_name=first, last_name=last)
    ProviderMembership.objects.create(user=user, tin=pp.tin, npi=pp.npi, name=pp.name)
    return user


@pytest.fixture
def world(db: None) -> World:
    aco = ACOFactory.create(legal_name="Harbor Health ACO")
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    definitions = {d.code: d for d in ensure_catalogue(PY)}
    pp = PreferredProviderFactory.create(
        aco=aco, performance_year=PY, tin="211000001", npi="1234567893", name="Harbor Orthopedics"
    )
    other_pp = PreferredProviderFactory.create(
        aco=aco, performance_year=PY, tin="211000002", npi="1245319599", name="Riverside Cardiology"
    )
    admin = MembershipFactory.create(
        aco=aco, role=Membership.Role.ADMIN, user__username="harbor.admin", user__first_name="Dana",
        user__last_name="Admin",
    ).user  # fmt: skip
    analyst = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST, user__username="harbor.analyst").user
    return World(
        aco=aco, pp=pp, other_pp=other_pp,
        pp_user=_user(pp, "ortho.pat", "Pat", "Ortho"), other_user=_user(other_pp, "cardio.rae", "Rae", "Cardio"),
        admin=admin, analyst=analyst, hip=definitions["hip_knee"], heart=definitions["heart_failure"],
    )  # fmt: skip


def ebra(world: World, status: str, pp: PreferredProvider | None = None, **fields: Any) -> Arrangement:
    """An EBRA in ``status`` as the lifecycle leaves it (written directly): hip/knee at $19,000.00."""
    arrangement = Arrangement.objects.create(
        aco=world.aco, preferred_provider=pp or world.pp, performance_year=PY, status=status,
        effective_start=START, effective_end=END, created_by=world.admin, **fields,
    )  # fmt: skip
    ArrangementTerm.objects.create(
        arrangement=arrangement, definition=world.hip, baseline_cents=2_000_000, adjustment="discount", rate_pct=5,
        target_cents=1_900_000,
    )  # fmt: skip
    ArrangementEvent.objects.create(arrangement=arrangement, to_status="draft", actor=world.admin)
    if status != "draft":
        ArrangementEvent.objects.create(
            arrangement=arrangement, from_status="draft", to_status="offered", actor=world.admin
        )
    return arrangement


def episode_run() -> EpisodeRun:
    return EpisodeRun.objects.create(
        performance_year=PY, alignment_run=alignment_run(PY), through=dt.date(2028, 9, 30),
        first_episode_date=dt.date(2028, 1, 1), status="succeeded", finished_at=timezone.now(),
    )  # fmt: skip


def episode(
    run: EpisodeRun, world: World, mbi: str, start: dt.date, definition: EpisodeDefinition | None = None,
    pp: PreferredProvider | None = None, **fields: Any,
) -> EpisodeRow:  # fmt: skip
    pp = pp or world.pp
    fields.setdefault("index_cents", 1_500_000)
    return EpisodeRow.objects.create(
        run=run, definition=definition or world.hip, aco=world.aco, mbi=mbi, trigger_claim_id=9001, trigger_code="470",
        start_date=start, anchor_end=start + dt.timedelta(days=4), end_date=start + dt.timedelta(days=94),
        year=start.year, attributed_npi=pp.npi, attribution="operating", preferred_provider=pp, closed=True,
        payment=True, **fields,
    )  # fmt: skip


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def logs(object_type: str) -> list[AccessLog]:
    return list(AccessLog.objects.filter(object_type=object_type).order_by("id"))


# --- signing in and the home page --------------------------------------------------------------------------


def test_a_preferred_provider_user_signs_in_with_a_password_only_and_lands_on_their_arrangements(
    world: World,
) -> None:
    offered = ebra(world, "offered")
    active = ebra(world, "active")
    ebra(world, "draft")  # never shown
    ebra(world, "offered", pp=world.other_pp)  # another Preferred Provider's
    c = Client()
    response = c.post("/accounts/login/", {"username": "ortho.pat", "password": FACTORY_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"  # no second factor
    home = c.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/provider/"
    body = text(home.content.decode())
    assert "My arrangements" in body and "Preferred Provider" in body
    assert "Participant TINs" not in body and "Aligned beneficiaries" not in body  # no ACO navigation
    assert "1 offer is waiting for your answer" in body
    rows = re.findall(r"EBRA (\d+) with Harbor Health ACO", body)
    assert rows == [str(offered.pk), str(active.pk)]  # the offer first, the draft and the other PP's never
    assert "Riverside" not in body and "1245319599" not in body
    assert "Feb 1, 2028 – Dec 31, 2028" in body and "Elective hip or knee replacement" in body


def test_a_preferred_provider_user_with_no_arrangement_sees_an_empty_state(world: World) -> None:
    body = text(client(world.pp_user).get("/provider/").content.decode())
    assert "No ACO has offered you an arrangement yet" in body


# --- answering an offer -------------------------------------------------------------------------------------


def test_a_preferred_provider_user_accepts_an_offer(world: World) -> None:
    offer = ebra(world, "offered")
    c = client(world.pp_user)
    page = text(c.get(f"/provider/arrangements/{offer.pk}/").content.decode())
    assert "Accept the offer" in page and "Decline the offer" in page
    # Terms: baseline $20,000.00, discount 5%, target $19,000.00; adjustment 50% on UAMCC; limit 20%.
    assert "Elective hip or knee replacement Default $20,000.00 Discount 5% $19,000.00" in page
    assert "50% of each period's amount depends on" in page and "at most 20% of the period's total" in page
    response = c.post(f"/provider/arrangements/{offer.pk}/", {"action": "accept"}, follow=True)
    offer.refresh_from_db()
    assert offer.status == "accepted"
    event = offer.events.order_by("-pk").first()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor) == ("offered", "accepted", world.pp_user)
    body = text(response.content.decode())
    assert "Offer accepted; the ACO can now submit it to CMS." in body
    assert "Pat Ortho moved it from “Offered to the Preferred Provider” to “Accepted by the Preferred Provider”" in body
    assert "Dana Admin moved it from “Draft” to “Offered to the Preferred Provider”" in body  # names, not ids
    assert "Accept the offer" not in body


def test_declining_needs_a_reason_and_records_it_with_the_actor(world: World) -> None:
    offer = ebra(world, "offered")
    c = client(world.pp_user)
    refused = c.post(f"/provider/arrangements/{offer.pk}/", {"action": "decline", "reason": "  "})
    assert refused.status_code == 400
    assert "Give a reason for declining: the ACO sees it." in text(refused.content.decode())
    offer.refresh_from_db()
    assert offer.status == "offered"
    done = c.post(f"/provider/arrangements/{offer.pk}/", {"action": "decline", "reason": "Target too low"}, follow=True)
    offer.refresh_from_db()
    assert offer.status == "declined"
    event = offer.events.order_by("-pk").first()
    assert event is not None
    assert (event.to_status, event.actor, event.reason) == ("declined", world.pp_user, "Target too low")
    assert "Offer declined; the ACO has been told why." in text(done.content.decode())


def test_a_draft_and_another_preferred_providers_offer_answer_404_and_stay_as_they_are(world: World) -> None:
    draft = ebra(world, "draft")
    theirs = ebra(world, "offered", pp=world.other_pp)
    c = client(world.pp_user)
    for arrangement in (draft, theirs):
        assert c.get(f"/provider/arrangements/{arrangement.pk}/").status_code == 404
        assert c.post(f"/provider/arrangements/{arrangement.pk}/", {"action": "accept"}).status_code == 404
        arrangement.refresh_from_db()
        assert arrangement.status in ("draft", "offered") and arrangement.events.count() in (1, 2)
    assert c.get("/provider/arrangements/999999/").status_code == 404


def test_an_answer_the_status_no_longer_allows_is_a_message_not_a_500(world: World) -> None:
    accepted = ebra(world, "accepted")
    response = client(world.pp_user).post(f"/provider/arrangements/{accepted.pk}/", {"action": "accept"})
    assert response.status_code == 400
    assert "This EBRA is accepted by the preferred provider; that action is not possible now." in text(
        response.content.decode()
    )
    odd = client(world.pp_user).post(f"/provider/arrangements/{accepted.pk}/", {"action": "approve"}, follow=True)
    assert "Action: choose accept or decline, not “approve”." in text(odd.content.decode())


# --- episodes and claims ------------------------------------------------------------------------------------


def test_only_their_episodes_under_an_active_ebra_show_and_the_list_is_access_logged(world: World) -> None:
    active = ebra(world, "active")
    run = episode_run()
    mine = episode(run, world, THEIRS, dt.date(2028, 3, 1))  # hip/knee, theirs, inside the period
    episode(run, world, OTHER_TYPE, dt.date(2028, 3, 2), definition=world.heart)  # a type not in the EBRA
    episode(run, world, OTHER_PP, dt.date(2028, 3, 3), pp=world.other_pp)  # another Preferred Provider's
    episode(run, world, EARLY, dt.date(2028, 1, 20))  # before the effective start (Feb 1)
    c = client(world.pp_user)
    page = c.get(f"/provider/arrangements/{active.pk}/episodes/")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert "1 episode." in body
    assert THEIRS in body
    for mbi in (OTHER_TYPE, OTHER_PP, EARLY):
        assert mbi not in body
    assert f"/provider/arrangements/{active.pk}/episodes/{mine.pk}/" in page.content.decode()
    [log] = logs("cara_provider_episodes")
    assert (log.user, log.aco_code, log.object_id) == (world.pp_user, world.aco.aco_id, f"EBRA {active.pk}")
    # The EBRA page's analytics: one closed hip/knee episode at $15,000.00 against the $19,000.00 target.
    detail = text(c.get(f"/provider/arrangements/{active.pk}/").content.decode())
    assert "Elective hip or knee replacement 1 1 $15,000.00 $19,000.00 $4,000.00" in detail
    assert "Heart failure" not in detail.split("Your episodes", 1)[1].split("Reconciliations", 1)[0]
    # The API: the same one episode, access-logged too.
    api = APIClient()
    api.force_authenticate(world.pp_user)
    answer = api.get(f"/api/provider/arrangements/{active.pk}/episodes/")
    assert answer.status_code == 200
    assert [e["mbi"] for e in answer.json()["results"]] == [THEIRS]
    assert len(logs("cara_provider_episodes")) == 2


def test_an_ebra_not_yet_active_shows_no_episodes(world: World) -> None:
    accepted = ebra(world, "accepted")
    run = episode_run()
    episode(run, world, THEIRS, dt.date(2028, 3, 1))
    body = text(client(world.pp_user).get(f"/provider/arrangements/{accepted.pk}/episodes/").content.decode())
    assert THEIRS not in body and "episodes are shared with you once it is active" in body


def test_a_terminated_ebra_keeps_the_episodes_up_to_the_termination_day(world: World) -> None:
    ended = ebra(world, "terminated", terminated_on=dt.date(2028, 3, 15), termination_reason="Practice closed")
    run = episode(episode_run(), world, THEIRS, dt.date(2028, 3, 1)).run
    episode(run, world, OTHER_TYPE, dt.date(2028, 4, 1))  # after the termination
    body = text(client(world.pp_user).get(f"/provider/arrangements/{ended.pk}/episodes/").content.decode())
    assert THEIRS in body and OTHER_TYPE not in body


def fact(source: int, row: int, mbi: str, day: str, cents: int, **fields: Any) -> None:
    date = dt.date.fromisoformat(day)
    fields.setdefault("is_current", True)
    ClaimFact.objects.create(
        source=source, row_id=row, service_year=date.year, current_mbi=mbi, from_date=date, thru_date=date,
        paid_cents=cents, **fields,
    )  # fmt: skip


def test_the_episode_page_lists_the_claims_in_the_window_and_writes_an_access_log_row(world: World) -> None:
    """Window: Mar 1 – Jun 3, 2028 (anchor to Mar 5, 90 days after). Counted: the index stay (claim 9001,
    $15,000.00), a SNF stay ($4,000.00), the surgeon's own Part B line ($200.00) and Riverside's Part B line
    ($100.00): $19,300.00. Not counted: a denied line, a replaced version, a line after the window, and
    another beneficiary's stay."""
    active = ebra(world, "active")
    run = episode_run()
    mine = episode(run, world, THEIRS, dt.date(2028, 3, 1), post_acute_cents=400_000, professional_cents=30_000)
    cclf8_beneficiary(THEIRS, first_name="Ada", last_name="Lovelace")
    fact(1, 1, THEIRS, "2028-03-01", 1_500_000, claim_id=9001, claim_type=60, ccn="210001")
    fact(1, 2, THEIRS, "2028-03-06", 400_000, claim_id=9002, claim_type=20, ccn="215001")
    fact(5, 3, THEIRS, "2028-03-02", 20_000, claim_id=9003, tin=world.pp.tin, npi=world.pp.npi, hcpcs="27447")
    fact(
        5, 4, THEIRS, "2028-03-03", 10_000, claim_id=9004, tin=world.other_pp.tin, npi=world.other_pp.npi, hcpcs="99232"
    )
    fact(5, 5, THEIRS, "2028-03-04", 7_000, claim_id=9005, npi=world.pp.npi, is_denied=True)
    fact(5, 6, THEIRS, "2028-03-04", 8_000, claim_id=9006, npi=world.pp.npi, is_current=False)
    fact(5, 7, THEIRS, "2028-06-04", 9_000, claim_id=9007, npi=world.pp.npi)  # the day after the window
    fact(1, 8, OTHER_PP, "2028-03-10", 600_000, claim_id=9008, claim_type=60)
    before = AccessLog.objects.count()
    page = client(world.pp_user).get(f"/provider/arrangements/{active.pk}/episodes/{mine.pk}/")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert "Lovelace, Ada" in body and THEIRS in body
    assert "Mar 1, 2028 – Jun 3, 2028" in body
    claims = body.split("Claims in the window", 1)[1]
    assert (
        "Mar 1, 2028 Index (the trigger's own claim) 9001 Part A (institutional) MS-DRG 470 CCN 210001 $15,000.00"
        in claims
    )
    assert (
        "Mar 2, 2028 Professional (Part B) 9003 Part B (professional) HCPCS 27447 You (Harbor Orthopedics) $200.00"
        in claims
    )
    assert (
        "Mar 3, 2028 Professional (Part B) 9004 Part B (professional) HCPCS 99232 "
        "A provider of Harbor Health ACO $100.00" in claims
    )
    assert "Mar 6, 2028 Skilled nursing facility 9002" in claims
    for absent in ("9005", "9006", "9007", "9008", world.other_pp.npi, world.other_pp.tin, "Riverside"):
        assert absent not in claims
    assert "Total $19,300.00" in claims
    assert AccessLog.objects.count() == before + 1
    [log] = logs("cara_provider_episode")
    assert (log.user, log.aco_code, log.object_id) == (world.pp_user, world.aco.aco_id, THEIRS)


def test_another_preferred_providers_episode_and_the_acos_pages_answer_404(world: World) -> None:
    mine = ebra(world, "active")
    theirs = ebra(world, "active", pp=world.other_pp)
    run = episode_run()
    their_episode = episode(run, world, OTHER_PP, dt.date(2028, 3, 3), pp=world.other_pp)
    c = client(world.pp_user)
    for url in (
        f"/provider/arrangements/{theirs.pk}/",
        f"/provider/arrangements/{theirs.pk}/episodes/",
        f"/provider/arrangements/{theirs.pk}/episodes/{their_episode.pk}/",
        f"/provider/arrangements/{mine.pk}/episodes/{their_episode.pk}/",  # their episode under my EBRA
        f"/acos/{world.aco.aco_id}/",
        f"/acos/{world.aco.aco_id}/cara/",
        f"/acos/{world.aco.aco_id}/cara/episodes/",
        f"/acos/{world.aco.aco_id}/preferred-providers/",
        "/cms/",
    ):
        assert c.get(url).status_code == 404, url
    assert not logs("cara_provider_episode") and not logs("cara_provider_episodes")


@pytest.mark.parametrize("who", ["admin", "analyst"])
def test_the_acos_people_get_404_on_the_provider_pages(world: World, who: str) -> None:
    """An ACO's people are not Preferred Provider users: they see EBRAs on the ACO's pages, not here."""
    active = ebra(world, "active")
    c = client(getattr(world, who))
    for url in ("/provider/", f"/provider/arrangements/{active.pk}/", f"/provider/arrangements/{active.pk}/episodes/"):
        assert c.get(url).status_code == 404, url
    api = APIClient()
    api.force_authenticate(getattr(world, who))
    assert api.get("/api/provider/arrangements/").status_code == 404


# --- reconciliations and statements -------------------------------------------------------------------------


def reconciliation(arrangement: Arrangement, **fields: Any) -> Reconciliation:
    return Reconciliation.objects.create(
        arrangement=arrangement, period_start=dt.date(2028, 2, 1), period_end=dt.date(2028, 4, 30), episodes=1,
        target_cents=1_900_000, actual_cents=1_500_000, difference_cents=400_000, adjustment_factor="0.75",
        adjusted_cents=300_000, amount_cents=300_000, final=True, **fields,
    )  # fmt: skip


def test_the_reconciliations_show_with_their_statement_buttons(world: World) -> None:
    active = ebra(world, "active")
    rec = reconciliation(active, quality_points=50.0, measure_rate=30.0)
    page = client(world.pp_user).get(f"/provider/arrangements/{active.pk}/").content.decode()
    assert f'action="/provider/reconciliations/{rec.pk}/statement/"' in page
    body = text(page)
    row = body.split("Reconciliations of this arrangement by period", 1)[1]
    assert (
        row.split("XLSX statement for")[0]
        .strip()
        .startswith(
            "Period Closed episodes Target Actual Difference Measure rate Quality points Factor Amount Status "
            "Statement "
            "Feb 1, 2028 – Apr 30, 2028 1 $19,000.00 $15,000.00 $4,000.00 30 per 100 person-years 50 points 0.75 "
            "$3,000.00 paid to you Final"
        )
    )
    assert "PDF statement for Feb 1, 2028 – Apr 30, 2028" in row


def test_statements_of_another_preferred_provider_answer_404(world: World) -> None:
    theirs = reconciliation(ebra(world, "active", pp=world.other_pp))
    document = CaraDocument.objects.create(
        kind="statement", format="pdf", aco=world.aco, arrangement=theirs.arrangement, reconciliation=theirs,
        status="ready",
    )  # fmt: skip
    c = client(world.pp_user)
    assert c.post(f"/provider/reconciliations/{theirs.pk}/statement/", {"format": "pdf"}).status_code == 404
    assert c.get(f"/provider/documents/{document.pk}/download/").status_code == 404
    assert CaraDocument.objects.count() == 1


def test_a_bad_statement_format_is_a_message(world: World) -> None:
    rec = reconciliation(ebra(world, "active"))
    response = client(world.pp_user).post(
        f"/provider/reconciliations/{rec.pk}/statement/", {"format": "docx"}, follow=True
    )
    assert "Format: choose XLSX or PDF, not “docx”." in text(response.content.decode())
    assert not CaraDocument.objects.exists()


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_lists_answers_and_scopes_the_arrangements(world: World) -> None:
    offer = ebra(world, "offered")
    theirs = ebra(world, "offered", pp=world.other_pp)
    ebra(world, "draft")
    api = APIClient()
    api.force_authenticate(world.pp_user)
    rows = api.get("/api/provider/arrangements/").json()
    assert [r["id"] for r in rows] == [offer.pk]
    assert rows[0]["aco_name"] == "Harbor Health ACO" and rows[0]["actions"] == ["accept", "decline"]
    assert rows[0]["terms"][0]["target_cents"] == 1_900_000
    assert "aco" not in rows[0] and "aco_id" not in rows[0]
    assert api.get(f"/api/provider/arrangements/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/provider/arrangements/{theirs.pk}/actions/", {"action": "accept"}).status_code == 404
    refused = api.post(f"/api/provider/arrangements/{offer.pk}/actions/", {"action": "decline"}, format="json")
    assert refused.status_code == 400 and refused.json() == {
        "reason": ["Give a reason for declining: the ACO sees it."]
    }
    done = api.post(f"/api/provider/arrangements/{offer.pk}/actions/", {"action": "accept"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    assert [h["actor"] for h in done.json()["history"]] == ["Dana Admin", "Dana Admin", "Pat Ortho"]
    assert api.get(f"/api/provider/arrangements/{offer.pk}/reconciliations/").json() == []


def test_a_preferred_provider_user_requests_a_statement_of_their_reconciliation(world: World) -> None:
    rec = reconciliation(ebra(world, "active"))
    c = client(world.pp_user)
    response = c.post(f"/provider/reconciliations/{rec.pk}/statement/", {"format": "xlsx"}, follow=True)
    assert response.status_code == 200
    assert "Statement (XLSX) requested" in text(response.content.decode())
    [document] = CaraDocument.objects.all()
    assert (document.kind, document.format, document.reconciliation, document.requested_by) == (
        "statement", "xlsx", rec, world.pp_user,
    )  # fmt: skip
    # Its download is the Preferred Provider's (404 for the other one's user).
    assert client(world.other_user).get(f"/provider/documents/{document.pk}/download/").status_code == 404
    assert c.get(f"/provider/documents/{document.pk}/download/").status_code in (200, 409)
