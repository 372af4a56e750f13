"""Commentary written on a measure page: published as a new version, like any load.

An edit supersedes the month's earlier text the versioned way, so every earlier text stays
readable with its author and time, and "as the board saw it" includes the commentary then shown.
A commentary is small, so its version costs a file copy and a scorecard precompute (well under a
second at a council's scale); in exchange the scorecard, the board pack and the as-of views read
one source.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from indicators.cells import control_character
from indicators.domain import DEFAULT_BREAKDOWN, LoadSummary
from indicators.settings import Settings
from indicators.sheets import COMMENTARY
from loaders.publish import publish, upsert_versioned


class CommentaryRejected(ValueError):
    """The commentary cannot be saved (empty, too long, unknown measure or month)."""


def check_commentary(text: str) -> str:
    text = text.strip()
    limit = COMMENTARY.column("commentary").max_length
    if not text:
        raise CommentaryRejected("write the commentary before saving")
    if len(text) > limit:
        raise CommentaryRejected(
            f"the commentary is too long ({len(text):,} characters; at most {limit:,})"
        )
    reason = control_character(text.replace("\n", "").replace("\t", ""))
    if reason:
        raise CommentaryRejected(f"the commentary {reason}")
    return text


def save_commentary(
    settings: Settings,
    indicator_id: str,
    period: dt.date,
    text: str,
    *,
    author: str,
    breakdown: str = DEFAULT_BREAKDOWN,
) -> LoadSummary:
    text = check_commentary(text)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        known = con.execute(
            "SELECT count(*) FROM indicators WHERE indicator_id = ? AND valid_to_load IS NULL",
            [indicator_id],
        ).fetchone()
        if not known or not known[0]:
            raise CommentaryRejected(f"there is no measure {indicator_id!r}")
        row = pd.DataFrame(
            [
                {
                    "indicator_id": indicator_id,
                    "period": pd.Timestamp(period),
                    "breakdown": breakdown,
                    "commentary": text,
                    "author": author,
                    "written_at": now,
                    "source_sheet": "web",
                    "source_row": None,
                }
            ]
        )
        new, revised, _ = upsert_versioned(
            con,
            "commentary",
            row,
            key=["indicator_id", "period", "breakdown"],
            compared=["commentary"],
            load_id=load_id,
        )
        return {"commentary_new": new, "commentary_revised": revised}

    return publish(
        settings,
        apply,
        kind="commentary",
        user=author,
        file_name=None,
        sha256=None,
        describe=lambda c: (
            f"commentary on {indicator_id} for {period:%Y-%m}"
            + (" (revised)" if c.get("commentary_revised") else "")
        ),
    )
