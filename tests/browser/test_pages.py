"""Browser layer: the served app in headless Chromium.

Every page loads with no console or page errors and shows its heading; the measure chart renders
with its text alternative; a keyboard-only user can reach a measure from the scorecard; axe-core
finds nothing serious or critical. Fixtures are in this folder's conftest.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import CHROMIUM, signed_in_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

AREAS = ("early-help", "looked-after-children", "youth-justice")
MEASURES = (
    "lac_rate_per_10k",
    "adoption_number_per_month",
    "eh_assessments_rate_per_10k",
    "mash_referrals_within_1wd_pct",
    "ls_caseload_overall",
)
PAGES = (
    "/",
    *(f"/area/{a}" for a in AREAS),
    *(f"/measure/{m}" for m in MEASURES),
    "/accessibility",
)
AXE_PAGES = ("/", "/measure/lac_rate_per_10k")
#: Pages where axe finds nothing of any impact, by the account that sees them: any finding fails.
AXE_CLEAN = (
    ("demo-viewer", "/plan"),
    ("demo-viewer", "/area/early-help"),
    ("demo-viewer", "/board?view=all&area=assessment"),
    ("demo-data-team", "/data"),
    ("demo-admin", "/admin"),
)
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
#: Upper bound on key presses while hunting for a link, so a broken tab order fails, not hangs.
MAX_KEY_PRESSES = 40


def watch_errors(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions as they happen."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            errors.append(
                f"console.error: {message.text} ({where.get('url')}:{where.get('lineNumber')})"
            )

    def on_page_error(error: Error) -> None:
        errors.append(f"pageerror: {error.name}: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


def focused(page: Page) -> dict[str, Any]:
    """What has keyboard focus: tag, id, href attribute and text."""
    return dict(
        page.evaluate(
            """() => {
                const e = document.activeElement;
                return {
                    tag: e ? e.tagName : null,
                    id: e ? e.id : null,
                    href: e ? e.getAttribute("href") : null,
                    text: e ? (e.textContent || "").trim() : "",
                };
            }"""
        )
    )


def press_until(
    page: Page, key: str, wanted: Callable[[dict[str, Any]], bool], limit: int = 0
) -> dict[str, Any]:
    """Press ``key`` until the focused element satisfies ``wanted``; fail after a bounded number."""
    seen = []
    for _ in range(limit or MAX_KEY_PRESSES):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
        seen.append(f"{now['tag']} {now['href'] or now['id'] or ''} {now['text'][:40]!r}")
    pytest.fail(
        f"{limit or MAX_KEY_PRESSES} presses of {key} never reached the link; focus went:\n"
        + "\n".join(seen)
    )


def href_starts(prefix: str) -> Callable[[dict[str, Any]], bool]:
    return lambda el: el["tag"] == "A" and (el["href"] or "").startswith(prefix)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_browser_errors(page: Page, path: str) -> None:
    errors = watch_errors(page)
    page.goto(path, wait_until="networkidle")
    heading = page.locator("main h1")
    expect(heading).to_have_count(1)
    expect(heading).to_be_visible()
    expect(heading).not_to_have_text(re.compile("not found", re.IGNORECASE))
    if path == "/":
        expect(page.locator("#scorecard-grid .ag-row").first).to_be_visible()
        expect(page.locator(".mtm-area-list a")).not_to_have_count(0)
    if path.startswith("/measure/"):
        figure = page.locator("figure", has=page.locator("#measure-chart"))
        expect(figure.locator("figcaption")).to_contain_text("Trend chart of")
        expect(page.locator("#measure-chart svg.main-svg").first).to_be_visible()
        expect(page.locator("#measure-chart .scatterlayer .trace").first).to_be_attached()
    if path.startswith("/area/"):
        expect(page.locator(".mtm-multiple svg.main-svg").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert errors == [], f"{path}: browser errors:\n" + "\n".join(errors)


def test_a_mistyped_address_is_a_404_that_shows_the_not_found_page(page: Page) -> None:
    errors = watch_errors(page)
    response = page.goto("/measures/lac_rate_per_10k", wait_until="networkidle")
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("Page not found")
    expect(page.locator("main a[href='/']")).to_have_text("scorecard")
    # The one error is Chromium reporting the 404 itself; the page's scripts raised nothing.
    assert [e for e in errors if "status of 404" not in e] == []
    assert len(errors) == 1


def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/", wait_until="networkidle")
    expect(page.locator("main h1")).to_be_visible()
    page.keyboard.press("Tab")
    first = focused(page)
    assert (first["tag"], first["href"], first["text"]) == (
        "A",
        "#main-content",
        "Skip to main content",
    ), f"first Tab stop is {first}"
    expect(page.get_by_role("link", name="Skip to main content")).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content"


def test_keyboard_only_journey_from_scorecard_to_a_measure(page: Page) -> None:
    """Scorecard -> service area -> measure with Shift+Tab and Enter only: no mouse."""
    errors = watch_errors(page)
    page.goto("/", wait_until="networkidle")
    expect(page.locator(".mtm-area-list a").first).to_be_visible()

    area = press_until(page, "Shift+Tab", href_starts("/area/"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(area["href"]) + "$"))
    expect(page.locator("main h1")).to_have_text(area["text"])
    expect(page.locator(".mtm-multiple h3 a").first).to_be_visible()

    measure = press_until(page, "Shift+Tab", href_starts("/measure/"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/measure/[^/]+$"))
    expect(page).to_have_url(re.compile(re.escape(measure["href"]) + "$"))
    expect(page.locator("main h1")).to_have_text(measure["text"])
    expect(page.locator("#measure-chart svg.main-svg").first).to_be_visible()
    assert errors == [], "browser errors:\n" + "\n".join(errors)


def test_enter_on_a_grid_measure_cell_opens_the_measure(page: Page) -> None:
    page.goto("/", wait_until="networkidle")
    cell = page.locator("#scorecard-grid .ag-row[row-index='0'] .ag-cell[col-id='measure']")
    expect(cell).to_be_visible()
    href = cell.locator("a").get_attribute("href")
    assert href and href.startswith("/measure/")
    text = cell.inner_text().strip()
    # The header, navigation, summary grid and filters come first: up to ~45 stops.
    press_until(page, "Tab", lambda el: el["tag"] == "DIV" and el["text"] == text, limit=90)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"), timeout=2_000)


def test_measure_data_grid_shows_every_month_and_prints_whole_rows(page: Page) -> None:
    """The figures behind the chart: all months, values not cut off on a narrow screen, and in
    print every row in the page's flow (none clipped, none split by a page break)."""
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto("/measure/lac_rate_per_10k", wait_until="networkidle")
    rows = page.locator("#measure-data .ag-center-cols-container .ag-row")
    expect(rows.first).to_be_visible()
    months = rows.count()
    assert months >= 36
    value = page.locator(
        "#measure-data .ag-row[row-index='0'] .ag-cell[col-id='value'] .ag-cell-value"
    )
    assert value.evaluate("e => e.scrollWidth <= e.clientWidth"), "value cut off"
    page.emulate_media(media="print")
    layout = page.evaluate(
        """() => {
            const rows = [...document.querySelectorAll(
                '#measure-data .ag-center-cols-container .ag-row')];
            const box = document.querySelector('#measure-data').getBoundingClientRect();
            const last = rows[rows.length - 1].getBoundingClientRect();
            return {
                positions: [...new Set(rows.map(r => getComputedStyle(r).position))],
                breaks: [...new Set(rows.map(r => getComputedStyle(r).breakInside))],
                lastInside: last.bottom <= box.bottom + 1,
            };
        }"""
    )
    assert layout == {"positions": ["relative"], "breaks": ["avoid"], "lastInside": True}
    assert page.locator("#measure-data .ag-center-cols-container .ag-row").count() == months


def test_scorecard_figures_wrap_instead_of_losing_their_unit(page: Page) -> None:
    page.goto("/", wait_until="networkidle")
    expect(page.locator("#scorecard-grid .ag-row").first).to_be_visible()
    cut = page.evaluate(
        """() => [...document.querySelectorAll(
                '#scorecard-grid .ag-cell[col-id="baseline"] .ag-cell-value, ' +
                '#scorecard-grid .ag-cell[col-id="latest"] .ag-cell-value, ' +
                '#scorecard-grid .ag-cell[col-id="target"] .ag-cell-value')]
            .filter(e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.textContent)"""
    )
    assert cut == []


PRINT_TABLE = """id => {
    const grid = window.dash_ag_grid.getApi(id);
    const shown = [];
    grid.forEachNodeAfterFilterAndSort(node => shown.push(node.data.measure_text));
    const table = document.getElementById(id + '-print');
    return {
        shown,
        printed: table ? [...table.querySelectorAll('tbody tr > th')].map(th => th.textContent)
                       : null,
        headers: table ? [...table.querySelectorAll('thead th')].map(th => th.textContent) : null,
        gridDisplay: getComputedStyle(document.getElementById(id)).display,
    };
}"""


@pytest.mark.parametrize(
    ("path", "grid"), [("/?rag=red", "scorecard-grid"), ("/area/early-help", "area-grid")]
)
def test_printing_a_measures_grid_prints_the_rows_it_shows_in_a_table_that_fits(
    page: Page, path: str, grid: str
) -> None:
    """The screen grid is too wide for paper and draws only the rows near the viewport: printing
    puts a table of the rows it shows, in its filter and sort, in its place."""
    page.goto(path, wait_until="networkidle")
    expect(page.locator(f"#{grid} .ag-row").first).to_be_visible()
    page.evaluate(
        "id => window.dash_ag_grid.getApi(id).applyColumnState("
        "{state: [{colId: 'latest', sort: 'desc'}], defaultState: {sort: null}})",
        grid,
    )
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    printing = page.evaluate(PRINT_TABLE, grid)
    assert printing["printed"] == printing["shown"] and len(printing["shown"]) > 1
    assert printing["headers"][:3] == ["Measure", "Service area", "Latest"]
    assert "SPC assurance" in printing["headers"] and "Trend (24 months)" not in printing["headers"]
    assert printing["gridDisplay"] == "none"
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate(PRINT_TABLE, grid)["printed"] is None

    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    pages = [p.extract_text() for p in pdf.pages]
    with_table = [text for text in pages if "SPC assurance" in text]
    assert with_table and all("Statistical" in text for text in with_table)
    assert not any("Trend (24 months)" in text for text in pages)
    assert page.locator(f"#{grid}-print").count() == 0  # gone after printing


@pytest.mark.parametrize(
    ("path", "username", "fields"),
    [
        ("/admin", "demo-admin", ("#new-username", "#new-name", "#audit-user", "#audit-action")),
        ("/", "demo-viewer", ("#filter-q",)),
    ],
)
def test_text_fields_in_a_row_of_filters_are_wide_enough_to_type_in(
    browser: Browser, app_url: str, path: str, username: str, fields: tuple[str, ...]
) -> None:
    """A short label ("Name", "User") must not make its field a sliver."""
    with signed_in_page(browser, app_url, username) as page:
        page.goto(path, wait_until="networkidle")
        for field in fields:
            box = page.locator(field).bounding_box()
            assert box and box["width"] >= 150, (field, box)


def test_a_long_account_name_stays_inside_the_header_bar(browser: Browser, app_url: str) -> None:
    """A service manager's name lists their areas; it wraps inside the black bar, not over it."""
    with signed_in_page(browser, app_url, "demo-manager") as page:
        page.goto("/", wait_until="networkidle")
        bar = page.locator(".mtm-header").bounding_box()
        account = page.locator(".mtm-account").bounding_box()
        assert bar and account
        border = 10  # the blue line under the bar
        assert account["y"] + account["height"] <= bar["y"] + bar["height"] - border


NARROW_PAGES = (
    "/",
    "/area/early-help",
    "/measure/lac_rate_per_10k",
    "/plan",
    "/board",
    "/data",
    "/admin",
    "/accessibility",
)


def test_no_page_scrolls_sideways_on_a_phone(browser: Browser, app_url: str) -> None:
    """At 320 CSS px (WCAG's reflow width: 1280 px at 400% zoom) a wide table scrolls inside its
    own named region; the page itself never does."""
    with signed_in_page(browser, app_url, "demo-admin") as page:
        page.set_viewport_size({"width": 320, "height": 700})
        for path in NARROW_PAGES:
            page.goto(path, wait_until="networkidle")
            width = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert width[0] <= width[1], (path, width)
        page.goto("/", wait_until="networkidle")
        region = page.locator(".mtm-table-scroll:has(.mtm-summary-grid)")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # it does scroll, itself
        assert region.get_attribute("role") == "region" and region.get_attribute("aria-label")
        region.focus()
        page.keyboard.press("ArrowRight")
        expect(region).to_be_focused()
        region.evaluate(  # the keyboard scrolls it (smoothly, so wait for it to move)
            "e => new Promise((moved, stuck) => { const t0 = performance.now(); "
            "(function poll() { if (e.scrollLeft > 0) moved(); "
            "else if (performance.now() - t0 > 3000) stuck(new Error('not scrolled')); "
            "else requestAnimationFrame(poll); })(); })"
        )


def describe(violation: dict[str, Any]) -> str:
    nodes = violation.get("nodes") or [{}]
    target = nodes[0].get("target")
    return (
        f"{violation['id']} [{violation.get('impact')}] {violation.get('help')}; "
        f"{len(nodes)} node(s), first {target}"
    )


@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_nothing_serious_or_critical(page: Page, path: str) -> None:
    page.goto(path, wait_until="networkidle")
    expect(page.locator("main h1")).to_be_visible()
    if path.startswith("/measure/"):
        expect(page.locator("#measure-chart svg.main-svg").first).to_be_visible()
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    others = [describe(v) for v in violations if v not in blocking]
    if others:
        print(f"{path}: minor axe findings (not failing):\n" + "\n".join(others))
    assert blocking == [], f"{path}: axe violations:\n" + "\n".join(describe(v) for v in blocking)


@pytest.mark.parametrize(("user", "path"), AXE_CLEAN)
def test_axe_finds_nothing_at_all_on_the_working_pages(
    browser: Browser, app_url: str, user: str, path: str
) -> None:
    with signed_in_page(browser, app_url, user) as page:
        page.goto(path, wait_until="networkidle")
        expect(page.locator("main h1")).to_be_visible()
        violations = Axe().run(page).response["violations"]
    assert violations == [], f"{path}: axe findings:\n" + "\n".join(map(describe, violations))
