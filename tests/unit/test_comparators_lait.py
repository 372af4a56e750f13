"""Published comparators computed the way DfE's LAIT computes them (DESIGN section 5).

Small synthetic tables pin each rule down (ties, boundaries, suppression, London); the real
published data in data/demo/ then checks the whole country against independent computations and
against the README's verification table for Southampton.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.domain import Polarity
from indicators.metrics import (
    Comparison,
    Direction,
    Geography,
    PeriodRef,
    PreparedBenchmarks,
    band_for,
    change_since_previous,
    compare,
    compare_all_councils,
    england_value,
    latest_period,
    national_rank,
    ordinal,
    prepare_benchmarks,
    prepare_geography,
    quartile_band,
    quartile_boundaries,
    rank_for,
    region_value,
    round_half_away,
    sn_average,
)

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
HIGH = Polarity.HIGHER_IS_BETTER
LOW = Polarity.LOWER_IS_BETTER
NEUTRAL = Polarity.NEUTRAL

BENCH_COLUMNS = [
    "measure_code", "measure_name", "unit", "polarity", "decimals", "period_label", "period_end",
    "geography_level", "geography_code", "geography_name", "value", "value_symbol",
]  # fmt: skip
SYMBOLS = {"-", "c", "x", "z", "k", "u", "low"}

# A cell is a value text ("12.5", "" for blank), a symbol ("-", "c") or (value, symbol).
Cell = str | tuple[str, str]


def cell(text: Cell) -> tuple[str, str]:
    if isinstance(text, tuple):
        return text
    return ("", text) if text in SYMBOLS else (text, "")


def make_bench(
    las: dict[str, dict[str, Cell]],
    *,
    periods: dict[str, str] | None = None,
    areas: dict[tuple[str, str], dict[str, Cell]] | None = None,
    code: str = "M1",
    polarity: Polarity = LOW,
) -> pd.DataFrame:
    """A benchmark table in the published_benchmarks.csv layout, all text as read from the CSV."""
    ends = periods or {"2024": "2024-03-31", "2025": "2025-03-31"}
    rows: list[list[str]] = []

    def add(level: str, geo_code: str, name: str, values: dict[str, Cell]) -> None:
        for label, end in ends.items():
            value, symbol = cell(values.get(label, "-"))
            rows.append([
                code, f"Measure {code}", "percent", polarity.value, "1", label, end, level,
                geo_code, name, value, symbol,
            ])  # fmt: skip

    for la, values in las.items():
        add("local_authority", la, f"LA {la}", values)
    for (level, name), values in (areas or {}).items():
        add(level, f"{level}-{name}", name, values)
    return pd.DataFrame(rows, columns=BENCH_COLUMNS)


def make_groups(groups: dict[str, list[str]], region: str = "South East") -> pd.DataFrame:
    rows = [
        [la, f"LA {la}", region, str(rank), neighbour, f"LA {neighbour}", "close"]
        for la, neighbours in groups.items()
        for rank, neighbour in enumerate(neighbours, start=1)
    ]
    columns = [
        "la_code_old", "la_name", "region_name", "sn_rank", "sn_la_code_old", "sn_la_name",
        "closeness",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def london(rows: dict[str, str]) -> pd.DataFrame:
    codes = {"Inner London": "E13000001", "Outer London": "E13000002"}
    return pd.DataFrame(
        [[la, f"LA {la}", codes[sub], sub] for la, sub in rows.items()],
        columns=["la_code_old", "la_name", "sub_region_code", "sub_region_name"],
    )


# --------------------------------------------------------------------------------------------------
# Latest period
# --------------------------------------------------------------------------------------------------


def test_latest_period_compares_period_ends_not_label_text() -> None:
    # As text "Q4 2024" sorts after "Q1 2025"; by the date the period ends it is earlier.
    periods = {"Q4 2024": "2024-12-31", "Q1 2025": "2025-03-31"}
    bench = make_bench({"100": {"Q4 2024": "1", "Q1 2025": "2"}}, periods=periods)
    assert latest_period(bench, "M1") == PeriodRef("Q1 2025", dt.date(2025, 3, 31))


def test_latest_period_needs_a_council_value_not_a_region_value() -> None:
    bench = make_bench(
        {"100": {"2024": "1", "2025": "-"}, "101": {"2024": "2", "2025": "c"}},
        areas={("england", "England"): {"2024": "5", "2025": "6"}},
    )
    assert latest_period(bench, "M1") == PeriodRef("2024", dt.date(2024, 3, 31))


def test_latest_period_any_one_council_is_enough() -> None:
    bench = make_bench({"100": {"2024": "1", "2025": "-"}, "101": {"2024": "2", "2025": "3"}})
    assert latest_period(bench, "M1") == PeriodRef("2025", dt.date(2025, 3, 31))


def test_latest_period_none_when_no_council_has_a_value() -> None:
    assert latest_period(make_bench({"100": {"2024": "-", "2025": "-"}}), "M1") is None


def test_unknown_measure_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        latest_period(make_bench({"100": {"2025": "1"}}), "NOPE")


# --------------------------------------------------------------------------------------------------
# Statistical neighbours
# --------------------------------------------------------------------------------------------------

NEIGHBOURS = [str(c) for c in range(901, 911)]
SN_GROUPS = make_groups({"900": NEIGHBOURS})
TEN = ["10", "20", "30", "40", "50", "60", "70", "200", "90", "100"]


def sn_bench(values: Sequence[Cell], own: Cell = "999") -> pd.DataFrame:
    las: dict[str, dict[str, Cell]] = {"900": {"2025": own}}
    las.update({code: {"2025": v} for code, v in zip(NEIGHBOURS, values, strict=True)})
    return make_bench(las)


@pytest.mark.parametrize(
    ("values", "statistic", "expected"),
    [
        pytest.param(TEN, "mean", (67.0, 10, 10), id="mean-of-all-ten"),
        pytest.param(TEN, "median", (55.0, 10, 10), id="median-of-all-ten"),
        pytest.param([*TEN[:8], "-", "c"], "mean", (60.0, 8, 10), id="mean-8-of-10-reporting"),
        pytest.param([*TEN[:8], "-", "c"], "median", (45.0, 8, 10), id="median-8-of-10"),
        pytest.param([*TEN[:9], ("0", "k")], "mean", (570 / 9, 9, 10), id="k-with-zero-is-missing"),
        pytest.param([*TEN[:9], ("", "low")], "mean", (570 / 9, 9, 10), id="low-is-missing"),
        pytest.param([*TEN[:9], ""], "mean", (570 / 9, 9, 10), id="blank-is-missing"),
        pytest.param([*TEN[:9], "0"], "mean", (57.0, 10, 10), id="published-zero-is-zero"),
        pytest.param(["-"] * 9 + ["42"], "mean", (42.0, 1, 10), id="one-reporting-no-minimum"),
        pytest.param(["-"] * 10, "mean", (None, 0, 10), id="none-reporting"),
        pytest.param(["-"] * 10, "median", (None, 0, 10), id="none-reporting-median"),
    ],
)
def test_sn_average(
    values: list[Cell], statistic: str, expected: tuple[float | None, int, int]
) -> None:
    value, n, of = sn_average(sn_bench(values), SN_GROUPS, "M1", "900", "2025", statistic)  # type: ignore[arg-type]
    assert (n, of) == expected[1:]
    if expected[0] is None:
        assert value is None
    else:
        assert value == pytest.approx(expected[0], rel=1e-12)


def test_sn_average_excludes_the_council_itself() -> None:
    groups = make_groups({"900": ["900", *NEIGHBOURS[:9]]})
    value, n, of = sn_average(sn_bench(TEN, own="1000"), groups, "M1", "900", "2025")
    assert (n, of) == (9, 9)  # the council's own 1000 would have pulled the mean far up
    assert value == pytest.approx(sum(map(float, TEN[:9])) / 9)


def test_sn_average_for_a_council_without_a_group() -> None:
    assert tuple(sn_average(sn_bench(TEN), SN_GROUPS, "M1", "123", "2025")) == (None, 0, 0)


def test_sn_average_accepts_prepared_inputs() -> None:
    bench = sn_bench(TEN)
    prepared = sn_average(
        prepare_benchmarks(bench), prepare_geography(SN_GROUPS), "M1", "900", "2025"
    )
    assert prepared == sn_average(bench, SN_GROUPS, "M1", "900", "2025")


def test_sn_average_rejects_an_unknown_statistic() -> None:
    with pytest.raises(ValueError, match="mode"):
        sn_average(sn_bench(TEN), SN_GROUPS, "M1", "900", "2025", "mode")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Region and England
# --------------------------------------------------------------------------------------------------

AREAS: dict[tuple[str, str], dict[str, Cell]] = {
    ("region", "South East"): {"2024": "30", "2025": "31"},
    ("region", "London"): {"2024": "40", "2025": "41"},
    ("sub_region", "Inner London"): {"2024": "50", "2025": "-"},
    ("sub_region", "Outer London"): {"2024": "60", "2025": "61"},
    ("england", "England"): {"2024": "20", "2025": "21"},
}
REGION_BENCH = make_bench(
    {c: {"2024": "1", "2025": "2"} for c in ("852", "202", "203", "999")}, areas=AREAS
)
REGION_GROUPS = pd.concat(
    [make_groups({"852": ["999"]}), make_groups({"202": ["999"], "203": ["999"]}, "London")]
)
SUB_REGIONS = london({"202": "Inner London", "203": "Outer London", "204": "Inner London"})


@pytest.mark.parametrize(
    ("la", "period", "expected"),
    [
        pytest.param("852", "2025", ("South East", 31.0), id="region-by-name"),
        pytest.param("203", "2025", ("Outer London", 61.0), id="london-uses-sub-region"),
        pytest.param("202", "2024", ("Inner London", 50.0), id="inner-london-with-value"),
        pytest.param("202", "2025", ("London", 41.0), id="sub-region-blank-falls-back-to-london"),
        pytest.param("204", "2024", ("Inner London", 50.0), id="sub-region-without-sn-group"),
        pytest.param("204", "2025", ("London", 41.0), id="no-sn-group-still-falls-back-to-london"),
        pytest.param("777", "2025", (None, None), id="unknown-council"),
    ],
)
def test_region_value(la: str, period: str, expected: tuple[str | None, float | None]) -> None:
    result = region_value(REGION_BENCH, REGION_GROUPS, SUB_REGIONS, "M1", la, period)
    assert tuple(result) == expected


def test_region_value_without_london_table_uses_london() -> None:
    result = region_value(REGION_BENCH, REGION_GROUPS, None, "M1", "203", "2025")
    assert tuple(result) == ("London", 41.0)


def test_region_value_when_london_also_blank() -> None:
    areas: dict[tuple[str, str], dict[str, Cell]] = {
        **AREAS,
        ("region", "London"): {"2024": "40", "2025": "-"},
    }
    bench = make_bench({"202": {"2025": "1"}}, areas=areas)
    result = region_value(bench, REGION_GROUPS, SUB_REGIONS, "M1", "202", "2025")
    assert tuple(result) == ("London", None)


@pytest.mark.parametrize(
    ("england", "expected"),
    [
        pytest.param({"2025": "21"}, 21.0, id="published"),
        pytest.param({"2025": "-"}, None, id="dash-is-missing-not-zero"),
        pytest.param({"2025": "0"}, 0.0, id="zero-is-zero"),
    ],
)
def test_england_value(england: dict[str, Cell], expected: float | None) -> None:
    bench = make_bench({"100": {"2025": "1"}}, areas={("england", "England"): england})
    assert england_value(bench, "M1", "2025") == expected


def test_england_value_absent_rows() -> None:
    assert england_value(make_bench({"100": {"2025": "1"}}), "M1", "2025") is None


# --------------------------------------------------------------------------------------------------
# National rank and quartile band
# --------------------------------------------------------------------------------------------------

# Two councils tie on 20; one is suppressed; one predecessor has only '-'.
RANK_VALUES: dict[str, Cell] = {"A": "10", "B": "20", "C": "20", "D": "30", "E": "-", "F": "40"}


def rank_bench(polarity: Polarity) -> pd.DataFrame:
    las: dict[str, dict[str, Cell]] = {k: {"2025": v} for k, v in RANK_VALUES.items()}
    las["OLD"] = {"2024": "99", "2025": "-"}
    return make_bench(las, polarity=polarity)


@pytest.mark.parametrize(
    ("polarity", "la", "expected"),
    [
        pytest.param(LOW, "A", (1, 5, "1st of 5"), id="lower-smallest-is-1st"),
        pytest.param(LOW, "B", (2, 5, "2nd of 5"), id="lower-tie-shares-best-rank"),
        pytest.param(LOW, "C", (2, 5, "2nd of 5"), id="lower-tie-shares-best-rank-too"),
        pytest.param(LOW, "D", (4, 5, "4th of 5"), id="lower-after-tie-skips-a-rank"),
        pytest.param(LOW, "F", (5, 5, "5th of 5"), id="lower-largest-is-last"),
        pytest.param(HIGH, "F", (1, 5, "1st of 5"), id="higher-largest-is-1st"),
        pytest.param(HIGH, "B", (3, 5, "3rd of 5"), id="higher-tie-shares-best-rank"),
        pytest.param(HIGH, "C", (3, 5, "3rd of 5"), id="higher-tie-shares-best-rank-too"),
        pytest.param(HIGH, "A", (5, 5, "5th of 5"), id="higher-smallest-is-last"),
        pytest.param(NEUTRAL, "F", (None, 5, "1st highest of 5"), id="neutral-position-only"),
        pytest.param(NEUTRAL, "B", (None, 5, "3rd highest of 5"), id="neutral-tie-position"),
        pytest.param(NEUTRAL, "A", (None, 5, "5th highest of 5"), id="neutral-lowest"),
        pytest.param(LOW, "E", (None, 5, None), id="suppressed-council-no-rank"),
        pytest.param(LOW, "OLD", (None, 5, None), id="predecessor-drops-out"),
        pytest.param(LOW, "ZZZ", (None, 5, None), id="unknown-council"),
    ],
)
def test_national_rank(
    polarity: Polarity, la: str, expected: tuple[int | None, int, str | None]
) -> None:
    assert tuple(national_rank(rank_bench(polarity), "M1", la, "2025")) == expected


def test_national_rank_polarity_override() -> None:
    result = national_rank(rank_bench(NEUTRAL), "M1", "F", "2025", polarity=LOW)
    assert tuple(result) == (5, 5, "5th of 5")


def test_national_rank_uses_unrounded_values() -> None:
    bench = make_bench({"A": {"2025": "20.04"}, "B": {"2025": "20.01"}}, polarity=LOW)
    assert national_rank(bench, "M1", "B", "2025").rank == 1
    assert national_rank(bench, "M1", "A", "2025").rank == 2


NINE = [str(v) for v in range(1, 10)]  # type-7 quartiles of 1..9 are exactly 3, 5 and 7


@pytest.mark.parametrize(
    ("value", "lower_band", "higher_band"),
    [
        pytest.param("1", "A", "D", id="minimum"),
        pytest.param("3", "A", "D", id="exactly-on-Q1-stays-in-bottom-quarter"),
        pytest.param("4", "B", "C", id="between-Q1-and-median"),
        pytest.param("5", "B", "C", id="exactly-on-median"),
        pytest.param("6", "C", "B", id="between-median-and-Q3"),
        pytest.param("7", "C", "B", id="exactly-on-Q3"),
        pytest.param("8", "D", "A", id="above-Q3"),
        pytest.param("9", "D", "A", id="maximum"),
    ],
)
def test_quartile_band_boundaries(value: str, lower_band: str, higher_band: str) -> None:
    la = f"L{value}"
    for polarity, expected in ((LOW, lower_band), (HIGH, higher_band)):
        bench = make_bench({f"L{v}": {"2025": v} for v in NINE}, polarity=polarity)
        assert quartile_band(bench, "M1", la, "2025") == expected
        assert band_for(float(value), quartile_boundaries([float(v) for v in NINE]), polarity) == (
            expected
        )


def test_quartile_boundaries_are_type_7() -> None:
    bounds = quartile_boundaries([4.0, 1.0, 3.0, 2.0, math.nan])
    assert bounds is not None
    assert bounds.tolist() == [1.0, 1.75, 2.5, 3.25, 4.0]
    assert quartile_boundaries([math.nan]) is None


@pytest.mark.parametrize(
    ("value", "polarity", "expected"),
    [
        pytest.param(1.75, LOW, "A", id="on-interpolated-Q1-lower"),
        pytest.param(1.76, LOW, "B", id="just-above-interpolated-Q1-lower"),
        pytest.param(2.5, HIGH, "C", id="on-interpolated-median-higher"),
        pytest.param(3.25, HIGH, "B", id="on-interpolated-Q3-higher"),
        pytest.param(3.3, HIGH, "A", id="above-interpolated-Q3-higher"),
        pytest.param(2.0, NEUTRAL, None, id="neutral-has-no-band"),
        pytest.param(None, LOW, None, id="no-value-no-band"),
    ],
)
def test_band_for_interpolated(value: float | None, polarity: Polarity, expected: str) -> None:
    assert band_for(value, quartile_boundaries([1.0, 2.0, 3.0, 4.0]), polarity) == expected


@pytest.mark.parametrize(
    ("polarity", "la", "expected"),
    [
        pytest.param(NEUTRAL, "A", None, id="neutral-no-band"),
        pytest.param(LOW, "E", None, id="suppressed-no-band"),
        pytest.param(LOW, "ZZZ", None, id="unknown-council-no-band"),
    ],
)
def test_quartile_band_missing(polarity: Polarity, la: str, expected: str | None) -> None:
    assert quartile_band(rank_bench(polarity), "M1", la, "2025") == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=40),
    st.sampled_from([LOW, HIGH]),
)
def test_rank_and_band_agree_with_pandas_and_each_other(
    values: list[int], polarity: Polarity
) -> None:
    floats = [v / 2 for v in values]  # halves make plenty of ties
    ranks = pd.Series(floats).rank(method="min", ascending=polarity is LOW).astype(int).tolist()
    bounds = quartile_boundaries(floats)
    assert bounds is not None
    assert np.allclose(bounds, np.quantile(floats, [0, 0.25, 0.5, 0.75, 1]))
    for v, expected_rank in zip(floats, ranks, strict=True):
        assert rank_for(v, floats, polarity) == expected_rank
    # A better rank never has a worse band.
    by_rank = sorted(zip(ranks, (band_for(v, bounds, polarity) for v in floats), strict=True))
    letters = [band for _, band in by_rank]
    assert letters == sorted(letters, key=lambda b: "ABCD".index(b or "D"))


# --------------------------------------------------------------------------------------------------
# Change since the previous period
# --------------------------------------------------------------------------------------------------

THREE_YEARS = {"2023": "2023-03-31", "2024": "2024-03-31", "2025": "2025-03-31"}
UP_GOOD = Direction("▲", "improving", "good")
DOWN_GOOD = Direction("▼", "improving", "good")
DOWN_BAD = Direction("▼", "worsening", "bad")
UP_NEUTRAL = Direction("▲", "up", "none")
SAME = Direction("▶", "no change", "none")


@pytest.mark.parametrize(
    ("values", "polarity", "period", "expected"),
    [
        pytest.param(
            {"2024": "50", "2025": "45"}, LOW, "2025", ("2024", -5.0, DOWN_GOOD),
            id="lower-falls-improving",
        ),
        pytest.param(
            {"2024": "50", "2025": "45"}, HIGH, "2025", ("2024", -5.0, DOWN_BAD),
            id="higher-falls-worsening",
        ),
        pytest.param(
            {"2024": "50", "2025": "55"}, NEUTRAL, "2025", ("2024", 5.0, UP_NEUTRAL),
            id="neutral-up-not-judged",
        ),
        pytest.param(
            {"2024": "50", "2025": "50"}, HIGH, "2025", ("2024", 0.0, SAME), id="no-change",
        ),
        pytest.param(
            {"2023": "40", "2024": "-", "2025": "50"}, HIGH, "2025", ("2024", None, None),
            id="previous-suppressed-no-change-not-two-years",
        ),
        pytest.param(
            {"2024": "50", "2025": "c"}, HIGH, "2025", ("2024", None, None),
            id="current-suppressed",
        ),
        pytest.param(
            {"2023": "40", "2024": "50"}, HIGH, "2024", ("2023", 10.0, UP_GOOD),
            id="earlier-period",
        ),
        pytest.param({"2023": "40"}, HIGH, "2023", (None, None, None), id="first-period"),
    ],
)  # fmt: skip
def test_change_since_previous(
    values: dict[str, Cell],
    polarity: Polarity,
    period: str,
    expected: tuple[str | None, float | None, Direction | None],
) -> None:
    bench = make_bench({"100": values}, periods=THREE_YEARS, polarity=polarity)
    assert tuple(change_since_previous(bench, "M1", "100", period)) == expected


# --------------------------------------------------------------------------------------------------
# compare(): everything at once
# --------------------------------------------------------------------------------------------------


def compare_bench(polarity: Polarity = LOW) -> pd.DataFrame:
    las: dict[str, dict[str, Cell]] = {
        "852": {"2024": "50", "2025": "40"},
        "901": {"2024": "10", "2025": "20"},
        "902": {"2024": "30", "2025": "-"},
        "903": {"2024": "60", "2025": "60"},
    }
    return make_bench(las, areas=AREAS, polarity=polarity)


CMP_GROUPS = make_groups({"852": ["901", "902", "903"]})


def test_compare_latest() -> None:
    result = compare(compare_bench(), CMP_GROUPS, SUB_REGIONS, "M1", "852")
    assert result == Comparison(
        measure_code="M1",
        la_code="852",
        period_label="2025",
        period_end=dt.date(2025, 3, 31),
        la_value=40.0,
        sn_value=40.0,
        sn_n=2,
        sn_of=3,
        sn_statistic="mean",
        region_name="South East",
        region_value=31.0,
        england_value=21.0,
        rank=2,
        rank_of=3,
        rank_text="2nd of 3",
        quartile="B",
        polarity=LOW,
        previous_period_label="2024",
        change=-10.0,
        change_direction=Direction("▼", "improving", "good"),
        unit="percent",
        decimals=1,
    )


def test_compare_neutral_has_position_not_rank_or_band() -> None:
    result = compare(compare_bench(NEUTRAL), CMP_GROUPS, SUB_REGIONS, "M1", "852")
    assert (result.rank, result.rank_of, result.rank_text) == (None, 3, "2nd highest of 3")
    assert result.quartile is None
    assert result.change_direction == Direction("▼", "down", "none")


def test_compare_explicit_period_and_median() -> None:
    result = compare(
        compare_bench(), CMP_GROUPS, SUB_REGIONS, "M1", "852", "2024", sn_statistic="median"
    )
    assert (result.period_label, result.la_value, result.sn_value, result.sn_n) == (
        "2024", 50.0, 30.0, 3,
    )  # fmt: skip
    assert result.previous_period_label is None
    assert result.change is None


def test_compare_unknown_period_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="2019"):
        compare(compare_bench(), CMP_GROUPS, SUB_REGIONS, "M1", "852", "2019")


def test_compare_without_any_data() -> None:
    bench = make_bench({"852": {"2024": "-", "2025": "-"}})
    result = compare(bench, CMP_GROUPS, SUB_REGIONS, "M1", "852")
    assert result.period_label is None
    assert result.la_value is None
    assert result.sn_of == 3
    assert result.rank is None


def test_compare_accepts_integer_like_codes() -> None:
    result = compare(compare_bench(), CMP_GROUPS, SUB_REGIONS, "M1", " 852 ")
    assert result.la_value == 40.0


# --------------------------------------------------------------------------------------------------
# The real published data
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    return pd.read_csv(DEMO / "published_benchmarks.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sn_groups() -> pd.DataFrame:
    return pd.read_csv(DEMO / "sn_groups.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sub_regions() -> pd.DataFrame:
    return pd.read_csv(DEMO / "london_sub_regions.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def prepared(
    bench: pd.DataFrame, sn_groups: pd.DataFrame, sub_regions: pd.DataFrame
) -> tuple[PreparedBenchmarks, Geography]:
    return prepare_benchmarks(bench), prepare_geography(sn_groups, sub_regions)


@pytest.fixture(scope="module")
def everyone(
    bench: pd.DataFrame, sn_groups: pd.DataFrame, sub_regions: pd.DataFrame
) -> pd.DataFrame:
    return compare_all_councils(bench, sn_groups, sub_regions)


# data/README.md, "Latest published values, with SN (2025 groups), South East and England",
# as printed there (1 dp; counts without decimals; "–" where nothing is published).
README_TABLE = """
LAC | 2025 | 90.0 | 72.8 | 80.0 | 10 | 55.0 | 67.0
LACnum | 2025 | 460 | 592.6 | 554.0 | 10 | 11,050 | 81,770
CPP_rate | 2025 | 57.3 | 42.5 | 41.5 | 10 | 37.7 | 40.6
CPP_Num | 2025 | 292 | 337.8 | 286.0 | 10 | 7,640 | 49,420
CIN | 2025 | 386.9 | 352.2 | 342.5 | 10 | 313.9 | 330.3
CPP_Total_Rateper10,000 | 2025 | 545.1 | 573.2 | 578.7 | 10 | 654.0 | 519.4
CPP_Total_NumRef | 2025 | 2,777 | 4,577.5 | 3,883.5 | 10 | 132,360 | 632,830
ReReferral | 2025 | 20.2 | 21.0 | 20.7 | 10 | 28.4 | 22.6
Section_47 | 2025 | 211.0 | 227.0 | 198.7 | 10 | 211.2 | 189.3
Continue_Assess_Comp | 2025 | 86.3 | 85.4 | 84.5 | 10 | 89.9 | 85.7
PrevRegCPR | 2025 | 31.1 | 23.8 | 24.2 | 10 | 26.3 | 24.5
CareLeaverAcc | 2025 | 80.0 | 88.2 | 88.0 | 10 | 83.0 | 89.0
CareLeaverEET | 2025 | 55.0 | 50.8 | 52.0 | 10 | 52.0 | 54.0
No_of LAC Adopted | 2025 | 26 | 26.5 | 23.0 | 8 | 400 | 3,040
Work_Force_TO_Rate | 2025 | 7.4 | 12.0 | 11.0 | 10 | 12.3 | 11.8
Work_Force_Agecy_Rate | 2025 | 8.0 | 9.4 | 7.7 | 10 | 13.4 | 13.0
Work_Force_Vac_Rate | 2025 | 3.8 | 11.6 | 7.7 | 10 | 15.1 | 14.2
Work_Force_AvgNumCase_SW | 2025 | 14.3 | 15.9 | 15.5 | 10 | 15.6 | 15.2
Work_Force_SWAbsence | 2025 | 2.3 | 3.7 | 3.8 | 10 | 2.9 | 3.5
SEN_EHC_Excpt_20wks | 2024 | 97.5 | 50.8 | 56.7 | 10 | 38.2 | 46.4
SEN_EHC_All_20wks | 2024 | 93.5 | 48.6 | 50.5 | 10 | 37.9 | 45.9
YJS_Caution-Sentence10-17_YO | 2024-25 | 30.7 | 28.9 | 30.8 | 10 | – | –
"""
README_ROWS = [[c.strip() for c in line.split("|")] for line in README_TABLE.strip().splitlines()]


def printed(text: str) -> float | None:
    return None if text == "–" else float(text.replace(",", ""))


def to_1dp(value: float | None) -> float | None:
    return None if value is None else round_half_away(value, 1)


@pytest.mark.parametrize("row", README_ROWS, ids=[row[0] for row in README_ROWS])
def test_southampton_matches_readme_table(
    row: list[str], bench: pd.DataFrame, sn_groups: pd.DataFrame, sub_regions: pd.DataFrame
) -> None:
    code, period, la, sn_mean, sn_median, n_sn, south_east, england = row
    mean = compare(bench, sn_groups, sub_regions, code, "852")
    median = compare(bench, sn_groups, sub_regions, code, "852", sn_statistic="median")
    assert mean.period_label == period
    assert to_1dp(mean.la_value) == printed(la)
    assert to_1dp(mean.sn_value) == printed(sn_mean)
    assert to_1dp(median.sn_value) == printed(sn_median)
    assert (mean.sn_n, mean.sn_of) == (int(n_sn), 10)
    assert mean.region_name == "South East"
    assert to_1dp(mean.region_value) == printed(south_east)
    assert to_1dp(mean.england_value) == printed(england)


def test_readme_table_covers_every_published_measure(bench: pd.DataFrame) -> None:
    assert sorted(row[0] for row in README_ROWS) == sorted(bench["measure_code"].unique())


def test_compare_all_councils_covers_every_council_and_measure(everyone: pd.DataFrame) -> None:
    assert len(everyone) == 153 * 22
    assert everyone["la_code"].nunique() == 153
    assert not everyone.duplicated(["la_code", "measure_code"]).any()
    assert (everyone["sn_of"] == 10).all()
    assert (everyone["sn_n"] <= everyone["sn_of"]).all()


def present(x: Any) -> Any:
    """A DataFrame cell with pandas' missing markers (NaN, <NA>) turned into None."""
    return None if pd.isna(x) else x


def la_values(bench: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """The published LA values of one period, read independently of the module."""
    rows = bench[
        (bench["measure_code"] == code)
        & (bench["period_label"] == period)
        & (bench["geography_level"] == "local_authority")
        & (bench["value_symbol"] == "")
        & (bench["value"] != "")
    ]
    return pd.DataFrame({"la_code": rows["geography_code"], "value": rows["value"].astype(float)})


def test_rank_and_band_match_an_independent_computation(
    bench: pd.DataFrame, everyone: pd.DataFrame
) -> None:
    checked = 0
    for code, rows in everyone.groupby("measure_code"):
        polarity = Polarity(rows["polarity"].iloc[0])
        published = la_values(bench, str(code), rows["period_label"].iloc[0])
        values = published["value"]
        q = np.quantile(values, [0.25, 0.5, 0.75])
        if polarity is NEUTRAL:
            position = values.rank(method="min", ascending=False).astype(int)
            expected_text = {
                la: f"{ordinal(p)} highest of {len(values)}"
                for la, p in zip(published["la_code"], position, strict=True)
            }
            expected_rank: dict[str, int] = {}
            expected_band: dict[str, str] = {}
        else:
            ranks = values.rank(method="min", ascending=polarity is LOW).astype(int)
            expected_rank = dict(zip(published["la_code"], ranks, strict=True))
            letters = "ABCD" if polarity is LOW else "DCBA"
            expected_band = {
                la: letters[sum(int(v > boundary) for boundary in q)]
                for la, v in zip(published["la_code"], values, strict=True)
            }
            expected_text = {}
        for record in rows.itertuples():
            la = str(record.la_code)
            assert record.rank_of == len(values)
            if polarity is NEUTRAL:
                assert present(record.rank) is None
                assert present(record.quartile) is None
                assert present(record.rank_text) == expected_text.get(la)
            else:
                assert present(record.rank) == expected_rank.get(la), (code, la)
                assert present(record.quartile) == expected_band.get(la), (code, la)
            checked += 1
    assert checked == 153 * 22


def test_ranking_includes_city_of_london_and_isles_of_scilly(bench: pd.DataFrame) -> None:
    # Referral counts are published for both of the tiny councils.
    published = la_values(bench, "CPP_Total_NumRef", "2025")
    assert {"201", "420"} <= set(published["la_code"])
    lowest_first = published.sort_values("value")["la_code"].tolist()
    assert lowest_first[:2] == ["420", "201"]  # Scilly has the fewest referrals, then the City
    n = len(published)
    for la, position in (("420", n), ("201", n - 1)):
        result = national_rank(bench, "CPP_Total_NumRef", la, "2025")
        assert (result.rank, result.of) == (None, n)  # neutral in LAIT: a position, not a rank
        assert result.text == f"{ordinal(position)} highest of {n}"


def test_predecessor_councils_drop_out(bench: pd.DataFrame) -> None:
    # Cumbria (909) ceased in 2023; it has rows, all '-', in 2025.
    assert national_rank(bench, "LAC", "909", "2025").rank is None
    assert national_rank(bench, "LAC", "909", "2025").text is None
    assert national_rank(bench, "LAC", "909", "2019").text is not None


def test_suppressed_values_are_never_zero(bench: pd.DataFrame, everyone: pd.DataFrame) -> None:
    dashed = bench[(bench["value_symbol"] != "") & (bench["geography_level"] == "local_authority")]
    latest = everyone.merge(
        dashed[["measure_code", "period_label", "geography_code"]],
        left_on=["measure_code", "period_label", "la_code"],
        right_on=["measure_code", "period_label", "geography_code"],
    )
    assert len(latest) > 0
    assert latest["la_value"].isna().all()
    assert latest["rank"].isna().all()
    assert latest["quartile"].isna().all()


@pytest.mark.parametrize(
    ("la", "code", "region"),
    [
        pytest.param("202", "LAC", "Inner London", id="camden-inner-london"),
        pytest.param("203", "LAC", "Outer London", id="greenwich-outer-london"),
        pytest.param("202", "SEN_EHC_All_20wks", "London", id="ehc-falls-back-to-london"),
        pytest.param("852", "LAC", "South East", id="southampton-south-east"),
    ],
)
def test_real_regions(
    la: str,
    code: str,
    region: str,
    bench: pd.DataFrame,
    sn_groups: pd.DataFrame,
    sub_regions: pd.DataFrame,
) -> None:
    result = compare(bench, sn_groups, sub_regions, code, la)
    assert result.region_name == region
    level = "sub_region" if region in {"Inner London", "Outer London"} else "region"
    published = bench[
        (bench["measure_code"] == code)
        & (bench["period_label"] == result.period_label)
        & (bench["geography_level"] == level)
        & (bench["geography_name"] == region)
    ]["value"]
    assert result.region_value == float(published.iloc[0])


def test_youth_justice_has_no_region_or_england(everyone: pd.DataFrame) -> None:
    yjs = everyone[everyone["measure_code"] == "YJS_Caution-Sentence10-17_YO"]
    assert yjs["region_value"].isna().all()
    assert yjs["england_value"].isna().all()
    assert yjs["previous_period_label"].isna().all()


@pytest.mark.parametrize("la", ["852", "202", "201", "420", "940", "943"])
def test_compare_all_councils_agrees_with_compare(
    la: str,
    bench: pd.DataFrame,
    sn_groups: pd.DataFrame,
    sub_regions: pd.DataFrame,
    everyone: pd.DataFrame,
    prepared: tuple[PreparedBenchmarks, Geography],
) -> None:
    for record in everyone[everyone["la_code"] == la].itertuples():
        one = compare(bench, sn_groups, sub_regions, str(record.measure_code), la)
        assert one == compare(*prepared, None, str(record.measure_code), la)
        for name in ("la_value", "sn_value", "region_value", "england_value", "change"):
            expected = getattr(one, name)
            got = getattr(record, name)
            assert (expected is None and math.isnan(got)) or expected == got, (name, record)
        assert present(record.rank) == one.rank
        assert present(record.rank_text) == one.rank_text
        moved = one.change_direction
        assert present(record.change_direction) == (None if moved is None else moved.word)


def test_change_matches_published_difference(bench: pd.DataFrame) -> None:
    # Southampton's children looked after rate: 97 per 10,000 in 2024, 90 in 2025 (neutral in LAIT).
    moved = change_since_previous(bench, "LAC", "852", "2025")
    assert moved.previous_period_label == "2024"
    assert moved.change == pytest.approx(-7.0)
    assert moved.direction == Direction("▼", "down", "none")
