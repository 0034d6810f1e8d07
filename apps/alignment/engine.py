"""Beneficiary alignment: the rule of docs/alignment.md, as pure functions over numpy columns.

No ORM, no I/O: callers hand in column-oriented numpy arrays (one element per beneficiary, service line
or voluntary record) and get back one `Alignment` per aligned beneficiary. Every step over service
lines is vectorised (sorting and `reduceat` grouping); Python only loops over distinct providers
(TIN/CCN/NPI values, to map them to ACOs) and over the aligned beneficiaries when building results.

What callers have already done (not repeated here):
- MBIs are current MBIs (CCLF9 crosswalk followed);
- claims are netted, cancelled claims removed, denied Part B lines (`CLM_CARR_PMT_DNL_CD` = 0) removed;
- kind "R" lines are RHC/FQHC revenue lines of claim type 40, bill type 71x/77x, whose revenue centre is
  0521/0522/0524/0525 or whose HCPCS is PQEM (rule 3b), with the claim's CCN and
  `CLM_LINE_CVRD_PD_AMT` in cents; kind "B" lines are CCLF5 lines with `CLM_LINE_ALOWD_CHRG_AMT` in cents.
- one beneficiary row per MBI (the CCLF8 record of the most recent file date);
- service-line text columns are trimmed, as the CCLF loader stores them (trimming 10 million strings
  would cost seconds, so the engine only trims the small beneficiary and voluntary inputs).

Speed: codes made of [0-9A-Z] and at most 12 characters (MBI, TIN, NPI, CCN, specialty) are turned into
order-preserving int64 keys, and HCPCS codes are read from their code points, so sorting and matching run on
integers; other values fall back to (slower) string operations with the same answer. Measured on a
synthetic 100,000-beneficiary, 10-million-line input on 2 cores: about 15 s.

Hybrid approach (docs/alignment.md, "Hybrid mid-year additions" and rule 10): `align(..., midyear=...)`
adds the results of one mid-year run to the base (prospective) result. Cohorts and High Needs are computed
elsewhere.

Choices where the rule (docs/alignment.md) is silent or ambiguous (each also commented where it is made):
- Only services whose from-date falls in AY1 or AY2 exist for the rule: "has a step-1 service" (rule 7),
  the tie-break dates (rule 8) and the service counts of the explanation all ignore services outside.
- A qualifying line counts as a service whatever its charge (a $0 step-1 line still makes step 2
  inapplicable and still competes in the plurality with 0 weighted cents).
- Lines with a blank provider key (TIN for "B", CCN for "R") cannot be attributed and are dropped.
- The aligning unit inside the ACO breaks ties like rule 8: latest service date, then smallest key as
  text. The aligning NPI breaks ties on smallest NPI as text only (rule 9); blank NPIs never qualify.
- Entity keys are compared as text; an ACO id, a TIN and a CCN with the very same text (not expected in
  real data) are further ordered aco < ccn < tin so the result stays deterministic.
- Voluntary: the ACO is the one that lists the designated TIN in the PY (`tin_to_aco`), even if the
  record names another ACO (the beneficiary designated a clinician, who may have moved); the record's own
  ACO id is kept in the explanation. Among valid records the latest `signed_date` wins; same-day ties go
  to the smallest (ACO id, TIN, NPI) as text. Records for MBIs without an eligible beneficiary row are
  ignored. Same-day ties that agree on all three keep going: smallest ACO id written on the record, so the
  explanation does not depend on row order.
- Voluntary alignments keep the claims evaluation (if any) in their explanation for context.
- Every base alignment is effective from Jan 1 PY (`effective_from`), `added_midyear` False.

Choices for the Hybrid mid-year run (`MidYear(as_of, hybrid_acos, entities)`):
- The base result is exactly the prospective one above (entities at the start of the PY, voluntary records
  signed ≤ Oct 31 PY−1). Mid-year processing only adds: nobody in the base is dropped, moved to another ACO,
  or changes type, step, unit or explanation, even when the mid-year entities would now decide otherwise.
- `as_of` must lie inside the PY (ValueError otherwise). Only ACOs in `hybrid_acos` receive additions;
  Prospective ACOs receive none, though their mid-year entities still compete in the claims re-run.
- Eligibility is rule 2 as for the base (Jan 1 PY). In addition, a beneficiary whose death date falls before
  the addition's effective date is not added (nothing is left to align), and an addition whose effective
  date would fall after Dec 31 PY (a December signature, an `as_of` in December) belongs to no month of the
  PY and is not made.
- Voluntary additions: records signed Jan 1 PY – `as_of` (both inclusive) whose designated TIN is, in
  `midyear.entities`, a Participant TIN of a Hybrid ACO (a TIN added mid-year counts; one that left does
  not), for an eligible beneficiary not aligned in the base. The ACO is the one listing that TIN mid-year.
  Among such records the latest signature wins with rule 10's tie-breaks; records that are not valid for
  the addition (another ACO's TIN, a non-participant TIN) are skipped, as rule 10 skips invalid records.
  Type and step "voluntary", effective the first day of the month after the signed date.
- Records signed Nov 1 – Dec 31 of PY−1 are valid for neither the base (after the Oct 31 cut-off) nor the
  mid-year run (before Jan 1 PY): they count toward PY+1.
- Claims additions ("one mid-year claims run for newly added TINs"): the claims rule (rules 1–9, the same
  alignment years) is re-run with `midyear.entities` for the eligible beneficiaries not aligned in the
  base; one not added voluntarily whose winner is now a Hybrid ACO is added as claims-aligned, effective
  the first day of the month after `as_of`. The run does not ask which TIN made the difference: a winner
  changed by a TIN that left another ACO is added too.
- Mid-year additions (voluntary or claims) carry the mid-year claims evaluation in their explanation and
  `added_midyear` True.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

# 50 states, DC and PR (rule 2).
ELIGIBLE_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR".split()
)

# Rule 6 and 7 specialty codes (`CLM_PRVDR_SPCLTY_CD`, two characters).
STEP1_SPECIALTIES = frozenset({"01", "08", "11", "37", "38", "50", "89", "97"})
STEP2_SPECIALTIES = frozenset({"06", "13", "16", "29", "39", "44", "46", "66", "83", "90"})

# PQEM list (42 CFR 425.400(c)(1)(v)) as docs/alignment.md states it: inclusive numeric ranges and G-codes.
PQEM_RANGES: tuple[tuple[int, int], ...] = (
    (96160, 96161),
    (99201, 99215),
    (99304, 99318),
    (99319, 99340),
    (99341, 99350),
    (99354, 99355),
    (99421, 99423),
    (99439, 99439),
    (99483, 99483),
    (99484, 99484),
    (99487, 99487),
    (99489, 99491),
    (99492, 99494),
    (99495, 99496),
    (99497, 99498),
)
PQEM_G_CODES = frozenset(
    {"G0402", "G0438", "G0439", "G0442", "G0443", "G0444", "G0463", "G0506", "G2010", "G2012", "G2058"}
    | {"G2064", "G2065", "G2214"}
)
# Nursing facility visits excluded when billed with place of service 31 (SNF), rule 3a.
SNF_RANGE = (99304, 99318)
SNF_POS = "31"

STEP_VOLUNTARY = "voluntary"
TYPE_CLAIMS = "claims"
TYPE_VOLUNTARY = "voluntary"
TOP_COMPETITORS = 5

# Entity kinds; their text order is the last tie-break when keys are textually equal.
KIND_ACO = "aco"
KIND_CCN = "ccn"
KIND_TIN = "tin"


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Beneficiaries:
    """One row per current MBI. Dates are datetime64[D]; NaT death = alive, NaT start = not entitled."""

    mbi: Array
    death_date: Array
    part_a_start: Array
    part_b_start: Array
    state: Array


@dataclass(frozen=True)
class Services:
    """Netted, non-denied service lines. kind "B" = CCLF5 line (tin/npi/specialty/pos used), "R" = RHC/FQHC
    revenue line (ccn used). charge_cents: integer cents."""

    mbi: Array
    from_date: Array
    kind: Array
    hcpcs: Array
    pos: Array
    specialty: Array
    tin: Array
    npi: Array
    ccn: Array
    charge_cents: Array


@dataclass(frozen=True)
class Entities:
    """Participant TINs of each ACO for the PY, and the CCNs those TINs list."""

    tin_to_aco: dict[str, str]
    ccn_to_aco: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Voluntary:
    mbi: Array
    aco_id: Array
    tin: Array
    npi: Array
    signed_date: Array


@dataclass(frozen=True)
class MidYear:
    """The Hybrid approach's mid-year run: what changed between the start of the PY and `as_of`."""

    as_of: dt.date  # the date of the mid-year run, inside the PY
    hybrid_acos: frozenset[str]  # ACO ids that elected the Hybrid approach for the PY
    entities: Entities  # Participant TINs/CCNs as of `as_of` (may include TINs added mid-year)


# ---------------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Competitor:
    key: str  # ACO id, TIN or CCN
    kind: str  # "aco", "tin" or "ccn"
    weighted_cents: int
    last_service: dt.date


@dataclass(frozen=True)
class VoluntaryRecord:
    aco_id: str  # the ACO the designated TIN belongs to in the PY
    record_aco_id: str  # the ACO id written on the record
    tin: str
    npi: str
    signed_date: dt.date


@dataclass(frozen=True)
class Explanation:
    step: str  # "1", "2" or "voluntary"
    claims_step: str | None  # the claims step evaluated ("1"/"2"), None without qualifying services
    competitors: tuple[Competitor, ...]  # top 5 entities of the claims step, winner first
    service_count: int  # qualifying services of the claims step (all entities)
    first_service: dt.date | None
    last_service: dt.date | None
    voluntary: VoluntaryRecord | None


@dataclass(frozen=True)
class Alignment:
    mbi: str
    aco_id: str
    alignment_type: str  # "claims" or "voluntary"
    step: str  # "1", "2" or "voluntary"
    tin: str | None  # aligning unit: a TIN, or a CCN when unit_kind == "ccn"
    unit_kind: str | None  # "tin" or "ccn"
    npi: str | None  # None for a CCN unit or when no NPI has charges
    explanation: Explanation
    effective_from: dt.date  # Jan 1 PY for the base; the first of a month during the PY for mid-year additions
    added_midyear: bool = False


# ---------------------------------------------------------------------------------------------------
# Small rules
# ---------------------------------------------------------------------------------------------------
def alignment_years(py: int) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Rule 1: AY1 = Jul 1 (PY−3) – Jun 30 (PY−2); AY2 = Jul 1 (PY−2) – Jun 30 (PY−1), inclusive."""
    return (
        (dt.date(py - 3, 7, 1), dt.date(py - 2, 6, 30)),
        (dt.date(py - 2, 7, 1), dt.date(py - 1, 6, 30)),
    )


def _text(values: Any) -> Array:
    """Any array-like of codes → unicode array. Service-line columns are expected already trimmed (as the
    CCLF loader stores them): stripping 10 million strings costs seconds, so only small inputs are stripped."""
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    return arr


def _encode(arr: Array) -> Array | None:
    """Order-preserving int64 keys for strings of at most 12 characters drawn from [0-9A-Z] (MBIs, TINs,
    NPIs, CCNs, specialty codes): sorting and matching integers is many times faster than strings.
    None when some value falls outside that alphabet (callers then fall back to string operations)."""
    width = arr.dtype.itemsize // 4
    if arr.dtype.kind != "U" or width > 12:
        return None
    if width == 0:
        return np.zeros(arr.shape, dtype=np.int64)
    chars = np.ascontiguousarray(arr).view(np.uint32).reshape(arr.size, width)
    keys = np.zeros(arr.size, dtype=np.int64)
    for i in range(width):  # a loop over character positions, not over lines
        col = chars[:, i].astype(np.int64)
        digit = (col >= 48) & (col <= 57)
        upper = (col >= 65) & (col <= 90)
        if not (digit | upper | (col == 0)).all():
            return None
        # NUL padding (0) < digits (1–10) < letters (11–36): the same order as the text.
        keys = keys * 37 + np.where(upper, col - 54, np.where(digit, col - 47, 0))
    return keys.reshape(arr.shape)


def _factorize(arr: Array) -> tuple[Array, Array]:
    """Distinct values in text order and, per element, the index of its value."""
    keys = _encode(arr)
    if keys is None:
        uniq, inverse = np.unique(arr, return_inverse=True)
        return uniq, inverse.reshape(-1)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return arr[first], inverse.reshape(-1)


def _isin_codes(arr: Array, codes: frozenset[str]) -> Array:
    """np.isin for short codes, on integer keys when possible (string isin sorts 10 million strings)."""
    wanted = np.array(sorted(codes))
    if wanted.dtype.itemsize > arr.dtype.itemsize:  # the array is too narrow to hold any wanted code
        return np.isin(arr, wanted)
    # Keys are only comparable at equal width: encode the wanted codes at the array's width.
    keys, wanted_keys = _encode(arr), _encode(wanted.astype(arr.dtype))
    if keys is None or wanted_keys is None:
        return np.isin(arr, wanted)
    return np.isin(keys, wanted_keys)


_G_CODE_NUMBERS = np.array(sorted(int(code[1:]) for code in PQEM_G_CODES), dtype=np.int64)


def _hcpcs_parts(hcpcs: Any) -> tuple[Array, Array]:
    """(value of a 5-digit numeric code or -1, value of the 4 digits of a G-code or -1), vectorised on the
    code points: no per-line string conversion. Codes of another length than 5 match nothing."""
    codes = _text(hcpcs)
    if codes.dtype.itemsize != 20:  # not U5: trim (small inputs, e.g. a single code) and fit to 5
        codes = np.char.strip(codes)
        codes = np.where(np.char.str_len(codes) == 5, codes, "").astype("U5")
    chars = np.ascontiguousarray(codes).view(np.uint32).reshape(codes.size, 5).astype(np.int32)
    digits = chars - 48
    is_digit = (digits >= 0) & (digits <= 9)
    value4 = digits[:, 1].astype(np.int64) * 1000 + digits[:, 2] * 100 + digits[:, 3] * 10 + digits[:, 4]
    tail_digits = is_digit[:, 1:].all(axis=1)
    num = np.where(is_digit[:, 0] & tail_digits, digits[:, 0] * 10000 + value4, -1)
    g = np.where(((chars[:, 0] == ord("G")) | (chars[:, 0] == ord("g"))) & tail_digits, value4, -1)
    return num.reshape(codes.shape), g.reshape(codes.shape)


def _pqem_from_parts(num: Array, g: Array) -> Array:
    hit = np.isin(g, _G_CODE_NUMBERS) & (g >= 0)
    for lo, hi in PQEM_RANGES:  # a loop over 15 ranges, not over lines
        hit |= (num >= lo) & (num <= hi)
    return hit


def is_pqem_array(hcpcs: Any) -> Array:
    """Vectorised PQEM membership (bool array); a lower-case g is accepted for G-codes."""
    return _pqem_from_parts(*_hcpcs_parts(hcpcs))


def is_pqem(hcpcs: str) -> bool:
    return bool(is_pqem_array(np.array([hcpcs]))[0])


def _days(dates: Any) -> Array:
    """datetime64[D] → int64 days since epoch; NaT becomes the int64 minimum."""
    return np.asarray(dates, dtype="datetime64[D]").astype(np.int64)


def _day(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _to_dates(days: Array) -> list[dt.date]:
    """int64 days → datetime.date objects, converted by numpy in one go."""
    dates: list[dt.date] = days.astype("datetime64[D]").tolist()
    return dates


def _date(days: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(days))


def eligible_mask(py: int, beneficiaries: Beneficiaries) -> Array:
    """Rule 2: alive on Jan 1 PY, Part A and B both begun on or before Jan 1 PY, state in 50+DC+PR."""
    jan1 = np.datetime64(f"{py}-01-01", "D")
    death = np.asarray(beneficiaries.death_date, dtype="datetime64[D]")
    part_a = np.asarray(beneficiaries.part_a_start, dtype="datetime64[D]")
    part_b = np.asarray(beneficiaries.part_b_start, dtype="datetime64[D]")
    # A death ON Jan 1 PY is not "before Jan 1 PY": still eligible. NaT start: never entitled.
    alive = np.isnat(death) | (death >= jan1)
    entitled = ~np.isnat(part_a) & ~np.isnat(part_b) & (part_a <= jan1) & (part_b <= jan1)
    state = np.isin(np.char.upper(np.char.strip(_text(beneficiaries.state))), np.array(sorted(ELIGIBLE_STATES)))
    result: Array = alive & entitled & state
    return result


def _group_starts(sorted_keys: Array) -> Array:
    """Start positions of runs of equal values in an already-sorted 1-D array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(sorted_keys.size, dtype=bool)
    change[0] = True
    change[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.flatnonzero(change)


@dataclass(frozen=True)
class _Grouped:
    bene: Array  # beneficiary index per group
    item: Array  # entity/unit/NPI code per group
    cents: Array  # summed weighted cents
    last: Array  # latest service day
    first: Array  # earliest service day
    count: Array  # number of lines


def _group_sum(bene: Array, item: Array, n_items: int, cents: Array, day: Array) -> _Grouped:
    """Sum weighted cents and take the latest day per (beneficiary, item), integer-exact."""
    key = bene.astype(np.int64) * np.int64(max(n_items, 1)) + item.astype(np.int64)
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = _group_starts(skey)
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Grouped(empty, empty, empty, empty, empty, empty)
    gkey = skey[starts]
    return _Grouped(
        bene=gkey // max(n_items, 1),
        item=gkey % max(n_items, 1),
        cents=np.add.reduceat(cents[order], starts),
        last=np.maximum.reduceat(day[order], starts),
        first=np.minimum.reduceat(day[order], starts),
        count=np.diff(np.append(starts, skey.size)),
    )


def _rank(g: _Grouped, *, use_date: bool = True) -> tuple[Array, Array]:
    """Order groups per beneficiary: largest cents, then (optionally) latest day, then smallest code
    (codes are assigned in text order, so smallest code = smallest key as text). Returns the order and
    the start of each beneficiary's run within it; the first row of each run is the winner."""
    keys = (g.item, -g.last, -g.cents, g.bene) if use_date else (g.item, -g.cents, g.bene)
    order = np.lexsort(keys)
    return order, _group_starts(g.bene[order])


# ---------------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------------
def align(
    py: int,
    beneficiaries: Beneficiaries,
    services: Services,
    entities: Entities,
    voluntary: Voluntary | None = None,
    *,
    midyear: MidYear | None = None,
) -> list[Alignment]:
    """Align every eligible beneficiary for performance year `py`; returns the aligned ones, by MBI.

    Without `midyear` this is the prospective result. With it, the Hybrid ACOs' mid-year additions are
    appended to that result (never changing it): see "Choices for the Hybrid mid-year run" above."""
    mbis = np.char.strip(_text(beneficiaries.mbi))
    sort_b = np.argsort(mbis, kind="stable")
    mbis_sorted = mbis[sort_b]
    if mbis_sorted.size > 1 and (mbis_sorted[1:] == mbis_sorted[:-1]).any():
        raise ValueError("beneficiaries must hold one row per MBI")
    eligible = eligible_mask(py, beneficiaries)[sort_b]
    jan1 = dt.date(py, 1, 1)

    claims = _claims(py, mbis_sorted, eligible, services, entities)
    vol = _voluntary(mbis_sorted, eligible, voluntary, entities.tin_to_aco, signed_to=_day(dt.date(py - 1, 10, 31)))
    base = eligible & (claims.aligned | vol.has)

    by_bene: dict[int, Alignment] = {}
    for b in np.flatnonzero(base).tolist():
        mbi = str(mbis_sorted[b])
        if vol.has[b]:
            by_bene[b] = _voluntary_alignment(mbi, vol.record(b), claims.explain(b), jan1, added_midyear=False)
        else:
            by_bene[b] = _claims_alignment(mbi, claims, b, jan1, added_midyear=False)

    if midyear is not None:
        death = _days(beneficiaries.death_date)[sort_b]
        by_bene.update(_midyear_additions(py, mbis_sorted, eligible & ~base, death, services, voluntary, midyear))
    return [by_bene[b] for b in sorted(by_bene)]


def _voluntary_alignment(
    mbi: str, record: VoluntaryRecord, exp_claims: dict[str, Any], effective: dt.date, *, added_midyear: bool
) -> Alignment:
    return Alignment(
        mbi=mbi,
        aco_id=record.aco_id,
        alignment_type=TYPE_VOLUNTARY,
        step=STEP_VOLUNTARY,
        tin=record.tin,
        unit_kind=KIND_TIN,
        npi=record.npi or None,
        explanation=Explanation(step=STEP_VOLUNTARY, voluntary=record, **exp_claims),
        effective_from=effective,
        added_midyear=added_midyear,
    )


def _claims_alignment(mbi: str, claims: _ClaimsResult, b: int, effective: dt.date, *, added_midyear: bool) -> Alignment:
    exp_claims = claims.explain(b)
    step = str(exp_claims["claims_step"])
    return Alignment(
        mbi=mbi,
        aco_id=str(claims.aco_of[b]),
        alignment_type=TYPE_CLAIMS,
        step=step,
        tin=str(claims.unit_of[b]),
        unit_kind=str(claims.unit_kind_of[b]),
        npi=claims.npi_of[b] or None,
        explanation=Explanation(step=step, voluntary=None, **exp_claims),
        effective_from=effective,
        added_midyear=added_midyear,
    )


def _first_of_next_month(days: Array) -> Array:
    """int64 days → int64 day of the first of the following month (vectorised; NaT stays NaT)."""
    months = days.astype("datetime64[D]").astype("datetime64[M]") + np.timedelta64(1, "M")
    return months.astype("datetime64[D]").astype(np.int64)


def _midyear_additions(
    py: int,
    mbis_sorted: Array,
    candidates: Array,
    death: Array,
    services: Services,
    voluntary: Voluntary | None,
    midyear: MidYear,
) -> dict[int, Alignment]:
    """The Hybrid mid-year run for the eligible beneficiaries the base left unaligned (`candidates`)."""
    jan1, dec31 = dt.date(py, 1, 1), dt.date(py, 12, 31)
    if not jan1 <= midyear.as_of <= dec31:
        raise ValueError(f"the mid-year run date {midyear.as_of} is outside performance year {py}")
    hybrid = frozenset(midyear.hybrid_acos)
    if not hybrid or not candidates.any():
        return {}
    # Alive on the effective date (a death ON that day still counts, as rule 2 treats Jan 1); NaT = alive.
    nat = np.iinfo(np.int64).min

    def alive_on(effective: Array, bene: Array) -> Array:
        result: Array = (death[bene] == nat) | (death[bene] >= effective)
        return result

    # --- voluntary additions: signed Jan 1 PY – as_of, designating a Hybrid ACO's TIN as of as_of --------
    hybrid_tins = {t: a for t, a in midyear.entities.tin_to_aco.items() if a in hybrid}
    vol = _voluntary(
        mbis_sorted,
        candidates,
        voluntary,
        hybrid_tins,
        signed_from=_day(jan1),
        signed_to=_day(midyear.as_of),
        alive_on=alive_on,
        effective_to=_day(dec31),
    )

    # --- the one mid-year claims run, with the entities as of as_of ---------------------------------------
    claims = _claims(py, mbis_sorted, candidates, services, midyear.entities)
    claims_effective = _first_of_next_month(np.array([_day(midyear.as_of)], dtype=np.int64))
    won = candidates & claims.aligned & ~vol.has
    idx = np.flatnonzero(won)
    won[idx] = np.isin(claims.aco_of[idx].astype(str), np.array(sorted(hybrid)))
    idx = np.flatnonzero(won)
    won[idx] = alive_on(np.repeat(claims_effective, idx.size), idx) & (claims_effective <= _day(dec31))
    claims_from = _date(int(claims_effective[0]))

    added: dict[int, Alignment] = {}
    for b in np.flatnonzero(vol.has | won).tolist():
        mbi = str(mbis_sorted[b])
        if vol.has[b]:
            record = vol.record(b)
            effective = _date(int(_first_of_next_month(np.array([_day(record.signed_date)]))[0]))
            added[b] = _voluntary_alignment(mbi, record, claims.explain(b), effective, added_midyear=True)
        else:
            added[b] = _claims_alignment(mbi, claims, b, claims_from, added_midyear=True)
    return added


@dataclass
class _ClaimsResult:
    aligned: Array  # bool per beneficiary: the claims winner is an ACO
    aco_of: Array  # object: ACO id or ""
    unit_of: Array  # object: aligning TIN/CCN or ""
    unit_kind_of: Array  # object: "tin"/"ccn" or ""
    npi_of: Array  # object: aligning NPI or ""
    step_of: Array  # int8: 0 none, 1, 2
    svc_count: Array
    svc_first: list[dt.date]
    svc_last: list[dt.date]
    comp_start: Array  # per beneficiary: slice into the competitor arrays
    comp_end: Array
    comp_key: list[str]
    comp_kind: list[str]
    comp_cents: list[int]
    comp_last: list[dt.date]

    def explain(self, b: int) -> dict[str, Any]:
        step = int(self.step_of[b])
        if step == 0:
            return {
                "claims_step": None,
                "competitors": (),
                "service_count": 0,
                "first_service": None,
                "last_service": None,
            }
        lo, hi = int(self.comp_start[b]), int(self.comp_end[b])
        return {
            "claims_step": str(step),
            "competitors": tuple(
                Competitor(self.comp_key[i], self.comp_kind[i], self.comp_cents[i], self.comp_last[i])
                for i in range(lo, hi)
            ),
            "service_count": int(self.svc_count[b]),
            "first_service": self.svc_first[b],
            "last_service": self.svc_last[b],
        }


def _claims(py: int, mbis_sorted: Array, eligible: Array, services: Services, entities: Entities) -> _ClaimsResult:
    n_bene = mbis_sorted.size
    (ay1_start, ay1_end), (ay2_start, ay2_end) = alignment_years(py)

    # --- lines of eligible beneficiaries, in AY1/AY2, qualifying (rules 1, 3) -------------------------
    s_mbi = _text(services.mbi)
    b_keys, s_keys = _encode(mbis_sorted), _encode(s_mbi)
    if b_keys is None or s_keys is None or mbis_sorted.dtype.itemsize != s_mbi.dtype.itemsize:
        b_keys, s_keys = mbis_sorted, s_mbi  # string fallback: slower, same answer
    pos_in_b = np.searchsorted(b_keys, s_keys)  # b_keys is sorted: keys keep the text order
    pos_in_b = np.minimum(pos_in_b, max(n_bene - 1, 0))
    known = (b_keys[pos_in_b] == s_keys) if n_bene else np.zeros(s_mbi.shape, dtype=bool)
    keep = known & eligible[pos_in_b] if n_bene else known

    day = _days(services.from_date)
    weight = np.zeros(day.shape, dtype=np.int64)
    weight[(day >= _day(ay1_start)) & (day <= _day(ay1_end))] = 1
    weight[(day >= _day(ay2_start)) & (day <= _day(ay2_end))] = 2
    keep &= weight > 0  # services outside both years do not exist for the rule

    kind = _text(services.kind)
    is_b = kind == "B"
    is_r = kind == "R"
    num, g_num = _hcpcs_parts(services.hcpcs)
    snf = (num >= SNF_RANGE[0]) & (num <= SNF_RANGE[1]) & (_text(services.pos) == SNF_POS)
    qual_b = is_b & _pqem_from_parts(num, g_num) & ~snf
    keep &= qual_b | is_r  # 3b lines arrive already filtered by the caller

    tin = _text(services.tin)
    ccn = _text(services.ccn)
    keep &= np.where(is_r, ccn != "", tin != "")  # a line without a provider key cannot be attributed

    spec = _text(services.specialty)
    step1 = is_r | (is_b & _isin_codes(spec, STEP1_SPECIALTIES))
    step2 = is_b & _isin_codes(spec, STEP2_SPECIALTIES)

    # --- step per beneficiary (rules 6, 7) ---------------------------------------------------------
    has1 = np.zeros(n_bene, dtype=bool)
    has1[pos_in_b[keep & step1]] = True
    line_step = np.zeros(day.shape, dtype=np.int8)
    line_step[keep & step1] = 1
    use2 = keep & step2 & ~step1
    if n_bene:
        use2 &= ~has1[pos_in_b]
    line_step[use2] = 2
    sel = np.flatnonzero(line_step > 0)

    bene = pos_in_b[sel]
    cents = np.asarray(services.charge_cents, dtype=np.int64)[sel] * weight[sel]
    sday = day[sel]
    sel_is_r = is_r[sel]

    # --- units (TIN or CCN) and entities (rule 4), coded in text order -------------------------------
    u_tin, inv_tin = _factorize(tin[sel[~sel_is_r]])
    u_ccn, inv_ccn = _factorize(ccn[sel[sel_is_r]])
    units = sorted(
        [(str(t), KIND_TIN, i, 0) for i, t in enumerate(u_tin.tolist())]
        + [(str(c), KIND_CCN, i, 1) for i, c in enumerate(u_ccn.tolist())]
    )
    n_units = len(units)
    tin_code = np.zeros(u_tin.size, dtype=np.int64)
    ccn_code = np.zeros(u_ccn.size, dtype=np.int64)
    unit_key = [u[0] for u in units]
    unit_kind = [u[1] for u in units]
    for code, (_key, _kind, i, src) in enumerate(units):
        (tin_code if src == 0 else ccn_code)[i] = code
    unit = np.empty(sel.size, dtype=np.int64)
    unit[~sel_is_r] = tin_code[inv_tin]
    unit[sel_is_r] = ccn_code[inv_ccn]

    # An ACO's entity covers its Participant TINs and their CCNs; every other TIN/CCN stands alone.
    unit_entity_pair = []
    for key, knd in zip(unit_key, unit_kind, strict=True):
        aco = (entities.tin_to_aco if knd == KIND_TIN else entities.ccn_to_aco).get(key)
        unit_entity_pair.append((aco, KIND_ACO) if aco is not None else (key, knd))
    ent_pairs = sorted(set(unit_entity_pair))  # (key text, kind): "aco" < "ccn" < "tin" on equal text
    ent_code_of = {p: i for i, p in enumerate(ent_pairs)}
    unit_to_ent = np.array([ent_code_of[p] for p in unit_entity_pair], dtype=np.int64)
    n_ent = len(ent_pairs)
    ent = unit_to_ent[unit] if n_units else np.zeros(0, dtype=np.int64)

    # --- plurality per beneficiary (rules 5, 6, 7, 8) -------------------------------------------------
    g = _group_sum(bene, ent, n_ent, cents, sday)
    order, starts = _rank(g)
    ranked_bene = g.bene[order]
    run_len = np.diff(np.append(starts, order.size))
    rank_in_run = np.arange(order.size) - np.repeat(starts, run_len)
    winner_rows = order[starts]
    win_bene = g.bene[winner_rows]
    win_ent = np.full(n_bene, -1, dtype=np.int64)
    win_ent[win_bene] = g.item[winner_rows]

    top = rank_in_run < TOP_COMPETITORS
    top_rows = order[top]
    comp_bene = ranked_bene[top]
    comp_start = np.zeros(n_bene, dtype=np.int64)
    comp_end = np.zeros(n_bene, dtype=np.int64)
    if comp_bene.size:
        cstarts = _group_starts(comp_bene)
        cends = np.append(cstarts[1:], comp_bene.size)
        comp_start[comp_bene[cstarts]] = cstarts
        comp_end[comp_bene[cstarts]] = cends
    ent_keys = [p[0] for p in ent_pairs]
    ent_kinds = [p[1] for p in ent_pairs]
    comp_items = g.item[top_rows].tolist()

    step_of = np.zeros(n_bene, dtype=np.int8)
    step_of[bene] = line_step[sel]  # one step per beneficiary by construction
    # Count and date range over every entity of the beneficiary's step, from the (smaller) group table.
    svc_count = np.bincount(g.bene, weights=g.count, minlength=n_bene).astype(np.int64)
    svc_first = np.full(n_bene, np.iinfo(np.int64).max, dtype=np.int64)
    svc_last = np.full(n_bene, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(svc_first, g.bene, g.first)
    np.maximum.at(svc_last, g.bene, g.last)
    svc_first[svc_count == 0] = 0
    svc_last[svc_count == 0] = 0

    ent_is_aco = np.array([k == KIND_ACO for k in ent_kinds], dtype=bool)
    aligned = np.zeros(n_bene, dtype=bool)
    has_win = win_ent >= 0
    aligned[has_win] = ent_is_aco[win_ent[has_win]] if n_ent else False
    aco_of = np.full(n_bene, "", dtype=object)
    if n_ent:
        aco_of[aligned] = np.array(ent_keys, dtype=object)[win_ent[aligned]]

    # --- aligning unit and NPI inside the winning ACO (rule 9) ---------------------------------------
    in_win = aligned[bene] & (ent == win_ent[bene]) if bene.size else np.zeros(0, dtype=bool)
    gu = _group_sum(bene[in_win], unit[in_win], n_units, cents[in_win], sday[in_win])
    u_order, u_starts = _rank(gu)  # same tie rule as rule 8: latest date, then smallest key as text
    win_unit = np.full(n_bene, -1, dtype=np.int64)
    win_unit[gu.bene[u_order[u_starts]]] = gu.item[u_order[u_starts]]
    unit_of = np.full(n_bene, "", dtype=object)
    unit_kind_of = np.full(n_bene, "", dtype=object)
    if n_units:
        unit_of[aligned] = np.array(unit_key, dtype=object)[win_unit[aligned]]
        unit_kind_of[aligned] = np.array(unit_kind, dtype=object)[win_unit[aligned]]

    npi_text = _text(services.npi)[sel]
    in_unit = in_win & ~sel_is_r & (npi_text != "")
    if in_unit.any():
        in_unit &= unit == win_unit[bene]
    u_npi, inv_npi = _factorize(npi_text[in_unit])
    gn = _group_sum(bene[in_unit], inv_npi, u_npi.size, cents[in_unit], sday[in_unit])
    n_order, n_starts = _rank(gn, use_date=False)  # rule 9: ties on smallest NPI as text only
    npi_of = np.full(n_bene, "", dtype=object)
    if u_npi.size:
        npi_of[gn.bene[n_order[n_starts]]] = u_npi.astype(object)[gn.item[n_order[n_starts]]]

    return _ClaimsResult(
        aligned=aligned,
        aco_of=aco_of,
        unit_of=unit_of,
        unit_kind_of=unit_kind_of,
        npi_of=npi_of,
        step_of=step_of,
        svc_count=svc_count,
        svc_first=_to_dates(svc_first),
        svc_last=_to_dates(svc_last),
        comp_start=comp_start,
        comp_end=comp_end,
        comp_key=[ent_keys[i] for i in comp_items],
        comp_kind=[ent_kinds[i] for i in comp_items],
        comp_cents=g.cents[top_rows].tolist(),
        comp_last=_to_dates(g.last[top_rows]),
    )


@dataclass
class _VoluntaryResult:
    has: Array
    row_of: Array
    aco: Array
    record_aco: Array
    tin: Array
    npi: Array
    signed: Array

    def record(self, b: int) -> VoluntaryRecord:
        r = int(self.row_of[b])
        return VoluntaryRecord(
            aco_id=str(self.aco[r]),
            record_aco_id=str(self.record_aco[r]),
            tin=str(self.tin[r]),
            npi=str(self.npi[r]),
            signed_date=_date(int(self.signed[r])),
        )


def _voluntary(
    mbis_sorted: Array,
    eligible: Array,
    voluntary: Voluntary | None,
    tin_to_aco: dict[str, str],
    *,
    signed_to: int,
    signed_from: int | None = None,
    alive_on: Callable[[Array, Array], Array] | None = None,
    effective_to: int | None = None,
) -> _VoluntaryResult:
    """Rule 10: the most recent valid record per beneficiary. Valid = an eligible beneficiary, signed in
    [`signed_from`, `signed_to`] (days; no lower bound for the base), designating a TIN that `tin_to_aco`
    maps to an ACO. For mid-year additions (`alive_on`, `effective_to` given) the record's effective date,
    the first of the month after signing, must also be ≤ `effective_to` with the beneficiary alive on it."""
    n_bene = mbis_sorted.size
    empty = np.zeros(0, dtype=object)
    if voluntary is None or np.asarray(voluntary.mbi).size == 0 or n_bene == 0:
        none = np.zeros(n_bene, dtype=bool)
        return _VoluntaryResult(none, np.zeros(n_bene, np.int64), empty, empty, empty, empty, empty)
    # Voluntary records are few (thousands): trimming them is cheap, unlike service lines.
    v_mbi = np.char.strip(_text(voluntary.mbi))
    tin = np.char.strip(_text(voluntary.tin))
    npi = np.char.strip(_text(voluntary.npi))
    rec_aco = np.char.strip(_text(voluntary.aco_id))
    signed = _days(voluntary.signed_date)
    u_tin, inv = np.unique(tin, return_inverse=True)
    tin_aco = np.array([tin_to_aco.get(str(t), "") for t in u_tin.tolist()], dtype=object)
    aco = tin_aco[inv.reshape(-1)] if u_tin.size else np.zeros(0, dtype=object)

    pos = np.minimum(np.searchsorted(mbis_sorted, v_mbi), n_bene - 1)
    valid = (mbis_sorted[pos] == v_mbi) & eligible[pos]
    valid &= (signed != np.iinfo(np.int64).min) & (signed <= signed_to)
    if signed_from is not None:
        valid &= signed >= signed_from
    valid &= aco != ""
    if alive_on is not None or effective_to is not None:
        rows = np.flatnonzero(valid)
        effective = _first_of_next_month(signed[rows])
        ok = np.ones(rows.size, dtype=bool)
        if effective_to is not None:
            ok &= effective <= effective_to
        if alive_on is not None:
            ok &= alive_on(effective, pos[rows])
        valid[rows] = ok
    rows = np.flatnonzero(valid)
    has = np.zeros(n_bene, dtype=bool)
    row_of = np.zeros(n_bene, dtype=np.int64)
    if rows.size:
        # Latest signed date wins; same-day ties: smallest (ACO id, TIN, NPI, ACO id on the record) as text.
        aco_s = aco[rows].astype(str)
        order = np.lexsort((rec_aco[rows], npi[rows], tin[rows], aco_s, -signed[rows], pos[rows]))
        ranked = rows[order]
        starts = _group_starts(pos[ranked])
        winners = ranked[starts]
        has[pos[winners]] = True
        row_of[pos[winners]] = winners
    return _VoluntaryResult(has, row_of, aco, rec_aco, tin, npi, signed)
