"""Hand-worked cases for the Hybrid approach's mid-year additions (docs/alignment.md,
"Hybrid mid-year additions" and rule 10; the engine's "Choices for the Hybrid mid-year run").

PY = 2027: AY1 = 2024-07-01 – 2025-06-30 (weight 1), AY2 = 2025-07-01 – 2026-06-30 (weight 2), base voluntary
cut-off 2026-10-31, eligibility date 2027-01-01. ACO A (A0001) elected Hybrid, ACO B (A0002) Prospective.
At the start of the PY: TIN A1, A2 and CCN A → A; TIN B1 → B. By the mid-year run of 2027-06-15, A added
TIN_A_NEW and B added TIN_B_NEW. Claims additions of that run are effective 2027-07-01.
"""

import datetime as dt
from typing import Any

import pytest

from apps.alignment.engine import Alignment, Competitor, Entities, MidYear, align
from tests.alignment.test_engine import (
    ACO_A,
    ACO_B,
    CCN_A,
    ENTITIES,
    NPI_1,
    NPI_2,
    PY,
    TIN_A1,
    TIN_A2,
    TIN_B1,
    TIN_X,
    bene,
    d,
    make_beneficiaries,
    make_services,
    make_voluntary,
    svc,
    vol,
)

TIN_A_NEW = "300000003"  # joins ACO A mid-year
TIN_B_NEW = "400000004"  # joins ACO B mid-year
AS_OF = d("2027-06-15")
JAN1 = d("2027-01-01")
CLAIMS_EFFECTIVE = d("2027-07-01")  # first day of the month after AS_OF

MIDYEAR_ENTITIES = Entities(
    tin_to_aco={TIN_A1: ACO_A, TIN_A2: ACO_A, TIN_A_NEW: ACO_A, TIN_B1: ACO_B, TIN_B_NEW: ACO_B},
    ccn_to_aco={CCN_A: ACO_A},
)
MIDYEAR = MidYear(as_of=AS_OF, hybrid_acos=frozenset({ACO_A}), entities=MIDYEAR_ENTITIES)

M = [f"2BB0BB0BB{i:02d}" for i in range(20)]


def run(
    benes: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    volunteers: list[dict[str, Any]] | None = None,
    midyear: MidYear | None = MIDYEAR,
) -> dict[str, Alignment]:
    result = align(
        PY,
        make_beneficiaries(benes),
        make_services(lines),
        ENTITIES,
        make_voluntary(volunteers) if volunteers else None,
        midyear=midyear,
    )
    return {a.mbi: a for a in result}


# ---------------------------------------------------------------------------------------------------
# The base is untouched
# ---------------------------------------------------------------------------------------------------
BASE_LINES = [
    # M0: B 2×5000 = 10000 (2025-08-01); TIN A1 2×3000 = 6000 (2025-09-01); TIN_A_NEW 2×3000 = 6000
    #     (2025-10-01). Start of PY: TIN_A_NEW stands alone → B 10000 > TIN_A_NEW 6000 (later) > A 6000 → B.
    #     Mid-year entities would give A 12000 > B 10000, but a base person is never moved.
    svc(M[0], "2025-08-01", 5000, tin=TIN_B1),
    svc(M[0], "2025-09-01", 3000, tin=TIN_A1),
    svc(M[0], "2025-10-01", 3000, tin=TIN_A_NEW),
    # M1: A 2×4000 = 8000 → claims-aligned to A in the base (effective Jan 1 PY).
    svc(M[1], "2025-08-01", 4000, tin=TIN_A1),
]
BASE_VOLUNTEERS = [
    # M0 also signs for A mid-year: still B by claims, not voluntary.
    vol(M[0], TIN_A1, "2027-03-10"),
    # M1 signs for A mid-year: stays claims-aligned from Jan 1, not turned into a mid-year voluntary row.
    vol(M[1], TIN_A2, "2027-02-10"),
    # M2: base voluntary to B (2026-05-01, before the Oct 31 cut-off); signs for A's TIN on 2027-02-01 → stays B.
    vol(M[2], TIN_B1, "2026-05-01", aco=ACO_B),
    vol(M[2], TIN_A1, "2027-02-01"),
]


def test_base_alignments_are_effective_jan1_without_midyear() -> None:
    got = run([bene(M[0]), bene(M[1]), bene(M[2])], BASE_LINES, BASE_VOLUNTEERS, midyear=None)
    assert {m: (a.aco_id, a.alignment_type, a.effective_from, a.added_midyear) for m, a in got.items()} == {
        M[0]: (ACO_B, "claims", JAN1, False),
        M[1]: (ACO_A, "claims", JAN1, False),
        M[2]: (ACO_B, "voluntary", JAN1, False),
    }
    assert got[M[0]].explanation.competitors == (
        Competitor(ACO_B, "aco", 10000, d("2025-08-01")),
        Competitor(TIN_A_NEW, "tin", 6000, d("2025-10-01")),
        Competitor(ACO_A, "aco", 6000, d("2025-09-01")),
    )


def test_base_person_is_never_moved() -> None:
    benes = [bene(M[0]), bene(M[1]), bene(M[2])]
    base = run(benes, BASE_LINES, BASE_VOLUNTEERS, midyear=None)
    hybrid = run(benes, BASE_LINES, BASE_VOLUNTEERS)
    # Every field identical, explanation included: nobody dropped, moved, retyped or re-dated.
    assert hybrid == base


def test_midyear_with_no_hybrid_aco_changes_nothing() -> None:
    # B is Prospective, and no ACO is Hybrid: the mid-year run adds nobody. M3 (signed for A mid-year) and
    # M4 (TIN_A_NEW 2×5000 = 10000, alone at the start of the PY) stay unaligned.
    benes = [bene(m) for m in M[:5]]
    lines = [*BASE_LINES, svc(M[4], "2025-08-01", 5000, tin=TIN_A_NEW)]
    volunteers = [*BASE_VOLUNTEERS, vol(M[3], TIN_A1, "2027-03-01")]
    nobody_hybrid = MidYear(as_of=AS_OF, hybrid_acos=frozenset(), entities=MIDYEAR_ENTITIES)
    assert run(benes, lines, volunteers, midyear=nobody_hybrid) == run(benes, lines, volunteers, midyear=None)
    assert set(run(benes, lines, volunteers, midyear=None)) == {M[0], M[1], M[2]}


# ---------------------------------------------------------------------------------------------------
# Voluntary additions
# ---------------------------------------------------------------------------------------------------
def test_voluntary_addition_is_effective_the_first_of_the_next_month() -> None:
    volunteers = [
        vol(M[3], TIN_A2, "2027-03-10", npi=NPI_2),  # → 2027-04-01
        vol(M[4], TIN_A1, "2027-01-31"),  # last day of January → 2027-02-01
        vol(M[5], TIN_A1, "2027-01-01"),  # first day of the PY → 2027-02-01
        vol(M[6], TIN_A1, "2027-06-15"),  # on the run date (inclusive) → 2027-07-01
        vol(M[7], TIN_A1, "2027-06-16"),  # after the run date → not yet
    ]
    got = run([bene(m) for m in M[3:8]], [], volunteers)
    assert {m: (a.aco_id, a.alignment_type, a.step, a.effective_from) for m, a in got.items()} == {
        M[3]: (ACO_A, "voluntary", "voluntary", d("2027-04-01")),
        M[4]: (ACO_A, "voluntary", "voluntary", d("2027-02-01")),
        M[5]: (ACO_A, "voluntary", "voluntary", d("2027-02-01")),
        M[6]: (ACO_A, "voluntary", "voluntary", d("2027-07-01")),
    }
    a = got[M[3]]
    assert (a.tin, a.unit_kind, a.npi, a.added_midyear) == (TIN_A2, "tin", NPI_2, True)
    assert a.explanation.voluntary is not None
    assert (a.explanation.voluntary.aco_id, a.explanation.voluntary.signed_date) == (ACO_A, d("2027-03-10"))
    assert a.explanation.claims_step is None  # no qualifying services


def test_latest_valid_midyear_signature_wins() -> None:
    volunteers = [
        # M3: TIN A1 2027-02-01, TIN_A_NEW (joined A mid-year) 2027-04-20 → the later one: TIN_A_NEW,
        #     effective 2027-05-01.
        vol(M[3], TIN_A1, "2027-02-01"),
        vol(M[3], TIN_A_NEW, "2027-04-20"),
        # M4: TIN A1 2027-02-10; then B's TIN 2027-05-01 (Prospective: not valid for an addition, skipped as
        #     rule 10 skips invalid records) → TIN A1, effective 2027-03-01.
        vol(M[4], TIN_A1, "2027-02-10"),
        vol(M[4], TIN_B1, "2027-05-01", aco=ACO_B),
        # M5: same day 2027-03-03, TIN A2 and TIN A1 → same ACO, smallest TIN as text: "100000001" (A1).
        vol(M[5], TIN_A2, "2027-03-03"),
        vol(M[5], TIN_A1, "2027-03-03"),
    ]
    got = run([bene(m) for m in M[3:6]], [], volunteers)
    assert {m: (a.aco_id, a.tin, a.effective_from) for m, a in got.items()} == {
        M[3]: (ACO_A, TIN_A_NEW, d("2027-05-01")),
        M[4]: (ACO_A, TIN_A1, d("2027-03-01")),
        M[5]: (ACO_A, TIN_A1, d("2027-04-01")),
    }


def test_signatures_of_november_and_december_before_the_py_count_for_neither() -> None:
    # M3: 2026-12-15 and 2026-11-01 → after the Oct 31 cut-off (base) and before Jan 1 PY (mid-year): unaligned.
    # M4: 2026-10-31 → valid for the base: voluntary from Jan 1 PY, not a mid-year addition.
    volunteers = [
        vol(M[3], TIN_A1, "2026-12-15"),
        vol(M[3], TIN_A2, "2026-11-01"),
        vol(M[4], TIN_A1, "2026-10-31"),
    ]
    got = run([bene(M[3]), bene(M[4])], [], volunteers)
    assert M[3] not in got
    assert (got[M[4]].alignment_type, got[M[4]].effective_from, got[M[4]].added_midyear) == ("voluntary", JAN1, False)


def test_a_tin_that_left_the_hybrid_aco_designates_nothing_midyear() -> None:
    # TIN A2 leaves A by the run date: a 2027-02-01 designation of A2 adds nobody.
    left = Entities(tin_to_aco={TIN_A1: ACO_A, TIN_B1: ACO_B}, ccn_to_aco={CCN_A: ACO_A})
    midyear = MidYear(as_of=AS_OF, hybrid_acos=frozenset({ACO_A}), entities=left)
    assert run([bene(M[3])], [], [vol(M[3], TIN_A2, "2027-02-01")], midyear=midyear) == {}


# ---------------------------------------------------------------------------------------------------
# Prospective ACOs
# ---------------------------------------------------------------------------------------------------
def test_prospective_aco_gets_no_additions() -> None:
    # M3: signs for B's TIN B1 on 2027-03-01 → B is Prospective → no addition.
    # M4: TIN_B_NEW (joined B mid-year) 2×5000 = 10000 vs TIN X 1×9000 = 9000. Start of PY: TIN_B_NEW alone
    #     wins → unaligned. Mid-year: B 10000 wins, but B is Prospective → no addition.
    lines = [svc(M[4], "2025-08-01", 5000, tin=TIN_B_NEW), svc(M[4], "2024-08-01", 9000, tin=TIN_X)]
    volunteers = [vol(M[3], TIN_B1, "2027-03-01", aco=ACO_B)]
    assert run([bene(M[3]), bene(M[4])], lines, volunteers) == {}
    # Control: the same run with B Hybrid adds both.
    both = MidYear(as_of=AS_OF, hybrid_acos=frozenset({ACO_A, ACO_B}), entities=MIDYEAR_ENTITIES)
    got = run([bene(M[3]), bene(M[4])], lines, volunteers, midyear=both)
    assert {m: (a.aco_id, a.alignment_type, a.effective_from) for m, a in got.items()} == {
        M[3]: (ACO_B, "voluntary", d("2027-04-01")),
        M[4]: (ACO_B, "claims", CLAIMS_EFFECTIVE),
    }


# ---------------------------------------------------------------------------------------------------
# Claims additions
# ---------------------------------------------------------------------------------------------------
def test_claims_addition_through_a_tin_added_midyear() -> None:
    # M3: TIN_A_NEW 2×5000 = 10000 (2025-08-01) vs TIN X 1×9000 = 9000 (2024-08-01).
    #     Start of PY: TIN_A_NEW is its own entity and wins → unaligned. Mid-year: A = 10000 > X 9000 → A,
    #     step 1, unit TIN_A_NEW, NPI 1, effective 2027-07-01.
    # M4: TIN A1 2×2000 = 4000 + TIN_A_NEW 2×3000 = 6000 vs TIN X 2×4500 = 9000 (all 2025-08-01).
    #     Start: X 9000 > TIN_A_NEW 6000 > A 4000 → unaligned. Mid-year: A 10000 > X 9000 → A; unit
    #     TIN_A_NEW (6000 > 4000), its NPI 2.
    lines = [
        svc(M[3], "2025-08-01", 5000, tin=TIN_A_NEW),
        svc(M[3], "2024-08-01", 9000, tin=TIN_X),
        svc(M[4], "2025-08-01", 2000, tin=TIN_A1, npi=NPI_1),
        svc(M[4], "2025-08-01", 3000, tin=TIN_A_NEW, npi=NPI_2),
        svc(M[4], "2025-08-01", 4500, tin=TIN_X),
    ]
    got = run([bene(M[3]), bene(M[4])], lines)
    a = got[M[3]]
    assert (a.aco_id, a.alignment_type, a.step, a.tin, a.unit_kind, a.npi) == (
        ACO_A,
        "claims",
        "1",
        TIN_A_NEW,
        "tin",
        NPI_1,
    )
    assert (a.effective_from, a.added_midyear) == (CLAIMS_EFFECTIVE, True)
    # The explanation is the mid-year evaluation: TIN_A_NEW now counts inside ACO A.
    assert a.explanation.competitors == (
        Competitor(ACO_A, "aco", 10000, d("2025-08-01")),
        Competitor(TIN_X, "tin", 9000, d("2024-08-01")),
    )
    b = got[M[4]]
    assert (b.aco_id, b.tin, b.npi, b.effective_from) == (ACO_A, TIN_A_NEW, NPI_2, CLAIMS_EFFECTIVE)
    assert [(c.key, c.weighted_cents) for c in b.explanation.competitors] == [(ACO_A, 10000), (TIN_X, 9000)]


def test_voluntary_addition_beats_claims_addition() -> None:
    # M3 would be a claims addition to A (as in the test above: A 10000 > X 9000) and also signed for A's
    # TIN A2 on 2027-02-20 → voluntary, effective 2027-03-01 (earlier than the claims date 2027-07-01).
    lines = [svc(M[3], "2025-08-01", 5000, tin=TIN_A_NEW), svc(M[3], "2024-08-01", 9000, tin=TIN_X)]
    a = run([bene(M[3])], lines, [vol(M[3], TIN_A2, "2027-02-20")])[M[3]]
    assert (a.alignment_type, a.tin, a.effective_from, a.added_midyear) == (
        "voluntary",
        TIN_A2,
        d("2027-03-01"),
        True,
    )
    assert a.explanation.claims_step == "1"  # the mid-year claims evaluation, for context
    assert a.explanation.competitors[0] == Competitor(ACO_A, "aco", 10000, d("2025-08-01"))


def test_december_run_adds_nothing_to_the_py() -> None:
    # Run on 2027-12-20: a claims addition would start 2028-01-01 and a 2027-12-05 signature too: outside
    # PY 2027 → neither is added. A 2027-11-30 signature starts 2027-12-01 → added.
    december = MidYear(as_of=d("2027-12-20"), hybrid_acos=frozenset({ACO_A}), entities=MIDYEAR_ENTITIES)
    lines = [svc(M[3], "2025-08-01", 5000, tin=TIN_A_NEW)]
    volunteers = [vol(M[4], TIN_A1, "2027-12-05"), vol(M[5], TIN_A1, "2027-11-30")]
    got = run([bene(M[3]), bene(M[4]), bene(M[5])], lines, volunteers, midyear=december)
    assert {m: a.effective_from for m, a in got.items()} == {M[5]: d("2027-12-01")}


def test_run_date_outside_the_py_is_refused() -> None:
    for as_of in (d("2026-12-31"), d("2028-01-01")):
        with pytest.raises(ValueError, match="outside performance year 2027"):
            run([bene(M[3])], [], midyear=MidYear(as_of, frozenset({ACO_A}), MIDYEAR_ENTITIES))


# ---------------------------------------------------------------------------------------------------
# Eligibility
# ---------------------------------------------------------------------------------------------------
def test_ineligible_never_added() -> None:
    # Each of M3–M5 has a mid-year claims win for A through TIN_A_NEW (2×5000 = 10000, alone) and a
    # 2027-02-01 signature for TIN A1; each is ineligible by rule 2 → never added. M6 is the eligible
    # control (voluntary beats claims → voluntary from 2027-03-01).
    benes = [
        bene(M[3], death="2026-12-31"),
        bene(M[4], part_b="2027-02-01"),  # Part B began after Jan 1 PY: still ineligible mid-year
        bene(M[5], state="GU"),
        bene(M[6]),
    ]
    lines = [svc(m, "2025-08-01", 5000, tin=TIN_A_NEW) for m in M[3:7]]
    volunteers = [vol(m, TIN_A1, "2027-02-01") for m in M[3:7]]
    got = run(benes, lines, volunteers)
    assert {m: (a.alignment_type, a.effective_from) for m, a in got.items()} == {M[6]: ("voluntary", d("2027-03-01"))}


def test_death_before_the_effective_date_is_not_added() -> None:
    # Voluntary: signed 2027-03-01 → effective 2027-04-01. M3 died 2027-03-20 (before) → not added;
    #   M4 died 2027-04-01 (on the day; not before, as rule 2 treats Jan 1) → added.
    # Claims (effective 2027-07-01, TIN_A_NEW 2×5000 = 10000 alone): M5 died 2027-06-30 → not added;
    #   M6 died 2027-07-01 → added.
    benes = [
        bene(M[3], death="2027-03-20"),
        bene(M[4], death="2027-04-01"),
        bene(M[5], death="2027-06-30"),
        bene(M[6], death="2027-07-01"),
    ]
    volunteers = [vol(M[3], TIN_A1, "2027-03-01"), vol(M[4], TIN_A1, "2027-03-01")]
    lines = [svc(m, "2025-08-01", 5000, tin=TIN_A_NEW) for m in (M[5], M[6])]
    got = run(benes, lines, volunteers)
    assert {m: (a.alignment_type, a.effective_from) for m, a in got.items()} == {
        M[4]: ("voluntary", d("2027-04-01")),
        M[6]: ("claims", CLAIMS_EFFECTIVE),
    }


def test_results_stay_in_mbi_order_with_additions() -> None:
    # Base: M1 (A, claims). Additions: M0 (claims via TIN_A_NEW), M2 (voluntary). One list, ordered by MBI.
    lines = [svc(M[0], "2025-08-01", 5000, tin=TIN_A_NEW), svc(M[1], "2025-08-01", 4000, tin=TIN_A1)]
    result = align(
        PY,
        make_beneficiaries([bene(M[2]), bene(M[1]), bene(M[0])]),
        make_services(lines),
        ENTITIES,
        make_voluntary([vol(M[2], TIN_A1, "2027-05-05")]),
        midyear=MIDYEAR,
    )
    assert [(a.mbi, a.added_midyear, a.effective_from) for a in result] == [
        (M[0], True, CLAIMS_EFFECTIVE),
        (M[1], False, JAN1),
        (M[2], True, d("2027-06-01")),
    ]
    assert all(type(a.effective_from) is dt.date for a in result)  # plain dates, as services.py stores them
