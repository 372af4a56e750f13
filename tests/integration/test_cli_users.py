"""`mtm user`: accounts from the command line, audited, with argon2 hashes."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from indicators.settings import Settings
from loaders.cli import main
from loaders.ops import OpsDB


def run(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, str]:
    monkeypatch.setenv("MTM_OPS_DB", str(settings.path("ops_db")))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    return main(["user", *argv, "--user", "tester"], out=out), out.getvalue()


def test_user_lifecycle(empty_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = run(
        empty_settings,
        monkeypatch,
        "add",
        "sam",
        "--role",
        "service_manager",
        "--areas",
        "Early Help; MASH / EDT",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert code == 0 and "Added sam (Service manager)" in text
    code, text = run(empty_settings, monkeypatch, "list")
    assert "sam" in text and "Early Help; MASH / EDT" in text
    ops = OpsDB(empty_settings.path("ops_db"))
    account, reason = ops.verify("sam", "correct horse battery")
    assert reason == "ok" and account is not None
    with sqlite3.connect(empty_settings.path("ops_db")) as con:
        stored = con.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2") and "horse" not in stored
    assert run(empty_settings, monkeypatch, "role", "sam", "--role", "viewer")[0] == 0
    assert run(empty_settings, monkeypatch, "disable", "sam")[0] == 0
    assert ops.verify("sam", "correct horse battery")[1] == "disabled"
    assert run(empty_settings, monkeypatch, "enable", "sam")[0] == 0
    code, _ = run(
        empty_settings,
        monkeypatch,
        "reset-password",
        "sam",
        "--password-stdin",
        stdin="another long password\n",
    )
    assert code == 0 and ops.verify("sam", "another long password")[1] == "ok"
    actions = [(r["username"], r["action"], r["outcome"]) for r in ops.audit_log()]
    assert ("tester", "user_add", "success") in actions
    assert all("horse" not in r["detail"] for r in ops.audit_log())


@pytest.mark.parametrize(
    ("argv", "stdin", "words"),
    [
        (("add", "x", "--role", "viewer", "--password-stdin"), "short\n", "at least 12"),
        (
            ("add", "x", "--role", "service_manager", "--password-stdin"),
            "long enough pass\n",
            "needs at least one service area",
        ),
        (("role", "nobody", "--role", "viewer"), "", "no user called"),
        (
            ("add", "bad name", "--role", "viewer", "--password-stdin"),
            "long enough pass\n",
            "no spaces",
        ),
    ],
)
def test_user_errors_exit_2_with_a_message(
    empty_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    stdin: str,
    words: str,
) -> None:
    code, _ = run(empty_settings, monkeypatch, *argv, stdin=stdin)
    assert code == 2
    assert words in capsys.readouterr().err


def test_ops_db_is_wal_so_many_workers_can_write(empty_settings: Settings) -> None:
    ops = OpsDB(empty_settings.path("ops_db"))
    with ops.connect() as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert isinstance(empty_settings.path("ops_db"), Path)
