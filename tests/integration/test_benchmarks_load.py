"""`mtm load-benchmarks`: the published benchmarks and SN groups, versioned like any load."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from indicators.settings import PROJECT_ROOT, Settings
from indicators.store import Store
from loaders.cli import main

DEMO = PROJECT_ROOT / "data" / "demo"


def run(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main([argv[0], "--db", str(settings.db_path), *argv[1:]], out=out), out.getvalue()


def test_load_benchmarks_replaces_the_set_and_keeps_the_old_version(
    empty_settings: Settings, tmp_path: Path
) -> None:
    code, text = run(empty_settings, "load-benchmarks", str(DEMO / "published_benchmarks.csv"))
    assert code == 0, text
    assert "35,530 published values (22 measures, 158 councils)" in text
    smaller = tmp_path / "published_benchmarks.csv"
    frame = pd.read_csv(DEMO / "published_benchmarks.csv", dtype=str, keep_default_na=False)
    frame[frame.measure_code == "LAC"].to_csv(smaller, index=False)
    (tmp_path / "sn_groups.csv").write_bytes((DEMO / "sn_groups.csv").read_bytes())
    code, text = run(empty_settings, "load-benchmarks", str(smaller))
    assert code == 0, text
    snap = Store.from_settings(empty_settings).snapshot()
    assert snap.query("benchmarks")["measure_code"].unique().tolist() == ["LAC"]
    assert snap.at_version(1).query("benchmarks")["measure_code"].nunique() == 22
    assert len(snap.query("sn_groups")) == 1530


def test_a_broken_benchmark_file_names_row_and_column(
    empty_settings: Settings, tmp_path: Path, capsys: object
) -> None:
    bad = tmp_path / "published_benchmarks.csv"
    frame = pd.read_csv(DEMO / "published_benchmarks.csv", dtype=str, keep_default_na=False)
    frame.loc[4, "value"] = "twelve"
    frame.to_csv(bad, index=False)
    code, _ = run(
        empty_settings, "load-benchmarks", str(bad), "--sn-groups", str(DEMO / "sn_groups.csv")
    )
    assert code == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "row 6, column value: 'twelve' is not a number" in err
    assert not empty_settings.db_path.exists()


def test_the_broken_file_message(empty_settings: Settings, tmp_path: Path, capsys: object) -> None:
    bad = tmp_path / "b.csv"
    bad.write_text("measure_code,value\nLAC,1\n", encoding="utf-8")
    code, _ = run(
        empty_settings, "load-benchmarks", str(bad), "--sn-groups", str(DEMO / "sn_groups.csv")
    )
    assert code == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "b.csv: missing column(s)" in err and "Traceback" not in err


def test_publishing_reads_only_the_benchmarks_its_indicators_quote(demo_settings: Settings) -> None:
    """The scorecard is precomputed from the measures named in benchmark_measure, not all 22."""
    snap = Store.from_settings(demo_settings).snapshot()
    quoted = set(snap.query("indicators")["benchmark_measure"].dropna())
    referenced = snap.query("benchmarks_referenced")
    assert quoted and set(referenced["measure_code"].str.strip()) == quoted
    everything = snap.query("benchmarks")
    assert referenced["measure_code"].nunique() < everything["measure_code"].nunique()
    assert len(referenced) == everything["measure_code"].str.strip().isin(quoted).sum()
