"""The vocabulary of the product: coded values, indicators and validation problems.

Everything here is plain Python (enums and frozen dataclasses) so that every other layer, from
the workbook reader to the pages, speaks the same words. No pandas, dash or duckdb.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Unit(StrEnum):
    PERCENT = "percent"
    RATE_PER_10K = "rate_per_10k"
    RATE_PER_1000 = "rate_per_1000"
    COUNT = "count"
    DAYS = "days"
    RATIO = "ratio"
    NUMBER = "number"

    @property
    def label(self) -> str:
        return _UNIT_LABELS[self]

    @property
    def non_negative(self) -> bool:
        return self is not Unit.NUMBER


_UNIT_LABELS = {
    Unit.PERCENT: "%",
    Unit.RATE_PER_10K: "per 10,000",
    Unit.RATE_PER_1000: "per 1,000",
    Unit.COUNT: "count",
    Unit.DAYS: "days",
    Unit.RATIO: "ratio",
    Unit.NUMBER: "number",
}


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"

    @property
    def spc_direction(self) -> str:
        """The improvement direction in NHSRplotthedots' words."""
        return {"higher_is_better": "increase", "lower_is_better": "decrease"}.get(
            self.value, "neutral"
        )


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class TargetOperator(StrEnum):
    GE = ">="
    LE = "<="
    EQ = "="

    @classmethod
    def default_for(cls, polarity: Polarity) -> TargetOperator:
        return {
            Polarity.HIGHER_IS_BETTER: cls.GE,
            Polarity.LOWER_IS_BETTER: cls.LE,
            Polarity.NEUTRAL: cls.EQ,
        }[polarity]


class ActualStatus(StrEnum):
    PROVISIONAL = "provisional"
    VALIDATED = "validated"


class ComparatorKind(StrEnum):
    STATISTICAL_NEIGHBOURS = "statistical_neighbours"
    REGION = "region"
    ENGLAND = "england"

    @property
    def label(self) -> str:
        return {"statistical_neighbours": "SN", "region": "Region", "england": "England"}[
            self.value
        ]


class ActionStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"

    @property
    def label(self) -> str:
        return {
            "green": "On target",
            "amber": "Near target",
            "red": "Off target",
            "grey": "No target or data",
        }[self.value]


#: Published-statistics symbols that mean "no value" (GSS/DfE conventions plus LAIT's dash).
SUPPRESSION_SYMBOLS: tuple[str, ...] = ("c", "x", "z", "k", "u", "low", "-")

#: The breakdown used when a row names none.
DEFAULT_BREAKDOWN = "All"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One "measure that matters" as the Indicators sheet defines it."""

    indicator_id: str
    name: str
    service_area: str
    unit: Unit
    polarity: Polarity
    decimals: int = 1
    frequency: Frequency = Frequency.MONTHLY
    baseline_value: float | None = None
    baseline_period: dt.date | None = None
    target_value: float | None = None
    target_operator: TargetOperator | None = None
    target_date: dt.date | None = None
    tolerance: float | None = None
    outcome: str | None = None
    lead: str | None = None
    local_indicator: bool = True
    benchmark_measure: str | None = None

    @property
    def effective_operator(self) -> TargetOperator:
        return self.target_operator or TargetOperator.default_for(self.polarity)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an uploaded file, located as precisely as the file allows.

    `sheet`, `cell` and `column` are empty for file-level problems (not a workbook, too big).
    `value` is the offending cell value already escaped for safe display.
    """

    message: str
    sheet: str = ""
    cell: str = ""
    column: str = ""
    value: str = ""
    row: int | None = None
    rule: str = ""

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a load did, in the words the data team reads after an upload."""

    load_id: int | None
    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    periods: tuple[str, ...] = ()
    not_supplied: int = 0
    message: str = ""


def upload_too_big(name: str, size: int, limit: int) -> str:
    """Why a file of `size` bytes is refused when the limit is `limit` MB (the upload page, and
    assets/upload.js in the browser, word it the same)."""
    return (
        f"{name} is {_size_over(size, limit)}: the largest workbook accepted is {limit} MB. "
        "Delete unused sheets and rows and save it again, or ask an administrator to raise "
        "max_upload_mb."
    )


def _size_over(size: int, limit_mb: int) -> str:
    """The size in MB with the fewest decimals that still show it is over the limit."""
    for places in (1, 2, 3):
        shown = f"{size / 1024 / 1024:.{places}f}"
        if float(shown) > limit_mb:
            return f"{shown} MB"
    return f"{size:,} bytes"
