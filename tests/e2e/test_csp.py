"""The Content-Security-Policy in a real browser: on a bundle computed by the real pipeline, the pages
with charts draw every chart (Plotly, htmx and the charts script all run), Plotly's own styles apply,
the sign-in pages, Swagger UI and the Django admin work, and the browser reports no violation of the
policy on any of them. Every page passes axe."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.browser import check_a11y, sign_in, sign_out, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Collected in the page itself: the browser fires `securitypolicyviolation` for each refusal.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
"""
CHARTS = """() => ({
  containers: document.querySelectorAll('.portal-chart[data-figure]').length,
  drawn: document.querySelectorAll('.portal-chart.js-plotly-plot .main-svg').length,
  plotlyRules: (document.getElementById('plotly.js-style-global')?.sheet?.cssRules.length) || 0,
})"""

ACO_PAGES = [
    ("home", {}),
    ("performance:money", {"aco_id": "L0001"}),
    ("quality:overview", {"aco_id": "L0001"}),
    ("rural:overview", {"aco_id": "L0001"}),
    ("alignment:by_tin", {"aco_id": "L0001"}),
    ("medicaid:duals", {"aco_id": "L0001"}),
    ("benefits:claims_usage", {"aco_id": "L0001"}),
]


@pytest.fixture
def demo(computed_demo: list[Any]) -> list[Any]:
    return computed_demo


def watch(page: Page) -> list[str]:
    """Every policy violation the tab reports: in the page (the DOM event) and in the console
    (the browser's own "Refused to ..." messages, and Plotly's warning when it cannot style)."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text or "strict CSP" in text:
            console.append(f"{page.url}: {text}")

    page.on("console", on_console)
    return console


def violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("() => window.__cspViolations || []")
    return [f"{page.url}: {v}" for v in found]


def test_pages_charts_sign_in_swagger_ui_and_the_admin_work_under_the_policy(page: Page) -> None:
    """One test, one computed bundle (building it is most of the time)."""
    console = watch(page)
    seen: list[str] = []
    sign_in(page, "cvhp.admin")
    for name, kwargs in ACO_PAGES:
        response = visit(page, reverse(name, kwargs=kwargs) + "?py=2027")
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self' 'nonce-" in policy or "script-src 'self';" in policy, policy
        charts = page.evaluate(CHARTS)
        if charts["containers"]:
            expect(page.locator(".portal-chart.js-plotly-plot")).to_have_count(charts["containers"])
            charts = page.evaluate(CHARTS)
            assert charts["drawn"] >= charts["containers"], f"{name}: {charts}"
            assert charts["plotlyRules"] > 0, f"{name}: Plotly's style rules were refused"
            seen.append(name)
        assert violations(page) == [], name
    # The home page's performance panel, the money, quality, rural and alignment pages have charts.
    assert {"home", "performance:money", "quality:overview", "rural:overview", "alignment:by_tin"} <= set(seen)
    sign_out(page)

    sign_in(page, "cms.admin", second_factor=True)  # the login and TOTP pages
    assert violations(page) == []
    visit(page, reverse("pipeline:compare") + "?py=2027")
    expect(page.locator(".portal-chart.js-plotly-plot").first).to_be_visible()
    assert violations(page) == []
    # Swagger UI: its inline style and start-up script carry the nonce; it fetches and draws the schema.
    docs = page.goto("/api/docs/")
    assert docs is not None and docs.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LEAD Portal API", timeout=20_000)
    expect(page.locator(".opblock").first).to_be_visible()
    check_a11y(page, exempt="third-party Swagger UI")
    assert violations(page) == []
    # Django's admin puts the nonce on its own scripts and styles.
    visit(page, "/admin/", exempt="Django's admin")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert violations(page) == []
    assert console == []
