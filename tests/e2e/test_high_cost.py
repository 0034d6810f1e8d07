"""From the settlement to the people behind it, in the browser, on a generated bundle computed by the real
pipeline: an ACO administrator on the money page selects a bar of the spending-by-category chart and
lands on the high-cost beneficiaries of that category, which add up to the money page's figure; from the
cohorts table they reach a cohort's list, filter it by aligning TIN, download it, and open the
highest-cost beneficiary's claims. Every page passes axe."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from apps.performance import charts
from apps.performance.models import BeneficiarySpendingFact, PerformanceSummary
from tests.e2e.browser import check_a11y, follow, sign_in, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_admin_goes_from_the_money_page_to_a_beneficiarys_claims(page: Page) -> None:
    summary = PerformanceSummary.objects.get(aco__aco_id="L0001", performance_year=2027, run__status="succeeded")
    data = summary.data
    largest = max(data["categories"], key=lambda c: c["expenditure"])
    facts = BeneficiarySpendingFact.objects.filter(run_id=summary.run_id, aco__aco_id="L0001")
    assert facts.exists(), "the money step kept each beneficiary's spending"

    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/money/?py=2027")
    expect(page.locator("#high-cost-link")).to_contain_text(charts.money_text(data["settlement"]["expenditure"]))

    # The spending-by-category chart: its largest bar (drawn on top) opens that category's list.
    chart = page.locator("#chart-categories .js-plotly-plot")
    expect(chart).to_have_count(1)
    bar = page.locator("#chart-categories .bars .point").last
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    check_a11y(page)
    assert f"category={largest['category']}" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("High-cost beneficiaries, PY2027")
    expect(page.locator("#reconciliation-status")).to_contain_text("It adds up.")
    expect(page.locator("#reconciliation-status")).to_contain_text(charts.money_text(largest["expenditure"]))
    top = facts.exclude(**{largest["category"]: 0}).order_by(f"-{largest['category']}", "mbi").first()
    assert top is not None
    first_row = page.locator("#high-cost-list tbody tr").first
    expect(first_row).to_contain_text(top.mbi)
    expect(first_row).to_contain_text(charts.money_text(float(getattr(top, largest["category"]))))

    # Back on the money page, the cohorts table leads to a cohort's beneficiaries.
    visit(page, "/acos/L0001/money/?py=2027")
    cohort = data["cohorts"][0]
    follow(page, page.locator("#table-cohorts").get_by_role("link", name=re.compile(cohort["label"])))
    assert f"cohort={cohort['cohort']}" in page.url
    expect(page.locator("#reconciliation-status")).to_contain_text(charts.money_text(cohort["expenditure"]))
    cohort_facts = facts.filter(cohort=cohort["cohort"])
    rows = page.locator("#high-cost-list tbody tr")
    expect(rows).to_have_count(min(50, cohort_facts.count()))

    # Filtered by the aligning TIN of the cohort's costliest beneficiary: only that TIN's beneficiaries.
    costliest = cohort_facts.order_by("-total", "mbi").first()
    assert costliest is not None and costliest.tin
    page.get_by_label("Aligning TIN or CCN").select_option(costliest.tin)
    follow(page, page.locator("#high-cost-filters").get_by_role("button", name="Show"))
    assert f"tin={costliest.tin}" in page.url and f"cohort={cohort['cohort']}" in page.url
    listed = cohort_facts.filter(tin=costliest.tin)
    expect(rows).to_have_count(min(50, listed.count()))
    expect(rows.first).to_contain_text(costliest.mbi)

    # The download keeps the filter, header first.
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).click()
    header, *lines = list(csv.reader(io.StringIO(Path(info.value.path()).read_text())))
    assert header[:2] == ["rank", "mbi"]
    assert [line[1] for line in lines] == list(listed.order_by("-total", "mbi").values_list("mbi", flat=True))
    assert sum(Decimal(line[7]) for line in lines) == sum(listed.values_list("total", flat=True), Decimal(0))

    # The costliest beneficiary's claims add up to what the money step counted for them.
    follow(page, rows.first.get_by_role("link", name=re.compile("claim")))
    expect(page.get_by_role("heading", level=1)).to_contain_text(costliest.mbi)
    expect(page.locator("#claims-reconciliation")).to_contain_text("the categories above add up to it")
    expect(page.locator("#claims-by-category tfoot")).to_contain_text(charts.money_text(float(costliest.total)))
    expect(page.locator("#claims tbody tr")).to_have_count(costliest.claims)

    # And from there to why the beneficiary is aligned.
    follow(page, page.get_by_role("link", name="Why this beneficiary is aligned to L0001"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(costliest.mbi)
