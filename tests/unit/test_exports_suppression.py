"""Small-number suppression for publication (loaders/exports/suppression.py), table-driven."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from loaders.exports.suppression import (
    SUPPRESSED,
    Suppression,
    figure_row,
    mask_text,
    suppress_pairs,
    suppress_points,
    suppress_row,
)

FIVE = Suppression()
FIVE_ROUNDED = Suppression(round_to=5)


@pytest.mark.parametrize(
    ("policy", "value", "shown"),
    [
        (FIVE, 0, 0.0),
        (FIVE, 0.0, 0.0),
        (FIVE, 1, SUPPRESSED),
        (FIVE, 3, SUPPRESSED),
        (FIVE, 5, SUPPRESSED),
        (FIVE, 5.4, SUPPRESSED),  # shows as 5
        (FIVE, 0.3, SUPPRESSED),  # rounds to 0 but is not 0
        (FIVE, 6, 6.0),
        (FIVE, 509, 509.0),
        (FIVE, -3, SUPPRESSED),  # a gap of 3 is as telling as a count of 3
        (FIVE, None, None),
        (FIVE, math.nan, None),
        (FIVE, SUPPRESSED, SUPPRESSED),
        (FIVE_ROUNDED, 6, SUPPRESSED),  # rounds to 5: inside 1..5, so still c
        (FIVE_ROUNDED, 7, SUPPRESSED),
        (FIVE_ROUNDED, 8, 10.0),
        (FIVE_ROUNDED, 12, 10.0),
        (FIVE_ROUNDED, 12.5, 15.0),  # half away from zero
        (FIVE_ROUNDED, 509, 510.0),
        (FIVE_ROUNDED, 0, 0.0),
        (Suppression(threshold=10), 10, SUPPRESSED),
        (Suppression(threshold=10), 11, 11.0),
        (Suppression(threshold=0), 1, 1.0),
    ],
)
def test_value(policy: Suppression, value: Any, shown: Any) -> None:
    assert policy.value(value) == shown


def test_no_shown_count_is_ever_in_one_to_threshold() -> None:
    for policy in (FIVE, FIVE_ROUNDED, Suppression(threshold=3, round_to=10)):
        for tenth in range(0, 2000):
            shown = policy.value(tenth / 10)
            if not isinstance(shown, str) and shown is not None:
                assert shown == 0 or shown > policy.threshold + 0.5 - 1e-9, (policy, tenth)


@pytest.mark.parametrize("bad", [{"threshold": -1}, {"round_to": -5}])
def test_policy_rejects_nonsense(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Suppression(**bad)


def test_note_names_the_method() -> None:
    assert "1 to 5" in FIVE.note() and "nearest" not in FIVE.note()
    assert "nearest 5" in FIVE_ROUNDED.note()
    assert "SPC" in FIVE.note()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "The latest value (2) meets the target of 3.",
            "The latest value (c) meets the target of c.",
        ),
        ("6 adoptions, 31 children", "6 adoptions, 31 children"),
        ("up 4% on 2020-21", "up 4% on 2020-21"),  # a percentage and a year are not counts
        ("rate 2.5 per 10,000", "rate 2.5 per 10,000"),  # a decimal is not a count
        ("Q1 and Q2", "Q1 and Q2"),
        ("5 days", "c days"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_text(text: str | None, masked: str | None) -> None:
    assert mask_text(text, FIVE) == masked


def count_row(**changes: Any) -> dict[str, Any]:
    row = {
        "indicator_id": "adoptions",
        "name": "Number of adoptions",
        "unit": "count",
        "decimals": 0,
        "breakdown": "All",
        "baseline_value": 3.0,
        "latest_value": 2.0,
        "previous_value": 12.0,
        "target": 3.0,
        "final_target": 3.0,
        "gap": -1.0,
        "tolerance": 0.3,
        "rag": "red",
        "sparkline": [["2021-05-01", 12.0], ["2021-06-01", 2.0], ["2021-07-01", 0.0]],
        "quoted_comparators": [
            {
                "comparator": "statistical_neighbours",
                "period_label": "2019-20",
                "period_end": "2020-03-31",
                "value": 4.0,
                "symbol": None,
            }
        ],
        "published": {
            "la_value": 2.0,
            "sn_value": 4.4,
            "region_value": 310.0,
            "england_value": 2900.0,
            "change": -1.0,
        },
        "forecast": {"status": "at_risk", "message": "The latest value (2) misses 3."},
        "commentary": {
            "period": "2021-06-01",
            "text": "Only 2 adoptions: 4 matched.",
            "author": "x",
        },
    }
    row.update(changes)
    return row


def test_suppress_row_hides_every_small_count() -> None:
    row = suppress_row(count_row(), FIVE)
    assert row["publication"] is True and row["suppressed"] is True
    assert [row[k] for k in ("baseline_value", "latest_value", "target", "gap")] == [SUPPRESSED] * 4
    assert row["previous_value"] == 12.0
    assert [v for _, v in row["sparkline"]] == [12.0, SUPPRESSED, 0.0]
    assert row["quoted_comparators"][0]["value"] == SUPPRESSED
    assert row["quoted_comparators"][0]["symbol"] == SUPPRESSED
    assert row["published"]["sn_value"] == SUPPRESSED
    assert row["published"]["england_value"] == 2900.0
    assert row["forecast"]["message"] == "The latest value (c) misses c."
    assert row["commentary"]["text"] == "Only c adoptions: c matched."


def test_suppress_row_leaves_other_units_alone_and_does_not_mutate() -> None:
    original = count_row(unit="percent")
    row = suppress_row(original, FIVE)
    assert row["latest_value"] == 2.0 and row["suppressed"] is False
    assert original == count_row(unit="percent")
    counted = count_row()
    suppress_row(counted, FIVE)
    assert counted == count_row(), "the input row is not changed"


def test_figure_row_turns_c_into_none() -> None:
    row = figure_row(suppress_row(count_row(), FIVE))
    assert row["latest_value"] is None and row["target"] is None
    assert row["sparkline"][1][1] is None
    assert row["quoted_comparators"][0]["value"] is None
    assert row["published"]["sn_value"] is None


def test_points_hide_small_counts_and_the_spc_lines_that_would_reveal_them() -> None:
    points = [
        {
            "date": "2021-05-01",
            "value": 12.0,
            "mean": 7.0,
            "lpl": 0.0,
            "upl": 20.0,
            "point_type": "common_cause",
        },
        {
            "date": "2021-06-01",
            "value": 2.0,
            "mean": 7.0,
            "lpl": 0.0,
            "upl": 20.0,
            "point_type": "special_cause_concern",
        },
    ]
    shown, hidden = suppress_points(points, "count", FIVE)
    assert hidden is True
    assert [p["value"] for p in shown] == [12.0, None]
    assert shown[1]["point_type"] is None and shown[1]["suppressed"] is True
    assert all(p[k] is None for p in shown for k in ("mean", "lpl", "upl"))
    untouched, hidden = suppress_points(points, "percent", FIVE)
    assert hidden is False and untouched == points


def test_points_without_small_values_keep_their_limits_but_not_small_ones() -> None:
    points = [
        {
            "date": "2021-05-01",
            "value": 12.0,
            "mean": 9.0,
            "lpl": 3.0,
            "upl": 15.0,
            "point_type": "common_cause",
        }
    ]
    shown, hidden = suppress_points(points, "count", FIVE)
    assert hidden is False
    assert (shown[0]["mean"], shown[0]["lpl"], shown[0]["upl"]) == (9.0, None, 15.0)


def test_trajectory_steps_that_would_be_suppressed_are_dropped() -> None:
    pairs = [("2021-01-01", 3.0), ("2021-04-01", 8.0)]
    assert suppress_pairs(pairs, "count", FIVE) == [("2021-04-01", 8.0)]
    assert suppress_pairs(pairs, "rate_per_10k", FIVE) == pairs


SMALL = re.compile(r"(?<![\w.,\-/])[1-5](?![\w%]|[.,/\-]\d)")


def test_the_regex_the_integration_tests_use_agrees_with_mask_text() -> None:
    for text in ("3 adoptions", "(2)", "2020-21", "4%", "2.5", "10 of 10"):
        assert bool(SMALL.search(text)) == (mask_text(text, FIVE) != text), text
