"""Claims-based quality measures: the rule of docs/quality.md, as pure functions over numpy columns.

No ORM, no I/O: callers hand in column-oriented numpy arrays (one element per aligned beneficiary,
diagnosis, claim or follow-up service) and get back per-ACO results, per-beneficiary membership rows that
trace every figure to the claim that put the beneficiary there, and care gaps. Every step over claims is
vectorised (sorting, `searchsorted`, running maxima, `bincount`); Python loops only over ACOs, condition
groups and prefix lengths.

Inputs (`QualityInputs`), all for one performance year (PY):
- `Population`: the aligned beneficiaries of every ACO (one row per MBI): ACO, birth date, sex
  (`BENE_SEX_CD`), dual status (`BENE_DUAL_STUS_CD`), death date (NaT alive), High Needs flag, and
  `aligned_from` (Jan 1 PY, or the first day of a Hybrid mid-year addition; NaT reads as Jan 1 PY).
- `Diagnoses` (mbi, code, date): every diagnosis on every claim (CCLF4 rows and CCLF5 claim/line
  diagnoses), dated by the claim's through date; used for the chronic condition groups.
- `InpatientStays`: one row per inpatient claim (CCLF1 type 60): claim id (`CUR_CLM_UNIQ_ID`), admission
  (from) date, discharge (through) date, `BENE_PTNT_STUS_CD`, `CLM_ADMSN_TYPE_CD`, `PRNCPL_DGNS_CD`.
- `SNFStays`: SNF claims (types 20 and 30 = swing bed): claim id, from and through dates.
- `EDVisits`: outpatient claims (type 40) with a revenue line 045x (emergency department) or 0762
  (observation) on CCLF2, one row per claim: claim id, date (the claim's from date), principal diagnosis.
- `Followups` (mbi, date): PQEM services (Part B lines whose HCPCS passes
  `apps.alignment.engine.is_pqem_array`, and RHC/FQHC visits), from any clinician.
- `QualityParameters`: every period, code list and threshold, with the defaults of docs/quality.md.

What callers have already done (not repeated here): MBIs are current MBIs (CCLF9 followed); claims are
netted, cancelled claims removed, denied lines removed; codes are trimmed; claim ids are int64. Claims of
MBIs that are not in the population are ignored: the "portal-wide" figures are over all aligned
beneficiaries of all ACOs.

Units (the units of the measure catalogue's decile tables): ACR in percent of index stays (observed,
expected and risk-standardized), UAMCC in admissions per 100 person-years, DAH in days per beneficiary,
TFU in percent of events.

Choices where the rule (docs/quality.md) is silent or ambiguous (each also commented where it is made):
- *Aligned-and-alive period.* From max(`aligned_from`, Jan 1 PY) to min(death date, Dec 31 PY, `as_of`),
  both ends inclusive: the day of death is a day alive (as alignment treats a death on Jan 1). A
  beneficiary whose period is empty (died before the mid-year effective date) is in no measure.
- *Chronic condition groups.* A diagnosis belongs to a group when its code starts with one of the group's
  ICD-10 prefixes (upper or lower case; codes as CMS files carry them, without a dot: a dot after the
  third character does not matter for the three-character prefixes of the groups). "The 12 months before
  the PY" = Jan 1 (PY−1) – Dec 31 (PY−1) (`condition_lookback_months`), by the diagnosis date. MCC = at
  least `mcc_min_groups` (2) distinct groups. Diagnoses of any claim type count.
- *Admissions.* Inpatient claims of one beneficiary are chained into stays: a claim that starts on or before
  the latest through date of the beneficiary's earlier claims (an overlap, or a same-day transfer to
  another hospital) continues that stay, and so does a claim starting the day after an interim bill
  (status `30`, still a patient). Only the first claim of a stay is an *admission*, with its admission
  type: UAMCC admissions and ACR readmissions are admissions, so a transfer is never a second admission.
- *ACR index stays* are inpatient claims (each claim, as the rule says; a transfer's receiving claim
  is an index stay when its own status qualifies) discharged Jan 1 – Dec 1 PY and inside the beneficiary's
  aligned-and-alive period, status not `20` or `02`. Every age counts: beneficiaries under 65 form their
  own age band ("<65") next to 65–74 / 75–84 / 85+, since the rule gives the ACR no age limit.
- *ACR readmission*: the first admission (earliest admission date, then smallest claim id) whose
  admission date is 1–30 days after the index discharge and whose admission type is not `3` (elective);
  day 1 = the day after discharge. The readmission need not fall in the PY's aligned period (it cannot be
  later than Dec 31 anyway).
- *ACR strata*: age in whole years on the discharge date (a Feb 29 birthday passes on Mar 1 in other
  years; a missing birth date reads as "<65"), sex `1` male / `2` female / anything else unknown (its own
  stratum), dual = `BENE_DUAL_STUS_CD` in 01–06 or 08 (a Medicare Savings Program or full Medicaid; 00,
  09 "without Medicaid coverage", 10, 99, NA and blank are not dual). Portal-wide stratum rate =
  readmitted ÷ index stays of the stratum over all ACOs. Expected readmissions of an ACO = Σ over its
  index stays of its stratum's rate; risk-standardized rate = observed ÷ expected × portal-wide rate
  (observed and expected as counts or as rates: the ratio is the same). When expected is 0 (no stratum
  of the ACO saw a readmission portal-wide), observed is 0 too, and the risk-standardized rate is 0.
- *UAMCC*: age 65+ on Jan 1 PY. An admission counts when its admission date falls in the beneficiary's
  aligned-and-alive period and its type is `1` or `2`. A month counts toward person-years when the
  beneficiary is alive and aligned on at least one of its days (a death on Mar 15 gives Jan–Mar, 3
  months; alignment from Apr 1 gives Apr–Dec, 9 months); person-years = months ÷ 12.
- *DAH*: a day is not at home when any part of it is spent in an inpatient stay (admission through
  discharge day, both counted), a SNF stay (from through through date) or an ED/observation visit (its
  date: one day per claim). The union of those days, clipped to the aligned-and-alive period, is taken
  from the days alive and aligned. The mean is over High Needs or MCC beneficiaries with a non-empty
  period, each weighing one whatever the period's length (as the rule says "mean per beneficiary").
- *TFU events*: inpatient discharges (claims with status not `02` transfer, `20` died or `30` still a
  patient) and ED/observation visits, dated in the aligned-and-alive period, of MCC beneficiaries (any
  age: the rule gives TFU no age limit), whose principal diagnosis falls in a chronic condition group. An
  ED visit on a day the beneficiary is in an inpatient stay (admission to discharge day) is not an event:
  the stay's discharge is. Every claim is its own event. Window: days 1..7 after the event for a heart
  failure principal diagnosis, days 1..14 for the others (the day of the event itself does not count, as
  HEDIS follow-up measures do); follow-ups dated after Dec 31 PY count when the caller supplies them
  (run-out). An unmet event whose beneficiary dies on or before the window's last day is not scored.
- *`as_of`* (the last day the claims and follow-ups cover; None = the year is complete): the
  aligned-and-alive period ends at `as_of`, and an event (a TFU event, an ACR index stay) whose window
  ends after `as_of` and that is not yet met / readmitted is not scored yet (its window is still open);
  one already met is scored.
- *Care gaps*: `tfu_open` (TFU window still open, no follow-up yet; due = last day of the window),
  `tfu_missed` (window closed without follow-up), `index_stay_followup` (an index stay whose 30-day
  readmission window is still open: a readmission risk; due = discharge + 30), `readmission` (a readmission
  admitted within `recent_readmission_days` of the period end; no due date).
- *Scoring*: a decile table is a list of ascending cut points (9 of them: the 10th … 90th percentile).
  Reaching a cut point earns the better side: for a higher-is-better measure the band is 1 + the number of
  cut points ≤ rate; for a lower-is-better one, 1 + the number of cut points ≥ rate. With m cut points band
  k (1..m+1) earns 100·k/(m+1) points (9 cut points: decile k earns k × 10). An ACO whose rate is undefined
  (empty denominator) is not scored on that measure. Total Quality Score = mean points of the scored
  measures (0 when none is scored); withhold earned back = withhold × TQS/100, rounded to cents.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

# ---------------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------------
MEASURE_ACR = "acr"
MEASURE_UAMCC = "uamcc"
MEASURE_DAH = "dah"
MEASURE_TFU = "tfu"
MEASURES = (MEASURE_ACR, MEASURE_UAMCC, MEASURE_DAH, MEASURE_TFU)
HIGHER_IS_BETTER = {MEASURE_ACR: False, MEASURE_UAMCC: False, MEASURE_DAH: True, MEASURE_TFU: True}

ROLE_DENOMINATOR = "denominator"
ROLE_NUMERATOR = "numerator"
ROLE_EVENT = "event"

SOURCE_NONE = ""
SOURCE_INPATIENT = "inpatient"
SOURCE_SNF = "snf"
SOURCE_ED = "ed_visit"
SOURCE_PQEM = "pqem"
_SOURCES = (SOURCE_INPATIENT, SOURCE_SNF, SOURCE_ED)  # codes 0, 1, 2 inside the engine

GAP_TFU_OPEN = "tfu_open"
GAP_TFU_MISSED = "tfu_missed"
GAP_INDEX_STAY = "index_stay_followup"
GAP_READMISSION = "readmission"

NO_CLAIM = -1  # claim id of rows no claim put there (a beneficiary's denominator row)

HEART_FAILURE = "heart_failure"
# docs/quality.md: ICD-10 prefixes per chronic condition group.
CHRONIC_CONDITION_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ami", ("I21", "I22")),
    ("dementia", ("G30", "F01", "F02", "F03")),
    ("atrial_fibrillation", ("I48",)),
    ("ckd", ("N18",)),
    ("copd_asthma", ("J44", "J45")),
    ("depression", ("F32", "F33")),
    ("diabetes", ("E10", "E11", "E13")),
    (HEART_FAILURE, ("I50",)),
    ("stroke_tia", ("I63", "G45")),
)
GROUP_LABELS = {
    "ami": "Acute myocardial infarction",
    "dementia": "Alzheimer's disease and related dementia",
    "atrial_fibrillation": "Atrial fibrillation",
    "ckd": "Chronic kidney disease",
    "copd_asthma": "COPD and asthma",
    "depression": "Depression",
    "diabetes": "Diabetes",
    HEART_FAILURE: "Heart failure",
    "stroke_tia": "Stroke and transient ischemic attack",
}

SEX_LABELS = ("male", "female", "unknown")  # BENE_SEX_CD 1, 2, anything else

_NAT = np.iinfo(np.int64).min  # NaT as int64 days
_MAX_PREFIX = 8  # prefix keys pack 7 bits per character into an int64


# ---------------------------------------------------------------------------------------------------
# Parameters and inputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QualityParameters:
    """Every period, code list and threshold of the measures, with the default of docs/quality.md."""

    chronic_condition_groups: tuple[tuple[str, tuple[str, ...]], ...] = CHRONIC_CONDITION_GROUPS
    heart_failure_group: str = HEART_FAILURE
    condition_lookback_months: int = 12  # diagnoses of the months before Jan 1 PY
    mcc_min_groups: int = 2
    # ACR
    acr_index_discharge_from: tuple[int, int] = (1, 1)  # (month, day) in the PY, inclusive
    acr_index_discharge_to: tuple[int, int] = (12, 1)
    acr_excluded_statuses: tuple[str, ...] = ("20", "02")  # died, transferred
    readmission_window_days: tuple[int, int] = (1, 30)  # days after the index discharge, inclusive
    elective_admission_types: tuple[str, ...] = ("3",)
    acr_age_bands: tuple[int, ...] = (65, 75, 85)  # lower edges; younger ages form the "<65" band
    dual_status_codes: tuple[str, ...] = ("01", "02", "03", "04", "05", "06", "08")
    # UAMCC
    unplanned_admission_types: tuple[str, ...] = ("1", "2")  # emergency, urgent
    uamcc_min_age: int = 65  # on Jan 1 PY
    uamcc_per_person_years: float = 100.0
    # TFU
    tfu_window_days_heart_failure: int = 7
    tfu_window_days_other: int = 14
    tfu_window_first_day: int = 1  # day 1 = the day after the discharge or visit
    tfu_excluded_statuses: tuple[str, ...] = ("02", "20", "30")  # transferred, died, still a patient
    # Stays and gaps
    still_patient_status: str = "30"  # an interim bill: the next claim continues the stay
    recent_readmission_days: int = 30


@dataclass(frozen=True)
class Population:
    """The aligned beneficiaries of every ACO, one row per current MBI. Dates datetime64[D]."""

    mbi: Array
    aco_id: Array
    birth_date: Array
    sex: Array  # BENE_SEX_CD: 1 male, 2 female
    dual_status: Array  # BENE_DUAL_STUS_CD
    death_date: Array  # NaT: alive
    high_needs: Array  # bool
    aligned_from: Array  # Jan 1 PY, or a mid-year effective date; NaT reads as Jan 1 PY


@dataclass(frozen=True)
class Diagnoses:
    mbi: Array
    code: Array  # ICD-10-CM, no dot
    date: Array  # the claim's through date


@dataclass(frozen=True)
class InpatientStays:
    """One row per inpatient claim (type 60)."""

    claim_id: Array  # int64
    mbi: Array
    admit_date: Array
    discharge_date: Array
    patient_status: Array  # BENE_PTNT_STUS_CD
    admission_type: Array  # CLM_ADMSN_TYPE_CD
    principal_dx: Array  # PRNCPL_DGNS_CD


@dataclass(frozen=True)
class SNFStays:
    claim_id: Array
    mbi: Array
    from_date: Array
    thru_date: Array


@dataclass(frozen=True)
class EDVisits:
    """Outpatient claims with a 045x or 0762 revenue line, one per claim."""

    claim_id: Array
    mbi: Array
    date: Array
    principal_dx: Array


@dataclass(frozen=True)
class Followups:
    """PQEM service dates."""

    mbi: Array
    date: Array


@dataclass(frozen=True)
class QualityInputs:
    population: Population
    diagnoses: Diagnoses
    inpatient: InpatientStays
    snf: SNFStays
    ed: EDVisits
    followups: Followups


# ---------------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureResult:
    """One ACO's result on one measure. `rate` is NaN when the denominator is empty (not scored)."""

    aco_id: str
    measure: str
    numerator: int  # ACR readmissions, UAMCC admissions, DAH days at home (sum), TFU events met
    denominator: int  # ACR index stays, UAMCC/DAH beneficiaries, TFU events scored
    rate: float  # ACR observed %, UAMCC per 100 person-years, DAH mean days, TFU %
    person_years: float | None = None  # UAMCC
    expected: float | None = None  # ACR: expected readmissions (Σ stratum rates over index stays)
    expected_rate: float | None = None  # ACR: expected ÷ index stays, in percent
    risk_standardized_rate: float | None = None  # ACR, in percent

    @property
    def score_rate(self) -> float:
        """The rate the decile table scores: the risk-standardized rate for ACR, else `rate`."""
        if self.measure == MEASURE_ACR and self.risk_standardized_rate is not None:
            return self.risk_standardized_rate
        return self.rate


@dataclass(frozen=True)
class AcrStratum:
    age_band: str  # "<65", "65-74", "75-84", "85+"
    sex: str  # "male", "female", "unknown"
    dual: bool
    index_stays: int
    readmissions: int
    rate: float  # percent; NaN without index stays


@dataclass(frozen=True)
class BeneficiaryMeasures:
    """One row per beneficiary of the population, MBIs sorted."""

    mbi: Array
    aco_id: Array
    condition_bits: Array  # int64: bit i = chronic_condition_groups[i]
    condition_count: Array
    mcc: Array
    age_jan1: Array  # -1 when the birth date is missing
    dual: Array
    period_start: Array  # datetime64[D]: the aligned-and-alive period (NaT when empty)
    period_end: Array
    days_alive_aligned: Array
    months: Array  # months alive and aligned (UAMCC person-years × 12)
    facility_days: Array  # DAH: days in a stay or visit within the period
    in_uamcc: Array  # bool: in the UAMCC denominator
    in_dah: Array  # bool: in the DAH denominator
    group_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.mbi.shape[0])

    def index(self, mbi: str) -> int | None:
        i = int(np.searchsorted(self.mbi, mbi))
        return i if i < len(self) and self.mbi[i] == mbi else None

    def conditions(self, i: int) -> list[str]:
        bits = int(self.condition_bits[i])
        return [name for g, name in enumerate(self.group_names) if bits >> g & 1]


@dataclass(frozen=True)
class Members:
    """Membership rows, one per (measure, role, claim or beneficiary): who is in which figure and why.

    ACR: `denominator` per index stay (claim = index claim, date = discharge, value = its stratum's
    portal-wide rate in %); `numerator` per readmitted index stay (claim = the readmission, related = the
    index claim, date = readmission admission, value = days after discharge). UAMCC: `denominator` per
    beneficiary (date = period start, value = person-years); `numerator` per admission (claim = first claim
    of the stay, date = admission). DAH: `denominator` per beneficiary (value = days at home); `event` per
    claim that removed days (date = first day counted, value = days it removed after overlaps). TFU:
    `denominator` per scored event (value = window days); `numerator` per met event (source `pqem`, related
    = the event claim, date = the follow-up, value = days after the event); `event` per event not scored
    (window still open, or death within the window)."""

    measure: Array
    mbi: Array
    aco_id: Array
    role: Array
    source: Array  # "inpatient", "snf", "ed_visit", "pqem" or ""
    claim_id: Array  # int64, NO_CLAIM when none
    related_claim_id: Array  # int64, NO_CLAIM when none
    date: Array  # datetime64[D]
    value: Array  # float64

    def __len__(self) -> int:
        return int(self.measure.shape[0])


@dataclass(frozen=True)
class CareGaps:
    """Open opportunities per beneficiary, with the claim that opened them."""

    mbi: Array
    aco_id: Array
    gap_type: Array
    measure: Array
    claim_id: Array  # int64: the claim that opened the gap
    opened_on: Array  # datetime64[D]
    due_date: Array  # datetime64[D], NaT when none

    def __len__(self) -> int:
        return int(self.mbi.shape[0])


@dataclass(frozen=True)
class QualityResult:
    performance_year: int
    as_of: dt.date | None
    period_end: dt.date  # min(Dec 31 PY, as_of)
    results: tuple[MeasureResult, ...]  # by ACO id, then measure in MEASURES order
    portal_acr_rate: float  # percent, NaN without index stays
    acr_strata: tuple[AcrStratum, ...]
    beneficiaries: BeneficiaryMeasures
    members: Members
    gaps: CareGaps
    _by_key: dict[tuple[str, str], MeasureResult] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_key.update({(r.aco_id, r.measure): r for r in self.results})

    def result(self, aco_id: str, measure: str) -> MeasureResult:
        return self._by_key[(aco_id, measure)]


# ---------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------
def _text(values: Any) -> Array:
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    return arr


def _days(values: Any) -> Array:
    """datetime64[D] → int64 days since epoch; NaT becomes the int64 minimum."""
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


def _day(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _as_dates(days: Array) -> Array:
    """int64 days → datetime64[D] (the int64 minimum is NaT)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def _codes(values: Sequence[str]) -> Array:
    """A code list with its zero-padded and unpadded spellings ("3", "03"; "02", "2"), as CCLF fields are
    sometimes one and sometimes two characters wide."""
    out: set[str] = set()
    for code in values:
        out |= {code, code.zfill(2), code.lstrip("0") or "0"}
    return np.array(sorted(out))


def _isin(values: Any, codes: Sequence[str]) -> Array:
    return np.isin(_text(values), _codes(codes))


# Character → base-37 digit for MBI keys: NUL padding 0 < digits 1–10 < letters 11–36 (the text order);
# −1 for any other character.
_MBI_DIGIT = np.full(128, -1, dtype=np.int8)
_MBI_DIGIT[0] = 0
_MBI_DIGIT[48:58] = np.arange(1, 11)
_MBI_DIGIT[65:91] = np.arange(11, 37)
_KEY_CHUNK = 1 << 20  # rows per pass: bounds the temporary digit matrix to about 12 MB


def _mbi_keys(arr: Array) -> Array | None:
    """Order-preserving int64 keys for MBIs (at most 12 characters from [0-9A-Z]), independent of the
    array's width; None when a value falls outside that alphabet (callers then compare strings). Matching
    integers is many times faster than matching strings, which matters for 10 million follow-ups."""
    width = arr.dtype.itemsize // 4
    if arr.dtype.kind != "U" or width > 12:
        return None
    n = arr.shape[0]
    keys = np.zeros(n, dtype=np.int64)
    if width == 0 or n == 0:
        return keys
    chars = np.ascontiguousarray(arr).view(np.uint32).reshape(n, width)
    for lo in range(0, n, _KEY_CHUNK):  # a loop over chunks of a million rows
        block = chars[lo : lo + _KEY_CHUNK]
        if int(block.max()) > 127:
            return None
        digits = _MBI_DIGIT[block]
        if int(digits.min()) < 0:
            return None
        k = np.zeros(block.shape[0], dtype=np.int64)
        for i in range(12):  # a loop over character positions, not over rows
            k *= 37
            if i < width:
                k += digits[:, i]
        keys[lo : lo + _KEY_CHUNK] = k
    return keys


def _previous_max(group: Array, values: Array) -> Array:
    """For rows sorted by group: the largest value among the group's earlier rows (int64), or the int64
    minimum for a group's first row. One running maximum over (group, value) keys."""
    n = group.shape[0]
    out = np.full(n, _NAT, dtype=np.int64)
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


def _pack(rows: Array, days: Array, low: int, span: int) -> Array:
    """(row, day) → one int64 that sorts like the pair (days within [low, low + span))."""
    return rows.astype(np.int64) * span + (days - low)


def _frame_of(*day_arrays: Array) -> tuple[int, int]:
    """(low, span) covering every value of the given int64 day arrays (ignoring empty ones)."""
    lows = [int(a.min()) for a in day_arrays if a.size]
    highs = [int(a.max()) for a in day_arrays if a.size]
    if not lows:
        return 0, 1
    return min(lows), max(highs) - min(lows) + 1


def age_on(birth_days: Array, ref_days: Array) -> Array:
    """Age in whole years on a reference day (int64 day arrays, broadcastable); -1 when the birth date
    is missing. A Feb 29 birthday passes on Mar 1 in other years."""
    birth = np.asarray(birth_days, dtype=np.int64)
    ref = np.broadcast_to(np.asarray(ref_days, dtype=np.int64), birth.shape)
    b, r = birth.astype("datetime64[D]"), ref.astype("datetime64[D]")
    b_year, r_year = b.astype("datetime64[Y]"), r.astype("datetime64[Y]")
    b_month, r_month = b.astype("datetime64[M]"), r.astype("datetime64[M]")
    # (month, day) as one number: month index × 32 + day of month.
    b_md = (b_month - b_year).astype(np.int64) * 32 + (b - b_month).astype(np.int64)
    r_md = (r_month - r_year).astype(np.int64) * 32 + (r - r_month).astype(np.int64)
    age = (r_year - b_year).astype(np.int64) - (r_md < b_md)
    return np.where(birth == _NAT, -1, age)


# ---------------------------------------------------------------------------------------------------
# Chronic condition groups
# ---------------------------------------------------------------------------------------------------
def _prefix_keys(codes: Array, length: int) -> Array:
    """The first `length` characters of each code as one int64 (7 bits per character, upper-cased); −1 for
    codes shorter than `length` or with a non-ASCII character among them."""
    n = codes.shape[0]
    width = codes.dtype.itemsize // 4
    if width < length or n == 0:
        return np.full(n, -1, dtype=np.int64)
    chars = np.ascontiguousarray(codes).view(np.uint32).reshape(n, width)[:, :length].astype(np.int64)
    chars = np.where((chars >= 97) & (chars <= 122), chars - 32, chars)  # a–z → A–Z
    ok = ((chars > 0) & (chars < 128)).all(axis=1)
    keys = np.zeros(n, dtype=np.int64)
    for i in range(length):  # a loop over character positions
        keys = keys * 128 + chars[:, i]
    return np.where(ok, keys, -1)


def _check_groups(groups: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    seen: dict[str, str] = {}
    for name, prefixes in groups:
        for p in prefixes:
            if not p or len(p) > _MAX_PREFIX or not p.isascii():
                raise ValueError(f"condition group {name}: prefix {p!r} must be 1–{_MAX_PREFIX} ASCII characters")
            if p.upper() in seen:
                raise ValueError(f"prefix {p!r} is in both {seen[p.upper()]} and {name}")
            seen[p.upper()] = name
    if len(groups) > 62:
        raise ValueError("at most 62 condition groups")


def condition_group_of(codes: Any, params: QualityParameters | None = None) -> Array:
    """The chronic condition group (index into `params.chronic_condition_groups`) of each diagnosis code,
    −1 for none. A code matching prefixes of several lengths takes the longest."""
    params = params or QualityParameters()
    groups = params.chronic_condition_groups
    _check_groups(groups)
    codes = _text(codes)
    out = np.full(codes.shape[0], -1, dtype=np.int64)
    by_length: dict[int, list[tuple[str, int]]] = {}
    for g, (_name, prefixes) in enumerate(groups):
        for p in prefixes:
            by_length.setdefault(len(p), []).append((p.upper(), g))
    for length in sorted(by_length):  # a loop over prefix lengths, not over codes
        table = by_length[length]
        t_keys = _prefix_keys(np.array([p for p, _ in table]), length)
        t_group = np.array([g for _, g in table], dtype=np.int64)
        order = np.argsort(t_keys)
        t_keys, t_group = t_keys[order], t_group[order]
        keys = _prefix_keys(codes, length)
        pos = np.minimum(np.searchsorted(t_keys, keys), t_keys.size - 1)
        hit = (t_keys[pos] == keys) & (keys >= 0)
        out[hit] = t_group[pos[hit]]
    return out


def lookback_window(py: int, months: int = 12) -> tuple[dt.date, dt.date]:
    """The `months` calendar months before Jan 1 PY, both ends inclusive."""
    start = np.datetime64(f"{py}-01", "M") - np.timedelta64(months, "M")
    return start.astype("datetime64[D]").item(), dt.date(py - 1, 12, 31)


# ---------------------------------------------------------------------------------------------------
# The frame every measure shares
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    py: int
    params: QualityParameters
    jan1: int
    dec31: int
    period_end: int  # min(Dec 31, as_of)
    as_of: int | None
    mbi: Array  # sorted
    keys: Array | None  # `_mbi_keys(mbi)`
    aco: Array  # int ACO code per beneficiary
    aco_ids: list[str]
    aco_text: Array  # ACO id text per beneficiary
    start: Array
    end: Array
    active: Array
    days: Array
    months: Array
    birth: Array
    death: Array
    age_jan1: Array
    sex: Array  # 0 male, 1 female, 2 unknown
    dual: Array
    high_needs: Array
    condition_bits: Array
    condition_count: Array
    mcc: Array

    @property
    def n(self) -> int:
        return int(self.mbi.shape[0])

    def locate(self, mbis: Any, select: Array | None = None) -> Array:
        """Row of each MBI (of `mbis[select]` when given) in the population, −1 for an MBI not there."""
        text = _text(mbis)
        size = text.shape[0] if select is None else select.shape[0]
        if self.n == 0 or size == 0:
            return np.full(size, -1, dtype=np.int64)
        # Keys of the whole column, then the selection: indexing int64 keys copies far less than strings.
        keys = _mbi_keys(text) if self.keys is not None else None
        if keys is not None and self.keys is not None:
            keys = keys if select is None else keys[select]
            pos = np.minimum(np.searchsorted(self.keys, keys), self.n - 1)
            found = self.keys[pos] == keys
        else:  # string comparison: slower, same answer
            text = text if select is None else text[select]
            pos = np.minimum(np.searchsorted(self.mbi, text), self.n - 1)
            found = self.mbi[pos] == text
        return np.where(found, pos, -1).astype(np.int64)


def _frame(py: int, inputs: QualityInputs, params: QualityParameters, as_of: dt.date | None) -> _Frame:
    pop = inputs.population
    mbi = np.char.strip(_text(pop.mbi))  # the population is small: trimming it is cheap
    order = np.argsort(mbi, kind="stable")
    mbi = mbi[order]
    if mbi.size > 1 and (mbi[1:] == mbi[:-1]).any():
        raise ValueError("the population must hold one row per MBI")
    jan1, dec31 = _day(dt.date(py, 1, 1)), _day(dt.date(py, 12, 31))
    if as_of is not None and as_of < dt.date(py, 1, 1):
        raise ValueError(f"as_of {as_of} is before performance year {py}")
    period_end = min(dec31, _day(as_of)) if as_of is not None else dec31

    aco_text = np.char.strip(_text(pop.aco_id))[order]
    aco_uniq, aco = np.unique(aco_text, return_inverse=True)
    birth = _days(pop.birth_date)[order]
    death = _days(pop.death_date)[order]
    aligned = _days(pop.aligned_from)[order]

    # The aligned-and-alive period, both ends inclusive; the day of death is a day alive.
    start = np.maximum(np.where(aligned == _NAT, jan1, aligned), jan1)
    end = np.minimum(np.where(death == _NAT, period_end, death), period_end)
    active = end >= start
    days = np.where(active, end - start + 1, 0)
    # A month counts when the beneficiary is alive and aligned on at least one of its days.
    start_m = start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    end_m = end.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months = np.where(active, end_m - start_m + 1, 0)

    sex_code = np.char.strip(_text(pop.sex))[order]
    sex = np.where(sex_code == "1", 0, np.where(sex_code == "2", 1, 2)).astype(np.int64)
    dual = np.isin(np.char.strip(_text(pop.dual_status))[order], np.array(params.dual_status_codes))

    bits, count = _conditions(py, mbi, inputs.diagnoses, params)
    return _Frame(
        py=py,
        params=params,
        jan1=jan1,
        dec31=dec31,
        period_end=period_end,
        as_of=_day(as_of) if as_of is not None else None,
        mbi=mbi,
        keys=_mbi_keys(mbi),
        aco=aco.reshape(-1).astype(np.int64),
        aco_ids=[str(a) for a in aco_uniq.tolist()],
        aco_text=aco_text,
        start=start,
        end=end,
        active=active,
        days=days,
        months=months,
        birth=birth,
        death=death,
        age_jan1=age_on(birth, np.full(birth.shape, jan1, dtype=np.int64)),
        sex=sex,
        dual=dual,
        high_needs=np.asarray(pop.high_needs, dtype=bool)[order],
        condition_bits=bits,
        condition_count=count,
        mcc=count >= params.mcc_min_groups,
    )


def _conditions(py: int, mbi_sorted: Array, dx: Diagnoses, params: QualityParameters) -> tuple[Array, Array]:
    """Per beneficiary: a bit per chronic condition group seen in the lookback window, and their count."""
    n, n_groups = mbi_sorted.shape[0], len(params.chronic_condition_groups)
    start, end = lookback_window(py, params.condition_lookback_months)
    date = _days(dx.date)
    in_window = np.flatnonzero((date >= _day(start)) & (date <= _day(end)))
    code = _text(dx.code)[in_window]
    group = condition_group_of(code, params)
    hit = group >= 0
    rows = _locate_sorted(mbi_sorted, _text(dx.mbi)[in_window[hit]])
    known = rows >= 0
    seen = np.zeros((n, max(n_groups, 1)), dtype=bool)
    seen[rows[known], group[hit][known]] = True  # fancy assignment: no sort, no loop
    weights = np.left_shift(np.int64(1), np.arange(n_groups, dtype=np.int64))
    bits = seen[:, :n_groups].astype(np.int64) @ weights if n_groups else np.zeros(n, dtype=np.int64)
    return bits.astype(np.int64), seen[:, :n_groups].sum(axis=1).astype(np.int64)


def _locate_sorted(mbi_sorted: Array, mbis: Array) -> Array:
    n = mbi_sorted.shape[0]
    if n == 0 or mbis.shape[0] == 0:
        return np.full(mbis.shape[0], -1, dtype=np.int64)
    s_keys, keys = _mbi_keys(mbi_sorted), _mbi_keys(mbis)
    if s_keys is None or keys is None:
        s_keys, keys = mbi_sorted, mbis
    pos = np.minimum(np.searchsorted(s_keys, keys), n - 1)
    return np.where(s_keys[pos] == keys, pos, -1).astype(np.int64)


# ---------------------------------------------------------------------------------------------------
# Inpatient claims, chained into stays
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inpatient:
    """Inpatient claims of population beneficiaries, sorted by (row, admission, discharge, claim id)."""

    row: Array
    claim: Array
    admit: Array
    disch: Array
    status: Array
    adm_type: Array
    group: Array  # chronic condition group of the principal diagnosis, −1 none
    new_stay: Array  # bool: the claim starts a stay (an admission)
    stay_end: Array  # per claim: the latest through date of its stay (valid on the stay's first claim)


def _inpatient(frame: _Frame, ip: InpatientStays) -> _Inpatient:
    rows = frame.locate(ip.mbi)
    admit, disch = _days(ip.admit_date), _days(ip.discharge_date)
    keep = np.flatnonzero((rows >= 0) & (admit != _NAT))
    rows, admit, disch = rows[keep], admit[keep], disch[keep]
    disch = np.where((disch == _NAT) | (disch < admit), admit, disch)
    claim = np.asarray(ip.claim_id, dtype=np.int64)[keep]
    order = np.lexsort((claim, disch, admit, rows))
    rows, admit, disch, claim = rows[order], admit[order], disch[order], claim[order]
    sel = keep[order]
    status = _text(ip.patient_status)[sel]
    adm_type = _text(ip.admission_type)[sel]
    group = condition_group_of(_text(ip.principal_dx)[sel], frame.params)

    # A claim continues the stay when it starts on or before the latest through date of the earlier claims
    # (an overlap or a same-day transfer), or the day after an interim bill (still a patient).
    reach = disch + _isin(status, (frame.params.still_patient_status,)).astype(np.int64)
    new_stay = admit > _previous_max(rows, reach)
    stay_end = disch.copy()
    firsts = np.flatnonzero(new_stay)
    if firsts.size:
        stay_end[firsts] = np.maximum.reduceat(disch, firsts)  # stays are runs: first claim, continuations
    return _Inpatient(rows, claim, admit, disch, status, adm_type, group, new_stay, stay_end)


# ---------------------------------------------------------------------------------------------------
# Membership and gap rows, assembled per measure then concatenated once
# ---------------------------------------------------------------------------------------------------
class _Rows:
    def __init__(self) -> None:
        self.parts: list[dict[str, Array]] = []

    def add(
        self,
        measure: str,
        role: str,
        rows: Array,
        *,
        source: Array | str = SOURCE_NONE,
        claim: Array | None = None,
        related: Array | None = None,
        date: Array | None = None,
        value: Array | None = None,
    ) -> None:
        n = rows.shape[0]
        self.parts.append(
            {
                "measure": np.full(n, measure),
                "row": rows.astype(np.int64),
                "role": np.full(n, role),
                "source": np.broadcast_to(np.asarray(source), (n,)).astype(str),
                "claim_id": np.full(n, NO_CLAIM, dtype=np.int64) if claim is None else claim.astype(np.int64),
                "related_claim_id": np.full(n, NO_CLAIM, dtype=np.int64)
                if related is None
                else related.astype(np.int64),
                "date": np.full(n, _NAT, dtype=np.int64) if date is None else date.astype(np.int64),
                "value": np.full(n, np.nan) if value is None else value.astype(np.float64),
            }
        )

    def column(self, name: str, dtype: Any) -> Array:
        if not self.parts:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([p[name] for p in self.parts]).astype(dtype, copy=False)


def _members(frame: _Frame, rows: _Rows) -> Members:
    r = rows.column("row", np.int64)
    return Members(
        measure=rows.column("measure", str),
        mbi=frame.mbi[r],
        aco_id=frame.aco_text[r],
        role=rows.column("role", str),
        source=rows.column("source", str),
        claim_id=rows.column("claim_id", np.int64),
        related_claim_id=rows.column("related_claim_id", np.int64),
        date=_as_dates(rows.column("date", np.int64)),
        value=rows.column("value", np.float64),
    )


def _gaps(frame: _Frame, rows: _Rows) -> CareGaps:
    """Gaps reuse the row builder: role = gap type, date = opened on, value = due day (NaN none)."""
    r = rows.column("row", np.int64)
    due = rows.column("value", np.float64)
    return CareGaps(
        mbi=frame.mbi[r],
        aco_id=frame.aco_text[r],
        gap_type=rows.column("role", str),
        measure=rows.column("measure", str),
        claim_id=rows.column("claim_id", np.int64),
        opened_on=_as_dates(rows.column("date", np.int64)),
        due_date=_as_dates(np.where(np.isnan(due), _NAT, np.nan_to_num(due)).astype(np.int64)),
    )


def _per_aco(frame: _Frame, rows: Array, weights: Array | None = None) -> Array:
    n_aco = len(frame.aco_ids)
    if weights is None:
        return np.bincount(frame.aco[rows], minlength=n_aco).astype(np.float64)
    return np.bincount(frame.aco[rows], weights=weights, minlength=n_aco)


def _ratio(num: Array, den: Array, scale: float = 1.0) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, scale * num / np.where(den > 0, den, 1), np.nan)


# ---------------------------------------------------------------------------------------------------
# ACR
# ---------------------------------------------------------------------------------------------------
def _band_labels(edges: tuple[int, ...]) -> list[str]:
    labels = [f"<{edges[0]}"]
    for lo, hi in zip(edges, edges[1:], strict=False):
        labels.append(f"{lo}-{hi - 1}")
    labels.append(f"{edges[-1]}+")
    return labels


@dataclass(frozen=True)
class _AcrOut:
    index_per_aco: Array
    readmit_per_aco: Array
    expected_per_aco: Array
    portal_rate: float
    strata: tuple[AcrStratum, ...]


def _acr(frame: _Frame, ip: _Inpatient, members: _Rows, gaps: _Rows) -> _AcrOut:
    p = frame.params
    py = frame.py
    idx_from = _day(dt.date(py, *p.acr_index_discharge_from))
    idx_to = _day(dt.date(py, *p.acr_index_discharge_to))
    first_day, last_day = p.readmission_window_days

    row = ip.row
    index = (ip.disch >= idx_from) & (ip.disch <= idx_to) & frame.active[row]
    index &= (ip.disch >= frame.start[row]) & (ip.disch <= frame.end[row])
    index &= ~_isin(ip.status, p.acr_excluded_statuses)
    i = np.flatnonzero(index)

    # Readmission: the first admission (stays' first claims, in (row, admission, claim) order) of the same
    # beneficiary admitted 1–30 days after the index discharge, not elective.
    cand = np.flatnonzero(ip.new_stay & ~_isin(ip.adm_type, p.elective_admission_types))
    low, span = _frame_of(ip.admit, ip.disch + last_day + 1)
    cand_keys = _pack(row[cand], ip.admit[cand], low, span)
    pos = np.searchsorted(cand_keys, _pack(row[i], ip.disch[i] + first_day, low, span))
    pos_c = np.minimum(pos, max(cand.size - 1, 0))
    readmit = np.zeros(i.size, dtype=bool)
    if cand.size:
        c = cand[pos_c]
        readmit = (pos < cand.size) & (row[c] == row[i]) & (ip.admit[c] <= ip.disch[i] + last_day)
    re_claim = np.where(readmit, ip.claim[cand[pos_c]] if cand.size else NO_CLAIM, NO_CLAIM)
    re_date = np.where(readmit, ip.admit[cand[pos_c]] if cand.size else _NAT, _NAT)

    # An index stay whose window has not closed by as_of and that is not yet readmitted is not scored yet.
    due = ip.disch[i] + last_day
    closed = np.ones(i.size, dtype=bool) if frame.as_of is None else due <= frame.as_of
    scored = readmit | closed
    s = i[scored]
    s_readmit = readmit[scored]

    # Strata: age band on the discharge day × sex × dual.
    edges = p.acr_age_bands
    age = age_on(frame.birth[row[s]], ip.disch[s])
    band = np.searchsorted(np.array(edges, dtype=np.int64), age, side="right")  # age < 65 → 0
    n_bands = len(edges) + 1
    stratum = (band * 3 + frame.sex[row[s]]) * 2 + frame.dual[row[s]].astype(np.int64)
    n_strata = n_bands * 3 * 2
    st_index = np.bincount(stratum, minlength=n_strata)
    st_readmit = np.bincount(stratum[s_readmit], minlength=n_strata)
    st_rate = _ratio(st_readmit.astype(np.float64), st_index.astype(np.float64))
    expected_each = np.nan_to_num(st_rate[stratum])
    total_index, total_readmit = int(st_index.sum()), int(st_readmit.sum())
    portal_rate = total_readmit / total_index if total_index else math.nan

    labels = _band_labels(edges)
    strata = tuple(
        AcrStratum(
            age_band=labels[k // 6],
            sex=SEX_LABELS[(k // 2) % 3],
            dual=bool(k % 2),
            index_stays=int(st_index[k]),
            readmissions=int(st_readmit[k]),
            rate=float(st_rate[k] * 100.0),
        )
        for k in range(n_strata)
        if st_index[k]
    )

    members.add(
        MEASURE_ACR,
        ROLE_DENOMINATOR,
        row[s],
        source=SOURCE_INPATIENT,
        claim=ip.claim[s],
        date=ip.disch[s],
        value=expected_each * 100.0,
    )
    r = s[s_readmit]
    members.add(
        MEASURE_ACR,
        ROLE_NUMERATOR,
        row[r],
        source=SOURCE_INPATIENT,
        claim=re_claim[scored][s_readmit],
        related=ip.claim[r],
        date=re_date[scored][s_readmit],
        value=(re_date[scored][s_readmit] - ip.disch[r]).astype(np.float64),
    )

    # Gaps: index stays still inside their readmission window; recent readmissions.
    open_ = ~readmit & ~closed
    gaps.add(
        MEASURE_ACR,
        GAP_INDEX_STAY,
        row[i[open_]],
        claim=ip.claim[i[open_]],
        date=ip.disch[i[open_]],
        value=due[open_].astype(np.float64),
    )
    recent = readmit & (re_date >= frame.period_end - p.recent_readmission_days) & (re_date <= frame.period_end)
    gaps.add(MEASURE_ACR, GAP_READMISSION, row[i[recent]], claim=re_claim[recent], date=re_date[recent])

    return _AcrOut(
        index_per_aco=_per_aco(frame, row[s]),
        readmit_per_aco=_per_aco(frame, row[s[s_readmit]]),
        expected_per_aco=_per_aco(frame, row[s], expected_each),
        portal_rate=portal_rate,
        strata=strata,
    )


# ---------------------------------------------------------------------------------------------------
# UAMCC
# ---------------------------------------------------------------------------------------------------
def _uamcc(frame: _Frame, ip: _Inpatient, members: _Rows) -> tuple[Array, Array, Array, Array]:
    p = frame.params
    member = frame.active & frame.mcc & (frame.age_jan1 >= p.uamcc_min_age)
    rows = np.flatnonzero(member)
    person_years = frame.months / 12.0
    members.add(MEASURE_UAMCC, ROLE_DENOMINATOR, rows, date=frame.start[rows], value=person_years[rows])
    row = ip.row
    adm = ip.new_stay & member[row] & _isin(ip.adm_type, p.unplanned_admission_types)
    adm &= (ip.admit >= frame.start[row]) & (ip.admit <= frame.end[row])
    a = np.flatnonzero(adm)
    members.add(MEASURE_UAMCC, ROLE_NUMERATOR, row[a], source=SOURCE_INPATIENT, claim=ip.claim[a], date=ip.admit[a])
    return (
        _per_aco(frame, row[a]),
        _per_aco(frame, rows),
        _per_aco(frame, rows, person_years[rows]),
        member,
    )


# ---------------------------------------------------------------------------------------------------
# DAH
# ---------------------------------------------------------------------------------------------------
def _dah(
    frame: _Frame, ip: _Inpatient, snf: SNFStays, ed: EDVisits, members: _Rows
) -> tuple[Array, Array, Array, Array]:
    member = frame.active & (frame.high_needs | frame.mcc)
    s_rows = frame.locate(snf.mbi)
    s_from, s_thru = _days(snf.from_date), _days(snf.thru_date)
    s_thru = np.where((s_thru == _NAT) | (s_thru < s_from), s_from, s_thru)
    e_rows = frame.locate(ed.mbi)
    e_date = _days(ed.date)
    row = np.concatenate([ip.row, s_rows, e_rows])
    first = np.concatenate([ip.admit, s_from, e_date])
    last = np.concatenate([ip.disch, s_thru, e_date])
    source = np.concatenate(
        [np.zeros(ip.row.size, np.int64), np.ones(s_rows.size, np.int64), np.full(e_rows.size, 2, np.int64)]
    )
    claim = np.concatenate(
        [ip.claim, np.asarray(snf.claim_id, dtype=np.int64), np.asarray(ed.claim_id, dtype=np.int64)]
    )
    ok = (row >= 0) & (first != _NAT)
    ok[ok] = member[row[ok]]
    k = np.flatnonzero(ok)
    row, first, last, source, claim = row[k], first[k], last[k], source[k], claim[k]
    # Clip to the aligned-and-alive period; a day partly in a facility is not a day at home.
    first = np.maximum(first, frame.start[row])
    last = np.minimum(last, frame.end[row])
    k = np.flatnonzero(last >= first)
    row, first, last, source, claim = row[k], first[k], last[k], source[k], claim[k]
    # Sorted by (row, first day); ties by source and claim id, so each claim's share is deterministic. The
    # union below does not depend on the order among intervals starting the same day.
    low, span = _frame_of(first)
    order = np.lexsort((claim, source, _pack(row, first, low, span)))
    row, first, last, source, claim = row[order], first[order], last[order], source[order], claim[order]
    # Union of the intervals: each counts only the days after every earlier interval of the beneficiary.
    covered_from = np.maximum(first, _previous_max(row, last) + 1)
    new_days = np.maximum(last - covered_from + 1, 0)
    facility = np.bincount(row, weights=new_days, minlength=frame.n).astype(np.int64)
    at_home = frame.days - facility

    rows = np.flatnonzero(member)
    members.add(MEASURE_DAH, ROLE_DENOMINATOR, rows, date=frame.start[rows], value=at_home[rows])
    e = np.flatnonzero(new_days > 0)
    members.add(
        MEASURE_DAH,
        ROLE_EVENT,
        row[e],
        source=np.array(_SOURCES)[source[e]],
        claim=claim[e],
        date=covered_from[e],
        value=new_days[e],
    )
    return _per_aco(frame, rows, at_home[rows]), _per_aco(frame, rows), facility, member


# ---------------------------------------------------------------------------------------------------
# TFU
# ---------------------------------------------------------------------------------------------------
def _tfu(
    frame: _Frame, ip: _Inpatient, ed: EDVisits, fu: Followups, members: _Rows, gaps: _Rows
) -> tuple[Array, Array]:
    p = frame.params
    hf = [name for name, _ in p.chronic_condition_groups].index(p.heart_failure_group)
    eligible = frame.active & frame.mcc

    # Inpatient discharges (not a transfer, death or interim bill) with a chronic principal diagnosis.
    row = ip.row
    dis = eligible[row] & (ip.group >= 0) & ~_isin(ip.status, p.tfu_excluded_statuses)
    dis &= (ip.disch >= frame.start[row]) & (ip.disch <= frame.end[row])
    d = np.flatnonzero(dis)

    # ED/observation visits with a chronic principal diagnosis, not during an inpatient stay.
    e_rows = frame.locate(ed.mbi)
    e_date = _days(ed.date)
    ok = (e_rows >= 0) & (e_date != _NAT)
    ok[ok] = eligible[e_rows[ok]]
    k = np.flatnonzero(ok)
    e_rows, e_date = e_rows[k], e_date[k]
    e_claim = np.asarray(ed.claim_id, dtype=np.int64)[k]
    e_group = condition_group_of(_text(ed.principal_dx)[k], p)
    k = np.flatnonzero((e_group >= 0) & (e_date >= frame.start[e_rows]) & (e_date <= frame.end[e_rows]))
    e_rows, e_date, e_claim, e_group = e_rows[k], e_date[k], e_claim[k], e_group[k]
    stays = np.flatnonzero(ip.new_stay)
    if stays.size and e_rows.size:
        low, span = _frame_of(ip.admit[stays], e_date)
        pos = np.searchsorted(_pack(row[stays], ip.admit[stays], low, span), _pack(e_rows, e_date, low, span), "right")
        st = stays[np.maximum(pos - 1, 0)]
        inside = (pos > 0) & (row[st] == e_rows) & (ip.stay_end[st] >= e_date)
        k = np.flatnonzero(~inside)
        e_rows, e_date, e_claim, e_group = e_rows[k], e_date[k], e_claim[k], e_group[k]

    ev_row = np.concatenate([row[d], e_rows])
    ev_date = np.concatenate([ip.disch[d], e_date])
    ev_src = np.concatenate([np.zeros(d.size, np.int64), np.full(e_rows.size, 2, np.int64)])
    ev_claim = np.concatenate([ip.claim[d], e_claim])
    ev_group = np.concatenate([ip.group[d], e_group])
    order = np.lexsort((ev_claim, ev_src, ev_date, ev_row))
    ev_row, ev_date, ev_src, ev_claim, ev_group = (a[order] for a in (ev_row, ev_date, ev_src, ev_claim, ev_group))
    window = np.where(ev_group == hf, p.tfu_window_days_heart_failure, p.tfu_window_days_other).astype(np.int64)
    from_day = ev_date + p.tfu_window_first_day
    due = ev_date + window

    # Follow-ups: only beneficiaries with an event and dates that can meet an event matter.
    met = np.zeros(ev_row.size, dtype=bool)
    fu_day_of = np.full(ev_row.size, _NAT, dtype=np.int64)
    if ev_row.size:
        f_day = _days(fu.date)
        lo_day, hi_day = int(from_day.min()), int(due.max())
        k = np.flatnonzero((f_day >= lo_day) & (f_day <= hi_day))
        f_rows = frame.locate(fu.mbi, k)
        has_event = np.zeros(frame.n, dtype=bool)
        has_event[ev_row] = True
        keep = f_rows >= 0
        keep[keep] = has_event[f_rows[keep]]
        span = hi_day - lo_day + 1
        f_keys = np.sort(_pack(f_rows[keep], f_day[k][keep], lo_day, span))
        pos = np.searchsorted(f_keys, _pack(ev_row, from_day, lo_day, span))
        hit = np.minimum(pos, max(f_keys.size - 1, 0))
        if f_keys.size:
            found = f_keys[hit]
            met = (pos < f_keys.size) & (found // span == ev_row) & (found % span + lo_day <= due)
            fu_day_of = np.where(met, found % span + lo_day, _NAT)

    died = (frame.death[ev_row] != _NAT) & (frame.death[ev_row] <= due) & ~met
    closed = np.ones(ev_row.size, dtype=bool) if frame.as_of is None else due <= frame.as_of
    scored = met | (closed & ~died)
    source = np.array(_SOURCES)[ev_src]

    sc = np.flatnonzero(scored)
    members.add(
        MEASURE_TFU,
        ROLE_DENOMINATOR,
        ev_row[sc],
        source=source[sc],
        claim=ev_claim[sc],
        date=ev_date[sc],
        value=window[sc],
    )
    m = np.flatnonzero(met)
    members.add(
        MEASURE_TFU,
        ROLE_NUMERATOR,
        ev_row[m],
        source=SOURCE_PQEM,
        related=ev_claim[m],
        date=fu_day_of[m],
        value=fu_day_of[m] - ev_date[m],
    )
    u = np.flatnonzero(~scored)
    members.add(
        MEASURE_TFU, ROLE_EVENT, ev_row[u], source=source[u], claim=ev_claim[u], date=ev_date[u], value=window[u]
    )
    for gap_type, which in ((GAP_TFU_OPEN, ~met & ~closed & ~died), (GAP_TFU_MISSED, ~met & closed & ~died)):
        g = np.flatnonzero(which)
        gaps.add(MEASURE_TFU, gap_type, ev_row[g], claim=ev_claim[g], date=ev_date[g], value=due[g])
    return _per_aco(frame, ev_row[m]), _per_aco(frame, ev_row[sc])


# ---------------------------------------------------------------------------------------------------
# The measures
# ---------------------------------------------------------------------------------------------------
def compute_measures(
    py: int,
    inputs: QualityInputs,
    params: QualityParameters | None = None,
    *,
    as_of: dt.date | None = None,
) -> QualityResult:
    """ACR, UAMCC, DAH and TFU for every ACO of the population, with membership rows and care gaps.

    `as_of` is the last day the claims and follow-ups cover (None: the year is complete): see the
    module docstring for what it changes."""
    params = params or QualityParameters()
    _check_groups(params.chronic_condition_groups)
    if params.heart_failure_group not in [name for name, _ in params.chronic_condition_groups]:
        raise ValueError(f"no condition group named {params.heart_failure_group!r}")
    lo, hi = params.readmission_window_days
    if not 0 <= lo <= hi:
        raise ValueError("the readmission window must be 0 ≤ first day ≤ last day")
    if params.tfu_window_first_day < 0:
        raise ValueError("the follow-up window cannot start before the event")

    frame = _frame(py, inputs, params, as_of)
    members, gaps = _Rows(), _Rows()
    ip = _inpatient(frame, inputs.inpatient)
    acr = _acr(frame, ip, members, gaps)
    u_num, u_den, u_py, in_uamcc = _uamcc(frame, ip, members)
    d_num, d_den, facility, in_dah = _dah(frame, ip, inputs.snf, inputs.ed, members)
    t_num, t_den = _tfu(frame, ip, inputs.ed, inputs.followups, members, gaps)

    portal = acr.portal_rate
    results: list[MeasureResult] = []
    for a, aco_id in enumerate(frame.aco_ids):  # a loop over ACOs
        n_index, n_re, expected = int(acr.index_per_aco[a]), int(acr.readmit_per_aco[a]), float(acr.expected_per_aco[a])
        observed = n_re / n_index * 100.0 if n_index else math.nan
        if not n_index:
            rsr = math.nan
        elif expected > 0:
            rsr = n_re / expected * portal * 100.0
        else:  # no stratum of the ACO saw a readmission anywhere: observed is 0 too
            rsr = 0.0
        results.append(
            MeasureResult(
                aco_id=aco_id,
                measure=MEASURE_ACR,
                numerator=n_re,
                denominator=n_index,
                rate=observed,
                expected=expected,
                expected_rate=expected / n_index * 100.0 if n_index else math.nan,
                risk_standardized_rate=rsr,
            )
        )
        person_years = float(u_py[a])
        results.append(
            MeasureResult(
                aco_id=aco_id,
                measure=MEASURE_UAMCC,
                numerator=int(u_num[a]),
                denominator=int(u_den[a]),
                rate=float(u_num[a]) / person_years * params.uamcc_per_person_years if person_years > 0 else math.nan,
                person_years=person_years,
            )
        )
        results.append(
            MeasureResult(
                aco_id=aco_id,
                measure=MEASURE_DAH,
                numerator=int(d_num[a]),
                denominator=int(d_den[a]),
                rate=float(d_num[a]) / float(d_den[a]) if d_den[a] else math.nan,
            )
        )
        results.append(
            MeasureResult(
                aco_id=aco_id,
                measure=MEASURE_TFU,
                numerator=int(t_num[a]),
                denominator=int(t_den[a]),
                rate=float(t_num[a]) / float(t_den[a]) * 100.0 if t_den[a] else math.nan,
            )
        )

    beneficiaries = BeneficiaryMeasures(
        mbi=frame.mbi,
        aco_id=frame.aco_text,
        condition_bits=frame.condition_bits,
        condition_count=frame.condition_count,
        mcc=frame.mcc,
        age_jan1=frame.age_jan1,
        dual=frame.dual,
        period_start=_as_dates(np.where(frame.active, frame.start, _NAT)),
        period_end=_as_dates(np.where(frame.active, frame.end, _NAT)),
        days_alive_aligned=frame.days,
        months=frame.months,
        facility_days=facility,
        in_uamcc=in_uamcc,
        in_dah=in_dah,
        group_names=tuple(name for name, _ in params.chronic_condition_groups),
    )
    return QualityResult(
        performance_year=py,
        as_of=as_of,
        period_end=_as_dates(np.array([frame.period_end]))[0].item(),
        results=tuple(results),
        portal_acr_rate=portal * 100.0 if not math.isnan(portal) else math.nan,
        acr_strata=acr.strata,
        beneficiaries=beneficiaries,
        members=_members(frame, members),
        gaps=_gaps(frame, gaps),
    )


# ---------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------
def _check_deciles(deciles: Sequence[float]) -> Array:
    cuts = np.asarray([float(x) for x in deciles], dtype=np.float64)
    if cuts.size == 0 or not np.isfinite(cuts).all() or (np.diff(cuts) < 0).any():
        raise ValueError("a decile table is one or more finite cut points in ascending order")
    return cuts


def decile_band(rate: float, deciles: Sequence[float], *, higher_is_better: bool) -> int | None:
    """The band (1 = worst … len(deciles) + 1 = best) a rate falls in; reaching a cut point earns the
    better side. None for an undefined rate (NaN)."""
    cuts = _check_deciles(deciles)
    if rate is None or math.isnan(rate):
        return None
    if higher_is_better:
        return 1 + int(np.count_nonzero(cuts <= rate))
    return 1 + int(np.count_nonzero(cuts >= rate))


def score_measure(rate: float, deciles: Sequence[float], *, higher_is_better: bool) -> float:
    """Points for a rate: band k of m + 1 earns 100·k/(m + 1) (9 cut points: decile k earns k × 10).
    NaN (not scored) for an undefined rate."""
    band = decile_band(rate, deciles, higher_is_better=higher_is_better)
    if band is None:
        return math.nan
    return 100.0 * band / (len(deciles) + 1)


def total_quality_score(points: Iterable[float | None]) -> float:
    """Mean points of the scored measures (None / NaN = not scored), 0–100; 0 when nothing is scored."""
    scored = [float(x) for x in points if x is not None and not math.isnan(float(x))]
    if not scored:
        return 0.0
    return min(max(sum(scored) / len(scored), 0.0), 100.0)


def withhold_earned(withhold_dollars: Decimal | int | float | str, tqs: float) -> Decimal:
    """The part of the quality withhold earned back: withhold × TQS/100, rounded half up to cents."""
    score = 0.0 if tqs is None or math.isnan(tqs) else min(max(float(tqs), 0.0), 100.0)
    amount = Decimal(str(withhold_dollars)) * Decimal(repr(score)) / Decimal(100)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def aco_points(results: Iterable[MeasureResult], deciles: Mapping[str, Sequence[float]]) -> dict[str, dict[str, float]]:
    """Points per ACO per claims measure that has a decile table (NaN when the ACO is not scored on it).
    ACR is scored on its risk-standardized rate."""
    out: dict[str, dict[str, float]] = {}
    for r in results:
        if r.measure not in deciles:
            continue
        out.setdefault(r.aco_id, {})[r.measure] = score_measure(
            r.score_rate, deciles[r.measure], higher_is_better=HIGHER_IS_BETTER[r.measure]
        )
    return out
