"""GLP-1 access (docs/balance.md): who may qualify for the Medicare GLP-1 Bridge, who is treated, how well
they keep to therapy and what it costs, for every aligned beneficiary at once over numpy columns. No ORM,
no I/O.

The rules (DOMAIN §9, Portal rule; thresholds and windows are ``Parameters``):

- **Date of interest** ``as_of``: eligibility is judged on it; a treated beneficiary's BMI and
  comorbidities are those on their therapy start instead ("BMI is the one at the start of therapy").
- **BMI**: the latest adult Z68 code (Z68.1–Z68.45) on or before the date, within the lookback; its
  value is the code's lower bound (Z68.1 → 19, Z68.20–Z68.39 → 20–39, Z68.41 → 40, Z68.42 → 45,
  Z68.43 → 50, Z68.44 → 60, Z68.45 → 70) and its class one of under 27, 27–29.9, 30–34.9, 35–39.9, ≥ 40.
  Two codes on the latest day: the one of the later claim (then the higher code) counts.
- **Comorbidities**: a code of the condition on a claim within the lookback before the date (the latest
  such claim is the evidence): HFpEF I50.3x, hypertension I10–I16, CKD stage 3a or worse N18.31, N18.32,
  N18.4, N18.5, N18.6, prediabetes R73.03, prior MI I21, I22, I25.2, stroke I63, Z86.73, PAD I70.2x, I73.9.
- **Criteria**: BMI ≥ 35 alone; BMI ≥ 30 with HFpEF or CKD 3a+ (or hypertension, which claims cannot
  show to be "uncontrolled": to confirm); BMI ≥ 27 with prediabetes, prior MI or prior stroke (or PAD,
  which claims cannot show to be "symptomatic": to confirm). Age ≥ 18 on the date. Part D enrolment is
  seen from any Part D fill within its lookback; without one, Part D enrolment is to confirm.
- **Status**, first that applies: *treated* (a fill of a Bridge-covered product within the Bridge's dates,
  on or before the date); *on a GLP-1 under Part D* (a fill of a diabetes GLP-1, or of a Bridge product
  before the Bridge began, within the Part D lookback: another indication, so not a Bridge patient);
  *not eligible* (died on or before the date, under the minimum age, no BMI, or no criterion met, with
  why); *likely eligible* (a criterion met on claims alone and Part D seen); *needs clinical
  confirmation* (what to confirm is listed).
- **Adherence** over the Bridge fills from therapy start (the first) through the measurement end
  (``through``): a fill that starts while the previous supply lasts starts when it ends (supply carried
  forward); the proportion of days covered (PDC) is covered days ÷ days in the window, overall and for
  the first 90 and 180 days once they have elapsed. A gap is a stretch without supply longer than
  ``gap_days`` before the next fill or the end; the first such stretch's first day is the
  discontinuation. Switching: fills of more than one Bridge product.
- **Cost**: each fill is max(1, round(days' supply ÷ 30)) months at the Bridge's net price, against the
  Bridge's copay for the same months.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .parameters import REASON_LABELS as REASON_LABELS  # the pages group reasons by these words
from .parameters import Parameters

Array = npt.NDArray[Any]

LIKELY, CONFIRM, NOT_ELIGIBLE, TREATED, PART_D = "likely", "confirm", "not_eligible", "treated", "part_d"

# Conditions: key → (words, ICD-10 prefixes without dots). A code belongs to the first condition one of
# whose prefixes it starts with; prefixes of exact codes are the codes themselves.
CONDITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hfpef": ("heart failure with preserved ejection fraction (HFpEF)", ("I503",)),
    "hypertension": ("hypertension", ("I10", "I11", "I12", "I13", "I15", "I16")),
    "ckd": ("chronic kidney disease stage 3a or worse", ("N1831", "N1832", "N184", "N185", "N186")),
    "prediabetes": ("prediabetes", ("R7303",)),
    "prior_mi": ("prior myocardial infarction", ("I21", "I22", "I252")),
    "stroke": ("prior stroke", ("I63", "Z8673")),
    "pad": ("peripheral artery disease", ("I702", "I739")),
}
# The criteria's comorbidities: the BMI ≥ 30 group and the BMI ≥ 27 group; a claim shows the first kind,
# a clinician must confirm the second (claims cannot show "uncontrolled" or "symptomatic").
MAJOR_SHOWN, MAJOR_TO_CONFIRM = ("hfpef", "ckd"), ("hypertension",)
OTHER_SHOWN, OTHER_TO_CONFIRM = ("prediabetes", "prior_mi", "stroke"), ("pad",)
TO_CONFIRM_WORDS = {"hypertension": "that the hypertension is uncontrolled", "pad": "that the PAD is symptomatic"}
CONDITION_PREFIXES: tuple[str, ...] = tuple(p for _, prefixes in CONDITIONS.values() for p in prefixes)
BMI_PREFIX = "Z68"

BMI_CLASSES = (0, 27, 30, 35, 40)
BMI_CLASS_WORDS = {0: "under 27", 27: "27–29.9", 30: "30–34.9", 35: "35–39.9", 40: "40 or more"}
# Z68.4x: lower bounds of the bands over 40 (Z68.41 40.0–44.9 … Z68.45 70 or more).
_BMI_OVER_40 = {"Z6841": 40, "Z6842": 45, "Z6843": 50, "Z6844": 60, "Z6845": 70}

MONTH_DAYS = 30


def clean_code(code: str) -> str:
    """An ICD-10 code as the rules compare it: upper case, no dot, no blanks."""
    return code.replace(".", "").replace(" ", "").upper()


def dotted(code: str) -> str:
    """An ICD-10 code as people read it: Z6836 → Z68.36."""
    code = clean_code(code)
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code


def bmi_value(code: str) -> int | None:
    """The BMI lower bound of an adult Z68 code (None for any other code, the pediatric Z68.5x included)."""
    code = clean_code(code)
    if code == "Z681":
        return 19
    if code in _BMI_OVER_40:
        return _BMI_OVER_40[code]
    if len(code) == 5 and code.startswith("Z68") and code[3:].isdigit() and 20 <= int(code[3:]) <= 39:
        return int(code[3:])
    return None


def bmi_class(value: int) -> int:
    """The class (its lower bound) of a BMI value: 0 (under 27), 27, 30, 35 or 40."""
    for lower in reversed(BMI_CLASSES):
        if value >= lower:
            return lower
    return BMI_CLASSES[0]


def condition_of(code: str) -> str:
    """The condition a code shows ('' for none)."""
    code = clean_code(code)
    for key, (_, prefixes) in CONDITIONS.items():
        if code.startswith(prefixes):
            return key
    return ""


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the last day of a shorter month when the day does not exist)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def lookback_start(day: dt.date, months: int) -> dt.date:
    """The first day of the ``months`` months up to and including ``day`` (2027-06-30, 24 → 2025-07-01)."""
    return add_months(day, -months) + dt.timedelta(days=1)


@functools.lru_cache(maxsize=4096)
def day_text(day: dt.date) -> str:
    """A date as the portal's pages write it (``lead_portal.formatting.when``): 21 Dec 2027."""
    return f"{day.day} {day:%b %Y}"


def months_of_supply(days_supply: int) -> int:
    """The months a fill pays for: max(1, days ÷ 30 rounded half up) (28 days → 1, 84 → 3, 90 → 3)."""
    return max(1, math.floor(days_supply / MONTH_DAYS + 0.5))


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class People:
    """The aligned beneficiaries, one row each: ``mbi`` (str), ``birth_date``/``death_date``
    (datetime64[D], NaT when unknown)."""

    mbi: Array
    birth_date: Array
    death_date: Array


@dataclass(frozen=True)
class Diagnoses:
    """Diagnosis evidence, one row per (MBI, code, service date) at least: ``code`` without dots,
    ``service_date`` datetime64[D], ``claim_id``, ``source`` (CCLF file number 4 or 5)."""

    mbi: Array
    code: Array
    service_date: Array
    claim_id: Array
    source: Array


@dataclass(frozen=True)
class Fills:
    """GLP-1 fills (current CCLF7 rows of a product of the reference table): ``ndc``, ``fill_date``
    (datetime64[D]), ``days_supply``, ``claim_id``, ``patient_paid_cents``."""

    mbi: Array
    ndc: Array
    fill_date: Array
    days_supply: Array
    claim_id: Array
    patient_paid_cents: Array


@dataclass(frozen=True)
class ProductInfo:
    product: str
    use: str
    bridge_covered: bool


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------
@dataclass
class Evidence:
    code: str
    date: dt.date
    claim_id: int
    source: int


@dataclass
class Therapy:
    start: dt.date
    product: str
    products: list[str]
    switched: bool
    fills: int
    days_supply: int
    last_fill: dt.date
    covered_through: dt.date
    pdc: float | None
    pdc_90: float | None
    pdc_180: float | None
    gaps: int
    discontinued_on: dt.date | None
    months_supplied: int
    drug_cost_cents: int
    copay_cents: int
    patient_paid_cents: int


@dataclass
class Result:
    """One beneficiary's GLP-1 status with its evidence."""

    mbi: str
    status: str
    criterion: str = ""
    reasons: list[str] = field(default_factory=list)
    reason_keys: list[str] = field(default_factory=list)
    age: int | None = None
    part_d_last_fill: dt.date | None = None
    bmi: Evidence | None = None
    bmi_class: int | None = None
    comorbidities: dict[str, Evidence] = field(default_factory=dict)
    therapy: Therapy | None = None

    def comorbidity_rows(self) -> list[dict[str, Any]]:
        """The comorbidities as JSON rows (``Glp1Beneficiary.comorbidities``), in the rules' order."""
        return [
            {
                "condition": key,
                "label": CONDITIONS[key][0],
                "code": ev.code,
                "date": ev.date.isoformat(),
                "claim_id": ev.claim_id,
                "source": ev.source,
            }
            for key in CONDITIONS
            if (ev := self.comorbidities.get(key)) is not None
        ]


# --------------------------------------------------------------------------------------------------
# Adherence
# --------------------------------------------------------------------------------------------------
def _covered(starts: list[int], supplies: list[int], first: int, last: int) -> int:
    """Days of [first, last] (day numbers, inclusive) covered by fills starting at ``starts`` (already
    carried forward) for ``supplies`` days each."""
    covered = 0
    for s, n in zip(starts, supplies, strict=True):
        lo, hi = max(s, first), min(s + n - 1, last)
        if hi >= lo:
            covered += hi - lo + 1
    return covered


def therapy_of(fills: list[tuple[dt.date, int, str, int]], *, through: dt.date, parameters: Parameters) -> Therapy:
    """Therapy of one beneficiary from their Bridge fills ``(date, days' supply, product, patient paid
    cents)``, measured through ``through`` (fills after it are not read)."""
    fills = sorted((f for f in fills if f[0] <= through), key=lambda f: (f[0], f[2]))
    if not fills:
        raise ValueError("no Bridge fill on or before the measurement end")
    first = fills[0][0].toordinal()
    end = through.toordinal()
    starts: list[int] = []
    supplies: list[int] = []
    gaps = 0
    discontinued: int | None = None
    supplied_until = first  # the first day without supply so far
    for day, supply, _, _ in fills:
        d = day.toordinal()
        if d - supplied_until > parameters.gap_days:
            gaps += 1
            discontinued = supplied_until if discontinued is None else discontinued
        start = max(d, supplied_until)
        starts.append(start)
        supplies.append(max(int(supply), 1))
        supplied_until = start + max(int(supply), 1)
    if end + 1 - supplied_until > parameters.gap_days:
        gaps += 1
        discontinued = supplied_until if discontinued is None else discontinued

    def pdc(days: int | None) -> float | None:
        last = end if days is None else first + days - 1
        if last > end or last < first:
            return None
        return _covered(starts, supplies, first, last) / (last - first + 1)

    products = list(dict.fromkeys(f[2] for f in fills))
    months = sum(months_of_supply(int(f[1])) for f in fills)
    return Therapy(
        start=fills[0][0],
        product=fills[0][2],
        products=products,
        switched=len(products) > 1,
        fills=len(fills),
        days_supply=sum(int(f[1]) for f in fills),
        last_fill=fills[-1][0],
        covered_through=dt.date.fromordinal(supplied_until - 1),
        pdc=pdc(None),
        pdc_90=pdc(90),
        pdc_180=pdc(180),
        gaps=gaps,
        discontinued_on=dt.date.fromordinal(discontinued) if discontinued is not None else None,
        months_supplied=months,
        drug_cost_cents=months * parameters.net_price_monthly_cents,
        copay_cents=months * parameters.copay_monthly_cents,
        patient_paid_cents=sum(int(f[3]) for f in fills),
    )


# --------------------------------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------------------------------
def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def dates(values: Array) -> list[dt.date | None]:
    """datetime64[D] values as dates (None for NaT), converted at once."""
    out: list[dt.date | None] = np.asarray(values, dtype="datetime64[D]").astype(object).tolist()
    return out


@dataclass(frozen=True)
class FillsRead:
    """The fills of ``Fills`` sorted into what the rules use: each beneficiary's Bridge fills (date, days'
    supply, product, patient paid cents) and who filled a GLP-1 under Part D within the lookback."""

    bridge: dict[str, list[tuple[dt.date, int, str, int]]]
    part_d: set[str]

    def therapy_starts(self) -> dict[str, dt.date]:
        """Each treated beneficiary's therapy start (their first Bridge fill)."""
        return {mbi: min(f[0] for f in rows) for mbi, rows in self.bridge.items()}


def read_fills(
    fills: Fills, products: Mapping[str, ProductInfo], *, as_of: dt.date, parameters: Parameters
) -> FillsRead:
    """Bridge fills (a Bridge product within the Bridge's dates, on or before ``as_of``) and the GLP-1 fills
    under Part D (a diabetes GLP-1, or a Bridge product before the Bridge began, within the Part D lookback)."""
    p = parameters
    bridge: dict[str, list[tuple[dt.date, int, str, int]]] = {}
    part_d: set[str] = set()
    part_d_from = lookback_start(as_of, p.part_d_lookback_months)
    rows = zip(
        np.asarray(fills.mbi).tolist(),
        np.asarray(fills.ndc).tolist(),
        dates(fills.fill_date),
        np.asarray(fills.days_supply).tolist(),
        np.asarray(fills.patient_paid_cents).tolist(),
        strict=True,
    )
    for mbi, ndc, day, supply, paid in rows:
        info = products.get(ndc)
        if info is None or day is None or day > as_of:
            continue
        if info.bridge_covered and p.bridge_start <= day <= p.bridge_end:
            bridge.setdefault(mbi, []).append((day, int(supply), info.product, int(paid)))
        elif day >= part_d_from and (info.use == "diabetes" or info.bridge_covered):
            part_d.add(mbi)
    return FillsRead(bridge=bridge, part_d=part_d)


def evidence_windows(
    mbis: Array, *, starts: Mapping[str, dt.date], as_of: dt.date, parameters: Parameters
) -> tuple[list[dt.date], list[dt.date]]:
    """The days each beneficiary's BMI and comorbidities are read between: from the lookback before the day
    they are judged on (therapy start once treated, else ``as_of``) to that day."""
    last = [starts.get(m, as_of) for m in np.asarray(mbis).tolist()]
    months = parameters.comorbidity_lookback_months
    first_of = {day: lookback_start(day, months) for day in set(last)}
    return [first_of[day] for day in last], last


def _latest(groups: Array, *order: Array) -> Array:
    """Row numbers of the last row of each group after sorting by ``groups`` then ``order`` (first key most
    significant), as np.lexsort sorts."""
    if groups.size == 0:
        return np.zeros(0, dtype=np.int64)
    rows = np.lexsort((*reversed(order), groups))
    g = groups[rows]
    last = np.flatnonzero(np.append(g[1:] != g[:-1], True))
    picked: Array = rows[last]
    return picked


def evaluate(
    *,
    people: People,
    diagnoses: Diagnoses,
    part_d_last_fill: Mapping[str, dt.date],
    fills: Fills,
    products: Mapping[str, ProductInfo],
    as_of: dt.date,
    through: dt.date,
    parameters: Parameters,
) -> list[Result]:
    """Every beneficiary's status, evidence and therapy (one ``Result`` per row of ``people``, in order).
    ``part_d_last_fill``: each MBI's latest Part D fill of any drug on or before ``as_of`` (the ones
    missing have none); ``through``: the day therapy is measured to (``as_of`` or the Part D claims'
    run-through when earlier). Evidence rows outside a beneficiary's window (``evidence_windows``) are not
    read; among the rest the latest wins (then the later claim, then the higher code)."""
    p = parameters
    mbis = np.asarray(people.mbi).astype(str)
    n = mbis.size
    read = read_fills(fills, products, as_of=as_of, parameters=p)
    therapy = {
        mbi: therapy_of(rows, through=max(through, max(r[0] for r in rows)), parameters=p)
        for mbi, rows in read.bridge.items()
    }
    starts = {mbi: t.start for mbi, t in therapy.items()}
    first, last = evidence_windows(mbis, starts=starts, as_of=as_of, parameters=p)

    # Each diagnosis row's beneficiary, kind and whether it lies in the beneficiary's window.
    order = np.argsort(mbis, kind="stable")
    dx_mbi = np.asarray(diagnoses.mbi).astype(str)
    at = np.searchsorted(mbis[order], dx_mbi)
    at = np.minimum(at, max(n - 1, 0))
    known = (mbis[order][at] == dx_mbi) if n else np.zeros(dx_mbi.size, dtype=bool)
    person = np.where(known, order[at] if n else 0, -1)
    raw, raw_index = np.unique(np.asarray(diagnoses.code).astype("U7"), return_inverse=True)
    codes = np.array([clean_code(c) for c in raw.tolist()], dtype="U7")[raw_index.reshape(-1)]
    uniques, code_index = np.unique(codes, return_inverse=True)
    keys = list(CONDITIONS)
    bmi_of = np.array([bmi_value(c) if bmi_value(c) is not None else -1 for c in uniques.tolist()], dtype=np.int64)
    cond_of = np.array([keys.index(k) if (k := condition_of(c)) else -1 for c in uniques.tolist()], dtype=np.int64)
    days = np.asarray(diagnoses.service_date, dtype="datetime64[D]")
    first64 = np.array(first, dtype="datetime64[D]")
    last64 = np.array(last, dtype="datetime64[D]")
    p_safe = np.maximum(person, 0)
    inside = known & (days >= first64[p_safe]) & (days <= last64[p_safe]) if n else known
    claims = np.asarray(diagnoses.claim_id, dtype=np.int64)
    sources = np.asarray(diagnoses.source).astype(np.int64)

    def evidence(rows: Array) -> list[Evidence]:
        return [
            Evidence(code=c, date=d or dt.date.min, claim_id=int(k), source=int(s))
            for c, d, k, s in zip(
                codes[rows].tolist(), dates(days[rows]), claims[rows].tolist(), sources[rows].tolist(), strict=True
            )
        ]

    bmi_rows = np.flatnonzero(inside & (bmi_of[code_index] >= 0))
    bmi_pick = bmi_rows[_latest(person[bmi_rows], days[bmi_rows], claims[bmi_rows], code_index[bmi_rows])]
    bmi_by_person = dict(zip(person[bmi_pick].tolist(), evidence(bmi_pick), strict=True))
    cond_rows = np.flatnonzero(inside & (cond_of[code_index] >= 0))
    group = person[cond_rows] * len(keys) + cond_of[code_index[cond_rows]]
    cond_pick = cond_rows[_latest(group, days[cond_rows], claims[cond_rows], code_index[cond_rows])]
    comorbid: dict[int, dict[str, Evidence]] = {}
    for who, kind, ev in zip(
        person[cond_pick].tolist(), cond_of[code_index[cond_pick]].tolist(), evidence(cond_pick), strict=True
    ):
        comorbid.setdefault(who, {})[keys[kind]] = ev

    births, deaths = dates(people.birth_date), dates(people.death_date)
    results: list[Result] = []
    for i, mbi in enumerate(mbis.tolist()):
        on = last[i]
        result = Result(mbi=mbi, status=NOT_ELIGIBLE, part_d_last_fill=part_d_last_fill.get(mbi))
        birth = births[i]
        result.age = _age(birth, on) if birth is not None else None
        result.bmi = bmi_by_person.get(i)
        result.comorbidities = {k: comorbid[i][k] for k in keys if k in comorbid.get(i, {})}
        value = bmi_value(result.bmi.code) if result.bmi is not None else None
        if value is not None:
            result.bmi_class = bmi_class(value)
        _judge(result, bmi=value, on=on, parameters=p)
        died = deaths[i]
        if mbi in therapy:
            result.therapy = therapy[mbi]
            result.status = TREATED
            # Judged on therapy start; the age shown is the one on the date of interest, as for everyone.
            result.age = _age(birth, as_of) if birth is not None else None
        elif died is not None and died <= as_of:
            result.status, result.criterion = NOT_ELIGIBLE, ""
            result.reasons, result.reason_keys = [f"Died on {day_text(died)}."], ["died"]
        elif mbi in read.part_d:
            result.status, result.criterion, result.reason_keys = PART_D, "", ["part_d_glp1"]
            result.reasons = [
                "Filled a GLP-1 under Part D for another indication (type 2 diabetes, sleep apnea or MASH) "
                f"in the {p.part_d_lookback_months} months up to {day_text(as_of)}: stays in Part D, "
                "not a Bridge patient."
            ]
        results.append(result)
    return results


def _judge(result: Result, *, bmi: int | None, on: dt.date, parameters: Parameters) -> None:
    """Status, criterion and reasons from age, BMI, comorbidities and Part D (before the treated, died and
    Part D overrides of ``evaluate``)."""
    p = parameters
    when = day_text(on)
    if result.age is not None and result.age < p.minimum_age:
        result.status = NOT_ELIGIBLE
        result.reasons = [f"Age {result.age} on {when}; the Bridge requires {p.minimum_age} or older."]
        result.reason_keys = ["age"]
        return
    if result.bmi is None or bmi is None:
        result.status = NOT_ELIGIBLE
        result.reasons = [f"No BMI code (Z68) on claims in the {p.comorbidity_lookback_months} months up to {when}."]
        result.reason_keys = ["no_bmi"]
        return
    shown_bmi = f"BMI {BMI_CLASS_WORDS[bmi_class(bmi)]} ({dotted(result.bmi.code)} on {day_text(result.bmi.date)})"
    has = result.comorbidities

    def words(key: str) -> str:
        ev = has[key]
        return f"{CONDITIONS[key][0]} ({dotted(ev.code)} on {day_text(ev.date)})"

    shown: list[str] = []
    to_confirm: list[str] = []
    confirm_keys: list[str] = []
    if bmi >= p.bmi_alone:
        shown.append(f"{shown_bmi}: BMI {p.bmi_alone} or more")
    if bmi >= p.bmi_with_major:
        shown += [f"{shown_bmi} with {words(k)}" for k in MAJOR_SHOWN if k in has]
        to_confirm += [f"{words(k)}: confirm {TO_CONFIRM_WORDS[k]}" for k in MAJOR_TO_CONFIRM if k in has]
        confirm_keys += [f"confirm_{k}" for k in MAJOR_TO_CONFIRM if k in has]
    if bmi >= p.bmi_with_other:
        shown += [f"{shown_bmi} with {words(k)}" for k in OTHER_SHOWN if k in has]
        to_confirm += [f"{words(k)}: confirm {TO_CONFIRM_WORDS[k]}" for k in OTHER_TO_CONFIRM if k in has]
        confirm_keys += [f"confirm_{k}" for k in OTHER_TO_CONFIRM if k in has]
    part_d = result.part_d_last_fill is not None and result.part_d_last_fill >= lookback_start(
        on, p.part_d_lookback_months
    )
    part_d_missing = (
        f"Part D enrolment: no Part D fill on claims in the {p.part_d_lookback_months} months up to {when}; "
        "confirm the beneficiary is enrolled in a Part D plan."
    )
    if shown:
        result.criterion = shown[0]
        result.status = LIKELY if part_d else CONFIRM
        result.reasons = [] if part_d else [part_d_missing]
        result.reason_keys = [] if part_d else ["confirm_part_d"]
        return
    if to_confirm:
        result.criterion = ""
        result.status = CONFIRM
        result.reasons = [f"{shown_bmi}; {c}." for c in to_confirm] + ([] if part_d else [part_d_missing])
        result.reason_keys = confirm_keys + ([] if part_d else ["confirm_part_d"])
        return
    result.status = NOT_ELIGIBLE
    if bmi < p.bmi_with_other:
        result.reasons = [f"{shown_bmi}: the criteria start at BMI {p.bmi_with_other}."]
        result.reason_keys = ["bmi_low"]
    elif bmi < p.bmi_with_major:
        result.reasons = [f"{shown_bmi} without prediabetes, prior MI, prior stroke or PAD on claims."]
        result.reason_keys = ["bmi_27_alone"]
    else:
        result.reasons = [
            f"{shown_bmi} without HFpEF, hypertension, CKD stage 3a or worse, prediabetes, prior MI, prior "
            "stroke or PAD on claims."
        ]
        result.reason_keys = ["bmi_30_alone"]
