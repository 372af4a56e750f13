"""Browser layer for the improvement plan: /plan in headless Chromium with no console or page
errors, its trend chart drawn, a linked measure followed to its page, the GET filters, an axe-core
scan, and a data-team member recording an update through the form. Fixtures are in this folder's
conftest.py (the app on a private copy of the demo store, a signed-in viewer per test)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    CHROMIUM,
    signed_in_page,
)
from tests.browser.test_pages import BLOCKING_IMPACTS, describe, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


def test_plan_opens_and_a_linked_measure_can_be_followed(page: Page) -> None:
    errors = watch_errors(page)
    page.goto("/plan", wait_until="networkidle")
    expect(page.locator("main h1")).to_have_text("Improvement plan")
    expect(page.locator("#plan-summary")).to_contain_text("202 actions:")
    expect(page.locator("#plan-trend svg.main-svg").first).to_be_visible()
    expect(page.locator("#plan-trend .barlayer .trace").first).to_be_attached()
    link = page.locator("a.mtm-linked-measure").first
    expect(link).to_be_visible()
    name = link.inner_text().strip()
    href = link.get_attribute("href")
    assert href and href.startswith("/measure/")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("main h1")).to_have_text(name)
    expect(page.locator("#measure-chart svg.main-svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert errors == [], "browser errors:\n" + "\n".join(errors)


def test_plan_filters_are_a_get_form(page: Page) -> None:
    errors = watch_errors(page)
    page.goto("/plan", wait_until="networkidle")
    page.select_option("#plan-filter-status", "overdue")
    page.select_option("#plan-filter-exceptions", "1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/plan\?.*status=overdue.*exceptions=1"))
    expect(page.locator("#plan-showing")).to_contain_text(re.compile(r"Showing \d+ of 202"))
    expect(page.locator(".mtm-plan-actions tbody tr").first).to_contain_text("Overdue by")
    page.wait_for_load_state("networkidle")
    assert errors == [], "browser errors:\n" + "\n".join(errors)


# Filtered to the overdue actions: the same markup as the whole plan, a DOM small enough for axe
# to finish within the test budget on a busy machine.
@pytest.mark.parametrize("path", ["/plan?status=overdue", "/plan?plan=wiltshire-2012"])
def test_axe_finds_nothing_serious_or_critical_on_the_plan(page: Page, path: str) -> None:
    page.goto(path, wait_until="networkidle")
    expect(page.locator("main h1")).to_be_visible()
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert blocking == [], f"{path}: axe violations:\n" + "\n".join(describe(v) for v in blocking)


@pytest.fixture
def data_team_page(browser: Browser, app_url: str) -> Iterator[Page]:
    with signed_in_page(browser, app_url, "demo-data-team") as page:
        yield page


def test_the_data_team_records_an_update(data_team_page: Page) -> None:
    page = data_team_page
    errors = watch_errors(page)
    page.goto("/plan", wait_until="networkidle")
    page.locator("#plan-update-action").click()
    page.keyboard.type("LS-07")  # the search box filters the options as it is typed
    page.locator(".dash-dropdown-option", has_text="LS-07:").click()
    page.get_by_label("Off track").check()
    page.fill("#plan-update-text", "Browser test: agency use rose again.")
    page.fill("#plan-update-revised", "2021-12-31")
    page.get_by_role("button", name="Record update").click()
    expect(page.locator("#plan-update-result")).to_contain_text(
        "Update recorded on LS-07", timeout=20_000
    )
    page.get_by_role("link", name="Reload the plan to see it").click()
    row = page.locator("tr", has=page.locator("#action-ls-07"))
    expect(row).to_contain_text("Browser test: agency use rose again.")
    expect(row).to_contain_text("revised to Dec 2021")
    assert errors == [], "browser errors:\n" + "\n".join(errors)
