"""Browser layer for the data team's month end on /data: a workbook chosen in the upload box is
checked, what it would change is shown, and confirming publishes it; a bad workbook gets the
whole report and publishes nothing. Runs on its own copy of the demo store (it publishes), in
headless Chromium with no console or page errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, serve_copy_of, signed_in_page
from tests.browser.test_pages import watch_errors
from tests.fixtures.workbooks import make_workbook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def data_app_url(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_copy_of(demo_store_dir, tmp_path_factory.mktemp("data-journey") / "store") as url:
        yield url


@pytest.fixture
def data_team(browser: Browser, data_app_url: str) -> Iterator[Page]:
    with signed_in_page(browser, data_app_url, "demo-data-team") as page:
        yield page


def test_a_month_is_checked_shown_and_published(data_team: Page, tmp_path: Path) -> None:
    page = data_team
    errors = watch_errors(page)
    book = make_workbook(
        tmp_path / "july.xlsx",
        {
            "Actuals": [
                ["lac_rate_per_10k", dt.date(2021, 6, 1), 77.7],
                ["lac_number", dt.date(2021, 7, 1), 480],
            ]
        },
    )
    page.goto("/data", wait_until="networkidle")
    page.set_input_files("#upload input[type=file]", str(book))
    result = page.locator("#upload-result")
    expect(result).to_contain_text("july.xlsx passed every check")
    expect(result).to_contain_text("New actual values by month: 2021-07 (1)")
    expect(result).to_contain_text("Revised values: 1")
    expect(result.locator("table caption")).to_contain_text(["Revised values (old -> new)"])
    page.get_by_role("button", name="Publish these changes").click()
    expect(page.locator("#publish-result")).to_contain_text(
        "Loaded: 2 actuals for 2021-06 to 2021-07"
    )
    # The rest of the page follows: the version shown and the history are the new load's.
    expect(page.locator("#data-version")).to_contain_text("Data version: load 3 (latest)")
    newest = page.locator("#data-published table tbody tr").first
    expect(newest).to_contain_text("july.xlsx")
    expect(newest).to_contain_text("demo-data-team")
    expect(page.locator("#template-month")).to_have_value("2021-08")
    page.screenshot(path=str(tmp_path / "published.png"), full_page=True)
    page.get_by_role("link", name="See the scorecard").click()
    expect(page.locator("main h1")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert errors == [], "browser errors:\n" + "\n".join(errors)


def test_a_bad_workbook_gets_the_whole_report_and_nothing_to_publish(
    data_team: Page, tmp_path: Path
) -> None:
    page = data_team
    errors = watch_errors(page)
    book = make_workbook(
        tmp_path / "bad.xlsx",
        {
            "Actuals": [
                ["lac_number", dt.date(2021, 8, 1), "lots"],
                ["no_such_measure", dt.date(2021, 8, 1), 3],
            ]
        },
    )
    page.goto("/data", wait_until="networkidle")
    page.set_input_files("#upload input[type=file]", str(book))
    result = page.locator("#upload-result")
    expect(result).to_contain_text("nothing was loaded")
    expect(result.locator(".ag-row").first).to_be_visible()
    expect(result).to_contain_text("C2")
    expect(page.get_by_role("button", name="Publish these changes")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert errors == [], "browser errors:\n" + "\n".join(errors)


def test_a_file_over_the_limit_is_named_before_anything_is_sent(data_team: Page) -> None:
    """dcc.Upload drops such a file silently; assets/upload.js says why, chosen or dropped,
    in the words the server uses (indicators.domain.upload_too_big)."""
    from indicators.domain import upload_too_big

    page = data_team
    errors = watch_errors(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "update-component" in r.url else None)
    page.goto("/data", wait_until="networkidle")
    limit = int(page.locator("#upload-hint").get_attribute("data-max-bytes") or 0)
    assert limit == 25 * 1024 * 1024
    sent.clear()
    # Files made in the page: sending 25 MB through Playwright took 12 s of the test.
    chosen = """([name, size]) => {
        const files = new DataTransfer();
        files.items.add(new File([new Uint8Array(size)], name));
        const input = document.querySelector("#upload input[type=file]");
        input.files = files.files;
        input.dispatchEvent(new Event("change", {bubbles: true}));
    }"""
    page.evaluate(chosen, ["huge.xlsx", limit + 2])
    refused = page.locator("#upload-refused")
    # Two bytes over: the message gives the size in bytes, as the server would.
    expect(refused).to_have_text(upload_too_big("huge.xlsx", limit + 2, 25))
    expect(refused).to_be_visible()
    page.wait_for_timeout(500)
    assert sent == []  # the browser sent nothing
    dropped = """([name, size]) => {
        const files = new DataTransfer();
        files.items.add(new File([new Uint8Array(size)], name));
        document.querySelector("#upload-label").dispatchEvent(
            new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: files}));
    }"""
    page.evaluate(dropped, ["small.xlsx", 10])
    expect(refused).to_have_text("")
    expect(refused).to_be_hidden()
    page.evaluate(dropped, ["dropped.xlsx", 30 * 1024 * 1024])
    expect(refused).to_have_text(upload_too_big("dropped.xlsx", 30 * 1024 * 1024, 25))
    assert errors == [], "browser errors:\n" + "\n".join(errors)
