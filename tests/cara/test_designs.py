"""Maximal Flexibility designs (apps/cara/designs.py): an ACO's variant of a default through the one review
workflow (pages and API), the rules and their messages, who may do what, and the variants' episodes over
the hand-worked world of tests/cara/world.py.

From the world's docstring, the HIP beneficiary's claims (the hip/knee stay 101, 2026-03-01 to 03-04):
index 101 $15,000 (03-01), SNF 102 $4,000 (03-05), Part B 201 $200 (03-10), outpatient 103 $300 (04-01),
the heart-failure stay 104 $8,000 (04-10 to 04-13), Part B 202 $50 (06-03), the sepsis stay 105 $10,000
(06-10). FRACTURE: the stay 131 (MS-DRG 469, principal diagnosis S72.001A), 2026-01-10 to 01-15, $20,000,
operating SURGEON, and nothing else."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.acos.models import ACO, Election, Membership
from apps.cara import designs, services
from apps.cara.models import DesignProposal, Episode, EpisodeBaseline, EpisodeDefinition, EpisodeRun
from apps.reviews.models import ReviewState
from tests.cara.world import FRACTURE, HIP, PY, SURGEON, load_world
from tests.factories import ACOFactory, MembershipFactory

pytestmark = pytest.mark.django_db
D = dt.date
S = ReviewState
ClientFor = Callable[[User | None], Client]


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def world(tmp_path: Path) -> Any:
    aco, alignment, pp = load_world(tmp_path / "package")
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    services.ensure_catalogue(PY)
    return aco, alignment, pp


@pytest.fixture
def people(world: Any, cms_reviewer: User) -> dict[str, User]:
    aco = world[0]
    return {
        "admin": MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user,
        "analyst": MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST).user,
        "reviewer": cms_reviewer,
    }


def hip_default() -> EpisodeDefinition:
    return EpisodeDefinition.objects.get(performance_year=PY, code="hip_knee", aco__isnull=True)


def default(code: str) -> EpisodeDefinition:
    return EpisodeDefinition.objects.get(performance_year=PY, code=code, aco__isnull=True)


def form(**fields: Any) -> dict[str, Any]:
    """The design form as a browser posts it: the hip/knee default's values, with ``fields`` in their place."""
    data: dict[str, Any] = {
        "name": "Knee replacement, 60 days",
        "trigger_kind": "inpatient",
        "trigger_codes": "469, 470",
        "window_days": "90",
        "included_categories": ["inpatient", "snf", "home_health", "outpatient", "professional", "dme", "hospice"],
        "excluded_diagnoses": "S72",
        "rationale": "",
    }
    data.update(fields)
    return data


def variant(aco: ACO, based_on: EpisodeDefinition, **fields: Any) -> EpisodeDefinition:
    """An approved variant as approval leaves it (the workflow itself is tested below)."""
    values: dict[str, Any] = {
        "performance_year": PY,
        "code": f"{based_on.code}-{aco.aco_id.lower()}-1",
        "name": f"{based_on.name}, 30 days",
        "design": EpisodeDefinition.Design.FLEXIBLE,
        "aco": aco,
        "based_on": based_on,
        "trigger_kind": based_on.trigger_kind,
        "trigger_codes": list(based_on.trigger_codes),
        "window_days": 30,
        "included_categories": list(based_on.included_categories),
        "excluded_diagnoses": [],
    } | fields
    row = EpisodeDefinition(**values)
    row.full_clean()
    row.save()
    return row


# --- the whole flow on the pages ----------------------------------------------------------------------------


def test_propose_review_change_resubmit_approve_and_build_the_variants_episodes(
    world: Any, people: dict[str, User], client_for: ClientFor
) -> None:
    aco, alignment, pp = world
    admin, reviewer = client_for(people["admin"]), client_for(people["reviewer"])
    hip = hip_default()
    listing = admin.get(f"/acos/{aco.aco_id}/cara/designs/?py={PY}")
    assert listing.status_code == 200
    assert "Elective hip or knee replacement" in text(listing) and "Propose a variant" in text(listing)

    # The new form starts from the default's values.
    new_url = reverse("cara_designs:new", kwargs={"aco_id": aco.aco_id})
    page = admin.get(f"{new_url}?based_on={hip.pk}&py={PY}")
    assert page.status_code == 200
    assert 'value="469, 470"' in page.content.decode() and 'value="S72"' in page.content.decode()

    # Knee replacements only (MS-DRG 470), still 90 days.
    created = admin.post(f"{new_url}?py={PY}", {"based_on": hip.pk, **form(trigger_codes="470")})
    assert created.status_code == 302, text(created)
    proposal = DesignProposal.objects.get(aco=aco)
    detail = reverse("cara_designs:detail", kwargs={"aco_id": aco.aco_id, "proposal_id": proposal.pk})
    assert created["Location"] == detail
    assert proposal.review.state == S.DRAFT and proposal.review.content["window_days"] == 90
    shown = text(admin.get(detail))
    # Side by side: the codes differ from the default's, the window does not.
    assert "Trigger codes 469, 470 470 Changed" in shown
    assert "Window 90 days after discharge 90 days after discharge Same" in shown

    assert admin.post(f"{detail}submit/").status_code == 302
    proposal.review.refresh_from_db()
    assert proposal.review.state == S.SUBMITTED

    # CMS asks for changes; the reason is required.
    refused = reviewer.post(f"{detail}review/", {"action": "request_changes", "reason": ""})
    assert refused.status_code == 400 and "Give a reason" in text(refused)
    asked = reviewer.post(f"{detail}review/", {"action": "request_changes", "reason": "Use a 60-day window."})
    assert asked.status_code == 302
    proposal.review.refresh_from_db()
    assert proposal.review.state == S.CHANGES_REQUESTED
    said = reviewer.post(f"{detail}comments/", {"section": "window_days", "body": "60 days, please."})
    assert said.status_code == 302
    assert admin.post(f"{detail}comments/", {"section": "general", "body": "Changed to 60."}).status_code == 302

    # The ACO edits the window (90 → 60) and submits again.
    edit = admin.get(f"{detail}edit/")
    assert edit.status_code == 200 and 'value="470"' in edit.content.decode()
    saved = admin.post(f"{detail}edit/", form(trigger_codes="470", window_days="60"))
    assert saved.status_code == 302, text(saved)
    assert admin.post(f"{detail}submit/").status_code == 302

    shown = text(reviewer.get(detail))
    assert "What changed since the previous submission" in shown
    assert "Window 90 days 60 days" in shown
    assert "Trigger codes" not in shown[shown.find("What changed") : shown.find("The design beside")]
    assert "60 days, please." in shown and "Changed to 60." in shown
    assert "Use a 60-day window." in shown  # the history

    approved = reviewer.post(f"{detail}review/", {"action": "approve", "reason": "Fine."})
    assert approved.status_code == 302
    proposal.refresh_from_db()
    assert proposal.review.state == S.APPROVED
    made = proposal.definition
    assert made is not None
    assert (made.design, made.aco_id, made.based_on_id, made.performance_year) == ("flexible", aco.pk, hip.pk, PY)
    assert (made.trigger_kind, made.trigger_codes, made.window_days, made.excluded_diagnoses) == (
        "inpatient", ["470"], 60, ["S72"],
    )  # fmt: skip
    assert made.code == f"hip_knee-{aco.aco_id.lower()}-1" and made.name == "Knee replacement, 60 days"

    # The next episodes step builds the variant beside the defaults: the stay 101 starts both a default
    # hip/knee episode and a variant episode. 60 days after 2026-03-04 is 2026-05-03: claims 101, 102, 201,
    # 103 and the readmission 104 (04-10) are in; 202 (06-03) is not: $15,000 + $4,000 + $200 + $300 + $8,000.
    run = services.episode_run_execute(alignment_run=alignment)
    assert run.status == EpisodeRun.Status.SUCCEEDED, run.message
    mine = Episode.objects.get(run=run, definition=made)
    assert (mine.mbi, mine.trigger_claim_id, mine.start_date, mine.end_date) == (HIP, 101, D(2026, 3, 1), D(2026, 5, 3))
    assert (mine.cost_cents, mine.readmission_cents, mine.readmissions) == (2_750_000, 800_000, 1)
    assert (mine.aco_id, mine.preferred_provider_id, mine.attribution) == (aco.pk, pp.pk, "operating")
    assert Episode.objects.get(run=run, definition=hip, mbi=HIP).end_date == D(2026, 6, 2)
    assert run.counts["variant_episodes"] == 1

    shown = text(admin.get(detail))
    assert "Approved" in shown and "this design's mean cost is $27,500.00 (1 episode)" in shown


def test_a_30_day_variant_without_the_exclusion_costs_what_falls_inside_30_days(world: Any) -> None:
    aco, alignment, pp = world
    hip = hip_default()
    mine = variant(aco, hip, window_days=30, excluded_diagnoses=[])
    run = services.episode_run_execute(alignment_run=alignment)
    found = {e.mbi: e for e in Episode.objects.filter(run=run, definition=mine)}
    assert set(found) == {HIP, FRACTURE}
    # 2026-03-04 + 30 days = 2026-04-03: 101 ($15,000), 102 ($4,000), 201 ($200), 103 ($300, 04-01); the
    # heart-failure stay 104 (04-10) is after the window.
    ep = found[HIP]
    assert ep.end_date == D(2026, 4, 3)
    assert (ep.index_cents, ep.readmission_cents, ep.post_acute_cents, ep.professional_cents, ep.other_cents) == (
        1_500_000, 0, 400_000, 20_000, 30_000,
    )  # fmt: skip
    assert (ep.cost_cents, ep.readmissions, ep.closed, ep.preferred_provider_id) == (1_950_000, 0, True, pp.pk)
    # Without the S72 exclusion, the fracture stay is an episode of the variant (never of the default).
    fracture = found[FRACTURE]
    assert (fracture.trigger_claim_id, fracture.end_date, fracture.cost_cents) == (131, D(2026, 2, 14), 2_000_000)
    assert not Episode.objects.filter(run=run, definition=hip, mbi=FRACTURE).exists()
    # The default's episodes are as before (tests/cara/test_episodes.py).
    assert Episode.objects.get(run=run, definition=hip, mbi=HIP).cost_cents == 2_750_000
    # The variant's baseline: both 2026, closed: ($19,500 + $20,000) / 2.
    pooled = EpisodeBaseline.objects.get(run=run, definition=mine, year__isnull=True)
    assert (pooled.episodes, pooled.mean_cost_cents) == (2, 1_975_000)
    assert EpisodeBaseline.objects.get(run=run, definition=hip, year__isnull=True).mean_cost_cents == 2_750_000


def test_a_variant_competes_with_nothing(world: Any) -> None:
    """The heart-failure stay 104 is a readmission of the default hip/knee episode, so no default heart-failure
    episode; a heart-failure variant is a set of its own: 104 starts one. 30 days after 2026-04-13 is
    2026-05-13: only the stay itself ($8,000) began in it."""
    aco, alignment, pp = world
    hf = variant(aco, default("heart_failure"), window_days=30)
    run = services.episode_run_execute(alignment_run=alignment)
    assert not Episode.objects.filter(run=run, definition=default("heart_failure")).exists()
    ep = Episode.objects.get(run=run, definition=hf)
    assert (ep.mbi, ep.trigger_claim_id, ep.end_date, ep.cost_cents) == (HIP, 104, D(2026, 5, 13), 800_000)
    assert (ep.attributed_npi, ep.preferred_provider_id) == (SURGEON, pp.pk)


def test_another_acos_variant_is_built_for_everyone_but_counts_for_no_other_aco(world: Any) -> None:
    aco, alignment, pp = world
    other = ACOFactory.create()
    theirs = variant(other, hip_default(), window_days=30, excluded_diagnoses=[])
    run = services.episode_run_execute(alignment_run=alignment)
    rows = list(Episode.objects.filter(run=run, definition=theirs).order_by("mbi"))
    # HIP and FRACTURE are aligned to ``aco``, not to the variant's ACO: their episodes have no ACO and no
    # Preferred Provider (the surgeon is ``aco``'s), but they make the variant's portal-wide baseline.
    assert [(e.mbi, e.aco_id, e.preferred_provider_id, e.attributed_npi) for e in rows] == [
        (HIP, None, None, ""), (FRACTURE, None, None, ""),
    ]  # fmt: skip
    assert EpisodeBaseline.objects.get(run=run, definition=theirs, year__isnull=True).episodes == 2
    # ``aco``'s own figures hold only defaults.
    assert not Episode.objects.filter(run=run, aco=aco, definition__aco__isnull=False).exists()


def test_without_variants_the_step_counts_as_before(world: Any) -> None:
    _, alignment, _ = world
    run = services.episode_run_execute(alignment_run=alignment)
    assert "variant_episodes" not in run.counts and run.counts["episodes"] == 4
    assert EpisodeBaseline.objects.filter(run=run).count() == 20


# --- the rules and their messages ---------------------------------------------------------------------------


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [m for ms in exc.value.message_dict.values() for m in ms]


def test_bad_input_is_refused_with_the_field_and_the_value(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    with pytest.raises(ValidationError) as exc:
        designs.design_create(
            aco=aco,
            based_on=hip_default(),
            acting_user=people["admin"],
            data={
                "name": " ",
                "trigger_codes": "470, 47",
                "window_days": "45",
                "included_categories": ["snf", "pharmacy"],
                "excluded_diagnoses": "S72, 123",
            },
        )
    assert exc.value.message_dict == {
        "name": ["Name: required."],
        "trigger_codes": ["Trigger codes: MS-DRG \u201c47\u201d is not three digits (e.g. 470)."],
        "window_days": ["Window: \u201c45\u201d days is not possible; choose 30, 60 or 90 days."],
        "included_categories": [
            "Claim categories: \u201cpharmacy\u201d is not a claim category; choose among: inpatient, snf, "
            "home_health, outpatient, professional, dme, hospice."
        ],
        "excluded_diagnoses": [
            "Excluded diagnoses: \u201c123\u201d is not an ICD-10 code or prefix (a letter, a digit, then up to "
            "five letters or digits, e.g. S72)."
        ],
    }
    with pytest.raises(ValidationError) as exc:
        designs.clean_content(
            {"name": "PCI by procedure", "trigger_kind": "procedure", "trigger_codes": ["92928", "9292"],
             "window_days": "abc", "included_categories": []}
        )  # fmt: skip
    assert messages_of(exc) == [
        "Trigger codes: HCPCS code \u201c9292\u201d is not five letters or digits (e.g. 92928).",
        "Window: \u201cabc\u201d is not a number of days; choose 30, 60 or 90.",
        "Claim categories: choose at least one claim category.",
    ]
    with pytest.raises(ValidationError) as exc:
        designs.clean_content({**designs.default_content(hip_default()), "trigger_kind": "drug"})
    assert messages_of(exc) == [
        "Trigger: \u201cdrug\u201d is not a trigger; choose an inpatient stay (MS-DRG) or a procedure (HCPCS)."
    ]
    assert not DesignProposal.objects.exists()


def test_the_form_shows_the_services_message_on_the_field(
    world: Any, people: dict[str, User], client_for: ClientFor
) -> None:
    aco, _, _ = world
    response = client_for(people["admin"]).post(
        f"/acos/{aco.aco_id}/cara/designs/new/?py={PY}", {"based_on": hip_default().pk, **form(trigger_codes="47")}
    )
    assert response.status_code == 400
    assert "Trigger codes: MS-DRG \u201c47\u201d is not three digits (e.g. 470)." in text(response)
    assert not DesignProposal.objects.exists()


def test_a_design_the_same_as_its_default_cannot_be_submitted(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    proposal = designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"])
    assert proposal.review.content["name"] == "Elective hip or knee replacement (variant)"
    with pytest.raises(ValidationError, match="the same as CMS's default"):
        designs.design_submit(proposal=proposal, acting_user=people["admin"])
    # MS-DRGs compare without leading zeros: "0470" is not three digits, so cannot sneak in as a change.
    with pytest.raises(ValidationError, match="MS-DRG \u201c0470\u201d is not three digits"):
        designs.design_update(proposal=proposal, acting_user=people["admin"], data={"trigger_codes": "469, 0470"})


def test_only_global_risk_acos_in_cara_may_propose(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    Election.objects.filter(aco=aco, performance_year=PY).update(cara_participation=False)
    with pytest.raises(ValidationError, match="does not include CARA"):
        designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"], data={"window_days": 30})
    Election.objects.filter(aco=aco, performance_year=PY).update(cara_participation=True, risk_option="professional")
    with pytest.raises(ValidationError, match="Global risk option"):
        designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"], data={"window_days": 30})


def test_a_variant_starts_only_from_a_default(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    theirs = variant(ACOFactory.create(), hip_default())
    with pytest.raises(ValidationError, match="is not one of CMS's default episode types"):
        designs.design_create(aco=aco, based_on=theirs, acting_user=people["admin"])


# --- who may ------------------------------------------------------------------------------------------------


def submitted(aco: ACO, user: User, **data: Any) -> DesignProposal:
    proposal = designs.design_create(
        aco=aco, based_on=hip_default(), acting_user=user, data={"window_days": 30, **data}
    )
    return designs.design_submit(proposal=proposal, acting_user=user)


def test_an_analyst_reads_but_every_write_is_refused(
    world: Any, people: dict[str, User], client_for: ClientFor
) -> None:
    aco, _, _ = world
    proposal = designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"])
    client = client_for(people["analyst"])
    base = f"/acos/{aco.aco_id}/cara/designs/"
    detail = f"{base}{proposal.pk}/"
    assert client.get(f"{base}?py={PY}").status_code == 200
    page = client.get(detail)
    assert page.status_code == 200 and "Submit to CMS" not in text(page) and "Edit the design" not in text(page)
    assert "Propose a variant" not in text(client.get(f"{base}?py={PY}"))
    assert client.get(f"{base}new/?based_on={hip_default().pk}&py={PY}").status_code == 403
    assert client.post(f"{base}new/?py={PY}", {"based_on": hip_default().pk, **form()}).status_code == 403
    assert client.get(f"{detail}edit/").status_code == 403
    assert client.post(f"{detail}edit/", form(window_days="30")).status_code == 403
    assert client.post(f"{detail}submit/").status_code == 403
    assert client.post(f"{detail}withdraw/").status_code == 403
    assert client.post(f"{detail}comments/", {"section": "general", "body": "Hi"}).status_code == 403
    api = f"/api/acos/{aco.aco_id}/cara/designs/"
    assert client.get(api).status_code == 200
    assert client.post(api, {"based_on": hip_default().pk}, content_type="application/json").status_code == 403
    patched = client.patch(f"{api}{proposal.pk}/", {"window_days": "30"}, content_type="application/json")
    assert patched.status_code == 403
    assert (
        client.post(f"{api}{proposal.pk}/transitions/", {"action": "submit"}, content_type="application/json")
    ).status_code == 403
    with pytest.raises(PermissionDenied):
        designs.design_update(proposal=proposal, acting_user=people["analyst"], data={"window_days": 30})
    proposal.review.refresh_from_db()
    assert proposal.review.state == S.DRAFT and proposal.review.content["window_days"] == 90


def test_another_acos_design_answers_404(world: Any, people: dict[str, User], client_for: ClientFor) -> None:
    aco, _, _ = world
    proposal = designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"])
    other = ACOFactory.create()
    outsider = MembershipFactory.create(aco=other, role=Membership.Role.ADMIN).user
    client = client_for(outsider)
    assert client.get(f"/acos/{aco.aco_id}/cara/designs/{proposal.pk}/").status_code == 404
    assert client.get(f"/acos/{aco.aco_id}/cara/designs/?py={PY}").status_code == 404
    # Through its own ACO's URL too: the proposal is not its.
    assert client.get(f"/acos/{other.aco_id}/cara/designs/{proposal.pk}/").status_code == 404
    assert client.post(f"/acos/{other.aco_id}/cara/designs/{proposal.pk}/submit/").status_code == 404
    assert client.get(f"/api/acos/{other.aco_id}/cara/designs/{proposal.pk}/").status_code == 404
    assert client.get(f"/api/acos/{aco.aco_id}/cara/designs/").status_code == 404
    assert client.get(f"/api/acos/{other.aco_id}/cara/designs/").json() == []


def test_reviewer_moves_are_refused_to_the_aco_and_aco_moves_to_cms(
    world: Any, people: dict[str, User], client_for: ClientFor
) -> None:
    aco, _, _ = world
    proposal = submitted(aco, people["admin"])
    admin = client_for(people["admin"])
    detail = f"/acos/{aco.aco_id}/cara/designs/{proposal.pk}/"
    assert admin.post(f"{detail}review/", {"action": "approve", "reason": "Mine."}).status_code == 403
    api = f"/api/acos/{aco.aco_id}/cara/designs/{proposal.pk}/transitions/"
    refused = admin.post(api, {"action": "approve", "reason": "Mine."}, content_type="application/json")
    assert refused.status_code == 403
    reviewer = client_for(people["reviewer"])
    assert reviewer.post(api, {"action": "withdraw"}, content_type="application/json").status_code == 403
    with pytest.raises(PermissionDenied):
        designs.design_review_act(proposal=proposal, acting_user=people["admin"], action="approve", reason="x")
    proposal.review.refresh_from_db()
    assert proposal.review.state == S.SUBMITTED and proposal.definition_id is None


def test_withdrawn_and_denied_designs_make_no_variant(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    gone = submitted(aco, people["admin"], name="Gone")
    designs.design_withdraw(proposal=gone, acting_user=people["admin"], reason="Not now.")
    denied = submitted(aco, people["admin"], name="Denied")
    with pytest.raises(ValidationError, match="Give a reason"):
        designs.design_review_act(proposal=denied, acting_user=people["reviewer"], action="deny")
    designs.design_review_act(proposal=denied, acting_user=people["reviewer"], action="deny", reason="No.")
    assert [p.review.state for p in DesignProposal.objects.order_by("pk")] == [S.WITHDRAWN, S.DENIED]
    assert not EpisodeDefinition.objects.filter(design="flexible").exists()
    with pytest.raises(ValidationError, match="can only be changed as a draft"):
        designs.design_update(proposal=denied, acting_user=people["admin"], data={"window_days": 60})


def test_two_live_designs_of_the_aco_cannot_share_a_name(world: Any, people: dict[str, User]) -> None:
    aco, _, _ = world
    designs.design_create(aco=aco, based_on=hip_default(), acting_user=people["admin"], data={"name": "Knees"})
    with pytest.raises(ValidationError, match="already the name of another"):
        designs.design_create(aco=aco, based_on=default("copd"), acting_user=people["admin"], data={"name": "knees"})


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_drives_the_same_workflow(world: Any, people: dict[str, User], client_for: ClientFor) -> None:
    aco, _, _ = world
    admin, reviewer = client_for(people["admin"]), client_for(people["reviewer"])
    base = f"/api/acos/{aco.aco_id}/cara/designs/"
    bad = admin.post(base, {"based_on": hip_default().pk, "window_days": "45"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["window_days"] == ["Window: \u201c45\u201d days is not possible; choose 30, 60 or 90 days."]
    created = admin.post(
        base,
        {"based_on": hip_default().pk, "name": "Hips by procedure", "trigger_kind": "procedure",
         "trigger_codes": ["27130"], "excluded_diagnoses": []},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["trigger_kind"], body["trigger_codes"], body["window_days"]) == (
        "draft", "procedure", ["27130"], 90,
    )  # fmt: skip
    assert body["actions"] == ["submit", "withdraw"]
    assert {r["label"]: r["differs"] for r in body["comparison"]}["Trigger"] is True
    url = f"{base}{body['id']}/"
    moves = f"{url}transitions/"
    assert admin.post(moves, {"action": "submit"}, content_type="application/json").status_code == 200
    asked = reviewer.post(
        moves, {"action": "request_changes", "reason": "Say 60 days."}, content_type="application/json"
    )
    assert asked.status_code == 200 and asked.json()["status"] == "changes_requested"
    patched = admin.patch(url, {"window_days": "60"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["window_days"] == 60
    assert admin.post(moves, {"action": "submit"}, content_type="application/json").status_code == 200
    comment = reviewer.post(
        f"{url}comments/", {"section": "window_days", "body": "Good."}, content_type="application/json"
    )
    assert comment.status_code == 201
    detail = reviewer.get(url).json()
    assert detail["diff"] == [{"field": "window_days", "old": 90, "new": 60}]
    assert detail["actions"] == ["start_review", "request_changes", "approve", "deny"]
    assert [c["body"] for c in admin.get(f"{url}comments/").json()] == ["Good."]
    done = reviewer.post(moves, {"action": "approve", "reason": "Fine."}, content_type="application/json")
    assert done.status_code == 200 and done.json()["variant_code"] == f"hip_knee-{aco.aco_id.lower()}-1"
    made = EpisodeDefinition.objects.get(code=done.json()["variant_code"])
    assert (made.trigger_kind, made.trigger_codes, made.window_days) == ("procedure", ["27130"], 60)
