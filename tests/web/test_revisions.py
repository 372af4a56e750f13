"""Pages after a new load: the scorecard marks figures revised since the last board meeting
(setting), and what a page keeps per version never shows an earlier version's figures."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from loaders.ingest import load_workbook
from tests.conftest import settings_for
from tests.fixtures.workbooks import make_workbook
from tests.web.tree import text_in, walk


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

    grid = next(n for n in walk(page) if getattr(n, "id", None) == "scorecard-grid")
    marks = {r["id"].split("|")[0]: r["revised"] for r in grid.rowData}
    assert marks["lac_rate_per_10k"] == "2 figures revised since the board on 01 Jul 2021"
    assert marks["lac_number"] == ""


def test_linked_actions_show_each_versions_own_rag(demo_store_dir: Path, tmp_path: Path) -> None:
    """Measure pages keep each version's measures for the linked-actions panel; a new load is a
    new version, so the panel shows its RAG, while the earlier version still shows its own."""
    from app import create_app

    folder = tmp_path / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    settings = settings_for(folder, environment="development")
    create_app(settings)
    from indicators.pages import measure

    def linked_rag(page: Any) -> list[str]:
        """The RAG tag beside each link to this measure in the improvement-plan panel."""
        panel = next(n for n in walk(page) if getattr(n, "className", None) == "mtm-plan-panel")
        return [
            str(item.children[2].className)
            for item in walk(panel)
            if type(item).__name__ == "Li"
            and isinstance(item.children, list)
            and getattr(item.children[0], "href", None) == "/measure/lac_rate_per_10k"
        ]

    before = linked_rag(measure.layout(indicator_id="lac_rate_per_10k"))
    assert before and set(before) == {"mtm-tag mtm-tag--red"}, before
    book = make_workbook(
        tmp_path / "july.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 7, 1), 80.0]]}
    )
    summary = load_workbook(settings, book, "july.xlsx", "dana", today=dt.date(2021, 8, 2))
    assert summary.ok
    after = linked_rag(measure.layout(indicator_id="lac_rate_per_10k"))
    assert after and set(after) == {"mtm-tag mtm-tag--green"}, after
    earlier = measure.layout(
        indicator_id="lac_rate_per_10k", as_of=f"load:{_version(settings) - 1}"
    )
    assert linked_rag(earlier) == before


def _version(settings: Any) -> int:
    from indicators.store import Store

    return Store.from_settings(settings).snapshot().version


def test_scorecard_overview_is_each_versions_own(demo_store_dir: Path, tmp_path: Path) -> None:
    """The counts, summary grid and area list are kept per version: a load that turns a measure
    green changes them on the latest scorecard, while the earlier version keeps its own, and
    its links keep pointing at that version."""
    from app import create_app

    folder = tmp_path / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    settings = settings_for(folder, environment="development")
    create_app(settings)
    from indicators.pages import scorecard

    def overview(page: Any) -> tuple[str, list[str]]:
        counts = next(n for n in walk(page) if getattr(n, "className", None) == "govuk-body-l")
        grid = next(n for n in walk(page) if "mtm-summary-grid" in str(getattr(n, "className", "")))
        return text_in(counts), [str(getattr(n, "href", "")) for n in walk(grid)]

    before = overview(scorecard.layout())
    assert overview(scorecard.layout()) == before  # kept, and the same
    form_before = next(n for n in walk(scorecard.layout()) if type(n).__name__ == "Form")
    book = make_workbook(
        tmp_path / "july.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 7, 1), 80.0]]}
    )
    assert load_workbook(settings, book, "july.xlsx", "dana", today=dt.date(2021, 8, 2)).ok
    after = overview(scorecard.layout())
    assert after[0] != before[0]  # one red fewer, one green more
    assert (
        next(n for n in walk(scorecard.layout()) if type(n).__name__ == "Form") is not form_before
    )
    earlier_version = f"load:{_version(settings) - 1}"
    earlier = overview(scorecard.layout(as_of=earlier_version))
    assert earlier[0] == before[0]
    links = [h for h in earlier[1] if h.startswith("/?")]
    assert links and all("as_of=load%3A" in h for h in links)
