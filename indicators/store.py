"""Read-only access to the published store.

The pointer (``data/mtm.duckdb``, a symlink swapped by loaders/publish.py) is resolved once per
request into a ``Snapshot``: every query of that request reads the same file, so a page never
mixes two versions, and the snapshot knows the version it shows. Connections are opened
read-only, one per resolved file per process, with a cursor per query (FINDINGS: about 1 ms
against 16 ms for a fresh connection). SQL lives in indicators/sql/*.sql, named and
parameterised.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb
import pandas as pd

from indicators.settings import Settings

SQL_DIR = Path(__file__).with_name("sql")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@cache
def sql(name: str) -> str:
    """The text of a named query; names are code constants, never user input."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def schema_sql() -> str:
    return sql("schema")


class StoreUnavailable(RuntimeError):
    """No published version exists yet at the configured path."""


class KeptPerVersion(Generic[K, V]):
    """What this process derives from published version files, for the `keep` most recently
    used keys. A published file never changes, so an entry never goes stale: one is dropped
    (and handed to `on_drop`) only to bound what the process holds."""

    def __init__(self, keep: int, on_drop: Callable[[V], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._keep = keep
        self._on_drop = on_drop

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value kept for `key`; built under the lock, so once per key however many
        requests ask for it at the same moment."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
            value = build()
            self._kept[key] = value
            while len(self._kept) > self._keep:
                _, dropped = self._kept.popitem(last=False)
                if self._on_drop is not None:
                    # Old versions: queries still in flight hold their own cursors.
                    self._on_drop(dropped)
            return value

    def clear(self) -> None:
        with self._lock:
            dropped = list(self._kept.values())
            self._kept.clear()
        if self._on_drop is not None:
            for value in dropped:
                self._on_drop(value)


#: One read-only connection per version file in this process, with the latest version the
#: file holds (fixed once it is published, so asked once rather than on every request).
_CONNECTIONS: KeptPerVersion[Path, tuple[duckdb.DuckDBPyConnection, int]] = KeptPerVersion(
    keep=3, on_drop=lambda opened: opened[0].close()
)
#: Whether a file's schema has a column (files written by an earlier release may not).
_SCHEMA_COLUMNS: KeptPerVersion[tuple[Path, str, str], bool] = KeptPerVersion(keep=64)
_THREAD = threading.local()


def _cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """This thread's cursor on a connection: a new cursor's first query costs milliseconds,
    and a cursor must not be shared between threads."""
    cursors: dict[int, tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]] = getattr(
        _THREAD, "cursors", {}
    )
    _THREAD.cursors = cursors
    held = cursors.get(id(con))
    if held is None or held[0] is not con:
        held = (con, con.cursor())
        cursors[id(con)] = held
    return held[1]


@dataclass(frozen=True)
class Snapshot:
    """One published file, read at one version (the latest it holds, or an earlier one)."""

    path: Path
    version: int
    latest: int
    _con: duckdb.DuckDBPyConnection

    @property
    def is_latest(self) -> bool:
        return self.version == self.latest

    def _execute(self, name: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        bound = {"v": self.version, **params} if "$v" in sql(name) else params
        return _cursor(self._con).execute(sql(name), bound)

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        return self._execute(name, params).df()

    def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
        """The rows as dicts of Python values (None for NULL, ``datetime.date`` for a DATE):
        for the few rows a page shows, without a DataFrame, whose building costs more than a
        small query (0.4-1 ms each on a measure page)."""
        cursor = self._execute(name, params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def scalar(self, name: str, **params: Any) -> Any:
        frame = self.query(name, **params)
        return None if frame.empty else frame.iat[0, 0]

    def has_column(self, table: str, column: str) -> bool:
        """Whether this file's schema has the column. A published file never changes, so the
        answer is kept per file."""
        return _SCHEMA_COLUMNS.get(
            (self.path, table, column),
            lambda: bool(self.scalar("has_column", table=table, column=column)),
        )

    def at_version(self, version: int) -> Snapshot:
        if not 1 <= version <= self.latest:
            raise ValueError(f"there is no version {version} (latest is {self.latest})")
        return Snapshot(self.path, version, self.latest, self._con)

    def at_date(self, day: dt.date) -> Snapshot | None:
        """The version published by the end of ``day``, or None if nothing was published yet."""
        version = self.scalar("version_as_of", day=day)
        if version is None or pd.isna(version):
            return None
        return self.at_version(int(version))


class Store:
    """Where pages get their data: ``Store(path).snapshot()`` at the start of each request."""

    def __init__(self, pointer: Path, *, memory_limit: str = "512MB", threads: int = 2) -> None:
        self.pointer = pointer
        self._config = {"memory_limit": memory_limit, "threads": threads}

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """Every reader in a process must open a file with the same settings (DuckDB's rule)."""
        return cls(
            settings.db_path,
            memory_limit=settings.duckdb_memory_limit,
            threads=settings.duckdb_threads,
        )

    def exists(self) -> bool:
        return self.pointer.exists()

    def snapshot(self) -> Snapshot:
        if not self.pointer.exists():
            raise StoreUnavailable(f"no published data at {self.pointer}: load a workbook first")
        path = self.pointer.resolve()

        def open_file() -> tuple[duckdb.DuckDBPyConnection, int]:
            con = duckdb.connect(str(path), read_only=True, config=self._config)
            row = con.execute(sql("latest_version")).fetchone()
            return con, int(row[0]) if row else 0

        con, latest = _CONNECTIONS.get(path, open_file)
        return Snapshot(path, latest, latest, con)

    def snapshot_if_any(self) -> Snapshot | None:
        """The version readers see now, or None before the first load."""
        try:
            return self.snapshot()
        except StoreUnavailable:
            return None


def close_connections() -> None:
    """Close this process's cached connections (tests, and before forking workers)."""
    _CONNECTIONS.clear()
