"""Precompute the scorecard of a version while it is being published (inside its transaction).

Reads the new version's state through the same named queries the pages use, builds every row with
indicators/scorecard.py, and stores them keyed by the load id, so each past version keeps the
scorecard exactly as it was shown; beside each row its grid record (indicators/listing.py) and
what its measure page draws (`indicators.scorecard.measure_page`).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from indicators.listing import listing_record
from indicators.scorecard import Inputs, build_scorecard, encode_measure_page, settings_inputs
from indicators.settings import Settings
from indicators.store import sql


def _query(con: duckdb.DuckDBPyConnection, name: str, version: int) -> pd.DataFrame:
    return con.execute(sql(name), {"v": version}).df()


def scorecard_inputs(con: duckdb.DuckDBPyConnection, load_id: int, settings: Settings) -> Inputs:
    """The new version's state, as the scorecard is built from it (inside the load's
    transaction, so its own rows are seen)."""
    indicators = _query(con, "indicators", load_id)
    # Published benchmarks matter only to indicators that quote one (a benchmark_measure).
    compared = bool(indicators["benchmark_measure"].notna().any())
    return Inputs(
        indicators=indicators,
        actuals=_query(con, "actuals_headline", load_id),
        targets=_query(con, "targets", load_id),
        comparators=_query(con, "comparators", load_id),
        commentary=_query(con, "commentary", load_id),
        benchmarks=_query(con, "benchmarks_referenced", load_id) if compared else None,
        sn_groups=_query(con, "sn_groups", load_id) if compared else None,
        london_sub_regions=_query(con, "london_sub_regions", load_id) if compared else None,
        **settings_inputs(settings),
        breakdowns_of={
            str(ident): list(names)
            for ident, names in _query(con, "breakdowns", load_id).itertuples(index=False)
        },
    )


def scorecard_frame(inputs: Inputs, load_id: int) -> pd.DataFrame:
    """Every scorecard row of the version as the scorecard table stores it: pure Python, so it
    can run while DuckDB writes the load's rows."""
    pages: dict[str, dict[str, Any]] = {}
    rows = build_scorecard(inputs, pages=pages)
    return pd.DataFrame(
        {
            "load_id": load_id,
            "indicator_id": [r["indicator_id"] for r in rows],
            "breakdown": [r["breakdown"] for r in rows],
            "service_area": [r["service_area"] for r in rows],
            "sort_order": list(range(len(rows))),
            "rag": [r["rag"] for r in rows],
            "variation_type": [r["variation_type"] for r in rows],
            "assurance_type": [r["assurance_type"] for r in rows],
            "quartile": [r["quartile"] for r in rows],
            "exception_score": [r["exception_score"] for r in rows],
            "payload": [json.dumps(r, ensure_ascii=False, allow_nan=False) for r in rows],
            "listing": [
                json.dumps(listing_record(r), ensure_ascii=False, allow_nan=False) for r in rows
            ],
            "measure_page": [encode_measure_page(pages[r["indicator_id"]]).decode() for r in rows],
        }
    )


def insert_scorecard(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Store the rows `scorecard_frame` built; how many."""
    if frame.empty:
        return 0
    con.register("scorecard_rows", frame)
    try:
        con.execute("INSERT INTO scorecard BY NAME SELECT * FROM scorecard_rows")
    finally:
        con.unregister("scorecard_rows")
    return len(frame)
