"""Each role signs in through the browser and sees what its role allows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import check_a11y, follow, sign_in, sign_out, submit, totp_code, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_aco_admin_signs_in_to_their_aco_and_sees_edit_buttons(page: Page) -> None:
    sign_in(page, "cvhp.admin")
    assert page.url.endswith("/acos/L0001/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuyahoga Valley Health Partners ACO, LLC")
    # One ACO: no switcher in the header.
    expect(page.get_by_label("ACO", exact=True)).to_have_count(0)
    follow(page, page.get_by_role("navigation", name="Portal").get_by_role("link", name="Participant TINs"))
    expect(page.get_by_role("link", name="Add a Participant TIN")).to_be_visible()
    expect(page.get_by_role("link", name="Upload a CSV")).to_be_visible()
    expect(page.get_by_role("link", name="Edit TIN 111000001")).to_be_visible()
    sign_out(page)
    # Signed out, the portal sends the person back to the login page.
    visit(page, "/acos/L0001/")
    assert "/accounts/login/" in page.url


def test_aco_analyst_sees_no_edit_buttons_and_is_refused_edit_pages(page: Page) -> None:
    sign_in(page, "cvhp.analyst")
    assert page.url.endswith("/acos/L0001/")
    visit(page, "/acos/L0001/participants/?py=2028")
    expect(page.get_by_role("table")).to_contain_text("Akron Family Medicine")
    expect(page.get_by_role("link", name="Add a Participant TIN")).to_have_count(0)
    expect(page.get_by_role("link", name="Upload a CSV")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit TIN 111000001")).to_have_count(0)
    # Reading is allowed, editing is not: the edit URLs answer 403 even to a GET.
    visit(page, "/acos/L0001/participants/add/?py=2028", status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    expect(page.get_by_text("Your role in this ACO is read-only.")).to_be_visible()
    visit(page, "/acos/L0001/participants/upload/?py=2028", status=403)
    visit(page, "/acos/L0001/profile/edit/", status=403)
    # Another ACO answers exactly as a missing one: 404.
    visit(page, "/acos/L0002/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_network_admin_uses_the_aco_switcher(page: Page) -> None:
    sign_in(page, "network.admin")
    assert page.url.endswith("/acos/L0001/")
    switcher = page.get_by_label("ACO", exact=True)
    expect(switcher).to_have_value("L0001")
    switcher.select_option("L0002")
    submit(page, page.get_by_role("button", name="Switch"))
    assert page.url.endswith("/acos/L0002/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mid-State Accountable Care Organization, Inc.")
    expect(page.get_by_label("ACO", exact=True)).to_have_value("L0002")
    # The portal remembers the last ACO: home goes back to it.
    visit(page, "/")
    assert page.url.endswith("/acos/L0002/")


def test_cms_reviewer_passes_the_totp_step_and_sees_every_aco(page: Page) -> None:
    visit(page, "/accounts/login/")
    page.get_by_label("Username").fill("cms.reviewer")
    page.get_by_label("Password", exact=True).fill("lead-demo-2027!")
    submit(page, page.get_by_role("button", name="Sign in"))
    assert "/accounts/verify/" in page.url
    # Until the code is given, every other page sends the reviewer back to the TOTP step.
    visit(page, "/reviews/")
    assert "/accounts/verify/" in page.url
    good = totp_code("cms.reviewer")
    page.get_by_label("6-digit code").fill(f"{(int(good) + 500_000) % 1_000_000:06d}")
    submit(page, page.get_by_role("button", name="Verify"), status=200)
    expect(page.get_by_role("alert")).to_contain_text("That code is not valid")
    # django-otp throttles a device for a second after a wrong code; a person takes that long anyway.
    page.wait_for_timeout(1_100)
    page.get_by_label("6-digit code").fill(totp_code("cms.reviewer"))
    submit(page, page.get_by_role("button", name="Verify"))
    assert "/accounts/" not in page.url
    visit(page, "/")
    assert page.url.endswith("/cms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("All LEAD ACOs")
    table = page.get_by_role("table")
    expect(table).to_contain_text("L0001")
    expect(table).to_contain_text("L0002")
    follow(page, page.get_by_role("link", name="Review queue"))
    expect(page.get_by_text("Nothing to review")).to_be_visible()
    # Reviewers are not CMS admins: no access log link.
    expect(page.get_by_role("link", name="Access log")).to_have_count(0)
    # A reviewer reads any ACO's pages, without edit buttons.
    visit(page, "/acos/L0002/participants/?py=2027")
    expect(page.get_by_role("table")).to_contain_text("Zanesville Family Practice")
    expect(page.get_by_role("link", name="Add a Participant TIN")).to_have_count(0)


def test_cms_admin_reads_the_access_log_and_the_api_docs(page: Page) -> None:
    sign_in(page, "cms.admin", second_factor=True)
    assert page.url.endswith("/cms/")
    # Something to log: the CMS admin opens an ACO's Participant TIN list.
    visit(page, "/acos/L0001/participants/?py=2027")
    follow(page, page.get_by_role("link", name="Access log"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Access log")
    log = page.get_by_role("table")
    expect(log).to_contain_text("cms.admin")
    expect(log).to_contain_text("participants PY2027")
    page.get_by_label("ACO id").fill("L0002")
    submit(page, page.get_by_role("button", name="Filter"))
    expect(page.get_by_text("No access has been logged for this filter.")).to_be_visible()

    # Swagger UI is drf-spectacular's page, rendered by the swagger-ui bundle from the sidecar
    # package (served by the portal, no CDN). axe runs on it and its findings are reported, but
    # they do not fail the test: the markup is third-party and generated in the browser.
    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LEAD Portal API", timeout=20_000)
    expect(page.locator(".opblock").first).to_be_visible()
    check_a11y(page, exempt="third-party Swagger UI")
