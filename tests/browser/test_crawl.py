"""Browser layer: a crawl of every kind of page a signed-in administrator can reach by links.

Starting at `/`, every same-origin link is followed (downloads and sign-out excepted), taking
at most `PER_KIND` pages of each kind (the path with its ids left out, plus the names of its
query parameters) so the crawl stays short while still reaching every page, filter and view
the app links to. Each page must answer 200, have exactly one h1 in main that is not an error,
and log no console error, page error or failed request.
"""

from __future__ import annotations

import collections
import re
import time
from urllib.parse import parse_qsl, urljoin, urlparse

import pytest
from playwright.sync_api import Browser, Response

from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, sign_in
from tests.browser.test_pages import watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

PER_KIND = 2
MAX_PAGES = 120
CRAWL_BUDGET_S = 240.0
#: Links that are not pages: sign-out ends the session; these answer with a file.
NOT_PAGES = re.compile(r"^/(logout|_dash|assets/)|\.(csv|xlsx|pptx|pdf)$|/download|/export")
ERROR_HEADING = re.compile(r"not found|error|no such|something went wrong", re.IGNORECASE)


def kind_of(path_and_query: str) -> str:
    """A page's kind: its first path segment, whether it names something, its query keys."""
    parsed = urlparse(path_and_query)
    segments = [s for s in parsed.path.split("/") if s]
    head = "/" + (segments[0] if segments else "")
    named = "/<id>" if len(segments) > 1 else ""
    keys = sorted({key for key, _ in parse_qsl(parsed.query, keep_blank_values=True)})
    return head + named + ("?" + "&".join(keys) if keys else "")


def test_kind_of_groups_pages_by_route_and_parameters() -> None:
    assert kind_of("/") == "/"
    assert kind_of("/measure/lac_rate") == kind_of("/measure/eh_pct") == "/measure/<id>"
    assert kind_of("/?rag=red&area=x") == kind_of("/?area=y&rag=amber") == "/?area&rag"
    assert kind_of("/board?slide=3") != kind_of("/board")


def test_every_kind_of_linked_page_loads_cleanly(browser: Browser, app_url: str) -> None:
    started = time.monotonic()
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "demo-admin")
        errors = watch_errors(page)
        failed: list[str] = []

        def on_response(response: Response) -> None:
            if response.status >= 400:
                failed.append(f"{response.status} {response.url}")

        page.on("response", on_response)
        queue, seen = collections.deque(["/"]), {"/"}
        taken: collections.Counter[str] = collections.Counter()
        problems: dict[str, list[str]] = {}
        visited = 0
        while queue and visited < MAX_PAGES:
            path = queue.popleft()
            kind = kind_of(path)
            if taken[kind] >= PER_KIND:
                continue
            taken[kind] += 1
            visited += 1
            errors.clear()
            failed.clear()
            response = page.goto(path, wait_until="networkidle")
            found: list[str] = []
            if response is None or response.status != 200:
                found.append(f"status {response.status if response else None}")
            headings = page.locator("main h1")
            if headings.count() != 1:
                found.append(f"{headings.count()} h1 elements in main")
            elif ERROR_HEADING.search(headings.inner_text()):
                found.append(f"heading {headings.inner_text()!r}")
            found += errors + failed
            if found:
                problems[path] = found
            for href in page.eval_on_selector_all(
                "a[href]", "links => links.map(a => a.getAttribute('href'))"
            ):
                target = urlparse(urljoin(app_url + path, href))
                if f"{target.scheme}://{target.netloc}" != app_url:
                    continue
                local = target.path + (f"?{target.query}" if target.query else "")
                if local not in seen and not NOT_PAGES.search(target.path):
                    seen.add(local)
                    queue.append(local)
    finally:
        context.close()
    kinds = set(taken)
    assert {"/", "/measure/<id>", "/area/<id>", "/plan", "/board", "/data", "/admin"} <= kinds
    assert problems == {}, "\n".join(f"{p}: {'; '.join(m)}" for p, m in problems.items())
    elapsed = time.monotonic() - started
    assert elapsed < CRAWL_BUDGET_S, f"the crawl took {elapsed:.0f} s for {visited} pages"
