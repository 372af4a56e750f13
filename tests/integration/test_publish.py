"""Workbook -> validate -> store -> query round trips, versions, and the writer's guarantees:
all or nothing, already loaded, one writer at a time, kill -9 and disk full leave the last good
version published."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pytest

from indicators.settings import Settings
from indicators.store import Store, close_connections
from loaders import publish
from loaders.ingest import load_workbook
from tests.fixtures.workbooks import make_workbook

PROJECT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2021, 7, 15)

INDICATORS = [
    [
        "ind_pct",
        "Assessments in 45 days",
        "Assessment",
        "percent",
        "higher_is_better",
        1,
        None,
        69,
        None,
        80,
    ],
    [
        "ind_count",
        "Children on a plan",
        "Protection",
        "count",
        "lower_is_better",
        0,
        None,
        464,
        None,
        328,
    ],
]


def _months(n: int, start: dt.date = dt.date(2019, 1, 1)) -> list[dt.date]:
    out, year, month = [], start.year, start.month
    for _ in range(n):
        out.append(dt.date(year, month, 1))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def small_book(path: Path, bump: float = 0.0) -> Path:
    actuals = []
    for i, month in enumerate(_months(24)):
        actuals.append(["ind_pct", month, 70 + i * 0.5 + (bump if i == 23 else 0)])
        actuals.append(["ind_count", month, 460 - i])
    return make_workbook(path, {"Indicators": INDICATORS, "Actuals": actuals})


def store_files(settings: Settings) -> dict[str, str]:
    """Every file of the store (pointer, versions, kept uploads) with its sha256: "nothing changed".

    The operational database (sessions, audit) and the upload staging area are not the store.
    """
    root = settings.db_path.parent
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if not (relative[0].startswith(settings.db_path.name) or relative[0] == "uploads"):
            continue
        if path.is_symlink():
            found[str(path.relative_to(root))] = "-> " + os.readlink(path)
        elif path.is_file() and not path.name.endswith(".lock"):
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def checksum(pointer: Path) -> str:
    """Ordered content of every data table (load times excluded: they differ run to run)."""
    close_connections()
    con = duckdb.connect(str(pointer.resolve()), read_only=True)
    try:
        digest = hashlib.sha256()
        for table in ("indicators", "actuals", "targets", "comparators", "actions", "benchmarks"):
            for row in con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall():
                digest.update(repr(row).encode())
        for row in con.execute("SELECT load_id, kind, sha256 FROM loads ORDER BY ALL").fetchall():
            digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        con.close()


def test_load_round_trip_keeps_values_and_provenance(
    empty_settings: Settings, tmp_path: Path
) -> None:
    book = small_book(tmp_path / "month.xlsx")
    result = load_workbook(empty_settings, book, "month.xlsx", "alice", today=TODAY)
    assert result.ok, result.problems
    assert result.summary is not None and result.summary.load_id == 1
    assert "48 actuals" in result.summary.message
    snap = Store(empty_settings.db_path).snapshot()
    actuals = snap.query("actuals")
    assert len(actuals) == 48
    first = actuals[(actuals.indicator_id == "ind_pct")].sort_values("period").iloc[0]
    assert first.value == 70.0 and first.source_sheet == "Actuals" and first.source_row == 2
    loads = snap.query("loads")
    assert loads.iloc[0].user_name == "alice" and loads.iloc[0].file_name == "month.xlsx"
    kept = empty_settings.path("uploads_dir") / f"{loads.iloc[0].sha256}.xlsx"
    assert kept.read_bytes() == book.read_bytes()
    scorecard = snap.query("scorecard")
    assert len(scorecard) == 2
    # The same rows as plain Python values, for pages that show a few of them.
    records = snap.records("actuals_for_breakdown", indicator_id="ind_pct", breakdown="All")
    assert len(records) == len(actuals[actuals.indicator_id == "ind_pct"])
    earliest = min(records, key=lambda r: r["period"])
    assert earliest["period"] == dt.date(first.period.year, first.period.month, 1)
    assert (earliest["value"], earliest["source_sheet"], earliest["source_row"]) == (
        70.0,
        "Actuals",
        2,
    )
    assert earliest["numerator"] is None and "valid_to_load" not in earliest


def test_revision_supersedes_and_the_earlier_version_stays_readable(
    empty_settings: Settings, tmp_path: Path
) -> None:
    load_workbook(empty_settings, small_book(tmp_path / "a.xlsx"), "a.xlsx", "a", today=TODAY)
    second = load_workbook(
        empty_settings, small_book(tmp_path / "b.xlsx", bump=3.0), "b.xlsx", "b", today=TODAY
    )
    assert second.summary is not None
    assert "1 actual " in second.summary.message
    snap = Store(empty_settings.db_path).snapshot()
    assert snap.version == 2

    def last_value(s: Any) -> float:
        frame = s.query("actuals_for_indicator", indicator_id="ind_pct")
        return float(frame.sort_values("period").iloc[-1].value)

    assert last_value(snap) == pytest.approx(70 + 23 * 0.5 + 3.0)
    assert last_value(snap.at_version(1)) == pytest.approx(70 + 23 * 0.5)
    history = snap.query("actual_revisions", indicator_id="ind_pct")
    assert len(history) == 25  # 24 months plus one revision, nothing overwritten
    assert len(snap.at_version(1).query("scorecard")) == 2


def test_a_file_with_any_problem_changes_nothing(demo_settings: Settings, tmp_path: Path) -> None:
    before = store_files(demo_settings)
    bad = make_workbook(
        tmp_path / "bad.xlsx",
        {
            "Actuals": [
                ["lac_rate_per_10k", dt.date(2021, 5, 1), 90.0],
                ["lac_rate_per_10k", "01/02/2021", "n/a"],
            ],
        },
    )
    result = load_workbook(demo_settings, bad, "bad.xlsx", "mallory", today=TODAY)
    assert not result.ok
    assert {p.cell for p in result.problems} == {"B3", "C3"}
    assert store_files(demo_settings) == before


def test_the_same_file_twice_is_recognised_and_changes_nothing(
    empty_settings: Settings, tmp_path: Path
) -> None:
    book = small_book(tmp_path / "m.xlsx")
    load_workbook(empty_settings, book, "m.xlsx", "a", today=TODAY)
    before = store_files(empty_settings)
    again = load_workbook(empty_settings, book, "renamed.xlsx", "a", today=TODAY)
    assert again.already_loaded_as == 1 and again.summary is None
    assert store_files(empty_settings) == before


def test_a_second_load_is_told_another_is_in_progress(
    empty_settings: Settings, tmp_path: Path
) -> None:
    book = small_book(tmp_path / "m.xlsx")
    paths = publish.StorePaths(empty_settings.db_path)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with publish.writer_lock(paths, timeout=1):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        started = time.monotonic()
        with pytest.raises(publish.LoadInProgress, match="another load is in progress"):
            publish.publish(empty_settings, lambda con, load_id: {}, kind="test", user="b")
        waited = time.monotonic() - started
        with pytest.raises(publish.LoadInProgress):
            load_workbook(empty_settings, book, "m.xlsx", "b", today=TODAY)
    finally:
        release.set()
        holder.join()
    assert empty_settings.lock_timeout_seconds <= waited < 2.5
    assert not empty_settings.db_path.exists()
    # Once the first finishes, the same file loads.
    assert load_workbook(empty_settings, book, "m.xlsx", "b", today=TODAY).summary is not None


def test_disk_full_while_publishing_keeps_the_previous_version(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = checksum(demo_settings.db_path)
    pointer_before = os.readlink(demo_settings.db_path)

    def no_space(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish, "_fsync_file", no_space)
    book = make_workbook(
        tmp_path / "m.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 6, 1), 77.0]]}
    )
    with pytest.raises(publish.PublishFailed, match="No space left on device"):
        load_workbook(demo_settings, book, "m.xlsx", "a", today=TODAY)
    assert os.readlink(demo_settings.db_path) == pointer_before
    assert checksum(demo_settings.db_path) == before
    leftovers = list(publish.StorePaths(demo_settings.db_path).versions.glob(".staging-*"))
    assert leftovers == []


@pytest.mark.parametrize("fails", ["building the scorecard", "writing the load's rows"])
def test_a_failure_while_the_scorecard_is_built_beside_the_write_keeps_the_previous_version(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    from loaders import precompute

    before = checksum(demo_settings.db_path)
    pointer_before = os.readlink(demo_settings.db_path)
    if fails == "building the scorecard":

        def broken(*_: object) -> None:
            raise RuntimeError("the scorecard could not be built")

        monkeypatch.setattr(precompute, "scorecard_frame", broken)
        expected: type[Exception] = RuntimeError
    else:

        def full_disk(con: object) -> None:
            raise duckdb.IOException("could not write: No space left on device")

        monkeypatch.setattr(publish, "_commit_load_rows", full_disk)
        expected = publish.PublishFailed
    book = make_workbook(
        tmp_path / "m.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 6, 1), 77.0]]}
    )
    with pytest.raises(expected):
        load_workbook(demo_settings, book, "m.xlsx", "a", today=TODAY)
    assert os.readlink(demo_settings.db_path) == pointer_before
    assert checksum(demo_settings.db_path) == before
    assert list(publish.StorePaths(demo_settings.db_path).versions.glob(".staging-*")) == []


def _staged_files_attached(settings: Settings) -> list[str]:
    """Files the process's writer instance still has attached (none between loads)."""
    engine = publish.writer_engine(settings)
    rows = engine.execute(
        "SELECT path FROM duckdb_databases() WHERE NOT internal AND path IS NOT NULL"
    ).fetchall()
    return [row[0] for row in rows]


def test_the_writer_leaves_no_file_attached_or_log_beside_a_version_whatever_the_outcome(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = make_workbook(
        tmp_path / "m.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 6, 1), 77.0]]}
    )
    engine = publish.writer_engine(demo_settings)
    assert load_workbook(demo_settings, book, "m.xlsx", "a", today=TODAY).summary is not None
    assert publish.writer_engine(demo_settings) is engine  # kept for the next load
    assert _staged_files_attached(demo_settings) == []
    versions = publish.StorePaths(demo_settings.db_path).versions
    assert sorted(versions.glob("*.wal")) == []  # each commit wrote straight into the file
    assert load_workbook(demo_settings, book, "m.xlsx", "a", today=TODAY).already_loaded_as
    assert _staged_files_attached(demo_settings) == []

    from loaders import precompute

    def broken(*_: object) -> None:
        raise RuntimeError("the scorecard could not be built")

    monkeypatch.setattr(precompute, "scorecard_frame", broken)
    other = make_workbook(
        tmp_path / "n.xlsx", {"Actuals": [["lac_rate_per_10k", dt.date(2021, 6, 1), 78.0]]}
    )
    with pytest.raises(RuntimeError, match="could not be built"):
        load_workbook(demo_settings, other, "n.xlsx", "a", today=TODAY)
    assert publish.writer_engine(demo_settings) is engine  # rolled back and detached
    assert _staged_files_attached(demo_settings) == []


def test_a_writer_instance_that_cannot_detach_its_file_is_replaced(
    empty_settings: Settings, tmp_path: Path
) -> None:
    engine = publish.writer_engine(empty_settings)
    with publish._attached(tmp_path / "staged.duckdb", empty_settings) as con:
        # Leave the connection where the usual detach cannot follow.
        alias = con.execute("SELECT current_database()").fetchone()
        assert alias is not None
        con.execute("USE memory")
        con.execute(f"DETACH {alias[0]}")
    assert publish.writer_engine(empty_settings) is not engine
    book = small_book(tmp_path / "m.xlsx")
    assert load_workbook(empty_settings, book, "m.xlsx", "a", today=TODAY).summary is not None


def test_checking_a_file_starts_the_writer_beside_it(
    empty_settings: Settings, tmp_path: Path
) -> None:
    from loaders.ingest import validate_file

    publish._discard_engine(empty_settings)
    checked = validate_file(empty_settings, small_book(tmp_path / "m.xlsx"), "m.xlsx", TODAY)
    assert checked.ok
    for thread in threading.enumerate():
        if thread.name == "mtm-writer-warm-up":
            thread.join(10)
    assert publish._engine_key(empty_settings) in publish._WRITERS.by_key


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 20k actual rows: a load long enough to be killed part-way."""
    folder = tmp_path_factory.mktemp("big")
    indicators = [
        [
            f"m{i:03d}",
            f"Measure {i}",
            f"Area {i % 7}",
            "percent",
            "higher_is_better",
            1,
            None,
            50,
            None,
            60,
        ]
        for i in range(80)
    ]
    actuals = [
        [f"m{i:03d}", month, float(40 + (i + j) % 30)]
        for i in range(80)
        for j, month in enumerate(_months(250, dt.date(2000, 1, 1)))
    ]
    return make_workbook(folder / "big.xlsx", {"Indicators": indicators, "Actuals": actuals})


def _cli_load(settings: Settings, book: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MTM_DB": str(settings.db_path),
        "MTM_UPLOADS_DIR": str(settings.path("uploads_dir")),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "loaders", "load", str(book)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_kill_9_at_any_point_leaves_the_version_before_or_after(
    empty_settings: Settings, tmp_path: Path, big_book: Path
) -> None:
    small = small_book(tmp_path / "first.xlsx")
    load_workbook(empty_settings, small, "first.xlsx", "a", today=dt.date.today())
    close_connections()
    before = checksum(empty_settings.db_path)
    # The state after a complete load, measured on a copy.
    full = _cli_load(empty_settings, big_book)
    started = time.monotonic()
    assert full.wait(120) == 0
    duration = time.monotonic() - started
    after = checksum(empty_settings.db_path)
    assert after != before
    rng = random.Random(20201)
    outcomes = {"before": 0, "after": 0}
    for trial in range(20):
        trial_dir = tmp_path / f"trial{trial}"
        trial_dir.mkdir()
        from tests.conftest import settings_for

        settings = settings_for(trial_dir)
        load_workbook(settings, small, "first.xlsx", "a", today=dt.date.today())
        proc = _cli_load(settings, big_book)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        state = checksum(settings.db_path)
        assert state in (before, after), f"trial {trial}: a half-applied load is visible"
        outcomes["before" if state == before else "after"] += 1
        if trial % 5 == 0:
            # The store still takes the next load: the killed writer's leftovers are cleaned.
            rerun = _cli_load(settings, big_book)
            assert rerun.wait(120) == 0
            assert checksum(settings.db_path) == after
            assert not list(publish.StorePaths(settings.db_path).versions.glob(".staging-*"))
    assert outcomes["before"] > 0


def _upsert_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE t (k VARCHAR, v DOUBLE, valid_from_load INTEGER, valid_to_load INTEGER)"
    )


def _versions(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute("SELECT * FROM t ORDER BY k, valid_from_load").fetchall()


def test_upsert_into_a_table_with_nothing_current_adds_every_row_and_keeps_history() -> None:
    import pandas as pd

    con = duckdb.connect()
    _upsert_table(con)
    first = pd.DataFrame({"k": ["a", "b"], "v": [1.0, 2.0]})
    assert publish.upsert_versioned(con, "t", first, key=["k"], compared=["v"], load_id=1) == (
        2,
        0,
        0,
    )
    # Close every current row (as a replacing load does): closed history must not be matched.
    con.execute("UPDATE t SET valid_to_load = 2")
    again = pd.DataFrame({"k": ["a", "c"], "v": [1.0, 3.0]})
    assert publish.upsert_versioned(con, "t", again, key=["k"], compared=["v"], load_id=3) == (
        2,
        0,
        0,
    )
    assert _versions(con) == [
        ("a", 1.0, 1, 2),
        ("a", 1.0, 3, None),
        ("b", 2.0, 1, 2),
        ("c", 3.0, 3, None),
    ]
    # With current rows the comparing path runs: one revised, one unchanged, one new.
    monthly = pd.DataFrame({"k": ["a", "c", "d"], "v": [1.5, 3.0, 4.0]})
    assert publish.upsert_versioned(con, "t", monthly, key=["k"], compared=["v"], load_id=4) == (
        1,
        1,
        1,
    )
    assert ("a", 1.0, 3, 4) in _versions(con) and ("a", 1.5, 4, None) in _versions(con)


def test_a_forked_child_starts_its_own_writer_and_can_load(
    empty_settings: Settings, tmp_path: Path
) -> None:
    parent_engine = publish.writer_engine(empty_settings)
    book = small_book(tmp_path / "m.xlsx")
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock: the case under test.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: a load must work without the parent's instance
        code = 1
        try:
            fresh = publish.writer_engine(empty_settings) is not parent_engine
            result = load_workbook(empty_settings, book, "m.xlsx", "child", today=TODAY)
            code = 0 if fresh and result.summary is not None else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert publish.writer_engine(empty_settings) is parent_engine
    assert Store(empty_settings.db_path).snapshot().version == 1
