"""The ACO's CARA page over the hand-worked world of tests/cara/world.py: its episodes by type against
the baselines, their components, the Preferred Provider side by side; another ACO sees none of them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apps.acos.models import Election, Membership
from apps.cara import services
from tests.cara.world import PY, load_world
from tests.factories import ACOFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world(tmp_path: Path) -> Any:
    aco, alignment, pp = load_world(tmp_path / "package")
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", cara_participation=True)
    return aco, alignment, pp


def test_the_aco_sees_its_episodes_against_the_baselines(world: Any, client_for: Any) -> None:
    aco, alignment, pp = world
    run = services.episode_run_execute(alignment_run=alignment)
    analyst = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST).user
    page = client_for(analyst).get(f"/acos/{aco.aco_id}/cara/?py={PY}")
    assert page.status_code == 200
    body = text(page.content.decode())
    assert "has elected CARA for PY2027" in body
    assert f"Episode run {run.pk}" in body and "claims through Feb 1, 2027" in body
    # Hip/knee: one episode starting 2026 (with its Preferred Provider), closed, $27,500; the baseline is
    # the same single episode. COPD: one in 2027, open: no mean cost yet.
    assert "Elective hip or knee replacement 0 0 1 0 1 1 $27,500.00 $27,500.00 1 —" in body, body[
        body.find("Episodes by type") : body.find("Episodes by type") + 900
    ]
    assert "COPD 0 0 0 1 1 0 — — 0 —" in body
    # Components of the closed hip/knee episode: index $15,000, readmissions $8,000, post-acute $4,000,
    # professional $200, other $300.
    assert (
        "Elective hip or knee replacement $15,000.00 $8,000.00 $4,000.00 $200.00 $300.00 $27,500.00 $27,500.00" in body
    )
    assert f"{pp.name} (NPI {pp.npi}) Elective hip or knee replacement 1 $27,500.00 $27,500.00" in body


def test_another_aco_gets_404_and_its_own_page_shows_none_of_these_episodes(world: Any, client_for: Any) -> None:
    aco, alignment, pp = world
    services.episode_run_execute(alignment_run=alignment)
    other = ACOFactory.create()
    outsider = MembershipFactory.create(aco=other, role=Membership.Role.ADMIN).user
    client = client_for(outsider)
    assert client.get(f"/acos/{aco.aco_id}/cara/?py={PY}").status_code == 404
    own = text(client.get(f"/acos/{other.aco_id}/cara/?py={PY}").content.decode())
    assert "0 episodes of" in own
    assert pp.name not in own and aco.aco_id not in own and "$15,000.00" not in own


def test_without_an_episode_run_the_page_says_so(world: Any, client_for: Any) -> None:
    aco, _, _ = world
    admin = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user
    body = text(client_for(admin).get(f"/acos/{aco.aco_id}/cara/?py={PY}").content.decode())
    assert "No episodes have been computed for PY2027 yet." in body


def test_the_api_lists_the_acos_episodes_logs_the_read_and_hides_other_acos(world: Any, client_for: Any) -> None:
    from apps.accounts.models import AccessLog

    aco, alignment, pp = world
    services.episode_run_execute(alignment_run=alignment)
    analyst = MembershipFactory.create(aco=aco, role=Membership.Role.ANALYST).user
    client = client_for(analyst)
    body = client.get(f"/api/acos/{aco.aco_id}/cara/episodes/?py={PY}").json()
    rows = body["results"] if isinstance(body, dict) else body
    # The outsider's PCI episode has no ACO: it is nobody's.
    assert [(r["episode_type"], r["start_date"], r["cost_cents"]) for r in rows] == [
        ("hip_knee", "2026-03-01", 2_750_000),
        ("sepsis", "2026-06-10", 1_000_000),
        ("copd", "2027-02-01", 700_000),
    ]
    assert rows[0]["preferred_provider"] == pp.name and rows[1]["preferred_provider"] is None
    assert AccessLog.objects.filter(user=analyst, object_type="cara_episodes").exists()
    closed = client.get(f"/api/acos/{aco.aco_id}/cara/episodes/?py={PY}&closed=false").json()
    assert [r["episode_type"] for r in (closed["results"] if isinstance(closed, dict) else closed)] == ["copd"]
    baselines = client.get(f"/api/acos/{aco.aco_id}/cara/baselines/?py={PY}").json()
    assert {(b["episode_type"], b["year"]): b["episodes"] for b in baselines}[("hip_knee", None)] == 1
    outsider = MembershipFactory.create(aco=ACOFactory.create(), role=Membership.Role.ADMIN).user
    assert client_for(outsider).get(f"/api/acos/{aco.aco_id}/cara/episodes/?py={PY}").status_code == 404


def test_the_episode_list_filters_and_logs_each_view(world: Any, client_for: Any) -> None:
    from apps.accounts.models import AccessLog

    aco, alignment, pp = world
    services.episode_run_execute(alignment_run=alignment)
    admin = MembershipFactory.create(aco=aco, role=Membership.Role.ADMIN).user
    client = client_for(admin)
    body = text(client.get(f"/acos/{aco.aco_id}/cara/episodes/?py={PY}").content.decode())
    assert "3 episodes." in body  # the outsider's PCI episode is not the ACO's
    # Newest first: COPD (2027, open), sepsis (attributed to no one), hip/knee (the surgeon, operating).
    table = body[body.index("3 episodes.") :]
    assert (
        table.index("COPD Feb 1") < table.index("Sepsis Jun 10") < table.index("Elective hip or knee replacement Mar 1")
    )
    assert f"{pp.name} (operating physician) $27,500.00 1 Closed" in body
    assert "None $10,000.00 0 Closed" in body
    filtered = text(
        client.get(f"/acos/{aco.aco_id}/cara/episodes/?py={PY}&npi={pp.npi}&status=closed").content.decode()
    )
    assert "1 episode match the filters." in filtered and "Sepsis Jun" not in filtered
    assert AccessLog.objects.filter(user=admin, object_type="cara_episodes").count() == 2
