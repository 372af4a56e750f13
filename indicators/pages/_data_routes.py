"""Routes behind /data: the template download and the rollback form (data team only).

The request guard has already checked sign-in, origin and the CSRF token; these check the role.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

import flask

from indicators.pages import _auth, _context

WRITERS = ("data_team",)


def _data_team_only() -> flask.Response | None:
    account = _auth.current_account()
    if account is None or account.role not in WRITERS:
        _auth.audit("data", "denied", flask.request.path)
        return flask.Response("Forbidden", status=403, mimetype="text/plain")
    return None


def register_data_routes(server: flask.Flask) -> None:
    @server.route("/data/template.xlsx")
    def template() -> Any:
        if (denied := _data_team_only()) is not None:
            return denied
        from loaders.prefill import prefill_from_store
        from loaders.template import write_template

        month_text = (flask.request.args.get("month") or "").strip()
        month = indicators = breakdowns = None
        if month_text:
            try:
                month = dt.datetime.strptime(month_text, "%Y-%m").date()
            except ValueError:
                return flask.Response(
                    "month: use YYYY-MM, e.g. 2021-07", status=400, mimetype="text/plain"
                )
            indicators, breakdowns = prefill_from_store(_context.settings())
        with tempfile.TemporaryDirectory() as tmp:
            path = write_template(
                Path(tmp) / "template.xlsx",
                indicators=indicators,
                month=month,
                breakdowns=breakdowns,
            )
            data = path.read_bytes()
        name = f"measures-that-matter-{month_text or 'template'}.xlsx"
        _auth.audit("template", "success", name)
        return flask.Response(
            data,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    @server.route("/data/rollback/<int:load_id>", methods=["POST"])
    def rollback_route(load_id: int) -> Any:
        if (denied := _data_team_only()) is not None:
            return denied
        from loaders.publish import LoadInProgress, PublishFailed
        from loaders.rollback import RollbackRefused, rollback

        account = _auth.current_account()
        assert account is not None
        try:
            summary = rollback(_context.settings(), load_id, account.username)
        except (RollbackRefused, LoadInProgress, PublishFailed) as exc:
            _auth.audit("rollback", "refused", f"load {load_id}", str(exc))
            message = f"Load {load_id} was not rolled back: {exc}."
        else:
            _auth.audit("rollback", "success", f"load {load_id}", f"load {summary.load_id}")
            said = summary.message  # "rolled back load N: ..."
            message = f"{said[:1].upper()}{said[1:]}, published as load {summary.load_id}."
        return flask.redirect("/data?" + urllib.parse.urlencode({"message": message}))
