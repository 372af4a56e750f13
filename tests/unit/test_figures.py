"""Figure dicts and their text alternatives: traces, target and baseline lines, comparator
labels with periods, SPC markers by meaning, and alt text naming the figures."""

from __future__ import annotations

from typing import Any

import pytest

from indicators import figures


def row(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "indicator_id": "lac_rate",
        "name": "Children looked after rate",
        "breakdown": "All",
        "unit": "rate_per_10k",
        "unit_label": "per 10,000",
        "polarity": "lower_is_better",
        "decimals": 1,
        "baseline_value": 100.0,
        "target": 82.4,
        "final_target": 82.4,
        "target_operator": "<=",
        "rag": "red",
        "rag_label": "Off target",
        "latest_value": 101.0,
        "latest_period": "2020-07-01",
        "first_period": "2018-04-01",
        "variation_label": "Special cause: concern (high)",
        "assurance_label": "Consistently failing target",
        "quoted_comparators": [],
        "published": None,
        "sparkline": [],
    }
    base.update(overrides)
    return base


POINTS = [
    {
        "date": "2020-05-01",
        "value": 99.0,
        "mean": 98.0,
        "lpl": 90.0,
        "upl": 106.0,
        "point_type": "common_cause",
    },
    {
        "date": "2020-06-01",
        "value": 100.0,
        "mean": 98.0,
        "lpl": 90.0,
        "upl": 106.0,
        "point_type": "common_cause",
    },
    {
        "date": "2020-07-01",
        "value": 110.0,
        "mean": 98.0,
        "lpl": 90.0,
        "upl": 106.0,
        "point_type": "special_cause_concern",
    },
]
PUBLISHED = {
    "measure_code": "LAC",
    "period_label": "2019",
    "period_end": "2019-03-31",
    "la_value": 98.0,
    "sn_value": 86.04,
    "sn_n": 10,
    "sn_of": 10,
    "sn_statistic": "mean",
    "region_name": "South East",
    "region_value": 53.0,
    "england_value": 65.0,
    "rank_text": "140th highest of 152",
    "quartile": None,
}


def names(fig: dict[str, Any]) -> list[str]:
    return [t["name"] for t in fig["data"]]


def test_trend_has_actuals_spc_lines_and_marks_special_causes_by_shape() -> None:
    fig = figures.trend_figure(row(), POINTS)
    assert names(fig)[:4] == ["Actual", "SPC mean", "Upper process limit", "Lower process limit"]
    concern = next(t for t in fig["data"] if t["name"] == "Special cause: concern")
    assert concern["x"] == ["2020-07-01"] and concern["marker"]["symbol"] == "diamond"
    assert concern["marker"]["color"] == figures.ORANGE


def test_target_and_baseline_are_labelled_lines() -> None:
    fig = figures.trend_figure(row(), POINTS)
    ys = sorted(shape["y0"] for shape in fig["layout"]["shapes"])
    assert ys == [82.4, 100.0]
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert "Target <= 82.4 per 10,000" in texts and "Baseline 100.0 per 10,000" in texts


def test_trajectory_is_a_step_line() -> None:
    fig = figures.trend_figure(row(), POINTS, trajectory=[("2020-08-01", 95.0)])
    traj = next(t for t in fig["data"] if t["name"] == "Target trajectory")
    assert traj["line"]["shape"] == "hv"


def test_published_comparators_carry_their_period_and_sit_at_the_right_edge() -> None:
    fig = figures.trend_figure(row(published={**PUBLISHED, "period_end": "2025-03-31"}), POINTS)
    sn = next(t for t in fig["data"] if t["name"].startswith("SN mean"))
    assert sn["name"] == "SN mean 86.0 per 10,000 (2019, 10 of 10)"
    assert sn["x"] == ["2020-07-01"]  # the 2025 period is beyond the data: pinned to the edge
    assert "South East 53.0 per 10,000 (2019)" in names(fig)


def test_quoted_comparators_are_used_without_published_ones() -> None:
    quoted = [
        {
            "comparator": "england",
            "period_label": "2018-19",
            "period_end": "2019-03-31",
            "value": 65.0,
            "symbol": None,
            "source": "plan",
        },
        {
            "comparator": "region",
            "period_label": "2018-19",
            "period_end": "2019-03-31",
            "value": None,
            "symbol": "c",
            "source": "plan",
        },
    ]
    labels = [p["label"] for p in figures.comparator_points(row(quoted_comparators=quoted))]
    assert labels == ["England 65.0 per 10,000 (2018-19)", "Region c (2018-19)"]


@pytest.mark.parametrize(
    ("unit", "tozero"), [("count", True), ("percent", False), ("rate_per_10k", False)]
)
def test_y_axis_starts_at_zero_only_for_counts(unit: str, tozero: bool) -> None:
    fig = figures.trend_figure(row(unit=unit), POINTS)
    assert (fig["layout"]["yaxis"].get("rangemode") == "tozero") is tozero


def test_commentary_markers_sit_on_their_month() -> None:
    notes = [{"period": "2020-06-01", "text": "Explained"}, {"period": "2019-01-01", "text": "x"}]
    fig = figures.trend_figure(row(), POINTS, commentary=notes)
    marks = next(t for t in fig["data"] if t["name"] == "Commentary")
    assert marks["x"] == ["2020-06-01"] and marks["y"] == [100.0]


def test_figures_are_plain_json_dicts() -> None:
    import json

    json.dumps(figures.trend_figure(row(published=PUBLISHED), POINTS))


def test_alt_text_names_latest_target_spc_and_comparators() -> None:
    text = figures.alt_text(row(published=PUBLISHED))
    assert text.startswith("Trend chart of Children looked after rate, Apr 2018 to Jul 2020.")
    assert "Latest Jul 2020: 101.0 per 10,000." in text
    assert "Target <= 82.4 per 10,000: off target." in text
    assert "SPC: Special cause: concern (high); Consistently failing target." in text
    assert "SN mean 86.0 per 10,000 (2019, 10 of 10)" in text


def test_alt_text_without_data_or_target_says_so() -> None:
    text = figures.alt_text(row(latest_value=None, target=None, final_target=None))
    assert "No figures yet." in text and "No target." in text


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], "▁▅█"),
        ([5, 5], "▁▁"),
        ([], ""),
        ([1, None, 3], "▁ █"),
    ],
)
def test_sparkline_text(values: list[float | None], expected: str) -> None:
    assert figures.sparkline_text(values) == expected
