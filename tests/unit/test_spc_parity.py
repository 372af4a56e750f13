"""Parity of indicators.spc.xmr with NHSRplotthedots 0.2.2 on the 62 public vectors.

The vectors were produced by running the R package (see /work/shared/spc/README.md, section 5);
this test reads the copy committed with the project, tests/data/spc/vectors_public.json. The
comparison is the README's (section 6): floats within 1e-9 relative to the series' scale, null
matching None/NaN/NA, booleans and strings exactly, and in the flag columns a package NA also
accepting false/0. A second, stricter test pins what the implementation actually achieves: limits
bit for bit and NA exactly where the package has NA.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from indicators.spc import COLUMNS, xmr

VECTOR_FILE = Path(__file__).resolve().parents[1] / "data" / "spc" / "vectors_public.json"
DOCUMENT = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
VECTORS: list[dict[str, Any]] = DOCUMENT["vectors"]
IDS = [v["id"] for v in VECTORS]

FLOAT_COLUMNS = ("value", "mean", "lpl", "upl", "nlpl", "nupl")
FLAG_COLUMNS = (
    "outside_limits",
    "close_to_limits",
    "part_trend",
    "part_two_in_three",
    "part_shift",
)
SERIES_FIELDS = ("variation_type", "variation_icon", "assurance_type", "assurance_icon")


def run(vec: dict[str, Any]) -> pd.DataFrame:
    """Call xmr exactly as the acceptance adapter does (README section 6)."""
    inp = vec["inputs"]
    values = [math.nan if v is None else float(v) for v in inp["values"]]
    dates = [date.fromisoformat(d) for d in inp["dates"]]
    rebase = [date.fromisoformat(d) for d in inp["rebase"]]
    args = (values, dates, inp["improvement_direction"], inp["target"], rebase)
    if inp["screen_outliers"]:
        return xmr(*args, inp["fix_after_n_points"])
    return xmr(*args, inp["fix_after_n_points"], screen_outliers=False)


def is_null(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def floats_match(got: object, want: float | None, scale: float) -> bool:
    if want is None:
        return is_null(got)
    if is_null(got):
        return False
    a, b = float(got), float(want)  # type: ignore[arg-type]
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), scale)


def series_scale(vec: dict[str, Any]) -> float:
    return max((abs(v) for v in vec["expected"]["points"]["value"] if v is not None), default=0.0)


def test_the_vector_file_is_the_published_one() -> None:
    assert DOCUMENT["format"] == "ptd-spc-parity-vectors/1"
    assert DOCUMENT["set"] == "public"
    assert DOCUMENT["count"] == len(VECTORS) == 62
    assert "0.2.2" in DOCUMENT["reference"]["version"]
    assert sum(len(v["inputs"]["values"]) for v in VECTORS) == 1740


def test_every_expected_column_is_produced() -> None:
    # So that "compare every column the vectors have" really covers every column.
    expected_columns = set().union(*(v["expected"]["points"] for v in VECTORS))
    assert expected_columns == set(COLUMNS)


@pytest.mark.parametrize("vec", VECTORS, ids=IDS)
def test_parity(vec: dict[str, Any]) -> None:
    expected = vec["expected"]
    points = expected["points"]
    df = run(vec)
    scale = series_scale(vec)
    n = len(points["date"])
    assert len(df) == n
    assert list(df.columns) == list(COLUMNS)
    problems: list[str] = []
    for column, want_column in points.items():
        got_column = df[column].tolist()
        for i, (got, want) in enumerate(zip(got_column, want_column, strict=True)):
            if column == "date":
                ok = isinstance(got, date) and got.isoformat() == want
            elif column in FLOAT_COLUMNS:
                ok = floats_match(got, want, scale)
            elif want is None:
                ok = is_null(got) or (column in FLAG_COLUMNS and got in (False, 0))
            else:
                ok = not is_null(got) and got == want and type(want)(got) == want
            if not ok:
                problems.append(f"{column}[{i}] ({points['date'][i]}): got {got!r}, want {want!r}")
    for field in SERIES_FIELDS:
        if df.attrs[field] != expected[field]:
            problems.append(f"attrs[{field!r}]: got {df.attrs[field]!r}, want {expected[field]!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("vec", VECTORS, ids=IDS)
def test_summary_and_warnings(vec: dict[str, Any]) -> None:
    expected = vec["expected"]
    df = run(vec)
    scale = series_scale(vec)
    assert df.attrs["warnings"] == expected["warnings"]
    got_summary = df.attrs["summary"]
    assert len(got_summary) == len(expected["summary"])
    for got, want in zip(got_summary, expected["summary"], strict=True):
        assert set(got) == set(want)
        for key, want_value in want.items():
            if key in ("mean", "lpl", "upl", "mean_moving_range"):
                assert floats_match(got[key], want_value, scale), (key, got[key], want_value)
            else:
                assert got[key] == want_value, (key, got[key], want_value)


@pytest.mark.parametrize("vec", VECTORS, ids=IDS)
def test_bit_for_bit_and_exact_missing_pattern(vec: dict[str, Any]) -> None:
    """Stricter than acceptance: exact floats, and NA exactly where the package has NA."""
    points = vec["expected"]["points"]
    df = run(vec)
    for column in ("mean", "lpl", "upl", "nlpl", "nupl"):
        got = [None if is_null(x) else x for x in df[column].tolist()]
        assert got == points[column], column
    for column in ("outside_limits", "close_to_limits", "relative_to_mean", *FLAG_COLUMNS[2:]):
        got_nulls = [is_null(x) for x in df[column].tolist()]
        assert got_nulls == [x is None for x in points[column]], column
    for got, want in zip(df.attrs["summary"], vec["expected"]["summary"], strict=True):
        assert got == want


def test_unsorted_vector_really_is_unsorted() -> None:
    # pub-58 is the only guard that sorting happens; make sure its input is out of order.
    vec = next(v for v in VECTORS if v["id"].startswith("pub-58"))
    dates = vec["inputs"]["dates"]
    assert dates != sorted(dates)
    assert run(vec)["date"].tolist() == sorted(date.fromisoformat(d) for d in dates)
