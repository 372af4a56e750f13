"""Making Data Count XmR statistical process control, matching NHSRplotthedots 0.2.2.

`xmr` reproduces the R package NHSRplotthedots 0.2.2 (``ptd_spc`` with its ``summary()`` and its
icon and assurance helpers) for one series: sort by date, split at rebase dates, per group a mean
and screened mean moving range from the (optionally fixed) baseline, process limits
``mean -/+ 2.66 * amr``, the four special-cause rules (outside the limits, trend of 7, two of three
beyond the 2-sigma line, run of 7 on one side of the mean), one label per point, then the variation
and assurance icons. /work/shared/spc/README.md describes the method; the parity vectors in
``tests/data/spc/vectors_public.json`` pin it down, and ``tests/unit/test_spc_parity.py`` checks
every column against them.

Numerics. Means are exact: the floats are summed as exact rationals and divided once, giving
the correctly rounded mean, as R's extended-precision ``mean`` does for every vector. The rationals
are held as one integer times a power of two rather than as ``fractions.Fraction``: the result is
identical (Python's ``int / int`` is correctly rounded, which is all ``float(Fraction)`` does) but
far faster, and property tests check the two agree. The integer is an int64 numpy sum whenever the
values, scaled by one power of two, are whole numbers that fit (any series whose values share a
few decimal places), and a Python integer otherwise. Everything else
is float64 arithmetic in the package's own order (``mean - 2.66 * amr``, ``3.267 * amr0``,
``2 * (2.66 / 3)``), so limits agree bit for bit.

Missing values follow R's three-valued logic: a comparison involving a missing value is NA, NA
never fires a rule, and the ``outside_limits``, ``close_to_limits``, ``relative_to_mean``,
``part_two_in_three`` and ``part_shift`` columns carry NA exactly where the package's do (nullable
pandas dtypes). Duplicated dates raise ``ValueError`` as the package does; so do
``fix_after_n_points < 12`` and an unknown improvement direction.

Deliberate deviations from the package, none of which a parity vector can contain (the package
produces no output at all in the first case; vector inputs are finite, targets numbers or null):

* A 7-point window that contains a missing value and whose other steps all rise (or all fall, or
  that has no non-missing step) makes NHSRplotthedots 0.2.2 stop with "missing value where
  TRUE/FALSE needed". Here such a window is simply not a trend, and ``attrs["warnings"]`` says so.
* A NaN target is treated as no target (a blank cell in a workbook), where the package would
  compare against NA and report ``inconsistent``.
* Infinite values are refused with ``ValueError``.

Two ways in. `xmr` returns the full chart as a DataFrame; `summary` returns what the scorecard
shows (the `SpcSummary` that ``summarise(xmr(...))`` gives, and the points a chart draws as plain
lists) without building one. Both wrap `_compute`, which works on numpy arrays alone.

Performance (timing note at the top of ``tests/unit/test_spc.py``): `summary` takes about
0.25 ms per 120-point series, ``summarise(xmr(...))`` about 1.3 ms, nearly all of that pandas
(building the frame, which infers the string columns). `summarise` reads the latest group from
``attrs`` and only the ``value`` column, because pandas deep-copies ``attrs`` into every column
it hands out. The rules are a few numpy correlations over a padded copy of the series, with no
Python loop over points; without missing values or NaN limits, the NA bookkeeping is skipped.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "COLUMNS",
    "DIRECTIONS",
    "SHORT_GROUP_WARNING",
    "SpcSummary",
    "summarise",
    "summary",
    "xmr",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
# R's NA as two masks: (definitely TRUE, definitely FALSE); NA is neither.
Tri = tuple[BoolArray, BoolArray]

LIMIT: Final = 2.66
LIMIT_CLOSE: Final = 2 * (LIMIT / 3)
SCREEN_FACTOR: Final = 3.267
SHORT_GROUP_THRESHOLD: Final = 13
MIN_FIX_AFTER_N_POINTS: Final = 12
RUN: Final = 7
DIRECTIONS: Final = ("increase", "decrease", "neutral")

COLUMNS: Final = (
    "date",
    "value",
    "rebase_group",
    "short_group_warning",
    "mean",
    "lpl",
    "upl",
    "nlpl",
    "nupl",
    "outside_limits",
    "close_to_limits",
    "relative_to_mean",
    "part_trend",
    "part_two_in_three",
    "part_shift",
    "special_cause_type",
    "special_cause_flag",
    "point_type",
)

# The package's text, including its "n < 12" although the threshold is 13 rows.
SHORT_GROUP_WARNING: Final = (
    "Some groups have 'n < 12' observations. These have trial limits, which will be revised with "
    "each additional observation until 'n = fix_after_n_points' has been reached."
)
MISSING_IN_TREND_WARNING: Final = (
    "{n} seven-point window(s) contain a missing value while every other step moves the same way; "
    "NHSRplotthedots 0.2.2 stops with an error here, this implementation treats them as not a "
    "trend."
)

_VARIATION_ICONS: Final[dict[str, dict[str, str]]] = {
    "increase": {
        "common_cause": "common_cause",
        "special_cause_improvement": "improvement_high",
        "special_cause_concern": "concern_low",
    },
    "decrease": {
        "common_cause": "common_cause",
        "special_cause_improvement": "improvement_low",
        "special_cause_concern": "concern_high",
    },
    "neutral": {
        "common_cause": "common_cause",
        "special_cause_neutral_high": "neutral_high",
        "special_cause_neutral_low": "neutral_low",
    },
}
_ASSURANCE_ICONS: Final = {
    "consistent_pass": "pass",
    "consistent_fail": "fail",
    "inconsistent": "inconsistent",
}
# point_type for v = +1 ("Above"/"Increasing") and v = -1 ("Below"/"Decreasing").
_POINT_TYPES: Final = {
    "increase": ("special_cause_improvement", "special_cause_concern"),
    "decrease": ("special_cause_concern", "special_cause_improvement"),
    "neutral": ("special_cause_neutral_high", "special_cause_neutral_low"),
}
# The same as object arrays indexed by the sign: 0 common cause, 1 high side, -1 (last) low side.
_POINT_TYPE_CHOICES: Final = {
    direction: np.array(["common_cause", high, low], dtype=object)
    for direction, (high, low) in _POINT_TYPES.items()
}

# Rows of different rebase groups are kept at least this far apart in the padded working copy, so
# that no rule window (at most 7 rows) can reach from one group into another; the package pads
# each group with zeros in the same way.
_PAD: Final = RUN - 1


# --------------------------------------------------------------------------------------------
# Input handling


def _as_values(values: Iterable[Any]) -> FloatArray:
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        arr = pd.Series(values).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    elif isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        arr = values.astype(np.float64)
    else:
        seq = list(values)
        try:
            arr = np.asarray(seq, dtype=np.float64)
        except (TypeError, ValueError):
            # pd.NA and similar refuse float(); anything pandas calls missing is missing.
            arr = np.asarray(
                [math.nan if _is_missing(v) else float(v) for v in seq], dtype=np.float64
            )
    if arr.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError("values must be finite numbers or missing (NaN/None); got an infinity")
    return arr


def _is_missing(v: object) -> bool:
    return (
        v is None
        or v is pd.NA
        or v is pd.NaT
        or (isinstance(v, float | np.floating) and math.isnan(v))
    )


def _date_key(d: object) -> tuple[int, int]:
    """(proleptic ordinal day, nanoseconds into the day): exact, orderable, no overflow."""
    if type(d) is dt.date:  # the usual case, checked first because it runs for every point
        return d.toordinal(), 0
    if d is None or d is pd.NaT:
        raise ValueError("dates must not be missing")
    if isinstance(d, np.datetime64):
        if np.isnat(d):
            raise ValueError("dates must not be missing")
        d = pd.Timestamp(d)
    if isinstance(d, dt.datetime):
        if d.tzinfo is not None:
            raise ValueError(f"dates must be naive (no time zone), got {d!r}")
        ns = (((d.hour * 60 + d.minute) * 60 + d.second) * 10**6 + d.microsecond) * 1000 + int(
            getattr(d, "nanosecond", 0)
        )
        return d.toordinal(), ns
    if isinstance(d, dt.date):
        return d.toordinal(), 0
    raise TypeError(f"dates must be datetime.date, datetime or pandas Timestamp, got {d!r}")


def _check_direction(improvement_direction: str) -> None:
    if improvement_direction not in DIRECTIONS:
        raise ValueError(
            f"improvement_direction must be one of {', '.join(DIRECTIONS)}; "
            f"got {improvement_direction!r}"
        )


def _check_fix(fix_after_n_points: float | None) -> int | None:
    if fix_after_n_points is None:
        return None
    if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, numbers.Real):
        raise ValueError(f"fix_after_n_points must be a number, got {fix_after_n_points!r}")
    if math.isnan(fix_after_n_points) or fix_after_n_points < MIN_FIX_AFTER_N_POINTS:
        raise ValueError(
            "fix_after_n_points must be a single number greater than or equal to "
            f"{MIN_FIX_AFTER_N_POINTS} (as NHSRplotthedots requires); got {fix_after_n_points!r}"
        )
    if math.isinf(fix_after_n_points):
        return None
    # R compares row_number() <= k, so a fractional k fixes on its floor.
    return math.floor(fix_after_n_points)


def _check_target(target: float | None) -> float | None:
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise ValueError(f"target must be a number or None, got {target!r}")
    value = float(target)
    return None if math.isnan(value) else value


# --------------------------------------------------------------------------------------------
# Arithmetic


def _exact_mean(xs: FloatArray) -> float:
    """Correctly rounded mean of finite floats (NaN for none), as float(sum(Fraction)/n) gives."""
    n = len(xs)
    if n == 0:
        return math.nan
    as_ints = _as_ints(xs)
    if as_ints is not None:
        ints, scale = as_ints
        return _ratio(int(ints.sum()), scale, n)
    if not np.isfinite(xs).all():
        # Only moving ranges that overflowed get here; IEEE gives R's Inf (or NaN for Inf - Inf).
        return float(xs.sum()) / n
    return _ratio(*_exact_sum(xs), n)


def _as_ints(xs: FloatArray) -> tuple[IntArray, int] | None:
    """(ints, scale) with xs == ints * 2**scale exactly and sum(|ints|) < 2**62, or None.

    The fast way to an exact sum: scale so that every |x| / 2**scale is below
    2**(62 - bit_length(n)); then n terms sum below 2**62, inside int64, and when every scaled term
    is a whole number (true whenever the values share a few decimal places and magnitudes, so for
    nearly every series) numpy's int64 sum is exact. Only a scale of 0 or below is used:
    multiplying by a power of two is exact, where dividing could round a tiny value away to 0 and
    pass the whole-number test wrongly. None means "use `_exact_sum`" (also for Inf).
    """
    top = float(np.abs(xs).max())
    if not math.isfinite(top):
        return None
    scale = math.frexp(top)[1] + len(xs).bit_length() - 62
    if scale > 0:
        return None
    # A float factor (where 2**-scale is one) is cheaper than np.ldexp, and as exact.
    scaled = xs * 2.0**-scale if scale > -1000 else np.ldexp(xs, -scale)
    ints = scaled.astype(np.int64)
    return (ints, scale) if (ints == scaled).all() else None


def _exact_sum(xs: FloatArray) -> tuple[int, int]:
    """(total, scale) with sum(xs) == total * 2**scale exactly, for finite xs, in Python ints."""
    # x = mantissa * 2**exponent with an integer 53-bit mantissa; scale every term to the smallest
    # exponent so that the sum is one exact Python integer times 2**(emin - 53).
    fraction, exponent = np.frexp(xs)
    mantissas: list[int] = (fraction * 2.0**53).astype(np.int64).tolist()
    emin = int(exponent.min())
    shifts: list[int] = (exponent - emin).tolist()
    return sum(map(operator.lshift, mantissas, shifts)), emin - 53


def _ratio(total: int, scale: int, n: int) -> float:
    """total * 2**scale / n, correctly rounded."""
    # int / int is correctly rounded in Python, which is all float(Fraction) does.
    return (total << scale) / n if scale >= 0 else total / (n << -scale)


@dataclass(frozen=True)
class _GroupStats:
    mean: float
    amr: float
    amr0: float


def _group_stats(baseline: FloatArray, screen_outliers: bool, *, any_missing: bool) -> _GroupStats:
    """Mean and mean moving ranges of one group's baseline; `any_missing` says whether the series
    has a missing value at all (without one, there is nothing to drop)."""
    if any_missing:
        mean = _exact_mean(baseline[~np.isnan(baseline)])
        mr = np.abs(baseline[1:] - baseline[:-1])
        mr = mr[~np.isnan(mr)]
    else:
        mean = _exact_mean(baseline)
        mr = np.abs(baseline[1:] - baseline[:-1])
    as_ints = _as_ints(mr) if len(mr) else None
    if as_ints is None:
        amr0 = _exact_mean(mr)
        if not screen_outliers:
            return _GroupStats(mean, amr0, amr0)
        # Strict '<': a flat baseline (amr0 = 0) keeps nothing and ends with NaN limits, as in R.
        return _GroupStats(mean, _exact_mean(mr[mr < SCREEN_FACTOR * amr0]), amr0)
    # The same exact sums, the screened one from the same whole numbers (a subset of them sums
    # inside int64 too), which saves scaling the kept ranges again.
    ints, scale = as_ints
    amr0 = _ratio(int(ints.sum()), scale, len(ints))
    if not screen_outliers:
        return _GroupStats(mean, amr0, amr0)
    kept = ints[mr < SCREEN_FACTOR * amr0]
    amr = _ratio(int(kept.sum()), scale, len(kept)) if len(kept) else math.nan
    return _GroupStats(mean, amr, amr0)


# --------------------------------------------------------------------------------------------
# The computation, shared by `xmr` (a DataFrame) and `summary` (plain Python values)


@dataclass(frozen=True, slots=True)
class _Chart:
    """One series worked out: numpy arrays, one slot per row in ascending date order, and the
    series-level results.

    Nothing here is pandas: `xmr` wraps it in its DataFrame and attrs, `summary` reads what the
    scorecard needs straight from the arrays, which is what makes that path cheap.
    """

    dates: list[Any]  # the objects of xmr's ``date`` column
    value: FloatArray
    rebase_group: IntArray
    bounds: list[int]  # first row of each rebase group, then the row count
    amr: list[float]  # per group, the (screened) mean moving range behind the limits
    short: BoolArray
    mean: FloatArray
    lpl: FloatArray
    upl: FloatArray
    nlpl: FloatArray
    nupl: FloatArray
    outside: Tri
    close: Tri
    rtm: FloatArray
    part_trend: BoolArray
    part_two: Tri
    part_shift: Tri
    code: IntArray  # special_cause_type, as an index into _LABELS
    point_type: ObjArray
    # xmr's attrs apart from "summary": variation_type, variation_icon, assurance_type,
    # assurance_icon, warnings, too_few_points, improvement_direction, target.
    series: dict[str, Any]


def _empty_chart(direction: str, target: float | None) -> _Chart:
    no_floats = np.empty(0)
    no_bools = np.empty(0, dtype=np.bool_)
    nothing: Tri = (no_bools, no_bools)
    # An empty series has no limits to judge a target against: no assurance.
    return _Chart(
        dates=[],
        value=no_floats,
        rebase_group=np.empty(0, dtype=np.int64),
        bounds=[0],
        amr=[],
        short=no_bools,
        mean=no_floats,
        lpl=no_floats,
        upl=no_floats,
        nlpl=no_floats,
        nupl=no_floats,
        outside=nothing,
        close=nothing,
        rtm=no_floats,
        part_trend=no_bools,
        part_two=nothing,
        part_shift=nothing,
        code=np.empty(0, dtype=np.int64),
        point_type=np.empty(0, dtype=object),
        series={
            "variation_type": "common_cause",
            "variation_icon": "common_cause",
            "assurance_type": None,
            "assurance_icon": None,
            "warnings": [],
            "too_few_points": True,
            "improvement_direction": direction,
            "target": target,
        },
    )


# Values near the float limit can overflow to Inf in a difference; that is R's arithmetic too, so
# stay quiet.
@np.errstate(over="ignore", invalid="ignore")
def _compute(  # noqa: PLR0917
    values: Iterable[Any],
    dates: Iterable[Any],
    improvement_direction: str,
    target: float | None,
    rebase: Iterable[Any] | None,
    fix_after_n_points: float | None,
    screen_outliers: bool,
) -> _Chart:
    """The whole method for one series (the arguments are `xmr`'s)."""
    _check_direction(improvement_direction)
    fix = _check_fix(fix_after_n_points)
    target_value = _check_target(target)

    y_in = _as_values(values)
    date_list = list(dates)
    if len(date_list) != len(y_in):
        raise ValueError(
            f"values and dates must have the same length ({len(y_in)} values, "
            f"{len(date_list)} dates)"
        )
    order, out_dates, starts_flag = _arrange(date_list, rebase)
    n = len(out_dates)
    if n == 0:
        return _empty_chart(improvement_direction, target_value)
    y = y_in if order is None else y_in[np.asarray(order, dtype=np.intp)]

    if starts_flag is None:  # no row starts a group: the usual case, one group 0
        rebase_group = np.zeros(n, dtype=np.int64)
        bounds = [0, n]
    else:
        rebase_group = np.cumsum(starts_flag, dtype=np.int64)
        # group start rows, then n
        bounds = np.flatnonzero(np.concatenate(([True], starts_flag[1:], [True]))).tolist()
    n_groups = len(bounds) - 1
    missing = np.isnan(y)
    any_missing = bool(missing.any())

    mean = np.empty(n)
    amr = np.empty(n)
    short = np.empty(n, dtype=np.bool_)
    # Working copy with _PAD empty slots before, between and after groups (the package's zero
    # padding: known, never firing), so every window is a plain slice: row i of group g (counted
    # from 0) sits at padded position i + _PAD * (g + 1).
    pos = np.arange(_PAD, n + _PAD)
    length = n + _PAD * (n_groups + 1)
    stats: list[_GroupStats] = []
    any_short = False
    for g in range(n_groups):
        lo, hi = bounds[g], bounds[g + 1]
        k = hi - lo if fix is None else min(fix, hi - lo)
        s = _group_stats(y[lo : lo + k], screen_outliers, any_missing=any_missing)
        stats.append(s)
        mean[lo:hi] = s.mean
        amr[lo:hi] = s.amr
        short[lo:hi] = hi - lo < SHORT_GROUP_THRESHOLD
        any_short = any_short or hi - lo < SHORT_GROUP_THRESHOLD
        if g:
            pos[lo:] += _PAD
    lpl = mean - LIMIT * amr
    upl = mean + LIMIT * amr
    nlpl = mean - LIMIT_CLOSE * amr
    nupl = mean + LIMIT_CLOSE * amr

    judged = ~missing & ~np.isnan(upl)
    beyond = (y > upl) | (y < lpl)
    outside: Tri = (judged & beyond, judged & ~beyond)
    near = (y < nlpl) | (y > nupl)
    close: Tri = (judged & ~beyond & near, judged & (beyond | ~near))
    rtm = np.sign(y - mean)
    # Every point judged (no missing value, limits everywhere): then no rule meets R's NA, and
    # each FALSE mask is just the complement of its TRUE mask.
    all_known = bool(judged.all())

    def spread(x: FloatArray, fill: float) -> FloatArray:
        e = np.full(length, fill)
        e[pos] = x
        return e

    y_e = spread(y, math.nan)
    rtm_e = spread(rtm, 0.0)
    # close as R has it: 1, 0, or NaN for NA (exactly the points not judged)
    close_e = spread(np.where(judged, close[0], math.nan), 0.0)
    steps = np.sign(y_e[1:] - y_e[:-1])  # steps[i]: from padded row i to row i + 1

    part_trend_e, missing_trend_windows = _part_trend(steps, pos, length, any_missing=any_missing)
    part_two = _part_two_in_three(close_e, rtm_e, pos, all_known=all_known)
    part_shift = _part_shift(rtm_e, pos, all_known=all_known)

    # Direction of a trend point: the step to the next row when that row is also in a trend, the
    # step from the previous row otherwise; 0 and NaN (a group's first row: the padding before it
    # is NaN) count as "Decreasing". Padding surrounds every row, so pos - 1 and pos + 1 exist.
    part_trend = part_trend_e[pos]
    increasing = part_trend  # only read where part_trend is true: no trend, nothing to work out
    if part_trend.any():
        increasing = np.where(part_trend & part_trend_e[pos + 1], steps[pos], steps[pos - 1]) == 1

    code = _label_codes(
        outside=outside[0],
        above=rtm > 0,
        trend=part_trend,
        increasing=increasing,
        two=part_two[0],
        shift=part_shift[0],
    )
    point_type = _POINT_TYPE_CHOICES[improvement_direction][_LABEL_SIGNS[code]]

    variation_type = str(point_type[-1])
    assurance_type = _assurance(improvement_direction, target_value, lpl[-1], upl[-1])
    warnings = [SHORT_GROUP_WARNING] if any_short else []
    if missing_trend_windows:
        warnings.append(MISSING_IN_TREND_WARNING.format(n=missing_trend_windows))
    return _Chart(
        dates=out_dates,
        value=y,
        rebase_group=rebase_group,
        bounds=bounds,
        amr=[s.amr for s in stats],
        short=short,
        mean=mean,
        lpl=lpl,
        upl=upl,
        nlpl=nlpl,
        nupl=nupl,
        outside=outside,
        close=close,
        rtm=rtm,
        part_trend=part_trend,
        part_two=part_two,
        part_shift=part_shift,
        code=code,
        point_type=point_type,
        series={
            "variation_type": variation_type,
            "variation_icon": _VARIATION_ICONS[improvement_direction][variation_type],
            "assurance_type": assurance_type,
            "assurance_icon": None if assurance_type is None else _ASSURANCE_ICONS[assurance_type],
            "warnings": warnings,
            "too_few_points": math.isnan(stats[-1].amr0),
            "improvement_direction": improvement_direction,
            "target": target_value,
        },
    )


def _arrange(
    date_list: list[Any], rebase: Iterable[Any] | None
) -> tuple[list[int] | None, list[Any], BoolArray | None]:
    """Sort rows by date: (order, or None when already ascending; the dates as xmr returns them;
    per sorted row, does it start a rebase group, or None when no row does)."""
    keys: list[Any]
    if set(map(type, date_list)) == {dt.date}:
        # The usual input, monthly datetime.date in order: compare the dates themselves, and
        # skip the sort when they already ascend (strictly, so they are also unique).
        plain = True
        if all(map(operator.lt, date_list, date_list[1:])):
            order = None
            keys = out_dates = date_list
        else:
            order = sorted(range(len(date_list)), key=date_list.__getitem__)
            keys = out_dates = [date_list[i] for i in order]
    else:
        plain = False
        unsorted_keys = [_date_key(d) for d in date_list]
        order = sorted(range(len(unsorted_keys)), key=unsorted_keys.__getitem__)
        keys = [unsorted_keys[i] for i in order]
        out_dates = _output_dates(date_list, order, keys)
    if order is not None:
        for i in range(1, len(keys)):
            if keys[i] == keys[i - 1]:
                raise ValueError(
                    f"duplicate date {date_list[order[i]]!r}: each point needs a unique date"
                )

    if rebase is None:
        rebase = ()
    elif isinstance(rebase, dt.date | np.datetime64):
        rebase = (rebase,)
    rebase_keys: set[Any] = {_date_key(d) for d in rebase}
    if plain:
        # Rows are keyed by their date here; a rebase "date" with a time of day matches none.
        rebase_keys = {dt.date.fromordinal(day) for day, ns in rebase_keys if ns == 0}
    if not rebase_keys or not keys:
        return order, out_dates, None
    starts = np.fromiter((k in rebase_keys for k in keys), dtype=np.bool_, count=len(keys))
    return order, out_dates, starts if starts.any() else None


def _output_dates(
    date_list: list[Any], order: list[int], sorted_keys: list[tuple[int, int]]
) -> list[Any]:
    if all(ns == 0 for _, ns in sorted_keys):
        return [
            d if type(d) is dt.date else dt.date.fromordinal(ordinal)
            for d, (ordinal, _) in zip((date_list[i] for i in order), sorted_keys, strict=True)
        ]
    return [pd.Timestamp(date_list[i]) for i in order]


def _window_sums(x: npt.NDArray[Any], width: int) -> npt.NDArray[Any]:
    """Sum of x[w : w + width] for every full window start w (booleans count 0/1)."""
    # One correlation with a run of ones: a single numpy call, much cheaper than slice arithmetic
    # at these lengths. Only used on booleans and on small whole numbers, whose sums are exact in
    # any order; int8 holds a count up to 127, windows are at most 7 wide.
    if x.dtype == np.bool_:
        x = x.view(np.int8)
    return np.correlate(x, np.ones(width, dtype=x.dtype), "valid")


def _in_a_run(fires: BoolArray) -> BoolArray:
    """Per padded row r: does one of the windows of RUN rows containing it fire?

    ``fires[w]`` is the window of rows w .. w+RUN-1, for every start w up to ``length - RUN``;
    row r lies in the windows starting at r-RUN+1 .. r, and windows that would run past either end
    are the package's zero padding, never firing. A full convolution sums exactly those.
    """
    hits = np.convolve(fires.view(np.int8), np.ones(RUN, dtype=np.int8))
    in_run: BoolArray = hits > 0
    return in_run


# Stands in for NaN in window sums of signs (-1, 0, +1): a window of k signs sums to +k or -k
# only when every one of them is known and +1 or -1; any NaN puts the sum at 100 - k or more.
_NAN_CODE: Final = 100.0


def _part_trend(
    steps: FloatArray, pos: IntArray, length: int, *, any_missing: bool
) -> tuple[BoolArray, int]:
    """Per padded row: is it in a run of 7 with six strictly rising (or falling) steps? And the
    crash count.

    `steps` are the signs of the padded series' differences, NaN where either row is missing or
    padding, so a window of six +1 (or -1) steps lies inside one group.
    """
    # index w: the six steps of rows w .. w+6
    sums = _window_sums(np.where(np.isnan(steps), _NAN_CODE, steps), RUN - 1)
    fires = np.abs(sums) == RUN - 1
    crashes = 0
    if any_missing:
        # Where R's all() would return NA and its if() stop (module docstring): not a trend here.
        # A sum is 100 * (missing steps) + (rising - falling); R stops when some step is missing
        # and all the others move the same way, i.e. |rising - falling| = 6 - missing. Only
        # windows of seven real rows of one group count (padding is NaN too).
        real = np.zeros(length, dtype=np.bool_)
        real[pos] = True
        valid = _window_sums(real, RUN) == RUN
        n_missing = np.round(sums / _NAN_CODE)
        same_way = np.abs(sums - _NAN_CODE * n_missing) == RUN - 1 - n_missing
        crashes = int((valid & (n_missing > 0) & same_way).sum())
    return _in_a_run(fires), crashes


def _part_two_in_three(
    close_e: FloatArray, rtm_e: FloatArray, pos: IntArray, *, all_known: bool
) -> Tri:
    """ptd_two_in_three then ptd_part_of_two_in_three, NA included, for the rows at `pos`."""
    # Window starting at w covers rows w .. w+2. close_e holds 1, 0 and NaN, rtm_e +1, 0, -1 and
    # NaN; a NaN sum is R's NA, and compares false, so term_t marks the definitely-TRUE windows.
    near = _window_sums(close_e, 3)
    side = np.abs(_window_sums(rtm_e, 3))
    term_t = (near >= 2) & (side == 3)
    # A row is judged by the windows starting 0, 1 and 2 rows before it (R's `||`, Kleene OR):
    # index k below counts windows k .. k+2, the ones judging row k + 2. Padding keeps every row
    # at pos at least two slots from either end.
    at = pos - 2
    close_row = close_e[pos]
    part_t = (_window_sums(term_t, 3)[at] > 0) & (close_row == 1)
    if all_known:
        return part_t, ~part_t
    term_f = (near < 2) | (side < 3)  # the sums are whole numbers: |side| != 3 is side < 3
    part_f = (_window_sums(term_f, 3)[at] == 3) | (close_row == 0)
    return part_t, part_f


def _part_shift(rtm_e: FloatArray, pos: IntArray, *, all_known: bool) -> Tri:
    """ptd_seven_point_one_side_mean then ptd_part_of_seven_trend, NA included, for the rows at
    `pos`.

    rtm_e holds only -1, 0, +1 and NaN, so R's ``all(x[i] == x[i - 1:6]) & x[i] != 0`` for the
    window of rows w .. w+6 (judged at its last row) is TRUE when all seven rows are +1 or all
    are -1, FALSE when the last is 0 or an earlier row is known and differs from a non-zero last,
    and NA otherwise (last row missing, or only missing rows differ).
    """
    coded = rtm_e if all_known else np.where(np.isnan(rtm_e), _NAN_CODE, rtm_e)
    run_t = np.abs(_window_sums(coded, RUN)) == RUN
    # any() over the windows holding the row: TRUE if one fires, FALSE if all are known not to,
    # NA otherwise.
    part_t = _in_a_run(run_t)[pos]
    if all_known:
        return part_t, ~part_t
    last = rtm_e[RUN - 1 :]
    earlier = rtm_e[:-1]  # windows of six over this are rows w .. w+5
    # NaN compares false: these say whether a known earlier row is not +1 (not -1).
    below = _window_sums(earlier <= 0, RUN - 1) > 0
    above = _window_sums(earlier >= 0, RUN - 1) > 0
    run_f = (last == 0) | ((last == 1) & below) | ((last == -1) & above)
    return part_t, ~_in_a_run(~run_f)[pos]


# --------------------------------------------------------------------------------------------
# Entry points


# The acceptance adapter passes the first six arguments positionally, hence PLR0917.
def xmr(  # noqa: PLR0917
    values: Sequence[float | None] | Iterable[Any],
    dates: Sequence[Any] | Iterable[Any],
    improvement_direction: str = "increase",
    target: float | None = None,
    rebase: Iterable[Any] | None = (),
    fix_after_n_points: float | None = None,
    screen_outliers: bool = True,
) -> pd.DataFrame:
    """XmR chart of one series, as NHSRplotthedots 0.2.2 computes it.

    ``values`` may hold None/NaN/pd.NA for missing points; ``dates`` are unique dates (date,
    naive datetime, Timestamp or datetime64) in any order; ``rebase`` dates start a new group
    (dates matching no point are ignored); ``fix_after_n_points`` (>= 12) bases each group's
    limits on its first n rows.

    Returns one row per input point in ascending date order with the columns in `COLUMNS`
    (``date`` as ``datetime.date`` unless a time of day was given; the flag columns nullable,
    NA where the package has NA). The series-level results are in ``attrs``:
    ``variation_type``, ``variation_icon``, ``assurance_type`` and ``assurance_icon`` (None
    without a target or for neutral measures), ``warnings`` (list of str), ``summary`` (one dict
    per rebase group, as the package's ``summary()`` plus ``mean_moving_range``; None for NaN),
    ``too_few_points`` (the latest group has no moving range, so no limits at all), and the
    ``improvement_direction`` and ``target`` used, for `summarise`.

    For the scorecard's icons and limits alone, `summary` gives the same answers without
    building the DataFrame.
    """
    chart = _compute(
        values,
        dates,
        improvement_direction,
        target,
        rebase,
        fix_after_n_points,
        screen_outliers,
    )
    series = chart.series
    if not chart.dates:
        return _empty_frame(series)
    n = len(chart.dates)
    flag = chart.code != 0
    frame = pd.DataFrame(
        {
            "date": np.array(chart.dates, dtype=object),
            "value": chart.value,
            "rebase_group": chart.rebase_group,
            "short_group_warning": chart.short,
            "mean": chart.mean,
            "lpl": chart.lpl,
            "upl": chart.upl,
            "nlpl": chart.nlpl,
            "nupl": chart.nupl,
            "outside_limits": _nullable_bool(chart.outside),
            "close_to_limits": _nullable_bool(chart.close),
            "relative_to_mean": pd.arrays.IntegerArray(
                np.nan_to_num(chart.rtm).astype(np.int64), np.isnan(chart.rtm)
            ),
            "part_trend": pd.arrays.IntegerArray(
                chart.part_trend.astype(np.int64), np.zeros(n, dtype=np.bool_)
            ),
            "part_two_in_three": _nullable_int(chart.part_two),
            "part_shift": _nullable_int(chart.part_shift),
            "special_cause_type": _LABELS[chart.code],
            "special_cause_flag": flag,
            "point_type": chart.point_type,
        },
        # Every column is an array of this call's own: _compute makes fresh arrays (the values
        # too: _as_values always copies) and hands them over.
        copy=False,
    )
    group_summary = []
    point_type = chart.point_type
    assurance_type = series["assurance_type"]
    bounds = chart.bounds
    n_groups = len(bounds) - 1
    for g in range(n_groups):
        lo, hi = bounds[g], bounds[g + 1]
        group_summary.append(
            {
                "rebase_group": int(chart.rebase_group[lo]),
                "mean": _none_if_nan(chart.mean[lo]),
                "lpl": _none_if_nan(chart.lpl[lo]),
                "upl": _none_if_nan(chart.upl[lo]),
                "mean_moving_range": _none_if_nan(chart.amr[g]),
                "n": hi - lo,
                "common_cause": int(hi - lo - flag[lo:hi].sum()),
                "special_cause_improvement": int(
                    (point_type[lo:hi] == "special_cause_improvement").sum()
                ),
                "special_cause_concern": int((point_type[lo:hi] == "special_cause_concern").sum()),
                "variation_type": str(point_type[hi - 1]),
                "assurance_type": assurance_type if g == n_groups - 1 else None,
            }
        )
    frame.attrs.update(_attrs(series, group_summary))
    return frame


def summary(  # noqa: PLR0917
    values: Sequence[float | None] | Iterable[Any],
    dates: Sequence[Any] | Iterable[Any],
    improvement_direction: str = "increase",
    target: float | None = None,
    rebase: Iterable[Any] | None = (),
    fix_after_n_points: float | None = None,
    screen_outliers: bool = True,
) -> tuple[SpcSummary, dict[str, list[Any]]]:
    """``summarise(xmr(...))`` and the chart's points, without building a DataFrame.

    Takes `xmr`'s arguments and raises as it does. Returns the `SpcSummary` that
    ``summarise(xmr(...))`` returns, equal field for field, and the columns a chart draws as
    plain lists in ascending date order, equal to xmr's columns of the same names: ``date``
    (``datetime.date``, or ``pandas.Timestamp`` when a time of day was given), ``value``,
    ``mean``, ``lpl``, ``upl`` (float, NaN where missing) and ``point_type`` (str).

    This is the path for the scorecard, which summarises hundreds of series: pandas' share of
    `xmr` (building the frame, and deep-copying ``attrs`` into every column read) is most of its
    cost and none of the answer.
    """
    chart = _compute(
        values,
        dates,
        improvement_direction,
        target,
        rebase,
        fix_after_n_points,
        screen_outliers,
    )
    points: dict[str, list[Any]] = {
        "date": chart.dates,
        "value": chart.value.tolist(),
        "mean": chart.mean.tolist(),
        "lpl": chart.lpl.tolist(),
        "upl": chart.upl.tolist(),
        "point_type": chart.point_type.tolist(),
    }
    series = chart.series
    if not chart.dates:
        return _empty_summary(series), points
    latest = chart.bounds[-2]  # first row of the latest rebase group
    return (
        _summary_of(
            series,
            mean=points["mean"][-1],
            lpl=points["lpl"][-1],
            upl=points["upl"][-1],
            n_points=int(np.count_nonzero(~np.isnan(chart.value[latest:]))),
            trial_limits=bool(chart.short[-1]),
            latest_point_type=points["point_type"][-1],
        ),
        points,
    )


#: The chart's columns that `summary` gives and a chart draws.
CHART_COLUMNS: Final = ("date", "value", "mean", "lpl", "upl", "point_type")


def chart_points(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """`summary`'s chart columns, or the same columns as stored in JSON, as one JSON-ready record
    per point: ``date`` (ISO text), ``value``, ``mean``, ``lpl``, ``upl`` (None where missing)
    and ``point_type``."""

    def known(value: Any) -> Any:
        return None if isinstance(value, float) and math.isnan(value) else value

    def iso(day: Any) -> str:
        if isinstance(day, str):
            return day
        return (day.date() if isinstance(day, dt.datetime) else day).isoformat()

    return [
        {
            "date": iso(d),
            "value": known(v),
            "mean": known(m),
            "lpl": known(lo),
            "upl": known(up),
            "point_type": t,
        }
        for d, v, m, lo, up, t in zip(*(columns[c] for c in CHART_COLUMNS), strict=True)
    ]


def _attrs(series: dict[str, Any], group_summary: list[dict[str, Any]]) -> dict[str, Any]:
    """xmr's attrs, in their documented order."""
    return {
        "variation_type": series["variation_type"],
        "variation_icon": series["variation_icon"],
        "assurance_type": series["assurance_type"],
        "assurance_icon": series["assurance_icon"],
        "warnings": series["warnings"],
        "summary": group_summary,
        "too_few_points": series["too_few_points"],
        "improvement_direction": series["improvement_direction"],
        "target": series["target"],
    }


# special_cause_type codes: index into _LABELS / the sign in _LABEL_SIGNS.
_LABELS: Final = np.array(
    [
        "Common Cause",
        "Above UCL",
        "Below LCL",
        "7 Point Trend (Increasing)",
        "7 Point Trend (Decreasing)",
        "2 in 3 Above CL",
        "2 in 3 Below CL",
        "7 Points Above CL",
        "7 Points Below CL",
    ],
    dtype=object,
)
_LABEL_SIGNS: Final = np.array([0, 1, -1, 1, -1, 1, -1, 1, -1], dtype=np.int64)


def _label_codes(
    *,
    outside: BoolArray,
    above: BoolArray,
    trend: BoolArray,
    increasing: BoolArray,
    two: BoolArray,
    shift: BoolArray,
) -> IntArray:
    """special_cause_type by the package's precedence, as codes into _LABELS."""
    side = np.where(above, 0, 1)  # "Above" codes are odd, "Below" the next even one
    code = np.where(shift, 7 + side, 0)
    code = np.where(two, 5 + side, code)
    code = np.where(trend, np.where(increasing, 3, 4), code)
    return np.where(outside, 1 + side, code).astype(np.int64)


def _assurance(direction: str, target: float | None, lpl: float, upl: float) -> str | None:
    if target is None or direction == "neutral":
        return None
    increasing = direction == "increase"
    if target > upl:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"  # also NaN limits: R's case_when treats NA as not matching


def _nullable_bool(x: Tri) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(x[0].copy(), ~(x[0] | x[1]))


def _nullable_int(x: Tri) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(x[0].astype(np.int64), ~(x[0] | x[1]))


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _empty_frame(series: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "date": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=np.float64),
            "rebase_group": pd.Series([], dtype=np.int64),
            "short_group_warning": pd.Series([], dtype=np.bool_),
            **{c: pd.Series([], dtype=np.float64) for c in ("mean", "lpl", "upl", "nlpl", "nupl")},
            "outside_limits": pd.Series([], dtype="boolean"),
            "close_to_limits": pd.Series([], dtype="boolean"),
            **{
                c: pd.Series([], dtype="Int64")
                for c in ("relative_to_mean", "part_trend", "part_two_in_three", "part_shift")
            },
            "special_cause_type": pd.Series([], dtype=object),
            "special_cause_flag": pd.Series([], dtype=np.bool_),
            "point_type": pd.Series([], dtype=object),
        }
    )
    frame.attrs.update(_attrs(series, []))
    return frame


# --------------------------------------------------------------------------------------------
# Scorecard helpers

_VARIATION_LABELS: Final = {
    "common_cause": ("Common cause variation", "~ common cause"),
    "improvement_high": ("Special cause: improvement (high)", "▲ improvement"),
    "improvement_low": ("Special cause: improvement (low)", "▼ improvement"),
    "concern_high": ("Special cause: concern (high)", "▲ concern"),
    "concern_low": ("Special cause: concern (low)", "▼ concern"),
    "neutral_high": ("Special cause: neutral (high)", "▲ neutral"),
    "neutral_low": ("Special cause: neutral (low)", "▼ neutral"),
}
_ASSURANCE_LABELS: Final = {
    "consistent_pass": ("Consistently passing target", "✔ pass"),
    "consistent_fail": ("Consistently failing target", "✘ fail"),
    "inconsistent": ("Hit and miss target", "? hit and miss"),
}
_TOO_FEW: Final = ("Too few points", "… too few points")
_NO_TARGET: Final = ("No target", "– no target")
_NOT_APPLICABLE: Final = ("No assurance for a neutral measure", "– not applicable")


@dataclass(frozen=True)
class SpcSummary:
    """What the scorecard shows for one series: the latest point's icons and the latest limits.

    ``n_points`` counts the non-missing values in the latest rebase group (the points behind
    ``mean``/``lpl``/``upl``); ``trial_limits`` is true when that group has fewer than 13 rows.
    ``too_few_points`` means the latest group has no two consecutive values, so no limits at all.
    """

    variation_type: str
    variation_icon: str
    assurance_type: str | None
    assurance_icon: str | None
    mean: float
    lpl: float
    upl: float
    n_points: int
    trial_limits: bool
    latest_point_type: str
    too_few_points: bool = False
    has_target: bool = False
    improvement_direction: str = "increase"

    def _variation(self) -> tuple[str, str]:
        if self.too_few_points:
            return _TOO_FEW
        return _VARIATION_LABELS[self.variation_icon]

    def _assurance(self) -> tuple[str, str]:
        if not self.has_target:
            return _NO_TARGET
        if self.improvement_direction == "neutral":
            return _NOT_APPLICABLE
        if self.too_few_points:
            return _TOO_FEW
        if self.assurance_type is None:  # only an empty series gets here with a target
            return _TOO_FEW
        return _ASSURANCE_LABELS[self.assurance_type]

    @property
    def variation_label(self) -> str:
        return self._variation()[0]

    @property
    def variation_symbol(self) -> str:
        return self._variation()[1]

    @property
    def assurance_label(self) -> str:
        return self._assurance()[0]

    @property
    def assurance_symbol(self) -> str:
        return self._assurance()[1]


def summarise(df: pd.DataFrame) -> SpcSummary:
    """SpcSummary of an `xmr` result (it reads the fields `xmr` leaves in ``df.attrs``).

    The latest group's limits and size come from ``attrs["summary"]``, and only the ``value``
    column is read: pandas deep-copies ``attrs`` (the whole per-group summary) into every column
    it hands out, so each column read costs more than the arithmetic. `summary` skips the frame
    altogether.
    """
    attrs = df.attrs
    if len(df) == 0:
        return _empty_summary(attrs)
    latest = attrs["summary"][-1]
    rows = int(latest["n"])  # the latest group is the last `rows` rows
    values = df["value"].to_numpy(dtype=np.float64)[-rows:]
    return _summary_of(
        attrs,
        mean=_nan_if_none(latest["mean"]),
        lpl=_nan_if_none(latest["lpl"]),
        upl=_nan_if_none(latest["upl"]),
        n_points=int(np.count_nonzero(~np.isnan(values))),
        trial_limits=rows < SHORT_GROUP_THRESHOLD,
        latest_point_type=str(latest["variation_type"]),
    )


def _summary_of(
    series: Mapping[Any, Any],
    *,
    mean: float,
    lpl: float,
    upl: float,
    n_points: int,
    trial_limits: bool,
    latest_point_type: str,
) -> SpcSummary:
    """SpcSummary from xmr's series-level results (its attrs) and the latest group's figures."""
    return SpcSummary(
        variation_type=str(series["variation_type"]),
        variation_icon=str(series["variation_icon"]),
        assurance_type=series["assurance_type"],
        assurance_icon=series["assurance_icon"],
        mean=mean,
        lpl=lpl,
        upl=upl,
        n_points=n_points,
        trial_limits=trial_limits,
        latest_point_type=latest_point_type,
        too_few_points=bool(series.get("too_few_points", False)),
        has_target=series.get("target") is not None,
        improvement_direction=str(series.get("improvement_direction", "increase")),
    )


def _empty_summary(series: Mapping[Any, Any]) -> SpcSummary:
    return SpcSummary(
        variation_type="common_cause",
        variation_icon="common_cause",
        assurance_type=None,
        assurance_icon=None,
        mean=math.nan,
        lpl=math.nan,
        upl=math.nan,
        n_points=0,
        trial_limits=False,
        latest_point_type="common_cause",
        too_few_points=True,
        has_target=series.get("target") is not None,
        improvement_direction=str(series.get("improvement_direction", "increase")),
    )


def _nan_if_none(x: float | None) -> float:
    return math.nan if x is None else float(x)
