"""Every EBRA transition by every role (docs/cara.md, "Arrangements"), the checks on the terms, and the ACO's
pages: who may do what, what each refusal says, and that every move is recorded with its actor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.acos.models import Election
from apps.cara import arrangements
from apps.cara.models import Arrangement, ArrangementEvent
from apps.cara.models import ArrangementStatus as S
from apps.reviews.models import ReviewState
from tests.cara.ebra_world import PY, World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings: Any) -> World:
    settings.PORTAL_TODAY = "2027-10-15"
    return make_world()


def draft(w: World, **overrides: Any) -> Arrangement:
    return arrangements.arrangement_create(
        aco=w.aco, acting_user=w.admin, performance_year=PY, data=w.terms(**overrides)
    )


def act(a: Arrangement, user: Any, action: str, **kw: Any) -> Arrangement:
    arrangements.arrangement_act(arrangement=a, acting_user=user, action=action, **kw)
    a.refresh_from_db()
    return a


def refused(a: Arrangement, user: Any, action: str, **kw: Any) -> None:
    with pytest.raises((PermissionDenied, ValidationError)):
        act(a, user, action, **kw)
    a.refresh_from_db()


def test_only_the_acos_administrators_draft_and_the_terms_are_checked(w: World) -> None:
    for user in (w.analyst, w.reviewer, w.pp_user, w.outsider):
        with pytest.raises(PermissionDenied):
            arrangements.arrangement_create(aco=w.aco, acting_user=user, performance_year=PY, data=w.terms())
    a = draft(w, terms=[{"definition": w.hip.pk, "adjustment": "premium", "rate_pct": "5"}])
    assert a.status == S.DRAFT
    # $20,000 plus 5% = $21,000.
    assert [(t.baseline_cents, t.target_cents) for t in a.terms.all()] == [(2_000_000, 2_100_000)]

    def problems(**overrides: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            draft(w, **overrides)
        return " ".join(caught.value.messages)

    assert "paid through Non-Primary Care Capitation (NPCC)" in problems(preferred_provider=w.npcc_pp.pk)
    assert "choose one of the ACO's PY2027 Preferred Providers" in problems(preferred_provider=w.other_pp.pk)
    assert "Performance adjustment: 5 is outside 10–100%" in problems(performance_adjustment_pct="5")
    assert "Repayment limit: enter a number, not “lots”" in problems(repayment_limit_pct="lots")
    assert "Effective to: the end comes before the start" in problems(
        effective_end="2027-01-01", effective_start="2027-02-01"
    )
    assert "runs inside 2027" in problems(effective_end="2028-03-31")
    sepsis = next(d for d in arrangements.definitions_for(aco=w.aco, performance_year=PY) if d.code == "sepsis")
    assert "Sepsis: no baseline yet" in problems(terms=[{"definition": sepsis.pk, "rate_pct": "0"}])
    assert "Elective hip or knee replacement: discount: 60 is outside 0–50%" in problems(
        terms=[{"definition": w.hip.pk, "adjustment": "discount", "rate_pct": "60"}]
    )
    assert "Episode types: choose at least one" in problems(terms=[])
    Election.objects.filter(aco=w.aco).update(cara_participation=False)
    assert "does not include CARA" in problems()
    Election.objects.filter(aco=w.aco).update(cara_participation=True, risk_option="professional")
    assert "CARA is for ACOs in the Global risk option" in problems()


def test_the_first_episode_date_bounds_the_effective_start(w: World) -> None:
    from apps.cara.models import EpisodeParameters

    EpisodeParameters.objects.filter(performance_year=PY).update(first_episode_date="2027-04-01")
    with pytest.raises(ValidationError, match="count for payment from April 1, 2027"):
        draft(w)


def test_the_whole_lifecycle_each_step_by_the_only_role_allowed(w: World) -> None:
    a = draft(w)
    for user in (w.analyst, w.pp_user, w.reviewer):
        refused(a, user, "offer")
    act(a, w.admin, "offer")
    assert a.status == S.OFFERED
    refused(a, w.other_pp_user, "accept")
    refused(a, w.admin, "accept")
    refused(a, w.reviewer, "accept")
    refused(a, w.pp_user, "submit")
    act(a, w.pp_user, "accept")
    a.refresh_from_db()
    assert a.status == S.ACCEPTED
    for user in (w.analyst, w.pp_user, w.reviewer):
        refused(a, user, "submit")
    act(a, w.admin, "submit")
    a.refresh_from_db()
    assert a.review is not None
    assert a.status == S.SUBMITTED and a.review.state == ReviewState.SUBMITTED and a.review.versions.count() == 1
    for user in (w.admin, w.analyst, w.pp_user):
        refused(a, user, "approve", reason="ok")
    act(a, w.reviewer, "start_review")
    refused(a, w.admin, "withdraw")  # CMS has started
    refused(a, w.reviewer, "request_changes", reason="  ")  # a reason is required
    act(a, w.reviewer, "request_changes", reason="A 10% discount, please.")
    a.refresh_from_db()
    assert a.status == S.CHANGES_REQUESTED
    # The ACO changes the terms; the Preferred Provider accepts them again before they go back to CMS.
    arrangements.arrangement_update(
        arrangement=a, acting_user=w.admin,
        data=w.terms(terms=[{"definition": w.hip.pk, "adjustment": "discount", "rate_pct": "10"}]),
    )  # fmt: skip
    refused(a, w.admin, "submit")
    act(a, w.admin, "offer")
    act(a, w.pp_user, "accept")
    act(a, w.admin, "submit")
    a.refresh_from_db()
    assert a.review.versions.count() == 2
    v1, v2 = (v.content for v in a.review.versions.order_by("number"))
    assert "discount 0.00%, target $20,000.00" in v1["type:hip_knee"]
    assert "discount 10.00%, target $18,000.00" in v2["type:hip_knee"]
    act(a, w.reviewer, "approve", reason="Approved.")
    a.refresh_from_db()
    # The portal's date (Oct 15, 2027) is past the effective start: active at once.
    assert a.status == S.ACTIVE and a.review is not None and a.review.state == ReviewState.APPROVED
    refused(a, w.analyst, "terminate", on="2027-10-31", reason="x")
    refused(a, w.pp_user, "terminate", on="2027-10-31", reason="x")
    refused(a, w.admin, "terminate", on="2028-01-31", reason="Out of range")
    refused(a, w.admin, "terminate", on="2027-10-31", reason="")
    act(a, w.admin, "terminate", on="2027-10-31", reason="The group left the market.")
    a.refresh_from_db()
    assert a.status == S.TERMINATED and str(a.terminated_on) == "2027-10-31"
    moves = [(e.from_status, e.to_status, e.actor.username) for e in ArrangementEvent.objects.filter(arrangement=a)]
    assert moves == [
        ("", "draft", w.admin.username),
        ("draft", "offered", w.admin.username),
        ("offered", "accepted", w.pp_user.username),
        ("accepted", "submitted", w.admin.username),
        ("submitted", "changes_requested", w.reviewer.username),
        ("changes_requested", "offered", w.admin.username),
        ("offered", "accepted", w.pp_user.username),
        ("accepted", "submitted", w.admin.username),
        ("submitted", "approved", w.reviewer.username),
        ("approved", "active", w.reviewer.username),
        ("active", "terminated", w.admin.username),
    ]


def test_decline_deny_withdraw_and_a_later_activation(w: World, settings: Any) -> None:
    a = draft(w)
    act(a, w.admin, "offer")
    refused(a, w.pp_user, "decline", reason="")
    act(a, w.pp_user, "decline", reason="The discount is too deep.")
    a.refresh_from_db()
    assert a.status == S.DECLINED and a.events.values_list("reason", flat=True).last() == "The discount is too deep."
    act(a, w.admin, "withdraw", reason="Starting over.")
    a.refresh_from_db()
    assert a.status == S.WITHDRAWN
    refused(a, w.admin, "offer")

    b = draft(w)
    for action, user in (("offer", w.admin), ("accept", w.pp_user), ("submit", w.admin)):
        act(b, user, action)
    act(b, w.reviewer, "deny", reason="Targets too low.")
    b.refresh_from_db()
    assert b.status == S.DENIED and b.review is not None and b.review.state == ReviewState.DENIED
    refused(b, w.admin, "submit")

    # Approved before its start: it waits, and the ACO activates it once the start has come.
    settings.PORTAL_TODAY = "2026-12-01"
    c = draft(w)
    for action, user in (("offer", w.admin), ("accept", w.pp_user), ("submit", w.admin), ("approve", w.reviewer)):
        act(c, user, action, reason="Yes.")
    c.refresh_from_db()
    assert c.status == S.APPROVED
    with pytest.raises(ValidationError, match="takes effect on January 1, 2027"):
        act(c, w.admin, "activate")
    settings.PORTAL_TODAY = "2027-01-02"
    refused(c, w.analyst, "activate")
    act(c, w.admin, "activate")
    c.refresh_from_db()
    assert c.status == S.ACTIVE


def text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_the_pages_by_role(w: World, client_for: Any) -> None:
    admin = client_for(w.admin)
    page = admin.post(
        f"/acos/{w.aco.aco_id}/cara/arrangements/new/?py={PY}",
        {
            "preferred_provider": w.pp.pk, "effective_start": "2027-01-01", "effective_end": "2027-12-31",
            "performance_adjustment_pct": "50", "quality_measure": "uamcc", "repayment_limit_pct": "20",
            f"type_{w.hip.pk}_include": "on", f"type_{w.hip.pk}_adjustment": "discount", f"type_{w.hip.pk}_rate": "10",
            f"type_{w.hf.pk}_adjustment": "premium", f"type_{w.hf.pk}_rate": "abc",
        },
    )  # fmt: skip
    assert page.status_code == 302, text(page.content)[:2000]
    a = Arrangement.objects.get()
    url = f"/acos/{w.aco.aco_id}/cara/arrangements/{a.pk}/"
    body = text(admin.get(url).content)
    assert "Elective hip or knee replacement Default $20,000.00 Discount 10% $18,000.00" in body
    assert "Offer to the Preferred Provider" in body
    bad = admin.post(
        f"/acos/{w.aco.aco_id}/cara/arrangements/new/?py={PY}",
        {"preferred_provider": w.pp.pk, "effective_start": "2027-01-01", "effective_end": "2027-12-31",
         "performance_adjustment_pct": "50", "quality_measure": "uamcc", "repayment_limit_pct": "20",
         f"type_{w.hip.pk}_include": "on", f"type_{w.hip.pk}_rate": "ten"},
    )  # fmt: skip
    assert bad.status_code == 400 and "discount: enter a number, not “ten”" in text(bad.content)
    analyst = client_for(w.analyst)
    assert analyst.get(url).status_code == 200
    assert "Offer to the Preferred Provider" not in text(analyst.get(url).content)
    assert analyst.post(url + "act/", {"action": "offer"}).status_code == 403
    assert analyst.get(f"/acos/{w.aco.aco_id}/cara/arrangements/new/").status_code == 403
    assert client_for(w.outsider).get(url).status_code == 404
    assert client_for(w.pp_user).get(url).status_code == 404
    assert admin.post(url + "act/", {"action": "offer"}).status_code == 302
    a.refresh_from_db()
    assert a.status == S.OFFERED
    # A refused move is a message on the page, not an error page.
    response = admin.post(url + "act/", {"action": "submit"}, follow=True)
    assert response.status_code == 200 and "offered to the preferred provider; that action is not possible now" in text(
        response.content
    )
    # CMS decides on the same page.
    act(a, w.pp_user, "accept")
    act(a, w.admin, "submit")
    cms = client_for(w.reviewer)
    assert "Request changes" in text(cms.get(url).content)
    assert cms.post(url + "act/", {"action": "approve", "reason": "Good terms."}).status_code == 302
    a.refresh_from_db()
    assert a.status == S.ACTIVE


def test_the_api_drafts_moves_and_refuses_like_the_pages(w: World, client_for: Any) -> None:
    base = f"/api/acos/{w.aco.aco_id}/cara/arrangements/"
    admin = client_for(w.admin)
    body = {
        "preferred_provider": w.pp.pk, "effective_start": "2027-01-01", "effective_end": "2027-12-31",
        "terms": [{"definition": w.hip.pk, "adjustment": "premium", "rate_pct": "2.5"}],
    }  # fmt: skip
    made = admin.post(f"{base}?py={PY}", body, content_type="application/json")
    assert made.status_code == 201, made.content
    data = made.json()
    # $20,000 plus 2.5% = $20,500.
    assert data["status"] == "draft" and data["terms"][0]["target_cents"] == 2_050_000
    url = f"{base}{data['id']}/"
    bad = admin.post(f"{base}?py={PY}", {**body, "performance_adjustment_pct": "200"}, content_type="application/json")
    assert bad.status_code == 400 and "Performance adjustment: 200 is outside 10–100%" in str(bad.json())
    assert (
        client_for(w.analyst).post(url + "actions/", {"action": "offer"}, content_type="application/json").status_code
        == 403
    )
    assert client_for(w.outsider).get(url).status_code == 404
    assert client_for(w.pp_user).get(url).status_code == 404
    moved = admin.post(url + "actions/", {"action": "offer"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "offered"
    refused_move = admin.post(url + "actions/", {"action": "submit"}, content_type="application/json")
    assert refused_move.status_code == 400
    assert [r["id"] for r in client_for(w.analyst).get(base).json()["results"]] == [data["id"]]


def test_an_episode_type_of_a_provider_is_under_one_live_ebra_at_a_time(w: World) -> None:
    first = draft(w)
    # Drafts do not hold anything yet: a second draft of the same type is possible, but it cannot be offered
    # while the first one is out.
    second = draft(w)
    act(first, w.admin, "offer")
    with pytest.raises(
        ValidationError,
        match=(
            rf"Elective hip or knee replacement with Hip Surgeons LLC is already under EBRA {first.pk} "
            r"\(offered to the preferred provider\) from January 1, 2027 to December 31, 2027"
        ),
    ):
        act(second, w.admin, "offer")
    with pytest.raises(ValidationError, match="already under EBRA"):
        draft(w, effective_start="2027-06-01")
    # Another type, or the same type after the first ends, is fine.
    draft(w, terms=[{"definition": w.hf.pk, "rate_pct": "0"}])
    act(first, w.pp_user, "decline", reason="No.")
    act(second, w.admin, "offer")
