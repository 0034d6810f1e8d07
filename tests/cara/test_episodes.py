"""The episodes step over the hand-worked world of tests/cara/world.py: which claims start episodes,
their windows, costs by component, attribution and baselines."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from apps.cara import services
from apps.cara.models import Episode, EpisodeBaseline, EpisodeParameters, EpisodeRun
from tests.cara.world import EARLY, HIP, OUTSIDER, PY, SURGEON, load_world

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world(tmp_path: Path) -> Any:
    return load_world(tmp_path / "package")


def episodes(run: EpisodeRun) -> dict[tuple[str, str], Episode]:
    return {(e.mbi, e.definition.code): e for e in run.episodes.select_related("definition")}


def test_triggers_windows_costs_and_attribution(world: Any) -> None:
    aco, alignment, pp = world
    run = services.episode_run_execute(alignment_run=alignment)
    assert run.status == EpisodeRun.Status.SUCCEEDED, run.message
    found = episodes(run)
    # No heart-failure episode (a readmission inside the hip window), none for the cancelled claim, the
    # 2023 stay, the fracture.
    assert set(found) == {(EARLY, "copd"), (HIP, "hip_knee"), (HIP, "sepsis"), (OUTSIDER, "pci")}
    hip = found[(HIP, "hip_knee")]
    assert (hip.start_date, hip.anchor_end, hip.end_date, hip.year) == (
        D(2026, 3, 1),
        D(2026, 3, 4),
        D(2026, 6, 2),
        2026,
    )
    assert (hip.trigger_claim_id, hip.trigger_code) == (101, "470")
    assert (hip.index_cents, hip.readmission_cents, hip.post_acute_cents, hip.professional_cents, hip.other_cents) == (
        1_500_000,
        800_000,
        400_000,
        20_000,
        30_000,
    )
    assert (hip.cost_cents, hip.readmissions) == (2_750_000, 1)
    assert (hip.attributed_npi, hip.attribution, hip.preferred_provider_id, hip.aco_id) == (
        SURGEON, "operating", pp.pk, aco.pk,
    )  # fmt: skip
    assert hip.closed and not hip.payment  # payment episodes start 2028-01-01
    sepsis = found[(HIP, "sepsis")]
    assert (sepsis.start_date, sepsis.end_date, sepsis.cost_cents) == (D(2026, 6, 10), D(2026, 9, 13), 1_000_000)
    # Its operating physician is no Preferred Provider: attributed to no one.
    assert (sepsis.attributed_npi, sepsis.attribution, sepsis.preferred_provider_id) == ("", "", None)
    copd = found[(EARLY, "copd")]
    assert (copd.attributed_npi, copd.attribution, copd.preferred_provider_id) == (SURGEON, "attending", pp.pk)
    assert run.through == D(2027, 2, 1)  # the latest claim's from-date
    assert not copd.closed and copd.end_date == D(2027, 5, 6)
    pci = found[(OUTSIDER, "pci")]
    assert (pci.aco_id, pci.preferred_provider_id, pci.cost_cents) == (None, None, 1_200_000)
    assert run.counts["episodes"] == 4 and run.counts["by_type"] == {"copd": 1, "hip_knee": 1, "pci": 1, "sepsis": 1}


def test_the_first_episode_date_decides_payment(world: Any) -> None:
    _, alignment, _ = world
    EpisodeParameters.objects.update_or_create(performance_year=PY, defaults={"first_episode_date": D(2027, 1, 1)})
    run = services.episode_run_execute(alignment_run=alignment)
    assert {(e.mbi, e.definition.code) for e in run.episodes.filter(payment=True)} == {(EARLY, "copd")}


def test_baselines_are_per_definition_and_base_year_over_closed_episodes(world: Any) -> None:
    _, alignment, _ = world
    run = services.episode_run_execute(alignment_run=alignment)
    rows = {
        (b.definition.code, b.year): (b.episodes, b.mean_cost_cents)
        for b in EpisodeBaseline.objects.filter(run=run).select_related("definition")
        if b.episodes
    }
    # Base years 2024–2026; the COPD episode (2027) is not a base-year one.
    assert rows == {
        ("hip_knee", 2026): (1, 2_750_000),
        ("hip_knee", None): (1, 2_750_000),
        ("sepsis", 2026): (1, 1_000_000),
        ("sepsis", None): (1, 1_000_000),
        ("pci", 2024): (1, 1_200_000),
        ("pci", None): (1, 1_200_000),
    }
    # Five definitions × (three base years + all three).
    assert EpisodeBaseline.objects.filter(run=run).count() == 20


def test_export_episodes_writes_the_aligned_beneficiaries_episodes(world: Any, tmp_path: Path) -> None:
    import csv

    from django.core.management import call_command

    _, alignment, _ = world
    run = services.episode_run_execute(alignment_run=alignment)
    out = tmp_path / "episodes.csv"
    call_command("export_episodes", performance_year=PY, out=out, stdout=io.StringIO())
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [
        "episode_id", "mbi", "episode_type", "definition", "trigger_claim", "start_date", "end_date",
        "attributed_npi", "cost_cents",
    ]  # fmt: skip
    hip = run.episodes.get(mbi=HIP, definition__code="hip_knee")
    # The outsider's PCI episode is not an aligned beneficiary's.
    assert [r[1:] for r in rows[1:]] == [
        [HIP, "hip_knee", "default", "101", "2026-03-01", "2026-06-02", SURGEON, "2750000"],
        [HIP, "sepsis", "default", "105", "2026-06-10", "2026-09-13", "", "1000000"],
        [EARLY, "copd", "default", "122", "2027-02-01", "2027-05-06", SURGEON, "700000"],
    ]
    assert rows[1][0] == str(hip.pk)
