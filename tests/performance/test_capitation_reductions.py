"""What CMS withheld from fee-for-service claims for capitation (CCLFA/CCLFB ``CLM_PBP_RDCTN_AMT``): the
money step sums it into ``CapitationReductionFact`` rows, the snapshot shows it beside the settlement
(never in it), and the money page, the reports and the API show the same number.

Claims rows are written with the ORM as the loader leaves them (``is_current`` netted, CCLFA rows
following their CCLF1 header by CUR_CLM_UNIQ_ID, CCLFB rows their CCLF5/CCLF6 line by CUR_CLM_UNIQ_ID and
CLM_LINE_NUM). The dataset, PY2027, worked by hand ("cut" = reduction amount, "paid" = paid amount):

ACO A (``aco``: Global, Primary Care Capitation):
- M1, Aged & Disabled, aligned from 2027-01-01:
  - inpatient 2027-03-01: original #101 (paid $10,000, cut $1,000) superseded by adjustment #102
    (paid $12,000, cut $1,200): only #102 is current → $1,200 (CCLFA). A run-out package then sends
    #102 again byte for byte: the loader keeps the later copies (header and CCLFA row) current and
    the earlier ones not, so it still counts once.
  - outpatient 2027-06-10: original #103 (paid $500, cut $50) voided by cancellation #104 (paid −$500,
    cut −$50): neither is current → $0
  - SNF 2026-11-05 #105 (paid $3,000, cut $300): a base-year service, outside the PY → $0
  - Part B 2027-02-01 #201 lines 1 and 2 (paid $100 and $60, cut $25 and $15) → $40 (CCLFB)
  - Part B 2027-02-02 #202 line 1, denied (paid $0, cut $10): counts for nothing → $0
  - DME 2027-04-01: original #300 (paid $200, cut $30) superseded by adjustment #301 (paid $250,
    cut $40) → $40 (CCLFB)
- M2, ESRD, aligned from 2027-07-01 (a mid-year addition), died 2027-08-20:
  - Part B 2027-05-01 #203 (paid $400, cut $100): before the alignment took effect → $0
  - Part B 2027-08-01 #204 (paid $600, cut $150), before the death → $150 (CCLFB)
ACO B (``other_aco``): M3, Aged & Disabled, from 2027-01-01: hospice 2027-01-15 #107 (paid $2,000, cut
  $500) → B's $500, never A's.
ACO C (no capitated providers): M5, Aged & Disabled, from 2027-01-01: Part B 2027-03-03 #206 (paid $999,
  cut $0.00) → $0.
Nobody: M4, Part B 2027-03-04 #207 (paid $300, cut $70) → counted nowhere.

ACO A withheld: 1,200 + 25 + 15 + 40 + 150 = **$1,430.00**: CCLFA $1,200.00, CCLFB $230.00, 5 claims
and lines. Claims run through August 2027 (#204 is the last PY claim counted), so member-months are
M1 Jan–Aug = 8 and M2 Jul–Aug = 2 (the month of death counts): 10 → **$143.00 PBPM**. ACO B: $500 over
8 member-months = $62.50 PBPM. ACO C: $0.00 over 8 member-months = $0.00 PBPM.
ACO A's expenditure stays the netted paid amounts (docs/money.md), not reduced again: 12,000 + 100 + 60
+ 250 (M1) + 600 (M2) = $13,010.00.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.acos.models import ACO, Election, Membership
from apps.alignment.models import AlignedBeneficiary
from apps.claims.models import (
    CCLFFile,
    DMELine,
    IngestRun,
    PartABenefitCodes,
    PartAClaim,
    PartBBenefitCodes,
    PartBLine,
)
from apps.performance import engine, inputs, reports, services, snapshot
from apps.performance.models import CapitationReductionFact, PerformanceSummary, PipelineRun
from tests.claims.cclf_builders import mbi
from tests.factories import (
    ACOFactory,
    MembershipFactory,
    alignment_run,
    cclf8_beneficiary,
    claim_facts,
    performance_summary,
)
from tests.performance.test_reports import pdf_text, xlsx_parts

pytestmark = pytest.mark.django_db

PY = 2027
M1, M2, M3, M4, M5 = mbi(1), mbi(2), mbi(3), mbi(4), mbi(5)
D = dt.date
LABEL = "Withheld from fee-for-service claims for capitation (CCLFA/CCLFB reduction amounts)"
_sha = itertools.count(1)


# --- claims rows as the loader leaves them ----------------------------------------------------------------


def cclf_file(file_type: str) -> CCLFFile:
    run = IngestRun.objects.create(source="test")
    return CCLFFile.objects.create(
        run=run, name=f"P.L0001.ACO.ZC{file_type[-1]}Y27.D270901.T1200000", file_type=file_type,
        produced_at=timezone.now(), performance_year=PY, sha256=f"{next(_sha):064d}", records=1, size=1,
    )  # fmt: skip


class Files:
    def __init__(self) -> None:
        self.files = {t: cclf_file(t) for t in ("CCLF1", "CCLF5", "CCLF6", "CCLFA", "CCLFB")}

    def part_a(
        self,
        uniq: int,
        who: str,
        claim_type: int,
        day: str,
        paid: str,
        cut: str,
        *,
        current: bool = True,
        adj: str = "0",
    ) -> None:
        """A CCLF1 header and its CCLFA row (current together: the row follows its header)."""
        PartAClaim.objects.create(
            file=self.files["CCLF1"], current_mbi=who, is_current=current, cur_clm_uniq_id=uniq, bene_mbi_id=who,
            clm_type_cd=claim_type, clm_from_dt=D.fromisoformat(day), clm_thru_dt=D.fromisoformat(day),
            clm_pmt_amt=Decimal(paid), clm_adjsmt_type_cd=adj, prvdr_oscar_num="210001",
        )  # fmt: skip
        PartABenefitCodes.objects.create(
            file=self.files["CCLFA"], current_mbi=who, is_current=current, cur_clm_uniq_id=uniq, bene_mbi_id=who,
            clm_type_cd=claim_type, clm_pbp_rdctn_amt=Decimal(cut), clm_pbp_inclsn_amt=Decimal(paid) + Decimal(cut),
            clm_ngaco_cptatn_sw="Y" if Decimal(cut) else "",
        )  # fmt: skip

    def part_b(
        self, uniq: int, line: int, who: str, day: str, paid: str, cut: str, *, dme: bool = False,
        current: bool = True, denied: bool = False, adj: str = "0",
    ) -> None:  # fmt: skip
        """A CCLF5 (or CCLF6) line and its CCLFB row."""
        model: type[PartBLine] | type[DMELine] = DMELine if dme else PartBLine
        model.objects.create(
            file=self.files["CCLF6" if dme else "CCLF5"], current_mbi=who, is_current=current, cur_clm_uniq_id=uniq,
            clm_line_num=line, bene_mbi_id=who, clm_type_cd=82 if dme else 71, clm_line_from_dt=D.fromisoformat(day),
            clm_line_cvrd_pd_amt=Decimal(paid), clm_cntl_num=f"C{uniq}", clm_adjsmt_type_cd=adj,
            clm_carr_pmt_dnl_cd="0" if denied else "1", is_denied=denied,
        )  # fmt: skip
        PartBBenefitCodes.objects.create(
            file=self.files["CCLFB"], current_mbi=who, is_current=current, cur_clm_uniq_id=uniq, clm_line_num=line,
            bene_mbi_id=who, clm_type_cd=82 if dme else 71, clm_pbp_rdctn_amt=Decimal(cut),
            clm_pbp_inclsn_amt=Decimal(paid) + Decimal(cut), clm_line_ngaco_cptatn_sw="Y" if Decimal(cut) else "",
        )  # fmt: skip


@pytest.fixture
def third_aco(db: None) -> ACO:
    """ACO C: no provider paid by capitation."""
    return ACOFactory.create()


@pytest.fixture
def world(aco: ACO, other_aco: ACO, third_aco: ACO) -> Any:
    """The claims of the module docstring and the alignment run; returns the alignment run."""
    Election.objects.create(aco=aco, performance_year=PY, risk_option="global", capitation="pcc")
    Election.objects.create(aco=other_aco, performance_year=PY, risk_option="professional")
    Election.objects.create(aco=third_aco, performance_year=PY, risk_option="global")
    cclf8_beneficiary(M2, death_date=D(2027, 8, 20))
    f = Files()
    # M1 (ACO A)
    f.part_a(101, M1, 60, "2027-03-01", "10000.00", "1000.00", current=False)  # superseded
    f.part_a(102, M1, 60, "2027-03-01", "12000.00", "1200.00", adj="2", current=False)  # its adjustment ...
    Files().part_a(102, M1, 60, "2027-03-01", "12000.00", "1200.00", adj="2")  # ... resent later: counts once
    f.part_a(103, M1, 40, "2027-06-10", "500.00", "50.00", current=False)  # voided ...
    f.part_a(104, M1, 40, "2027-06-10", "-500.00", "-50.00", current=False, adj="1")  # ... by its cancellation
    f.part_a(105, M1, 20, "2026-11-05", "3000.00", "300.00")  # a base-year service
    f.part_b(201, 1, M1, "2027-02-01", "100.00", "25.00")
    f.part_b(201, 2, M1, "2027-02-01", "60.00", "15.00")
    f.part_b(202, 1, M1, "2027-02-02", "0.00", "10.00", denied=True)
    f.part_b(300, 1, M1, "2027-04-01", "200.00", "30.00", dme=True, current=False)  # superseded
    f.part_b(301, 1, M1, "2027-04-01", "250.00", "40.00", dme=True, adj="2")
    # M2 (ACO A, from July)
    f.part_b(203, 1, M2, "2027-05-01", "400.00", "100.00")  # before the alignment took effect
    f.part_b(204, 1, M2, "2027-08-01", "600.00", "150.00")
    # M3 (ACO B), M5 (ACO C), M4 (nobody's)
    f.part_a(107, M3, 50, "2027-01-15", "2000.00", "500.00")
    f.part_b(206, 1, M5, "2027-03-03", "999.00", "0.00")
    f.part_b(207, 1, M4, "2027-03-04", "300.00", "70.00")
    assert claim_facts() == 16  # 7 CCLF1 headers, 7 CCLF5 and 2 CCLF6 lines

    run = alignment_run(PY)
    jan1 = D(PY, 1, 1)
    AlignedBeneficiary.objects.bulk_create(
        [
            AlignedBeneficiary(run=run, mbi=M1, aco=aco, alignment_type="claims", step="1", effective_from=jan1),
            AlignedBeneficiary(
                run=run,
                mbi=M2,
                aco=aco,
                alignment_type="voluntary",
                step="voluntary",
                effective_from=D(PY, 7, 1),
                added_midyear=True,
                cohort="esrd",
            ),  # fmt: skip
            AlignedBeneficiary(run=run, mbi=M3, aco=other_aco, alignment_type="claims", step="1", effective_from=jan1),
            AlignedBeneficiary(run=run, mbi=M5, aco=third_aco, alignment_type="claims", step="1", effective_from=jan1),
        ]
    )
    return run


def computed(alignment: Any) -> PipelineRun:
    """A pipeline run whose money and summaries steps ran on ``alignment``."""
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=alignment)
    for name in ("money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineRun.Status.SUCCEEDED, pipeline.message
    return pipeline


def withheld_facts(pipeline: PipelineRun) -> dict[tuple[str, str, int, int, str], tuple[Decimal, int]]:
    return {
        (f.aco.aco_id, f.cohort, f.year, f.month, f.category): (f.amount, f.claims)
        for f in CapitationReductionFact.objects.filter(run=pipeline).select_related("aco")
    }


# --- the money step ------------------------------------------------------------------------------------------


def test_the_money_step_sums_current_reductions_of_the_pys_counted_claims(
    world: Any, aco: ACO, other_aco: ACO, third_aco: ACO
) -> None:
    pipeline = computed(world)
    a, b = aco.aco_id, other_aco.aco_id
    # The resent #102 header is in expenditure once ($12,000), and its reduction once.
    assert pipeline.cost_facts.get(aco=aco, month=3, category="inpatient").amount == Decimal("12000.00")
    assert withheld_facts(pipeline) == {
        (a, "aged_disabled", 2027, 3, "inpatient"): (Decimal("1200.00"), 1),  # #102, not #101
        (a, "aged_disabled", 2027, 2, "professional"): (Decimal("40.00"), 2),  # #201 lines 1 and 2
        (a, "aged_disabled", 2027, 4, "dme"): (Decimal("40.00"), 1),  # #301, not #300
        (a, "esrd", 2027, 8, "professional"): (Decimal("150.00"), 1),  # #204, not #203
        (b, "aged_disabled", 2027, 1, "hospice"): (Decimal("500.00"), 1),
    }
    # ACO C has no row: its one claim carries a $0.00 reduction.
    assert not CapitationReductionFact.objects.filter(run=pipeline, aco=third_aco).exists()
    money = pipeline.steps.get(name="money")
    assert "5 capitation-reduction rows" in money.message


def test_the_snapshot_shows_what_was_withheld_beside_the_settlement(
    world: Any, aco: ACO, other_aco: ACO, third_aco: ACO
) -> None:
    pipeline = computed(world)
    data = PerformanceSummary.objects.get(run=pipeline, aco=aco).data
    s = data["settlement"]
    assert s["capitation_reduction"] == {
        "label": LABEL,
        "amount": 1430.0,
        "pbpm": 143.0,  # 1,430 / 10 member-months
        "part_a": 1200.0,
        "part_b": 230.0,
        "claims": 5,
        "note": snapshot.REDUCTION_NOTE,
        "explanation": "",
    }
    # Expenditure is the netted paid amounts, not reduced again; the settlement has no reduction line.
    assert (s["expenditure"], s["member_months"]) == (13010.0, 10)
    assert "capitation" not in " ".join(line["key"] for line in s["lines"])
    assert s["gross_savings"] == round(s["benchmark"] - s["withhold"] + s["earned_back"] - s["expenditure"], 2)
    assert s["pcc_base"] > 0  # the capitation lines it sits beside

    other = PerformanceSummary.objects.get(run=pipeline, aco=other_aco).data["settlement"]["capitation_reduction"]
    assert (other["amount"], other["pbpm"], other["part_a"], other["part_b"]) == (500.0, 62.5, 500.0, 0.0)
    none = PerformanceSummary.objects.get(run=pipeline, aco=third_aco).data["settlement"]["capitation_reduction"]
    assert (none["amount"], none["pbpm"], none["claims"]) == (0.0, 0.0, 0)
    assert none["explanation"].startswith("$0: none of the aligned beneficiaries' PY2027 claims carries")


def test_a_mid_year_run_stops_the_reductions_at_its_date(world: Any, aco: ACO) -> None:
    # As of 2027-03-31: M1's February lines ($40) and March stay (the $1,200 inpatient stay); the April DME
    # line and M2's August line fall after it → $1,240 over M1's January–March (3 member-months).
    pipeline = services.pipeline_run_create(performance_year=PY, as_of=D(PY, 3, 31))
    counts = inputs.write_facts(run_id=pipeline.pk, alignment_run_id=world.pk, performance_year=PY, as_of=D(PY, 3, 31))
    assert counts["reduction_rows"] == 3  # A: Feb and Mar; B: Jan
    facts = withheld_facts(pipeline)
    assert sum(amount for key, (amount, _) in facts.items() if key[0] == aco.aco_id) == Decimal("1240.00")


def test_without_cclfa_or_cclfb_files_the_zero_says_so() -> None:
    """Without CCLFA/CCLFB files in the data the $0 says the amounts are not known yet."""
    reductions = snapshot.Reductions(files_loaded=False)
    assert "hold no CCLFA/CCLFB files" in snapshot.reduction_explanation(Decimal(0), reductions, PY)
    assert snapshot.reduction_explanation(Decimal("1.00"), reductions, PY) == ""


# --- the engine ----------------------------------------------------------------------------------------------


def test_the_engine_shows_the_reductions_and_settles_exactly_as_without_them() -> None:
    bands = engine.bands_from([[0, 15, 100], [15, None, 50]])
    params = engine.Parameters(performance_year=PY, risk_option="global", corridors=bands, capitation="pcc")

    def cohorts(a: str, e: str) -> list[engine.CohortInput]:
        return [
            engine.CohortInput("aged_disabled", 100, Decimal("90000"), published_pbpm=Decimal("1000"),
                               capitation_reduction=Decimal(a)),
            engine.CohortInput("esrd", 10, Decimal("70000"), published_pbpm=Decimal("8000"),
                               capitation_reduction=Decimal(e)),
        ]  # fmt: skip

    with_cuts = engine.settle(cohorts("1000.25", "99.75"), params, tqs=50.0)
    without = engine.settle(cohorts("0", "0"), params, tqs=50.0)
    assert with_cuts.capitation_reduction == Decimal("1100.00")
    assert with_cuts.capitation_reduction_pbpm == Decimal("10")  # 1,100 / 110 member-months
    assert (with_cuts.settlement, with_cuts.lines()) == (without.settlement, without.lines())
    assert without.capitation_reduction == 0


# --- where the figure is shown -------------------------------------------------------------------------------


def test_the_money_page_shows_the_amount_pbpm_and_note(
    world: Any, aco: ACO, admin: User, third_aco: ACO, client_for: Any
) -> None:
    computed(world)
    html = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert f"<dt>{LABEL}</dt>" in html
    assert '<dd id="capitation-reduction">$1,430.00; $143.00 PBPM</dd>' in html
    assert '<dd id="capitation-reduction-part-a">$1,200.00</dd>' in html
    assert '<dd id="capitation-reduction-part-b">$230.00</dd>' in html
    assert "The fee-for-service payments CMS reduced because the capitation payment covers those services" in html
    assert "already net of it" in html
    # Beside the Primary Care Capitation lines.
    assert html.index("Primary Care Capitation: enhanced payment") < html.index('id="capitation-reduction"')

    # ACO C, without capitated providers: $0 and why, not an empty cell.
    member = MembershipFactory.create(aco=third_aco, role=Membership.Role.ANALYST).user
    page = client_for(member).get(f"/acos/{third_aco.aco_id}/money/?py=2027").content.decode()
    assert '<dd id="capitation-reduction">$0.00; $0.00 PBPM</dd>' in page
    assert "$0: none of the aligned beneficiaries&#x27; PY2027 claims carries a CCLFA/CCLFB reduction" in page
    assert "$1,430.00" not in page


def test_an_outsider_sees_only_their_own_acos_reductions(
    world: Any, aco: ACO, other_aco: ACO, outsider: User, client_for: Any
) -> None:
    computed(world)
    client = client_for(outsider)
    assert client.get(f"/acos/{aco.aco_id}/money/?py=2027").status_code == 404
    own = client.get(f"/acos/{other_aco.aco_id}/money/?py=2027").content.decode()
    assert '<dd id="capitation-reduction">$500.00; $62.50 PBPM</dd>' in own


def test_the_csv_report_pdf_and_xlsx_show_the_same_figure(
    world: Any, aco: ACO, admin: User, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    computed(world)
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):  # the build task runs (eager Celery)
        client.post(f"/acos/{aco.aco_id}/reports/", {"format": "csv", "performance_year": "2027"})
    report = reports.report_list(aco=aco).get()
    assert report.status == "ready", report.message
    body = b"".join(client.get(f"/acos/{aco.aco_id}/reports/{report.pk}/download/").streaming_content)
    rows = {
        (r["section"], r["table"], r["item"]): (r["value"], r["unit"], r["estimate"])
        for r in csv.DictReader(io.StringIO(body.decode("utf-8")))
    }
    assert rows[("Settlement", "Figures", LABEL)] == ("1430.00", "USD", "estimate")
    assert rows[("Settlement", "Figures", f"{LABEL}, PBPM")] == ("143.00", "USD per beneficiary-month", "estimate")
    assert rows[("Settlement", "Withheld for capitation", "Part A claims (CCLFA)")][0] == "1200.00"
    assert rows[("Settlement", "Withheld for capitation", "Part B and DME claim lines (CCLFB)")][0] == "230.00"
    assert rows[("Settlement", "Withheld for capitation", "Claims and lines with a reduction")][:2] == ("5", "count")
    assert "already net of it" in rows[("Settlement", "Withheld for capitation", "What it is")][0]
    assert ("Settlement", "Withheld for capitation", "Why $0") not in rows

    data = PerformanceSummary.objects.get(aco=aco).data
    assert "$1,430.00 (estimate)" in pdf_text(reports.build_pdf(data, built_at="2027-12-01 00:00 UTC"))
    sheets = "".join(xlsx_parts(reports.build_xlsx(data)).values())
    assert re.search(r"<v>1430</v>", sheets) and re.search(r"<v>143</v>", sheets)


def test_the_api_serves_the_same_figure(world: Any, aco: ACO, analyst: User, client_for: Any) -> None:
    computed(world)
    client = client_for(analyst)
    body = client.get(f"/api/acos/{aco.aco_id}/performance/summary/?py=2027").json()
    assert body["settlement"]["capitation_reduction"]["amount"] == 1430.0
    assert body["settlement"]["capitation_reduction"]["pbpm"] == 143.0
    history = client.get(f"/api/acos/{aco.aco_id}/performance/summaries/").json()
    assert [row["capitation_reduction"] for row in history["results"]] == [1430.0]


def test_a_snapshot_from_before_the_reductions_says_so(aco: ACO, admin: User, client_for: Any) -> None:
    summary = performance_summary(aco)
    del summary.data["settlement"]["capitation_reduction"]
    summary.save()
    html = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py=2027").content.decode()
    assert '<dd id="capitation-reduction">Not computed in this pipeline run: the next run adds it.</dd>' in html
    facts = {(f.table, f.item) for f in reports.report_facts(summary.data)}
    assert ("Figures", LABEL) not in facts
