"""Property-based checks of the alignment engine (docs/alignment.md) on small random datasets.

Each example draws a few ACOs and TINs (some listed by no ACO, some moving between the start of the PY and
the mid-year run), up to 8 beneficiaries (some ineligible by rule 2), up to 40 service lines spread over and
around the two alignment years, and a few voluntary records around the Oct 31 cut-off and into the PY. The
invariants hold whatever the data: they are the rules' own statements, restated independently of the engine
(rule 2 and rule 10 are recomputed here in plain Python).
"""

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.alignment.engine import ELIGIBLE_STATES, Alignment, Entities, MidYear, align
from tests.alignment.test_engine import make_beneficiaries, make_services, make_voluntary

PY = 2027
JAN1 = dt.date(PY, 1, 1)
DEC31 = dt.date(PY, 12, 31)
CUTOFF = "2026-10-31"  # rule 10: signed on or before Oct 31 PY−1

ACOS = ("A0001", "A0002", "A0003")
TINS = ("100000001", "100000002", "200000001", "300000003", "900000009")
CCNS = ("341234", "449999")
NPIS = ("1234567893", "1000000007", "")
MBIS = tuple(f"3CC0CC0CC{i:02d}" for i in range(8))
UNKNOWN_MBI = "3CC0CC0CC99"  # has lines and records but no beneficiary row


def _iso_days(first: dt.date, last: dt.date) -> list[str]:
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


# Hypothesis spends tens of µs per draw, so a service line is one draw from the lists below (`_choices`), and
# boundary days are repeated in the lists of days so that they come up often (about a quarter of draws).
# Service days: AY1/AY2 boundaries and the days just outside, then every day from before AY1 to after AY2.
SERVICE_DAYS = ["2024-06-30", "2024-07-01", "2025-06-30", "2025-07-01", "2026-06-30", "2026-07-01"] * 60 + _iso_days(
    dt.date(2024, 1, 1), dt.date(2026, 12, 31)
)
# Signature days: the Oct 31 cut-off, the Nov–Dec gap, the PY start, month ends, then every day from
# Jul 1 PY−1 to Dec 31 PY.
SIGNED_DAYS = [
    "2026-10-31",
    "2026-11-01",
    "2026-12-31",
    "2027-01-01",
    "2027-01-31",
    "2027-06-30",
    "2027-11-30",
    "2027-12-01",
] * 40 + _iso_days(dt.date(2026, 7, 1), DEC31)
# Beneficiary (death, Part A start, Part B start, state): mostly eligible, and each way of failing rule 2.
PROFILES = [(None, "2010-01-01", "2010-01-01", "NY")] * 6 + [
    ("2027-01-01", "2010-01-01", "2010-01-01", "NY"),  # died ON Jan 1 PY: eligible
    ("2027-05-10", "2010-01-01", "2010-01-01", "PR"),  # died during the PY: eligible for the base
    (None, "2027-01-01", "2027-01-01", "DC"),  # entitled on Jan 1 PY: eligible
    ("2026-12-31", "2010-01-01", "2010-01-01", "NY"),  # died before Jan 1 PY
    (None, "2027-01-02", "2010-01-01", "NY"),  # Part A too late
    (None, None, "2010-01-01", "NY"),  # never Part A
    (None, "2010-01-01", "2027-01-02", "NY"),  # Part B too late
    (None, "2010-01-01", "2010-01-01", "GU"),  # Guam
]
# A service line's provider (kind "B": TIN and NPI; kind "R": an RHC/FQHC CCN, about a fifth of lines) and its
# code (HCPCS, place of service, specialty).
PROVIDERS = [("B", tin, npi, "") for tin in TINS for npi in NPIS] + [("R", "", "", ccn) for ccn in CCNS] * 2
CODES = [
    (hcpcs, pos, spec)
    for hcpcs in ("99213", "99310", "99281", "G0463")  # PQEM, SNF visit (excluded at POS 31), ED (not PQEM), PQEM
    for pos in ("11", "31")
    for spec in ("01", "11", "06", "13", "02")  # step 1, step 1, step 2, step 2, neither
]
# Which ACOs elected Hybrid: every subset equally likely (st.frozensets would mostly draw the empty set).
HYBRID_CHOICES = [frozenset(a for i, a in enumerate(ACOS) if mask >> i & 1) for mask in range(2 ** len(ACOS))][::-1]
# Few distinct amounts, so equal weighted charges (rule 8 ties) are common.
CENTS = [0, 1000, 2000, 2500, 5000]

SETTINGS = settings(max_examples=75, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@dataclasses.dataclass(frozen=True)
class Dataset:
    benes: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    volunteers: list[dict[str, Any]]
    entities: Entities
    midyear: MidYear


def _choices(*options: Sequence[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    """One value from each list, as a single draw: a mixed-radix integer, decoded. Hypothesis shrinks it
    towards 0, that is towards the first value of every list."""
    sizes = [len(o) for o in options]

    def decode(n: int) -> tuple[Any, ...]:
        picked = []
        for values, size in zip(options, sizes, strict=True):
            n, i = divmod(n, size)
            picked.append(values[i])
        return tuple(picked)

    return st.integers(0, math.prod(sizes) - 1).map(decode)


def _line(choice: tuple[Any, ...]) -> dict[str, Any]:
    mbi, day, (kind, tin, npi, ccn), (hcpcs, pos, spec), cents = choice
    if kind == "R":
        hcpcs, pos, spec = "", "", ""
    return {
        "mbi": mbi,
        "date": day,
        "kind": kind,
        "hcpcs": hcpcs,
        "pos": pos,
        "spec": spec,
        "tin": tin,
        "npi": npi,
        "ccn": ccn,
        "cents": cents,
    }


def _entities(draw: st.DrawFn) -> Entities:
    """Each TIN and CCN listed by one of the ACOs or by none."""
    owner = st.sampled_from((None, *ACOS))
    tins = {t: a for t in TINS if (a := draw(owner)) is not None}
    ccns = {c: a for c in CCNS if (a := draw(owner)) is not None}
    return Entities(tin_to_aco=tins, ccn_to_aco=ccns)


@st.composite
def datasets(draw: st.DrawFn, *, midyear_records: bool = False) -> Dataset:
    """A random dataset. With `midyear_records`, up to 3 more records are drawn that the mid-year run may
    accept (a beneficiary drawn, a Hybrid ACO's TIN as of the run date, mostly signed Jan 1 PY – run date),
    so that voluntary additions are common rather than rare; the engine may still refuse them (signed outside
    the window, base-aligned, ineligible, dead, or effective after the PY)."""
    n_benes = draw(st.sampled_from(range(len(MBIS) + 1)))  # uniform: st.integers favours small counts
    benes = [
        dict(zip(("death", "part_a", "part_b", "state"), draw(st.sampled_from(PROFILES)), strict=True), mbi=m)
        for m in MBIS[:n_benes]
    ]
    # Lines and records belong to the beneficiaries drawn, or to an MBI without a beneficiary row.
    mbis = (*MBIS[:n_benes], UNKNOWN_MBI)
    n_lines, n_volunteers = draw(st.integers(0, 40)), draw(st.integers(0, 8))
    lines_strategy = _choices(mbis, SERVICE_DAYS, PROVIDERS, CODES, CENTS).map(_line)
    lines = draw(st.lists(lines_strategy, min_size=n_lines, max_size=n_lines))
    # Records are few: one draw per field (sampled_from draws about uniformly, `_choices` favours low values).
    volunteers = [
        {
            "mbi": draw(st.sampled_from(mbis)),
            "aco": draw(st.sampled_from(ACOS)),
            "tin": draw(st.sampled_from(TINS)),
            "npi": draw(st.sampled_from(NPIS)),
            "signed": draw(st.sampled_from(SIGNED_DAYS)),
        }
        for _ in range(n_volunteers)
    ]
    if volunteers:
        # The same designation recorded again with another ACO id on the record (a second channel, a stale
        # form): ties that only the record's own ACO id can break.
        for i, aco in draw(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(ACOS)), max_size=2)):
            volunteers.append({**volunteers[i % len(volunteers)], "aco": aco})
    midyear = MidYear(
        as_of=draw(st.dates(JAN1, DEC31)),
        hybrid_acos=draw(st.sampled_from(HYBRID_CHOICES)),
        entities=_entities(draw),  # drawn afresh: TINs may join, leave or move between ACOs by the run date
    )
    hybrid_tins = sorted(t for t, a in midyear.entities.tin_to_aco.items() if a in midyear.hybrid_acos)
    if midyear_records and benes and hybrid_tins:
        for _ in range(draw(st.integers(0, 3))):
            # Mostly inside the run's window; otherwise from Oct 1 PY−1 (cut-off, Nov–Dec gap) to Dec 31 PY.
            window = st.one_of(st.dates(JAN1, midyear.as_of), st.dates(dt.date(PY - 1, 10, 1), DEC31))
            signed = draw(window).isoformat()
            tin, npi, aco = draw(st.sampled_from(hybrid_tins)), draw(st.sampled_from(NPIS)), draw(st.sampled_from(ACOS))
            volunteers.append(
                {"mbi": draw(st.sampled_from(MBIS[:n_benes])), "aco": aco, "tin": tin, "npi": npi, "signed": signed}
            )
    return Dataset(benes, lines, volunteers, _entities(draw), midyear)


def run(data: Dataset, *, midyear: bool) -> list[Alignment]:
    return align(
        PY,
        make_beneficiaries(data.benes),
        make_services(data.lines),
        data.entities,
        make_voluntary(data.volunteers) if data.volunteers else None,
        midyear=data.midyear if midyear else None,
    )


def eligible(row: dict[str, Any]) -> bool:
    """Rule 2, restated: not dead before Jan 1 PY, Part A and B begun by Jan 1 PY, 50 states + DC + PR."""
    jan1 = JAN1.isoformat()
    alive = row["death"] is None or row["death"] >= jan1
    entitled = row["part_a"] is not None and row["part_b"] is not None
    entitled = entitled and row["part_a"] <= jan1 and row["part_b"] <= jan1
    return alive and entitled and row["state"] in ELIGIBLE_STATES


def expected_voluntary(data: Dataset) -> dict[str, dict[str, Any]]:
    """Rule 10, restated: per eligible beneficiary, the latest record signed by Oct 31 PY−1 that designates a
    Participant TIN; same-day ties to the smallest (ACO, TIN, NPI, ACO on the record)."""
    ok = {b["mbi"] for b in data.benes if eligible(b)}
    best: dict[str, tuple[Any, ...]] = {}
    for r in data.volunteers:
        aco = data.entities.tin_to_aco.get(r["tin"])
        if r["mbi"] not in ok or aco is None or r["signed"] > CUTOFF:
            continue
        # The smallest key wins: latest date first (negated day number), then the tie-breaks as text.
        key = (-dt.date.fromisoformat(r["signed"]).toordinal(), aco, r["tin"], r["npi"], r["aco"])
        if r["mbi"] not in best or key < best[r["mbi"]][0]:
            best[r["mbi"]] = (key, {**r, "designated_aco": aco})
    return {m: v[1] for m, v in best.items()}


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _shuffled(data: Dataset, rng: random.Random) -> Dataset:
    def mix(rows: list[Any]) -> list[Any]:
        rows = list(rows)
        rng.shuffle(rows)
        return rows

    def mix_entities(e: Entities) -> Entities:
        return Entities(dict(mix(list(e.tin_to_aco.items()))), dict(mix(list(e.ccn_to_aco.items()))))

    midyear = dataclasses.replace(data.midyear, entities=mix_entities(data.midyear.entities))
    return Dataset(mix(data.benes), mix(data.lines), mix(data.volunteers), mix_entities(data.entities), midyear)


# ---------------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------------
def check_well_formed(data: Dataset, result: list[Alignment]) -> None:
    # Each beneficiary aligned at most once, results ordered by MBI, only known beneficiaries.
    mbis = [a.mbi for a in result]
    assert mbis == sorted(set(mbis))
    assert set(mbis) <= {b["mbi"] for b in data.benes}
    # Ineligible beneficiaries are never aligned (rule 2), by claims, voluntarily or mid-year.
    assert not {b["mbi"] for b in data.benes if not eligible(b)} & set(mbis)
    # A claims alignment's ACO is the winner of its own explanation (rules 8, 9, 11).
    for a in result:
        if a.alignment_type == "claims":
            winner = a.explanation.competitors[0]
            assert (winner.key, winner.kind, a.step) == (a.aco_id, "aco", a.explanation.claims_step)
            assert a.step in ("1", "2") and a.unit_kind in ("tin", "ccn")


def check_base_voluntary(data: Dataset, base: dict[str, Alignment]) -> None:
    # A valid voluntary record of an eligible beneficiary always aligns it, voluntarily, to the ACO that
    # lists the designated TIN (of the latest valid record), whatever its claims say.
    expected = expected_voluntary(data)
    for mbi, record in expected.items():
        a = base[mbi]
        assert (a.alignment_type, a.step, a.aco_id, a.tin) == (
            "voluntary",
            "voluntary",
            record["designated_aco"],
            record["tin"],
        )
        assert a.explanation.voluntary is not None
        assert a.explanation.voluntary.signed_date.isoformat() == record["signed"]
    # and nobody is voluntary-aligned in the base without such a record
    assert {m for m, a in base.items() if a.alignment_type == "voluntary"} == set(expected)
    assert all((a.effective_from, a.added_midyear) == (JAN1, False) for a in base.values())


def check_midyear(data: Dataset, base: dict[str, Alignment], hybrid: dict[str, Alignment]) -> None:
    # Every base alignment is still there, unchanged (explanation and effective date included).
    for mbi, a in base.items():
        assert hybrid[mbi] == a
    # Additions go to Hybrid ACOs only, for eligible beneficiaries alive on the first day of a PY month.
    rows = {b["mbi"]: b for b in data.benes}
    as_of = data.midyear.as_of
    for mbi in hybrid.keys() - base.keys():
        a = hybrid[mbi]
        assert a.added_midyear
        assert a.aco_id in data.midyear.hybrid_acos
        assert eligible(rows[mbi])
        assert JAN1 < a.effective_from <= DEC31 and a.effective_from.day == 1
        death = rows[mbi]["death"]
        assert death is None or death >= a.effective_from.isoformat()
        if a.alignment_type == "voluntary":
            # signed Jan 1 PY – run date, for a TIN the Hybrid ACO lists at the run date; next month
            record = a.explanation.voluntary
            assert record is not None
            assert JAN1 <= record.signed_date <= as_of
            assert a.effective_from == _first_of_next_month(record.signed_date)
            assert data.midyear.entities.tin_to_aco[record.tin] == a.aco_id
        else:
            assert a.effective_from == _first_of_next_month(as_of)


# Records signed Nov 1 – Dec 31 PY−1: after the base cut-off, before the mid-year window.
GAP_RECORDS = st.lists(
    st.tuples(
        st.sampled_from(MBIS), st.sampled_from(TINS), st.sampled_from(_iso_days(dt.date(PY - 1, 11, 1), JAN1)[:-1])
    ),
    max_size=3,
)


@SETTINGS
@given(datasets(midyear_records=True), GAP_RECORDS)
def test_base_and_midyear_results_keep_the_rules_invariants(data: Dataset, gap: list[tuple[str, str, str]]) -> None:
    base_result, hybrid_result = run(data, midyear=False), run(data, midyear=True)
    check_well_formed(data, base_result)
    check_well_formed(data, hybrid_result)
    base = {a.mbi: a for a in base_result}
    check_base_voluntary(data, base)
    check_midyear(data, base, {a.mbi: a for a in hybrid_result})
    # With no Hybrid ACO the mid-year run adds nobody: the result is the base, whatever the entities say.
    prospective_only = dataclasses.replace(data, midyear=dataclasses.replace(data.midyear, hybrid_acos=frozenset()))
    assert run(prospective_only, midyear=True) == base_result
    # Records signed Nov 1 – Dec 31 PY−1 count for neither the base nor the mid-year run.
    extra = [{"mbi": m, "aco": ACOS[0], "tin": t, "npi": NPIS[0], "signed": day} for m, t, day in gap]
    assert run(dataclasses.replace(data, volunteers=data.volunteers + extra), midyear=True) == hybrid_result


@SETTINGS
@given(datasets(midyear_records=True), st.randoms(use_true_random=False))
def test_permuting_input_rows_changes_nothing(data: Dataset, rng: random.Random) -> None:
    # Full results, explanations included (competitors, counts, dates, voluntary record). The mid-year result
    # holds the base result unchanged (checked above), so this covers the prospective result as well.
    assert run(_shuffled(data, rng), midyear=True) == run(data, midyear=True)
