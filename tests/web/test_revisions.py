"""The scorecard marks figures revised since the last board meeting (setting)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from loaders.ingest import load_workbook
from tests.conftest import settings_for
from tests.fixtures.workbooks import make_workbook


def test_revised_since_the_board_is_marked(demo_store_dir: Path, tmp_path: Path) -> None:
    from app import create_app

    folder = tmp_path / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    settings = settings_for(folder, environment="development", board_meeting_date="2021-07-01")
    book = make_workbook(
        tmp_path / "rev.xlsx",
        {
            "Actuals": [
                ["lac_rate_per_10k", dt.date(2021, 5, 1), 66.6],
                ["lac_rate_per_10k", dt.date(2021, 6, 1), 67.7],
            ]
        },
    )
    assert load_workbook(settings, book, "rev.xlsx", "dana", today=dt.date(2021, 7, 20)).ok
    create_app(settings)
    from indicators.pages import scorecard  # pages register themselves once an app exists

    page = scorecard.layout()

    def walk(node: Any) -> Any:
        yield node
        kids = getattr(node, "children", None)
        for kid in kids if isinstance(kids, list) else ([kids] if kids is not None else []):
            yield from walk(kid)

    grid = next(n for n in walk(page) if getattr(n, "id", None) == "scorecard-grid")
    marks = {r["id"].split("|")[0]: r["revised"] for r in grid.rowData}
    assert marks["lac_rate_per_10k"] == "2 figures revised since the board on 01 Jul 2021"
    assert marks["lac_number"] == ""
