"""Cohorts and the High Needs criteria (docs/alignment.md "High Needs" and "Cohorts") from claims, as pure
functions over numpy columns.

No ORM, no I/O: `cohort_inputs.load_cohort_inputs` reads the claims; `high_needs(inputs, as_of=...)` gives
one row per beneficiary (MBIs sorted) with each criterion, the cohort, and the criteria it could not
evaluate (the risk-score ones, when no risk scores are given). Every step over claims is vectorised
(sorting, `searchsorted`, `bincount`, running maxima); Python loops only over the few prefix lengths of
the code lists, and over beneficiaries when a caller asks for per-beneficiary lists (`criteria_lists`,
`explanation`).

What callers have already done (not repeated here): MBIs are current MBIs (CCLF9 followed); claims are
netted (only current versions), cancelled claims removed, denied Part B / DME lines removed; codes are
trimmed. Diagnosis codes may carry a dot (it is dropped) but are expected as CMS files carry them (upper
case, no dot).

Choices where the rule (docs/alignment.md) is silent (each also commented where it is made):
- *Assessment window.* High Needs is assessed quarterly: an assessment as of `as_of` looks at the 12
  calendar months ending on the last day of the quarter before the one containing `as_of`
  (`lookback_window`: as of 2027-01-01 or 2027-03-31 → 2026-01-01..2026-12-31; as of 2027-04-01 →
  2026-04-01..2027-03-31), both ends inclusive. The same window serves every criterion.
- *Mobility impairment* (`MOBILITY_DX_PREFIXES`): any diagnosis on a claim whose date falls in the window,
  from Part A diagnosis rows (CCLF4, every position, principal to other) and Part B lines (CCLF5 claim
  diagnoses 1–12 and the line diagnosis). The date is the claim's through date (the convention CMS
  risk adjustment uses to place a diagnosis in a period).
- *Frailty* (`FRAILTY_DME_HCPCS`): a DME line (CCLF6) for a hospital bed or transfer equipment whose line
  from-date falls in the window. Wheelchairs do not count (REACH names hospital beds and transfer
  equipment only; wheelchair dependence is caught by Z99.3 in the mobility list).
- *SNF days*: days in a skilled nursing facility covered by SNF claims (type 20, and 30 = swing bed) that
  fall in the window. A claim covers from-date up to but not including its through (discharge) date, as
  Medicare counts utilization days; the through date counts too when the patient is still there
  (`BENE_PTNT_STUS_CD` 30, an interim bill) and a same-day stay counts one day. Stays are clipped to the
  window and overlapping claims of one beneficiary are counted once (the union of their days).
  45 days or more meet the criterion.
- *Unplanned admissions* (counted for the "risk score 2.0–3.0 with 2 or more unplanned admissions" criterion):
  inpatient stays (claim type 60) whose admission type (`CLM_ADMSN_TYPE_CD`) is 1 (emergency) or 2
  (urgent) and whose admission date (the first claim's from-date) falls in the window. A claim is part of
  the previous stay, not a new admission, when it is a continuing interim bill (`CLM_BILL_FREQ_CD` 3 or 4)
  or starts on or before the through date of an earlier inpatient claim of the beneficiary (a transfer).
- *Risk score criteria* (`RiskInput`, from the risk step: docs/risk.md): the normalized score of the
  assessment's year (the year of ``as_of``: diagnoses of the year before it). "Risk score ≥ 3.0 (A&D) or
  ≥ 0.35 (ESRD)" compares a score from the ESRD model with 0.35 and any other with 3.0; "risk score 2.0–3.0
  with 2 or more unplanned admissions" is an A&D criterion (2.0 ≤ score < 3.0; the ESRD scale is another
  one). A beneficiary without a score (no claims in the year before) meets neither. Without risk scores at
  all (no risk run for the year), both criteria are listed in `NOT_EVALUATED` for every beneficiary.
- *Once High Needs, always High Needs* needs stored history: the caller passes the MBIs found High Needs
  by earlier assessments to `carry_forward`, which marks them met by `previously_high_needs`.
- *Cohort*: ESRD first (`BENE_MDCR_STUS_CD` 11, 21, 31), then High Needs, else Aged & Disabled. An ESRD
  beneficiary still gets the High Needs flag and criteria; only the cohort label gives ESRD precedence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

# ---------------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------------
COHORT_ESRD = "esrd"
COHORT_HIGH_NEEDS = "high_needs"
COHORT_AGED_DISABLED = "aged_disabled"

# CCLF8 BENE_MDCR_STUS_CD: 11 aged with ESRD, 21 disabled with ESRD, 31 ESRD only (docs/alignment.md).
ESRD_STATUS_CODES = ("11", "21", "31")

CRITERION_MOBILITY = "mobility_diagnosis"
CRITERION_FRAILTY_DME = "frailty_dme"
CRITERION_SNF_DAYS = "snf_45_days"
CRITERION_PREVIOUSLY = "previously_high_needs"
CRITERION_RISK_SCORE = "risk_score"
CRITERION_RISK_AND_ADMISSIONS = "risk_score_and_admissions"

CRITERIA_LABELS = {
    CRITERION_MOBILITY: "Mobility-impairment diagnosis",
    CRITERION_FRAILTY_DME: "Frailty: hospital bed or transfer equipment (DME)",
    CRITERION_SNF_DAYS: "45 or more SNF days in the prior 12 months",
    CRITERION_PREVIOUSLY: "High Needs at an earlier assessment (once High Needs, always High Needs)",
    CRITERION_RISK_SCORE: "Risk score ≥ 3.0 (A&D) or ≥ 0.35 (ESRD)",
    CRITERION_RISK_AND_ADMISSIONS: "Risk score 2.0–3.0 with 2 or more unplanned admissions in the prior 12 months",
}
# Without risk scores for the assessment's year, these criteria cannot be evaluated.
NOT_EVALUATED = (CRITERION_RISK_SCORE, CRITERION_RISK_AND_ADMISSIONS)

RISK_THRESHOLD_AD = 3.0
RISK_THRESHOLD_ESRD = 0.35
RISK_BAND_AD = (2.0, 3.0)  # [low, high): with UNPLANNED_ADMISSIONS_MIN admissions
UNPLANNED_ADMISSIONS_MIN = 2

# Mobility-impairment diagnoses, ICD-10-CM without the dot; a code qualifies when it starts with a prefix.
# No public CMS list was at hand: the list follows the REACH/LEAD notes' wording (conditions that impair
# mobility: paralysis, spinal cord injury and disease, neuromuscular and neurodegenerative disease,
# wheelchair dependence) with ICD-10-CM categories chosen for it (category titles from ICD-10-CM).
MOBILITY_DX_PREFIXES: tuple[tuple[str, str], ...] = (
    ("B91", "sequelae of poliomyelitis"),
    ("G10", "Huntington's disease"),
    ("G12", "spinal muscular atrophy and motor neuron disease, including ALS (G12.21)"),
    ("G20", "Parkinson's disease"),
    ("G35", "multiple sclerosis"),
    ("G710", "muscular dystrophy"),
    ("G80", "cerebral palsy"),
    ("G81", "hemiplegia and hemiparesis"),
    ("G82", "paraplegia (paraparesis) and quadriplegia (quadriparesis)"),
    ("G83", "other paralytic syndromes (monoplegia, cauda equina syndrome)"),
    ("G95", "other diseases of the spinal cord (myelopathies, cord compression)"),
    ("Q05", "spina bifida"),
    ("S141", "injury of the cervical spinal cord"),
    ("S241", "injury of the thoracic spinal cord"),
    ("S341", "injury of the lumbar and sacral spinal cord"),
    ("Z740", "reduced mobility, bed confinement status"),
    ("Z895", "acquired absence of a leg below the knee or at the knee"),
    ("Z896", "acquired absence of a leg above the knee or at the hip"),
    ("Z993", "dependence on wheelchair"),
    # Sequelae of cerebrovascular disease (I69.0–I69.9, sixth character): 3 monoplegia of an upper limb,
    # 4 monoplegia of a lower limb, 5 hemiplegia/hemiparesis, 6 other paralytic syndrome.
    *(
        (f"I69{site}{kind}", f"sequela of cerebrovascular disease: {what}")
        for site in "012389"
        for kind, what in (
            ("3", "monoplegia of upper limb"),
            ("4", "monoplegia of lower limb"),
            ("5", "hemiplegia and hemiparesis"),
            ("6", "other paralytic syndrome"),
        )
    ),
)
# The three-character categories of the prefixes: a cheap, broader filter for the database reader (the
# exact match is `is_mobility_dx`).
MOBILITY_DX_CATEGORIES = tuple(sorted({p[:3] for p, _ in MOBILITY_DX_PREFIXES}))

# Frailty DME (HCPCS): hospital beds and their accessories and support surfaces E0250–E0373 (the range the
# REACH High Needs criterion names), and transfer equipment: patient lifts and slings (E0621 sling, E0625
# bathroom lift, E0630 hydraulic/mechanical lift, E0635 electric lift, E0636 multipositional support
# system, E0639 room-to-room lift, E0640 fixed lift), transfer board (E0705) and multi-positional patient
# transfer systems (E1035, E1036). HCPCS Level II titles.
HOSPITAL_BED_RANGE = (250, 373)  # E0250..E0373
TRANSFER_EQUIPMENT_HCPCS = ("E0621", "E0625", "E0630", "E0635", "E0636", "E0639", "E0640", "E0705", "E1035", "E1036")
FRAILTY_DME_HCPCS = tuple(
    sorted(
        {f"E{n:04d}" for n in range(HOSPITAL_BED_RANGE[0], HOSPITAL_BED_RANGE[1] + 1)} | set(TRANSFER_EQUIPMENT_HCPCS)
    )
)

SNF_CLAIM_TYPES = (20, 30)  # CLM_TYPE_CD: 20 SNF, 30 swing-bed SNF
SNF_DAYS_THRESHOLD = 45
STILL_PATIENT_STATUS = "30"  # BENE_PTNT_STUS_CD: still a patient (interim bill)
INPATIENT_CLAIM_TYPE = 60
# CLM_ADMSN_TYPE_CD 1 emergency, 2 urgent (left-justified one-digit code; a zero-padded form is accepted).
UNPLANNED_ADMISSION_TYPES = ("1", "2", "01", "02")
CONTINUING_BILL_FREQUENCIES = ("3", "4")  # CLM_BILL_FREQ_CD: interim, continuing / last claim


# ---------------------------------------------------------------------------------------------------
# Inputs and result
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Beneficiaries:
    """One row per current MBI (a repeated MBI keeps its first row). medicare_status: BENE_MDCR_STUS_CD."""

    mbi: Array
    medicare_status: Array


@dataclass(frozen=True)
class Diagnoses:
    """Diagnosis codes on claims (CCLF4 and CCLF5), with the claim's through date (datetime64[D])."""

    mbi: Array
    date: Array
    code: Array


@dataclass(frozen=True)
class DMELines:
    """DME lines (CCLF6), not denied, with the line from-date (datetime64[D])."""

    mbi: Array
    date: Array
    hcpcs: Array


@dataclass(frozen=True)
class FacilityClaims:
    """Part A claim headers (CCLF1) of SNF (types 20, 30) and inpatient (60) claims."""

    mbi: Array
    claim_type: Array  # int
    from_date: Array  # datetime64[D]
    thru_date: Array  # datetime64[D]
    admission_type: Array  # CLM_ADMSN_TYPE_CD
    bill_frequency: Array  # CLM_BILL_FREQ_CD
    patient_status: Array  # BENE_PTNT_STUS_CD


@dataclass(frozen=True)
class RiskInput:
    """Risk scores of the assessment's year (the risk step's normalized scores), one row per MBI."""

    year: int
    mbi: Array
    score: Array  # float
    esrd_model: Array  # bool: scored with the ESRD model


@dataclass(frozen=True)
class CohortInputs:
    beneficiaries: Beneficiaries
    diagnoses: Diagnoses
    dme: DMELines
    facility: FacilityClaims
    risk: RiskInput | None = None  # None: the risk-score criteria are not evaluated


@dataclass(frozen=True)
class CohortResult:
    """One row per beneficiary, MBIs sorted. Dates are datetime64[D] (NaT: none); codes '' when none."""

    window_start: dt.date
    window_end: dt.date
    mbi: Array
    esrd: Array  # bool
    mobility: Array  # bool: a mobility-impairment diagnosis in the window
    mobility_code: Array  # the latest such diagnosis (evidence)
    mobility_date: Array
    frailty_dme: Array  # bool: a hospital bed / transfer equipment DME line in the window
    frailty_hcpcs: Array  # the latest such line's HCPCS (evidence)
    frailty_date: Array
    snf_days: Array  # int: SNF days in the window
    snf: Array  # bool: snf_days >= 45
    unplanned_admissions: Array  # int: unplanned inpatient admissions in the window
    previously_high_needs: Array  # bool: set by `carry_forward`
    high_needs: Array  # bool: any evaluable criterion met
    cohort: Array  # "esrd", "high_needs" or "aged_disabled"
    not_evaluated: tuple[str, ...] = NOT_EVALUATED
    risk_year: int | None = None  # the year of the risk scores used (None: not evaluated)
    risk_score: Array | None = None  # float, NaN without a score
    risk_esrd_model: Array | None = None  # bool
    risk_high: Array | None = None  # bool: risk score >= 3.0 (A&D) / >= 0.35 (ESRD)
    risk_admissions: Array | None = None  # bool: 2.0 <= A&D score < 3.0 and 2+ unplanned admissions

    def __len__(self) -> int:
        return int(self.mbi.shape[0])

    def index(self, mbi: str) -> int | None:
        """Row of an MBI, None when absent."""
        i = int(np.searchsorted(self.mbi, mbi))
        return i if i < len(self) and self.mbi[i] == mbi else None

    def criteria(self, i: int) -> list[str]:
        """The criteria beneficiary ``i`` meets, in a fixed order (what `high_needs_criteria` stores)."""
        met = (
            (CRITERION_MOBILITY, self.mobility[i]),
            (CRITERION_FRAILTY_DME, self.frailty_dme[i]),
            (CRITERION_SNF_DAYS, self.snf[i]),
            (CRITERION_RISK_SCORE, self.risk_high is not None and self.risk_high[i]),
            (CRITERION_RISK_AND_ADMISSIONS, self.risk_admissions is not None and self.risk_admissions[i]),
            (CRITERION_PREVIOUSLY, self.previously_high_needs[i]),
        )
        return [name for name, flag in met if flag]

    def risk(self, i: int) -> dict[str, Any] | None:
        """The risk score the criteria used (None when not evaluated or the beneficiary has none)."""
        if self.risk_score is None or self.risk_esrd_model is None or np.isnan(self.risk_score[i]):
            return None
        esrd_model = bool(self.risk_esrd_model[i])
        return {
            "year": self.risk_year,
            "score": round(float(self.risk_score[i]), 3),
            "model": "esrd" if esrd_model else "aged_disabled",
            "threshold": RISK_THRESHOLD_ESRD if esrd_model else RISK_THRESHOLD_AD,
        }

    def criteria_lists(self) -> list[list[str]]:
        return [self.criteria(i) for i in range(len(self))]

    def explanation(self, i: int) -> dict[str, Any]:
        """JSON-ready: the window, the criteria met with their evidence, the counts, what was not evaluated."""
        return {
            "window": [self.window_start.isoformat(), self.window_end.isoformat()],
            "criteria": self.criteria(i),
            "mobility_diagnosis": {"code": self.mobility_code[i], "date": _iso(self.mobility_date[i])}
            if self.mobility[i]
            else None,
            "frailty_dme": {"hcpcs": self.frailty_hcpcs[i], "date": _iso(self.frailty_date[i])}
            if self.frailty_dme[i]
            else None,
            "snf_days": int(self.snf_days[i]),
            "unplanned_admissions": int(self.unplanned_admissions[i]),
            "risk": self.risk(i),
            "not_evaluated": list(self.not_evaluated),
        }


def _iso(value: Any) -> str | None:
    return None if np.isnat(value) else str(np.datetime64(value, "D"))


# ---------------------------------------------------------------------------------------------------
# Small rules
# ---------------------------------------------------------------------------------------------------
def lookback_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 calendar months ending on the last day of the quarter before the one containing ``as_of``,
    both ends inclusive (quarterly assessment)."""
    quarter_start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return quarter_start.replace(year=quarter_start.year - 1), quarter_start - dt.timedelta(days=1)


def _text(values: Any) -> Array:
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    return arr


def _starts_with_any(codes: Array, prefixes: tuple[str, ...]) -> Array:
    """Vectorised ``code.startswith(any prefix)``: truncating a fixed-width unicode array to a prefix length
    keeps the first characters, so each prefix length is one `isin`."""
    codes = _text(codes)
    out = np.zeros(codes.shape[0], dtype=bool)
    for length in sorted({len(p) for p in prefixes}):
        heads = tuple(p for p in prefixes if len(p) == length)
        out |= np.isin(codes.astype(f"U{length}"), heads)
    return out


def is_mobility_dx(codes: Any) -> Array:
    """Codes (ICD-10-CM; a dot, if any, is ignored) that are mobility-impairment diagnoses."""
    codes = _text(codes)
    if codes.shape[0] == 0:  # np.char.replace fails on an empty array
        return np.zeros(0, dtype=bool)
    codes = np.char.replace(np.char.upper(codes), ".", "")
    return _starts_with_any(codes, tuple(p for p, _ in MOBILITY_DX_PREFIXES))


def is_frailty_dme(hcpcs: Any) -> Array:
    hcpcs = _text(hcpcs)
    return np.isin(np.char.upper(hcpcs) if hcpcs.shape[0] else hcpcs, FRAILTY_DME_HCPCS)


def _dates(values: Any) -> Array:
    return np.asarray(values, dtype="datetime64[D]")


def _positions(sorted_mbis: Array, mbis: Any) -> tuple[Array, Array]:
    """Row of each MBI in ``sorted_mbis`` and whether it is there at all."""
    mbis = _text(mbis)
    if sorted_mbis.shape[0] == 0:
        return np.zeros(mbis.shape[0], dtype=np.int64), np.zeros(mbis.shape[0], dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_mbis, mbis), sorted_mbis.shape[0] - 1)
    return pos, sorted_mbis[pos] == mbis


def _previous_max(group: Array, values: Array) -> Array:
    """For rows sorted by group: the largest value among the group's earlier rows (int64 day numbers), or
    the int64 minimum for a group's first row. One running maximum over (group, value) keys."""
    n = group.shape[0]
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    if n == 0:
        return out
    low = int(values.min())
    span = int(values.max()) - low + 1
    keys = group.astype(np.int64) * span + (values - low)
    running = np.maximum.accumulate(keys)
    earlier = running[:-1]
    same = earlier // span == group[1:]
    out[1:] = np.where(same, earlier % span + low, out[1:])
    return out


def _latest(rows: Array, dates: Array, values: Array, n: int) -> tuple[Array, Array]:
    """Per beneficiary row: the value on the latest date (ties: the largest value), '' / NaT when none."""
    value_out = np.full(n, "", dtype=object)
    date_out = np.full(n, np.datetime64("NaT", "D"), dtype="datetime64[D]")
    if rows.shape[0]:
        order = np.lexsort((values, dates, rows))
        r = rows[order]
        last = np.flatnonzero(np.r_[r[1:] != r[:-1], True])
        value_out[r[last]] = values[order][last].astype(object)
        date_out[r[last]] = dates[order][last]
    return value_out, date_out


# ---------------------------------------------------------------------------------------------------
# The criteria
# ---------------------------------------------------------------------------------------------------
def _snf_days(
    facility: FacilityClaims, rows: Array, known: Array, start: np.datetime64, end: np.datetime64, n: int
) -> Array:
    """SNF days per beneficiary in [start, end] (inclusive, datetime64[D]): union of claim days, clipped."""
    frm, thru = _dates(facility.from_date), _dates(facility.thru_date)
    ok = known & np.isin(np.asarray(facility.claim_type), SNF_CLAIM_TYPES) & ~np.isnat(frm) & ~np.isnat(thru)
    ok &= thru >= frm
    rows, frm, thru = rows[ok], frm[ok], thru[ok]
    status = _text(facility.patient_status)[ok]
    # [from, thru) as Medicare counts days; [from, thru] while still a patient or for a same-day stay.
    stop = thru + ((status == STILL_PATIENT_STATUS) | (thru == frm)).astype("timedelta64[D]")
    first = np.maximum(frm, start).astype(np.int64)
    stop_i = np.minimum(stop, end + np.timedelta64(1, "D")).astype(np.int64)
    keep = stop_i > first
    rows, first, stop_i = rows[keep], first[keep], stop_i[keep]
    order = np.lexsort((first, rows))
    rows, first, stop_i = rows[order], first[order], stop_i[order]
    covered = np.maximum(first, _previous_max(rows, stop_i))
    days = np.maximum(stop_i - covered, 0)
    return np.bincount(rows, weights=days, minlength=n).astype(np.int64)


def _unplanned_admissions(
    facility: FacilityClaims, rows: Array, known: Array, start: np.datetime64, end: np.datetime64, n: int
) -> Array:
    frm, thru = _dates(facility.from_date), _dates(facility.thru_date)
    ok = known & (np.asarray(facility.claim_type) == INPATIENT_CLAIM_TYPE) & ~np.isnat(frm)
    thru = np.where(np.isnat(thru) | (thru < frm), frm, thru)
    rows, frm, thru = rows[ok], frm[ok].astype(np.int64), thru[ok].astype(np.int64)
    adm_type = _text(facility.admission_type)[ok]
    freq = _text(facility.bill_frequency)[ok]
    order = np.lexsort((thru, frm, rows))
    rows, frm, thru, adm_type, freq = rows[order], frm[order], thru[order], adm_type[order], freq[order]
    # A claim starting on or before an earlier claim's through date continues that stay (a transfer).
    new_stay = (frm > _previous_max(rows, thru)) & ~np.isin(freq, CONTINUING_BILL_FREQUENCIES)
    counted = new_stay & np.isin(adm_type, UNPLANNED_ADMISSION_TYPES)
    counted &= (frm >= start.astype(np.int64)) & (frm <= end.astype(np.int64))
    return np.bincount(rows[counted], minlength=n).astype(np.int64)


def _cohorts(esrd: Array, high: Array) -> Array:
    return np.where(esrd, COHORT_ESRD, np.where(high, COHORT_HIGH_NEEDS, COHORT_AGED_DISABLED)).astype(object)


def high_needs(inputs: CohortInputs, *, as_of: dt.date) -> CohortResult:
    """ESRD status, the High Needs criteria claims can show, and the cohort of every beneficiary in
    ``inputs.beneficiaries``, assessed as of ``as_of`` (window: `lookback_window`). Claims of MBIs that are
    not among the beneficiaries are ignored; claims outside the window are ignored."""
    window_start, window_end = lookback_window(as_of)
    start, end = np.datetime64(window_start, "D"), np.datetime64(window_end, "D")

    bene_mbi = _text(inputs.beneficiaries.mbi)
    mbi, first = np.unique(bene_mbi, return_index=True)
    n = int(mbi.shape[0])
    status = _text(inputs.beneficiaries.medicare_status)[first] if n else np.zeros(0, dtype=str)
    esrd = np.isin(np.char.strip(status), ESRD_STATUS_CODES)

    dx = inputs.diagnoses
    dx_rows, dx_known = _positions(mbi, dx.mbi)
    dx_date = _dates(dx.date)
    hit = np.flatnonzero(dx_known & (dx_date >= start) & (dx_date <= end))
    hit = hit[is_mobility_dx(_text(dx.code)[hit])]
    mobility = np.bincount(dx_rows[hit], minlength=n) > 0
    mobility_code, mobility_date = _latest(dx_rows[hit], dx_date[hit], _text(dx.code)[hit], n)

    dme = inputs.dme
    dme_rows, dme_known = _positions(mbi, dme.mbi)
    dme_date = _dates(dme.date)
    hit = np.flatnonzero(dme_known & (dme_date >= start) & (dme_date <= end))
    hit = hit[is_frailty_dme(_text(dme.hcpcs)[hit])]
    frailty = np.bincount(dme_rows[hit], minlength=n) > 0
    frailty_hcpcs, frailty_date = _latest(dme_rows[hit], dme_date[hit], _text(dme.hcpcs)[hit], n)

    fac = inputs.facility
    fac_rows, fac_known = _positions(mbi, fac.mbi)
    snf_days = _snf_days(fac, fac_rows, fac_known, start, end, n)
    admissions = _unplanned_admissions(fac, fac_rows, fac_known, start, end, n)

    snf = snf_days >= SNF_DAYS_THRESHOLD
    high = mobility | frailty | snf
    risk: dict[str, Any] = {}
    if inputs.risk is not None:
        score, esrd_model = _risk_scores(mbi, inputs.risk)
        with np.errstate(invalid="ignore"):  # NaN (no score) compares False
            risk_high = np.where(esrd_model, score >= RISK_THRESHOLD_ESRD, score >= RISK_THRESHOLD_AD)
            band = (score >= RISK_BAND_AD[0]) & (score < RISK_BAND_AD[1])
        risk_admissions = ~esrd_model & band & (admissions >= UNPLANNED_ADMISSIONS_MIN)
        high = high | risk_high | risk_admissions
        risk = {
            "not_evaluated": (),
            "risk_year": inputs.risk.year,
            "risk_score": score,
            "risk_esrd_model": esrd_model,
            "risk_high": risk_high,
            "risk_admissions": risk_admissions,
        }
    return CohortResult(
        window_start=window_start,
        window_end=window_end,
        mbi=mbi.astype(object),
        esrd=esrd,
        mobility=mobility,
        mobility_code=mobility_code,
        mobility_date=mobility_date,
        frailty_dme=frailty,
        frailty_hcpcs=frailty_hcpcs,
        frailty_date=frailty_date,
        snf_days=snf_days,
        snf=snf,
        unplanned_admissions=admissions,
        previously_high_needs=np.zeros(n, dtype=bool),
        high_needs=high,
        cohort=_cohorts(esrd, high),
        **risk,
    )


def _risk_scores(mbi: Array, risk: RiskInput) -> tuple[Array, Array]:
    """Each beneficiary's score (NaN without one) and whether the ESRD model gave it."""
    n = mbi.shape[0]
    score = np.full(n, np.nan, dtype=np.float64)
    esrd_model = np.zeros(n, dtype=bool)
    rows, known = _positions(mbi, risk.mbi)
    score[rows[known]] = np.asarray(risk.score, dtype=np.float64)[known]
    esrd_model[rows[known]] = np.asarray(risk.esrd_model, dtype=bool)[known]
    return score, esrd_model


def carry_forward(result: CohortResult, previously_high_needs_mbis: Any) -> CohortResult:
    """Once High Needs, always High Needs: beneficiaries whose MBI is in ``previously_high_needs_mbis``
    (found High Needs by an earlier assessment, from stored history) are High Needs, met by
    `previously_high_needs`, whatever this assessment finds; the cohort follows (ESRD still first)."""
    previous = np.isin(_text(result.mbi), _text(np.asarray(previously_high_needs_mbis, dtype=object)))
    high = result.high_needs | previous
    return replace(result, previously_high_needs=previous, high_needs=high, cohort=_cohorts(result.esrd, high))
