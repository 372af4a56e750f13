"""The month-end journey over HTTP: template, upload, report or confirmation, publish, history,
rollback and commentary; and the same refusals for the wrong role or a forged request."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indicators.pages import _auth
from indicators.store import Store
from tests.fixtures import workbooks
from tests.integration.test_publish import store_files
from tests.web.callbacks import call, text_of
from tests.web.conftest import ORIGIN, csrf_of
from tests.web.test_security import page_callback

JUNE = dt.date(2021, 6, 1)


def encoded(path: Path) -> str:
    return (
        "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
        + base64.b64encode(path.read_bytes()).decode()
    )


def upload(client: Any, path: Path) -> Any:
    return call(
        client, "upload-result", {"upload.contents": encoded(path), "upload.filename": path.name}
    )


def confirm(client: Any, token: str) -> Any:
    """Press "Publish these changes" for the staged upload `token`."""
    return call(
        client, "publish-result", {"publish-button.n_clicks": 1, "staged-token.data": token}
    )


def staged_token(response: Any) -> str:
    data = json.loads(text_of(response))
    return str(data["response"]["staged-token"]["data"])


def stage_june_count(client: Any, path: Path, count: int) -> str:
    """Upload, as `client`, a workbook of one June figure of lac_number; the staged token."""
    book = workbooks.make_workbook(path, {"Actuals": [["lac_number", JUNE, count]]})
    return staged_token(upload(client, book))


def settings_of(app: Any) -> Any:
    from indicators.pages import _context

    return _context.settings()


def test_data_page_is_for_the_data_team(client_as: Callable[[str], Any]) -> None:
    assert "You do not have access" in text_of(page_callback(client_as("demo-viewer"), "/data"))
    page = text_of(page_callback(client_as("demo-data-team"), "/data"))
    assert "Drag and drop the workbook" in page and "Load history" in page
    assert "Data quality" in page


def test_upload_confirm_publish(client_as: Callable[[str], Any], app: Any, tmp_path: Path) -> None:
    client = client_as("demo-data-team")
    settings = settings_of(app)
    book = workbooks.make_workbook(
        tmp_path / "june.xlsx",
        {"Actuals": [["lac_rate_per_10k", JUNE, 77.7], ["lac_number", dt.date(2021, 7, 1), 480]]},
    )
    before = store_files(settings)
    response = upload(client, book)
    assert response.status_code == 200
    page = text_of(response)
    assert "Publishing it will make these changes" in page
    assert "2021-07 (1)" in page and "Revised values: 1" in page
    assert store_files(settings) == before  # nothing stored until confirmed
    token = staged_token(response)
    stranger = client_as("demo-admin")
    refused = confirm(stranger, token)
    assert refused.status_code == 204  # admins do not publish data
    published = confirm(client, token)
    assert "Loaded: 2 actuals for 2021-06 to 2021-07" in text_of(published)
    snap = Store.from_settings(settings).snapshot()
    # The page's version note and history are re-drawn from the version just published.
    assert f"Data version: load {snap.version} (latest)" in text_of(published)
    assert "june.xlsx" in text_of(published)
    assert published.headers["X-MTM-Data-Version"] == str(snap.version)
    assert snap.query("loads").iloc[0].user_name == "demo-data-team"
    again = confirm(client, token)
    assert "already loaded" in text_of(again)


def test_confirming_publishes_the_rows_already_checked(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path, workbook_checks: list[str]
) -> None:
    client = client_as("demo-data-team")
    token = stage_june_count(client, tmp_path / "once.xlsx", 466)
    published = confirm(client, token)
    assert "Loaded: 1 actual for 2021-06" in text_of(published)
    assert workbook_checks == ["once.xlsx"]  # read and checked once, at upload


def test_a_load_landing_before_confirmation_means_the_file_is_checked_again(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path, workbook_checks: list[str]
) -> None:
    from loaders.ingest import load_workbook

    client = client_as("demo-data-team")
    token = stage_june_count(client, tmp_path / "late.xlsx", 467)
    between = workbooks.make_workbook(
        tmp_path / "between.xlsx", {"Actuals": [["lac_number", dt.date(2021, 5, 1), 455]]}
    )
    assert load_workbook(settings_of(app), between, between.name, "someone-else").ok
    published = confirm(client, token)
    assert "Loaded: 1 actual for 2021-06" in text_of(published)
    assert workbook_checks == ["late.xlsx", "between.xlsx", "late.xlsx"]


def test_a_token_is_not_a_permission(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path
) -> None:
    settings = settings_of(app)
    _auth.ops().add_user("other-data", "data_team", password="a-strong-password-3")
    from tests.web.conftest import sign_in

    owner = client_as("demo-data-team")
    token = stage_june_count(owner, tmp_path / "x.xlsx", 470)
    other = app.server.test_client()
    sign_in(other, "other-data", "a-strong-password-3")
    before = store_files(settings)
    response = confirm(other, token)
    assert "no longer waiting" in text_of(response)
    assert store_files(settings) == before


def test_a_bad_upload_shows_the_whole_report(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path
) -> None:
    client = client_as("demo-data-team")
    book = workbooks.make_workbook(
        tmp_path / "bad.xlsx", {"Actuals": [["lac_number", "01/02/2021", "n/a"], ["nope", JUNE, 5]]}
    )
    before = store_files(settings_of(app))
    page = text_of(upload(client, book))
    assert "3 problems: nothing was loaded" in page
    assert '"cell":"B2"' in page and '"cell":"A3"' in page
    assert store_files(settings_of(app)) == before


@pytest.mark.parametrize("name", sorted(n for n in workbooks.REGISTRY if n.startswith("fails_")))
def test_hostile_files_through_the_web_upload(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path, name: str
) -> None:
    client = client_as("demo-data-team")
    before = store_files(settings_of(app))
    response = upload(client, workbooks.build(name, tmp_path))
    assert response.status_code == 200
    assert "nothing was loaded" in text_of(response)
    assert "Traceback" not in text_of(response)
    assert store_files(settings_of(app)) == before


@pytest.mark.parametrize("username", ["demo-viewer", "demo-manager", "demo-admin"])
def test_upload_is_refused_to_other_roles(
    client_as: Callable[[str], Any], app: Any, tmp_path: Path, username: str
) -> None:
    book = workbooks.make_workbook(tmp_path / "m.xlsx", {"Actuals": [["lac_number", JUNE, 471]]})
    response = upload(client_as(username), book)
    assert response.status_code == 204
    denials = [
        r
        for r in _auth.ops().audit_log()
        if r["username"] == username and r["outcome"] == "denied" and r["target"] == "data.upload"
    ]
    assert denials


def test_an_upload_over_the_limit_gets_413(client_as: Callable[[str], Any], app: Any) -> None:
    client = client_as("demo-data-team")
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    big = "data:x;base64," + "A" * (limit + 10)
    response = call(client, "upload-result", {"upload.contents": big, "upload.filename": "b"})
    assert response.status_code == 413


def test_the_request_limit_admits_a_largest_workbook_as_the_browser_sends_it(app: Any) -> None:
    from indicators.pages import _context

    settings = _context.settings()
    body = len(
        json.dumps({"contents": "data:x;base64," + "A" * (4 * -(-settings.max_upload_bytes // 3))})
    )
    assert app.server.config["MAX_CONTENT_LENGTH"] == settings.max_request_bytes
    assert body < settings.max_request_bytes < body + 2 * 1024 * 1024


def test_a_file_over_the_upload_limit_is_refused_with_its_size_and_the_limit(
    client_as: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from indicators.pages import _context

    small = _context.settings().with_overrides(max_upload_mb=1)
    monkeypatch.setitem(_context._STATE, "settings", small)
    client = client_as("demo-data-team")
    path = workbooks.build("passes_all", tmp_path)
    path.write_bytes(path.read_bytes() + b"\0" * (1024 * 1024))  # a zip with trailing bytes
    text = text_of(upload(client, path))
    assert "The file is too big" in text
    size = path.stat().st_size / 1024 / 1024  # just over 1 MB: shown as more than the limit
    assert f"{path.name} is {size:.2f} MB: the largest workbook accepted is 1 MB" in text
    assert _auth.ops().audit_log()[0]["outcome"] == "rejected"


def test_template_download(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-data-team")
    response = client.get("/data/template.xlsx?month=2021-07")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    assert "measures-that-matter-2021-07.xlsx" in response.headers["Content-Disposition"]
    assert client.get("/data/template.xlsx?month=July").status_code == 400
    assert client_as("demo-viewer").get("/data/template.xlsx").status_code == 403


def test_rollback_from_the_page(client_as: Callable[[str], Any], app: Any, tmp_path: Path) -> None:
    client = client_as("demo-data-team")
    token = stage_june_count(client, tmp_path / "r.xlsx", 444)
    text = text_of(confirm(client, token))
    load = int(re.search(r"\(load (\d+)\)", text).group(1))  # type: ignore[union-attr]
    viewer = client_as("demo-viewer")
    assert (
        viewer.post(
            f"/data/rollback/{load}",
            data={"csrf_token": csrf_of(viewer)},
            headers={"Origin": ORIGIN},
        ).status_code
        == 403
    )
    response = client.post(
        f"/data/rollback/{load}", data={"csrf_token": csrf_of(client)}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 302 and "Rolled+back+load" in response.headers["Location"]
    history = text_of(page_callback(client, "/data"))
    assert f"Load {load}" not in history or "(rolled back)" in history


@pytest.mark.parametrize(
    ("username", "indicator", "allowed"),
    [
        ("demo-manager", "lac_rate_per_10k", True),  # Looked after Children: in scope
        ("demo-manager", "ls_agency_workers_pct", False),  # Leadership and Stability: not
        ("demo-data-team", "ls_agency_workers_pct", True),
        ("demo-viewer", "lac_rate_per_10k", False),
        ("demo-admin", "lac_rate_per_10k", False),
    ],
)
def test_commentary_is_scoped_on_the_server(
    client_as: Callable[[str], Any], app: Any, username: str, indicator: str, allowed: bool
) -> None:
    client = client_as(username)
    text = f"Commentary by {username} on {indicator}"
    response = call(
        client,
        "commentary-result",
        {
            "commentary-save.n_clicks": 1,
            "measure-id.data": indicator,
            "commentary-month.value": "2021-06",
            "commentary-text.value": text,
        },
    )
    snap = Store.from_settings(settings_of(app)).snapshot()
    stored = snap.query("commentary_history", indicator_id=indicator)
    if allowed:
        assert "Saved as load" in text_of(response)
        assert text in set(stored["commentary"])
    else:
        assert response.status_code == 204
        assert text not in set(stored["commentary"])
        assert any(
            r["target"] == "measure.commentary" and r["outcome"] == "denied"
            for r in _auth.ops().audit_log()
        )


def test_commentary_edits_keep_history(client_as: Callable[[str], Any], app: Any) -> None:
    client = client_as("demo-data-team")
    for text in ("First version of the story", "Second version of the story"):
        call(
            client,
            "commentary-result",
            {
                "commentary-save.n_clicks": 1,
                "measure-id.data": "lac_number",
                "commentary-month.value": "2021-05",
                "commentary-text.value": text,
            },
        )
    page = text_of(page_callback(client, "/measure/lac_number"))
    assert "Second version of the story" in page and "First version of the story" in page
    assert "(earlier version)" in page
