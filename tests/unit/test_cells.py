"""Unit: parsing dictionary-encoded text columns (indicators/cells.py).

Each case gives a column as rows of text, encodes it the way the reader does (distinct texts with
None last, a code per row) and checks the typed values, the blank mask and the reasons, by row.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.cells import ParsedColumn, parse_default, parse_encoded
from indicators.sheets import Column, Kind

NUMBER = Column("value", Kind.NUMBER)
INTEGER = Column("decimals", Kind.INTEGER)
MONTH = Column("period", Kind.MONTH)
STATUS = Column("status", Kind.CODE, allowed=("provisional", "validated"), default="provisional")


def encode(cells: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    distinct = list(dict.fromkeys(c for c in cells if c is not None))
    table = np.array([*distinct, None], dtype=object)
    position = {text: i for i, text in enumerate(distinct)}
    codes = np.array(
        [position.get(c, len(distinct)) if c else len(distinct) for c in cells], dtype=np.int64
    )
    return table, codes


def parse(cells: list[str | None], column: Column) -> ParsedColumn:
    return parse_encoded(*encode(cells), column)


def test_numbers_become_float64_with_nan_for_blank_and_bad_cells() -> None:
    parsed = parse(["12.5", " 7 ", None, "   ", "45%", "12.5"], NUMBER)
    assert parsed.values.dtype == np.float64
    assert parsed.values[[0, 1, 5]].tolist() == [12.5, 7.0, 12.5]
    assert all(math.isnan(v) for v in parsed.values[[2, 3, 4]])
    assert parsed.blank.tolist() == [False, False, True, True, False, False]
    assert parsed.reasons == {4: "has a % sign: type the number only (45.2, not 45.2%)"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("nan", "is not a finite number"),
        ("inf", "is not a finite number"),
        ("1_000", "has text mixed with the number: type the number only"),
        ("true", "is a TRUE/FALSE value, not a number"),
        ("2020-07-01 00:00:00", "is a date, not a number"),
        ("#N/A", "is the Excel error #N/A: fix the formula or type the value"),
    ],
)
def test_forms_that_float_accepts_or_excel_writes_are_not_numbers(text: str, reason: str) -> None:
    assert parse(["1", text], NUMBER).reasons == {1: reason}


def test_integers_are_python_ints_and_fractions_are_reported() -> None:
    parsed = parse(["2", "2.0", "2.5", None], INTEGER)
    assert parsed.values.tolist() == [2, 2, None, None]
    assert all(type(v) is int for v in parsed.values[:2])
    assert parsed.reasons == {2: "must be a whole number"}


def test_each_row_of_a_repeated_bad_text_is_reported() -> None:
    parsed = parse(["2020-07", "13/07/2020", "2020-08", "13/07/2020"], MONTH)
    assert parsed.values[0] == dt.date(2020, 7, 1)
    assert sorted(parsed.reasons) == [1, 3]
    assert parsed.reasons[1].startswith("is an ambiguous date written as text")


def test_codes_match_case_insensitively_and_unknown_codes_list_the_allowed_values() -> None:
    parsed = parse(["Validated", "final"], STATUS)
    assert parsed.values[0] == "validated"
    assert parsed.reasons == {1: "is not one of the allowed values: provisional, validated"}


def test_defaults_are_typed_by_their_column() -> None:
    assert parse_default(STATUS) == "provisional"
    assert parse_default(Column("decimals", Kind.INTEGER, default="1")) == 1
    assert parse_default(NUMBER) is None


@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=40)
)
def test_a_number_parses_to_the_float_it_was_written_from(numbers: list[float | None]) -> None:
    parsed = parse([None if n is None else repr(n) for n in numbers], NUMBER)
    assert parsed.reasons == {}
    for got, want in zip(parsed.values, numbers, strict=True):
        assert math.isnan(got) if want is None else got == want
