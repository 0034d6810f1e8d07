"""What people see at 1366 px, on a generated bundle computed by the real pipeline: the content column
uses the width, no data table or card is cut off, a table wider than its column scrolls with its first
column in view, and the quality decile strips show every D1–D9 label, worse to better left to right."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import sign_in, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OVERFLOW = """() => {
  const main = document.querySelector('main');
  const style = getComputedStyle(main);
  return {
    content: main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    tables: [...document.querySelectorAll('.portal-table-wrap')]
      .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.getAttribute('aria-label')),
    cards: [...document.querySelectorAll('.portal-card__value')]
      .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim()),
    page: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  };
}"""

# Each decile strip's labels: their text and left edge, and whether any pokes out of the chart.
DECILE_LABELS = """() => {
  const chart = document.querySelector('[data-figure="deciles-figure"]');
  const box = chart.querySelector('.main-svg').getBoundingClientRect();
  return [...chart.querySelectorAll('.scatterlayer .trace')].map(trace => [...trace.querySelectorAll('.textpoint text')]
    .map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent, x: r.left, inside: r.top >= box.top && r.bottom <= box.bottom
        && r.left >= box.left && r.right <= box.right && r.height > 0}; }))
    .filter(labels => labels.length);
}"""


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def test_nothing_is_cut_off_at_1366_px(page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "cvhp.admin")
    for path in (
        "/acos/L0001/beneficiaries/?py=2027",
        "/acos/L0001/voluntary/?py=2027",
        "/acos/L0001/rural/?py=2027",
        "/acos/L0001/rural/beneficiaries/?py=2027",
        "/acos/L0001/money/?py=2027",
        "/acos/L0001/quality/?py=2027",
        "/acos/L0001/quality/care-gaps/?py=2027",
        "/acos/L0001/beneficiaries/recapture-gaps/?py=2027",
        "/acos/L0001/cara/?py=2027",
        "/acos/L0001/cara/episodes/?py=2027",
    ):
        visit(page, path)
        seen = page.evaluate(OVERFLOW)
        assert seen["content"] >= 1000, f"{path}: the content column is {seen['content']} px"
        assert seen == {"content": seen["content"], "tables": [], "cards": [], "page": False}, path


def test_a_wide_table_scrolls_with_its_first_column_in_view(page: Page) -> None:
    page.set_viewport_size({"width": 900, "height": 900})
    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/beneficiaries/?py=2027")
    wrapper = page.locator(".portal-table-wrap").first
    assert page.evaluate(
        "() => { const w = document.querySelector('.portal-table-wrap'); return w.scrollWidth > w.clientWidth; }"
    ), "at 900 px the list is wider than its column"
    wrapper.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    first = wrapper.locator("tbody tr").first.locator("th, td").first
    second = wrapper.locator("tbody tr").first.locator("th, td").nth(1)
    left = wrapper.bounding_box()
    cell, next_cell = first.bounding_box(), second.bounding_box()
    assert left and cell and next_cell
    assert abs(cell["x"] - left["x"]) <= 1  # the MBI stays at the wrapper's left edge
    assert next_cell["x"] < left["x"]  # while the next column has scrolled away under it
    expect(wrapper).to_have_attribute("tabindex", "0")


def test_decile_strips_read_worse_to_better_with_every_label_shown(page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "cvhp.admin")
    visit(page, "/acos/L0001/quality/?py=2027")
    expect(page.locator('[data-figure="deciles-figure"] .main-svg').first).to_be_visible()
    strips = page.evaluate(DECILE_LABELS)
    assert len(strips) >= 4  # the claims measures, the lower-is-better ACR and UAMCC among them
    for labels in strips:
        assert all(label["inside"] for label in labels), labels
        left_to_right = [label["text"] for label in sorted(labels, key=lambda label: label["x"])]
        assert left_to_right == [f"D{k}" for k in range(1, 10)]
