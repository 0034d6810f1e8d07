"""GLP-1 access rules (docs/balance.md, DOMAIN §9) on hand-worked beneficiaries. Each expectation was
worked out from the rules, not by running the code.

The date of interest is 2027-06-30; the Part D lookback is the 12 months up to it (fills from 2026-07-01)
and the comorbidity/BMI lookback the 12 months up to it (codes from 2026-07-01). Unless a case says
otherwise, each beneficiary is 70 on the date and had a Part D fill (a statin) on 2027-05-01.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from apps.balance import engine
from apps.balance.parameters import Parameters

AS_OF = dt.date(2027, 6, 30)
P = Parameters()
WEGOVY, ZEPBOUND, OZEMPIC = "00169452414", "00002250680", "00169413013"
PRODUCTS = {
    WEGOVY: engine.ProductInfo("Wegovy (injection)", "obesity", True),
    ZEPBOUND: engine.ProductInfo("Zepbound", "obesity", True),
    OZEMPIC: engine.ProductInfo("Ozempic", "diabetes", False),
}
D = dt.date.fromisoformat


def run(
    codes: list[tuple[str, str]] = (),  # type: ignore[assignment]
    *,
    born: str = "1957-01-01",
    died: str | None = None,
    part_d: str | None = "2027-05-01",
    fills: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    through: dt.date = AS_OF,
    parameters: Parameters = P,
) -> engine.Result:
    """One beneficiary ``M`` with diagnosis ``codes`` [(code, date)] (claim ids 1, 2, … in order) and GLP-1
    ``fills`` [(ndc, date, days)]."""
    people = engine.People(
        mbi=np.array(["M"]),
        birth_date=np.array([born], dtype="datetime64[D]"),
        death_date=np.array([died], dtype="datetime64[D]"),
    )
    dx = engine.Diagnoses(
        mbi=np.array(["M"] * len(codes), dtype="U11"),
        code=np.array([c for c, _ in codes], dtype="U7"),
        service_date=np.array([d for _, d in codes], dtype="datetime64[D]"),
        claim_id=np.arange(1, len(codes) + 1, dtype=np.int64),
        source=np.full(len(codes), 5, dtype=np.int16),
    )
    rx = engine.Fills(
        mbi=np.array(["M"] * len(fills), dtype="U11"),
        ndc=np.array([f[0] for f in fills], dtype="U11"),
        fill_date=np.array([f[1] for f in fills], dtype="datetime64[D]"),
        days_supply=np.array([f[2] for f in fills], dtype=np.int64),
        claim_id=np.arange(100, 100 + len(fills), dtype=np.int64),
        patient_paid_cents=np.full(len(fills), 5000, dtype=np.int64),
    )
    (result,) = engine.evaluate(
        people=people,
        diagnoses=dx,
        part_d_last_fill={"M": D(part_d)} if part_d else {},
        fills=rx,
        products=PRODUCTS,
        as_of=AS_OF,
        through=through,
        parameters=parameters,
    )
    return result


# --- BMI classes with and without each comorbidity ------------------------------------------------
BMI_35, BMI_40, BMI_32, BMI_28, BMI_25 = (
    ("Z6836", "2027-03-01"),
    ("Z6841", "2027-03-01"),
    ("Z6832", "2027-03-01"),
    (
        "Z6828",
        "2027-03-01",
    ),
    ("Z6825", "2027-03-01"),
)
HFPEF, HTN, CKD, PRE, MI, STROKE, PAD = (
    ("I5032", "2027-02-01"),
    ("I10", "2027-02-01"),
    ("N1831", "2027-02-01"),
    ("R7303", "2027-02-01"),
    ("I252", "2027-02-01"),
    ("Z8673", "2027-02-01"),
    ("I739", "2027-02-01"),
)

# (codes, expected status): BMI ≥ 35 qualifies alone; 30–34.9 with HFpEF/CKD (hypertension: confirm
# uncontrolled) or with a BMI ≥ 27 comorbidity; 27–29.9 only with prediabetes, MI, stroke (PAD: confirm
# symptomatic); under 27 never.
CASES: list[tuple[str, list[tuple[str, str]], str]] = [
    ("35 alone", [BMI_35], "likely"),
    ("40 alone", [BMI_40], "likely"),
    ("32 alone", [BMI_32], "not_eligible"),
    ("32 + HFpEF", [BMI_32, HFPEF], "likely"),
    ("32 + CKD 3a", [BMI_32, CKD], "likely"),
    ("32 + hypertension", [BMI_32, HTN], "confirm"),
    ("32 + prediabetes", [BMI_32, PRE], "likely"),
    ("32 + prior MI", [BMI_32, MI], "likely"),
    ("32 + stroke", [BMI_32, STROKE], "likely"),
    ("32 + PAD", [BMI_32, PAD], "confirm"),
    ("28 alone", [BMI_28], "not_eligible"),
    ("28 + HFpEF", [BMI_28, HFPEF], "not_eligible"),
    ("28 + CKD 3a", [BMI_28, CKD], "not_eligible"),
    ("28 + hypertension", [BMI_28, HTN], "not_eligible"),
    ("28 + prediabetes", [BMI_28, PRE], "likely"),
    ("28 + prior MI", [BMI_28, MI], "likely"),
    ("28 + stroke", [BMI_28, STROKE], "likely"),
    ("28 + PAD", [BMI_28, PAD], "confirm"),
    ("25 + HFpEF", [BMI_25, HFPEF], "not_eligible"),
    ("25 + prediabetes", [BMI_25, PRE], "not_eligible"),
    ("no BMI + HFpEF", [HFPEF], "not_eligible"),
    ("32 + hypertension + CKD", [BMI_32, HTN, CKD], "likely"),
]


@pytest.mark.parametrize(("codes", "status"), [(c, s) for _, c, s in CASES], ids=[n for n, _, _ in CASES])
def test_criteria(codes: list[tuple[str, str]], status: str) -> None:
    assert run(codes).status == status


def test_likely_eligible_names_the_criterion_and_its_evidence() -> None:
    r = run([BMI_32, HFPEF])
    assert r.criterion == (
        "BMI 30–34.9 (Z68.32 on 1 Mar 2027) with heart failure with preserved ejection fraction (HFpEF) "
        "(I50.32 on 1 Feb 2027)"
    )
    assert (
        r.bmi_class == 30
        and r.bmi is not None
        and (r.bmi.code, r.bmi.date, r.bmi.claim_id)
        == (
            "Z6832",
            D("2027-03-01"),
            1,
        )
    )
    assert [row["condition"] for row in r.comorbidity_rows()] == ["hfpef"]
    assert r.comorbidity_rows()[0]["claim_id"] == 2
    assert r.reasons == []


def test_needs_confirmation_says_what_to_confirm() -> None:
    r = run([BMI_28, PAD])
    assert r.reasons == [
        "BMI 27–29.9 (Z68.28 on 1 Mar 2027); peripheral artery disease (I73.9 on 1 Feb 2027): confirm that "
        "the PAD is symptomatic."
    ]
    assert "uncontrolled" in run([BMI_32, HTN]).reasons[0]
    assert run([BMI_28, PAD]).reason_keys == ["confirm_pad"]
    assert run([BMI_32, HTN, PAD], part_d=None).reason_keys == ["confirm_hypertension", "confirm_pad", "confirm_part_d"]


def test_not_eligible_says_why() -> None:
    assert run([BMI_25]).reasons == ["BMI under 27 (Z68.25 on 1 Mar 2027): the criteria start at BMI 27."]
    assert "without prediabetes, prior MI, prior stroke or PAD" in run([BMI_28, HTN]).reasons[0]
    assert run([HFPEF]).reasons == ["No BMI code (Z68) on claims in the 12 months up to 30 Jun 2027."]
    assert [run(c).reason_keys for c in ([BMI_25], [BMI_28, HTN], [BMI_32], [HFPEF])] == [
        ["bmi_low"], ["bmi_27_alone"], ["bmi_30_alone"], ["no_bmi"],
    ]  # fmt: skip


def test_age_17_is_not_eligible() -> None:
    # Born 2009-07-01: 17 on 2027-06-30 (18 the next day).
    r = run([BMI_40], born="2009-07-01")
    assert (r.status, r.age) == ("not_eligible", 17)
    assert r.reasons == ["Age 17 on 30 Jun 2027; the Bridge requires 18 or older."]
    assert run([BMI_40], born="2009-06-30").status == "likely"  # 18 that day


def test_diabetes_glp1_user_stays_in_part_d() -> None:
    r = run([BMI_40], fills=[(OZEMPIC, "2027-04-01", 28)])
    assert r.status == "part_d"
    assert "another indication" in r.reasons[0]
    # An Ozempic fill older than the Part D lookback (from 2026-07-01) does not exclude.
    assert run([BMI_40], fills=[(OZEMPIC, "2026-06-30", 28)]).status == "likely"
    # A Bridge product filled before the Bridge began was filled under Part D for another indication.
    p = Parameters(bridge_start=D("2026-08-01"))
    assert run([BMI_40], fills=[(WEGOVY, "2026-07-15", 28)], parameters=p).status == "part_d"


def test_the_latest_bmi_code_counts_not_an_older_one() -> None:
    older_high = [("Z6836", "2026-11-01"), ("Z6828", "2027-04-01")]
    r = run(older_high)
    assert r.status == "not_eligible" and r.bmi is not None and r.bmi.code == "Z6828"
    older_low = [("Z6828", "2026-11-01"), ("Z6836", "2027-04-01")]
    assert run(older_low).status == "likely"
    # A code after the date of interest is not read.
    assert run([("Z6828", "2027-04-01"), ("Z6836", "2027-07-01")]).status == "not_eligible"
    # Two codes the same day: the later claim (the second listed) counts.
    assert run([("Z6836", "2027-04-01"), ("Z6828", "2027-04-01")]).bmi.code == "Z6828"  # type: ignore[union-attr]


def test_pediatric_and_old_codes_are_not_read() -> None:
    assert run([("Z6854", "2027-03-01")]).reasons[0].startswith("No BMI code")
    # The 12 months up to 2027-06-30 begin on 2026-07-01: prediabetes coded the day before is not counted.
    assert run([BMI_28, ("R7303", "2026-06-30")]).status == "not_eligible"
    assert run([BMI_28, ("R7303", "2026-07-01")]).status == "likely"
    # Nor a BMI code.
    assert run([("Z6836", "2026-06-30")]).reason_keys == ["no_bmi"]


def test_codes_with_dots_read_as_without() -> None:
    assert run([("Z68.32", "2027-03-01"), ("I50.32", "2027-02-01")]).status == "likely"


def test_no_part_d_fill_makes_likely_a_confirmation() -> None:
    r = run([BMI_35], part_d=None)
    assert r.status == "confirm"
    assert r.reasons == [
        "Part D enrolment: no Part D fill on claims in the 12 months up to 30 Jun 2027; confirm the beneficiary is "
        "enrolled in a Part D plan."
    ]
    # The 12 months up to 2027-06-30 begin on 2026-07-01.
    assert run([BMI_35], part_d="2026-06-30").status == "confirm"
    assert run([BMI_35], part_d="2026-07-01").status == "likely"


def test_no_diagnoses_at_all() -> None:
    assert run([]).reason_keys == ["no_bmi"]
    assert run([], fills=[(WEGOVY, "2027-01-10", 28)]).status == "treated"  # treated whatever the codes


def test_died_is_not_eligible() -> None:
    r = run([BMI_40], died="2027-05-01")
    assert (r.status, r.reasons) == ("not_eligible", ["Died on 1 May 2027."])


def test_treated_reads_bmi_at_therapy_start() -> None:
    # BMI 36 before the start (2027-01-10), 28 after it: the BMI at therapy start is the 36.
    r = run(
        [("Z6836", "2026-12-01"), ("Z6828", "2027-05-01")],
        fills=[(WEGOVY, "2027-01-10", 28), (WEGOVY, "2027-02-07", 28)],
    )
    assert r.status == "treated"
    assert r.bmi is not None and r.bmi.code == "Z6836"
    assert r.criterion.startswith("BMI 35–39.9 (Z68.36 on 1 Dec 2026)")
    assert r.therapy is not None and r.therapy.start == D("2027-01-10")


# --- adherence ----------------------------------------------------------------------------------
def test_pdc_with_overlapping_fills_and_a_gap() -> None:
    """Fills 2027-01-01 (30 days: Jan 1–30), 2027-01-25 (30 days, 6 of them overlapping the first: carried to
    Jan 31–Mar 1) and 2027-04-15 (30 days: Apr 15–May 14), measured through 2027-05-31.
    - Window Jan 1–May 31: 31 + 28 + 31 + 30 + 31 = 151 days; covered 30 + 30 + 30 = 90 → PDC 90/151.
    - First 90 days (Jan 1–Mar 31): covered Jan 1–Mar 1 = 60 → 60/90. 180 days have not elapsed: none.
    - Without supply Mar 2–Apr 14: 44 days > 30 → one gap, discontinued on Mar 2; after May 14, 17 days to
      May 31: no gap. Supply through May 14.
    - 3 fills of 30 days: 3 months × $245 = $735 at the net price, 3 × $50 = $150 copay."""
    t = engine.therapy_of(
        [(D("2027-01-01"), 30, "Wegovy (injection)", 5000), (D("2027-01-25"), 30, "Wegovy (injection)", 5000),
         (D("2027-04-15"), 30, "Wegovy (injection)", 5000)],
        through=D("2027-05-31"),
        parameters=P,
    )  # fmt: skip
    assert t.pdc == pytest.approx(90 / 151)
    assert t.pdc_90 == pytest.approx(60 / 90)
    assert t.pdc_180 is None
    assert (t.gaps, t.discontinued_on, t.covered_through) == (1, D("2027-03-02"), D("2027-05-14"))
    assert (t.months_supplied, t.drug_cost_cents, t.copay_cents, t.patient_paid_cents) == (3, 73_500, 15_000, 15_000)
    assert (t.fills, t.days_supply, t.switched) == (3, 90, False)


def test_stopping_at_the_end_is_a_discontinuation_and_switching_is_seen() -> None:
    """Wegovy 2027-01-01 (28 days: to Jan 28), Zepbound 2027-01-29 (28 days: to Feb 25); through 2027-03-28:
    Feb 26–Mar 28 is 31 days without supply (> 30): discontinued on Feb 26. 180-day PDC: not elapsed."""
    t = engine.therapy_of(
        [(D("2027-01-01"), 28, "Wegovy (injection)", 5000), (D("2027-01-29"), 28, "Zepbound", 5000)],
        through=D("2027-03-28"),
        parameters=P,
    )
    assert (t.gaps, t.discontinued_on) == (1, D("2027-02-26"))
    assert t.products == ["Wegovy (injection)", "Zepbound"] and t.switched
    assert t.pdc == pytest.approx(56 / 87)  # Jan 1–Mar 28 is 87 days
    # A day earlier the stretch is 30 days: not a gap.
    assert (
        engine.therapy_of(
            [(D("2027-01-01"), 28, "Wegovy (injection)", 5000), (D("2027-01-29"), 28, "Zepbound", 5000)],
            through=D("2027-03-27"),
            parameters=P,
        ).discontinued_on
        is None
    )


@pytest.mark.parametrize(("days", "months"), [(28, 1), (30, 1), (14, 1), (56, 2), (84, 3), (90, 3), (44, 1), (45, 2)])
def test_months_of_supply(days: int, months: int) -> None:
    assert engine.months_of_supply(days) == months


@pytest.mark.parametrize(
    ("code", "value"),
    [("Z681", 19), ("Z6820", 20), ("Z6827", 27), ("Z68.39", 39), ("Z6841", 40), ("Z6845", 70), ("Z6852", None),
     ("E669", None)],
)  # fmt: skip
def test_bmi_value(code: str, value: Any) -> None:
    assert engine.bmi_value(code) == value
