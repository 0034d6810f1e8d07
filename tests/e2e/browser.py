"""Helpers for the browser tests: every page a test reaches is checked with axe.

``visit`` opens a path and checks it; after a click that loads a page, ``submit``/``follow`` (or a
direct ``check_a11y``) checks the page it led to. A ``PageTracker`` records every document the
tab loads, so a page reached without an axe check fails the test at teardown instead of slipping
through unchecked. Each check also refuses a page whose stylesheets or scripts failed to load, or
that threw a JavaScript error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, Response

from apps.acos.demo import DEMO_PASSWORD_DEFAULT

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# Set E2E_SCREENSHOT_DIR to keep a full-page screenshot of every page checked (for a visual review).
SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOT_DIR", "")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200)})),
  }));
}"""
STYLESHEETS = """() => [...document.styleSheets].filter(s => s.href).map(s => {
  let rules = -1;
  try { rules = s.cssRules.length; } catch (e) { rules = -1; }
  return {href: s.href, rules: rules};
})"""


@dataclass
class CheckedPage:
    """One page that went through axe, for the run's summary."""

    test: str
    url: str
    title: str
    blocking: int
    minor: int
    exempt: str = ""
    rules: list[str] = field(default_factory=list)


# Every page checked in this run, in order (printed in the terminal summary by conftest.py).
CHECKED_PAGES: list[CheckedPage] = []


@dataclass
class PageTracker:
    """What happened in one browser tab since its last check."""

    test: str
    navigations: list[str] = field(default_factory=list)
    checked_upto: int = 0
    unchecked: list[str] = field(default_factory=list)
    failed_assets: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


_TRACKERS: dict[int, PageTracker] = {}


def track(page: Page, test: str) -> PageTracker:
    """Start recording a tab's navigations, failed sub-resources and script errors."""
    tracker = PageTracker(test=test)
    _TRACKERS[id(page)] = tracker

    def on_load(loaded: Page) -> None:
        # Every document the tab loads (not htmx's in-place swaps: the tests check those
        # themselves). A page left without a check stays on the unchecked list.
        if len(tracker.navigations) > tracker.checked_upto:
            tracker.unchecked.append(tracker.navigations[-1])
        tracker.navigations.append(loaded.url)

    def on_response(response: Response) -> None:
        # The document itself may answer 403/404 on purpose; its assets must not.
        if response.status >= 400 and response.request.resource_type != "document":
            tracker.failed_assets.append(f"{response.status} {response.url}")

    page.on("load", on_load)
    page.on("response", on_response)
    page.on("pageerror", lambda error: tracker.page_errors.append(str(error)))
    return tracker


def tracker_for(page: Page) -> PageTracker:
    return _TRACKERS[id(page)]


def untrack(page: Page) -> PageTracker | None:
    return _TRACKERS.pop(id(page), None)


def unchecked_pages(page: Page) -> list[str]:
    tracker = tracker_for(page)
    pending = list(tracker.unchecked)
    if len(tracker.navigations) > tracker.checked_upto:
        pending.append(tracker.navigations[-1])
    return pending


def _format(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"      {node['target']}  {node['html']}")
    return "\n".join(lines)


def check_a11y(page: Page, *, exempt: str = "") -> list[dict[str, Any]]:
    """Run axe on the page as it is now; fail on serious or critical violations.

    ``exempt`` (a reason) records the page and its violations without failing: only for
    third-party pages we do not write, such as Swagger UI.
    """
    tracker = tracker_for(page)
    page.wait_for_load_state("load")
    problems = []
    if tracker.failed_assets:
        problems.append("assets that failed to load:\n  " + "\n  ".join(tracker.failed_assets))
    if tracker.page_errors:
        problems.append("JavaScript errors:\n  " + "\n  ".join(tracker.page_errors))
    tracker.failed_assets.clear()
    tracker.page_errors.clear()
    if not exempt:
        empty = [s["href"] for s in page.evaluate(STYLESHEETS) if s["rules"] <= 0]
        if empty:
            problems.append("stylesheets that did not load: " + ", ".join(empty))
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script>: the portal's
        # Content-Security-Policy refuses inline scripts without the page's nonce.
        page.evaluate("() => {\n" + AXE_JS.read_text(encoding="utf-8") + "\n}")
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    CHECKED_PAGES.append(
        CheckedPage(
            test=tracker.test,
            url=page.url,
            title=page.title(),
            blocking=len(blocking),
            minor=len(violations) - len(blocking),
            exempt=exempt,
            rules=[f"{v['id']} ({v['impact']})" for v in violations],
        )
    )
    tracker.checked_upto = len(tracker.navigations)
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        name = f"{len(CHECKED_PAGES):03d}-{tracker.test.split('[')[0]}.png"
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / name), full_page=True)
    if blocking and not exempt:
        problems.append(f"axe found serious or critical violations:\n{_format(blocking)}")
    if problems:
        pytest.fail(f"{page.url}:\n" + "\n".join(problems), pytrace=False)
    return violations


def visit(page: Page, path: str, *, status: int = 200, exempt: str = "") -> Response:
    """Open a path (relative to the live server), expect ``status``, and check the page."""
    response = page.goto(path)
    assert response is not None, f"no response for {path}"
    assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
    check_a11y(page, exempt=exempt)
    return response


def submit(page: Page, button: Locator, *, status: int | None = None) -> Response:
    """Click something that loads a new page (a form's submit button, a link), then check it."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None, "the click loaded no page"
    if status is not None:
        assert response.status == status, f"{page.url}: HTTP {response.status}, expected {status}"
    check_a11y(page)
    return response


follow = submit


def totp_code(username: str) -> str:
    """The code the user's authenticator app shows now (the demo devices have fixed keys)."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def sign_in(page: Page, username: str, *, password: str = DEMO_PASSWORD_DEFAULT, second_factor: bool = False) -> None:
    """Sign in through the login page (and the TOTP step for CMS staff)."""
    visit(page, "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    submit(page, page.get_by_role("button", name="Sign in"))
    if second_factor:
        assert "/accounts/verify/" in page.url, f"{username} was not asked for a second factor: {page.url}"
        page.get_by_label("6-digit code").fill(totp_code(username))
        submit(page, page.get_by_role("button", name="Verify"))
    assert "/accounts/" not in page.url, f"{username} is still on {page.url}"


def sign_out(page: Page) -> None:
    submit(page, page.get_by_role("button", name="Sign out"))
    assert "/accounts/login/" in page.url
