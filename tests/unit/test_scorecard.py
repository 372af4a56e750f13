"""The precomputed scorecard row: the four answers from plain frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from indicators.scorecard import (
    Inputs,
    build_scorecard,
    decode_measure_page,
    encode_measure_page,
    exception_score,
)

MONTHS = [dt.date(2019 + (m // 12), m % 12 + 1, 1) for m in range(24)]


def indicator(**overrides: Any) -> dict[str, Any]:
    base = {
        "indicator_id": "ind",
        "name": "Measure",
        "service_area": "Area",
        "unit": "percent",
        "polarity": "higher_is_better",
        "decimals": 1,
        "frequency": "monthly",
        "baseline_value": 60.0,
        "baseline_period": None,
        "target_value": 80.0,
        "target_operator": ">=",
        "target_date": dt.date(2021, 3, 1),
        "tolerance": None,
        "outcome": "Better",
        "lead": "Lead",
        "local_indicator": True,
        "benchmark_measure": None,
    }
    base.update(overrides)
    return base


def inputs(
    values: list[float],
    *,
    breakdowns: tuple[str, ...] = ("All",),
    targets: tuple[tuple[dt.date, float], ...] = (),
    **ind: Any,
) -> Inputs:
    actuals = pd.DataFrame(
        [
            {
                "indicator_id": "ind",
                "period": pd.Timestamp(m),
                "breakdown": b,
                "value": v,
                "status": "validated",
            }
            for b in breakdowns
            for m, v in zip(MONTHS, values, strict=False)
        ],
        columns=["indicator_id", "period", "breakdown", "value", "status"],
    )
    return Inputs(
        indicators=pd.DataFrame([indicator(**ind)]),
        actuals=actuals,
        targets=pd.DataFrame(
            [
                {"indicator_id": "ind", "period": pd.Timestamp(p), "target_value": t}
                for p, t in targets
            ],
            columns=["indicator_id", "period", "target_value"],
        ),
        comparators=pd.DataFrame(
            columns=[
                "indicator_id",
                "comparator",
                "period_label",
                "period_end",
                "value",
                "symbol",
                "source",
            ]
        ),
        commentary=pd.DataFrame(
            columns=["indicator_id", "period", "breakdown", "commentary", "author", "written_at"]
        ),
    )


@pytest.mark.parametrize(("latest", "rag"), [(80.0, "green"), (76.0, "amber"), (70.0, "red")])
def test_rag_against_the_final_target_with_the_default_tolerance(latest: float, rag: str) -> None:
    (row,) = build_scorecard(inputs([70.0] * 23 + [latest]))
    assert row["rag"] == rag
    assert row["tolerance"] == 5.0


def test_gap_to_target_carries_no_floating_point_noise() -> None:
    (row,) = build_scorecard(inputs([70.0] * 23 + [70.1]))
    assert row["gap"] == -9.9


def test_trajectory_target_applies_to_the_latest_month() -> None:
    (row,) = build_scorecard(inputs([70.0] * 24, targets=[(MONTHS[-3], 69.0)]))
    assert row["target"] == 69.0 and row["rag"] == "green" and row["final_target"] == 80.0


def test_direction_and_spc_follow_polarity() -> None:
    rising = [50.0 + i for i in range(24)]
    (up,) = build_scorecard(inputs(rising))
    assert up["direction_last"]["word"] == "improving"
    assert up["variation_type"] == "special_cause_improvement"
    assert up["changing"] == "improvement"
    (down,) = build_scorecard(inputs(rising, polarity="lower_is_better", target_operator="<="))
    assert down["direction_last"]["word"] == "worsening"
    assert down["changing"] == "concern"
    (neutral,) = build_scorecard(inputs(rising, polarity="neutral", target_operator="="))
    assert neutral["direction_last"]["word"] == "up"
    assert neutral["direction_last"]["judgement"] == "none"


def test_each_breakdown_gets_its_own_row_all_first() -> None:
    data = inputs([70.0] * 24, breakdowns=("Team B", "All", "Team A"))
    rows = [build_scorecard(data, breakdown=b)[0] for b in ("All", "Team A", "Team B")]
    assert [r["breakdown"] for r in rows] == ["All", "Team A", "Team B"]
    assert build_scorecard(data, breakdown="No such team") == []
    (headline,) = build_scorecard(data)
    assert headline["breakdown"] == "All"
    assert headline["breakdowns"] == ["All", "Team A", "Team B"]


def test_the_measure_page_kept_at_publish_is_the_chart_the_page_would_draw() -> None:
    from indicators import figures

    values = [70.0 + (i % 5) for i in range(23)] + [90.0]
    data = inputs(values, targets=((MONTHS[-3], 75.0), (MONTHS[-1], 78.0)))
    pages: dict[str, dict[str, Any]] = {}
    (row,) = build_scorecard(data, pages=pages)
    page = decode_measure_page(encode_measure_page(pages["ind"]))
    assert page["points"] == figures.spc_points(data.actuals, row)
    assert page["points"][-1]["point_type"] == "special_cause_improvement"
    assert page["trajectory"] == [["2020-10-01", 75.0], ["2020-12-01", 78.0]]
    assert page["defined_in"] == {"sheet": None, "row": None, "load": None}
    assert build_scorecard(data) == [row]  # the rows are the same whether or not pages are kept


def test_a_measure_page_without_a_final_target_has_no_trajectory() -> None:
    data = inputs(
        [70.0] * 24,
        targets=((MONTHS[-1], 78.0),),
        target_value=None,
        source_sheet="Indicators",
        source_row=7,
        valid_from_load=3,
    )
    pages: dict[str, dict[str, Any]] = {}
    build_scorecard(data, pages=pages)
    assert pages["ind"]["trajectory"] == []
    assert pages["ind"]["defined_in"] == {"sheet": "Indicators", "row": 7, "load": 3}


def test_a_count_broken_down_keeps_no_target_trajectory_for_a_part() -> None:
    data = inputs(
        [7.0] * 24,
        breakdowns=("All", "Team A"),
        unit="count",
        decimals=0,
        targets=((MONTHS[-1], 6.0),),
        polarity="lower_is_better",
        target_operator="<=",
        target_value=5.0,
    )
    whole: dict[str, dict[str, Any]] = {}
    part: dict[str, dict[str, Any]] = {}
    build_scorecard(data, pages=whole)
    build_scorecard(data, breakdown="Team A", pages=part)
    assert whole["ind"]["trajectory"] == [["2020-12-01", 6.0]]
    assert part["ind"]["trajectory"] == []
    points = decode_measure_page(encode_measure_page(part["ind"]))["points"]
    assert len(points) == 24 and all(p["mean"] is not None for p in points)


def test_a_stored_page_keeps_a_missing_month_as_none_and_no_chart_as_no_points() -> None:
    import numpy as np

    from indicators import figures

    values = [70.0] * 10 + [np.nan] + [71.0] * 13
    data = inputs(values)
    pages: dict[str, dict[str, Any]] = {}
    (row,) = build_scorecard(data, pages=pages)
    points = decode_measure_page(encode_measure_page(pages["ind"]))["points"]
    assert points[10]["value"] is None and points[10]["date"] == MONTHS[10].isoformat()
    assert points == figures.spc_points(data.actuals, row)
    build_scorecard(inputs([]), pages=pages)
    assert decode_measure_page(encode_measure_page(pages["ind"]))["points"] == []
    timed = {"chart": {"date": [pd.Timestamp("2021-05-01 09:30")]}, "trajectory": []}
    assert b'"2021-05-01"' in encode_measure_page(timed)
    with pytest.raises(TypeError):
        encode_measure_page({"chart": {"date": [object()]}})


def test_a_measure_with_no_actuals_is_grey_not_missing() -> None:
    data = inputs([])
    (row,) = build_scorecard(data)
    assert row["rag"] == "grey" and row["latest_value"] is None and row["n_points"] == 0


def test_local_measure_compare_group() -> None:
    (row,) = build_scorecard(inputs([70.0] * 24))
    assert row["compare_group"] == "local" and row["quartile"] is None


def test_exception_score_orders_red_concern_failing_first() -> None:
    assert (
        exception_score("red", "special_cause_concern", "consistent_fail")
        > exception_score("red", "common_cause", None)
        > exception_score("amber", "special_cause_concern", None)
    )
    assert exception_score("green", "common_cause", "consistent_pass") == 0
