"""The alignment preview of the what-if planner (apps/planning/preview.py, issue 22).

PY = 2027: AY1 = 2024-07-01 – 2025-06-30 (weight 1), AY2 = 2025-07-01 – 2026-06-30 (weight 2). All the
hand-worked lines below are AY2 office visits (99213), so a line of $X weighs 2 × X × 100 cents.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from apps.acos.models import ACO, ParticipantTIN
from apps.alignment import engine, inputs, snapshot
from apps.alignment import services as alignment_services
from apps.alignment.models import AlignmentRun
from apps.planning import preview
from apps.planning.preview import Changes, StoredRows
from tests.alignment.test_engine import bene, make_beneficiaries, make_services, rhc, svc

PY = 2027
A, B = "A0001", "A0002"
TIN_A1, TIN_A2, TIN_B1 = "100000001", "100000002", "200000001"
TIN_X = "900000009"  # no one's
CCN_A = "341234"  # listed by TIN_A2
TIN_CCNS = {TIN_A2: [CCN_A]}
BASE = engine.Entities({TIN_A1: A, TIN_A2: A, TIN_B1: B}, {CCN_A: A})
M1, M2, M3, M4, M5, M6, M7, M8, M9 = (f"1AA0AA0AA{i:02d}" for i in range(1, 10))
DAY = "2025-09-01"

LINES = [
    svc(M1, DAY, 10000, tin=TIN_X),
    svc(M2, DAY, 6000, tin=TIN_X),
    svc(M2, "2025-01-10", 10000, tin=TIN_B1),  # AY1: weight 1
    svc(M3, DAY, 10000, tin=TIN_B1),
    svc(M3, DAY, 8000, tin=TIN_X),
    svc(M3, DAY, 5000, tin=TIN_A1),
    svc(M4, DAY, 10000, tin=TIN_A1),
    svc(M4, DAY, 1000, tin=TIN_X),
    svc(M5, DAY, 10000, tin=TIN_B1),
    svc(M6, DAY, 10000, tin=TIN_A2),
    svc(M7, DAY, 5000, tin=TIN_A2, spec="39"),  # step 2 only (39: nephrology)
    svc(M7, DAY, 4000, tin=TIN_A1, spec="39"),
    svc(M7, DAY, 8000, tin=TIN_B1, spec="39"),
    svc(M8, DAY, 5000, tin=TIN_A2),
    svc(M8, DAY, 3000, tin=TIN_A1),
    svc(M8, DAY, 7000, tin=TIN_B1),
    rhc(M9, DAY, 10000, ccn=CCN_A),
]
BENEFICIARIES = make_beneficiaries([bene(m) for m in (M1, M2, M3, M4, M5, M6, M7, M8, M9)])
SERVICES = make_services(LINES)


def hand_preview(aco_id: str, changes: Changes) -> tuple[preview.Preview, StoredRows]:
    stored = StoredRows.from_alignments(engine.align(PY, BENEFICIARIES, SERVICES, BASE))
    result = preview.compare(
        performance_year=PY,
        aco_id=aco_id,
        changes=changes,
        beneficiaries=BENEFICIARIES,
        services=SERVICES,
        voluntary=None,
        entities=BASE,
        midyear=None,
        tin_ccns=TIN_CCNS,
        stored=stored,
    )
    return result, stored


def other_acos_mbis(stored: StoredRows, aco_id: str) -> set[str]:
    return {str(m) for m, a in zip(stored.mbi, stored.aco_id, strict=True) if a != aco_id}


def test_the_baseline_of_the_hand_worked_world() -> None:
    """Weighted cents (AY2 × 2): M1: X 20000 → TIN X, no ACO. M2: X 12000 > B 10000 (AY1) → no ACO.
    M3: B 20000 > X 16000 > A 10000 → B. M4: A 20000 > X 2000 → A. M5: B only → B. M6: A (A2) 20000 → A.
    M7 (step 2): A = A2 10000 + A1 8000 = 18000 > B 16000 → A, step 2, unit A2. M8: A = 10000 + 6000 = 16000
    > B 14000 → A, unit A2. M9: RHC at CCN_A (listed by TIN_A2) → A, unit the CCN."""
    _, stored = hand_preview(A, Changes())
    got = {
        str(m): (str(a), str(s), str(t))
        for m, a, s, t in zip(stored.mbi, stored.aco_id, stored.step, stored.tin, strict=True)
    }
    assert got == {
        M3: (B, "1", TIN_B1),
        M4: (A, "1", TIN_A1),
        M5: (B, "1", TIN_B1),
        M6: (A, "1", TIN_A2),
        M7: (A, "2", TIN_A2),
        M8: (A, "1", TIN_A2),
        M9: (A, "1", CCN_A),
    }


def test_adding_a_tin_wins_three_beneficiaries_and_loses_none() -> None:
    """ACO A adds TIN X (no one's). K = {X}; affected: those with a line at X: M1, M2, M3, M4.
    M1: A = 20000 alone → A, step 1 through X (before: not aligned).
    M2: A = 12000 > B 10000 → A through X (before: not aligned).
    M3: A = X 16000 + A1 10000 = 26000 > B 20000 → A through X (16000 > 10000); before: ACO B's, so only
        counted (gained from B: 1), never listed.
    M4: A = 20000 + 2000, unit still A1 (20000 > 2000): no change.
    So three gained (two listed), none lost; A goes from 4 to 7 aligned; B loses one."""
    result, stored = hand_preview(A, Changes(add_tins=frozenset({TIN_X})))
    assert result.changed_tins == (TIN_X,) and result.changed_ccns == ()
    assert result.affected == 4
    assert result.gained_count == 3 and result.lost_count == 0 and result.lost == ()
    assert [(m.mbi, m.before.reason, m.after.reason) for m in result.gained] == [
        (M1, "not aligned", f"step 1 through TIN {TIN_X}"),
        (M2, "not aligned", f"step 1 through TIN {TIN_X}"),
    ]
    assert result.gained_from == {B: 1} and result.lost_to == {}
    assert result.other_acos == {B: preview.OtherACO(gains=0, losses=1)}
    assert result.changed == ()
    assert (result.before.aligned, result.after.aligned) == (5, 8)
    assert (result.before.claims_aligned, result.after.claims_aligned) == (5, 8)
    assert result.gained_by_cohort == {"aged_disabled": 1, preview.NOT_ASSESSED: 2}
    assert result.gained_not_assessed == 2 and result.drift == 0
    # ACO B's beneficiaries (M3, M5) appear nowhere in A's preview.
    assert not any(m in repr(result) for m in other_acos_mbis(stored, A))


def test_removing_a_tin_sends_its_beneficiaries_to_another_aco_or_to_no_one() -> None:
    """ACO A removes TIN A2, which lists CCN_A: K = {A2, CCN_A}; affected: M6, M7, M8 (lines at A2) and M9
    (at CCN_A). Under the alignment rule (docs/alignment.md) the step is decided before any entity (rule 7:
    step 2 only without any step-1 service, wherever), so removing a TIN never moves anyone from step 1 to
    step 2: a step-2
    beneficiary stays at step 2 and may go to another ACO there.
    M6: TIN A2 on its own (20000) wins → no ACO: lost.
    M7 (step 2): B 16000 > A2 10000 > A (A1) 8000 → ACO B at step 2: lost to B.
    M8: B 14000 > A2 10000 > A 6000 → ACO B at step 1: lost to B.
    M9: CCN_A leaves with TIN A2 and stands alone → no ACO: lost.
    A goes from 5 to 1 (M4); B gains 2."""
    result, stored = hand_preview(A, Changes(remove_tins=frozenset({TIN_A2})))
    assert result.changed_tins == (TIN_A2,) and result.changed_ccns == (CCN_A,)
    assert result.affected == 4 and result.gained_count == 0
    assert [(m.mbi, m.before.reason, m.after.reason) for m in result.lost] == [
        (M6, f"step 1 through TIN {TIN_A2}", "not aligned"),
        (M7, f"step 2 through TIN {TIN_A2}", "aligned to another ACO"),
        (M8, f"step 1 through TIN {TIN_A2}", "aligned to another ACO"),
        (M9, f"step 1 through CCN {CCN_A}", "not aligned"),
    ]
    assert result.lost_to == {B: 2} and result.other_acos == {B: preview.OtherACO(gains=2, losses=0)}
    assert (result.before.aligned, result.after.aligned) == (5, 1)
    assert result.lost_by_cohort == {"aged_disabled": 4}
    # The lost beneficiaries' new home names no ACO and no TIN of it.
    assert all(m.after.unit == "" and B not in repr(m) for m in result.lost)
    assert not any(m in repr(result) for m in other_acos_mbis(stored, A))


def test_the_other_acos_preview_lists_none_of_a_s_beneficiaries() -> None:
    """B adds TIN A2 (A's today): it takes A2 with CCN_A. A's beneficiaries B would win are counted under
    A, never listed in B's preview."""
    result, stored = hand_preview(B, Changes(add_tins=frozenset({TIN_A2})))
    assert result.changed_tins == (TIN_A2,) and result.changed_ccns == (CCN_A,)
    # M6 (A2 alone), M7 (B 16000 + 10000 > A 8000), M8 (B 24000 > 6000), M9 (CCN_A now B's): all to B.
    assert result.gained_from == {A: 4} and result.gained == () and result.gained_count == 4
    assert not any(m in repr(result) for m in other_acos_mbis(stored, B))


def test_changes_are_checked() -> None:
    with pytest.raises(ValueError):
        Changes(add_tins=frozenset({TIN_X}), remove_tins=frozenset({TIN_X}))
    with pytest.raises(ValueError):
        Changes(alignment_approach="retrospective")
    with pytest.raises(ValueError):
        Changes(add_ccns=frozenset({"  "}))


# --- the property: the preview equals a full run, on generated data ----------------------------------
@pytest.fixture
def world(tmp_path: Path) -> AlignmentRun:
    bundle = tmp_path / "bundle"
    call_command("generate_cclf", out=str(bundle), beneficiaries=400, acos=3, seed=11, performance_year=PY, workers=1)
    call_command("load_dataset", str(bundle))
    run = alignment_services.alignment_run_execute(
        run_id=alignment_services.alignment_run_create(performance_year=PY).pk
    )
    assert run.status == AlignmentRun.Status.SUCCEEDED, run.message
    return run


def _random_changes(rng: random.Random, aco: ACO, services: engine.Services, entities: engine.Entities) -> Changes:
    mine = sorted(t for t, a in entities.tin_to_aco.items() if a == aco.aco_id)
    theirs = sorted(t for t, a in entities.tin_to_aco.items() if a != aco.aco_id)
    kind = np.asarray(services.kind).astype(str)
    nobody = sorted(set(np.asarray(services.tin)[kind == "B"].tolist()) - set(entities.tin_to_aco) - {""})
    ccns = sorted(set(np.asarray(services.ccn)[kind == "R"].tolist()) - {""})
    mine_ccns = sorted(c for c, a in entities.ccn_to_aco.items() if a == aco.aco_id)
    remove = set(rng.sample(mine, k=min(len(mine), rng.randint(0, 2))))
    add = set(rng.sample(theirs, k=min(len(theirs), rng.randint(0, 2))))
    add |= set(rng.sample(nobody, k=min(len(nobody), rng.randint(0, 3))))
    add_ccns = set(rng.sample(ccns, k=min(len(ccns), rng.randint(0, 1))))
    remove_ccns = set(rng.sample(mine_ccns, k=min(len(mine_ccns), rng.randint(0, 1)))) - add_ccns
    return Changes(
        add_tins=frozenset(add),
        remove_tins=frozenset(remove),
        add_ccns=frozenset(add_ccns),
        remove_ccns=frozenset(remove_ccns),
    )


@pytest.mark.django_db
def test_the_preview_equals_a_full_run_with_the_changed_lists(world: AlignmentRun) -> None:
    beneficiaries, services, entities, voluntary = inputs.load_inputs(PY)
    tin_ccns = {
        t: list(c or []) for t, c in ParticipantTIN.objects.filter(performance_year=PY).values_list("tin", "ccns")
    }
    stored = preview.stored_rows(world)
    full_before = {a.mbi: a for a in engine.align(PY, beneficiaries, services, entities, voluntary)}
    rng = random.Random(22)
    assert snapshot.load(world) is not None  # the run kept its inputs
    asked: list[tuple[ACO, Changes, preview.Preview]] = []
    acos = list(ACO.objects.order_by("aco_id"))
    assert len(acos) == 3
    tried = moved = 0
    for trial in range(6):
        aco = acos[trial % len(acos)]
        changes = _random_changes(rng, aco, services, entities)
        re = preview.rerun(
            performance_year=PY,
            aco_id=aco.aco_id,
            changes=changes,
            beneficiaries=beneficiaries,
            services=services,
            voluntary=voluntary,
            entities=entities,
            midyear=None,
            tin_ccns=tin_ccns,
            stored=stored,
        )
        scenario = preview.scenario_entities(entities, aco.aco_id, changes, tin_ccns)
        full_after = {a.mbi: a for a in engine.align(PY, beneficiaries, services, scenario, voluntary)}
        affected = set(re.mbis.tolist())
        # Every affected beneficiary: the very same Alignment (explanation included) as the full run.
        for mbi in affected:
            assert re.after.get(mbi) == full_after.get(mbi), mbi
        # Everyone else: the full run with the changed lists leaves them exactly as they were.
        outside = (set(full_after) | set(full_before)) - affected
        assert all(full_after.get(m) == full_before.get(m) for m in outside)
        tried += bool(affected)

        # The service (database) gives the same figures, and A's preview lists no one of another ACO.
        result = preview.alignment_preview(performance_year=PY, aco=aco, changes=changes)
        assert result.drift == 0 and result.run_id == world.pk
        assert result.affected == len(affected)  # the filtered reads find the same beneficiaries
        mine_after = sum(1 for a in full_after.values() if a.aco_id == aco.aco_id)
        assert result.after.aligned == mine_after
        for other in acos:
            if other == aco:
                continue
            before_n = sum(1 for a in full_before.values() if a.aco_id == other.aco_id)
            after_n = sum(1 for a in full_after.values() if a.aco_id == other.aco_id)
            counts = result.other_acos.get(other.aco_id, preview.OtherACO())
            assert after_n - before_n == counts.gains - counts.losses
        assert not any(m in repr(result) for m in other_acos_mbis(stored, aco.aco_id))
        moved += result.gained_count + result.lost_count + len(result.changed)
        asked.append((aco, changes, result))
    assert tried >= 4 and moved > 0

    # Without the kept inputs the preview reads the database (filtered in SQL): the same answers.
    snapshot.forget(world)
    assert snapshot.load(world) is None
    for aco, changes, kept in asked:
        read = preview.alignment_preview(performance_year=PY, aco=aco, changes=changes)
        assert "read_inputs" in read.seconds and "read_kept_inputs" in kept.seconds
        assert (read.affected, read.gained, read.lost, read.changed, read.other_acos, read.after) == (
            kept.affected,
            kept.gained,
            kept.lost,
            kept.changed,
            kept.other_acos,
            kept.after,
        )


@pytest.mark.django_db
def test_only_the_latest_run_keeps_its_inputs(world: AlignmentRun) -> None:
    kept = snapshot.load(world)
    assert kept is not None
    beneficiaries, services, voluntary = kept
    b, s, _, v = inputs.load_inputs(PY)
    # What the run read, as it read it.
    assert sorted(beneficiaries.mbi.astype(str).tolist()) == sorted(np.asarray(b.mbi).astype(str).tolist())
    assert len(services.mbi) == len(s.mbi) and len(voluntary.mbi) == len(v.mbi)
    later = alignment_services.alignment_run_execute(
        run_id=alignment_services.alignment_run_create(performance_year=PY).pk
    )
    assert snapshot.load(later) is not None and snapshot.load(world) is None
