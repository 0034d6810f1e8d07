"""The demo's clock in the browser (issue 17, "the demo's clock"): with ``PORTAL_TODAY`` cleared, the date
`manage.py demo` stores (the day after the last claims package it loaded: PY2027's run-out package of
2028-04-02, so April 3, 2028) is the one every page and every date rule follows. An ACO administrator
signs in, reads the "Demo: as of …" banner, and sees the rules agree with it: the overview opens on the
demo's PY2027, whose list deadline (October 31, 2026) has passed; on the profile PY2028's elections are
closed (its deadline, October 31, 2027, has passed too) while PY2029's (October 31, 2028) are open. On the
real date or on the suite's pinned date (December 1, 2026) PY2028 would still be open. Every page passes axe."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.acos.models import DemoClock
from apps.claims.management.commands.demo import Command as DemoCommand
from apps.claims.models import CCLFFile, IngestRun
from tests.e2e.browser import follow, sign_in, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def package_file(run: IngestRun, name: str, produced: dt.datetime, *, runout: bool) -> CCLFFile:
    return CCLFFile.objects.create(
        run=run,
        name=name,
        file_type="CCLF1",
        produced_at=timezone.make_aware(produced),
        performance_year=2027,
        sha256=name.ljust(64, "0")[:64],
        records=1,
        size=1,
        runout=runout,
    )


@pytest.fixture
def demo_moment(demo: list[Any], settings: Any) -> DemoClock:
    """No pinned date; PY2027's last monthly package (2028-01-02) and its run-out package (2028-04-02)
    loaded, and the date set from them the way `manage.py demo` sets it."""
    settings.PORTAL_TODAY = ""
    loaded = IngestRun.objects.create(source="demo bundle", status=IngestRun.Status.SUCCEEDED)
    package_file(loaded, "P.LEAD0.ACO.ZC1Y27.D280102.T0415300", dt.datetime(2028, 1, 2, 4, 15, 30), runout=False)
    package_file(loaded, "P.LEAD0.ACO.ZC1R27.D280402.T0415300", dt.datetime(2028, 4, 2, 4, 15, 30), runout=True)
    DemoCommand(stdout=io.StringIO())._clock()
    return DemoClock.objects.get()


def test_the_demo_date_is_the_one_the_banner_and_the_date_rules_follow(page: Page, demo_moment: DemoClock) -> None:
    assert (demo_moment.today, demo_moment.performance_year) == (dt.date(2028, 4, 3), 2027)

    sign_in(page, "cvhp.admin")  # lands on the overview
    expect(page).to_have_url(re.compile(r"/acos/L0001/$"))
    banner = page.locator("#demo-clock")
    expect(banner).to_contain_text("Demo: as of April 3, 2028")
    expect(banner).to_contain_text("the day after the PY2027 run-out claims package of 2028-04-02")
    # The overview opens on the demo's year, as of the demo's date, PY2027's list deadline long past.
    expect(page.locator("#py-select")).to_have_value("2027")
    expect(page.locator("#attention")).to_contain_text(re.compile(r"as of April 3, 2028", re.I))
    expect(page.get_by_text("The PY2027 list deadline (October 31, 2026) has passed")).to_be_visible()

    visit(page, "/acos/L0001/profile/")
    expect(page.locator("#demo-clock")).to_contain_text("Demo: as of April 3, 2028")
    rows = page.get_by_role("region", name="Elections by performance year").locator("tbody tr")
    py2028 = rows.filter(has=page.get_by_role("rowheader", name="PY2028"))
    py2029 = rows.filter(has=page.get_by_role("rowheader", name="PY2029"))
    expect(py2028).to_contain_text("Closed")
    expect(py2029).not_to_contain_text("Closed")
    expect(py2029.get_by_role("link", name="Edit PY2029 elections")).to_be_visible()

    # The closed year's form says when it closed, and offers nothing to save.
    follow(page, py2028.get_by_role("link", name="view PY2028 elections"))
    expect(page.locator("#elections-closed")).to_contain_text(
        "Elections for PY2028 closed on October 31, 2027, the PY2028 list deadline"
    )
    expect(page.get_by_role("button", name=re.compile("Save"))).to_have_count(0)
    expect(page.locator("#demo-clock")).to_contain_text("Demo: as of April 3, 2028")
