"""Definitions for a pre-filled template: the store's current indicators and their breakdowns."""

from __future__ import annotations

import pandas as pd

from indicators.domain import Frequency, Indicator, Polarity, TargetOperator, Unit
from indicators.settings import Settings
from indicators.store import Store


def _optional(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def indicator_from_row(row: pd.Series) -> Indicator:
    def when(value: object) -> object:
        value = _optional(value)
        return None if value is None else pd.Timestamp(value).date()

    return Indicator(
        indicator_id=row["indicator_id"],
        name=row["name"],
        service_area=row["service_area"],
        unit=Unit(row["unit"]),
        polarity=Polarity(row["polarity"]),
        decimals=int(row["decimals"]),
        frequency=Frequency(row["frequency"]),
        baseline_value=_optional(row["baseline_value"]),  # type: ignore[arg-type]
        baseline_period=when(row["baseline_period"]),  # type: ignore[arg-type]
        target_value=_optional(row["target_value"]),  # type: ignore[arg-type]
        target_operator=TargetOperator(row["target_operator"])
        if _optional(row["target_operator"])
        else None,
        target_date=when(row["target_date"]),  # type: ignore[arg-type]
        tolerance=_optional(row["tolerance"]),  # type: ignore[arg-type]
        outcome=_optional(row["outcome"]),  # type: ignore[arg-type]
        lead=_optional(row["lead"]),  # type: ignore[arg-type]
        local_indicator=bool(row["local_indicator"]),
        benchmark_measure=_optional(row["benchmark_measure"]),  # type: ignore[arg-type]
    )


def prefill_from_store(settings: Settings) -> tuple[list[Indicator], dict[str, list[str]]]:
    snap = Store.from_settings(settings).snapshot_if_any()
    if snap is None:
        return [], {}
    frame = snap.query("indicators")
    actuals = snap.query("actuals")
    breakdowns: dict[str, list[str]] = {}
    if not actuals.empty:
        for indicator_id, group in actuals.groupby("indicator_id"):
            breakdowns[str(indicator_id)] = sorted(
                group["breakdown"].unique(), key=lambda b: (b != "All", b)
            )
    return [indicator_from_row(row) for _, row in frame.iterrows()], breakdowns
