"""The operational database: accounts, sessions and the audit log, in SQLite (WAL mode).

The published store is DuckDB, which allows one writer process; these small, frequent writes
from every gunicorn worker (a sign-in, a session touch, an audit line) need many writers, which
SQLite in WAL mode gives safely. Passwords are argon2 hashes; the audit log never holds
passwords or cell values.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "service_manager", "data_team", "admin")
ROLE_LABELS = {
    "viewer": "Viewer",
    "service_manager": "Service manager",
    "data_team": "Data team",
    "admin": "Administrator",
}
MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15
MIN_PASSWORD_LENGTH = 12

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    areas TEXT NOT NULL DEFAULT '[]',
    disabled INTEGER NOT NULL DEFAULT 0,
    is_demo INTEGER NOT NULL DEFAULT 0,
    auth_source TEXT NOT NULL DEFAULT 'local',
    session_epoch INTEGER NOT NULL DEFAULT 0,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    epoch INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
"""


class AccountError(ValueError):
    """A request about accounts that cannot be met (unknown user, weak password, bad role)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _iso(when: dt.datetime) -> str:
    return when.isoformat(sep=" ")


@dataclass(frozen=True)
class Account:
    user_id: int
    username: str
    display_name: str
    role: str
    areas: tuple[str, ...]
    disabled: bool
    is_demo: bool
    auth_source: str
    session_epoch: int

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can_write_area(self, area: str) -> bool:
        """Commentary and action updates: the data team anywhere, a service manager in scope."""
        if self.role == "data_team":
            return True
        return self.role == "service_manager" and area.casefold() in {
            a.casefold() for a in self.areas
        }


def _account(row: sqlite3.Row) -> Account:
    return Account(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        areas=tuple(json.loads(row["areas"] or "[]")),
        disabled=bool(row["disabled"]),
        is_demo=bool(row["is_demo"]),
        auth_source=row["auth_source"],
        session_epoch=row["session_epoch"],
    )


class OpsDB:
    """One handle per process; each thread gets its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._hasher = PasswordHasher()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            con.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA foreign_keys=ON")
            self._local.con = con
        yield con

    # --- settings kept here so every worker shares them --------------------------------------

    def secret_key(self) -> str:
        """The session-signing key, made once and shared by every worker."""
        with self.connect() as con:
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('secret_key', ?)", [secrets.token_urlsafe(48)]
            )
            row = con.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()
        return str(row["value"])

    # --- accounts ------------------------------------------------------------------------------

    def check_password_strength(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")

    def add_user(
        self,
        username: str,
        role: str,
        *,
        password: str | None,
        display_name: str | None = None,
        areas: tuple[str, ...] = (),
        is_demo: bool = False,
        auth_source: str = "local",
        check_strength: bool = True,
    ) -> Account:
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise AccountError("a username is 1 to 64 characters with no spaces")
        _check_role(role, areas)
        if password is not None and check_strength:
            self.check_password_strength(password)
        now = _iso(utcnow())
        hashed = self._hasher.hash(password) if password is not None else None
        try:
            with self.connect() as con:
                con.execute(
                    "INSERT INTO users (username, display_name, password_hash, role, areas, "
                    "is_demo, auth_source, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    [
                        username,
                        display_name or username,
                        hashed,
                        role,
                        json.dumps(list(areas)),
                        int(is_demo),
                        auth_source,
                        now,
                        now,
                    ],
                )
        except sqlite3.IntegrityError as exc:
            raise AccountError(f"there is already a user called {username!r}") from exc
        account = self.get_user(username)
        assert account is not None
        return account

    def get_user(self, username: str) -> Account | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
        return _account(row) if row else None

    def get_user_by_id(self, user_id: int) -> Account | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM users WHERE user_id = ?", [user_id]).fetchone()
        return _account(row) if row else None

    def list_users(self) -> list[Account]:
        with self.connect() as con:
            rows = con.execute("SELECT * FROM users ORDER BY username").fetchall()
        return [_account(r) for r in rows]

    def _update(self, username: str, assignments: str, values: list[Any]) -> Account:
        with self.connect() as con:
            cur = con.execute(
                f"UPDATE users SET {assignments}, session_epoch = session_epoch + 1, "  # noqa: S608
                "updated_at = ? WHERE username = ?",
                [*values, _iso(utcnow()), username],
            )
        if cur.rowcount == 0:
            raise AccountError(f"there is no user called {username!r}")
        account = self.get_user(username)
        assert account is not None
        return account

    def set_role(self, username: str, role: str, areas: tuple[str, ...] = ()) -> Account:
        """A new role or scope takes effect at the user's next request (sessions re-checked)."""
        _check_role(role, areas)
        return self._update(username, "role = ?, areas = ?", [role, json.dumps(list(areas))])

    def set_disabled(self, username: str, disabled: bool = True) -> Account:
        return self._update(username, "disabled = ?", [int(disabled)])

    def set_password(self, username: str, password: str) -> Account:
        self.check_password_strength(password)
        return self._update(
            username,
            "password_hash = ?, failed_sign_ins = 0, locked_until = NULL",
            [self._hasher.hash(password)],
        )

    def verify(self, username: str, password: str) -> tuple[Account | None, str]:
        """Check a sign-in: (account, "ok") or (None, reason). Locks after repeated failures."""
        with self.connect() as con:
            row = con.execute("SELECT * FROM users WHERE username = ?", [username]).fetchone()
        if row is None:
            # Hash anyway so a missing user takes as long as a wrong password.
            self._hasher.hash(password)
            return None, "unknown_user"
        now = utcnow()
        if row["locked_until"] and dt.datetime.fromisoformat(row["locked_until"]) > now:
            return None, "locked"
        if row["disabled"]:
            return None, "disabled"
        try:
            self._hasher.verify(row["password_hash"] or "", password)
        except (VerificationError, InvalidHashError):
            failures = row["failed_sign_ins"] + 1
            locked = (
                _iso(now + dt.timedelta(minutes=LOCKOUT_MINUTES))
                if failures >= MAX_FAILED_SIGN_INS
                else None
            )
            with self.connect() as con:
                con.execute(
                    "UPDATE users SET failed_sign_ins = ?, locked_until = ? WHERE user_id = ?",
                    [0 if locked else failures, locked, row["user_id"]],
                )
            return None, "locked" if locked else "wrong_password"
        with self.connect() as con:
            con.execute(
                "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE user_id = ?",
                [row["user_id"]],
            )
        return _account(row), "ok"

    def has_demo_accounts(self) -> bool:
        with self.connect() as con:
            return con.execute("SELECT 1 FROM users WHERE is_demo = 1").fetchone() is not None

    # --- sessions ------------------------------------------------------------------------------

    def start_session(self, account: Account) -> str:
        session_id = secrets.token_urlsafe(32)
        now = _iso(utcnow())
        with self.connect() as con:
            con.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, 0)",
                [session_id, account.user_id, account.session_epoch, now, now],
            )
        return session_id

    def session_account(
        self, session_id: str, *, idle: dt.timedelta, absolute: dt.timedelta
    ) -> Account | None:
        """The account behind a live session, or None (revoked, expired, account changed)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT s.*, u.* FROM sessions s JOIN users u USING (user_id) "
                "WHERE s.session_id = ? AND s.revoked = 0",
                [session_id],
            ).fetchone()
        if row is None:
            return None
        now = utcnow()
        created = dt.datetime.fromisoformat(row["created_at"])
        seen = dt.datetime.fromisoformat(row["last_seen"])
        if (
            row["disabled"]
            or row["epoch"] != row["session_epoch"]
            or now - seen > idle
            or now - created > absolute
        ):
            self.end_session(session_id)
            return None
        if (now - seen).total_seconds() > 30:  # touch at most twice a minute
            with self.connect() as con:
                con.execute(
                    "UPDATE sessions SET last_seen = ? WHERE session_id = ?",
                    [_iso(now), session_id],
                )
        return _account(row)

    def end_session(self, session_id: str) -> None:
        with self.connect() as con:
            con.execute("UPDATE sessions SET revoked = 1 WHERE session_id = ?", [session_id])

    # --- audit ---------------------------------------------------------------------------------

    def audit(
        self, username: str, action: str, outcome: str, target: str = "", detail: str = ""
    ) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT INTO audit (at, username, action, target, outcome, detail) "
                "VALUES (?,?,?,?,?,?)",
                [
                    _iso(utcnow()),
                    username or "anonymous",
                    action,
                    target[:300],
                    outcome,
                    detail[:500],
                ],
            )

    def audit_log(
        self, *, username: str = "", action: str = "", outcome: str = "", limit: int = 500
    ) -> list[dict[str, Any]]:
        clauses, values = [], []
        for column, value in (("username", username), ("action", action), ("outcome", outcome)):
            if value:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.connect() as con:
            rows = con.execute(
                f"SELECT * FROM audit {where} ORDER BY audit_id DESC LIMIT ?",  # noqa: S608
                [*values, limit],
            ).fetchall()
        return [dict(r) for r in rows]


def _check_role(role: str, areas: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "service_manager" and not areas:
        raise AccountError("a service manager needs at least one service area")
