"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server, with the demo dataset loaded and the portal's date pinned.

Without Chromium the tests are skipped (``REQUIRE_BROWSER=1`` makes that a failure, as in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from such
# a thread unless told it is safe (it is: tests run one at a time). scripts/test.sh sets it too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# After PY2027's list deadline (2026-10-31) and before PY2028's (2027-10-31): PY2027 lists are
# locked (changes become requests for CMS), PY2028 lists are open.
PORTAL_TODAY = "2026-12-01"


def _browser_problem() -> str:
    """Why the browser tests cannot run here, or '' if they can."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    try:
        subprocess.run([CHROMIUM, "--version"], capture_output=True, timeout=30, check=True)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{CHROMIUM} does not run: {exc}"
    return ""


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database in a file, not SQLite's shared in-memory one: the live server answers the
    browser's requests on several threads (an autosave while a form is submitted), and in shared-cache
    memory a second writer fails at once with "database table is locked", where a file database makes
    it wait for the first (up to ``timeout`` seconds). Transactions begin IMMEDIATE (taking the write
    lock at once): two deferred ones that both read and then write cannot wait for each other, and one
    failed at once with "database is locked" (a submit racing the form's autosave)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        folder = Path(__file__).resolve().parents[2] / "var"
        folder.mkdir(exist_ok=True)
        # One file per test process, so two runs on one machine do not share a database.
        db.setdefault("TEST", {})["NAME"] = str(folder / f"e2e-test-{os.getpid()}.sqlite3")
        db.setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = _browser_problem()
    if problem:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests cannot run and REQUIRE_BROWSER=1: {problem}")
        pytest.skip(f"browser tests skipped: {problem}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(live_server: Any, settings: Any) -> list[Any]:
    """The demo dataset (two ACOs, their PY2027/PY2028 lists, one account per role) in the
    live server's database, with the portal's date pinned."""
    from apps.acos.demo import demo_load

    settings.PORTAL_TODAY = PORTAL_TODAY
    return demo_load()


def _generated_demo(settings: Any, folder: Path, *, computed: bool) -> list[Any]:
    from django.core.management import call_command

    from apps.acos.demo import demo_load

    settings.PORTAL_TODAY = PORTAL_TODAY
    bundle = folder / "bundle"
    call_command(
        "generate_cclf", out=str(bundle), beneficiaries=400, acos=2, seed=2027, performance_year=2027, workers=1
    )
    call_command("load_dataset", str(bundle))
    if computed:
        call_command("run_pipeline", performance_year=2027)
    return demo_load()


# A test file works on a generated world by overriding ``demo``: ``def demo(computed_demo): return computed_demo``.
@pytest.fixture
def computed_demo(live_server: Any, settings: Any, tmp_path: Path) -> list[Any]:
    """The demo as ``make run`` builds it, smaller: a generated bundle (two ACOs, 400 beneficiaries with
    their claims, PY2027) loaded and computed by the pipeline (alignment, quality, money, summaries),
    then the demo accounts, in the live server's database, with the portal's date pinned."""
    return _generated_demo(settings, tmp_path, computed=True)


@pytest.fixture
def loaded_demo(live_server: Any, settings: Any, tmp_path: Path) -> list[Any]:
    """The same generated bundle, loaded, with the demo accounts; nothing computed yet."""
    return _generated_demo(settings, tmp_path, computed=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def open_page(
    browser: Browser, live_server: Any, demo: list[Any], request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Page]]:
    """Open a fresh tab in its own browser context (its own cookies: one per person signed in).

    At teardown every tab must have had each page it reached checked with axe; when the test
    failed, a screenshot of every tab is kept in the test's tmp_path.
    """
    from tests.e2e.browser import track, unchecked_pages, untrack

    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def _open() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        track(page, request.node.name)
        pages.append(page)
        return page

    yield _open

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    missed: list[str] = []
    for index, page in enumerate(pages):
        if failed:
            shot = tmp_path / f"tab{index}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of tab {index} ({page.url}): {shot}")
        else:
            missed += unchecked_pages(page)
        untrack(page)
    for context in contexts:
        context.close()
    if missed:
        pytest.fail("pages reached without an axe check: " + ", ".join(missed), pytrace=False)


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    return open_page()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line for the axe checks; with -v, every page checked. Pages with findings (minor
    ones, or any on an exempt third-party page) are always listed with the rules that fired."""
    from tests.e2e.browser import CHECKED_PAGES

    if not CHECKED_PAGES:
        return
    terminalreporter.section("axe accessibility checks")
    paths = {p.url.split("?")[0] for p in CHECKED_PAGES}
    blocking = sum(p.blocking for p in CHECKED_PAGES if not p.exempt)
    minor = sum(p.minor for p in CHECKED_PAGES if not p.exempt)
    terminalreporter.write_line(
        f"{len(CHECKED_PAGES)} page loads checked ({len(paths)} distinct paths): {blocking} serious/critical "
        f"and {minor} minor/moderate violations on the portal's pages"
    )
    for p in CHECKED_PAGES:
        if p.rules or terminalreporter.verbosity > 0:
            note = f" [exempt: {p.exempt}]" if p.exempt else ""
            rules = f": {', '.join(p.rules)}" if p.rules else ""
            terminalreporter.write_line(f"  {p.test}: {p.url} “{p.title}”{note}{rules}")
