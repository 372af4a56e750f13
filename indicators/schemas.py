"""pandera schemas for the typed sheets of the template workbook, one DataFrameModel per sheet.

The frames these validate have already been parsed cell by cell (indicators/cells.py): every
value is typed or None, and the index is the Excel row number, so a failure case maps straight
back to a cell. Each rule is a named check; ``RULES`` gives each name the column it points at
and the sentence a data officer reads. Row-level rules that need an indicator's definition (the
unit range, whole counts) expect the columns ``unit`` and ``decimals`` joined onto the frame.

Validation is always lazy: every problem at once. Every check handles blank cells itself, so the
checks are declared with ``ignore_na=False``: pandera's default would also test each whole row for
nulls, an isna over every object column per check (two thirds of the time at 60k rows), for rows
that cannot occur here because the reader drops rows with every cell empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from indicators.domain import Unit

PERCENT_MAX = 100.0
_SCALE = {
    Unit.PERCENT.value: 100.0,
    Unit.RATE_PER_10K.value: 10_000.0,
    Unit.RATE_PER_1000.value: 1_000.0,
    Unit.RATIO.value: 1.0,
}


@dataclass(frozen=True, slots=True)
class Rule:
    column: str
    message: str


#: Named checks -> the column the problem points at and the message shown for it.
RULES: dict[str, Rule] = {
    "value_in_unit_range": Rule("value", "is outside the range its unit allows ({range})"),
    "count_is_whole": Rule("value", "must be a whole number: the indicator is a count"),
    "numerator_not_negative": Rule("numerator", "must not be negative"),
    "denominator_positive": Rule("denominator", "must be more than zero"),
    "numerator_within_denominator": Rule(
        "numerator", "is more than the denominator ({denominator})"
    ),
    "value_matches_fraction": Rule(
        "value", "does not match numerator / denominator (expected about {expected})"
    ),
    "unique_actual": Rule("period", "is a second row for the same indicator, month and breakdown"),
    "unique_indicator": Rule("indicator_id", "appears twice on this sheet"),
    "decimals_in_range": Rule("decimals", "must be between 0 and 4"),
    "baseline_in_unit_range": Rule(
        "baseline_value", "is outside the range its unit allows ({range})"
    ),
    "target_in_unit_range": Rule("target_value", "is outside the range its unit allows ({range})"),
    "tolerance_not_negative": Rule("tolerance", "must not be negative"),
    "unique_target": Rule("period", "is a second target for the same indicator and month"),
    "comparator_in_unit_range": Rule("value", "is outside the range its unit allows ({range})"),
    "unique_comparator": Rule(
        "period_label", "is a second value for the same indicator, comparator and period"
    ),
    "unique_commentary": Rule("period", "is a second commentary for the same indicator and month"),
    "unique_action": Rule("action_id", "appears twice on this sheet"),
    # The improvement plan's sheets (issue #9).
    "unique_update": Rule("as_of", "is a second update for the same action on the same day"),
    "unique_recommendation": Rule("recommendation_id", "appears twice on this sheet"),
    "unique_milestone": Rule("milestone_id", "appears twice on this sheet"),
    "unique_judgement": Rule(
        "judged_on", "is a second judgement of the same milestone on the same day"
    ),
    "unique_plan": Rule("plan_id", "appears twice on this sheet"),
    "next_board_after_as_at": Rule(
        "next_board_date", "is before as_at: the next board meets after progress is judged"
    ),
}


def unit_range_text(unit: str) -> str:
    if unit == Unit.PERCENT.value:
        return "0 to 100 for a percentage"
    if unit == Unit.NUMBER.value:
        return "any number"
    return f"0 or more for unit {unit}"


def _in_unit_range(values: pd.Series, units: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    ok = numbers.isna() | units.isna() | (units == Unit.NUMBER.value)
    ok |= (units == Unit.PERCENT.value) & (numbers >= 0) & (numbers <= PERCENT_MAX)
    ok |= ~units.isin([Unit.PERCENT.value, Unit.NUMBER.value]) & (numbers >= 0)
    return ok


#: The columns each uniqueness check keys on (also used to name the first occurrence).
UNIQUE_KEYS: dict[str, list[str]] = {
    "unique_actual": ["indicator_id", "period", "breakdown"],
    "unique_indicator": ["indicator_id"],
    "unique_target": ["indicator_id", "period"],
    "unique_comparator": ["indicator_id", "comparator", "period_label"],
    "unique_commentary": ["indicator_id", "period"],
    "unique_action": ["action_id"],
    "unique_update": ["action_id", "as_of"],
    "unique_recommendation": ["recommendation_id"],
    "unique_milestone": ["milestone_id"],
    "unique_judgement": ["milestone_id", "judged_on"],
    "unique_plan": ["plan_id"],
}


def _unique(df: pd.DataFrame, key: list[str]) -> pd.Series:
    present = df[key].notna().all(axis=1)
    return ~(df.duplicated(subset=key, keep="first") & present)


def expected_from_fraction(df: pd.DataFrame) -> pd.Series:
    """The value implied by numerator / denominator in the indicator's unit (NaN if none)."""
    # Through categories: a handful of units looked up once, not a dict lookup per row.
    scale = df["unit"].astype("category").map(_SCALE).astype("float64")
    num = pd.to_numeric(df["numerator"], errors="coerce")
    den = pd.to_numeric(df["denominator"], errors="coerce")
    with np.errstate(divide="ignore", invalid="ignore"):
        return (num / den.where(den > 0)) * scale


class ActualsSchema(pa.DataFrameModel):
    """Actuals joined with their indicator's unit and decimals."""

    indicator_id: Any = pa.Field(nullable=True)
    period: Any = pa.Field(nullable=True)
    value: Any = pa.Field(nullable=True)
    numerator: Any = pa.Field(nullable=True)
    denominator: Any = pa.Field(nullable=True)
    breakdown: Any = pa.Field(nullable=True)
    unit: Any = pa.Field(nullable=True)
    decimals: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="value_in_unit_range", ignore_na=False)
    def value_in_unit_range(cls, df: pd.DataFrame) -> pd.Series:
        return _in_unit_range(df["value"], df["unit"])

    @pa.dataframe_check(name="count_is_whole", ignore_na=False)
    def count_is_whole(cls, df: pd.DataFrame) -> pd.Series:
        numbers = pd.to_numeric(df["value"], errors="coerce")
        return ~((df["unit"] == Unit.COUNT.value) & numbers.notna() & (numbers % 1 != 0))

    @pa.dataframe_check(name="numerator_not_negative", ignore_na=False)
    def numerator_not_negative(cls, df: pd.DataFrame) -> pd.Series:
        num = pd.to_numeric(df["numerator"], errors="coerce")
        return num.isna() | (num >= 0)

    @pa.dataframe_check(name="denominator_positive", ignore_na=False)
    def denominator_positive(cls, df: pd.DataFrame) -> pd.Series:
        den = pd.to_numeric(df["denominator"], errors="coerce")
        return den.isna() | (den > 0)

    @pa.dataframe_check(name="numerator_within_denominator", ignore_na=False)
    def numerator_within_denominator(cls, df: pd.DataFrame) -> pd.Series:
        num = pd.to_numeric(df["numerator"], errors="coerce")
        den = pd.to_numeric(df["denominator"], errors="coerce")
        bounded = df["unit"].isin([Unit.PERCENT.value])
        return num.isna() | den.isna() | ~bounded | (num <= den)

    @pa.dataframe_check(name="value_matches_fraction", ignore_na=False)
    def value_matches_fraction(cls, df: pd.DataFrame) -> pd.Series:
        expected = expected_from_fraction(df)
        value = pd.to_numeric(df["value"], errors="coerce")
        decimals = pd.to_numeric(df["decimals"], errors="coerce").fillna(1).clip(0, 6)
        # Half a unit in the last shown decimal, or 1% of the figure: rounding, not a mistake.
        allowed = np.maximum(0.5 * 10.0 ** (-decimals) + 1e-9, 0.01 * expected.abs())
        return expected.isna() | value.isna() | ((value - expected).abs() <= allowed)

    @pa.dataframe_check(name="unique_actual", ignore_na=False)
    def unique_actual(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_actual"])

    class Config:
        strict = False


class IndicatorsSchema(pa.DataFrameModel):
    indicator_id: Any = pa.Field(nullable=True)
    unit: Any = pa.Field(nullable=True)
    decimals: Any = pa.Field(nullable=True)
    baseline_value: Any = pa.Field(nullable=True)
    target_value: Any = pa.Field(nullable=True)
    tolerance: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_indicator", ignore_na=False)
    def unique_indicator(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_indicator"])

    @pa.dataframe_check(name="decimals_in_range", ignore_na=False)
    def decimals_in_range(cls, df: pd.DataFrame) -> pd.Series:
        dec = pd.to_numeric(df["decimals"], errors="coerce")
        return dec.isna() | ((dec >= 0) & (dec <= 4))

    @pa.dataframe_check(name="baseline_in_unit_range", ignore_na=False)
    def baseline_in_unit_range(cls, df: pd.DataFrame) -> pd.Series:
        return _in_unit_range(df["baseline_value"], df["unit"])

    @pa.dataframe_check(name="target_in_unit_range", ignore_na=False)
    def target_in_unit_range(cls, df: pd.DataFrame) -> pd.Series:
        return _in_unit_range(df["target_value"], df["unit"])

    @pa.dataframe_check(name="tolerance_not_negative", ignore_na=False)
    def tolerance_not_negative(cls, df: pd.DataFrame) -> pd.Series:
        tol = pd.to_numeric(df["tolerance"], errors="coerce")
        return tol.isna() | (tol >= 0)

    class Config:
        strict = False


class TargetsSchema(pa.DataFrameModel):
    indicator_id: Any = pa.Field(nullable=True)
    period: Any = pa.Field(nullable=True)
    target_value: Any = pa.Field(nullable=True)
    unit: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="target_in_unit_range", ignore_na=False)
    def target_in_unit_range(cls, df: pd.DataFrame) -> pd.Series:
        return _in_unit_range(df["target_value"], df["unit"])

    @pa.dataframe_check(name="unique_target", ignore_na=False)
    def unique_target(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_target"])

    class Config:
        strict = False


class ComparatorsSchema(pa.DataFrameModel):
    indicator_id: Any = pa.Field(nullable=True)
    comparator: Any = pa.Field(nullable=True)
    period_label: Any = pa.Field(nullable=True)
    value: Any = pa.Field(nullable=True)
    unit: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="comparator_in_unit_range", ignore_na=False)
    def comparator_in_unit_range(cls, df: pd.DataFrame) -> pd.Series:
        return _in_unit_range(df["value"], df["unit"])

    @pa.dataframe_check(name="unique_comparator", ignore_na=False)
    def unique_comparator(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_comparator"])

    class Config:
        strict = False


class CommentarySchema(pa.DataFrameModel):
    indicator_id: Any = pa.Field(nullable=True)
    period: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_commentary", ignore_na=False)
    def unique_commentary(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_commentary"])

    class Config:
        strict = False


class ActionsSchema(pa.DataFrameModel):
    action_id: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_action", ignore_na=False)
    def unique_action(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_action"])

    class Config:
        strict = False


class UpdatesSchema(pa.DataFrameModel):
    action_id: Any = pa.Field(nullable=True)
    as_of: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_update", ignore_na=False)
    def unique_update(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_update"])

    class Config:
        strict = False


class RecommendationsSchema(pa.DataFrameModel):
    recommendation_id: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_recommendation", ignore_na=False)
    def unique_recommendation(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_recommendation"])

    class Config:
        strict = False


class MilestonesSchema(pa.DataFrameModel):
    milestone_id: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_milestone", ignore_na=False)
    def unique_milestone(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_milestone"])

    class Config:
        strict = False


class JudgementsSchema(pa.DataFrameModel):
    milestone_id: Any = pa.Field(nullable=True)
    judged_on: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_judgement", ignore_na=False)
    def unique_judgement(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_judgement"])

    class Config:
        strict = False


class PlansSchema(pa.DataFrameModel):
    plan_id: Any = pa.Field(nullable=True)
    as_at: Any = pa.Field(nullable=True)
    next_board_date: Any = pa.Field(nullable=True)

    @pa.dataframe_check(name="unique_plan", ignore_na=False)
    def unique_plan(cls, df: pd.DataFrame) -> pd.Series:
        return _unique(df, UNIQUE_KEYS["unique_plan"])

    @pa.dataframe_check(name="next_board_after_as_at", ignore_na=False)
    def next_board_after_as_at(cls, df: pd.DataFrame) -> pd.Series:
        # Dates are datetime.date objects (or None): compare only where both are given.
        both = df["as_at"].notna() & df["next_board_date"].notna()
        later = [
            bool(board >= at) if ok else True
            for board, at, ok in zip(df["next_board_date"], df["as_at"], both, strict=True)
        ]
        return pd.Series(later, index=df.index)

    class Config:
        strict = False


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "Indicators": IndicatorsSchema,
    "Actuals": ActualsSchema,
    "Targets": TargetsSchema,
    "Comparators": ComparatorsSchema,
    "Commentary": CommentarySchema,
    "Actions": ActionsSchema,
    "Updates": UpdatesSchema,
    "Recommendations": RecommendationsSchema,
    "Milestones": MilestonesSchema,
    "Judgements": JudgementsSchema,
    "Plans": PlansSchema,
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed named check at one Excel row."""

    check: str
    row: int


def failures(sheet: str, frame: pd.DataFrame) -> list[Failure]:
    """Run the sheet's schema lazily; every failed (check, row), once, in row order."""
    schema = SCHEMAS[sheet]
    if frame.empty:
        return []
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        found = {
            (str(check), int(index))
            for check, index in zip(cases["check"], cases["index"], strict=True)
            if index is not None and not pd.isna(index)
        }
        return [Failure(check, row) for check, row in sorted(found, key=lambda f: (f[1], f[0]))]
    return []
