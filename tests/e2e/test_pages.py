"""The other pages an ACO administrator reaches: profile, elections, the what-if planner; and the look
of the portal itself (the CMS Design System's stylesheets and htmx are served and applied)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import follow, sign_in, submit, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_design_system_styles_and_scripts_are_served_and_applied(page: Page) -> None:
    visit(page, "/accounts/login/")
    sheets = page.evaluate("() => [...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])")
    hrefs = " ".join(href for href, _ in sheets)
    assert "/static/vendor/cmsds/css/index.css" in hrefs
    assert "/static/css/portal.css" in hrefs
    assert all(rules > 0 for _, rules in sheets), sheets
    styles = page.evaluate(
        """() => ({
          body: getComputedStyle(document.body).fontFamily,
          header: getComputedStyle(document.querySelector('.portal-header')).backgroundColor,
          button: getComputedStyle(document.querySelector('.ds-c-button--solid')).backgroundColor,
          skip: document.querySelector('.ds-c-skip-nav').getBoundingClientRect().bottom,
        })"""
    )
    assert "Open Sans" in styles["body"]  # the design system's type, not the browser default
    assert styles["header"] == "rgb(11, 71, 120)"  # portal.css
    assert styles["button"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert styles["skip"] <= 0  # the skip link is off screen until focused
    assert page.evaluate("() => typeof htmx") == "object"


def test_profile_elections_and_coming_pages(page: Page) -> None:
    sign_in(page, "msaco.admin")
    nav = page.get_by_role("navigation", name="Portal")
    follow(page, nav.get_by_role("link", name="Profile and elections"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile and elections")
    elections = page.get_by_role("table")
    # PY2027's deadline has passed: its elections are closed; PY2028's can still be changed.
    expect(elections.get_by_role("row", name="PY2027")).to_contain_text("Closed")
    # A closed year reads, without a form (issue 17: it was editable until Save).
    follow(page, elections.get_by_role("link", name="view PY2027 elections"))
    expect(page.get_by_role("heading", level=1)).to_have_text("PY2027 elections")
    expect(page.locator("#elections-closed")).to_contain_text("Elections for PY2027 closed on October 31, 2026")
    expect(page.get_by_role("button", name="Save elections")).to_have_count(0)
    # A year the portal does not know is named, not shown as another year (it showed "PY2027 elections").
    visit(page, "/acos/L0002/elections/2040/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("No PY2040 elections")
    follow(page, page.get_by_role("link", name="Back to the profile and elections"))
    elections = page.get_by_role("table")
    follow(page, elections.get_by_role("link", name="Edit PY2028 elections"))
    expect(page.get_by_role("heading", level=1)).to_have_text("PY2028 elections")
    # Mid-State takes Professional risk: Total Care Capitation is refused, next to the field.
    page.get_by_label("Capitation election").select_option("tcc")
    submit(page, page.get_by_role("button", name="Save elections"), status=400)
    expect(page.locator("#id_capitation_error")).to_have_text(
        "Total Care Capitation is only for ACOs taking Global risk."
    )
    page.get_by_label("Risk option").select_option("global")
    submit(page, page.get_by_role("button", name="Save elections"))
    expect(page.get_by_role("status")).to_contain_text("Elections for PY2028 saved.")
    expect(page.get_by_role("table").get_by_role("row", name="PY2028")).to_contain_text("Total Care Capitation")

    follow(page, page.get_by_role("link", name="Edit profile"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the L0002 profile")
    page.get_by_label("Primary contact phone").fill("304-555-0199")
    submit(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Profile saved.")
    expect(page.get_by_text("304-555-0199")).to_be_visible()

    follow(page, nav.get_by_role("link", name="Preferred Providers"))
    expect(page.get_by_role("table")).to_contain_text("Muskingum Pulmonary Associates")
    follow(page, nav.get_by_role("link", name="CARA episodes and arrangements"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("CARA episodes, PY")
    expect(nav.get_by_role("link", name="CARA episodes and arrangements")).to_have_attribute("aria-current", "page")
    follow(page, nav.get_by_role("link", name="GLP-1 access (BALANCE)"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("GLP-1 access (BALANCE), PY")
    expect(nav.get_by_role("link", name="GLP-1 access (BALANCE)")).to_have_attribute("aria-current", "page")
    follow(page, nav.get_by_role("link", name="What-if planner"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("What-if planner, PY")
    expect(nav.get_by_role("link", name="What-if planner")).to_have_attribute("aria-current", "page")
    visit(page, "/acos/L0002/no-such-area/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
