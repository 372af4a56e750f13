"""The loads the data team runs: a workbook, the published benchmarks, a rollback.

Each function validates first, then hands publish.py an ``apply`` step that writes the new
version's rows. Nothing here writes a file itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from indicators.domain import DEFAULT_BREAKDOWN, LoadSummary, Problem
from indicators.settings import Settings
from indicators.sheets import SHEETS_BY_NAME
from indicators.store import Snapshot, Store
from loaders.excel import ReadLimits
from loaders.plan import plan_ids_in
from loaders.publish import (
    AlreadyLoaded,
    LoadInProgress,
    publish,
    replace_all_versioned,
    upsert_versioned,
    warm_writer,
)
from loaders.template import template_workbook, write_row
from loaders.validate import KnownIndicator, KnownPlan, Validated, validate_workbook

#: How each sheet's rows are versioned: table, key columns, compared columns.
VERSIONING: dict[str, tuple[str, list[str], list[str]]] = {
    "Indicators": (
        "indicators",
        ["indicator_id"],
        [
            "name",
            "service_area",
            "unit",
            "polarity",
            "decimals",
            "frequency",
            "baseline_value",
            "baseline_period",
            "target_value",
            "target_operator",
            "target_date",
            "tolerance",
            "outcome",
            "lead",
            "local_indicator",
            "benchmark_measure",
        ],
    ),
    "Actuals": (
        "actuals",
        ["indicator_id", "period", "breakdown"],
        ["value", "numerator", "denominator", "status"],
    ),
    "Targets": ("targets", ["indicator_id", "period"], ["target_value"]),
    "Comparators": (
        "comparators",
        ["indicator_id", "comparator", "period_label"],
        ["period_end", "value", "symbol", "source"],
    ),
    "Commentary": ("commentary", ["indicator_id", "period", "breakdown"], ["commentary"]),
    "Actions": (
        "actions",
        ["action_id"],
        [
            "recommendation",
            "outcome",
            "action",
            "lead",
            "due_date",
            "status",
            "update",
            "linked_indicators",
            "recommendation_id",
            "area",
            "lead_agency",
            "partners",
            "resources",
            "how_measured",
            "due_text",
            "status_as_of",
            "revised_due_date",
        ],
    ),
    # The improvement plan's other sheets (issue #9).
    "Updates": (
        "action_updates",
        ["action_id", "as_of"],
        ["status", "update", "revised_due_date", "author"],
    ),
    "Recommendations": (
        "recommendations",
        ["recommendation_id"],
        [
            "recommendation",
            "plan",
            "source",
            "timescale",
            "due_date",
            "theme",
            "outcome",
            "evidence",
        ],
    ),
    "Milestones": (
        "milestones",
        ["milestone_id"],
        ["goal", "statement", "due_date", "plan", "horizon"],
    ),
    "Judgements": (
        "milestone_judgements",
        ["milestone_id", "judged_on"],
        ["judgement", "evidence", "judged_by"],
    ),
    "Plans": (
        "plans",
        ["plan_id"],
        ["name", "council", "example", "as_at", "next_board_date", "source"],
    ),
}

#: Date columns of the plan sheets (the shared list below covers due_date).
_PLAN_DATES = ("status_as_of", "revised_due_date", "as_of", "judged_on", "as_at", "next_board_date")


@dataclass
class LoadResult:
    """What a load attempt ended with, for the CLI and the upload page alike."""

    display_name: str
    problems: list[Problem] = field(default_factory=list)
    summary: LoadSummary | None = None
    already_loaded_as: int | None = None
    not_supplied: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def limits_from(settings: Settings) -> ReadLimits:
    return ReadLimits(
        max_entries=settings.max_zip_entries,
        max_unpacked=settings.max_unpacked_mb * 1024 * 1024,
        max_ratio=settings.max_compression_ratio,
    )


def indicators_in(snap: Snapshot | None) -> dict[str, KnownIndicator]:
    """The indicators of one published version (none before the first load)."""
    if snap is None or snap.version == 0:
        return {}
    frame = snap.query("indicators")
    return {
        row.indicator_id: KnownIndicator(row.unit, int(row.decimals), row.polarity)
        for row in frame.itertuples()
    }


def validate_file(
    settings: Settings, source: bytes | Path, display_name: str, today: dt.date | None = None
) -> Validated:
    """Validate against the version readers see now (indicators and plan ids of one version).

    A check is the step before a load, so the writer's DuckDB instance starts beside it.
    """
    warm_writer(settings)
    snap = Store.from_settings(settings).snapshot_if_any()
    validated = validate_workbook(
        source,
        display_name,
        known=indicators_in(snap),
        known_plan=plan_ids_in(snap),
        today=today,
        limits=limits_from(settings),
    )
    validated.checked_against = snap.version if snap is not None else 0
    return validated


def warm_up() -> None:
    """Pay the first check's one-time costs before the first upload arrives.

    The first workbook a process checks takes about a second longer than the next (the
    reader's and pandera's start-up, schemas built on first use). A server calls this as each
    worker starts (gunicorn.conf.py), so the data team's first upload is not the slow one.
    """
    book = template_workbook()
    rows = {
        "Indicators": {
            "indicator_id": "warm_up",
            "name": "Warm-up",
            "service_area": "Warm-up",
            "unit": "percent",
            "polarity": "higher_is_better",
            "decimals": 1,
        },
        "Actuals": {"indicator_id": "warm_up", "period": dt.date(2020, 1, 1), "value": 50.0},
    }
    for name, values in rows.items():
        spec = SHEETS_BY_NAME[name.casefold()]
        write_row(book[spec.name], spec, 2, [values.get(c.name) for c in spec.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    validate_workbook(buffer.getvalue(), "warm-up.xlsx", known={}, known_plan=KnownPlan())


class StaleCheck(RuntimeError):
    """Another load was published after the file was checked; it must be checked again."""


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, errors="raise").dt.date if len(series) else series


def split_comparator_values(rows: pd.DataFrame) -> None:
    """A checked comparator cell holds (value, symbol); the store keeps them in two columns."""
    pairs = rows["value"].tolist()
    rows["value"] = [pair[0] for pair in pairs]
    rows["symbol"] = [pair[1] for pair in pairs]


def table_rows(sheet: str, frame: pd.DataFrame, user: str, now: dt.datetime) -> pd.DataFrame:
    """The typed sheet as rows of its store table, with provenance (sheet and Excel row)."""
    rows = frame.copy()
    if sheet == "Comparators":
        split_comparator_values(rows)
    if sheet == "Commentary":
        rows["breakdown"] = DEFAULT_BREAKDOWN
        rows["author"] = user
        rows["written_at"] = now
    if sheet == "Actions":
        rows["linked_indicators"] = rows["linked_indicators"].map(
            lambda ids: "; ".join(ids) if ids else None
        )
    if sheet == "Updates":
        # Who wrote it, else who uploaded it; when it reached the store, for the audit trail.
        rows["author"] = rows["author"].map(lambda name: name or user)
        rows["recorded_at"] = now
    if sheet == "Plans":
        rows["example"] = rows["example"].astype(bool)
    for column in _PLAN_DATES:
        if column in rows.columns:
            rows[column] = pd.to_datetime(rows[column])
    if sheet == "Indicators":
        rows["decimals"] = rows["decimals"].astype("int64")
        rows["local_indicator"] = rows["local_indicator"].astype(bool)
    for column in (
        "value",
        "numerator",
        "denominator",
        "target_value",
        "baseline_value",
        "tolerance",
    ):
        if column in rows.columns:
            rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    for column in ("period", "baseline_period", "target_date", "period_end", "due_date"):
        if column in rows.columns:
            rows[column] = pd.to_datetime(rows[column])
    rows["source_sheet"] = sheet
    rows["source_row"] = rows.index.astype("int64")
    return rows.reset_index(drop=True)


#: What a table's rows are called in a load's message, in the order messages list them.
ROWS_OF: dict[str, str] = {
    "actuals": "actuals",
    "comparators": "comparators",
    "commentary": "comments",
    "indicators": "indicator definitions",
    "targets": "targets",
    "actions": "actions",
    "action_updates": "progress updates",
    "recommendations": "recommendations",
    "milestones": "milestones",
    "milestone_judgements": "milestone judgements",
    "plans": "plans",
    "benchmarks": "published values",
    "sn_groups": "statistical-neighbour rows",
    "london_sub_regions": "London sub-region rows",
}


def rows_counted(n: int, table: str) -> str:
    """ "3 comments", "1 comment": every word in ROWS_OF is a plural in -s."""
    word = ROWS_OF.get(table, table.replace("_", " "))
    return f"{n:,} {word[:-1] if n == 1 and word.endswith('s') else word}"


def describe_workbook_load(counts: dict[str, int], periods: list[str]) -> str:
    parts = []
    for key in ROWS_OF:
        changed = counts.get(f"{key}_new", 0) + counts.get(f"{key}_revised", 0)
        if changed:
            parts.append(rows_counted(changed, key))
    text = ", ".join(parts) if parts else "no changes"
    if periods:
        span = periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"
        text += f" for {span}"
    return text


def load_workbook(
    settings: Settings,
    source: bytes | Path,
    display_name: str,
    user: str,
    *,
    today: dt.date | None = None,
    checked: Validated | None = None,
) -> LoadResult:
    """Validate and, only if the whole file passes, publish it as a new version.

    `checked` is this file's validation from a moment ago (the upload page's confirmation
    step); it is used only for the same bytes and only on top of the version it was checked
    against. Whenever another load was published in between, the file is checked again.
    """
    raw = source.read_bytes() if isinstance(source, Path) else source
    sha256 = hashlib.sha256(raw).hexdigest()
    validated = checked if checked is not None and checked.sha256 == sha256 else None
    for _attempt in range(3):
        if validated is None:
            validated = validate_file(settings, raw, display_name, today)
        try:
            return _publish_validated(
                settings, validated, raw, sha256, display_name=display_name, user=user
            )
        except StaleCheck:
            validated = None
    raise LoadInProgress()  # other loads kept landing between our check and our turn


def _publish_validated(
    settings: Settings,
    validated: Validated,
    raw: bytes,
    sha256: str,
    *,
    display_name: str,
    user: str,
) -> LoadResult:
    result = LoadResult(display_name)
    result.not_supplied = len(validated.not_supplied)
    if not validated.ok:
        result.problems = validated.problems
        return result
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    actuals = validated.frames.get("Actuals")
    periods = (
        sorted({p.strftime("%Y-%m") for p in pd.unique(actuals["period"])})
        if actuals is not None and len(actuals)
        else []
    )

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        # Ids were checked against the version this load builds on, or it is checked again.
        if load_id - 1 != validated.checked_against:
            raise StaleCheck()
        counts: dict[str, int] = {}
        for sheet, frame in validated.frames.items():
            table, key, compared = VERSIONING[sheet]
            # A sheet left with just its header changes nothing: no store rows to build.
            new, revised, unchanged = (
                (0, 0, 0)
                if frame.empty
                else upsert_versioned(
                    con,
                    table,
                    table_rows(sheet, frame, user, now),
                    key=key,
                    compared=compared,
                    load_id=load_id,
                )
            )
            counts[f"{table}_new"] = new
            counts[f"{table}_revised"] = revised
            counts[f"{table}_unchanged"] = unchanged
        counts["not_supplied"] = result.not_supplied
        return counts

    try:
        result.summary = publish(
            settings,
            apply,
            kind="workbook",
            user=user,
            file_name=display_name,
            sha256=sha256,
            raw=raw,
            describe=lambda counts: describe_workbook_load(counts, periods),
        )
    except AlreadyLoaded as again:
        result.already_loaded_as = again.load_id
    return result


# --- published benchmarks ------------------------------------------------------------------------

BENCHMARK_COLUMNS = [
    "measure_code",
    "measure_name",
    "unit",
    "polarity",
    "decimals",
    "period_label",
    "period_end",
    "geography_level",
    "geography_code",
    "geography_name",
    "value",
    "value_symbol",
]
SN_COLUMNS = [
    "la_code_old",
    "la_name",
    "region_name",
    "sn_rank",
    "sn_la_code_old",
    "sn_la_name",
    "closeness",
]
LONDON_COLUMNS = ["la_code_old", "la_name", "sub_region_code", "sub_region_name"]
GEOGRAPHY_LEVELS = {"local_authority", "region", "sub_region", "england"}


class BenchmarkFileError(ValueError):
    """A benchmark CSV that cannot be loaded; the message names file, row and column."""


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise BenchmarkFileError(f"{path.name}: file not found") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BenchmarkFileError(f"{path.name}: not a readable UTF-8 CSV file ({exc})") from exc
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BenchmarkFileError(f"{path.name}: missing column(s) {', '.join(missing)}")
    return frame[columns]


def _numbers(frame: pd.DataFrame, column: str, path: Path, allow_symbol: bool) -> pd.Series:
    text = frame[column].str.strip()
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numbers.isna() & (text != "")
    if allow_symbol:
        bad &= ~text.str.casefold().isin(["c", "x", "z", "k", "u", "low", "-", ".."])
    if bad.any():
        row = int(bad.idxmax())
        raise BenchmarkFileError(
            f"{path.name}: row {row + 2}, column {column}: {text[row]!r} is not a number"
        )
    return numbers


def read_benchmarks(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, BENCHMARK_COLUMNS)
    value = _numbers(frame, "value", path, allow_symbol=True)
    symbol = frame["value_symbol"].str.strip()
    frame = frame.assign(
        value=value,
        value_symbol=symbol.where(symbol != "", None).where(value.isna(), None),
        decimals=_numbers(frame, "decimals", path, allow_symbol=False).fillna(1).astype("int64"),
    )
    ends = pd.to_datetime(frame["period_end"], format="%Y-%m-%d", errors="coerce")
    if ends.isna().any():
        row = int(ends.isna().idxmax())
        raise BenchmarkFileError(
            f"{path.name}: row {row + 2}, column period_end: "
            f"{frame['period_end'][row]!r} is not a date (YYYY-MM-DD)"
        )
    levels = ~frame["geography_level"].isin(GEOGRAPHY_LEVELS)
    if levels.any():
        row = int(levels.idxmax())
        raise BenchmarkFileError(
            f"{path.name}: row {row + 2}, column geography_level: "
            f"{frame['geography_level'][row]!r} is not one of {', '.join(sorted(GEOGRAPHY_LEVELS))}"
        )
    key = frame[["measure_code", "period_label", "geography_level", "geography_code"]]
    dupes = key.duplicated()
    if dupes.any():
        row = int(dupes.idxmax())
        raise BenchmarkFileError(
            f"{path.name}: row {row + 2} repeats measure {frame['measure_code'][row]!r}, period "
            f"{frame['period_label'][row]!r} for {frame['geography_name'][row]!r}"
        )
    return frame.assign(period_end=ends)


def read_sn_groups(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, SN_COLUMNS)
    return frame.assign(
        sn_rank=_numbers(frame, "sn_rank", path, allow_symbol=False).astype("int64")
    )


def load_benchmarks(
    settings: Settings,
    benchmarks_csv: Path,
    sn_groups_csv: Path,
    london_csv: Path | None,
    user: str,
) -> LoadSummary:
    """Replace the published benchmarks and SN groups with these files, as a new version."""
    bench = read_benchmarks(benchmarks_csv)
    sn = read_sn_groups(sn_groups_csv)
    london = _read_csv(london_csv, LONDON_COLUMNS) if london_csv else None
    digest = hashlib.sha256()
    for path in (benchmarks_csv, sn_groups_csv, london_csv):
        if path is not None:
            digest.update(path.read_bytes())

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        counts = {
            "benchmarks": replace_all_versioned(con, "benchmarks", bench, load_id),
            "sn_groups": replace_all_versioned(con, "sn_groups", sn, load_id),
        }
        if london is not None:
            counts["london_sub_regions"] = replace_all_versioned(
                con, "london_sub_regions", london, load_id
            )
        return counts

    measures = bench["measure_code"].nunique()
    councils = bench.loc[bench["geography_level"] == "local_authority", "geography_code"].nunique()
    return publish(
        settings,
        apply,
        kind="benchmarks",
        user=user,
        file_name=benchmarks_csv.name,
        sha256=None,
        describe=lambda c: (
            f"{c['benchmarks']:,} published values ({measures} measures, {councils} councils) "
            f"and {c['sn_groups']:,} statistical-neighbour rows"
        ),
    )
