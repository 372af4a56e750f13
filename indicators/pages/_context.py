"""What every page needs from the running app: its settings and the store, per request.

Pages call ``snapshot()`` once per request: one resolved version file for the whole page, so a
page never mixes two versions. ``?as_of=YYYY-MM-DD`` or ``?as_of=load:N`` picks an earlier one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import flask
import orjson

from indicators.listing import listing_record
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
    return [orjson.loads(p) for p in frame["payload"]]


def listing_rows(snap: Snapshot) -> list[dict[str, Any]]:
    """The scorecard's rows reduced to their filter keys and grid record (indicators/listing.py),
    as stored at publish; built here only for a version published before they were stored."""
    if not snap.has_column("scorecard", "listing"):
        return [listing_record(row) for row in scorecard_rows(snap)]
    frame = snap.query("scorecard_listing")
    if not frame["listing"].isna().any():
        # One parse of the joined records: a national scorecard has hundreds of rows (orjson
        # decodes its 400 kB in 0.9 ms where the standard library takes 2.1 ms).
        return list(orjson.loads("[" + ",".join(frame["listing"].tolist()) + "]"))
    return [
        orjson.loads(listing) if listing is not None else listing_record(orjson.loads(payload))
        for listing, payload in zip(frame["listing"], frame["payload"], strict=True)
    ]


@dataclass(frozen=True)
class MeasureView:
    """One measure and breakdown as its page shows it: the scorecard row and what the page draws
    beyond it (`indicators.scorecard.measure_page`: SPC points, target trajectory, where the
    definition came from)."""

    row: dict[str, Any]
    points: list[dict[str, Any]]
    trajectory: list[list[Any]]
    defined_in: dict[str, Any]


def measure_view(
    snap: Snapshot, indicator_id: str, breakdown: str | None = None
) -> MeasureView | None:
    """One measure for a breakdown. The headline and its page are precomputed at publish and read
    in one query; any other breakdown is computed now from this version's rows (one series:
    milliseconds); a version published before pages were kept has them rebuilt from its rows."""
    from indicators.scorecard import (
        Inputs,
        build_scorecard,
        decode_measure_page,
        encode_measure_page,
        settings_inputs,
    )

    kept = snap.has_column("scorecard", "measure_page")
    found = snap.records("measure_page" if kept else "scorecard_row", indicator_id=indicator_id)
    if not found:
        return None
    headline: dict[str, Any] = orjson.loads(found[0]["payload"])
    chosen = headline["breakdown"] if breakdown is None else breakdown
    if chosen == headline["breakdown"] and found[0].get("measure_page"):
        return MeasureView(headline, **decode_measure_page(found[0]["measure_page"]))
    if chosen not in (headline.get("breakdowns") or []):
        return None

    def mine(name: str) -> Any:
        data = snap.query(name)
        return data[data["indicator_id"] == indicator_id]

    inputs = Inputs(
        indicators=mine("indicators"),
        actuals=snap.query("actuals_for_breakdown", indicator_id=indicator_id, breakdown=chosen),
        targets=mine("targets"),
        comparators=mine("comparators"),
        commentary=mine("commentary"),
        **settings_inputs(settings()),
        breakdowns_of={indicator_id: headline["breakdowns"]},
    )
    pages: dict[str, dict[str, Any]] = {}
    rows = build_scorecard(
        inputs,
        breakdown=chosen,
        published_for={indicator_id: headline.get("published")},
        pages=pages,
    )
    if not rows:
        return None
    # Through the stored form, so a page built now is the page publishing would have kept.
    page = decode_measure_page(encode_measure_page(pages[indicator_id]))
    if chosen == headline["breakdown"]:
        # An earlier version's headline: its stored row is what the board saw, so keep it.
        return MeasureView(headline, **page)
    return MeasureView(rows[0], **page)


def revised_since_board(snap: Snapshot) -> dict[str, str]:
    """Measures with figures revised since the last board meeting (setting board_meeting_date):
    indicator id -> words for the scorecard, e.g. "2 figures revised since the board on 12 Oct"."""
    since = settings().board_meeting_date.strip()
    if not since:
        return {}
    try:
        day = dt.date.fromisoformat(since)
    except ValueError:
        return {}
    frame = snap.query("revised_since", since=day)
    return {
        str(r.indicator_id): f"{int(r.revisions)} figure{'s' if r.revisions != 1 else ''} "
        f"revised since the board on {day:%d %b %Y}"
        for r in frame.itertuples()
    }
