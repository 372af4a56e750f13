"""Pure analytics behind the scorecard: display rounding, RAG, direction of travel, published
comparators computed the way DfE's LAIT computes them, and a straight-line forecast.

Nothing here reads files, touches the store or imports dash or duckdb; every function takes plain
values or DataFrames and returns plain values, so the same code serves the pages, the board pack,
the precompute step of a load and the tests.

Comparators (DESIGN section 5) follow DfE's LAIT (the repository
dfe-analytical-services/local-authority-interactive-tool, R/fn_analysis.R and
R/lait_modules/mod_la_lvl_table.R) so that a council sees the same figures here and there:

- the latest period is the latest one in which any council has a value;
- the statistical-neighbour (SN) average is the plain mean of the neighbours that have a value (the
  median on request), with no minimum number of neighbours;
- a London council is compared with Inner or Outer London, or with London where its sub-region has
  no value;
- the national rank is over every LA with a value (ties share the lowest rank, 1 is best by the
  published polarity) and the quartile band uses type-7 quantiles of the same values;
- measures that LAIT marks neutral get neither: only a position such as "38th highest of 152".

Functions taking ``bench`` accept the long benchmark DataFrame (the layout of
``published_benchmarks.csv``) or a `PreparedBenchmarks` made once by `prepare_benchmarks`; those
taking ``sn_groups`` accept the SN DataFrame or a `Geography` from `prepare_geography`. The
prepared forms are what `compare_all_councils` and the load-time precompute use, so that a whole
country costs one pivot per measure.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from indicators.domain import SUPPRESSION_SYMBOLS, Polarity, Rag, TargetOperator, Unit

__all__ = [
    "MISSING",
    "Comparison",
    "Direction",
    "Forecast",
    "Geography",
    "PeriodRef",
    "PreparedBenchmarks",
    "RankResult",
    "RegionValue",
    "SnAverage",
    "ValueChange",
    "band_for",
    "change_since_previous",
    "compare",
    "compare_all_councils",
    "default_tolerance",
    "direction",
    "england_value",
    "forecast_target_date",
    "format_value",
    "gap_to_target",
    "latest_period",
    "national_rank",
    "ordinal",
    "prepare_benchmarks",
    "prepare_geography",
    "quartile_band",
    "quartile_boundaries",
    "rag",
    "rank_for",
    "region_value",
    "round_half_away",
    "sn_average",
    "target_for_period",
]

#: What a missing value looks like on screen (an en dash, as DfE tables print it).
MISSING: Final = "–"
#: A true minus sign: screen readers say "minus" and it lines up with the digits, unlike "-".
_MINUS: Final = "\u2212"

# Enough precision for any float's full decimal expansion, so quantize never raises for big numbers.
_DECIMAL_CONTEXT: Final = Context(prec=800, rounding=ROUND_HALF_UP)


def _num(x: float | None) -> float | None:
    """The value as a finite float, or None: NaN and infinities are "no value", never a number."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------------------------------
# Rounding and display
# --------------------------------------------------------------------------------------------------


def _quantize(x: float, decimals: int) -> Decimal:
    # repr() is the shortest text that round-trips, i.e. the figure as typed: 0.125 rather than its
    # binary neighbour 0.12499999999999999, so halves really are halves.
    exponent = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(x))).quantize(exponent, context=_DECIMAL_CONTEXT)


def round_half_away(x: float, decimals: int) -> float:
    """Round half away from zero at `decimals` places (0.125 -> 0.13, 2.5 -> 3, -2.5 -> -3).

    Python's round() rounds half to even and works on the binary value (round(2.675, 2) is 2.67),
    which is not what a published table or a council's spreadsheet shows. NaN and infinities come
    back unchanged. For display only: comparisons and ranks always use the unrounded value.
    """
    if not math.isfinite(x):
        return x
    return float(_quantize(x, decimals))


#: What follows a value of each unit on screen.
_VALUE_SUFFIXES: Final[dict[str, str]] = {
    Unit.PERCENT: "%",
    Unit.RATE_PER_10K: " per 10,000",
    Unit.RATE_PER_1000: " per 1,000",
    Unit.COUNT: "",
    Unit.DAYS: " days",
    Unit.RATIO: "",
    Unit.NUMBER: "",
}


def _fixed_by_decimal(value: float, places: int) -> str:
    """`_fixed` the general way: round the typed figure as a Decimal."""
    rounded = _quantize(value, places)
    sign = _MINUS if rounded < 0 else ""  # a value that rounds to zero is shown as 0, never -0
    return sign + format(abs(rounded), f",.{places}f")


def _fixed(value: float, places: int) -> str:
    """A finite value at ``places`` decimals, rounded half away from zero, thousands separated,
    with a true minus sign. A figure typed with no more decimals than are shown (most stored
    figures) needs no rounding: its shortest text is padded, three times faster than Decimal,
    which matters for the hundreds of values a page formats."""
    typed = repr(value)
    whole, point, fraction = typed.partition(".")
    digits = fraction.rstrip("0")
    if not point or "e" in typed or len(digits) > places:
        return _fixed_by_decimal(value, places)
    sign = _MINUS if value < 0 else ""  # -0.0 is shown as 0
    return sign + f"{abs(int(whole)):,}" + ("." + digits.ljust(places, "0") if places else "")


def format_value(x: float | None, unit: Unit | str, decimals: int) -> str:
    """The value as shown: rounded half away from zero, thousands separated, with its unit.

    "12.5%", "86.0 per 10,000", "11,050", "14 days"; "–" when there is no value.
    """
    value = _num(x)
    if value is None:
        return MISSING
    text = _fixed(value, max(0, decimals))
    suffix = _VALUE_SUFFIXES.get(unit)  # a StrEnum member and its value look up alike
    if suffix is None:
        raise ValueError(f"{unit!r} is not a valid Unit")
    if unit == Unit.DAYS and text == "1":
        return "1 day"
    return text + suffix


def _compact(x: float, max_decimals: int = 6) -> str:
    """A number in running text: no trailing zeros ("80", "82.5", "0.25"), true minus sign."""
    text = format_value(x, Unit.NUMBER, max_decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == _MINUS + "0" else text


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 112th."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------------------------------
# RAG against a target
# --------------------------------------------------------------------------------------------------


def _operator(operator: TargetOperator | str | None, polarity: Polarity | str) -> TargetOperator:
    if operator is None or operator == "":
        return TargetOperator.default_for(Polarity(polarity))
    return TargetOperator(operator)


def _epsilon(target: float) -> float:
    # Values that went through arithmetic (a percentage from numerator and denominator) carry
    # float noise; a relative 1e-9 absorbs it without accepting a shortfall big enough to show.
    return 1e-9 * max(1.0, abs(target))


def default_tolerance(
    unit: Unit | str,
    target: float | None,
    settings_pct_points: float = 5.0,
    settings_fraction: float = 0.10,
) -> float | None:
    """The default amber band: points for percentages, a fraction of the target for anything else.

    None when a fractional band is needed but there is no target to take a fraction of.
    """
    if Unit(unit) is Unit.PERCENT:
        return settings_pct_points
    value = _num(target)
    if value is None:
        return None
    return abs(value) * settings_fraction


def gap_to_target(
    value: float | None, target: float | None, operator: TargetOperator | str
) -> float | None:
    """How far the value is on the right side of the target: positive is better than needed.

    For '>=' it is value - target, for '<=' target - value, and for '=' minus the distance, so the
    same sign rule ("negative means missed by that much") holds for every operator.
    """
    v, t = _num(value), _num(target)
    if v is None or t is None:
        return None
    match TargetOperator(operator):
        case TargetOperator.GE:
            return v - t
        case TargetOperator.LE:
            return t - v
        case _:
            return -abs(v - t)


def rag(
    value: float | None,
    target: float | None,
    operator: TargetOperator | str | None,
    polarity: Polarity | str,
    tolerance: float | None,
) -> Rag:
    """Green when the target is met, amber when missed by no more than `tolerance`, red otherwise.

    Grey when the value or the target is missing. Without an explicit operator the polarity gives
    one ('>=' higher is better, '<=' lower is better, '=' neutral); with '=' amber and red go by the
    absolute distance. A missing or negative tolerance means no amber band.
    """
    v, t = _num(value), _num(target)
    if v is None or t is None:
        return Rag.GREY
    gap = gap_to_target(v, t, _operator(operator, polarity))
    assert gap is not None  # both inputs are present
    band = max(0.0, _num(tolerance) or 0.0)
    eps = _epsilon(t)
    if -gap <= eps:
        return Rag.GREEN
    if -gap <= band + eps:
        return Rag.AMBER
    return Rag.RED


def target_for_period(
    period: dt.date,
    trajectory: Sequence[tuple[dt.date, float | None]],
    final_target: float | None,
) -> float | None:
    """The target that applies in `period`: the latest trajectory step on or before it, else the
    final target.

    Trajectory steps apply from their month, so any day in the same month counts as "on or before";
    steps without a value are ignored. With two steps in one month the later one in the list wins.
    """
    month = (period.year, period.month)
    best: tuple[tuple[int, int], float] | None = None
    for when, value in trajectory:
        v = _num(value)
        step = (when.year, when.month)
        if v is None or step > month:
            continue
        if best is None or step >= best[0]:
            best = (step, v)
    return best[1] if best is not None else _num(final_target)


# --------------------------------------------------------------------------------------------------
# Direction of travel
# --------------------------------------------------------------------------------------------------

Judgement = Literal["good", "bad", "none"]


@dataclass(frozen=True, slots=True)
class Direction:
    """Which way a measure moved and, unless it is neutral, whether that is good."""

    arrow: str  # "▲" up, "▼" down, "▶" no change: the movement, not the judgement
    word: str  # "improving", "worsening", "no change"; "up" or "down" when neutral
    judgement: Judgement  # drives the colour only; neutral measures are never coloured


_NO_CHANGE: Final = Direction("▶", "no change", "none")


def direction(
    current: float | None, previous: float | None, polarity: Polarity | str
) -> Direction | None:
    """Direction of travel from `previous` (last period or the baseline) to `current`.

    None when either value is missing. "No change" only when the two are equal at full precision:
    a move too small to show after rounding is still a move, and the arrow should not hide it.
    """
    c, p = _num(current), _num(previous)
    if c is None or p is None:
        return None
    if c == p:
        return _NO_CHANGE
    up = c > p
    arrow = "▲" if up else "▼"
    pol = Polarity(polarity)
    if pol is Polarity.NEUTRAL:
        return Direction(arrow, "up" if up else "down", "none")
    good = up == (pol is Polarity.HIGHER_IS_BETTER)
    return Direction(arrow, "improving" if good else "worsening", "good" if good else "bad")


# --------------------------------------------------------------------------------------------------
# Published benchmarks, prepared once
# --------------------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_LA_LEVEL: Final = "local_authority"
# LAIT's loader also reads ".." as missing, and ":" is the ONS marker for the same thing.
_SYMBOLS: Final = frozenset(s.lower() for s in SUPPRESSION_SYMBOLS) | {"..", ":"}


def _values_of(rows: pd.DataFrame) -> FloatArray:
    """Numeric values with every suppression marker, blank or non-number as NaN (never zero)."""
    numbers = pd.to_numeric(rows["value"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    if "value_symbol" in rows.columns:
        symbols = rows["value_symbol"].astype("string").fillna("").str.strip().str.lower()
        # The symbol wins over the value column: a source may carry "k" or "low" beside a 0 that
        # only means "rounds to zero". Other flags (such as "r" for revised) keep their value.
        flagged = symbols.isin(_SYMBOLS).to_numpy(dtype=bool, na_value=False)
        numbers = np.where(flagged, np.nan, numbers)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


@dataclass(frozen=True, slots=True)
class _PeriodStats:
    """The national picture for one period and polarity, for every LA at once."""

    n: int
    rank: IntArray  # per LA row: rank by polarity (position from the top when neutral); 0 = none
    band: tuple[str | None, ...]  # per LA row: "A".."D"; None when neutral or no value
    quartiles: FloatArray | None  # min, Q1, median, Q3, max


@dataclass(frozen=True, eq=False)
class MeasureTable:
    """One published measure pivoted: LAs by periods, plus regions, sub-regions and England."""

    measure_code: str
    measure_name: str
    unit: str
    polarity: Polarity
    decimals: int
    labels: tuple[str, ...]  # period labels, oldest first by period end
    ends: tuple[dt.date, ...]
    la_codes: tuple[str, ...]
    la_row: Mapping[str, int]
    la_values: FloatArray  # shape (len(la_codes), len(labels)); NaN = no value
    areas: Mapping[tuple[str, str], FloatArray]  # (geography_level, name) -> value per period
    _stats: dict[tuple[int, Polarity], _PeriodStats] = field(
        default_factory=dict, init=False, repr=False
    )

    def column(self, period_label: str) -> int:
        try:
            return self.labels.index(str(period_label))
        except ValueError:
            raise KeyError(
                f"{self.measure_code!r} has no period {period_label!r}; it has {list(self.labels)}"
            ) from None

    def la_value(self, la_code: str, col: int) -> float | None:
        row = self.la_row.get(la_code)
        return None if row is None else _num(float(self.la_values[row, col]))

    def area_value(self, level: str, name: str, col: int) -> float | None:
        values = self.areas.get((level, name))
        return None if values is None else _num(float(values[col]))

    def latest_column(self) -> int | None:
        """The last period in which any LA has a value (LAIT's "latest year")."""
        has_value = np.isfinite(self.la_values).any(axis=0)
        cols = np.flatnonzero(has_value)
        return int(cols[-1]) if cols.size else None

    def stats(self, col: int, polarity: Polarity | None = None) -> _PeriodStats:
        pol = self.polarity if polarity is None else polarity
        key = (col, pol)
        cached = self._stats.get(key)
        if cached is None:
            cached = _period_stats(self.la_values[:, col], pol)
            self._stats[key] = cached
        return cached


# Letters by quarter, lowest values first; LAIT letters A as the best quarter either way.
_BAND_LETTERS: Final = {Polarity.LOWER_IS_BETTER: "ABCD", Polarity.HIGHER_IS_BETTER: "DCBA"}


def _period_stats(values: FloatArray, polarity: Polarity) -> _PeriodStats:
    present = np.isfinite(values)
    ordered = np.sort(values[present])
    n = int(ordered.size)
    rank = np.zeros(values.shape, dtype=np.int64)
    if n == 0:
        return _PeriodStats(0, rank, (None,) * values.size, None)
    below = np.searchsorted(ordered, values, side="left")  # how many are strictly smaller
    above = n - np.searchsorted(ordered, values, side="right")  # how many are strictly larger
    # Counting strictly better values and adding one is rank(ties.method = "min") exactly.
    best_first = below if polarity is Polarity.LOWER_IS_BETTER else above
    rank[present] = best_first[present] + 1
    quartiles = quartile_boundaries(ordered)
    assert quartiles is not None
    bands: tuple[str | None, ...] = (None,) * values.size
    if polarity is not Polarity.NEUTRAL:
        letters = _BAND_LETTERS[polarity]
        quarter = np.searchsorted(quartiles[1:4], values, side="left")
        bands = tuple(
            letters[int(q)] if ok else None for q, ok in zip(quarter, present, strict=True)
        )
    return _PeriodStats(n, rank, bands, quartiles)


def _parse_end(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


@dataclass(frozen=True)
class _LongColumns:
    """The long benchmark table's columns, cleaned once for every measure in it."""

    measure_codes: npt.NDArray[np.object_]
    labels: npt.NDArray[np.object_]
    ends: list[dt.date]
    values: FloatArray
    levels: npt.NDArray[np.object_]
    codes: npt.NDArray[np.object_]
    names: npt.NDArray[np.object_]
    first_of: Mapping[str, pd.Series]  # column -> raw values (measure name, unit, ...)

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _LongColumns:
        def text(column: str) -> npt.NDArray[np.object_]:
            return rows[column].astype(str).str.strip().to_numpy(dtype=object)

        ends = rows["period_end"]
        if pd.api.types.is_datetime64_dtype(ends) and not ends.isna().any():
            # numpy gives datetime.date objects at once (Timestamps one by one are slow).
            raw_ends = ends.to_numpy().astype("datetime64[D]").tolist()
        else:
            raw_ends = ends.tolist()
        parsed = {v: _parse_end(v) for v in set(raw_ends)}
        return cls(
            measure_codes=text("measure_code") if "measure_code" in rows.columns else np.array([]),
            labels=text("period_label"),
            ends=[parsed[v] for v in raw_ends],
            values=_values_of(rows),
            levels=text("geography_level"),
            codes=text("geography_code"),
            names=text("geography_name"),
            first_of={
                c: rows[c]
                for c in ("decimals", "measure_name", "unit", "polarity")
                if c in rows.columns
            },
        )

    def first(self, at: IntArray, column: str, default: str) -> str:
        """The measure's first row's `column`, as text; `default` when absent or blank."""
        if column not in self.first_of or at.size == 0:
            return default
        text = str(self.first_of[column].iloc[int(at[0])]).strip()
        return text or default


def _measure_table(code: str, rows: pd.DataFrame) -> MeasureTable:
    if rows.empty:
        raise KeyError(f"no published benchmark rows for measure {code!r}")
    return _pivot(code, _LongColumns.of(rows), np.arange(len(rows)))


def _pivot(code: str, long: _LongColumns, at: IntArray) -> MeasureTable:
    """Measure `code` from the rows `at` of the long table."""
    labels_col = long.labels[at]
    ends_col = [long.ends[i] for i in at.tolist()]
    by_label: dict[str, dt.date] = {}
    for label, end in zip(labels_col, ends_col, strict=True):
        if by_label.setdefault(str(label), end) != end:
            raise ValueError(f"{code!r}: period {label!r} has two end dates")
    # Periods are ordered by the date they end, never by text ("2024-25" vs "2025").
    periods = sorted(by_label.items(), key=lambda item: (item[1], item[0]))
    labels = tuple(label for label, _ in periods)
    col_of = {label: i for i, label in enumerate(labels)}
    cols = np.array([col_of[str(label)] for label in labels_col], dtype=np.int64)

    values = long.values[at]
    levels, codes, names = long.levels[at], long.codes[at], long.names[at]

    is_la = levels == _LA_LEVEL
    la_codes = tuple(sorted({str(c) for c in codes[is_la]}))
    la_row = {c: i for i, c in enumerate(la_codes)}
    la_values = np.full((len(la_codes), len(labels)), np.nan)
    la_rows = np.array([la_row[str(c)] for c in codes[is_la]], dtype=np.int64)
    seen = la_rows * len(labels) + cols[is_la]
    if np.unique(seen).size != seen.size:
        raise ValueError(f"{code!r}: an LA has two rows for the same period")
    la_values[la_rows, cols[is_la]] = values[is_la]

    areas: dict[tuple[str, str], FloatArray] = {}
    for i in np.flatnonzero(~is_la):
        key = (str(levels[i]), str(names[i]))
        series = areas.setdefault(key, np.full(len(labels), np.nan))
        series[cols[i]] = values[i]

    decimals_text = long.first(at, "decimals", "1")
    try:
        decimals = int(float(decimals_text))
    except ValueError:
        decimals = 1  # LAIT's own default when the dictionary leaves dps blank
    return MeasureTable(
        measure_code=code,
        measure_name=long.first(at, "measure_name", code),
        unit=long.first(at, "unit", Unit.NUMBER.value),
        polarity=Polarity(long.first(at, "polarity", Polarity.NEUTRAL.value)),
        decimals=decimals,
        labels=labels,
        ends=tuple(end for _, end in periods),
        la_codes=la_codes,
        la_row=la_row,
        la_values=la_values,
        areas=areas,
    )


@dataclass(frozen=True, eq=False)
class PreparedBenchmarks:
    """Every published measure pivoted once, for repeated look-ups (see `prepare_benchmarks`)."""

    measures: Mapping[str, MeasureTable]

    def table(self, measure_code: str) -> MeasureTable:
        try:
            return self.measures[measure_code]
        except KeyError:
            raise KeyError(f"no published benchmark rows for measure {measure_code!r}") from None


def prepare_benchmarks(bench: pd.DataFrame) -> PreparedBenchmarks:
    """Pivot the long benchmark table (published_benchmarks.csv layout) by measure."""
    # Columns are cleaned once for the whole table, then each measure takes its rows' positions.
    long = _LongColumns.of(bench)
    groups = pd.Series(long.measure_codes).groupby(long.measure_codes, sort=False).indices
    measures = {
        str(code): _pivot(str(code), long, np.asarray(at, dtype=np.int64))
        for code, at in groups.items()
    }
    return PreparedBenchmarks(measures)


BenchmarkSource = pd.DataFrame | PreparedBenchmarks


def _table(bench: BenchmarkSource, measure_code: str) -> MeasureTable:
    if isinstance(bench, PreparedBenchmarks):
        return bench.table(measure_code)
    # Pivoting only the measure asked for keeps a one-off call cheap (a few ms, not the whole file).
    codes = bench["measure_code"]
    mask = codes == measure_code
    if not mask.any():  # a frame straight from a spreadsheet may pad its codes with spaces
        mask = codes.astype(str).str.strip() == measure_code
    return _measure_table(measure_code, bench[mask])


@dataclass(frozen=True, slots=True)
class Geography:
    """Who each council's statistical neighbours are, and which region it is compared with."""

    neighbours: Mapping[str, tuple[str, ...]]  # la_code -> neighbour codes, closest first
    region: Mapping[str, str]  # la_code -> region name as in the benchmark file
    sub_region: Mapping[str, str]  # London la_code -> "Inner London" / "Outer London"

    @property
    def councils(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.neighbours) | set(self.region)))


def _codes(series: pd.Series) -> list[str]:
    return [str(v).strip() for v in series.tolist()]


def prepare_geography(
    sn_groups: pd.DataFrame, london_sub_regions: pd.DataFrame | None = None
) -> Geography:
    """Index the SN groups (sn_groups.csv layout) and the London sub-regions by council."""
    ranks = pd.to_numeric(sn_groups["sn_rank"], errors="coerce").fillna(np.inf).tolist()
    rows = sorted(
        zip(
            _codes(sn_groups["la_code_old"]),
            ranks,
            _codes(sn_groups["sn_la_code_old"]),
            _codes(sn_groups["region_name"]),
            strict=True,
        ),
        key=lambda r: (r[0], r[1]),
    )
    neighbours: dict[str, list[str]] = {}
    region: dict[str, str] = {}
    for la, _rank, neighbour, region_name in rows:
        group = neighbours.setdefault(la, [])
        # The relation is LA -> neighbours; an LA listed as its own neighbour would bias the mean.
        if neighbour != la and neighbour not in group:
            group.append(neighbour)
        region.setdefault(la, region_name)
    sub_region: dict[str, str] = {}
    if london_sub_regions is not None:
        sub_region = dict(
            zip(
                _codes(london_sub_regions["la_code_old"]),
                _codes(london_sub_regions["sub_region_name"]),
                strict=True,
            )
        )
    return Geography({k: tuple(v) for k, v in neighbours.items()}, region, sub_region)


GroupSource = pd.DataFrame | Geography


def _geography(
    sn_groups: GroupSource, london_sub_regions: pd.DataFrame | None, la_code: str
) -> Geography:
    if isinstance(sn_groups, Geography):
        return sn_groups
    # Only the council asked about is indexed, so a one-off call does not index the whole country.
    groups = sn_groups[sn_groups["la_code_old"].astype(str).str.strip() == la_code]
    london = london_sub_regions
    if london is not None:
        london = london[london["la_code_old"].astype(str).str.strip() == la_code]
    return prepare_geography(groups, london)


# --------------------------------------------------------------------------------------------------
# LAIT comparators
# --------------------------------------------------------------------------------------------------

SnStatistic = Literal["mean", "median"]


class PeriodRef(NamedTuple):
    label: str
    end: dt.date


class SnAverage(NamedTuple):
    value: float | None
    n: int  # neighbours with a value in the period
    of: int  # neighbours in the group (10 in the DfE model)


class RegionValue(NamedTuple):
    name: str | None  # the geography actually used: "South East", "Inner London", "London"
    value: float | None


class RankResult(NamedTuple):
    rank: int | None  # None for neutral measures and for a council with no value
    of: int  # LAs with a value in the period
    text: str | None  # "12th of 152", or "38th highest of 152" when neutral


class ValueChange(NamedTuple):
    previous_period_label: str | None
    change: float | None
    direction: Direction | None


def latest_period(bench: BenchmarkSource, measure_code: str) -> PeriodRef | None:
    """The latest period in which any council has a value for the measure (by period end)."""
    table = _table(bench, measure_code)
    col = table.latest_column()
    return None if col is None else PeriodRef(table.labels[col], table.ends[col])


def _sn(
    table: MeasureTable, neighbours: Sequence[str], col: int, la_code: str, statistic: str
) -> SnAverage:
    rows = [table.la_row[c] for c in neighbours if c != la_code and c in table.la_row]
    values = table.la_values[rows, col] if rows else np.empty(0)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return SnAverage(None, 0, len(neighbours))
    if statistic == "median":
        value = float(np.median(values))
    elif statistic == "mean":
        # fsum's correctly rounded sum tracks R's long-double mean() more closely than numpy's
        # pairwise sum, so the last digit agrees with LAIT's.
        value = math.fsum(values.tolist()) / values.size
    else:
        raise ValueError(f"unknown SN statistic {statistic!r}: use 'mean' or 'median'")
    return SnAverage(value, int(values.size), len(neighbours))


def sn_average(  # noqa: PLR0917 - positional order is the documented contract
    bench: BenchmarkSource,
    sn_groups: GroupSource,
    measure_code: str,
    la_code: str,
    period_label: str,
    statistic: SnStatistic = "mean",
) -> SnAverage:
    """Mean (or median) of the council's statistical neighbours that have a value in the period.

    The council itself is never included; suppressed and missing neighbours are skipped and there
    is no minimum, so the answer says how many reported ("8 of 10"). Counts are averaged too,
    which is why an SN count must not be set beside a region or England total.
    """
    table = _table(bench, measure_code)
    la = str(la_code).strip()
    neighbours = _geography(sn_groups, None, la).neighbours.get(la, ())
    return _sn(table, neighbours, table.column(period_label), la, statistic)


def _region(table: MeasureTable, geo: Geography, la_code: str, col: int) -> RegionValue:
    sub = geo.sub_region.get(la_code)
    if sub is not None:
        value = table.area_value("sub_region", sub, col)
        if value is not None:
            return RegionValue(sub, value)
    # A London council falls back to London even if it has no SN group to name its region.
    name = geo.region.get(la_code, "London" if sub is not None else None)
    if name is None:
        return RegionValue(None, None)
    return RegionValue(name, table.area_value("region", name, col))


def region_value(  # noqa: PLR0917 - positional order is the documented contract
    bench: BenchmarkSource,
    sn_groups: GroupSource,
    london_sub_regions: pd.DataFrame | None,
    measure_code: str,
    la_code: str,
    period_label: str,
) -> RegionValue:
    """The published value for the council's region (a total for counts).

    London councils get Inner or Outer London, or London itself when their sub-region has no value
    in the period (EHC plan timeliness, for instance, is published for London only).
    """
    table = _table(bench, measure_code)
    la = str(la_code).strip()
    return _region(
        table, _geography(sn_groups, london_sub_regions, la), la, table.column(period_label)
    )


def _england(table: MeasureTable, col: int) -> float | None:
    for (level, _name), values in table.areas.items():
        if level == "england":
            return _num(float(values[col]))
    return None


def england_value(bench: BenchmarkSource, measure_code: str, period_label: str) -> float | None:
    """The published England value (a total for counts)."""
    table = _table(bench, measure_code)
    return _england(table, table.column(period_label))


def quartile_boundaries(values: Sequence[float] | FloatArray) -> FloatArray | None:
    """Min, Q1, median, Q3 and max as type-7 quantiles (numpy's and R's default); None if empty."""
    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return None
    return np.quantile(array, [0.0, 0.25, 0.5, 0.75, 1.0])


def band_for(
    value: float | None, boundaries: FloatArray | None, polarity: Polarity | str
) -> str | None:
    """The quartile band A (best) to D (worst) of a value, given `quartile_boundaries`.

    Each band includes its upper boundary and the lowest includes the minimum, as in LAIT, so a
    value exactly on Q1 is in the bottom quarter. Lower is better: A = [min, Q1], B = (Q1, median],
    C = (median, Q3], D = (Q3, max]; higher is better reverses the letters. Neutral: no band.
    """
    v = _num(value)
    pol = Polarity(polarity)
    if v is None or boundaries is None or pol is Polarity.NEUTRAL:
        return None
    quarter = int(np.searchsorted(boundaries[1:4], v, side="left"))  # Q1..Q3 strictly below v
    return _BAND_LETTERS[pol][quarter]


def rank_for(
    value: float | None, values: Sequence[float] | FloatArray, polarity: Polarity | str
) -> int | None:
    """1 + how many values are strictly better (neutral: higher), so ties share the top rank."""
    v = _num(value)
    if v is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    array = array[np.isfinite(array)]
    if Polarity(polarity) is Polarity.LOWER_IS_BETTER:
        return int(np.count_nonzero(array < v)) + 1
    return int(np.count_nonzero(array > v)) + 1


def _rank_text(rank: int, n: int, polarity: Polarity) -> str:
    if polarity is Polarity.NEUTRAL:
        return f"{ordinal(rank)} highest of {n}"
    return f"{ordinal(rank)} of {n}"


def _rank(table: MeasureTable, la_code: str, col: int, polarity: Polarity | None) -> RankResult:
    pol = table.polarity if polarity is None else polarity
    stats = table.stats(col, pol)
    row = table.la_row.get(la_code)
    position = 0 if row is None else int(stats.rank[row])
    if position == 0:
        return RankResult(None, stats.n, None)
    text = _rank_text(position, stats.n, pol)
    return RankResult(None if pol is Polarity.NEUTRAL else position, stats.n, text)


def national_rank(
    bench: BenchmarkSource,
    measure_code: str,
    la_code: str,
    period_label: str,
    polarity: Polarity | str | None = None,
) -> RankResult:
    """The council's rank among every LA with a value in the period; 1 is best.

    City of London and the Isles of Scilly count when they have a value; predecessor councils drop
    out because theirs is '-'. Ties take the lowest rank number. The published measure's polarity
    applies unless `polarity` overrides it; for a neutral measure there is no rank, only a position
    counted from the highest value ("38th highest of 152").
    """
    table = _table(bench, measure_code)
    pol = None if polarity is None else Polarity(polarity)
    return _rank(table, str(la_code).strip(), table.column(period_label), pol)


def _band(table: MeasureTable, la_code: str, col: int, polarity: Polarity | None) -> str | None:
    row = table.la_row.get(la_code)
    return None if row is None else table.stats(col, polarity).band[row]


def quartile_band(
    bench: BenchmarkSource,
    measure_code: str,
    la_code: str,
    period_label: str,
    polarity: Polarity | str | None = None,
) -> str | None:
    """The council's quartile band (A best) among LAs with a value; None if neutral or missing."""
    table = _table(bench, measure_code)
    pol = None if polarity is None else Polarity(polarity)
    return _band(table, str(la_code).strip(), table.column(period_label), pol)


def _change(table: MeasureTable, la_code: str, col: int) -> ValueChange:
    if col == 0:
        return ValueChange(None, None, None)
    current = table.la_value(la_code, col)
    previous = table.la_value(la_code, col - 1)
    change = None if current is None or previous is None else current - previous
    return ValueChange(table.labels[col - 1], change, direction(current, previous, table.polarity))


def change_since_previous(
    bench: BenchmarkSource, measure_code: str, la_code: str, period_label: str
) -> ValueChange:
    """The council's value minus its value in the previous published period.

    The previous period is the one before in the measure's series, not the last one the council
    happened to report (as in LAIT), so a gap gives no change rather than a change over two years.
    The direction follows the sign; its judgement follows the published polarity.
    """
    table = _table(bench, measure_code)
    return _change(table, str(la_code).strip(), table.column(period_label))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything the scorecard shows about one council against one published measure."""

    measure_code: str
    la_code: str
    period_label: str | None
    period_end: dt.date | None
    la_value: float | None
    sn_value: float | None
    sn_n: int
    sn_of: int
    sn_statistic: str
    region_name: str | None
    region_value: float | None
    england_value: float | None
    rank: int | None
    rank_of: int | None
    rank_text: str | None
    quartile: str | None
    polarity: Polarity
    previous_period_label: str | None
    change: float | None
    change_direction: Direction | None
    unit: str
    decimals: int


def _compare(
    table: MeasureTable,
    geo: Geography,
    la_code: str,
    col: int | None,
    sn_statistic: str,
) -> Comparison:
    if col is None:
        return Comparison(
            table.measure_code, la_code, None, None, None, None, 0,
            len(geo.neighbours.get(la_code, ())), sn_statistic, None, None, None, None, None, None,
            None, table.polarity, None, None, None, table.unit, table.decimals,
        )  # fmt: skip
    sn = _sn(table, geo.neighbours.get(la_code, ()), col, la_code, sn_statistic)
    region = _region(table, geo, la_code, col)
    ranked = _rank(table, la_code, col, None)
    moved = _change(table, la_code, col)
    return Comparison(
        measure_code=table.measure_code,
        la_code=la_code,
        period_label=table.labels[col],
        period_end=table.ends[col],
        la_value=table.la_value(la_code, col),
        sn_value=sn.value,
        sn_n=sn.n,
        sn_of=sn.of,
        sn_statistic=sn_statistic,
        region_name=region.name,
        region_value=region.value,
        england_value=_england(table, col),
        rank=ranked.rank,
        rank_of=ranked.of or None,
        rank_text=ranked.text,
        quartile=_band(table, la_code, col, None),
        polarity=table.polarity,
        previous_period_label=moved.previous_period_label,
        change=moved.change,
        change_direction=moved.direction,
        unit=table.unit,
        decimals=table.decimals,
    )


def compare(  # noqa: PLR0917 - positional order is the documented contract
    bench: BenchmarkSource,
    sn_groups: GroupSource,
    london_sub_regions: pd.DataFrame | None,
    measure_code: str,
    la_code: str,
    period_label: str | None = None,
    sn_statistic: SnStatistic = "mean",
) -> Comparison:
    """All published comparators for one council and measure, for `period_label` or the latest.

    Fields are None where the data has no value (a suppressed council, a neutral measure's rank).
    """
    table = _table(bench, measure_code)
    la = str(la_code).strip()
    geo = _geography(sn_groups, london_sub_regions, la)
    col = table.latest_column() if period_label is None else table.column(period_label)
    return _compare(table, geo, la, col, sn_statistic)


_FRAME_COLUMNS: Final = (
    "la_code", "measure_code", "period_label", "period_end", "la_value", "sn_value", "sn_n",
    "sn_of", "sn_statistic", "region_name", "region_value", "england_value", "rank", "rank_of",
    "rank_text", "quartile", "polarity", "previous_period_label", "change", "change_direction",
    "change_judgement", "unit", "decimals",
)  # fmt: skip


def compare_all_councils(  # noqa: PLR0917 - positional order is the documented contract
    bench: BenchmarkSource,
    sn_groups: GroupSource,
    london_sub_regions: pd.DataFrame | None,
    measure_codes: Sequence[str] | None = None,
    la_codes: Sequence[str] | None = None,
    sn_statistic: SnStatistic = "mean",
) -> pd.DataFrame:
    """`compare` for every council (default: those with an SN group) and measure, latest period.

    One row per council and measure with the fields of `Comparison`; `change_direction` holds the
    direction's word and `change_judgement` its judgement. Ranks and bands are computed once per
    measure for all councils, so the whole country takes well under a second.
    """
    prepared = bench if isinstance(bench, PreparedBenchmarks) else prepare_benchmarks(bench)
    geo = (
        sn_groups
        if isinstance(sn_groups, Geography)
        else prepare_geography(sn_groups, london_sub_regions)
    )
    councils = geo.councils if la_codes is None else tuple(str(c).strip() for c in la_codes)
    codes = list(prepared.measures) if measure_codes is None else list(measure_codes)
    records: list[tuple[object, ...]] = []
    for code in codes:
        table = prepared.table(code)
        col = table.latest_column()
        for la in councils:
            c = _compare(table, geo, la, col, sn_statistic)
            moved = c.change_direction
            records.append((
                c.la_code, c.measure_code, c.period_label, c.period_end, c.la_value, c.sn_value,
                c.sn_n, c.sn_of, c.sn_statistic, c.region_name, c.region_value, c.england_value,
                c.rank, c.rank_of, c.rank_text, c.quartile, c.polarity.value,
                c.previous_period_label, c.change, None if moved is None else moved.word,
                None if moved is None else moved.judgement, c.unit, c.decimals,
            ))  # fmt: skip
    frame = pd.DataFrame.from_records(records, columns=list(_FRAME_COLUMNS))
    for column in ("la_value", "sn_value", "region_value", "england_value", "change"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    for column in ("rank", "rank_of"):
        frame[column] = frame[column].astype("Int64")
    return frame


# --------------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------------

ForecastStatus = Literal[
    "met", "on_course", "at_risk", "not_on_course", "insufficient_data", "no_target"
]

#: Fewer points than this make a trend line too easily swung by one month to forecast from.
MIN_FORECAST_POINTS: Final = 6
#: A crossing further ahead than this is "not at this trend" rather than a date in the next century.
_HORIZON_MONTHS: Final = 1200


@dataclass(frozen=True, slots=True)
class Forecast:
    """When the current trend would meet the target, and whether that is in time."""

    status: ForecastStatus
    projected_month: dt.date | None
    slope_per_month: float | None
    message: str


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_name(day: dt.date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"


def _slope_text(slope: float, decimals: int) -> str:
    if slope == 0:
        return "flat"
    places = max(0, decimals)
    # A slope that rounds to zero at the measure's precision is still a trend; show it.
    while places < 6 and round_half_away(slope, places) == 0:
        places += 1
    text = format_value(slope, Unit.NUMBER, places)
    return (text if text.startswith(_MINUS) else "+" + text) + " a month"


def forecast_target_date(  # noqa: PLR0917 - positional order is the documented contract
    periods: Sequence[dt.date],
    values: Sequence[float | None],
    target: float | None,
    operator: TargetOperator | str,
    target_date: dt.date | None,
    window: int = 12,
    *,
    decimals: int = 1,
) -> Forecast:
    """Project an ordinary least-squares line through the last `window` monthly values.

    met: the latest value already meets the target. on_course: the line meets it by the target date
    (or, without one, at some point). at_risk: with a target date, the line meets it only after that
    date, or runs flat or away from the target. not_on_course: no target date and the line never
    meets it. insufficient_data: fewer than 6 values in the window. no_target: nothing to aim at.
    Missing values are skipped, not zero; `decimals` sets how the slope is written.
    """
    if len(periods) != len(values):
        raise ValueError("periods and values must be the same length")
    goal = _num(target)
    if goal is None:
        return Forecast(
            "no_target", None, None, "No target is set, so there is nothing to forecast."
        )
    op = TargetOperator(operator)
    by_month: dict[int, float] = {}
    for period, value in zip(periods, values, strict=True):
        v = _num(value)
        if v is not None:
            by_month[_month_index(period)] = v
    points = sorted(by_month.items())
    goal_text = _compact(goal)
    if points:
        latest = points[-1][1]
        gap = gap_to_target(latest, goal, op)
        if gap is not None and -gap <= _epsilon(goal):
            return Forecast(
                "met",
                None,
                None,
                f"The latest value ({_compact(latest)}) meets the target of {goal_text}.",
            )
    recent = points[-window:] if window > 0 else []
    if len(recent) < MIN_FORECAST_POINTS:
        return Forecast(
            "insufficient_data",
            None,
            None,
            f"Not enough data for a forecast: {len(recent)} monthly values, at least "
            f"{MIN_FORECAST_POINTS} are needed.",
        )
    latest = recent[-1][1]
    x = np.array([m for m, _ in recent], dtype=np.float64)
    y = np.array([v for _, v in recent], dtype=np.float64)
    x_mean, y_mean = float(x.mean()), float(y.mean())
    slope = float(np.dot(x - x_mean, y - y_mean) / np.dot(x - x_mean, x - x_mean))
    last = int(x[-1])
    consecutive = last - int(x[0]) + 1 == len(recent)
    span = (
        f"the last {len(recent)} months"
        if consecutive
        else f"the {len(recent)} monthly values from {_month_name(_month_of(int(x[0])))} to "
        f"{_month_name(_month_of(last))}"
    )
    lead = f"At the trend of {span} ({_slope_text(slope, decimals)})"

    improving = {TargetOperator.GE: 1.0, TargetOperator.LE: -1.0}.get(
        op, math.copysign(1.0, goal - latest)
    )
    crossing: int | None = None
    if slope * improving < 0:
        why = f"the measure is moving away from the target of {goal_text}"
    elif slope == 0:
        why = f"the measure is not moving towards the target of {goal_text}"
    else:
        reach = x_mean + (goal - y_mean) / slope
        # The first month after the latest one in which the line has reached the target; the
        # small allowance stops float noise pushing an exact crossing into the next month.
        crossing = max(last + 1, math.ceil(reach - 1e-9))
        if crossing - last > _HORIZON_MONTHS:
            crossing = None
        why = f"the target of {goal_text} would not be met within {_HORIZON_MONTHS // 12} years"
    if crossing is None:
        if target_date is None:
            return Forecast("not_on_course", None, slope, f"{lead} {why}.")
        return Forecast(
            "at_risk",
            None,
            slope,
            f"{lead} {why}, so the target date of {_month_name(target_date)} is at risk.",
        )
    projected = _month_of(crossing)
    met_by = f"{lead} the target of {goal_text} would be met by {_month_name(projected)}"
    if target_date is None:
        return Forecast("on_course", projected, slope, f"{met_by}.")
    deadline = _month_index(target_date)
    if crossing < deadline:
        return Forecast(
            "on_course",
            projected,
            slope,
            f"{met_by}, before the target date of {_month_name(target_date)}.",
        )
    if crossing == deadline:
        return Forecast("on_course", projected, slope, f"{met_by}, the month of the target date.")
    return Forecast(
        "at_risk",
        projected,
        slope,
        f"{met_by}, after the target date of {_month_name(target_date)}.",
    )
