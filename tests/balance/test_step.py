"""The GLP-1 step over claims loaded as CMS sends them (a CCLF package through the loader, so netting and the
claim facts are the loader's own), for an alignment run of five beneficiaries of one ACO and one of
another. Expectations worked out by hand from docs/balance.md; the date of interest is 2027-06-30.

- ``TREATED`` (born 1955): Z68.36 on a Part B line of 2026-12-01; Wegovy 2.4 mg filled 2027-01-10 and
  2027-02-07 (28 days each) and 2027-03-07, which CMS then cancelled (must not count); a statin on
  2027-05-31, the latest current Part D fill of anyone, so therapy is measured through 2027-05-31.
  Supply Jan 10–Mar 6, nothing from Mar 7: 86 days without supply → discontinued on 2027-03-07.
  Window Jan 10–May 31 = 22 + 28 + 31 + 30 + 31 = 142 days, 56 covered; first 90 days (to Apr 9): 56/90.
  Spending: $100.00 on 2026-12-15 (in the six months before: Jul 10–Jan 9) and $40.00 on 2027-02-15, within
  the four whole months after (Jan 10–May 9). Two 28-day fills: 2 months × $245 = $490, copay $100.
- ``DIABETIC``: Z68.41 on an inpatient claim (CCLF4) through 2027-02-03; Ozempic filled 2027-03-01 → on a
  GLP-1 under Part D.
- ``CANDIDATE``: Z68.32 on a Part B line of 2027-03-01 and I50.32 on an inpatient claim through 2027-02-01; a
  statin on 2027-04-01 → likely eligible (BMI 30–34.9 with HFpEF).
- ``DENIED``: Z68.36 only on a denied Part B line → no BMI read → not eligible; no Part D fill.
- ``REPLACED``: Z68.38 on an inpatient claim replaced by a version without it → no BMI → not eligible.
- ``OTHERS`` (aligned to the other ACO): Z68.36, a statin → likely; never in the first ACO's rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from apps.acos.models import ACO
from apps.balance import services
from apps.balance.models import Glp1Beneficiary, Glp1Fill
from tests import factories
from tests.claims.cclf_builders import beneficiary, diagnosis, ingest, mbi, part_a_header, part_b, part_d, write_package

TREATED, DIABETIC, CANDIDATE, DENIED, REPLACED, OTHERS = (mbi(n) for n in range(1, 7))
AS_OF = dt.date(2027, 6, 30)
STATIN, WEGOVY, OZEMPIC = "55111012230", "00169452414", "00169413013"


def _line(uniq: int, cntl: str, who: str, day: str, code: str, **kw: Any) -> str:
    dates = {"CLM_FROM_DT": day, "CLM_THRU_DT": day, "CLM_LINE_FROM_DT": day, "CLM_LINE_THRU_DT": day}
    return part_b(
        uniq, cntl, BENE_MBI_ID=who, CLM_LINE_DGNS_CD=code, CLM_DGNS_1_CD=code, CLM_EFCTV_DT=day, **(dates | kw)
    )


def _fill(uniq: int, rx: int, who: str, ndc: str, day: str, days: int = 28, **kw: object) -> str:
    values = {"CLM_EFCTV_DT": day, "CLM_LINE_BENE_PMT_AMT": "50.00"} | kw
    return part_d(
        uniq, rx, BENE_MBI_ID=who, CLM_LINE_NDC_CD=ndc, CLM_LINE_FROM_DT=day, CLM_LINE_DAYS_SUPLY_QTY=str(days),
        **values,
    )  # fmt: skip


def _inpatient(uniq: int, who: str, start: str, end: str, **kw: object) -> str:
    values = {"CLM_EFCTV_DT": end, "CLM_PMT_AMT": "0.00"} | kw
    return part_a_header(uniq, BENE_MBI_ID=who, CLM_TYPE_CD=60, CLM_FROM_DT=start, CLM_THRU_DT=end, **values)


def _dx(uniq: int, who: str, code: str, start: str, end: str) -> str:
    return diagnosis(uniq, 1, BENE_MBI_ID=who, CLM_TYPE_CD=60, CLM_DGNS_CD=code, CLM_FROM_DT=start, CLM_THRU_DT=end)


@pytest.fixture
def world(db: None, tmp_path: Path, aco: ACO, other_aco: ACO) -> object:
    return load_world(tmp_path / "pkg", aco, other_aco)


def load_world(folder: Path, aco: ACO, other_aco: ACO) -> object:
    """The package above, loaded, and an alignment run of its beneficiaries (five to ``aco``, one to
    ``other_aco``)."""
    headers = [
        _inpatient(101, DIABETIC, "2027-02-01", "2027-02-03"),
        _inpatient(102, CANDIDATE, "2027-01-30", "2027-02-01"),
        _inpatient(103, REPLACED, "2027-03-01", "2027-03-02"),
        _inpatient(104, REPLACED, "2027-03-01", "2027-03-02", CLM_ADJSMT_TYPE_CD="2", CLM_EFCTV_DT="2027-04-01"),
    ]
    part_a_dx = [
        _dx(101, DIABETIC, "Z6841", "2027-02-01", "2027-02-03"),
        _dx(102, CANDIDATE, "I5032", "2027-01-30", "2027-02-01"),
        _dx(103, REPLACED, "Z6838", "2027-03-01", "2027-03-02"),
        _dx(104, REPLACED, "E669", "2027-03-01", "2027-03-02"),
    ]
    lines = [
        _line(201, "C1", TREATED, "2026-12-01", "Z6836", CLM_LINE_CVRD_PD_AMT="0.00"),
        _line(202, "C2", TREATED, "2026-12-15", "I10", CLM_LINE_CVRD_PD_AMT="100.00"),
        _line(203, "C3", TREATED, "2027-02-15", "I10", CLM_LINE_CVRD_PD_AMT="40.00"),
        _line(204, "C4", CANDIDATE, "2027-03-01", "Z6832"),
        _line(205, "C5", DENIED, "2027-03-01", "Z6836", CLM_CARR_PMT_DNL_CD="0"),
        _line(206, "C6", OTHERS, "2027-03-01", "Z6836"),
    ]
    fills = [
        _fill(301, 9001, TREATED, WEGOVY, "2027-01-10", CLM_LINE_RX_FILL_NUM="1"),
        _fill(302, 9001, TREATED, WEGOVY, "2027-02-07", CLM_LINE_RX_FILL_NUM="2"),
        _fill(303, 9001, TREATED, WEGOVY, "2027-03-07", CLM_LINE_RX_FILL_NUM="3"),
        _fill(304, 9001, TREATED, WEGOVY, "2027-03-07", CLM_LINE_RX_FILL_NUM="3", CLM_ADJSMT_TYPE_CD="1",
              CLM_EFCTV_DT="2027-03-20"),
        _fill(305, 9002, TREATED, STATIN, "2027-05-31", 30),
        _fill(306, 9003, DIABETIC, OZEMPIC, "2027-03-01"),
        _fill(307, 9004, CANDIDATE, STATIN, "2027-04-01", 30),
        _fill(308, 9005, OTHERS, STATIN, "2027-04-01", 30),
    ]  # fmt: skip
    people = [
        beneficiary(TREATED, BENE_DOB="1955-03-01"),
        beneficiary(DIABETIC, BENE_DOB="1950-01-01"),
        beneficiary(CANDIDATE, BENE_DOB="1948-08-08"),
        beneficiary(DENIED, BENE_DOB="1952-02-02"),
        beneficiary(REPLACED, BENE_DOB="1953-03-03"),
        beneficiary(OTHERS, BENE_DOB="1951-01-01"),
    ]
    files = {"CCLF1": headers, "CCLF4": part_a_dx, "CCLF5": lines, "CCLF7": fills, "CCLF8": people}
    run = ingest(write_package(folder, files, produced_at=dt.datetime(2027, 7, 10, 12), year=2027)["CCLF0"].parent)
    assert run.status == "succeeded", (run.message, list(run.errors.values_list("reason", flat=True)[:5]))
    alignment = factories.alignment_run(2027)
    for who in (TREATED, DIABETIC, CANDIDATE, DENIED, REPLACED):
        factories.aligned(alignment, aco, who, npi="1234567893")
    factories.aligned(alignment, other_aco, OTHERS, tin="222000002")
    return alignment


def test_the_step_over_loaded_claims(world: object, aco: ACO, other_aco: ACO) -> None:
    run = services.glp1_run_execute(alignment_run=world, as_of=AS_OF)  # type: ignore[arg-type]
    assert run.status == "succeeded", run.message
    assert run.through == dt.date(2027, 5, 31)
    rows = {b.mbi: b for b in Glp1Beneficiary.objects.filter(run=run)}
    assert {m: rows[m].status for m in rows} == {
        TREATED: "treated", DIABETIC: "part_d", CANDIDATE: "likely", DENIED: "not_eligible",
        REPLACED: "not_eligible", OTHERS: "likely",
    }  # fmt: skip
    assert rows[OTHERS].aco_id == other_aco.pk and all(rows[m].aco_id == aco.pk for m in rows if m != OTHERS)

    t = rows[TREATED]
    assert (t.bmi_code, t.bmi_date, t.bmi_class, t.bmi_claim_id, t.bmi_source) == (
        "Z6836", dt.date(2026, 12, 1), 35, 201, 5,
    )  # fmt: skip
    assert (t.therapy_start, t.product, t.fills, t.days_supply) == (dt.date(2027, 1, 10), "Wegovy (injection)", 2, 56)
    assert (t.discontinued_on, t.gaps, t.covered_through) == (dt.date(2027, 3, 7), 1, dt.date(2027, 3, 6))
    assert t.pdc == pytest.approx(56 / 142) and t.pdc_90 == pytest.approx(56 / 90) and t.pdc_180 is None
    assert (t.months_supplied, t.drug_cost_cents, t.copay_cents, t.patient_paid_cents) == (2, 49_000, 10_000, 10_000)
    assert (t.spend_before_cents, t.months_before, t.spend_after_cents, t.months_after) == (10_000, 6, 4_000, 4)
    assert t.age == 72 and t.part_d_active  # on the date of interest (judged on therapy start, when 71)

    c = rows[CANDIDATE]
    assert c.criterion == (
        "BMI 30–34.9 (Z68.32 on 1 Mar 2027) with heart failure with preserved ejection fraction (HFpEF) "
        "(I50.32 on 1 Feb 2027)"
    )
    assert c.comorbidities == [
        {"condition": "hfpef", "label": "heart failure with preserved ejection fraction (HFpEF)", "code": "I5032",
         "date": "2027-02-01", "claim_id": 102, "source": 4},
    ]  # fmt: skip
    assert rows[DENIED].reasons[0].startswith("No BMI code") and not rows[DENIED].part_d_active
    assert rows[REPLACED].bmi_code == ""
    assert [rows[m].reason_keys for m in (DIABETIC, CANDIDATE, DENIED)] == [["part_d_glp1"], [], ["no_bmi"]]

    fills = list(
        Glp1Fill.objects.filter(run=run).order_by("mbi", "fill_date").values_list("mbi", "fill_date", "bridge")
    )
    # The cancelled Wegovy fill of 2027-03-07 is not read; the Ozempic fill is kept, not a Bridge fill.
    assert fills == [
        (TREATED, dt.date(2027, 1, 10), True),
        (TREATED, dt.date(2027, 2, 7), True),
        (DIABETIC, dt.date(2027, 3, 1), False),
    ]
    assert run.counts["treated"] == 1 and run.counts["likely"] == 2 and run.counts["beneficiaries"] == 6
