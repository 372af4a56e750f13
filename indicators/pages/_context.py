"""What every page needs from the running app: its settings and the store, per request.

Pages call ``snapshot()`` once per request: one resolved version file for the whole page, so a
page never mixes two versions. ``?as_of=YYYY-MM-DD`` or ``?as_of=load:N`` picks an earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import flask

from indicators.settings import Settings
from indicators.store import Snapshot, Store

_STATE: dict[str, Any] = {}


def configure(settings: Settings) -> None:
    _STATE["settings"] = settings
    _STATE["store"] = Store.from_settings(settings)


def settings() -> Settings:
    return _STATE["settings"]  # type: ignore[no-any-return]


def store() -> Store:
    return _STATE["store"]  # type: ignore[no-any-return]


class AsOfError(ValueError):
    """An ``as_of`` parameter that names no version."""


def snapshot(as_of: str | None = None) -> Snapshot:
    snap = store().snapshot()
    if flask.has_request_context():
        flask.g.data_version = snap.version
    if not as_of:
        return snap
    text = str(as_of).strip()
    try:
        if text.lower().startswith("load:"):
            return snap.at_version(int(text[5:]))
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise AsOfError(f"as_of {text!r}: use a date (YYYY-MM-DD) or load:N") from exc
    earlier = snap.at_date(day)
    if earlier is None:
        raise AsOfError(f"nothing was published by {day:%d %B %Y}")
    return earlier


def scorecard_rows(snap: Snapshot) -> list[dict[str, Any]]:
    frame = snap.query("scorecard")
    return [json.loads(p) for p in frame["payload"]]
