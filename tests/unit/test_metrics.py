"""Unit tests for indicators.metrics: rounding and display, RAG, direction of travel, forecast.

The published-comparator functions are tested in test_comparators_lait.py.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.domain import Polarity, Rag, TargetOperator, Unit
from indicators.metrics import (
    MISSING,
    Direction,
    default_tolerance,
    direction,
    forecast_target_date,
    format_value,
    gap_to_target,
    ordinal,
    rag,
    round_half_away,
    target_for_period,
)

HIGH = Polarity.HIGHER_IS_BETTER
LOW = Polarity.LOWER_IS_BETTER
NEUTRAL = Polarity.NEUTRAL
GE, LE, EQ = TargetOperator.GE, TargetOperator.LE, TargetOperator.EQ
NAN = float("nan")
MINUS = "\u2212"

# --------------------------------------------------------------------------------------------------
# round_half_away
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        pytest.param(0.125, 2, 0.13, id="0.125-to-2dp-rounds-up-not-to-even"),
        pytest.param(2.5, 0, 3.0, id="2.5-to-0dp-is-3"),
        pytest.param(-2.5, 0, -3.0, id="minus-2.5-to-0dp-is-minus-3"),
        pytest.param(0.5, 0, 1.0, id="0.5-is-1-not-0"),
        pytest.param(-0.5, 0, -1.0, id="minus-0.5-is-minus-1"),
        pytest.param(3.5, 0, 4.0, id="3.5-is-4"),
        pytest.param(2.675, 2, 2.68, id="2.675-binary-below-half-still-up"),
        pytest.param(1.005, 2, 1.01, id="1.005-binary-below-half-still-up"),
        pytest.param(-0.125, 2, -0.13, id="minus-0.125-away-from-zero"),
        pytest.param(342.45, 1, 342.5, id="sn-median-342.45-to-342.5"),
        pytest.param(7.65, 1, 7.7, id="sn-median-7.65-to-7.7"),
        pytest.param(0.124, 2, 0.12, id="below-half-rounds-down"),
        pytest.param(86.0, 1, 86.0, id="already-rounded-unchanged"),
        pytest.param(1234.5, -1, 1230.0, id="negative-decimals-round-to-tens"),
        pytest.param(1235.0, -1, 1240.0, id="negative-decimals-half-up"),
        pytest.param(0.0, 2, 0.0, id="zero"),
        pytest.param(1e20, 2, 1e20, id="large-number-no-overflow"),
    ],
)
def test_round_half_away(x: float, decimals: int, expected: float) -> None:
    assert round_half_away(x, decimals) == expected


@pytest.mark.parametrize("x", [NAN, math.inf, -math.inf], ids=["nan", "inf", "minus-inf"])
def test_round_half_away_leaves_non_finite_alone(x: float) -> None:
    result = round_half_away(x, 1)
    assert (math.isnan(result) and math.isnan(x)) or result == x


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=0, max_value=4))
def test_round_half_away_matches_decimal_on_typed_figures(units: int, decimals: int) -> None:
    # A figure typed with one more decimal than shown: halves must always go away from zero.
    typed = Decimal(units).scaleb(-(decimals + 1))
    expected = float(typed.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    assert round_half_away(float(typed), decimals) == expected


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_round_half_away_is_symmetric(x: float) -> None:
    assert round_half_away(-x, 2) == -round_half_away(x, 2)


# --------------------------------------------------------------------------------------------------
# format_value and ordinal
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "unit", "decimals", "expected"),
    [
        pytest.param(12.5, Unit.PERCENT, 1, "12.5%", id="percent"),
        pytest.param(12.45, "percent", 1, "12.5%", id="percent-half-away-unit-as-text"),
        pytest.param(86, Unit.RATE_PER_10K, 1, "86.0 per 10,000", id="rate-per-10k-keeps-decimals"),
        pytest.param(0.51, Unit.RATE_PER_1000, 2, "0.51 per 1,000", id="rate-per-1000"),
        pytest.param(11050, Unit.COUNT, 0, "11,050", id="count-thousands-separator"),
        pytest.param(1234567.891, Unit.NUMBER, 2, "1,234,567.89", id="number-millions"),
        pytest.param(14.25, Unit.RATIO, 1, "14.3", id="ratio-half-away"),
        pytest.param(14, Unit.DAYS, 0, "14 days", id="days"),
        pytest.param(1, Unit.DAYS, 0, "1 day", id="one-day-singular"),
        pytest.param(1, Unit.DAYS, 1, "1.0 days", id="one-point-zero-days-plural"),
        pytest.param(-2.5, Unit.NUMBER, 0, f"{MINUS}3", id="negative-true-minus-sign"),
        pytest.param(-0.04, Unit.PERCENT, 1, "0.0%", id="rounds-to-zero-has-no-sign"),
        pytest.param(None, Unit.PERCENT, 1, MISSING, id="none-is-dash"),
        pytest.param(NAN, Unit.COUNT, 0, MISSING, id="nan-is-dash"),
        pytest.param(math.inf, Unit.COUNT, 0, MISSING, id="inf-is-dash"),
        pytest.param(0.0, Unit.COUNT, 0, "0", id="zero-is-a-value-not-missing"),
        pytest.param(3.14159, Unit.NUMBER, -1, "3", id="negative-decimals-clamped"),
    ],
)
def test_format_value(x: float | None, unit: Unit | str, decimals: int, expected: str) -> None:
    assert format_value(x, unit, decimals) == expected


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(min_value=-1e7, max_value=1e7, places=3).map(float),  # figures as typed
    ),
    st.integers(min_value=0, max_value=8),
)
def test_the_fast_path_for_typed_figures_formats_as_decimal_rounding_does(
    value: float, places: int
) -> None:
    from indicators.metrics import _fixed, _fixed_by_decimal

    assert _fixed(value, places) == _fixed_by_decimal(value, places)


def test_missing_is_an_en_dash() -> None:
    assert MISSING == "\u2013"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (152, "152nd"),
    ],
    ids=str,
)
def test_ordinal(n: int, expected: str) -> None:
    assert ordinal(n) == expected


# --------------------------------------------------------------------------------------------------
# RAG
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "target", "expected"),
    [
        pytest.param(Unit.PERCENT, 80.0, 5.0, id="percent-is-5-points"),
        pytest.param(Unit.PERCENT, None, 5.0, id="percent-needs-no-target"),
        pytest.param(Unit.RATE_PER_10K, 60.0, 6.0, id="rate-is-10pc-of-target"),
        pytest.param("days", 365.0, 36.5, id="days-unit-as-text"),
        pytest.param(Unit.NUMBER, -20.0, 2.0, id="negative-target-positive-band"),
        pytest.param(Unit.COUNT, None, None, id="no-target-no-fraction"),
    ],
)
def test_default_tolerance(unit: Unit | str, target: float | None, expected: float | None) -> None:
    assert default_tolerance(unit, target) == expected


def test_default_tolerance_uses_settings() -> None:
    assert default_tolerance(Unit.PERCENT, 80, settings_pct_points=2.5) == 2.5
    assert default_tolerance(Unit.COUNT, 200, settings_fraction=0.2) == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("value", "target", "operator", "polarity", "tolerance", "expected"),
    [
        pytest.param(85, 80, GE, HIGH, 5, Rag.GREEN, id="ge-above-target-green"),
        pytest.param(80, 80, GE, HIGH, 5, Rag.GREEN, id="ge-exactly-on-target-green"),
        pytest.param(77, 80, GE, HIGH, 5, Rag.AMBER, id="ge-within-tolerance-amber"),
        pytest.param(75, 80, GE, HIGH, 5, Rag.AMBER, id="ge-exactly-at-tolerance-amber"),
        pytest.param(74.9, 80, GE, HIGH, 5, Rag.RED, id="ge-beyond-tolerance-red"),
        pytest.param(300, 365, LE, LOW, 36.5, Rag.GREEN, id="le-below-target-green"),
        pytest.param(390, 365, LE, LOW, 36.5, Rag.AMBER, id="le-within-tolerance-amber"),
        pytest.param(402, 365, LE, LOW, 36.5, Rag.RED, id="le-beyond-tolerance-red"),
        pytest.param(0.1 + 0.2, 0.3, GE, HIGH, 0, Rag.GREEN, id="float-noise-still-met"),
        pytest.param(0.3, 0.1 + 0.2, LE, LOW, 0, Rag.GREEN, id="float-noise-still-met-le"),
        pytest.param(79.99, 80, GE, HIGH, 0, Rag.RED, id="zero-tolerance-no-amber"),
        pytest.param(79.99, 80, GE, HIGH, None, Rag.RED, id="no-tolerance-no-amber"),
        pytest.param(79, 80, GE, HIGH, -3, Rag.RED, id="negative-tolerance-no-amber"),
        pytest.param(50, 50, EQ, NEUTRAL, 5, Rag.GREEN, id="eq-on-target-green"),
        pytest.param(54, 50, EQ, NEUTRAL, 5, Rag.AMBER, id="eq-above-within-amber"),
        pytest.param(46, 50, EQ, NEUTRAL, 5, Rag.AMBER, id="eq-below-within-amber"),
        pytest.param(56, 50, EQ, NEUTRAL, 5, Rag.RED, id="eq-above-beyond-red"),
        pytest.param(44, 50, EQ, NEUTRAL, 5, Rag.RED, id="eq-below-beyond-red"),
        pytest.param(85, 80, None, HIGH, 5, Rag.GREEN, id="no-operator-higher-means-ge"),
        pytest.param(85, 80, None, LOW, 5, Rag.AMBER, id="no-operator-lower-means-le"),
        pytest.param(85, 80, "", "neutral", 4, Rag.RED, id="no-operator-neutral-means-eq"),
        pytest.param(85, 80, ">=", "lower_is_better", 0, Rag.GREEN, id="explicit-operator-wins"),
        pytest.param(None, 80, GE, HIGH, 5, Rag.GREY, id="no-value-grey"),
        pytest.param(NAN, 80, GE, HIGH, 5, Rag.GREY, id="nan-value-grey"),
        pytest.param(85, None, GE, HIGH, 5, Rag.GREY, id="no-target-grey"),
        pytest.param(0, 0, LE, LOW, 0, Rag.GREEN, id="zero-value-zero-target-green"),
    ],
)
def test_rag(
    value: float | None,
    target: float | None,
    operator: TargetOperator | str | None,
    polarity: Polarity | str,
    tolerance: float | None,
    expected: Rag,
) -> None:
    assert rag(value, target, operator, polarity, tolerance) is expected


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=-1e6, max_value=1e6),
    st.floats(min_value=0, max_value=1e3),
    st.floats(min_value=0, max_value=1e3),
)
def test_rag_never_gets_worse_as_value_improves(
    value: float, target: float, tolerance: float, step: float
) -> None:
    order = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}
    for op, better in ((GE, value + step), (LE, value - step)):
        assert (
            order[rag(better, target, op, HIGH, tolerance)]
            <= order[rag(value, target, op, HIGH, tolerance)]
        )


@pytest.mark.parametrize(
    ("value", "target", "operator", "expected"),
    [
        pytest.param(85, 80, GE, 5, id="ge-better-positive"),
        pytest.param(75, 80, GE, -5, id="ge-worse-negative"),
        pytest.param(300, 365, LE, 65, id="le-better-positive"),
        pytest.param(400, 365, "<=", -35, id="le-worse-negative"),
        pytest.param(53, 50, EQ, -3, id="eq-above-is-distance-missed"),
        pytest.param(47, 50, EQ, -3, id="eq-below-is-distance-missed"),
        pytest.param(50, 50, EQ, 0, id="eq-on-target-zero"),
        pytest.param(None, 50, GE, None, id="no-value"),
        pytest.param(50, None, GE, None, id="no-target"),
    ],
)
def test_gap_to_target(
    value: float | None,
    target: float | None,
    operator: TargetOperator | str,
    expected: float | None,
) -> None:
    assert gap_to_target(value, target, operator) == expected


TRAJECTORY = [
    (dt.date(2020, 9, 1), 70.0),
    (dt.date(2020, 12, 1), 75.0),
    (dt.date(2021, 3, 1), 80.0),
]


@pytest.mark.parametrize(
    ("period", "trajectory", "final", "expected"),
    [
        pytest.param(dt.date(2020, 7, 1), TRAJECTORY, 85.0, 85.0, id="before-trajectory-final"),
        pytest.param(dt.date(2020, 9, 1), TRAJECTORY, 85.0, 70.0, id="first-step-month"),
        pytest.param(dt.date(2020, 11, 1), TRAJECTORY, 85.0, 70.0, id="between-steps-earlier"),
        pytest.param(dt.date(2020, 12, 1), TRAJECTORY, 85.0, 75.0, id="second-step-month"),
        pytest.param(dt.date(2020, 12, 31), TRAJECTORY, 85.0, 75.0, id="any-day-of-step-month"),
        pytest.param(dt.date(2022, 1, 1), TRAJECTORY, 85.0, 80.0, id="after-last-step"),
        pytest.param(dt.date(2020, 11, 1), TRAJECTORY[::-1], 85.0, 70.0, id="unsorted-steps"),
        pytest.param(dt.date(2020, 10, 1), [], 85.0, 85.0, id="no-trajectory-final"),
        pytest.param(dt.date(2020, 10, 1), [], None, None, id="no-target-at-all"),
        pytest.param(
            dt.date(2020, 10, 1),
            [(dt.date(2020, 9, 1), None)],
            85.0,
            85.0,
            id="step-without-value-ignored",
        ),
        pytest.param(
            dt.date(2020, 10, 1),
            [(dt.date(2020, 9, 1), 60.0), (dt.date(2020, 9, 15), 65.0)],
            85.0,
            65.0,
            id="two-steps-one-month-later-wins",
        ),
    ],
)
def test_target_for_period(
    period: dt.date,
    trajectory: list[tuple[dt.date, float | None]],
    final: float | None,
    expected: float | None,
) -> None:
    assert target_for_period(period, trajectory, final) == expected


# --------------------------------------------------------------------------------------------------
# Direction of travel
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "polarity", "expected"),
    [
        pytest.param(85, 80, HIGH, Direction("▲", "improving", "good"), id="higher-up-improving"),
        pytest.param(75, 80, HIGH, Direction("▼", "worsening", "bad"), id="higher-down-worsening"),
        pytest.param(75, 80, LOW, Direction("▼", "improving", "good"), id="lower-down-improving"),
        pytest.param(85, 80, LOW, Direction("▲", "worsening", "bad"), id="lower-up-worsening"),
        pytest.param(85, 80, NEUTRAL, Direction("▲", "up", "none"), id="neutral-up-not-judged"),
        pytest.param(75, 80, NEUTRAL, Direction("▼", "down", "none"), id="neutral-down-not-judged"),
        pytest.param(80, 80, HIGH, Direction("▶", "no change", "none"), id="equal-no-change"),
        pytest.param(80, 80, NEUTRAL, Direction("▶", "no change", "none"), id="neutral-equal"),
        pytest.param(
            80.00001, 80, HIGH, Direction("▲", "improving", "good"), id="tiny-change-still-shown"
        ),
        pytest.param(
            0.1 + 0.2,
            0.3,
            "lower_is_better",
            Direction("▲", "worsening", "bad"),
            id="full-precision",
        ),
        pytest.param(None, 80, HIGH, None, id="no-current"),
        pytest.param(80, None, HIGH, None, id="no-previous"),
        pytest.param(NAN, 80, HIGH, None, id="nan-current"),
    ],
)
def test_direction(
    current: float | None, previous: float | None, polarity: Polarity | str, expected: Direction
) -> None:
    assert direction(current, previous, polarity) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_direction_reverses_when_swapped(a: float, b: float) -> None:
    there, back = direction(a, b, HIGH), direction(b, a, HIGH)
    assert there is not None
    assert back is not None
    if a == b:
        assert there == back == Direction("▶", "no change", "none")
    else:
        assert {there.judgement, back.judgement} == {"good", "bad"}
        assert {there.arrow, back.arrow} == {"▲", "▼"}


# --------------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------------


def months(start: dt.date, n: int) -> list[dt.date]:
    index = start.year * 12 + start.month - 1
    return [dt.date((index + k) // 12, (index + k) % 12 + 1, 1) for k in range(n)]


JUL_2019 = dt.date(2019, 7, 1)
# Falling by exactly 0.8 a month from 96: reaches 80 twenty months after July 2019, in March 2021.
FALLING = [96 - 0.8 * k for k in range(12)]


def test_forecast_message_reads_as_designed() -> None:
    result = forecast_target_date(months(JUL_2019, 12), FALLING, 80, LE, dt.date(2021, 6, 1))
    assert result.status == "on_course"
    assert result.projected_month == dt.date(2021, 3, 1)
    assert result.slope_per_month == pytest.approx(-0.8)
    assert result.message == (
        "At the trend of the last 12 months (−0.8 a month) the target of 80 would be met by "
        "March 2021, before the target date of June 2021."
    )


@pytest.mark.parametrize(
    ("values", "target", "operator", "target_date", "status", "projected", "phrase"),
    [
        pytest.param(
            FALLING, 80, LE, dt.date(2021, 3, 1), "on_course", dt.date(2021, 3, 1),
            "the month of the target date", id="on-course-in-target-month",
        ),
        pytest.param(
            FALLING, 80, LE, dt.date(2020, 12, 1), "at_risk", dt.date(2021, 3, 1),
            "after the target date of December 2020", id="late-is-at-risk",
        ),
        pytest.param(
            FALLING, 80, LE, None, "on_course", dt.date(2021, 3, 1),
            "would be met by March 2021.", id="no-target-date-on-course",
        ),
        pytest.param(
            FALLING, 100, GE, dt.date(2021, 6, 1), "at_risk", None,
            "moving away from the target of 100, so the target date of June 2021 is at risk",
            id="moving-away-with-date-at-risk",
        ),
        pytest.param(
            FALLING, 100, GE, None, "not_on_course", None,
            "moving away from the target of 100.", id="moving-away-no-date-not-on-course",
        ),
        pytest.param(
            [90.0] * 12, 80, LE, None, "not_on_course", None,
            "(flat) the measure is not moving towards", id="flat-not-on-course",
        ),
        pytest.param(
            FALLING, 85, GE, None, "met", None,
            "The latest value (87.2) meets the target of 85", id="ge-latest-meets-target",
        ),
        pytest.param(
            FALLING, 87.2, LE, None, "met", None,
            "meets the target of 87.2", id="le-exactly-on-target-met",
        ),
        pytest.param(
            FALLING, 80, EQ, None, "on_course", dt.date(2021, 3, 1),
            "would be met by March 2021", id="eq-target-below-falling-series",
        ),
        pytest.param(
            FALLING, 100, EQ, None, "not_on_course", None,
            "moving away from the target of 100", id="eq-target-above-falling-series",
        ),
        pytest.param(
            [96 - 1e-7 * k for k in range(12)], 80, LE, None, "not_on_course", None,
            "would not be met within 100 years", id="beyond-horizon-not-on-course",
        ),
        pytest.param(
            FALLING, None, LE, None, "no_target", None,
            "No target is set", id="no-target",
        ),
        pytest.param(
            FALLING[:5], 80, LE, None, "insufficient_data", None,
            "5 monthly values, at least 6", id="five-points-insufficient",
        ),
        pytest.param(
            FALLING[:6], 80, LE, None, "on_course", dt.date(2021, 3, 1),
            "the last 6 months", id="six-points-enough",
        ),
        pytest.param(
            [*FALLING[:6], None, NAN, None, NAN, None, NAN], 80, LE, None, "on_course",
            dt.date(2021, 3, 1), "the last 6 months", id="missing-values-skipped-not-zero",
        ),
        pytest.param(
            [None, None, None, None, None, NAN, None, None, *FALLING[8:]], 80, LE, None,
            "insufficient_data", None, "4 monthly values", id="only-four-real-values",
        ),
    ],
)  # fmt: skip
def test_forecast(
    values: list[float | None],
    target: float | None,
    operator: TargetOperator,
    target_date: dt.date | None,
    status: str,
    projected: dt.date | None,
    phrase: str,
) -> None:
    result = forecast_target_date(
        months(JUL_2019, len(values)), values, target, operator, target_date
    )
    assert result.status == status
    assert result.projected_month == projected
    assert phrase in result.message


def test_forecast_uses_only_the_window() -> None:
    # A long flat history followed by 6 falling months: the window sees only the fall.
    values = [96.0] * 24 + [96 - 0.8 * k for k in range(1, 7)]
    result = forecast_target_date(months(JUL_2019, 30), values, 80, LE, None, window=6)
    assert result.status == "on_course"
    assert result.slope_per_month == pytest.approx(-0.8)
    assert "the last 6 months" in result.message


def test_forecast_with_gaps_names_the_months_used() -> None:
    values: list[float | None] = list(FALLING)
    values[3] = None
    values[5] = NAN
    result = forecast_target_date(months(JUL_2019, 12), values, 80, LE, None)
    assert result.projected_month == dt.date(2021, 3, 1)
    assert "the 10 monthly values from July 2019 to June 2020 (−0.8 a month)" in result.message


def test_forecast_orders_unsorted_input() -> None:
    periods = months(JUL_2019, 12)
    result = forecast_target_date(periods[::-1], FALLING[::-1], 80, LE, None)
    assert result.projected_month == dt.date(2021, 3, 1)


def test_forecast_slope_shown_even_when_tiny() -> None:
    values = [50 + 0.004 * k for k in range(12)]
    result = forecast_target_date(months(JUL_2019, 12), values, 51, GE, None)
    assert "(+0.004 a month)" in result.message


def test_forecast_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        forecast_target_date(months(JUL_2019, 3), [1.0, 2.0], 80, LE, None)


def test_metrics_imports_neither_dash_nor_duckdb() -> None:
    import subprocess
    import sys

    code = "import sys, indicators.metrics; print(sorted({'dash', 'duckdb'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
