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
are held as one Python integer times a power of two rather than as ``fractions.Fraction``: the
result is identical (Python's ``int / int`` is correctly rounded, which is all ``float(Fraction)``
does) but about twenty times faster, and a property test checks the two agree. Everything else
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

Performance: about 1.1-1.5 ms per 120-point series on the development machine (timing note at
the top of ``tests/unit/test_spc.py``), roughly half of it building the DataFrame. Python-level
work is one pass per group for the exact means; the rules are numpy slices over a padded copy of
the series.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import operator
from collections.abc import Iterable, Sequence
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
    "xmr",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
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

# Rows of different rebase groups are kept at least this far apart in the padded working copy, so
# that no rule window (at most 7 rows) can reach from one group into another; the package pads
# each group with zeros in the same way.
_PAD: Final = RUN - 1


# --------------------------------------------------------------------------------------------
# Input handling


def _as_values(values: Iterable[Any]) -> FloatArray:
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        arr = pd.Series(values).to_numpy(dtype=np.float64, na_value=np.nan)
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
    if not np.isfinite(xs).all():
        # Only moving ranges that overflowed get here; IEEE gives R's Inf (or NaN for Inf - Inf).
        return float(xs.sum()) / n
    # x = mantissa * 2**exponent with an integer 53-bit mantissa; scale every term to the smallest
    # exponent so that the sum is one exact Python integer times 2**(emin - 53).
    fraction, exponent = np.frexp(xs)
    mantissas: list[int] = (fraction * 2.0**53).astype(np.int64).tolist()
    emin = int(exponent.min())
    shifts: list[int] = (exponent - emin).tolist()
    total: int = sum(map(operator.lshift, mantissas, shifts))
    scale = emin - 53
    # int / int is correctly rounded in Python, which is all float(Fraction) does.
    return (total << scale) / n if scale >= 0 else total / (n << -scale)


@dataclass(frozen=True)
class _GroupStats:
    mean: float
    amr: float
    amr0: float


def _group_stats(baseline: FloatArray, screen_outliers: bool) -> _GroupStats:
    mean = _exact_mean(baseline[~np.isnan(baseline)])
    mr = np.abs(np.diff(baseline))
    mr = mr[~np.isnan(mr)]
    amr0 = _exact_mean(mr)
    if not screen_outliers:
        return _GroupStats(mean, amr0, amr0)
    # Strict '<': a flat baseline (amr0 = 0) keeps nothing and ends with NaN limits, as in R.
    kept = mr[mr < SCREEN_FACTOR * amr0]
    return _GroupStats(mean, _exact_mean(kept), amr0)


# Kleene logic on (true, false) mask pairs, matching R's & with NA.
def _and(a: Tri, b: Tri) -> Tri:
    return a[0] & b[0], a[1] | b[1]


def _tri_from_float(x: FloatArray, condition: BoolArray) -> Tri:
    """condition evaluated on x, NA where x is NaN."""
    known = ~np.isnan(x)
    return condition & known, ~condition & known


# --------------------------------------------------------------------------------------------
# Main entry point


# The acceptance adapter passes the first six arguments positionally, hence PLR0917. Values near
# the float limit can overflow to Inf in a difference; that is R's arithmetic too, so stay quiet.
@np.errstate(over="ignore", invalid="ignore")
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
    """
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
    keys = [_date_key(d) for d in date_list]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    sorted_keys = [keys[i] for i in order]
    for i in range(1, len(sorted_keys)):
        if sorted_keys[i] == sorted_keys[i - 1]:
            raise ValueError(
                f"duplicate date {date_list[order[i]]!r}: each point needs a unique date"
            )
    if rebase is None:
        rebase = ()
    elif isinstance(rebase, dt.date | np.datetime64):
        rebase = (rebase,)
    rebase_keys = {_date_key(d) for d in rebase}

    n = len(order)
    y = y_in[np.asarray(order, dtype=np.intp)]
    out_dates = _output_dates(date_list, order, sorted_keys)
    if n == 0:
        return _empty_frame(improvement_direction, target_value)

    starts_flag = np.fromiter((k in rebase_keys for k in sorted_keys), dtype=np.bool_, count=n)
    rebase_group = np.cumsum(starts_flag, dtype=np.int64)
    bounds = np.flatnonzero(np.r_[True, starts_flag[1:], True])  # group start rows, then n
    n_groups = len(bounds) - 1
    group_index = rebase_group - rebase_group[0]
    sizes = np.diff(bounds)

    mean = np.empty(n)
    amr = np.empty(n)
    stats: list[_GroupStats] = []
    for g in range(n_groups):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        k = hi - lo if fix is None else min(fix, hi - lo)
        s = _group_stats(y[lo : lo + k], screen_outliers)
        stats.append(s)
        mean[lo:hi] = s.mean
        amr[lo:hi] = s.amr
    lpl = mean - LIMIT * amr
    upl = mean + LIMIT * amr
    nlpl = mean - LIMIT_CLOSE * amr
    nupl = mean + LIMIT_CLOSE * amr

    judged = ~np.isnan(y) & ~np.isnan(upl)
    beyond = (y > upl) | (y < lpl)
    outside: Tri = (judged & beyond, judged & ~beyond)
    near = (y < nlpl) | (y > nupl)
    close: Tri = (judged & ~beyond & near, judged & (beyond | ~near))
    rtm = np.sign(y - mean)

    # Working copy with _PAD empty slots before, between and after groups (the package's zero
    # padding: known, never firing), so every window is a plain slice.
    pos = np.arange(n) + _PAD * (group_index + 1)
    length = n + _PAD * (n_groups + 1)
    real = np.zeros(length, dtype=np.bool_)
    real[pos] = True

    def spread(x: FloatArray, fill: float) -> FloatArray:
        e = np.full(length, fill)
        e[pos] = x
        return e

    y_e = spread(y, math.nan)
    rtm_e = spread(rtm, 0.0)
    close_e = spread(np.where(close[0], 1.0, np.where(close[1], 0.0, math.nan)), 0.0)

    part_trend_e, missing_trend_windows = _part_trend(y_e, real, length)
    two_t, two_f = _part_two_in_three(close_e, rtm_e, length)
    part_two: Tri = (two_t[pos], two_f[pos])
    shift_t, shift_f = _part_shift(rtm_e, length)
    part_shift: Tri = (shift_t[pos], shift_f[pos])

    # Direction of a trend point: the step to the next row when that row is also in a trend, the
    # step from the previous row otherwise; 0 (first row) and NaN count as "Decreasing".
    nxt = np.r_[part_trend_e[1:], False]
    step_next = np.sign(np.r_[y_e[1:], math.nan] - y_e)
    step_prev = np.sign(y_e - np.r_[math.nan, y_e[:-1]])
    increasing = (np.where(part_trend_e & nxt, step_next, step_prev) == 1)[pos]
    part_trend = part_trend_e[pos]

    above = rtm > 0
    code = _label_codes(
        outside=outside[0],
        above=above,
        trend=part_trend,
        increasing=increasing,
        two=part_two[0],
        shift=part_shift[0],
    )
    label = _LABELS[code]
    v = _LABEL_SIGNS[code]
    flag = code != 0
    high, low = _POINT_TYPES[improvement_direction]
    point_type = np.array(["common_cause", high, low], dtype=object)[v]

    short = np.repeat(sizes < SHORT_GROUP_THRESHOLD, sizes)
    frame = pd.DataFrame(
        {
            "date": np.array(out_dates, dtype=object),
            "value": y,
            "rebase_group": rebase_group,
            "short_group_warning": short,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "nlpl": nlpl,
            "nupl": nupl,
            "outside_limits": _nullable_bool(outside),
            "close_to_limits": _nullable_bool(close),
            "relative_to_mean": pd.arrays.IntegerArray(
                np.nan_to_num(rtm).astype(np.int64), np.isnan(rtm)
            ),
            "part_trend": pd.arrays.IntegerArray(
                part_trend.astype(np.int64), np.zeros(n, dtype=np.bool_)
            ),
            "part_two_in_three": _nullable_int(part_two),
            "part_shift": _nullable_int(part_shift),
            "special_cause_type": label,
            "special_cause_flag": flag,
            "point_type": point_type,
        },
        copy=False,  # every column is a fresh array made above
    )

    variation_type = str(point_type[-1])
    assurance_type = _assurance(improvement_direction, target_value, lpl[-1], upl[-1])
    warnings = [SHORT_GROUP_WARNING] if bool(short.any()) else []
    if missing_trend_windows:
        warnings.append(MISSING_IN_TREND_WARNING.format(n=missing_trend_windows))
    summary = []
    for g in range(n_groups):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        summary.append(
            {
                "rebase_group": int(rebase_group[lo]),
                "mean": _none_if_nan(mean[lo]),
                "lpl": _none_if_nan(lpl[lo]),
                "upl": _none_if_nan(upl[lo]),
                "mean_moving_range": _none_if_nan(stats[g].amr),
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
    frame.attrs.update(
        variation_type=variation_type,
        variation_icon=_VARIATION_ICONS[improvement_direction][variation_type],
        assurance_type=assurance_type,
        assurance_icon=None if assurance_type is None else _ASSURANCE_ICONS[assurance_type],
        warnings=warnings,
        summary=summary,
        too_few_points=math.isnan(stats[-1].amr0),
        improvement_direction=improvement_direction,
        target=target_value,
    )
    return frame


def _output_dates(
    date_list: list[Any], order: list[int], sorted_keys: list[tuple[int, int]]
) -> list[Any]:
    if all(ns == 0 for _, ns in sorted_keys):
        return [
            d if type(d) is dt.date else dt.date.fromordinal(ordinal)
            for d, (ordinal, _) in zip((date_list[i] for i in order), sorted_keys, strict=True)
        ]
    return [pd.Timestamp(date_list[i]) for i in order]


def _window_count(x: BoolArray, width: int) -> IntArray:
    """How many of x[w .. w+width-1] are true, for every full window start w."""
    m = len(x) - width + 1
    count = np.zeros(m, dtype=np.int64)
    for j in range(width):
        count += x[j : j + m]
    return count


def _any_ending(ends: BoolArray, length: int) -> BoolArray:
    """Per row: does a window of RUN rows ending at it or at one of the next RUN-1 rows fire?

    `ends` has `length + RUN - 1` slots, the firing state of the window ending at each row; the
    slots after the last row are the package's zero padding.
    """
    out = ends[:length].copy()
    for j in range(1, RUN):
        out |= ends[j : j + length]
    return out


def _part_trend(y_e: FloatArray, real: BoolArray, length: int) -> tuple[BoolArray, int]:
    """Rows in a run of 7 with six strictly rising (or falling) steps; and the crash count."""
    if length < RUN:
        return np.zeros(length, dtype=np.bool_), 0
    steps = np.sign(np.diff(y_e))  # steps[w .. w+5] belong to the window of rows w .. w+6
    rising = _window_count(steps == 1, RUN - 1)
    falling = _window_count(steps == -1, RUN - 1)
    missing = _window_count(np.isnan(steps), RUN - 1)
    valid = _window_count(real, RUN) == RUN  # all seven rows are real rows of one group
    fires = valid & ((rising == RUN - 1) | (falling == RUN - 1))
    # Where R's all() would return NA and its if() stop (module docstring): not a trend here.
    same_way = (rising + missing == RUN - 1) | (falling + missing == RUN - 1)
    crashes = valid & (missing > 0) & same_way
    ends = np.zeros(length + RUN - 1, dtype=np.bool_)
    ends[RUN - 1 : length] = fires
    return _any_ending(ends, length), int(crashes.sum())


def _part_two_in_three(close_e: FloatArray, rtm_e: FloatArray, length: int) -> Tri:
    """ptd_two_in_three then ptd_part_of_two_in_three, NA included."""
    # Window starting at w covers rows w .. w+2; NaN sums are R's NA.
    v = close_e[:-2] + close_e[1:-1] + close_e[2:]
    r = rtm_e[:-2] + rtm_e[1:-1] + rtm_e[2:]
    term_t, term_f = _and(_tri_from_float(v, v >= 2), _tri_from_float(r, np.abs(r) == 3))
    m = len(term_t)
    fired_t = np.zeros(length, dtype=np.bool_)
    fired_f = np.ones(length, dtype=np.bool_)
    # A row is judged by the windows starting 0, 1 and 2 rows before it (R's `||`, Kleene OR).
    for offset in range(3):
        fired_t[offset : offset + m] |= term_t
        fired_f[offset : offset + m] &= term_f
    return _and((fired_t, fired_f), _tri_from_float(close_e, close_e == 1))


def _part_shift(rtm_e: FloatArray, length: int) -> Tri:
    """ptd_seven_point_one_side_mean then ptd_part_of_seven_trend, NA included."""
    m = length - RUN + 1
    last = rtm_e[RUN - 1 :]  # the row each window of rows w .. w+6 is judged at
    last_known = ~np.isnan(last)
    all_t = np.ones(m, dtype=np.bool_)
    any_f = np.zeros(m, dtype=np.bool_)
    for j in range(RUN - 1):
        earlier = rtm_e[j : j + m]
        both = last_known & ~np.isnan(earlier)
        same = earlier == last
        all_t &= same & both
        any_f |= ~same & both
    run_t, run_f = _and((all_t, any_f), _tri_from_float(last, last != 0))
    ends_t = np.zeros(length + RUN - 1, dtype=np.bool_)
    ends_f = np.ones(length + RUN - 1, dtype=np.bool_)
    ends_t[RUN - 1 : length] = run_t
    ends_f[RUN - 1 : length] = run_f
    # any() over the windows ending at the row or the next six rows: TRUE if one fires, FALSE
    # if all are known not to, NA otherwise.
    not_f = _any_ending(~ends_f, length)
    return _any_ending(ends_t, length), ~not_f


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


def _empty_frame(direction: str, target: float | None) -> pd.DataFrame:
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
    # An empty series has no limits to judge a target against: no assurance.
    frame.attrs.update(
        variation_type="common_cause",
        variation_icon="common_cause",
        assurance_type=None,
        assurance_icon=None,
        warnings=[],
        summary=[],
        too_few_points=True,
        improvement_direction=direction,
        target=target,
    )
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
    """SpcSummary of an `xmr` result (it reads the fields `xmr` leaves in ``df.attrs``)."""
    attrs = df.attrs
    direction = str(attrs.get("improvement_direction", "increase"))
    has_target = attrs.get("target") is not None
    if len(df) == 0:
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
            has_target=has_target,
            improvement_direction=direction,
        )
    group = df["rebase_group"].to_numpy()
    values = df["value"].to_numpy(dtype=np.float64)
    return SpcSummary(
        variation_type=str(attrs["variation_type"]),
        variation_icon=str(attrs["variation_icon"]),
        assurance_type=attrs["assurance_type"],
        assurance_icon=attrs["assurance_icon"],
        mean=float(df["mean"].to_numpy(dtype=np.float64)[-1]),
        lpl=float(df["lpl"].to_numpy(dtype=np.float64)[-1]),
        upl=float(df["upl"].to_numpy(dtype=np.float64)[-1]),
        n_points=int((~np.isnan(values[group == group[-1]])).sum()),
        trial_limits=bool(df["short_group_warning"].iat[-1]),
        latest_point_type=str(df["point_type"].iat[-1]),
        too_few_points=bool(attrs.get("too_few_points", False)),
        has_target=has_target,
        improvement_direction=direction,
    )
