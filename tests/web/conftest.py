"""Web-layer fixtures: the app on a private demo store, and signed-in test clients per role."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from indicators.store import close_connections
from tests.conftest import settings_for

ORIGIN = "http://localhost"


@pytest.fixture(scope="module")
def web_store(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web") / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    return folder


@pytest.fixture(scope="module")
def app(web_store: Path) -> Iterator[Any]:
    from app import create_app

    yield create_app(settings_for(web_store, environment="development"))
    close_connections()


def csrf_of(client: Any) -> str:
    with client.session_transaction() as session:
        return str(session.get("csrf", ""))


def sign_in(client: Any, username: str, password: str | None = None) -> Any:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:500]
    return client.post(
        "/login",
        data={
            "csrf_token": token.group(1),
            "username": username,
            "password": password or f"{username}-password",
            "next": "/",
        },
        headers={"Origin": ORIGIN},
    )


@pytest.fixture
def client_as(app: Any) -> Callable[[str], Any]:
    """A Flask test client signed in as one of the demo accounts."""

    def make(username: str) -> Any:
        client = app.server.test_client()
        response = sign_in(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return make
