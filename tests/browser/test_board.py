"""Meeting mode in headless Chromium: a presenter's keys move through the measures, the URL
follows, the slide fits the screen at 1366x768 and 1920x1080, and printing gives one measure
per page. Fixtures (the served app, a signed-in page) are in this folder's conftest.py.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

TITLE = "#board-title"


def watch_errors(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{e.name}: {e.message}"))
    return errors


def slide_of(page: Page) -> int:
    match = re.search(r"[?&]slide=(\d+)", page.url)
    return int(match.group(1)) if match else 1


def count_of(page: Page) -> int:
    return int(page.locator("#board-count").inner_text().split(" of ")[1])


def press_and_wait(page: Page, key: str, slide: int) -> str:
    """Press ``key``; wait for the URL and the position of ``slide``; return its title."""
    page.keyboard.press(key)
    expect(page).to_have_url(re.compile(rf"[?&]slide={slide}(&|$)"))
    expect(page.locator("#board-count")).to_have_text(re.compile(rf"^{slide} of "))
    expect(page.locator(TITLE)).to_be_visible()
    return page.locator(TITLE).inner_text()


def test_keyboard_moves_through_the_measures_and_the_url_follows(page: Page) -> None:
    errors = watch_errors(page)
    page.goto("/board", wait_until="networkidle")
    expect(page.locator(TITLE)).to_be_visible()
    expect(page.locator("#board-chart .main-svg").first).to_be_visible()
    first = page.locator(TITLE).inner_text()
    total = count_of(page)
    assert total > 5

    second = press_and_wait(page, "ArrowRight", 2)
    assert second != first
    assert press_and_wait(page, "PageDown", 3) not in (first, second)  # a presenter's clicker
    assert press_and_wait(page, "ArrowLeft", 2) == second
    assert press_and_wait(page, "PageUp", 1) == first
    press_and_wait(page, "End", total)
    assert press_and_wait(page, "Home", 1) == first

    # Focus goes to the new slide's title, so a screen reader announces it.
    press_and_wait(page, "ArrowRight", 2)
    expect(page.locator(TITLE)).to_be_focused()

    # A link opens the same slide.
    url = page.url
    page.goto(url, wait_until="networkidle")
    expect(page.locator(TITLE)).to_have_text(second)

    # "t" toggles the table view and back; the state is in the URL too.
    page.keyboard.press("t")
    expect(page).to_have_url(re.compile(r"table=1"))
    expect(page.locator(".mtm-board__table table")).to_be_visible()
    expect(page.locator(TITLE)).to_have_text(second)
    page.keyboard.press("t")
    expect(page).not_to_have_url(re.compile(r"table=1"))
    expect(page.locator("#board-chart .main-svg").first).to_be_visible()

    # Keys typed into the board-date field are not moves.
    page.locator("#board-as-of").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("t")
    assert slide_of(page) == 2
    assert errors == [], "browser errors:\n" + "\n".join(errors)


def test_moves_work_as_plain_links_too(page: Page) -> None:
    page.goto("/board?slide=4", wait_until="networkidle")
    title = page.locator(TITLE).inner_text()
    page.locator("#board-next").click()
    expect(page).to_have_url(re.compile(r"slide=5"))
    page.locator("#board-prev").click()
    expect(page.locator(TITLE)).to_have_text(title)
    href = page.locator("#board-next").get_attribute("href")
    assert href == "/board?slide=5"


def _fits(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => {
                const d = document.scrollingElement;
                const slide = document.querySelector('.mtm-board__slide').getBoundingClientRect();
                const answers = document.querySelector('.mtm-board__answers');
                const over = Array.from(document.querySelectorAll('.mtm-board__slide *'))
                    .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)
                    .map(e => e.tagName + '.' + e.className).slice(0, 5);
                return {wide: d.scrollWidth - d.clientWidth, bottom: slide.bottom,
                        height: window.innerHeight, over: over,
                        hidden: answers.scrollHeight - answers.clientHeight};
            }"""
        )
    )


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366x768", "1920x1080"])
def test_a_slide_fits_the_screen(page: Page, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for slide in (1, 5, 12):
        page.goto(f"/board?slide={slide}", wait_until="networkidle")
        expect(page.locator("#board-chart .main-svg").first).to_be_visible()
        fit = _fits(page)
        assert fit["wide"] <= 0 and fit["over"] == [], (slide, fit)
        assert fit["bottom"] <= fit["height"], (slide, fit)
        assert fit["hidden"] <= 1, (slide, fit)  # every answer is in view, none scrolled away


def test_the_board_filters_sit_on_one_row_with_a_date_field_sized_for_a_date(page: Page) -> None:
    page.goto("/board", wait_until="networkidle")
    label = page.locator("label[for=board-as-of]").bounding_box()
    field = page.locator("#board-as-of").bounding_box()
    show = page.locator(".mtm-board__go").bounding_box()
    assert label and field and show
    assert 100 < field["width"] < 300, field  # "YYYY-MM-DD", not the whole row or nothing
    assert abs(field["y"] - label["y"]) < 20 and abs(show["y"] - label["y"]) < 20


def test_printing_gives_one_measure_per_page(page: Page) -> None:
    page.goto("/board?slide=2", wait_until="networkidle")
    expect(page.locator("#board-chart .main-svg").first).to_be_visible()
    one = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(one.pages) == 1
    title = page.locator(TITLE).inner_text()
    assert title.split()[0] in one.pages[0].extract_text()

    page.goto("/board?view=all&area=assessment", wait_until="networkidle")
    expect(page.locator(".mtm-board__slide")).to_have_count(3)
    expect(page.locator(".js-plotly-plot")).to_have_count(3)
    every = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(every.pages) == 3


def test_axe_finds_nothing_serious_on_the_board(page: Page) -> None:
    page.goto("/board", wait_until="networkidle")
    expect(page.locator("#board-chart .main-svg").first).to_be_visible()
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert blocking == [], [(v["id"], v["nodes"][0]["target"]) for v in blocking]
