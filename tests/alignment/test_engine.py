"""Hand-worked cases for the alignment engine (docs/alignment.md).

Every expected answer below was worked out by hand from docs/alignment.md; the arithmetic is in the comments.
PY = 2027 throughout: AY1 = 2024-07-01 – 2025-06-30 (weight 1), AY2 = 2025-07-01 – 2026-06-30
(weight 2), voluntary cut-off 2026-10-31, eligibility date 2027-01-01.
"""

import datetime as dt
import random
from typing import Any

import numpy as np
import pytest

from apps.alignment.engine import (
    Alignment,
    Beneficiaries,
    Competitor,
    Entities,
    Services,
    Voluntary,
    align,
    alignment_years,
    eligible_mask,
    is_pqem,
    is_pqem_array,
)

PY = 2027
ACO_A = "A0001"
ACO_B = "A0002"
TIN_A1 = "100000001"
TIN_A2 = "100000002"
TIN_B1 = "200000001"
TIN_X = "900000009"  # listed by no ACO: an entity of its own
TIN_Y = "800000008"  # listed by no ACO
CCN_A = "341234"  # an RHC listed by one of ACO A's TINs
CCN_Z = "449999"  # listed by no ACO
NPI_1 = "1234567893"
NPI_2 = "1000000007"
NPI_3 = "1111111112"

ENTITIES = Entities(
    tin_to_aco={TIN_A1: ACO_A, TIN_A2: ACO_A, TIN_B1: ACO_B},
    ccn_to_aco={CCN_A: ACO_A},
)

M1, M2, M3, M4, M5, M6 = (f"1AA0AA0AA0{i}" for i in range(1, 7))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def bene(
    mbi: str,
    *,
    death: str | None = None,
    part_a: str | None = "2010-01-01",
    part_b: str | None = "2010-01-01",
    state: str = "NY",
) -> dict[str, Any]:
    return {"mbi": mbi, "death": death, "part_a": part_a, "part_b": part_b, "state": state}


def svc(
    mbi: str,
    date: str,
    cents: int,
    *,
    tin: str = TIN_X,
    npi: str = NPI_1,
    hcpcs: str = "99213",
    spec: str = "01",
    pos: str = "11",
) -> dict[str, Any]:
    """A CCLF5 (kind "B") line."""
    return {
        "mbi": mbi,
        "date": date,
        "kind": "B",
        "hcpcs": hcpcs,
        "pos": pos,
        "spec": spec,
        "tin": tin,
        "npi": npi,
        "ccn": "",
        "cents": cents,
    }


def rhc(mbi: str, date: str, cents: int, *, ccn: str) -> dict[str, Any]:
    """An RHC/FQHC revenue line (kind "R"), already filtered by the caller."""
    return {
        "mbi": mbi,
        "date": date,
        "kind": "R",
        "hcpcs": "",
        "pos": "",
        "spec": "",
        "tin": "",
        "npi": "",
        "ccn": ccn,
        "cents": cents,
    }


def vol(mbi: str, tin: str, signed: str, *, aco: str = ACO_A, npi: str = NPI_1) -> dict[str, Any]:
    return {"mbi": mbi, "aco": aco, "tin": tin, "npi": npi, "signed": signed}


def _dates(values: list[str | None]) -> np.ndarray:
    return np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]")


def make_beneficiaries(rows: list[dict[str, Any]]) -> Beneficiaries:
    return Beneficiaries(
        mbi=np.array([r["mbi"] for r in rows], dtype=str),
        death_date=_dates([r["death"] for r in rows]),
        part_a_start=_dates([r["part_a"] for r in rows]),
        part_b_start=_dates([r["part_b"] for r in rows]),
        state=np.array([r["state"] for r in rows], dtype=str),
    )


def make_services(rows: list[dict[str, Any]]) -> Services:
    def col(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=str)

    return Services(
        mbi=col("mbi"),
        from_date=_dates([r["date"] for r in rows]),
        kind=col("kind"),
        hcpcs=col("hcpcs"),
        pos=col("pos"),
        specialty=col("spec"),
        tin=col("tin"),
        npi=col("npi"),
        ccn=col("ccn"),
        charge_cents=np.array([r["cents"] for r in rows], dtype=np.int64),
    )


def make_voluntary(rows: list[dict[str, Any]]) -> Voluntary:
    return Voluntary(
        mbi=np.array([r["mbi"] for r in rows], dtype=str),
        aco_id=np.array([r["aco"] for r in rows], dtype=str),
        tin=np.array([r["tin"] for r in rows], dtype=str),
        npi=np.array([r["npi"] for r in rows], dtype=str),
        signed_date=_dates([r["signed"] for r in rows]),
    )


def run(
    benes: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    volunteers: list[dict[str, Any]] | None = None,
    entities: Entities = ENTITIES,
) -> dict[str, Alignment]:
    result = align(
        PY,
        make_beneficiaries(benes),
        make_services(lines),
        entities,
        make_voluntary(volunteers) if volunteers else None,
    )
    return {a.mbi: a for a in result}


# ---------------------------------------------------------------------------------------------------
# Rule 1 and the PQEM list
# ---------------------------------------------------------------------------------------------------
def test_alignment_years_for_2027() -> None:
    assert alignment_years(PY) == (
        (d("2024-07-01"), d("2025-06-30")),
        (d("2025-07-01"), d("2026-06-30")),
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("99201", True),
        ("99213", True),
        ("99215", True),
        ("99216", False),
        ("99200", False),
        ("96160", True),
        ("96161", True),
        ("96162", False),
        ("99304", True),
        ("99350", True),
        ("99354", True),
        ("99356", False),
        ("99439", True),
        ("99440", False),
        ("99485", False),
        ("99488", False),
        ("99490", True),
        ("99498", True),
        ("99499", False),
        ("G0463", True),
        ("g0463 ", True),
        ("G2214", True),
        ("G0440", False),
        ("99281", False),
        ("A0001", False),
        ("", False),
    ],
)
def test_is_pqem(code: str, expected: bool) -> None:
    assert is_pqem(code) is expected


def test_is_pqem_array_matches_scalar() -> None:
    codes = ["99213", "G0438", "99216", "", "96161"]
    assert is_pqem_array(np.array(codes)).tolist() == [True, True, False, False, True]


# ---------------------------------------------------------------------------------------------------
# Rules 1 and 5: alignment-year boundaries and weighting
# ---------------------------------------------------------------------------------------------------
def test_alignment_year_boundaries_and_weights() -> None:
    # ACO A: 2024-06-30 (before AY1) → 0; 2024-07-01 (AY1) 1×1000 = 1000; 2026-06-30 (AY2) 2×1000 = 2000;
    #        2026-07-01 (after AY2) → 0.  A = 3000.
    # TIN X: 2025-06-30 (last day of AY1) 1×100 = 100; 2025-07-01 (first day of AY2) 2×1400 = 2800. X = 2900.
    # → A wins, 3000 vs 2900; qualifying services counted: 4, from 2024-07-01 to 2026-06-30.
    lines = [
        svc(M1, "2024-06-30", 100000, tin=TIN_A1),
        svc(M1, "2024-07-01", 1000, tin=TIN_A1),
        svc(M1, "2026-06-30", 1000, tin=TIN_A1),
        svc(M1, "2026-07-01", 100000, tin=TIN_A1),
        svc(M1, "2025-06-30", 100, tin=TIN_X),
        svc(M1, "2025-07-01", 1400, tin=TIN_X),
    ]
    got = run([bene(M1)], lines)
    a = got[M1]
    assert (a.aco_id, a.alignment_type, a.step) == (ACO_A, "claims", "1")
    assert a.explanation.competitors == (
        Competitor(ACO_A, "aco", 3000, d("2026-06-30")),
        Competitor(TIN_X, "tin", 2900, d("2025-07-01")),
    )
    assert a.explanation.service_count == 4
    assert (a.explanation.first_service, a.explanation.last_service) == (d("2024-07-01"), d("2026-06-30"))


def test_ay2_weighs_double() -> None:
    # ACO A: AY2 2×6000 = 12000; TIN X: AY1 1×11000 = 11000 → A wins (unweighted, X's 11000 would beat 6000).
    lines = [svc(M1, "2025-09-01", 6000, tin=TIN_A1), svc(M1, "2024-09-01", 11000, tin=TIN_X)]
    got = run([bene(M1)], lines)
    assert got[M1].aco_id == ACO_A
    assert [c.weighted_cents for c in got[M1].explanation.competitors] == [12000, 11000]


# ---------------------------------------------------------------------------------------------------
# Rules 6 and 7: step 1 and step 2
# ---------------------------------------------------------------------------------------------------
def test_step1_beats_step2() -> None:
    # M1: ACO A only has a cardiologist (06, step 2): 2×100000 = 200000; TIN X internal medicine (11, step 1):
    #     2×1000 = 2000. M1 has a step-1 service, so only step 1 counts: X wins → not aligned.
    # M2: ACO A family practice (08): 2×1000 = 2000 in step 1; TIN X cardiology 2×100000 ignored → A, step 1,
    #     and X does not even appear among the competitors.
    lines = [
        svc(M1, "2025-09-01", 100000, tin=TIN_A1, spec="06"),
        svc(M1, "2025-09-02", 1000, tin=TIN_X, spec="11"),
        svc(M2, "2025-09-01", 1000, tin=TIN_A1, spec="08"),
        svc(M2, "2025-09-02", 100000, tin=TIN_X, spec="06"),
    ]
    got = run([bene(M1), bene(M2)], lines)
    assert M1 not in got
    assert got[M2].step == "1"
    assert got[M2].explanation.competitors == (Competitor(ACO_A, "aco", 2000, d("2025-09-01")),)
    assert got[M2].explanation.service_count == 1


def test_step2_only_without_step1_services() -> None:
    # No step-1 service inside AY1/AY2 (the 2024-01-01 family-practice line is before AY1 and does not exist
    # for the rule). Step 2: ACO A cardiology (06) 2×3000 = 6000; TIN X neurology (13)
    # 1×5000 = 5000; TIN Y general surgery (02) is in neither list → ignored. → A in step 2.
    lines = [
        svc(M1, "2024-01-01", 900000, tin=TIN_X, spec="01"),
        svc(M1, "2025-10-01", 3000, tin=TIN_A1, spec="06"),
        svc(M1, "2024-10-01", 5000, tin=TIN_X, spec="13"),
        svc(M1, "2025-10-01", 100000, tin=TIN_Y, spec="02"),
    ]
    a = run([bene(M1)], lines)[M1]
    assert (a.aco_id, a.step, a.explanation.step) == (ACO_A, "2", "2")
    assert [(c.key, c.weighted_cents) for c in a.explanation.competitors] == [(ACO_A, 6000), (TIN_X, 5000)]
    assert a.explanation.service_count == 2


def test_zero_charge_step1_service_still_blocks_step2() -> None:
    # Documented choice: a step-1 line counts as a service whatever its charge. TIN X (01) 0 cents is the
    # only step-1 entity → X wins with 0 → not aligned, though ACO A has 2×50000 in step 2.
    lines = [svc(M1, "2025-10-01", 0, tin=TIN_X, spec="01"), svc(M1, "2025-10-01", 50000, tin=TIN_A1, spec="06")]
    assert run([bene(M1)], lines) == {}


# ---------------------------------------------------------------------------------------------------
# Rule 3: qualifying services
# ---------------------------------------------------------------------------------------------------
def test_snf_visits_excluded_at_pos_31_but_counted_at_pos_32() -> None:
    # ACO A: 99310 at POS 31 (SNF) excluded; 99310 at POS 32 (NF) 2×2000 = 4000. TIN X: 99213 2×1500 = 3000;
    # 99281 (ED visit, not PQEM) 2×100000 ignored. → A, 4000 vs 3000.
    lines = [
        svc(M1, "2025-08-01", 50000, tin=TIN_A1, hcpcs="99310", pos="31"),
        svc(M1, "2025-08-02", 2000, tin=TIN_A1, hcpcs="99310", pos="32"),
        svc(M1, "2025-08-03", 1500, tin=TIN_X, hcpcs="99213"),
        svc(M1, "2025-08-04", 100000, tin=TIN_X, hcpcs="99281"),
    ]
    a = run([bene(M1)], lines)[M1]
    assert a.aco_id == ACO_A
    assert [(c.key, c.weighted_cents) for c in a.explanation.competitors] == [(ACO_A, 4000), (TIN_X, 3000)]
    assert a.explanation.service_count == 2


def test_rhc_ccn_of_participant_counts_as_primary_care() -> None:
    # M1: RHC CCN_A (listed by ACO A) 2×4000 = 8000 in step 1; TIN X cardiology (step 2) 2×90000 ignored since
    #     step 1 applies; TIN X family practice 2×3000 = 6000. → A; aligning unit = CCN_A (only A unit), no NPI.
    # M2: unlisted CCN_Z 2×5000 = 10000 vs ACO A TIN 2×4000 = 8000 → the CCN entity wins → not aligned.
    lines = [
        rhc(M1, "2025-11-01", 4000, ccn=CCN_A),
        svc(M1, "2025-11-02", 90000, tin=TIN_X, spec="06"),
        svc(M1, "2025-11-03", 3000, tin=TIN_X, spec="08"),
        rhc(M2, "2025-11-01", 5000, ccn=CCN_Z),
        svc(M2, "2025-11-01", 4000, tin=TIN_A1),
    ]
    got = run([bene(M1), bene(M2)], lines)
    a = got[M1]
    assert (a.aco_id, a.step, a.tin, a.unit_kind, a.npi) == (ACO_A, "1", CCN_A, "ccn", None)
    assert [(c.key, c.kind, c.weighted_cents) for c in a.explanation.competitors] == [
        (ACO_A, "aco", 8000),
        (TIN_X, "tin", 6000),
    ]
    assert M2 not in got


def test_non_participant_tin_wins_means_not_aligned() -> None:
    # TIN X 2×7000 = 14000 vs ACO A 2×6000 = 12000 → X → nobody's beneficiary.
    lines = [svc(M1, "2025-08-01", 7000, tin=TIN_X), svc(M1, "2025-08-01", 6000, tin=TIN_A1)]
    assert run([bene(M1)], lines) == {}


def test_services_of_unknown_mbis_are_ignored() -> None:
    lines = [svc(M6, "2025-08-01", 7000, tin=TIN_A1)]
    assert run([bene(M1)], lines) == {}


# ---------------------------------------------------------------------------------------------------
# Rule 8: ties
# ---------------------------------------------------------------------------------------------------
def test_tie_on_charge_goes_to_latest_service() -> None:
    # M1: ACO A 2×5000 = 10000, last 2025-08-01; TIN X 1×10000 = 10000, last 2024-09-01 → A (later).
    # M2: ACO A 2×5000 = 10000 on 2025-08-01; TIN X 2×5000 = 10000 on 2025-09-01 → X (later) → not aligned.
    lines = [
        svc(M1, "2025-08-01", 5000, tin=TIN_A1),
        svc(M1, "2024-09-01", 10000, tin=TIN_X),
        svc(M2, "2025-08-01", 5000, tin=TIN_A1),
        svc(M2, "2025-09-01", 5000, tin=TIN_X),
    ]
    got = run([bene(M1), bene(M2)], lines)
    assert got[M1].aco_id == ACO_A
    assert M2 not in got


def test_tie_on_charge_and_date_goes_to_smallest_key() -> None:
    # M1: ACO A0001 and ACO A0002 both 2×5000 = 10000 on 2025-08-01 → "A0001" < "A0002" → A0001.
    # M2: ACO A0001 and TIN 900000009 both 10000 on 2025-08-01 → "900000009" < "A0001" (digits sort first)
    #     → the TIN wins → not aligned.
    lines = [
        svc(M1, "2025-08-01", 5000, tin=TIN_B1),
        svc(M1, "2025-08-01", 5000, tin=TIN_A1),
        svc(M2, "2025-08-01", 5000, tin=TIN_A1),
        svc(M2, "2025-08-01", 5000, tin=TIN_X),
    ]
    got = run([bene(M1), bene(M2)], lines)
    assert got[M1].aco_id == ACO_A
    assert [c.key for c in got[M1].explanation.competitors] == [ACO_A, ACO_B]
    assert M2 not in got


# ---------------------------------------------------------------------------------------------------
# Rule 9: aligning unit and NPI
# ---------------------------------------------------------------------------------------------------
def test_aligning_tin_and_npi_inside_the_aco() -> None:
    # ACO A: TIN A1 / NPI 1: 2×3000 = 6000; TIN A1 / NPI 2: 1×2000 + 1×2000 = 4000 → TIN A1 = 10000;
    #        TIN A2 / NPI 3: 2×4500 = 9000. A = 19000 vs TIN X 2×1000 = 2000 → A.
    # Unit: A1 10000 > A2 9000 → A1. NPI under A1: NPI 1 6000 > NPI 2 4000 → NPI 1 (NPI 3's 9000 is under A2).
    lines = [
        svc(M1, "2025-08-01", 3000, tin=TIN_A1, npi=NPI_1),
        svc(M1, "2024-08-01", 2000, tin=TIN_A1, npi=NPI_2),
        svc(M1, "2024-09-01", 2000, tin=TIN_A1, npi=NPI_2),
        svc(M1, "2025-08-01", 4500, tin=TIN_A2, npi=NPI_3),
        svc(M1, "2025-08-01", 1000, tin=TIN_X),
    ]
    a = run([bene(M1)], lines)[M1]
    assert (a.aco_id, a.tin, a.unit_kind, a.npi) == (ACO_A, TIN_A1, "tin", NPI_1)
    assert a.explanation.competitors[0] == Competitor(ACO_A, "aco", 19000, d("2025-08-01"))


def test_aligning_unit_tie_goes_to_latest_date_and_npi_tie_to_smallest() -> None:
    # TIN A1: 2×2000 (NPI 1, 2025-08-01) + 2×2000 (NPI 2, 2025-08-01) = 8000, last 2025-08-01;
    # TIN A2: 1×8000 (2024-08-01) = 8000, last 2024-08-01 → tie on charge, A1 later → A1.
    # NPIs under A1 tie at 4000 → smallest as text: "1000000007" (NPI 2) < "1234567893" (NPI 1).
    lines = [
        svc(M1, "2025-08-01", 2000, tin=TIN_A1, npi=NPI_1),
        svc(M1, "2025-08-01", 2000, tin=TIN_A1, npi=NPI_2),
        svc(M1, "2024-08-01", 8000, tin=TIN_A2, npi=NPI_3),
    ]
    a = run([bene(M1)], lines)[M1]
    assert (a.tin, a.npi) == (TIN_A1, NPI_2)


# ---------------------------------------------------------------------------------------------------
# Rule 2: eligibility
# ---------------------------------------------------------------------------------------------------
def test_eligibility_boundaries() -> None:
    benes = [
        bene(M1, death="2026-12-31"),  # died before Jan 1 2027 → ineligible
        bene(M2, death="2027-01-01"),  # died on Jan 1, not before → eligible
        bene(M3, part_b="2027-01-02"),  # Part B after Jan 1 → ineligible
        bene(M4, part_a="2027-01-01", part_b="2027-01-01"),  # both on Jan 1 → eligible
        bene(M5, state="GU"),  # Guam → ineligible
        bene(M6, state="PR", part_a=None),  # no Part A → ineligible
    ]
    assert eligible_mask(PY, make_beneficiaries(benes)).tolist() == [False, True, False, True, False, False]
    assert eligible_mask(PY, make_beneficiaries([bene(M1, state="PR"), bene(M2, state="DC")])).all()


def test_ineligible_never_aligned_even_with_voluntary() -> None:
    # Each beneficiary has an ACO A claims win (2×5000) and a valid voluntary record to TIN B1.
    benes = [
        bene(M1, death="2026-12-31"),
        bene(M2, part_b="2027-01-02"),
        bene(M3, state="GU"),
        bene(M4),  # the eligible control
    ]
    lines = [svc(m, "2025-08-01", 5000, tin=TIN_A1) for m in (M1, M2, M3, M4)]
    volunteers = [vol(m, TIN_B1, "2026-01-01", aco=ACO_B) for m in (M1, M2, M3, M4)]
    got = run(benes, lines, volunteers)
    assert list(got) == [M4]
    assert got[M4].aco_id == ACO_B


# ---------------------------------------------------------------------------------------------------
# Rule 10: voluntary alignment
# ---------------------------------------------------------------------------------------------------
def test_voluntary_beats_claims() -> None:
    # Claims: ACO A 2×9000 = 18000 wins. Voluntary (2026-10-31, the last valid day) to TIN B1 of ACO B → B.
    lines = [svc(M1, "2025-08-01", 9000, tin=TIN_A1)]
    volunteers = [vol(M1, TIN_B1, "2026-10-31", aco=ACO_B, npi=NPI_3)]
    a = run([bene(M1)], lines, volunteers)[M1]
    assert (a.aco_id, a.alignment_type, a.step, a.tin, a.npi) == (ACO_B, "voluntary", "voluntary", TIN_B1, NPI_3)
    v = a.explanation.voluntary
    assert v is not None
    assert (v.aco_id, v.tin, v.npi, v.signed_date) == (ACO_B, TIN_B1, NPI_3, d("2026-10-31"))
    # the claims evaluation stays in the explanation for context
    assert a.explanation.step == "voluntary"
    assert a.explanation.claims_step == "1"
    assert a.explanation.competitors == (Competitor(ACO_A, "aco", 18000, d("2025-08-01")),)


def test_voluntary_aligns_without_any_claims() -> None:
    a = run([bene(M1)], [], [vol(M1, TIN_A2, "2025-03-01")])[M1]
    assert (a.aco_id, a.step, a.tin) == (ACO_A, "voluntary", TIN_A2)
    assert a.explanation.claims_step is None
    assert a.explanation.competitors == ()
    assert a.explanation.service_count == 0


def test_invalid_voluntary_records_are_ignored() -> None:
    # M1: signed 2026-11-01 (after Oct 31 PY−1) → ignored → claims: ACO A.
    # M2: designates TIN X, no ACO's Participant TIN → ignored → claims: ACO A.
    lines = [svc(M1, "2025-08-01", 9000, tin=TIN_A1), svc(M2, "2025-08-01", 9000, tin=TIN_A1)]
    volunteers = [vol(M1, TIN_B1, "2026-11-01", aco=ACO_B), vol(M2, TIN_X, "2026-01-01", aco=ACO_B)]
    got = run([bene(M1), bene(M2)], lines, volunteers)
    assert (got[M1].aco_id, got[M1].alignment_type) == (ACO_A, "claims")
    assert (got[M2].aco_id, got[M2].alignment_type) == (ACO_A, "claims")
    assert got[M1].explanation.voluntary is None


def test_most_recent_valid_voluntary_record_wins() -> None:
    # 2025-01-01 TIN A1 (valid), 2026-05-01 TIN B1 (valid, latest valid), 2026-09-01 TIN X (not a
    # Participant TIN), 2026-11-01 TIN A1 (too late) → the 2026-05-01 record → ACO B.
    volunteers = [
        vol(M1, TIN_A1, "2025-01-01"),
        vol(M1, TIN_B1, "2026-05-01", aco=ACO_B),
        vol(M1, TIN_X, "2026-09-01"),
        vol(M1, TIN_A1, "2026-11-01"),
    ]
    a = run([bene(M1)], [], volunteers)[M1]
    assert a.aco_id == ACO_B
    assert a.explanation.voluntary is not None
    assert a.explanation.voluntary.signed_date == d("2026-05-01")


def test_voluntary_follows_the_tin_to_its_aco_in_the_py() -> None:
    # Documented choice: the record names ACO A but TIN B1 is ACO B's Participant TIN in the PY → ACO B.
    a = run([bene(M1)], [], [vol(M1, TIN_B1, "2026-02-01", aco=ACO_A)])[M1]
    assert a.aco_id == ACO_B
    assert a.explanation.voluntary is not None
    assert a.explanation.voluntary.record_aco_id == ACO_A


# ---------------------------------------------------------------------------------------------------
# Rule 11: explanation
# ---------------------------------------------------------------------------------------------------
EXPLAINED_LINES = [
    # ACO A: 2×6000 (2025-12-01) + 1×500 (2024-08-01) = 12500
    svc(M1, "2025-12-01", 6000, tin=TIN_A1),
    svc(M1, "2024-08-01", 500, tin=TIN_A2),
    svc(M1, "2026-01-15", 5000, tin="111111111"),  # 2×5000 = 10000
    svc(M1, "2024-10-10", 9000, tin="222222222"),  # 1×9000 = 9000
    svc(M1, "2026-03-03", 4000, tin="333333333"),  # 2×4000 = 8000
    svc(M1, "2025-02-02", 7000, tin="444444444"),  # 1×7000 = 7000
    svc(M1, "2024-07-15", 1000, tin="555555555"),  # 1×1000 = 1000 → 6th, not in the top 5
]


def test_explanation_lists_top_five_and_services() -> None:
    a = run([bene(M1)], EXPLAINED_LINES)[M1]
    assert a.explanation.competitors == (
        Competitor(ACO_A, "aco", 12500, d("2025-12-01")),
        Competitor("111111111", "tin", 10000, d("2026-01-15")),
        Competitor("222222222", "tin", 9000, d("2024-10-10")),
        Competitor("333333333", "tin", 8000, d("2026-03-03")),
        Competitor("444444444", "tin", 7000, d("2025-02-02")),
    )
    # 7 qualifying step-1 services from 2024-07-15 to 2026-03-03; unit TIN A1 (12000 vs A2 500).
    assert a.explanation.service_count == 7
    assert (a.explanation.first_service, a.explanation.last_service) == (d("2024-07-15"), d("2026-03-03"))
    assert (a.tin, a.npi, a.explanation.voluntary) == (TIN_A1, NPI_1, None)


def test_row_order_changes_nothing() -> None:
    lines = list(EXPLAINED_LINES) + [svc(M2, "2025-08-01", 3000, tin=TIN_B1), svc(M2, "2025-08-01", 2000)]
    benes = [bene(M1), bene(M2), bene(M3)]
    volunteers = [vol(M3, TIN_A1, "2025-01-01"), vol(M3, TIN_B1, "2025-02-01", aco=ACO_B)]
    expected = run(benes, lines, volunteers)
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(lines)
        rng.shuffle(benes)
        rng.shuffle(volunteers)
        assert run(benes, lines, volunteers) == expected
    assert {m: a.aco_id for m, a in expected.items()} == {M1: ACO_A, M2: ACO_B, M3: ACO_B}


def test_duplicate_beneficiary_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="one row per MBI"):
        run([bene(M1), bene(M1)], [])


def test_string_fallback_gives_the_same_answer() -> None:
    # Lower-case MBIs and a 3-character-wide specialty column take the string path; the answer must not
    # change: ACO A 2×5000 = 10000 vs TIN X 1×9000 = 9000 → A, step 1.
    lines = [svc("1aa0aa0aa01", "2025-08-01", 5000, tin=TIN_A1), svc("1aa0aa0aa01", "2024-08-01", 9000, tin=TIN_X)]
    services = make_services(lines)
    services = Services(**{**services.__dict__, "specialty": np.array(["01", "01"], dtype="U3")})
    result = align(PY, make_beneficiaries([bene("1aa0aa0aa01")]), services, ENTITIES, None)
    assert [(a.mbi, a.aco_id, a.step) for a in result] == [("1aa0aa0aa01", ACO_A, "1")]
    assert [c.weighted_cents for c in result[0].explanation.competitors] == [10000, 9000]
