"""Browser-test fixtures: the app served from a private copy of the demo store, and Chromium.

The server runs ``python app.py PORT`` in a subprocess (as a council would run it), pointed at a
copy of the session's demo store through ``MTM_DB``, ``MTM_UPLOADS_DIR`` and ``MTM_OPS_DB``, so no
browser test can touch the store other tests read. Chromium is Debian's ``/usr/bin/chromium``,
driven by Playwright; nothing is downloaded (never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
START_TIMEOUT_S = 60.0
#: Playwright's default for every wait, navigation and expectation in these tests.
ACTION_TIMEOUT_MS = 15_000
#: No single browser test may take longer than this (checked after each test).
TEST_BUDGET_S = 45.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def serve_copy_of(store: Path, folder: Path) -> Iterator[str]:
    """Serve a private copy of `store` (in `folder`) with ``python app.py PORT``; yields its URL."""
    shutil.copytree(store, folder, symlinks=True)
    env = {
        **os.environ,
        "MTM_DB": str(folder / "mtm.duckdb"),
        "MTM_UPLOADS_DIR": str(folder / "uploads"),
        "MTM_OPS_DB": str(folder / "ops.sqlite"),
        "PYTHONUNBUFFERED": "1",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = folder.parent / f"server-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _answers_200(url + "/"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    pytest.fail(
                        f"app.py did not answer 200 on {url}/ within {START_TIMEOUT_S:.0f} s "
                        f"(exit code {proc.poll()}); server log:\n{tail}"
                    )
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="session")
def app_url(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app served by ``python app.py PORT`` on a private copy of the demo store."""
    with serve_copy_of(demo_store_dir, tmp_path_factory.mktemp("browser") / "store") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page: Page, username: str = "demo-viewer") -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", f"{username}-password")
    page.click("form.mtm-signin button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@contextlib.contextmanager
def signed_in_page(browser: Browser, base_url: str, username: str) -> Iterator[Page]:
    """A fresh context signed in as `username`, with bounded waits and the per-test budget."""
    started = time.monotonic()
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, username)
        yield page
    finally:
        context.close()
    elapsed = time.monotonic() - started
    assert elapsed < TEST_BUDGET_S, f"browser test took {elapsed:.1f} s (budget {TEST_BUDGET_S} s)"


@pytest.fixture(scope="session")
def signed_in_state(browser: Browser, app_url: str) -> dict[str, object]:
    """Cookies of a demo viewer's session, shared by the page tests."""
    context = browser.new_context(base_url=app_url)
    try:
        page = context.new_page()
        sign_in(page)
        return context.storage_state()  # type: ignore[return-value]
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, app_url: str, signed_in_state: dict[str, object]) -> Iterator[Page]:
    """A fresh signed-in browser context and page per test, with bounded waits and a budget."""
    started = time.monotonic()
    context = browser.new_context(
        base_url=app_url,
        viewport={"width": 1280, "height": 900},
        storage_state=signed_in_state,  # type: ignore[arg-type]
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
    elapsed = time.monotonic() - started
    assert elapsed < TEST_BUDGET_S, f"browser test took {elapsed:.1f} s (budget {TEST_BUDGET_S} s)"
