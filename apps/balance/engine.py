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
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

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
    return max(c for c in BMI_CLASSES if value >= c)


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


def _day(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, np.datetime64) and np.isnat(value)):
        return None
    return dt.date.fromisoformat(str(np.datetime64(value, "D")))


def _evidence_index(dx: Diagnoses, people: Mapping[str, int]) -> tuple[Array, Array, Array]:
    """Row order and group bounds of ``dx`` by beneficiary (rows of people not in ``people`` dropped):
    (order, person index per ordered row, start of each person's rows)."""
    person = np.array([people.get(str(m), -1) for m in dx.mbi], dtype=np.int64)
    keep = np.flatnonzero(person >= 0)
    order = keep[np.lexsort((dx.claim_id[keep], dx.service_date[keep], person[keep]))]
    return order, person[order], np.searchsorted(person[order], np.arange(len(people) + 1))


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
    run-through when earlier)."""
    p = parameters
    index = {str(m): i for i, m in enumerate(people.mbi)}
    n = len(index)

    # Fills: Bridge fills per beneficiary, and who is on a GLP-1 under Part D.
    bridge: dict[int, list[tuple[dt.date, int, str, int]]] = {}
    part_d_glp1: set[int] = set()
    part_d_from = add_months(as_of, -p.part_d_lookback_months)
    for i in range(len(fills.mbi)):
        who = index.get(str(fills.mbi[i]))
        info = products.get(str(fills.ndc[i]))
        day = _day(fills.fill_date[i])
        if who is None or info is None or day is None or day > as_of:
            continue
        if info.bridge_covered and p.bridge_start <= day <= p.bridge_end:
            bridge.setdefault(who, []).append(
                (day, int(fills.days_supply[i]), info.product, int(fills.patient_paid_cents[i]))
            )
        elif day >= part_d_from and (info.use == "diabetes" or info.bridge_covered):
            part_d_glp1.add(who)
    therapy = {
        who: therapy_of(rows, through=max(through, max(r[0] for r in rows)), parameters=p)
        for who, rows in bridge.items()
    }

    # The date each beneficiary's evidence is read on: therapy start once treated, else the date of interest.
    cut = [therapy[i].start if i in therapy else as_of for i in range(n)]
    order, person, bounds = _evidence_index(diagnoses, index)
    codes = diagnoses.code[order]
    days = diagnoses.service_date[order]
    claims = diagnoses.claim_id[order]
    sources = diagnoses.source[order]
    code_condition = {c: condition_of(c) for c in np.unique(codes).tolist()}
    code_bmi = {c: bmi_value(c) for c in code_condition}

    results: list[Result] = []
    for i in range(n):
        mbi = str(people.mbi[i])
        on = cut[i]
        window_from = np.datetime64(add_months(on, -p.comorbidity_lookback_months), "D")
        on64 = np.datetime64(on, "D")
        result = Result(mbi=mbi, status=NOT_ELIGIBLE, part_d_last_fill=part_d_last_fill.get(mbi))
        birth = _day(people.birth_date[i])
        result.age = _age(birth, on) if birth is not None else None
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        for r in range(lo, hi):  # ordered by date, then claim: later rows win
            day64 = days[r]
            if day64 > on64 or day64 < window_from:
                continue
            code = str(codes[r])
            ev = Evidence(code=code, date=_day(day64) or on, claim_id=int(claims[r]), source=int(sources[r]))
            value = code_bmi[code]
            if value is not None:
                if result.bmi is None or (ev.date, ev.claim_id, code) >= (
                    result.bmi.date,
                    result.bmi.claim_id,
                    result.bmi.code,
                ):
                    result.bmi = ev
            elif condition := code_condition[code]:
                result.comorbidities[condition] = ev
        if result.bmi is not None:
            result.bmi_class = bmi_class(code_bmi[result.bmi.code] or 0)
        _judge(result, bmi=code_bmi[result.bmi.code] if result.bmi else None, on=on, parameters=p)

        died = _day(people.death_date[i])
        if i in therapy:
            result.therapy = therapy[i]
            result.status = TREATED
        elif died is not None and died <= as_of:
            result.status, result.criterion = NOT_ELIGIBLE, ""
            result.reasons = [f"Died on {died.isoformat()}."]
        elif i in part_d_glp1:
            result.status, result.criterion = PART_D, ""
            result.reasons = [
                "Filled a GLP-1 under Part D for another indication (type 2 diabetes, sleep apnea or MASH) "
                f"in the {p.part_d_lookback_months} months before {as_of.isoformat()}: stays in Part D, "
                "not a Bridge patient."
            ]
        results.append(result)
    return results


def _judge(result: Result, *, bmi: int | None, on: dt.date, parameters: Parameters) -> None:
    """Status, criterion and reasons from age, BMI, comorbidities and Part D (before the treated, died and
    Part D overrides of ``evaluate``)."""
    p = parameters
    when = on.isoformat()
    if result.age is not None and result.age < p.minimum_age:
        result.status = NOT_ELIGIBLE
        result.reasons = [f"Age {result.age} on {when}; the Bridge requires {p.minimum_age} or older."]
        return
    if result.bmi is None or bmi is None:
        result.status = NOT_ELIGIBLE
        result.reasons = [f"No BMI code (Z68) on claims in the {p.comorbidity_lookback_months} months up to {when}."]
        return
    shown_bmi = f"BMI {BMI_CLASS_WORDS[bmi_class(bmi)]} ({dotted(result.bmi.code)} on {result.bmi.date.isoformat()})"
    has = result.comorbidities

    def words(key: str) -> str:
        ev = has[key]
        return f"{CONDITIONS[key][0]} ({dotted(ev.code)} on {ev.date.isoformat()})"

    shown: list[str] = []
    to_confirm: list[str] = []
    if bmi >= p.bmi_alone:
        shown.append(f"{shown_bmi}: BMI {p.bmi_alone} or more")
    if bmi >= p.bmi_with_major:
        shown += [f"{shown_bmi} with {words(k)}" for k in MAJOR_SHOWN if k in has]
        to_confirm += [f"{words(k)}: confirm {TO_CONFIRM_WORDS[k]}" for k in MAJOR_TO_CONFIRM if k in has]
    if bmi >= p.bmi_with_other:
        shown += [f"{shown_bmi} with {words(k)}" for k in OTHER_SHOWN if k in has]
        to_confirm += [f"{words(k)}: confirm {TO_CONFIRM_WORDS[k]}" for k in OTHER_TO_CONFIRM if k in has]
    part_d = result.part_d_last_fill is not None and result.part_d_last_fill >= add_months(
        on, -p.part_d_lookback_months
    )
    part_d_missing = (
        f"Part D enrolment: no Part D fill on claims in the {p.part_d_lookback_months} months up to {when}; "
        "confirm the beneficiary is enrolled in a Part D plan."
    )
    if shown:
        result.criterion = shown[0]
        result.status = LIKELY if part_d else CONFIRM
        result.reasons = [] if part_d else [part_d_missing]
        return
    if to_confirm:
        result.criterion = ""
        result.status = CONFIRM
        result.reasons = [f"{shown_bmi}; {c}." for c in to_confirm] + ([] if part_d else [part_d_missing])
        return
    result.status = NOT_ELIGIBLE
    if bmi < p.bmi_with_other:
        result.reasons = [f"{shown_bmi}: the criteria start at BMI {p.bmi_with_other}."]
    elif bmi < p.bmi_with_major:
        result.reasons = [f"{shown_bmi} without prediabetes, prior MI, prior stroke or PAD on claims."]
    else:
        result.reasons = [
            f"{shown_bmi} without HFpEF, hypertension, CKD stage 3a or worse, prediabetes, prior MI, prior "
            "stroke or PAD on claims."
        ]
