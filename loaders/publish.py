"""The only writer of the published store.

DuckDB lets one process write a file or many read it, never both, and a file replaced at the same
path is not seen by a busy reader (FINDINGS.md). So every load builds the next version in a new
file and publishes it by atomically swapping a pointer:

    data/mtm.duckdb            -> a symlink, swapped with os.replace (atomic on POSIX)
    data/mtm.duckdb.versions/  000014-1a2b3c4d.duckdb, 000015-...  (one file per version)
    data/mtm.duckdb.lock       the cross-process writer lock (released by the OS if we die)

Steps, under the lock: copy the current version to a staging file, attach it to this process's
writer instance, apply the load in a transaction, precompute the scorecard (while the load's rows
are committed and written), record the load, CHECKPOINT and detach (so no .wal travels), fsync,
rename to its final name, keep the raw upload by its sha256, then swap the pointer and fsync the
directory.
A kill -9 at any step leaves the pointer on the last good version; staging leftovers are removed
by the next load. Readers resolve the pointer per request (indicators/store.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock, Timeout

from indicators.domain import LoadSummary
from indicators.settings import Settings
from indicators.store import schema_sql

STAGING_PREFIX = ".staging-"

Apply = Callable[[duckdb.DuckDBPyConnection, int], dict[str, int]]


class LoadInProgress(RuntimeError):
    """Another load holds the writer lock."""

    def __init__(self) -> None:
        super().__init__("another load is in progress: try again when it has finished")


class AlreadyLoaded(RuntimeError):
    """The same file (by sha256) was published before."""

    def __init__(self, load_id: int, file_name: str) -> None:
        self.load_id = load_id
        super().__init__(f"{file_name} is already loaded as load {load_id}: nothing changed")


class PublishFailed(RuntimeError):
    """The new version could not be written (disk full, permissions); the old one stays live."""


@dataclass(frozen=True, slots=True)
class StorePaths:
    pointer: Path

    @property
    def versions(self) -> Path:
        return self.pointer.with_name(self.pointer.name + ".versions")

    @property
    def lock(self) -> Path:
        return self.pointer.with_name(self.pointer.name + ".lock")

    def current(self) -> Path | None:
        """The file the pointer names now, or None before the first load."""
        if self.pointer.is_symlink() or self.pointer.exists():
            target = self.pointer.resolve()
            return target if target.exists() else None
        return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def writer_lock(paths: StorePaths, timeout: float) -> Iterator[None]:
    paths.lock.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.lock))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise LoadInProgress() from exc
    try:
        yield
    finally:
        lock.release()


# --- the writer's DuckDB instance ----------------------------------------------------------------
#
# Opening a DuckDB file starts a new database instance: 13-16 ms, and about 27 ms for a process's
# first. Attaching a file to an instance that is already running takes 1.4 ms. So each process
# keeps one in-memory instance for writing and attaches each staging file to it for one load.
# `warm_writer` starts it in the background while a workbook is read (DuckDB releases the GIL
# as it starts), so a load from the command line does not wait for it either.
# A tiny checkpoint threshold makes each COMMIT write its rows straight into the staged file
# instead of first into a write-ahead log and then again at CHECKPOINT (a 60k load: 70 -> 35-40 ms).


class _WriterInstances:
    """This process's writer instances, one per (memory limit, threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: dict[tuple[str, int], duckdb.DuckDBPyConnection] = {}
        self.forked_away: list[duckdb.DuckDBPyConnection] = []

    def forget_after_fork(self) -> None:
        # A forked child inherits the instances but none of their threads: it starts its own,
        # and keeps the inherited ones referenced so that nothing in the child closes them.
        self.forked_away.extend(self.by_key.values())
        self.by_key = {}
        self.lock = threading.Lock()


_WRITERS = _WriterInstances()
os.register_at_fork(after_in_child=_WRITERS.forget_after_fork)


def _engine_key(settings: Settings) -> tuple[str, int]:
    return settings.duckdb_memory_limit, settings.duckdb_threads


def writer_engine(settings: Settings) -> duckdb.DuckDBPyConnection:
    """This process's writer instance for these settings (started on first use)."""
    key = _engine_key(settings)
    with _WRITERS.lock:
        engine = _WRITERS.by_key.get(key)
        if engine is None:
            engine = duckdb.connect(
                ":memory:",
                config={
                    "memory_limit": settings.duckdb_memory_limit,
                    "threads": settings.duckdb_threads,
                    "checkpoint_threshold": "1KB",
                },
            )
            _WRITERS.by_key[key] = engine
        return engine


def warm_writer(settings: Settings) -> None:
    """Start the writer instance in the background, if this process has none yet."""
    if _engine_key(settings) not in _WRITERS.by_key:
        threading.Thread(target=writer_engine, args=(settings,), name="mtm-writer-warm-up").start()


def _discard_engine(settings: Settings) -> None:
    """Close an instance left in an unknown state; the next load starts a fresh one."""
    with _WRITERS.lock:
        engine = _WRITERS.by_key.pop(_engine_key(settings), None)
    if engine is not None:
        with contextlib.suppress(duckdb.Error):
            engine.close()


@contextlib.contextmanager
def _attached(path: Path, settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose default database is the staged file, detached (and so closed) after.

    If the load failed part-way, its transaction is rolled back first; if even that leaves the
    instance unable to detach the file, the instance is discarded, so no file stays open.
    """
    engine = writer_engine(settings)
    alias = f"staged_{uuid.uuid4().hex}"
    con = engine.cursor()
    try:
        # The path is ours (the versions folder, a random name); quotes are doubled all the same.
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {alias}")
    except BaseException:
        con.close()
        raise
    try:
        con.execute(f"USE {alias}")
        yield con
    finally:
        try:
            with contextlib.suppress(duckdb.TransactionException):
                con.execute("ROLLBACK")  # raises when no transaction is open: the usual case
            con.execute("USE memory")
            con.execute(f"DETACH {alias}")
            con.close()
        except duckdb.Error:
            _discard_engine(settings)


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()
    return int(row[0]) if row else 1


def find_by_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> int | None:
    row = con.execute(
        "SELECT min(load_id) FROM loads WHERE sha256 = ? AND kind = 'workbook' "
        "AND load_id NOT IN (SELECT rolls_back FROM loads WHERE rolls_back IS NOT NULL)",
        [sha256],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _clean_staging(paths: StorePaths) -> None:
    if paths.versions.exists():
        for leftover in paths.versions.glob(f"{STAGING_PREFIX}*"):
            leftover.unlink(missing_ok=True)
    for link in paths.pointer.parent.glob(f"{paths.pointer.name}.swap-*"):
        link.unlink(missing_ok=True)


def _gc_versions(paths: StorePaths, keep: int, live: Path) -> None:
    """Remove old versions; open readers keep their inode, so this never breaks a query."""
    versions = sorted(p for p in paths.versions.glob("*.duckdb") if not p.name.startswith("."))
    for old in versions[: max(0, len(versions) - keep)]:
        if old.resolve() != live.resolve():
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)


def _swap_pointer(paths: StorePaths, target: Path) -> None:
    tmp_link = paths.pointer.with_name(f"{paths.pointer.name}.swap-{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.relpath(target, paths.pointer.parent), tmp_link)
    os.replace(tmp_link, paths.pointer)
    _fsync_dir(paths.pointer.parent)


def keep_upload(uploads_dir: Path, sha256: str, data: bytes) -> Path:
    """Keep the raw file by its hash; the uploaded name is never used as a path."""
    uploads_dir.mkdir(parents=True, exist_ok=True)
    final = uploads_dir / f"{sha256}.xlsx"
    if not final.exists():
        tmp = uploads_dir / f".{sha256}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_bytes(data)
        _fsync_file(tmp)
        os.replace(tmp, final)
    return final


def _commit_load_rows(con: duckdb.DuckDBPyConnection) -> None:
    # The writer's checkpoint threshold makes this COMMIT write the rows into the file itself;
    # a CHECKPOINT after it would rewrite the file's metadata again (9 ms at 60k rows).
    con.execute("COMMIT")


def _precompute(con: duckdb.DuckDBPyConnection, load_id: int, settings: Settings) -> int:
    """Precompute the new version's scorecard; leaves a transaction open for the load's record.

    The load's rows are committed and written to the file while Python builds the scorecard
    from them (DuckDB releases the GIL as it writes). On 2 cores this saves most of the shorter
    of the two: 37 ms of a 60k load's publish step (0.248 -> 0.211 s); at 600k, where writing
    dominates and uses both cores, it makes no difference beyond noise. Two commits keep the
    load all-or-nothing, since the staged file is private until it is renamed.
    """
    from loaders.precompute import insert_scorecard, scorecard_frame, scorecard_inputs

    inputs = scorecard_inputs(con, load_id, settings)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtm-writer") as writer:
        written = writer.submit(_commit_load_rows, con)
        try:
            frame = scorecard_frame(inputs, load_id)
        finally:
            written.result()  # the connection is ours again (or its error is raised)
    con.execute("BEGIN TRANSACTION")
    return insert_scorecard(con, frame)


def publish(
    settings: Settings,
    apply: Apply,
    *,
    kind: str,
    user: str,
    file_name: str | None = None,
    sha256: str | None = None,
    raw: bytes | None = None,
    rolls_back: int | None = None,
    describe: Callable[[dict[str, int]], str] | None = None,
    precompute: bool = True,
) -> LoadSummary:
    """Apply one load as a new published version, all or nothing."""
    paths = StorePaths(settings.db_path)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with writer_lock(paths, settings.lock_timeout_seconds):
        _clean_staging(paths)
        paths.versions.mkdir(parents=True, exist_ok=True)
        current = paths.current()
        staged = paths.versions / f"{STAGING_PREFIX}{uuid.uuid4().hex}.duckdb"
        try:
            if current is not None:
                shutil.copyfile(current, staged)
            with _attached(staged, settings) as con:
                # The schema in the load's own transaction: one commit instead of one per table.
                con.execute("BEGIN TRANSACTION")
                con.execute(schema_sql())
                if sha256:
                    earlier = find_by_sha(con, sha256)
                    if earlier is not None:
                        raise AlreadyLoaded(earlier, file_name or "this file")
                load_id = next_load_id(con)
                counts = apply(con, load_id)
                if precompute:
                    counts["scorecard_rows"] = _precompute(con, load_id, settings)
                message = describe(counts) if describe else ""
                con.execute(
                    "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, 'published', ?, ?, ?)",
                    [
                        load_id,
                        kind,
                        file_name,
                        sha256,
                        user,
                        started,
                        dt.datetime.now(dt.UTC).replace(tzinfo=None),
                        json.dumps(counts),
                        message,
                        rolls_back,
                    ],
                )
                con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", [str(load_id)])
                con.execute("COMMIT")
                con.execute("CHECKPOINT")
            _fsync_file(staged)
            final = paths.versions / f"{load_id:06d}-{uuid.uuid4().hex[:8]}.duckdb"
            os.replace(staged, final)
            _fsync_dir(paths.versions)
            if raw is not None and sha256:
                keep_upload(settings.path("uploads_dir"), sha256, raw)
            _swap_pointer(paths, final)
        except (OSError, duckdb.IOException) as exc:
            staged.unlink(missing_ok=True)
            reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
            raise PublishFailed(
                f"the new version could not be written ({reason}); "
                "the previous version is still published"
            ) from exc
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        _gc_versions(paths, settings.keep_versions, final)
    return LoadSummary(load_id=load_id, outcome="published", counts=counts, message=message)


# --- applying a load: versioned upserts --------------------------------------------------------


def upsert_versioned(
    con: duckdb.DuckDBPyConnection,
    table: str,
    incoming: pd.DataFrame,
    *,
    key: list[str],
    compared: list[str],
    load_id: int,
) -> tuple[int, int, int]:
    """Close changed rows and add new versions; returns (new, revised, unchanged).

    Only keys present in ``incoming`` are touched: a monthly file that omits an old month leaves
    it as it was. Table and column names come from this module's code, never from input.
    """
    if incoming.empty:
        return 0, 0, 0
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    data_columns = [c for c in columns if c not in ("valid_from_load", "valid_to_load")]
    frame = incoming.reindex(columns=data_columns)
    con.register("incoming_rows", frame)
    try:
        select = ", ".join(f'"{c}"' for c in data_columns)
        current = con.execute(
            f"SELECT count(*) FROM {table} WHERE valid_to_load IS NULL"  # noqa: S608
        ).fetchone()
        if current is not None and current[0] == 0:
            # Nothing current to compare against (a table's first rows, e.g. years of history
            # loaded at the start): every row is new, so skip the join and its temp table.
            con.execute(
                f"INSERT INTO {table} ({select}, valid_from_load, valid_to_load) "  # noqa: S608
                f"SELECT {select}, ?, NULL FROM incoming_rows",
                [load_id],
            )
            return len(incoming), 0, 0
        join = " AND ".join(f"c.{k} = i.{k}" for k in key)
        differs = " OR ".join(f'c."{c}" IS DISTINCT FROM i."{c}"' for c in compared)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE changed AS
                SELECT i.*, c.{key[0]} IS NOT NULL AS existed
                FROM incoming_rows i
                LEFT JOIN {table} c ON c.valid_to_load IS NULL AND {join}
                WHERE c.{key[0]} IS NULL OR {differs}"""  # noqa: S608 - names are code constants
        )
        counts = con.execute(
            "SELECT count(*) FILTER (WHERE NOT existed), count(*) FILTER (WHERE existed) "
            "FROM changed"
        ).fetchone()
        new, revised = (int(counts[0]), int(counts[1])) if counts else (0, 0)
        key_match = " AND ".join(f"{table}.{k} = changed.{k}" for k in key)
        con.execute(
            f"UPDATE {table} SET valid_to_load = ? FROM changed "  # noqa: S608
            f"WHERE {table}.valid_to_load IS NULL AND changed.existed AND {key_match}",
            [load_id],
        )
        con.execute(
            f"INSERT INTO {table} ({select}, valid_from_load, valid_to_load) "  # noqa: S608
            f"SELECT {select}, ?, NULL FROM changed",
            [load_id],
        )
        con.execute("DROP TABLE changed")
    finally:
        con.unregister("incoming_rows")
    return new, revised, len(incoming) - new - revised


def replace_all_versioned(
    con: duckdb.DuckDBPyConnection, table: str, incoming: pd.DataFrame, load_id: int
) -> int:
    """Close every current row of ``table`` and add ``incoming`` as the new current rows."""
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    data_columns = [c for c in columns if c not in ("valid_from_load", "valid_to_load")]
    con.execute(
        f"UPDATE {table} SET valid_to_load = ? WHERE valid_to_load IS NULL",  # noqa: S608
        [load_id],
    )
    frame = incoming.reindex(columns=data_columns)
    con.register("incoming_rows", frame)
    try:
        select = ", ".join(f'"{c}"' for c in data_columns)
        con.execute(
            f"INSERT INTO {table} ({select}, valid_from_load, valid_to_load) "  # noqa: S608
            f"SELECT {select}, ?, NULL FROM incoming_rows",
            [load_id],
        )
    finally:
        con.unregister("incoming_rows")
    return len(frame)
