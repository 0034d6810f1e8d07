"""High-cost beneficiaries: the money step's spending per beneficiary, the list, its filters, exports and
API, one beneficiary's claims, and tenancy, on claims loaded through the CCLF loader.

The world, PY2027 (every figure worked out by hand from the docstring of apps/performance/inputs.py):

- M1, aligned to the ACO (Aged & Disabled, TIN 111000001) from 2027-01-01:
  - inpatient stay 2027-03-01: original $10,000 replaced by its adjustment at $12,000 → inpatient $12,000
  - Part B line B1 2027-02-01 $100 → professional $100
  - Part B line B2 2027-04-01 $500, then cancelled (a later cancellation of the same line) → $0
  → $12,100 (3 replaced or cancelled rows left out: claim 101, B2's original and its cancellation)
- M2, aligned (ESRD, TIN 222000002) from 2027-07-01 (mid-year):
  - Part B 2027-05-01 $400: before the alignment took effect, left out
  - Part B 2027-08-01 $600 → professional; SNF 2027-09-01 $3,000 → snf
  → $3,600
- M3, aligned (Aged & Disabled, TIN 111000001) from 2027-01-01: outpatient 2027-06-10 $500, DME
  2027-04-01 $250, a denied Part B line $80 (left out) → $750
- M5, aligned (High Needs, TIN 222000002), no claims → $0
- M4, aligned to the other ACO: hospice 2027-01-15 $20,000 (the costliest of all; never in the ACO's list)

The ACO's PY spending: 12,100 + 3,600 + 750 + 0 = $16,450 (inpatient 12,000; professional 700; SNF 3,000;
outpatient 500; DME 250). Ranked: M1 (73.56% of it; cumulative 73.56%), M2 (21.88%; 95.44%), M3 (4.56%;
100%), M5 (0%; 100%).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import AccessLog, User
from apps.acos.models import ACO, Election, ParticipantTIN, PreferredProvider
from apps.alignment.models import AlignedBeneficiary
from apps.performance import selectors_high_cost as high_cost
from apps.performance import services
from apps.performance.models import BeneficiarySpendingFact, CostFact, PerformanceSummary, PipelineRun
from tests.claims.cclf_builders import beneficiary, dme, ingest, mbi, part_a_paid, part_b_paid, write_package
from tests.factories import alignment_run

PY = 2027
M1, M2, M3, M4, M5 = mbi(1), mbi(2), mbi(3), mbi(4), mbi(5)
D = dt.date


@pytest.fixture
def world(tmp_path: Path, aco: ACO, other_aco: ACO) -> PipelineRun:
    """The claims above loaded, aligned, and the money and summaries steps run: the money page's run."""
    files = {
        "CCLF8": [beneficiary(m) for m in (M1, M2, M3, M4, M5)],
        "CCLF1": [
            part_a_paid(101, M1, 60, "2027-03-01", "10000.00", CLM_EFCTV_DT="2027-03-10", PRVDR_OSCAR_NUM="210001"),
            part_a_paid(
                102,
                M1,
                60,
                "2027-03-01",
                "12000.00",
                CLM_ADJSMT_TYPE_CD="2",
                CLM_EFCTV_DT="2027-03-20",
                PRVDR_OSCAR_NUM="210001",
            ),
            part_a_paid(103, M2, 20, "2027-09-01", "3000.00", PRVDR_OSCAR_NUM="215001"),
            part_a_paid(104, M3, 40, "2027-06-10", "500.00", PRVDR_OSCAR_NUM="210002"),
            part_a_paid(106, M4, 50, "2027-01-15", "20000.00", PRVDR_OSCAR_NUM="211501"),
        ],  # fmt: skip
        "CCLF5": [
            part_b_paid(1, "B1", M1, "2027-02-01", "100.00"),
            part_b_paid(2, "B2", M1, "2027-04-01", "500.00", CLM_EFCTV_DT="2027-04-05"),
            part_b_paid(3, "B2", M1, "2027-04-01", "500.00", CLM_ADJSMT_TYPE_CD="1", CLM_EFCTV_DT="2027-04-20"),
            part_b_paid(4, "B4", M2, "2027-05-01", "400.00"),
            part_b_paid(5, "B5", M2, "2027-08-01", "600.00", CLM_RNDRG_PRVDR_TAX_NUM="555000001"),
            part_b_paid(6, "B6", M3, "2027-02-02", "80.00", CLM_CARR_PMT_DNL_CD="0"),
        ],
        "CCLF6": [dme(7, "D1", BENE_MBI_ID=M3, CLM_LINE_FROM_DT="2027-04-01", CLM_LINE_CVRD_PD_AMT="250.00")],
    }
    loaded = ingest(write_package(tmp_path / "pkg", files)["CCLF0"].parent)
    assert loaded.status == "succeeded", loaded.message
    for who in (aco, other_aco):
        Election.objects.create(aco=who, performance_year=PY, risk_option="global")
    ParticipantTIN.objects.create(
        aco=aco, performance_year=PY, tin="111000001", legal_name="Harbor Primary Care", practice_zip="21201",
        ccns=["210002"],
    )  # fmt: skip
    # TIN 555000001 bills M2's August visit: it is on the other ACO's list, so its number is never shown.
    ParticipantTIN.objects.create(
        aco=other_aco, performance_year=PY, tin="555000001", legal_name="Elsewhere Clinic", practice_zip="21201"
    )
    run = alignment_run(PY)
    jan1 = D(PY, 1, 1)

    def align(who: ACO, m: str, tin: str, cohort: str, last: str, start: Any = jan1) -> AlignedBeneficiary:
        return AlignedBeneficiary(
            run=run, mbi=m, aco=who, alignment_type="claims", step="1", tin=tin, unit_kind="tin",
            effective_from=start, cohort=cohort, last_name=last, first_name="Pat",
        )  # fmt: skip

    AlignedBeneficiary.objects.bulk_create(
        [
            align(aco, M1, "111000001", "aged_disabled", "ONE"),
            align(aco, M2, "222000002", "esrd", "TWO", D(PY, 7, 1)),
            align(aco, M3, "111000001", "aged_disabled", "THREE"),
            align(aco, M5, "222000002", "high_needs", "FIVE"),
            align(other_aco, M4, "555000001", "aged_disabled", "FOUROTHER"),
        ]
    )
    pipeline = services.pipeline_run_create(performance_year=PY)
    PipelineRun.objects.filter(pk=pipeline.pk).update(alignment_run=run)
    for name in ("money", "summaries"):
        assert services.pipeline_step_execute(run_id=pipeline.pk, name=name, inline=True) == "succeeded"
    PipelineRun.objects.filter(pk=pipeline.pk).update(status=PipelineRun.Status.SUCCEEDED)
    return PipelineRun.objects.get(pk=pipeline.pk)


def list_url(aco: ACO, query: str = "") -> str:
    return f"/acos/{aco.aco_id}/money/high-cost/?py={PY}{query}"


def claims_url(aco: ACO, who: str, query: str = "") -> str:
    return f"/acos/{aco.aco_id}/money/high-cost/{who}/claims/?py={PY}{query}"


def listed(response: Any) -> list[tuple[str, Decimal]]:
    return [(r.fact.mbi, r.spending) for r, _ in response.context["rows"]]


# --- the money step -------------------------------------------------------------------------------


def test_the_money_step_keeps_each_beneficiarys_netted_spending_worked_by_hand(world: PipelineRun, aco: ACO) -> None:
    facts = {f.mbi: f for f in BeneficiarySpendingFact.objects.filter(run=world)}
    assert set(facts) == {M1, M2, M3, M4, M5}  # every aligned beneficiary, with claims or not
    one = facts[M1]
    # The adjustment replaced the $10,000 original; the cancelled $500 line counts for nothing.
    assert (one.inpatient, one.professional, one.total, one.claims) == (
        Decimal("12000.00"), Decimal("100.00"), Decimal("12100.00"), 2,
    )  # fmt: skip
    assert (facts[M2].professional, facts[M2].snf, facts[M2].total) == (
        Decimal("600.00"), Decimal("3000.00"), Decimal("3600.00"),
    )  # fmt: skip
    assert (facts[M3].outpatient, facts[M3].dme, facts[M3].total) == (
        Decimal("500.00"),
        Decimal("250.00"),
        Decimal("750.00"),
    )
    assert (facts[M5].total, facts[M5].claims) == (Decimal("0.00"), 0)
    assert facts[M4].hospice == Decimal("20000.00") and facts[M4].aco_id != aco.pk
    assert (facts[M2].cohort, facts[M2].tin, facts[M2].last_name) == ("esrd", "222000002", "TWO")


def test_the_beneficiaries_add_up_to_the_money_page_for_every_cohort_and_category(world: PipelineRun, aco: ACO) -> None:
    summary = PerformanceSummary.objects.get(run=world, aco=aco)
    data = summary.data
    assert data["settlement"]["expenditure"] == 16450.0
    everything = high_cost.totals(aco=aco, summary=summary, filters=high_cost.Filters())
    assert (everything.listed, everything.money_page, everything.beneficiaries) == (
        Decimal("16450.00"), Decimal("16450.00"), 4,
    )  # fmt: skip
    assert everything.reconciles
    by_category = {c["category"]: Decimal(str(c["expenditure"])) for c in data["categories"]}
    by_cohort = {c["cohort"]: Decimal(str(c["expenditure"])) for c in data["cohorts"]}
    for category, shown in by_category.items():
        t = high_cost.totals(aco=aco, summary=summary, filters=high_cost.Filters(category=category))
        assert t.reconciles and t.listed == t.money_page == shown.quantize(Decimal("0.01")), category
    for cohort, shown in by_cohort.items():
        t = high_cost.totals(aco=aco, summary=summary, filters=high_cost.Filters(cohort=cohort))
        assert t.reconciles and t.listed == shown.quantize(Decimal("0.01")), cohort
    for cohort in high_cost.COHORT_LABELS:
        for category in high_cost.CATEGORY_LABELS:
            t = high_cost.totals(aco=aco, summary=summary, filters=high_cost.Filters(cohort, category))
            cost = sum(
                CostFact.objects.filter(run=world, aco=aco, year=PY, cohort=cohort, category=category).values_list(
                    "amount", flat=True
                ),
                Decimal(0),
            )
            assert t.reconciles and t.before_tin == cost, (cohort, category)


# --- the page -------------------------------------------------------------------------------------


def test_the_list_ranks_by_netted_spending_with_shares(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin).get(list_url(aco))
    assert response.status_code == 200
    assert listed(response) == [
        (M1, Decimal("12100.00")), (M2, Decimal("3600.00")), (M3, Decimal("750.00")), (M5, Decimal("0.00")),
    ]  # fmt: skip
    rows = [r for r, _ in response.context["rows"]]
    assert [(r.rank, r.share_pct, r.cumulative_share_pct) for r in rows] == [
        (1, 73.56, 73.56), (2, 21.88, 95.44), (3, 4.56, 100.0), (4, 0.0, 100.0),
    ]  # fmt: skip
    assert [r.largest for r in rows] == ["Inpatient", "Skilled nursing facility", "Outpatient", ""]
    text = response.content.decode()
    assert "It adds up." in text and "$16,450.00" in text
    assert M4 not in text and "FOUROTHER" not in text and "$20,000" not in text
    # Each row leads to the beneficiary's page and to their claims.
    assert f"/acos/{aco.aco_id}/beneficiaries/{M1}/?py={PY}&amp;run={world.alignment_run_id}" in text
    assert f"/acos/{aco.aco_id}/money/high-cost/{M1}/claims/?py={PY}" in text
    log = AccessLog.objects.get(object_type="high_cost_beneficiaries")
    assert (log.action, log.aco_code, log.object_id, log.username) == (
        "view", aco.aco_id, f"pipeline run {world.pk}", "aco.admin",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected", "listed_total"),
    [
        ("&category=inpatient", [(M1, "12000.00")], "12000.00"),
        ("&category=professional", [(M2, "600.00"), (M1, "100.00")], "700.00"),
        ("&cohort=esrd", [(M2, "3600.00")], "3600.00"),
        ("&cohort=aged_disabled&category=outpatient", [(M3, "500.00")], "500.00"),
        ("&tin=111000001", [(M1, "12100.00"), (M3, "750.00")], "12850.00"),
        ("&tin=222000002&category=professional", [(M2, "600.00")], "600.00"),
        ("&cohort=nonsense", [(M1, "12100.00"), (M2, "3600.00"), (M3, "750.00"), (M5, "0.00")], "16450.00"),
    ],
)
def test_filters_by_cohort_category_and_aligning_tin(
    world: PipelineRun,
    aco: ACO,
    analyst: User,
    client_for: Callable[[User], Client],
    query: str,
    expected: list[tuple[str, str]],
    listed_total: str,
) -> None:
    response = client_for(analyst).get(list_url(aco, query))  # read-only members see the list too
    assert response.status_code == 200
    assert listed(response) == [(m, Decimal(v)) for m, v in expected]
    totals = response.context["totals"]
    assert totals.listed == Decimal(listed_total)
    assert totals.reconciles


def test_a_category_share_is_of_the_acos_spending_in_that_category(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin).get(list_url(aco, "&category=professional"))
    rows = [r for r, _ in response.context["rows"]]
    # $600 and $100 of the ACO's $700 of professional spending.
    assert [(r.share_pct, r.cumulative_share_pct) for r in rows] == [(85.71, 85.71), (14.29, 100.0)]
    # The claims links keep the category.
    assert [url for _, url in response.context["rows"]][0].endswith("category=professional")


def test_the_money_page_leads_to_the_list_from_its_charts_and_tables(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    text = client_for(admin).get(f"/acos/{aco.aco_id}/money/?py={PY}").content.decode()
    base = f"/acos/{aco.aco_id}/money/high-cost/?py={PY}"
    for category in high_cost.CATEGORY_LABELS:
        assert f'href="{base}&amp;category={category}"' in text, category
    for cohort in ("aged_disabled", "esrd", "high_needs"):
        assert f'href="{base}&amp;cohort={cohort}"' in text, cohort
    assert f'href="{base}"' in text  # the settlement's expenditure line and the link under the cards
    assert 'data-links="links-categories"' in text and 'id="links-categories"' in text
    assert 'data-links="links-settlement"' in text and 'data-links="links-cohorts"' in text


def test_a_run_from_before_the_list_says_the_next_run_adds_it(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    BeneficiarySpendingFact.objects.all().delete()
    response = client_for(admin).get(list_url(aco))
    assert response.status_code == 200
    assert "The next pipeline run adds this list." in response.content.decode()


# --- exports and API ------------------------------------------------------------------------------


def test_the_csv_export_starts_with_its_header_and_keeps_the_filter(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin).get(f"/acos/{aco.aco_id}/money/high-cost/export.csv?py={PY}&category=professional")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="LEAD_{aco.aco_id}_PY{PY}_high-cost_run{world.pk}-professional.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:8] == [
        "rank",
        "mbi",
        "last_name",
        "first_name",
        "cohort",
        "aligning_unit",
        "aligning_tin_or_ccn",
        "spending",
    ]
    assert [(r[0], r[1], r[7], r[8], r[9]) for r in rows[1:]] == [
        ("1", M2, "600.00", "85.71", "85.71"), ("2", M1, "100.00", "14.29", "100.0"),
    ]  # fmt: skip
    log = AccessLog.objects.get(object_type="high_cost_beneficiaries", action="export")
    assert log.detail == "csv export, 2 rows; professional spending"


def test_the_xlsx_export_has_the_list_and_an_about_sheet(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin).get(f"/acos/{aco.aco_id}/money/high-cost/export.xlsx?py={PY}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'high-cost_run{world.pk}.xlsx"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        workbook = book.read("xl/workbook.xml").decode()
        first = book.read("xl/worksheets/sheet1.xml").decode()
        about = book.read("xl/worksheets/sheet2.xml").decode()
        shared = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
    assert 'name="High-cost beneficiaries"' in workbook and 'name="About"' in workbook
    everything = first + shared
    assert all(m in everything for m in (M1, M2, M3, M5)) and M4 not in everything
    assert "rank" in everything and "12100" in first
    assert "Pipeline run" in about + shared and "not CMS determinations" in about + shared


def test_the_api_lists_the_same_ranking_with_its_totals(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin)
    body = client.get(f"/api/acos/{aco.aco_id}/high-cost/?py={PY}&category=professional").json()
    assert [(r["rank"], r["mbi"], r["spending"], r["share_pct"]) for r in body["results"]] == [
        (1, M2, "600.00", 85.71), (2, M1, "100.00", 14.29),
    ]  # fmt: skip
    assert body["count"] == 2 and body["pipeline_run"] == world.pk and body["filters"] == {"category": "professional"}
    assert body["totals"] == {
        "beneficiaries": 2, "spending": "700.00", "aco_spending": "700.00", "before_tin_filter": "700.00",
        "money_page_spending": "700.00", "reconciles": True,
    }  # fmt: skip
    assert body["results"][0]["by_category"]["snf"] == "3000.00"
    assert AccessLog.objects.filter(object_type="high_cost_beneficiaries", action="api").count() == 1
    bad = client.get(f"/api/acos/{aco.aco_id}/high-cost/?py={PY}&cohort=young")
    assert bad.status_code == 400 and "cohort" in bad.json()


# --- one beneficiary's claims ---------------------------------------------------------------------


def test_a_beneficiarys_claims_are_the_netted_ones_the_money_step_counted(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin).get(claims_url(aco, M1))
    assert response.status_code == 200
    found = response.context["found"]
    assert [(c.category, c.amount, c.adjustment) for c in found.claims] == [
        ("professional", Decimal("100.00"), "Original"), ("inpatient", Decimal("12000.00"), "Adjustment"),
    ]  # fmt: skip
    assert found.total == Decimal("12100.00") and found.matches_money_step
    assert found.left_out == {"replaced": 3, "denied": 0, "before_alignment": 0}
    assert [(c.category, c.amount, c.claims) for c in found.categories] == [
        ("inpatient", Decimal("12000.00"), 1), ("professional", Decimal("100.00"), 1),
    ]  # fmt: skip
    text = response.content.decode()
    assert "the categories above add up to it" in text
    log = AccessLog.objects.get(object_type="beneficiary_claims")
    assert (log.object_id, log.aco_code) == (M1, aco.aco_id)


def test_claims_left_out_say_why_and_a_category_narrows_the_list(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin)
    three = client.get(claims_url(aco, M3)).context["found"]
    assert three.left_out == {"replaced": 0, "denied": 1, "before_alignment": 0}
    two = client.get(claims_url(aco, M2, "&category=snf")).context
    assert [c.category for c in two["found"].claims] == ["snf"]
    assert two["found"].total == Decimal("3600.00")  # the categories table still shows everything
    assert two["found"].left_out == {"replaced": 0, "denied": 0, "before_alignment": 1}
    # The own participant's CCN is named; another ACO's TIN is never shown.
    text = client.get(claims_url(aco, M3)).content.decode()
    assert "CCN 210002" in text and "Harbor Primary Care (this ACO)" in text
    text = client.get(claims_url(aco, M2)).content.decode()
    assert "555000001" not in text and high_cost.OTHER_ACO_PROVIDER in text


def test_a_preferred_provider_of_another_aco_is_never_named(world: PipelineRun, aco: ACO, other_aco: ACO) -> None:
    PreferredProvider.objects.create(
        aco=other_aco, performance_year=PY, tin="777000007", npi="1234567893", name="Dr Other", specialty_code="01"
    )
    found = high_cost.beneficiary_claims(aco=aco, performance_year=PY, mbi=M1)
    professional = next(c for c in found.claims if c.category == "professional")
    assert professional.provider == high_cost.OTHER_ACO_PROVIDER  # the line's NPI 1234567893 is theirs


# --- tenancy --------------------------------------------------------------------------------------


def test_another_acos_beneficiary_answers_404(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin)
    assert client.get(claims_url(aco, M4)).status_code == 404
    assert client.get(claims_url(aco, "1AA0AA0AA99")).status_code == 404
    api = client.get(f"/api/acos/{aco.aco_id}/high-cost/?py={PY}&tin=555000001").json()
    assert api["results"] == [] and api["totals"]["beneficiaries"] == 0


def test_an_outsider_gets_404_everywhere(
    world: PipelineRun, aco: ACO, outsider: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(outsider)
    for url in (
        list_url(aco),
        claims_url(aco, M1),
        f"/acos/{aco.aco_id}/money/high-cost/export.csv?py={PY}",
        f"/acos/{aco.aco_id}/money/high-cost/export.xlsx?py={PY}",
        f"/api/acos/{aco.aco_id}/high-cost/?py={PY}",
    ):
        assert client.get(url).status_code == 404, url
    assert not AccessLog.objects.filter(object_type__in=["high_cost_beneficiaries", "beneficiary_claims"]).exists()


def test_the_other_acos_list_holds_only_its_own(
    world: PipelineRun, other_aco: ACO, outsider: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(outsider).get(list_url(other_aco))
    assert listed(response) == [(M4, Decimal("20000.00"))]
    text = response.content.decode()
    assert all(m not in text for m in (M1, M2, M3, M5))


@pytest.mark.parametrize(
    "query",
    ["&tin=%27%3B--", "&tin=" + "9" * 40, "&page=0", "&page=abc", "&page=999", "&cohort=%00", "&py=abc", "&category="],
)
def test_odd_queries_never_break_the_page_or_the_api(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client], query: str
) -> None:
    client = client_for(admin)
    assert client.get(list_url(aco, query)).status_code == 200
    assert client.get(f"/acos/{aco.aco_id}/money/high-cost/export.csv?py={PY}{query}").status_code == 200
    assert client.get(f"/api/acos/{aco.aco_id}/high-cost/?py={PY}{query}").status_code in (200, 400, 404)


def test_a_later_page_ranks_and_accumulates_from_the_rows_above_it(
    world: PipelineRun, aco: ACO, admin: User, client_for: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.performance import views_high_cost

    monkeypatch.setattr(views_high_cost, "PAGE_SIZE", 2)
    response = client_for(admin).get(list_url(aco, "&page=2"))
    rows = [r for r, _ in response.context["rows"]]
    # M1 and M2 ($15,700 of $16,450) are on page 1: M3 brings the cumulative share to 100%.
    assert [(r.rank, r.fact.mbi, r.share_pct, r.cumulative_share_pct) for r in rows] == [
        (3, M3, 4.56, 100.0), (4, M5, 0.0, 100.0),
    ]  # fmt: skip
    ranking = high_cost.ranked(aco=aco, run_id=world.pk, filters=high_cost.Filters())
    assert high_cost.spending_above(ranking, 1) == Decimal("12100.00")
    assert high_cost.spending_above(ranking, 2) == Decimal("15700.00")
    assert high_cost.spending_above(ranking, 0) == Decimal("0.00")
