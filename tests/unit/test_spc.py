"""Unit and property tests for indicators.spc (parity with the R package is test_spc_parity.py).

The property tests compare `xmr` with `reference_xmr` below: a deliberately slow, literal
transcription of NHSRplotthedots 0.2.2 (ptd_spc_standard and ptd_calculate_point_type) using
Python's None for R's NA, Fraction for R's mean, and R's padding tricks as written, so that the
vectorised implementation is checked on series the published vectors do not contain.

Timing (not asserted): on the development machine (2 shared vCPUs, busy with other work while
measured; best of several rounds of 5 x `timeit`, Python 3.11, pandas 3.1, numpy 2.4; monthly
series at level 50 with one decimal, target 55), per series of 120 / 300 points:
`spc.summary` 0.23 / 0.34 ms (0.31 / 0.41 ms with a missing value), `summarise(xmr(...))`
1.0 / 1.2 ms (it was 1.7 / 2.2 ms before `_compute` was split out), `xmr` alone 0.76 / 0.93 ms
(was 1.15 / 1.44 ms), and `summarise` on a built frame 0.06 ms (was 0.36 ms).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import spc
from indicators.spc import COLUMNS, SHORT_GROUP_WARNING, SpcSummary, summarise, xmr

MAX_EXAMPLES = 200
PROPERTY = settings(max_examples=MAX_EXAMPLES, deadline=None)
START = dt.date(2021, 4, 1)


def days(n: int, start: dt.date = START) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


def nulls(series: pd.Series) -> list[bool]:
    return [x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) for x in series]


# ------------------------------------------------------------------------------------------------
# Reference: NHSRplotthedots 0.2.2 transcribed literally, NA as None


class Crash(Exception):
    """Where R stops with 'missing value where TRUE/FALSE needed'."""


Num = float | None


def r_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def r_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def r_not(a: bool | None) -> bool | None:
    return None if a is None else not a


def r_all(xs: Sequence[bool | None]) -> bool | None:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def r_any(xs: Sequence[bool | None]) -> bool | None:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def r_cmp(a: Num, b: Num, op: Callable[[float, float], bool]) -> bool | None:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return None
    return op(a, b)


def r_sum(xs: Sequence[Num]) -> Num:
    return None if any(x is None for x in xs) else sum(xs)  # type: ignore[arg-type]


def r_sign(x: Num) -> Num:
    if x is None or math.isnan(x):
        return None
    return float((x > 0) - (x < 0))


def num(b: bool | None) -> Num:
    return None if b is None else float(b)


def fraction_mean(xs: Sequence[float]) -> float:
    return math.nan if not xs else float(sum(map(Fraction, xs), Fraction(0)) / len(xs))


def ref_seven_point_trend(y: list[Num], crash_as_zero: bool, crashes: list[int]) -> list[float]:
    if len(y) < 7:
        return [0.0] * len(y)
    out = [0.0] * 6
    for i in range(6, len(y)):
        window = [y[i - j] for j in range(7)]  # y[i - 0:6]
        d = [r_sign(None if a is None or b is None else b - a) for a, b in pairwise(window)]
        d = [None if x is None else -x for x in d]
        verdict = 0.0
        for target in (1.0, -1.0):
            fired = r_all([r_cmp(x, target, float.__eq__) for x in d])
            if fired is None:
                if not crash_as_zero:
                    raise Crash
                crashes.append(i)
                break
            if fired:
                verdict = target
                break
        out.append(verdict)
    return out


def ref_part_of_seven(v: Sequence[Num]) -> list[Num]:
    vp = [*v, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    return [
        num(r_any([r_cmp(None if x is None else abs(x), 1.0, float.__eq__) for x in vp[i : i + 7]]))
        for i in range(len(v))
    ]


def ref_seven_one_side(v: list[Num]) -> list[Num]:
    vp = [0.0] * 6 + v
    out = []
    for i in range(6, len(vp)):
        same = r_all([r_cmp(vp[i], vp[i - j], float.__eq__) for j in range(1, 7)])
        out.append(num(r_and(same, r_cmp(vp[i], 0.0, float.__ne__))))
    return out


def ref_two_in_three(v: list[Num], rtm: list[Num]) -> list[Num]:
    vp = [0.0, 0.0, *v, 0.0, 0.0]
    rp = [0.0, 0.0, *rtm, 0.0, 0.0]
    out = []
    for i in range(len(v)):
        result: bool | None = False
        for k in range(3):
            total = r_sum(vp[i + k : i + k + 3])
            side = r_sum(rp[i + k : i + k + 3])
            term = r_and(
                r_cmp(total, 2.0, float.__ge__),
                r_cmp(None if side is None else abs(side), 3.0, float.__eq__),
            )
            result = r_or(result, term)
        out.append(num(result))
    return out


def reference_xmr(
    values: list[float],
    dates: list[dt.date],
    direction: str,
    target: float | None,
    rebase: Sequence[dt.date],
    fix: int | None,
    screen: bool,
    crash_as_zero: bool = False,
) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    order = sorted(range(len(dates)), key=dates.__getitem__)
    ys: list[Num] = [None if math.isnan(values[i]) else values[i] for i in order]
    ds = [dates[i] for i in order]
    groups: list[int] = []
    count = 0
    for d in ds:
        count += d in set(rebase)
        groups.append(count)
    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    crashes: list[int] = []
    for g in sorted(set(groups)):
        idx = [i for i, gg in enumerate(groups) if gg == g]
        y = [ys[i] for i in idx]
        fix_y = [v if (fix is None or k < fix) else None for k, v in enumerate(y)]
        mean = fraction_mean([v for v in fix_y if v is not None])
        mr: list[Num] = [
            None,
            *(None if a is None or b is None else abs(b - a) for a, b in pairwise(fix_y)),
        ]
        amr = fraction_mean([m for m in mr if m is not None])
        if screen:
            mr = [m if r_cmp(m, 3.267 * amr, float.__lt__) else None for m in mr]
            amr = fraction_mean([m for m in mr if m is not None])
        lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
        close_k = 2 * (2.66 / 3)
        nlpl, nupl = mean - close_k * amr, mean + close_k * amr
        outside = [r_or(r_cmp(v, upl, float.__gt__), r_cmp(v, lpl, float.__lt__)) for v in y]
        rtm = [r_sign(None if v is None else v - mean) for v in y]
        close = [
            r_and(r_not(o), r_or(r_cmp(v, nlpl, float.__lt__), r_cmp(v, nupl, float.__gt__)))
            for v, o in zip(y, outside, strict=True)
        ]
        trend = ref_part_of_seven(ref_seven_point_trend(y, crash_as_zero, crashes))
        two_raw = ref_two_in_three([num(c) for c in close], rtm)
        two = [
            num(r_and(r_cmp(t, 1.0, float.__eq__), None if c is None else c))
            for t, c in zip(two_raw, close, strict=True)
        ]
        shift = ref_part_of_seven(ref_seven_one_side(rtm))
        sdy = [r_sign(None if a is None or b is None else b - a) for a, b in pairwise(y)]
        labels = []
        for k in range(len(y)):
            nxt = trend[k + 1] if k + 1 < len(y) else 0.0
            step = (sdy + sdy[-1:])[k] if (nxt and trend[k]) else ([0.0, *sdy])[k]
            r = rtm[k]
            side = "Above" if r is not None and r > 0 else "Below"
            if outside[k]:
                labels.append("Above UCL" if rtm[k] == 1 else "Below LCL")
            elif trend[k]:
                labels.append(f"7 Point Trend ({'In' if step == 1 else 'De'}creasing)")
            elif two[k]:
                labels.append(f"2 in 3 {side} CL")
            elif shift[k]:
                labels.append(f"7 Points {side} CL")
            else:
                labels.append("Common Cause")
        n = len(y)
        cols["date"] += [ds[i] for i in idx]
        cols["value"] += y
        cols["rebase_group"] += [g] * n
        cols["short_group_warning"] += [n < 13] * n
        for name, value in (("mean", mean), ("lpl", lpl), ("upl", upl)):
            cols[name] += [value] * n
        cols["nlpl"] += [nlpl] * n
        cols["nupl"] += [nupl] * n
        cols["outside_limits"] += outside
        cols["close_to_limits"] += close
        cols["relative_to_mean"] += rtm
        cols["part_trend"] += trend
        cols["part_two_in_three"] += two
        cols["part_shift"] += shift
        cols["special_cause_type"] += labels
    high = ("Above", "Increasing")
    low = ("Below", "Decreasing")
    sign = [
        1 if any(w in s for w in high) else -1 if any(w in s for w in low) else 0
        for s in cols["special_cause_type"]
    ]
    names = {
        "increase": {1: "special_cause_improvement", -1: "special_cause_concern"},
        "decrease": {1: "special_cause_concern", -1: "special_cause_improvement"},
        "neutral": {1: "special_cause_neutral_high", -1: "special_cause_neutral_low"},
    }[direction]
    cols["point_type"] = [names.get(s, "common_cause") for s in sign]
    cols["special_cause_flag"] = [s != "Common Cause" for s in cols["special_cause_type"]]
    assurance = None
    if target is not None and direction != "neutral" and cols["date"]:
        up, lo = cols["upl"][-1], cols["lpl"][-1]
        inc = direction == "increase"
        if target > up:
            assurance = "consistent_fail" if inc else "consistent_pass"
        elif target < lo:
            assurance = "consistent_pass" if inc else "consistent_fail"
        else:
            assurance = "inconsistent"
    series = {
        "variation_type": cols["point_type"][-1] if cols["point_type"] else "common_cause",
        "assurance_type": assurance,
        "crashes": len(crashes),
    }
    return cols, series


def assert_matches_reference(df: pd.DataFrame, ref: dict[str, list[Any]]) -> None:
    assert len(df) == len(ref["date"])
    for column in COLUMNS:
        got = df[column].tolist()
        want = ref[column]
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            w_null = w is None or (isinstance(w, float) and math.isnan(w))
            g_null = g is None or g is pd.NA or (isinstance(g, float) and math.isnan(g))
            assert g_null == w_null, (column, i, g, w)
            if not w_null:
                assert g == w, (column, i, g, w)  # bit for bit, labels and flags exactly


# ------------------------------------------------------------------------------------------------
# Strategies


@st.composite
def series_values(draw: st.DrawFn, max_size: int = 45) -> list[float]:
    """Series built from segments that trip each rule: noise, ramps, plateaus, outliers, gaps."""
    out: list[float] = []
    level = draw(st.sampled_from([0.0, 10.0, 50.0, -5.0, 1e6]))
    kinds = ["noise", "noise", "decimal", "decimal", "rise", "fall", "flat", "jump", "gap"]
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(kinds))
        k = draw(st.integers(1, 9))
        if kind == "noise":
            out += [level + draw(st.integers(-3, 3)) for _ in range(k)]
        elif kind in ("rise", "fall"):
            step = draw(st.sampled_from([0.5, 1.0, 2.0])) * (1 if kind == "rise" else -1)
            out += [level + step * j for j in range(k)]
            level += step * k
        elif kind == "flat":
            out += [level] * k
        elif kind == "jump":
            level += draw(st.sampled_from([-20.0, -4.0, 4.0, 20.0]))
            out.append(level)
        elif kind == "gap":
            out += [math.nan] * draw(st.integers(1, 2))
        else:
            out += [round(level + draw(st.floats(-3, 3)), 1) for _ in range(k)]
    return out[:max_size]


@st.composite
def spc_inputs(draw: st.DrawFn) -> dict[str, Any]:
    values = draw(series_values())
    dates = days(len(values))
    shuffled = draw(st.permutations(list(range(len(values)))))
    rebase = draw(st.lists(st.sampled_from(dates), max_size=3)) if dates else []
    if draw(st.booleans()):
        rebase.append(START - dt.timedelta(days=1))  # matches no row: ignored
    target = draw(st.one_of(st.none(), st.sampled_from([0.0, 10.0, 50.0]), st.floats(-50, 100)))
    return {
        "values": [values[i] for i in shuffled],
        "dates": [dates[i] for i in shuffled],
        "improvement_direction": draw(st.sampled_from(spc.DIRECTIONS)),
        "target": target,
        "rebase": rebase,
        "fix_after_n_points": draw(st.one_of(st.none(), st.integers(12, 30))),
        "screen_outliers": draw(st.booleans()),
    }


def call(inp: dict[str, Any]) -> pd.DataFrame:
    return xmr(
        inp["values"],
        inp["dates"],
        inp["improvement_direction"],
        inp["target"],
        inp["rebase"],
        inp["fix_after_n_points"],
        screen_outliers=inp["screen_outliers"],
    )


def reference(inp: dict[str, Any], crash_as_zero: bool = True) -> tuple[dict[str, Any], Any]:
    return reference_xmr(
        inp["values"],
        inp["dates"],
        inp["improvement_direction"],
        inp["target"],
        inp["rebase"],
        inp["fix_after_n_points"],
        inp["screen_outliers"],
        crash_as_zero=crash_as_zero,
    )


# ------------------------------------------------------------------------------------------------
# Property tests


@PROPERTY
@given(spc_inputs())
def test_matches_literal_transcription_of_the_package(inp: dict[str, Any]) -> None:
    df = call(inp)
    ref, series = reference(inp)
    assert_matches_reference(df, ref)
    assert df.attrs["variation_type"] == series["variation_type"]
    assert df.attrs["assurance_type"] == series["assurance_type"]
    crash_warnings = [w for w in df.attrs["warnings"] if "missing value" in w]
    assert bool(crash_warnings) == bool(series["crashes"])


@PROPERTY
@given(spc_inputs(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(inp: dict[str, Any], rnd: Any) -> None:
    pairs = list(zip(inp["values"], inp["dates"], strict=True))
    rnd.shuffle(pairs)
    other = {**inp, "values": [v for v, _ in pairs], "dates": [d for _, d in pairs]}
    pd.testing.assert_frame_equal(call(inp), call(other))


@PROPERTY
@given(spc_inputs())
def test_structural_invariants(inp: dict[str, Any]) -> None:
    df = call(inp)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == len(inp["values"])
    assert df["date"].tolist() == sorted(inp["dates"])
    assert (df["special_cause_flag"] == (df["special_cause_type"] != "Common Cause")).all()
    assert ((df["point_type"] == "common_cause") == ~df["special_cause_flag"]).all()
    missing = df["value"].isna()
    assert (df.loc[missing, "point_type"] == "common_cause").all()
    assert df.loc[missing, "outside_limits"].isna().all()
    assert df.loc[missing, "relative_to_mean"].isna().all()
    limits = df[["lpl", "nlpl", "mean", "nupl", "upl"]].dropna().to_numpy()
    assert (np.diff(limits, axis=1) >= 0).all()
    outside = df["outside_limits"].fillna(False).to_numpy(dtype=bool)
    assert not (outside & df["close_to_limits"].fillna(False).to_numpy(dtype=bool)).any()
    assert (df.loc[outside, "special_cause_type"].str.endswith("CL")).all()
    summary = df.attrs["summary"]
    assert sum(s["n"] for s in summary) == len(df)
    for s in summary:
        rows = df[df["rebase_group"] == s["rebase_group"]]
        assert s["common_cause"] == int((~rows["special_cause_flag"]).sum())
        assert s["variation_type"] == rows["point_type"].iloc[-1]
    if len(df):
        assert df.attrs["variation_type"] == df["point_type"].iloc[-1]
    assert (SHORT_GROUP_WARNING in df.attrs["warnings"]) == bool(df["short_group_warning"].any())


@PROPERTY
@given(spc_inputs())
def test_group_means_are_exact(inp: dict[str, Any]) -> None:
    df = call(inp)
    fix = inp["fix_after_n_points"]
    for _, rows in df.groupby("rebase_group"):
        baseline = rows["value"].to_numpy()[: fix or len(rows)]
        expected = fraction_mean([v for v in baseline.tolist() if not math.isnan(v)])
        got = rows["mean"].iloc[0]
        assert got == expected or (math.isnan(got) and math.isnan(expected))


@PROPERTY
@given(st.lists(st.integers(-1000, 1000), unique=True, max_size=40), st.booleans())
def test_mirror_image_swaps_improvement_direction(ints: list[int], screen: bool) -> None:
    # Negation is exact in IEEE arithmetic, so negating the data and the direction must give the
    # same point types with Above/Below swapped. (Distinct values: a trend step of 0 is labelled
    # "Decreasing" whichever way the data run, which is not symmetric.)
    values = [i / 10 for i in ints]
    dates = days(len(values))
    up = xmr(values, dates, "increase", screen_outliers=screen)
    down = xmr([-v for v in values], dates, "decrease", screen_outliers=screen)
    assert up["point_type"].tolist() == down["point_type"].tolist()
    swap = {"Above": "Below", "Below": "Above", "Increasing": "Decreasing", "Decreasing": "In"}
    for a, b in zip(up["special_cause_type"], down["special_cause_type"], strict=True):
        for word, other in swap.items():
            if word in a:
                assert other.replace("In", "Increasing") in b
    assert up.attrs["variation_type"] == down.attrs["variation_type"]
    np.testing.assert_array_equal(up["upl"].to_numpy(), -down["lpl"].to_numpy())


@PROPERTY
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=64)
        | st.floats(min_value=-1e-300, max_value=1e-300),
        max_size=60,
    )
)
def test_exact_mean_equals_fraction_mean(xs: list[float]) -> None:
    got = spc._exact_mean(np.asarray(xs, dtype=np.float64))
    want = fraction_mean(xs)
    assert got == want or (math.isnan(got) and math.isnan(want))


@PROPERTY
@given(st.lists(st.floats(allow_nan=True, allow_infinity=False) | st.none(), max_size=30))
def test_any_finite_or_missing_values_give_a_frame(values: list[float | None]) -> None:
    df = xmr(values, days(len(values)), "neutral", target=1.0)
    assert len(df) == len(values)
    assert df.attrs["variation_icon"] in {"common_cause", "neutral_high", "neutral_low"}


# ------------------------------------------------------------------------------------------------
# Table-driven tests


def test_readme_worked_example_with_and_without_screening() -> None:
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    df = xmr(values, days(18))
    assert df["mean"].iloc[0] == 35 / 18
    assert df.attrs["summary"][0]["mean_moving_range"] == 1.0
    assert df["upl"].iloc[0] == 35 / 18 + 2.66
    assert df["special_cause_type"].tolist()[4] == "Above UCL"
    assert df["point_type"].tolist()[4] == "special_cause_improvement"
    assert df.attrs["variation_icon"] == "common_cause"
    raw = xmr(values, days(18), screen_outliers=False)
    assert raw.attrs["summary"][0]["mean_moving_range"] == 32 / 17
    assert raw["lpl"].iloc[0] == pytest.approx(-3.0626, abs=1e-4)
    assert raw["upl"].iloc[0] == pytest.approx(6.9515, abs=1e-4)


@pytest.mark.parametrize(
    ("values", "lpl_is_nan", "all_outside"),
    [
        pytest.param([50.0] * 15, True, False, id="flat: NaN limits"),
        pytest.param([5.0] * 12 + [6.0] + [5.0] * 7, False, True, id="flat with blip: all outside"),
        pytest.param([7.0], True, False, id="one point"),
        pytest.param([7.0, math.nan, 8.0], True, False, id="no adjacent pair"),
        pytest.param([7.0, 9.0], False, False, id="two points"),
    ],
)
def test_degenerate_series(values: list[float], lpl_is_nan: bool, all_outside: bool) -> None:
    df = xmr(values, days(len(values)), target=40.0)
    assert df["lpl"].isna().all() == lpl_is_nan
    assert df["upl"].isna().all() == lpl_is_nan
    if lpl_is_nan:
        assert (df["point_type"] == "common_cause").all()
        assert df.attrs["assurance_type"] == "inconsistent"
    assert bool(df["outside_limits"].fillna(False).all()) == all_outside


@pytest.mark.parametrize(("n", "warns"), [(5, True), (12, True), (13, False), (20, False)], ids=str)
def test_trial_limits_below_13_rows(n: int, warns: bool) -> None:
    df = xmr([float(i % 3) for i in range(n)], days(n))
    assert bool(df["short_group_warning"].all()) == warns
    assert (df.attrs["warnings"] == [SHORT_GROUP_WARNING]) == warns
    assert summarise(df).trial_limits == warns


@pytest.mark.parametrize(
    ("direction", "last", "point_type", "icon"),
    [
        ("increase", 100.0, "special_cause_improvement", "improvement_high"),
        ("increase", -100.0, "special_cause_concern", "concern_low"),
        ("decrease", 100.0, "special_cause_concern", "concern_high"),
        ("decrease", -100.0, "special_cause_improvement", "improvement_low"),
        ("neutral", 100.0, "special_cause_neutral_high", "neutral_high"),
        ("neutral", -100.0, "special_cause_neutral_low", "neutral_low"),
        ("increase", 10.5, "common_cause", "common_cause"),
    ],
)
def test_point_types_and_variation_icons(
    direction: str, last: float, point_type: str, icon: str
) -> None:
    values = [10.0, 11.0] * 10 + [last]
    df = xmr(values, days(21), direction)
    assert df["point_type"].iloc[-1] == point_type
    assert df.attrs["variation_type"] == point_type
    assert df.attrs["variation_icon"] == icon


@pytest.mark.parametrize(
    ("direction", "target", "assurance", "icon"),
    [
        ("increase", 20.0, "consistent_fail", "fail"),
        ("increase", 0.0, "consistent_pass", "pass"),
        ("increase", 10.5, "inconsistent", "inconsistent"),
        ("decrease", 20.0, "consistent_pass", "pass"),
        ("decrease", 0.0, "consistent_fail", "fail"),
        ("decrease", 10.5, "inconsistent", "inconsistent"),
        ("neutral", 20.0, None, None),
        ("increase", None, None, None),
        ("increase", math.nan, None, None),  # deviation: NaN target means no target
    ],
)
def test_assurance(direction: str, target: float | None, assurance: str | None, icon: str) -> None:
    df = xmr([10.0, 11.0] * 10, days(20), direction, target)
    assert df.attrs["assurance_type"] == assurance
    assert df.attrs["assurance_icon"] == icon
    assert df.attrs["summary"][-1]["assurance_type"] == assurance


def test_assurance_on_the_limit_is_inconsistent() -> None:
    df = xmr([10.0, 11.0] * 10, days(20), "increase")
    for limit in ("lpl", "upl"):
        on = xmr([10.0, 11.0] * 10, days(20), "increase", float(df[limit].iloc[-1]))
        assert on.attrs["assurance_type"] == "inconsistent"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fix_after_n_points": 11}, "fix_after_n_points"),
        ({"fix_after_n_points": 0}, "fix_after_n_points"),
        ({"fix_after_n_points": math.nan}, "fix_after_n_points"),
        ({"fix_after_n_points": True}, "fix_after_n_points"),
        ({"improvement_direction": "up"}, "improvement_direction"),
        ({"improvement_direction": "Increase"}, "improvement_direction"),
        ({"target": "90"}, "target"),
    ],
)
def test_invalid_options_raise(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xmr([1.0] * 20, days(20), **kwargs)


def test_fix_after_exactly_12_is_allowed_and_fixes_the_baseline() -> None:
    values = [10.0, 11.0] * 6 + [30.0] * 8
    fixed = xmr(values, days(20), fix_after_n_points=12)
    assert fixed["mean"].iloc[0] == 10.5
    assert (fixed["special_cause_type"].iloc[12:] == "Above UCL").all()
    assert xmr(values, days(20), fix_after_n_points=12.9)["mean"].iloc[0] == 10.5


@pytest.mark.parametrize(
    ("values", "dates", "message"),
    [
        ([1.0, 2.0], [START, START], "duplicate date"),
        ([1.0, 2.0], [dt.datetime(2021, 4, 1), pd.Timestamp("2021-04-01")], "duplicate date"),
        ([1.0, 2.0], [START], "same length"),
        ([1.0, math.inf], days(2), "finite"),
        ([1.0, 2.0], [START, None], "missing"),
        ([1.0, 2.0], [START, pd.NaT], "missing"),
        ([1.0, 2.0], [START, np.datetime64("NaT")], "missing"),
        ([1.0, 2.0], [START, pd.Timestamp("2021-04-02", tz="UTC")], "naive"),
    ],
)
def test_invalid_inputs_raise(values: list[float], dates: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xmr(values, dates)


def test_dates_must_be_dates() -> None:
    with pytest.raises(TypeError, match="dates must be"):
        xmr([1.0, 2.0], ["2021-04-01", "2021-04-02"])


def test_date_types_are_accepted_and_returned_as_dates() -> None:
    stamps = [pd.Timestamp("2021-04-03"), dt.datetime(2021, 4, 1), np.datetime64("2021-04-02")]
    df = xmr([3.0, 1.0, 2.0], stamps, rebase=[pd.Timestamp("2021-04-02")])
    assert df["date"].tolist() == days(3)
    assert all(type(d) is dt.date for d in df["date"])
    assert df["value"].tolist() == [1.0, 2.0, 3.0]
    assert df["rebase_group"].tolist() == [0, 1, 1]


def test_times_of_day_are_kept_apart() -> None:
    stamps = [dt.datetime(2021, 4, 1, 9), dt.datetime(2021, 4, 1, 17), dt.datetime(2021, 4, 2)]
    df = xmr([1.0, 2.0, 3.0], list(reversed(stamps)))
    assert df["date"].tolist() == [pd.Timestamp(s) for s in stamps]
    assert df["value"].tolist() == [3.0, 2.0, 1.0]


def test_value_containers() -> None:
    expected = xmr([1.0, math.nan, 3.0, 4.0], days(4))
    for values in (
        [1, None, 3, 4],
        [1.0, pd.NA, 3.0, 4.0],
        np.array([1.0, np.nan, 3.0, 4.0]),
        pd.Series([1, None, 3, 4], dtype="Int64"),
        pd.array([1.0, None, 3.0, 4.0], dtype="Float64"),
    ):
        pd.testing.assert_frame_equal(xmr(values, days(4)), expected)


def test_empty_input() -> None:
    df = xmr([], [], target=5.0)
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 0
    assert df.attrs["variation_type"] == "common_cause"
    assert df.attrs["variation_icon"] == "common_cause"
    assert df.attrs["assurance_type"] is None
    assert df.attrs["assurance_icon"] is None
    assert df.attrs["warnings"] == []
    assert df.attrs["summary"] == []
    s = summarise(df)
    assert s.n_points == 0
    assert math.isnan(s.mean)
    assert s.variation_label == "Too few points"
    assert s.assurance_label == "Too few points"


@pytest.mark.parametrize(
    ("rebase", "groups"),
    [
        ([], [0] * 14),
        ([START], [1] * 14),
        ([START + dt.timedelta(days=7)], [0] * 7 + [1] * 7),
        ([START - dt.timedelta(days=3)], [0] * 14),
        (None, [0] * 14),
        (START + dt.timedelta(days=7), [0] * 7 + [1] * 7),
    ],
)
def test_rebase_groups(rebase: Any, groups: list[int]) -> None:
    df = xmr([float(i % 4) for i in range(14)], days(14), rebase=rebase)
    assert df["rebase_group"].tolist() == groups


def test_windows_do_not_cross_a_rebase() -> None:
    # Six rises, a rebase, then one more rise: seven rising points, but not in one group.
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1.0, 3.0, 2.0, 3.0, 2.0]
    whole = xmr(values, days(12))
    assert whole["part_trend"].iloc[:7].tolist() == [1] * 7
    split = xmr(values, days(12), rebase=[START + dt.timedelta(days=6)])
    assert split["part_trend"].sum() == 0


# Missing value inside a 7-row window: the package crashes; we say "not a trend".
CRASH_WARNING = "missing value"


@pytest.mark.parametrize(
    ("values", "crash"),
    [
        pytest.param([1, 2, 3, None, 5, 6, 7, 8, 3, 4, 3, 4], True, id="gap in a rise"),
        pytest.param([9, 8, 7, None, 5, 4, 3, 2, 3, 4, 3, 4], True, id="gap in a fall"),
        pytest.param([1, 2, 1, None, 5, 6, 7, 8, 9, 10, 3, 4], True, id="rise after the gap"),
        pytest.param([1, 2, 1, None, 5, 6, 5, 8, 3, 4, 3, 4], False, id="mixed steps: no crash"),
        pytest.param([1, 1, 2, None, 5, 6, 5, 8, 3, 4, 3, 4], False, id="tie: no crash"),
    ],
)
def test_missing_value_in_trend_window_is_not_a_trend(values: list[Any], crash: bool) -> None:
    values = [math.nan if v is None else float(v) for v in values]
    df = xmr(values, days(len(values)))
    assert df["part_trend"].iloc[:8].sum() == 0
    assert not df["special_cause_type"].str.contains("Trend").iloc[:8].any()
    assert any(CRASH_WARNING in w for w in df.attrs["warnings"]) == crash
    # and the literal transcription of the package does crash exactly in those cases
    inp = {
        "values": values,
        "dates": days(len(values)),
        "improvement_direction": "increase",
        "target": None,
        "rebase": [],
        "fix_after_n_points": None,
        "screen_outliers": True,
    }
    if crash:
        with pytest.raises(Crash):
            reference(inp, crash_as_zero=False)
    else:
        reference(inp, crash_as_zero=False)


def test_unbroken_trend_next_to_a_gap_still_fires() -> None:
    values = [5.0, None, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 3.0, 4.0, 3.0, 4.0, 3.0]
    df = xmr(values, days(len(values)))
    assert df["part_trend"].tolist()[2:9] == [1] * 7
    assert any(CRASH_WARNING in w for w in df.attrs["warnings"])  # windows over the gap


def test_column_types() -> None:
    df = xmr([1.0, 2.0, math.nan, 4.0, 3.0], days(5))
    assert df["outside_limits"].dtype == "boolean"
    assert df["relative_to_mean"].dtype == "Int64"
    assert df["special_cause_flag"].dtype == bool
    assert nulls(df["outside_limits"]) == [False, False, True, False, False]
    assert df["rebase_group"].dtype == np.int64


# ------------------------------------------------------------------------------------------------
# Scorecard helpers


def make_summary(**changes: Any) -> SpcSummary:
    base: dict[str, Any] = {
        "variation_type": "common_cause",
        "variation_icon": "common_cause",
        "assurance_type": None,
        "assurance_icon": None,
        "mean": 1.0,
        "lpl": 0.0,
        "upl": 2.0,
        "n_points": 20,
        "trial_limits": False,
        "latest_point_type": "common_cause",
    }
    return SpcSummary(**{**base, **changes})


@pytest.mark.parametrize(
    ("icon", "label", "symbol"),
    [
        ("common_cause", "Common cause variation", "~ common cause"),
        ("improvement_high", "Special cause: improvement (high)", "▲ improvement"),
        ("improvement_low", "Special cause: improvement (low)", "▼ improvement"),
        ("concern_high", "Special cause: concern (high)", "▲ concern"),
        ("concern_low", "Special cause: concern (low)", "▼ concern"),
        ("neutral_high", "Special cause: neutral (high)", "▲ neutral"),
        ("neutral_low", "Special cause: neutral (low)", "▼ neutral"),
    ],
)
def test_variation_labels(icon: str, label: str, symbol: str) -> None:
    s = make_summary(variation_icon=icon)
    assert s.variation_label == label
    assert s.variation_symbol == symbol
    assert make_summary(variation_icon=icon, too_few_points=True).variation_label == (
        "Too few points"
    )


@pytest.mark.parametrize(
    ("assurance", "has_target", "too_few", "direction", "label", "symbol"),
    [
        ("consistent_pass", True, False, "increase", "Consistently passing target", "✔ pass"),
        ("consistent_fail", True, False, "decrease", "Consistently failing target", "✘ fail"),
        ("inconsistent", True, False, "increase", "Hit and miss target", "? hit and miss"),
        (None, False, False, "increase", "No target", "– no target"),
        (None, False, True, "decrease", "No target", "– no target"),
        (None, True, False, "neutral", "No assurance for a neutral measure", "– not applicable"),
        ("inconsistent", True, True, "increase", "Too few points", "… too few points"),
    ],
)
def test_assurance_labels(
    assurance: str | None,
    has_target: bool,
    too_few: bool,
    direction: str,
    label: str,
    symbol: str,
) -> None:
    s = make_summary(
        assurance_type=assurance,
        has_target=has_target,
        too_few_points=too_few,
        improvement_direction=direction,
    )
    assert s.assurance_label == label
    assert s.assurance_symbol == symbol


def test_summarise_reads_the_latest_group() -> None:
    values = [20.0, 21.0] * 8 + [30.0, 31.0] * 3 + [math.nan]
    rebase = [START + dt.timedelta(days=16)]
    df = xmr(values, days(len(values)), "decrease", 25.0, rebase)
    s = summarise(df)
    assert s.mean == 30.5
    assert (s.lpl, s.upl) == (df["lpl"].iloc[-1], df["upl"].iloc[-1])
    assert s.n_points == 6
    assert s.trial_limits
    assert s.variation_type == s.latest_point_type == "common_cause"
    assert s.assurance_type == "consistent_fail"  # lower is better, and all of it is above 25
    assert s.assurance_icon == "fail"
    assert s.assurance_label == "Consistently failing target"
    assert s.variation_label == "Common cause variation"
    assert s.improvement_direction == "decrease"
    assert not s.too_few_points


def test_summarise_special_cause_and_too_few() -> None:
    df = xmr([10.0, 11.0] * 10 + [40.0], days(21), "increase")
    s = summarise(df)
    assert s.variation_label == "Special cause: improvement (high)"
    assert s.variation_symbol == "▲ improvement"
    assert s.assurance_label == "No target"
    one = summarise(xmr([3.0], [START], target=2.0))
    assert one.too_few_points
    assert one.variation_label == "Too few points"
    assert one.n_points == 1
    flat = summarise(xmr([3.0] * 15, days(15), target=2.0))
    assert not flat.too_few_points  # flat is "no variation", not "too few"
    assert flat.variation_label == "Common cause variation"
    assert flat.assurance_label == "Hit and miss target"


# ------------------------------------------------------------------------------------------------
# The fast path: summary() is summarise(xmr()) without the DataFrame

POINT_COLUMNS = ("date", "value", "mean", "lpl", "upl", "point_type")
VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "spc" / "vectors_public.json").read_text(
        encoding="utf-8"
    )
)["vectors"]


def identical(a: object, b: object) -> bool:
    """Equal and of the same type; floats bit for bit (so NaN matches NaN, and -0.0 only -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex()  # type: ignore[attr-defined]
    return a == b


def assert_same_summary(got: SpcSummary, want: SpcSummary) -> None:
    for field in dataclasses.fields(SpcSummary):
        g, w = getattr(got, field.name), getattr(want, field.name)
        assert identical(g, w), (field.name, g, w)


def assert_summary_path_agrees(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """summary() against summarise(xmr()), and against the frame's own columns."""
    df = xmr(*args, **kwargs)
    want = summarise(df)
    got, points = spc.summary(*args, **kwargs)
    assert_same_summary(got, want)
    assert set(points) == set(POINT_COLUMNS)
    for column in POINT_COLUMNS:
        got_column, want_column = points[column], df[column].tolist()
        assert len(got_column) == len(want_column) == len(df)
        for i, (g, w) in enumerate(zip(got_column, want_column, strict=True)):
            assert identical(g, w), (column, i, g, w)
    # summarise reads the latest group from attrs; it must agree with the columns themselves.
    if len(df):
        latest = df[df["rebase_group"] == df["rebase_group"].iloc[-1]]
        for name in ("mean", "lpl", "upl"):
            assert identical(getattr(want, name), float(df[name].iloc[-1])), name
        assert want.n_points == int(latest["value"].notna().sum())
        assert want.trial_limits == bool(df["short_group_warning"].iloc[-1])
        assert want.latest_point_type == df["point_type"].iloc[-1]


def vector_arguments(vec: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    inp = vec["inputs"]
    args = (
        [math.nan if v is None else float(v) for v in inp["values"]],
        [dt.date.fromisoformat(d) for d in inp["dates"]],
        inp["improvement_direction"],
        inp["target"],
        [dt.date.fromisoformat(d) for d in inp["rebase"]],
        inp["fix_after_n_points"],
    )
    return args, {"screen_outliers": inp["screen_outliers"]}


def test_all_public_vectors_are_read() -> None:
    assert len(VECTORS) == 62


@pytest.mark.parametrize("vec", VECTORS, ids=[v["id"] for v in VECTORS])
def test_summary_equals_summarise_of_xmr_on_public_vectors(vec: dict[str, Any]) -> None:
    args, kwargs = vector_arguments(vec)
    assert_summary_path_agrees(args, kwargs)


@PROPERTY
@given(spc_inputs())
def test_summary_equals_summarise_of_xmr(inp: dict[str, Any]) -> None:
    args = (
        inp["values"],
        inp["dates"],
        inp["improvement_direction"],
        inp["target"],
        inp["rebase"],
        inp["fix_after_n_points"],
    )
    assert_summary_path_agrees(args, {"screen_outliers": inp["screen_outliers"]})


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        pytest.param(([], []), {"target": 5.0}, id="empty"),
        pytest.param(([3.0], [START]), {"target": 2.0}, id="one point"),
        pytest.param(([50.0] * 15, days(15)), {"target": 40.0}, id="flat"),
        pytest.param(([7.0, math.nan, 8.0], days(3)), {}, id="no adjacent pair"),
        pytest.param(
            ([1.0, 2.0, 3.0], [dt.datetime(2021, 4, 1, 9), dt.datetime(2021, 4, 1, 17), START]),
            {},
            id="times of day",
        ),
        pytest.param(
            (
                [3.0, 1.0, 2.0],
                [pd.Timestamp("2021-04-03"), dt.datetime(2021, 4, 1), dt.date(2021, 4, 2)],
            ),
            {"rebase": pd.Timestamp("2021-04-02")},
            id="mixed date types",
        ),
        pytest.param(
            ([float(i % 4) for i in range(14)], days(14)),
            {"rebase": [dt.datetime(2021, 4, 8), dt.datetime(2021, 4, 10, 12)]},
            id="rebase with and without a time",
        ),
        pytest.param(
            (pd.Series([1, None, 3, 4] * 5, dtype="Int64"), days(20)[::-1]),
            {"improvement_direction": "decrease", "fix_after_n_points": 12},
            id="nullable values, dates descending",
        ),
        pytest.param(
            ([1e300, -1e300, 1e-300, 5.0] * 4, days(16)), {"target": 0.0}, id="huge and tiny"
        ),
    ],
)
def test_summary_equals_summarise_of_xmr_on_edge_cases(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    assert_summary_path_agrees(args, kwargs)


def test_summary_returns_plain_python_values() -> None:
    ordered = [10.0, 11.0] * 10 + [math.nan, 40.0]
    values, dates = ordered[::-1], days(22)[::-1]  # given newest first
    s, points = spc.summary(values, dates, "increase", 20.0)
    assert s == summarise(xmr(values, dates, "increase", 20.0))  # no NaN fields here
    assert points["date"] == days(22)
    assert all(type(d) is dt.date for d in points["date"])
    for column in ("value", "mean", "lpl", "upl"):
        assert all(type(x) is float for x in points[column]), column
    assert points["value"][:20] == ordered[:20]
    assert math.isnan(points["value"][20])
    assert all(type(x) is str for x in points["point_type"])
    assert points["point_type"][-1] == "special_cause_improvement"
    assert (s.variation_icon, s.assurance_type, s.n_points) == (
        "improvement_high",
        "consistent_fail",
        21,
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (([1.0, 2.0], [START, START]), {}, ValueError),
        (([1.0, 2.0], [START]), {}, ValueError),
        (([1.0, math.inf], days(2)), {}, ValueError),
        (([1.0] * 20, days(20)), {"fix_after_n_points": 11}, ValueError),
        (([1.0] * 20, days(20)), {"improvement_direction": "up"}, ValueError),
        (([1.0, 2.0], ["2021-04-01", "2021-04-02"]), {}, TypeError),
        (([], []), {"rebase": ["2021-04-01"]}, TypeError),
    ],
)
def test_summary_refuses_what_xmr_refuses(
    args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error) as from_xmr:
        xmr(*args, **kwargs)
    with pytest.raises(error) as from_summary:
        spc.summary(*args, **kwargs)
    assert str(from_summary.value) == str(from_xmr.value)


@PROPERTY
@given(
    st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=300),
    st.sampled_from([1, 10, 100, 1000, 3, 1 << 20]),
)
def test_exact_mean_of_decimal_data_equals_fraction_mean(ints: list[int], divisor: int) -> None:
    # Decimal-looking data: the int64 fast path of _exact_mean (the one nearly every series takes).
    xs = [i / divisor for i in ints]
    assert spc._exact_mean(np.asarray(xs)) == fraction_mean(xs)


@pytest.mark.parametrize(
    "xs",
    [
        pytest.param([1e300, -1e300, 1e-300], id="cancellation leaves a tiny value"),
        pytest.param([2.0**60, 1.0, -(2.0**60)], id="too wide for int64"),
        pytest.param([5e-324] * 3, id="subnormal"),
        pytest.param([1e-320, 3e-310, -2e-315], id="subnormal mix"),
        pytest.param([0.1, 0.2, 0.3], id="one-digit decimals"),
        pytest.param([-0.0, -0.0], id="negative zeros"),
        pytest.param([2.0**55, 3.0, 2.0**54], id="on the int64 edge"),
        pytest.param([123456.789, 0.001] * 50, id="many decimals"),
    ],
)
def test_exact_mean_edge_cases(xs: list[float]) -> None:
    got = spc._exact_mean(np.asarray(xs))
    want = fraction_mean(xs)
    assert got.hex() == want.hex()
