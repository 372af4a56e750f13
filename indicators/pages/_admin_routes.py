"""Form posts from /admin: add accounts, change roles and scopes, disable, export the audit log.

Imported by app.py (routes on the Flask server); the page itself is indicators/pages/admin.py.
Every route checks the administrator role on the server; the request guard has already checked
the origin and the CSRF token.
"""

from __future__ import annotations

import csv
import io
import urllib.parse
from typing import Any

import flask

from indicators.pages import _auth
from loaders.ops import AccountError

AUDIT_COLUMNS = ("at", "username", "action", "target", "outcome", "detail")


def _areas(text: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in text.split(";") if a.strip())


def register_admin_routes(server: flask.Flask) -> None:
    """Form posts from /admin. The request guard has already checked origin and CSRF."""

    def admin_only() -> Any:
        account = _auth.current_account()
        if account is None or account.role != "admin":
            _auth.audit("admin", "denied", flask.request.path)
            return flask.Response("Forbidden", status=403, mimetype="text/plain")
        return None

    def back(message: str) -> Any:
        return flask.redirect("/admin?" + urllib.parse.urlencode({"message": message}))

    @server.route("/admin/users", methods=["POST"])
    def add_user() -> Any:
        if (denied := admin_only()) is not None:
            return denied
        form = flask.request.form
        username = form.get("username", "").strip()
        try:
            _auth.ops().add_user(
                username,
                form.get("role", ""),
                password=form.get("password", ""),
                display_name=form.get("display_name") or None,
                areas=_areas(form.get("areas", "")),
            )
        except AccountError as exc:
            _auth.audit("user_add", "failure", username, str(exc))
            return back(f"Not added: {exc}.")
        _auth.audit("user_add", "success", username)
        return back(f"Added {username}.")

    @server.route("/admin/users/<username>/<change>", methods=["POST"])
    def change_user(username: str, change: str) -> Any:
        if (denied := admin_only()) is not None:
            return denied
        ops = _auth.ops()
        try:
            if change == "role":
                form = flask.request.form
                ops.set_role(username, form.get("role", ""), _areas(form.get("areas", "")))
            elif change in ("disable", "enable"):
                ops.set_disabled(username, change == "disable")
            else:
                return flask.Response("Not found", status=404, mimetype="text/plain")
        except AccountError as exc:
            _auth.audit(f"user_{change}", "failure", username, str(exc))
            return back(f"Not changed: {exc}.")
        _auth.audit(f"user_{change}", "success", username)
        return back(f"Changed {username}: {change}.")

    @server.route("/admin/audit.csv")
    def audit_csv() -> Any:
        if (denied := admin_only()) is not None:
            return denied
        args = flask.request.args
        entries = _auth.ops().audit_log(
            username=args.get("user", ""),
            action=args.get("action", ""),
            outcome=args.get("outcome", ""),
            limit=100_000,
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(AUDIT_COLUMNS)
        for entry in entries:
            writer.writerow([_neutralise(str(entry[c])) for c in AUDIT_COLUMNS])
        _auth.audit("audit_export", "success")
        return flask.Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
        )


def _neutralise(text: str) -> str:
    """A spreadsheet must not read a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
