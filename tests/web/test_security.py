"""Accounts, sessions and server-side authorisation (DESIGN section 7), tested as an attacker would:
forged callback posts, stale cookies, cross-site requests, brute force, oversized bodies."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indicators.pages import _auth
from tests.web.conftest import ORIGIN, csrf_of, sign_in

ROLES = ("demo-viewer", "demo-manager", "demo-data-team", "demo-admin")
PAGES = ("/", "/area/early-help", "/measure/lac_rate_per_10k", "/accessibility", "/admin")


def page_callback(client: Any, pathname: str, search: str = "") -> Any:
    """Forge the Dash Pages navigation callback for a path, as the browser would send it."""
    deps = json.loads(client.get("/_dash-dependencies").data)
    page_cb = next(d for d in deps if "_pages_content" in d["output"])
    body = {
        "output": page_cb["output"],
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {
                "id": i["id"],
                "property": i["property"],
                "value": pathname if i["property"] == "pathname" else search,
            }
            for i in page_cb["inputs"]
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [
            {"id": s["id"], "property": s["property"], "value": None} for s in page_cb["state"]
        ],
    }
    return client.post(
        "/_dash-update-component",
        json=body,
        headers={"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)},
    )


def audit_rows(app: Any) -> list[dict[str, Any]]:
    return _auth.ops().audit_log(limit=1000)


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        "/_dash-layout",
        "/_dash-dependencies",
        "/admin/audit.csv",
        "/_dash-component-suites/x.js",
    ],
)
def test_every_route_needs_a_session(app: Any, path: str) -> None:
    response = app.server.test_client().get(path)
    if path.startswith("/_dash"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_unauthenticated_posts_are_refused(app: Any) -> None:
    client = app.server.test_client()
    assert client.post("/_dash-update-component", json={}).status_code == 401
    assert client.post("/admin/users", data={"username": "x"}).status_code == 401


def test_sign_in_rotates_the_session_and_sign_out_ends_it_on_the_server(app: Any) -> None:
    client = app.server.test_client()
    client.get("/login")
    before = client.get_cookie("mtm_session").value
    assert sign_in(client, "demo-viewer").status_code == 302
    after = client.get_cookie("mtm_session").value
    assert after != before
    assert client.get("/").status_code == 200
    stolen = app.server.test_client()
    stolen.set_cookie("mtm_session", after)
    assert stolen.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client)}, headers={"Origin": ORIGIN})
    assert stolen.get("/").status_code == 302  # the copied cookie no longer works
    actions = [(r["username"], r["action"], r["outcome"]) for r in audit_rows(app)]
    assert ("demo-viewer", "sign_out", "success") in actions


def test_wrong_passwords_lock_the_account(app: Any) -> None:
    _auth.ops().add_user("locky", "viewer", password="a-strong-password-1")
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "locky", "wrong-password-xx").status_code == 401
    response = sign_in(client, "locky", "a-strong-password-1")
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)
    failures = [r for r in audit_rows(app) if r["username"] == "locky"]
    assert {r["outcome"] for r in failures} == {"failure"}
    assert all("password" not in r["detail"] or r["detail"] == "wrong_password" for r in failures)


def test_disabling_or_changing_a_role_takes_effect_at_the_next_request(
    app: Any, client_as: Callable[[str], Any]
) -> None:
    _auth.ops().add_user("temp-admin", "admin", password="a-strong-password-2")
    client = app.server.test_client()
    sign_in(client, "temp-admin", "a-strong-password-2")
    assert "You do not have access" not in page_callback(client, "/admin").get_data(as_text=True)
    _auth.ops().set_role("temp-admin", "viewer")
    assert client.get("/").status_code == 302
    sign_in(client, "temp-admin", "a-strong-password-2")
    assert "You do not have access" in page_callback(client, "/admin").get_data(as_text=True)
    _auth.ops().set_disabled("temp-admin")
    assert client.get("/").status_code == 302
    assert sign_in(client, "temp-admin", "a-strong-password-2").status_code == 401


def test_idle_sessions_expire(app: Any, web_store: Path) -> None:
    client = app.server.test_client()
    sign_in(client, "demo-viewer")
    with sqlite3.connect(web_store / "ops.sqlite") as con:
        con.execute("UPDATE sessions SET last_seen = '2000-01-01 00:00:00'")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": ORIGIN, "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": ORIGIN, "X-CSRFToken": "forged"}, 403),
        ({}, 403),
    ],
)
def test_cross_site_and_tokenless_callback_posts_are_refused(
    client_as: Callable[[str], Any], headers: dict[str, str], status: int
) -> None:
    client = client_as("demo-admin")
    full = {"X-CSRFToken": csrf_of(client), **headers} if "X-CSRFToken" not in headers else headers
    if not headers:
        full = {}
    assert client.post("/_dash-update-component", json={}, headers=full).status_code == status


def test_text_plain_callback_posts_are_refused(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-viewer")
    response = client.post(
        "/_dash-update-component",
        data="{}",
        content_type="text/plain",
        headers={"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)},
    )
    assert response.status_code == 415


def test_security_headers(client_as: Callable[[str], Any]) -> None:
    response = client_as("demo-viewer").get("/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers.getlist("Set-Cookie")
    assert any(
        "mtm_session" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookie
    ) or not any("mtm_session" in c for c in cookie)


def test_production_cookies_are_secure(web_store: Path) -> None:
    from app import create_app
    from tests.conftest import settings_for

    production = create_app(settings_for(web_store))
    assert production.server.config["SESSION_COOKIE_SECURE"] is True
    assert production.server.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.server.debug is False


def test_oversized_requests_get_413(client_as: Callable[[str], Any], app: Any) -> None:
    client = client_as("demo-data-team")
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/_dash-update-component",
        data=b"x" * (limit + 1),
        content_type="application/json",
        headers={"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)},
    )
    assert response.status_code == 413


def test_demo_accounts_against_a_real_store_refuse_to_start(
    tmp_path: Path, web_store: Path
) -> None:
    import shutil

    from app import RefusedToStart, create_app
    from loaders.ingest import load_workbook
    from tests.conftest import settings_for
    from tests.fixtures.workbooks import make_workbook

    copy = tmp_path / "store"
    shutil.copytree(web_store, copy, symlinks=True)
    settings = settings_for(copy)
    import datetime as dt

    book = make_workbook(
        tmp_path / "real.xlsx", {"Actuals": [["lac_number", dt.date(2021, 6, 1), 499]]}
    )
    assert load_workbook(settings, book, "real.xlsx", "a-real-person").ok
    with pytest.raises(RefusedToStart, match="demo accounts"):
        create_app(settings)


def test_admin_routes_refuse_everyone_but_administrators(client_as: Callable[[str], Any]) -> None:
    for username in ROLES:
        client = client_as(username)
        expected = 302 if username == "demo-admin" else 403
        response = client.post(
            "/admin/users/demo-viewer/disable",
            data={"csrf_token": csrf_of(client)},
            headers={"Origin": ORIGIN},
        )
        assert response.status_code == expected, username
        if username == "demo-admin":
            client.post(
                "/admin/users/demo-viewer/enable",
                data={"csrf_token": csrf_of(client)},
                headers={"Origin": ORIGIN},
            )
        csv_status = client.get("/admin/audit.csv").status_code
        assert csv_status == (200 if username == "demo-admin" else 403)


def test_every_callback_has_an_authorisation_decision(client_as: Callable[[str], Any]) -> None:
    deps = json.loads(client_as("demo-viewer").get("/_dash-dependencies").data)
    undecided = []
    for dep in deps:
        ids = {
            part.split("@")[0].rsplit(".", 1)[0] for part in dep["output"].strip(".").split("...")
        }
        if not all(i in _auth.CALLBACK_DECISIONS for i in ids):
            undecided.append(dep["output"])
    assert not undecided, f"callbacks without an authorisation decision: {undecided}"


def _upload_body() -> str:
    import base64
    import datetime as dt
    import tempfile
    from pathlib import Path

    from tests.fixtures.workbooks import make_workbook

    with tempfile.TemporaryDirectory() as tmp:
        book = make_workbook(
            Path(tmp) / "m.xlsx", {"Actuals": [["lac_number", dt.date(2021, 6, 1), 466]]}
        )
        return "data:x;base64," + base64.b64encode(book.read_bytes()).decode()


ALL = set(ROLES)
PAGE_ACCESS = {"/admin": {"demo-admin"}, "/data": {"demo-data-team", "demo-admin"}}


def test_authorisation_matrix(client_as: Callable[[str], Any]) -> None:
    """Every page, route and write callback x every role, with an in-scope and an out-of-scope
    service area for the scoped writes (the demo manager has Looked after Children and Early
    Help; ls_agency_workers_pct is Leadership and Stability). Forged requests only: nothing
    here trusts the browser. Denials are 401/403, or 204 (no data) for callbacks."""
    from tests.web.callbacks import call

    upload = _upload_body()
    callbacks = [
        (
            "upload",
            "upload-result",
            {"upload.contents": upload, "upload.filename": "m.xlsx"},
            {"demo-data-team"},
        ),
        ("report csv", "report-grid", {"report-csv.n_clicks": 1}, {"demo-data-team"}),
        (
            "commentary, in scope",
            "commentary-result",
            {
                "commentary-save.n_clicks": 1,
                "measure-id.data": "lac_rate_per_10k",
                "commentary-month.value": "2021-04",
                "commentary-text.value": "Matrix check",
            },
            {"demo-manager", "demo-data-team"},
        ),
        (
            "commentary, out of scope",
            "commentary-result",
            {
                "commentary-save.n_clicks": 1,
                "measure-id.data": "ls_agency_workers_pct",
                "commentary-month.value": "2021-04",
                "commentary-text.value": "Matrix check",
            },
            {"demo-data-team"},
        ),
    ]
    routes = [
        ("GET", "/admin/audit.csv", {"demo-admin"}),
        ("GET", "/data/template.xlsx", {"demo-data-team"}),
        ("POST", "/admin/users/nobody/disable", {"demo-admin"}),
        ("POST", "/data/rollback/999", {"demo-data-team"}),
        ("GET", "/export/scorecard.csv", ALL),
    ]
    checked = 0
    for username in ROLES:
        client = client_as(username)
        for path in (*PAGES, "/data", "/plan", "/board"):
            response = page_callback(client, path)
            assert response.status_code == 200
            denied = "You do not have access" in response.get_data(as_text=True)
            allowed = username in PAGE_ACCESS.get(path, ALL)
            assert denied is not allowed, (username, path)
            checked += 1
        for name, output, values, allowed_roles in callbacks:
            status = call(client, output, values).status_code
            assert (status == 200) is (username in allowed_roles), (username, name, status)
            checked += 1
        for method, path, allowed_roles in routes:
            if method == "GET":
                status = client.get(path).status_code
            else:
                status = client.post(
                    path, data={"csrf_token": csrf_of(client)}, headers={"Origin": ORIGIN}
                ).status_code
            assert (status in (200, 302)) is (username in allowed_roles), (username, path, status)
            checked += 1
    print(f"authorisation matrix: {checked} cells checked, all hold")


def test_the_audit_log_caption_counts_its_entries_in_words() -> None:
    from indicators.pages import admin

    assert admin._audit_caption(0) == "No audit entries match these filters"
    assert admin._audit_caption(1) == "The latest entry (UTC)"
    assert admin._audit_caption(1234) == "The latest 1,234 entries (UTC)"
