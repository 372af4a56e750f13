"""Undo a load by publishing a new version: nothing is deleted, history keeps both.

Rolling back load L, for every versioned table (any table with valid_from_load/valid_to_load):
- rows that L added and that are still current are closed;
- rows that L superseded are brought back as new current rows, unless their key has changed
  again since (a later load's figure is never silently replaced by an older one).
A rollback is itself a load, so it can be rolled back too.
"""

from __future__ import annotations

import duckdb

from indicators.domain import LoadSummary
from indicators.settings import Settings
from indicators.store import Store, StoreUnavailable
from loaders.publish import publish


class RollbackRefused(ValueError):
    """The load cannot be rolled back (unknown, or nothing of it is still current)."""


#: Keys of the tables not loaded from workbook sheets (those come from ingest.VERSIONING).
OTHER_KEYS: dict[str, list[str]] = {
    "benchmarks": ["measure_code", "period_label", "geography_level", "geography_code"],
    "sn_groups": ["la_code_old", "sn_rank"],
    "london_sub_regions": ["la_code_old"],
}


def table_keys() -> dict[str, list[str]]:
    """What identifies "the same row" across loads, for every versioned table."""
    from loaders.ingest import VERSIONING

    return {**OTHER_KEYS, **{table: key for table, key, _ in VERSIONING.values()}}


def versioned_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'valid_to_load' "
        "ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _undo(con: duckdb.DuckDBPyConnection, undone: int, load_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    keys = table_keys()
    for table in versioned_tables(con):
        key = keys.get(table)
        if key is None:
            raise RollbackRefused(f"table {table} has no declared key; cannot roll back safely")
        columns = [c for c in _columns(con, table) if c not in ("valid_from_load", "valid_to_load")]
        select = ", ".join(f'"{c}"' for c in columns)
        match = " AND ".join(f"cur.{k} IS NOT DISTINCT FROM old.{k}" for k in key)
        # Bring back what the load replaced, where the load's row is still the current one.
        restored = con.execute(
            f"""INSERT INTO {table} ({select}, valid_from_load, valid_to_load)
                SELECT {", ".join(f'old."{c}"' for c in columns)}, ?, NULL
                FROM {table} old
                WHERE old.valid_to_load = ?
                  AND EXISTS (SELECT 1 FROM {table} cur WHERE cur.valid_to_load IS NULL
                              AND cur.valid_from_load = ? AND {match})""",  # noqa: S608
            [load_id, undone, undone],
        ).fetchone()
        closed = con.execute(
            f"UPDATE {table} SET valid_to_load = ? "  # noqa: S608
            "WHERE valid_from_load = ? AND valid_to_load IS NULL",
            [load_id, undone],
        ).fetchone()
        n_restored = int(restored[0]) if restored else 0
        n_closed = int(closed[0]) if closed else 0
        if n_restored or n_closed:
            counts[f"{table}_restored"] = n_restored
            counts[f"{table}_withdrawn"] = n_closed
    return counts


def describe_rollback(undone: int, counts: dict[str, int]) -> str:
    """ "rolled back load 3: 12 actuals withdrawn, 4 actuals restored" (as the history shows it)."""
    from loaders.ingest import rows_counted

    parts = []
    for key, n in counts.items():
        table, done = key.rsplit("_", 1)
        if n and done in ("withdrawn", "restored"):  # not the new version's scorecard_rows
            parts.append(f"{rows_counted(n, table)} {done}")
    return f"rolled back load {undone}: " + ", ".join(parts)


def rollback(settings: Settings, undone: int, user: str) -> LoadSummary:
    """Publish a version without load ``undone``'s changes."""
    try:
        snap = Store.from_settings(settings).snapshot()
    except StoreUnavailable as exc:
        raise RollbackRefused("there is no store yet") from exc
    loads = snap.query("loads")
    if undone not in set(loads["load_id"]):
        raise RollbackRefused(f"there is no load {undone}")
    if undone in set(loads["rolls_back"].dropna().astype(int)):
        raise RollbackRefused(f"load {undone} has already been rolled back")

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        counts = _undo(con, undone, load_id)
        if not counts:
            raise RollbackRefused(
                f"nothing of load {undone} is still current: later loads replaced all of it"
            )
        return counts

    return publish(
        settings,
        apply,
        kind="rollback",
        user=user,
        file_name=None,
        sha256=None,
        rolls_back=undone,
        describe=lambda counts: describe_rollback(undone, counts),
    )
