"""Rollback: a new version without a load's changes; nothing deleted; history keeps both."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from indicators.settings import Settings
from indicators.store import Store
from loaders.cli import main
from loaders.ingest import load_workbook
from loaders.rollback import RollbackRefused, rollback
from tests.fixtures.workbooks import make_workbook

TODAY = dt.date(2021, 7, 15)
JUNE = dt.date(2021, 6, 1)


def june_value(settings: Settings, version: int | None = None) -> float:
    snap = Store.from_settings(settings).snapshot()
    if version is not None:
        snap = snap.at_version(version)
    frame = snap.query("actuals_for_breakdown", indicator_id="lac_rate_per_10k", breakdown="All")
    return float(frame[frame.period == "2021-06-01"].iloc[0].value)


def revise(settings: Settings, tmp_path: Path, value: float, name: str) -> int:
    book = make_workbook(tmp_path / name, {"Actuals": [["lac_rate_per_10k", JUNE, value]]})
    result = load_workbook(settings, book, name, "dana", today=TODAY)
    assert result.summary is not None, result.problems
    return int(result.summary.load_id or 0)


def test_rollback_restores_and_keeps_history(demo_settings: Settings, tmp_path: Path) -> None:
    original = june_value(demo_settings)
    load = revise(demo_settings, tmp_path, 55.5, "june.xlsx")
    assert june_value(demo_settings) == 55.5
    summary = rollback(demo_settings, load, "dana")
    assert summary.load_id == load + 1
    assert "1 actual restored" in summary.message and "1 actual withdrawn" in summary.message
    assert june_value(demo_settings) == original
    assert june_value(demo_settings, version=load) == 55.5  # as the board saw it then
    loads = Store.from_settings(demo_settings).snapshot().query("loads")
    assert loads.iloc[0].kind == "rollback" and int(loads.iloc[0].rolls_back) == load
    # The same file can be loaded again once its load was rolled back.
    again = load_workbook(demo_settings, tmp_path / "june.xlsx", "june.xlsx", "dana", today=TODAY)
    assert again.summary is not None and june_value(demo_settings) == 55.5


def test_a_later_change_is_never_replaced_by_an_older_figure(
    demo_settings: Settings, tmp_path: Path
) -> None:
    first = revise(demo_settings, tmp_path, 60.0, "a.xlsx")
    revise(demo_settings, tmp_path, 61.0, "b.xlsx")
    with pytest.raises(RollbackRefused, match="nothing of load"):
        rollback(demo_settings, first, "dana")
    assert june_value(demo_settings) == 61.0


def test_rollback_refusals(demo_settings: Settings, tmp_path: Path) -> None:
    load = revise(demo_settings, tmp_path, 58.0, "c.xlsx")
    rollback(demo_settings, load, "dana")
    with pytest.raises(RollbackRefused, match="already been rolled back"):
        rollback(demo_settings, load, "dana")
    with pytest.raises(RollbackRefused, match="no load 99"):
        rollback(demo_settings, 99, "dana")


def test_rollback_recomputes_the_scorecard(demo_settings: Settings, tmp_path: Path) -> None:
    import json

    load = revise(demo_settings, tmp_path, 10.0, "d.xlsx")
    rollback(demo_settings, load, "dana")
    snap = Store.from_settings(demo_settings).snapshot()
    row = json.loads(snap.query("scorecard_row", indicator_id="lac_rate_per_10k").payload[0])
    assert row["latest_value"] != 10.0


def test_mtm_rollback(
    demo_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MTM_OPS_DB", str(demo_settings.path("ops_db")))
    load = revise(demo_settings, tmp_path, 57.0, "e.xlsx")
    out = io.StringIO()
    assert main(["rollback", str(load), "--db", str(demo_settings.db_path)], out=out) == 0
    said = out.getvalue()
    assert (
        said
        == f"Rolled back load {load}: 1 actual restored, 1 actual withdrawn (load {load + 1})\n"
    )
    assert said.count("olled back") == 1  # once, not "Rolled back load 4: rolled back load 4"
    assert main(["rollback", str(load), "--db", str(demo_settings.db_path)], out=out) == 2
    assert "already been rolled back" in capsys.readouterr().err


def test_a_rollback_names_what_it_withdrew_in_the_loads_own_words() -> None:
    from loaders.rollback import describe_rollback

    counts = {
        "benchmarks_restored": 0,
        "benchmarks_withdrawn": 35_530,
        "sn_groups_withdrawn": 1_530,
    }
    counts |= {"london_sub_regions_withdrawn": 33, "commentary_restored": 2, "scorecard_rows": 47}
    counts |= {"action_updates_withdrawn": 1}
    assert describe_rollback(1, counts) == (
        "rolled back load 1: 35,530 published values withdrawn, 1,530 statistical-neighbour "
        "rows withdrawn, 33 London sub-region rows withdrawn, 2 comments restored, "
        "1 progress update withdrawn"
    )
