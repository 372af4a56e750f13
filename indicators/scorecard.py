"""The scorecard row of every indicator and breakdown: the board's four questions, answered.

On target? (RAG against the target that applies to the latest month.) Is it really changing?
(direction of travel and Making Data Count SPC.) How do we compare? (published benchmarks with
their period labels, or the comparators quoted in the workbook.) What are we doing about it?
(the latest commentary.) Built once when a version is published (loaders/precompute.py) and
stored as JSON, so a page request only reads. Pure: pandas, metrics and spc only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

from indicators import metrics, spc
from indicators.domain import (
    DEFAULT_BREAKDOWN,
    ComparatorKind,
    Polarity,
    Rag,
    TargetOperator,
    Unit,
)
from indicators.settings import Settings

SPARKLINE_MONTHS = 24

#: "Is it changing?" rows of the summary grid, from the SPC variation of the latest point.
CHANGING = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "no_significant_change",
    "special_cause_neutral_low": "no_significant_change",
    "common_cause": "no_significant_change",
}
CHANGING_LABELS = {
    "improvement": "Special cause: improvement",
    "no_significant_change": "No significant change",
    "concern": "Special cause: concern",
}


@dataclass(frozen=True)
class Inputs:
    """The published state a scorecard is built from (frames as the store's queries return)."""

    indicators: pd.DataFrame
    actuals: pd.DataFrame
    targets: pd.DataFrame
    comparators: pd.DataFrame
    commentary: pd.DataFrame
    benchmarks: pd.DataFrame | None = None
    sn_groups: pd.DataFrame | None = None
    london_sub_regions: pd.DataFrame | None = None
    la_code: str = ""
    sn_statistic: str = "mean"
    tolerance_percentage_points: float = 5.0
    tolerance_fraction: float = 0.10
    forecast_window: int = 12
    #: Every indicator's breakdowns, when ``actuals`` holds only some of them (the headlines).
    breakdowns_of: dict[str, list[str]] | None = None


def settings_inputs(settings: Settings) -> dict[str, Any]:
    """The ``Inputs`` that come from settings: the council compared, how its statistical
    neighbours are averaged, the default amber bands and the forecast's window."""
    return {
        "la_code": settings.council_la_code,
        "sn_statistic": settings.sn_statistic,
        "tolerance_percentage_points": settings.tolerance_percentage_points,
        "tolerance_fraction": settings.tolerance_fraction,
        "forecast_window": settings.forecast_window_months,
    }


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, dates -> ISO text, numpy scalars -> Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _clean(value.item())
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _date(value: Any) -> dt.date | None:
    value = _clean(value)
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def _month(value: Any) -> dt.date:
    """A period that the store guarantees is present (NOT NULL columns)."""
    day = _date(value)
    if day is None:
        raise ValueError("a stored period is missing")
    return day


def month_label(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%b %Y")


def _comparators_quoted(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The latest quoted value of each comparator kind, with its own period label."""
    out = []
    for kind in ComparatorKind:
        mine = rows[rows["comparator"] == kind.value]
        if mine.empty:
            continue
        latest = mine.sort_values("period_end").iloc[-1]
        out.append(
            {
                "comparator": kind.value,
                "label": kind.label,
                "period_label": latest["period_label"],
                "period_end": _clean(latest["period_end"]),
                "value": _clean(latest["value"]),
                "symbol": _clean(latest["symbol"]),
                "source": _clean(latest["source"]),
            }
        )
    return out


def _published(
    inputs: Inputs, measure: str | None, prepared: tuple[Any, Any] | None
) -> dict[str, Any] | None:
    if not measure or prepared is None:
        return None
    bench, geo = prepared
    if measure not in bench.measures:
        return None
    statistic: metrics.SnStatistic = "median" if inputs.sn_statistic == "median" else "mean"
    comparison = metrics.compare(bench, geo, None, measure, inputs.la_code, sn_statistic=statistic)
    if comparison.period_label is None:
        return None
    moved = comparison.change_direction
    return {
        "measure_code": measure,
        "period_label": comparison.period_label,
        "period_end": _clean(comparison.period_end),
        "la_value": _clean(comparison.la_value),
        "sn_value": _clean(comparison.sn_value),
        "sn_n": comparison.sn_n,
        "sn_of": comparison.sn_of,
        "sn_statistic": comparison.sn_statistic,
        "region_name": comparison.region_name,
        "region_value": _clean(comparison.region_value),
        "england_value": _clean(comparison.england_value),
        "rank": comparison.rank,
        "rank_of": comparison.rank_of,
        "rank_text": comparison.rank_text,
        "quartile": comparison.quartile,
        "polarity": comparison.polarity.value,
        "previous_period_label": comparison.previous_period_label,
        "change": _clean(comparison.change),
        "change_word": None if moved is None else moved.word,
        "unit": comparison.unit,
        "decimals": comparison.decimals,
    }


def exception_score(rag: str, variation: str, assurance: str | None) -> int:
    """Bigger is worse: red first, then special-cause concern, then failing assurance."""
    score = {"red": 40, "amber": 20, "grey": 5, "green": 0}.get(rag, 0)
    score += 10 if variation == "special_cause_concern" else 0
    score += 5 if assurance == "consistent_fail" else 0
    return score


def _direction(
    current: float | None, previous: float | None, polarity: str
) -> dict[str, str] | None:
    moved = metrics.direction(current, previous, polarity)
    if moved is None:
        return None
    return {"arrow": moved.arrow, "word": moved.word, "judgement": moved.judgement}


def _without_target(ind: pd.Series) -> pd.Series:
    copy = ind.copy()
    copy["target_value"] = None
    copy["target_operator"] = None
    return copy


@dataclass(frozen=True)
class Series:
    """One indicator and breakdown's actuals, in month order, as plain lists."""

    periods: list[dt.date]
    values: list[float]
    statuses: list[str]


def build_row(
    ind: pd.Series,
    series: Series,
    breakdown: str,
    inputs: Inputs,
    *,
    trajectory: list[tuple[dt.date, float | None]],
    quoted: list[dict[str, Any]],
    published: dict[str, Any] | None,
    commentary: pd.DataFrame,
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """One scorecard row, and the SPC chart's columns it was judged on (`spc.summary`'s);
    ``series`` holds this indicator's actuals for ``breakdown``."""
    polarity = str(ind["polarity"])
    unit = str(ind["unit"])
    decimals = int(ind["decimals"])
    periods, values = series.periods, series.values
    latest_period = periods[-1] if periods else None
    latest_value = values[-1] if values else None
    previous_value = values[-2] if len(values) > 1 else None
    final_target = _clean(ind["target_value"])
    target = (
        metrics.target_for_period(latest_period, trajectory, final_target)
        if latest_period
        else final_target
    )
    operator = _clean(ind["target_operator"]) or None
    tolerance = _clean(ind["tolerance"])
    if tolerance is None:
        tolerance = metrics.default_tolerance(
            unit, target, inputs.tolerance_percentage_points, inputs.tolerance_fraction
        )
    rag = metrics.rag(latest_value, target, operator, polarity, tolerance)
    used_operator = operator or TargetOperator.default_for(Polarity(polarity)).value
    gap = metrics.gap_to_target(latest_value, target, used_operator)

    direction_spc = Polarity(polarity).spc_direction
    spc_target = target if direction_spc != "neutral" else None
    summary, chart = (
        spc.summary(values, periods, direction_spc, spc_target) if values else (None, {})
    )
    variation = summary.variation_type if summary else "common_cause"
    assurance = summary.assurance_type if summary else None

    forecast = None
    if values and final_target is not None:
        fc = metrics.forecast_target_date(
            periods,
            values,
            final_target,
            used_operator,
            _date(ind["target_date"]),
            window=inputs.forecast_window,
        )
        forecast = {
            "status": fc.status,
            "message": fc.message,
            "projected_month": _clean(fc.projected_month),
        }

    notes = commentary[commentary["breakdown"].isin([breakdown, DEFAULT_BREAKDOWN])]
    latest_note = None
    if not notes.empty:
        note = notes.sort_values(["period", "written_at"]).iloc[-1]
        latest_note = {
            "period": _clean(note["period"]),
            "text": note["commentary"],
            "author": note["author"],
        }

    baseline = _clean(ind["baseline_value"])
    comparisons = published or {}
    quartile = comparisons.get("quartile")
    row = {
        "indicator_id": ind["indicator_id"],
        "name": ind["name"],
        "service_area": ind["service_area"],
        "breakdown": breakdown,
        "unit": unit,
        "unit_label": Unit(unit).label,
        "polarity": polarity,
        "decimals": decimals,
        "outcome": _clean(ind["outcome"]),
        "lead": _clean(ind["lead"]),
        "local_indicator": bool(ind["local_indicator"]),
        "benchmark_measure": _clean(ind["benchmark_measure"]),
        "baseline_value": baseline,
        "baseline_period": _clean(ind["baseline_period"]),
        "first_period": _clean(periods[0]) if periods else None,
        "latest_period": _clean(latest_period),
        "latest_value": latest_value,
        "latest_status": series.statuses[-1] if series.statuses else None,
        "previous_value": previous_value,
        "n_points": len(values),
        "target": target,
        "final_target": final_target,
        "target_operator": used_operator if target is not None else None,
        "target_date": _clean(ind["target_date"]),
        "tolerance": tolerance,
        "rag": rag.value,
        "rag_label": Rag(rag).label,
        # Rounded to 9 places like the reader's numbers: 70.1 - 80 is -9.900000000000006 in
        # binary floating point, which an export would otherwise print in full.
        "gap": None if gap is None else round(gap, 9),
        "direction_last": _direction(latest_value, previous_value, polarity),
        "direction_baseline": _direction(latest_value, baseline, polarity),
        "variation_type": variation,
        "variation_icon": summary.variation_icon if summary else "common_cause",
        "variation_label": summary.variation_label if summary else "Too few points",
        "variation_symbol": summary.variation_symbol if summary else "",
        "assurance_type": assurance,
        "assurance_icon": summary.assurance_icon if summary else None,
        "assurance_label": summary.assurance_label if summary else "No target",
        "assurance_symbol": summary.assurance_symbol if summary else "",
        "trial_limits": bool(summary.trial_limits) if summary else True,
        "changing": CHANGING.get(variation, "no_significant_change"),
        "quoted_comparators": quoted,
        "published": published,
        "quartile": quartile,
        "compare_group": quartile or ("local" if published is None else "no_band"),
        "forecast": forecast,
        "sparkline": [
            [_clean(p), v]
            for p, v in zip(periods[-SPARKLINE_MONTHS:], values[-SPARKLINE_MONTHS:], strict=True)
        ],
        "commentary": latest_note,
        "exception_score": exception_score(rag.value, variation, assurance),
    }
    return row, chart


def headline_first(breakdowns: list[str]) -> list[str]:
    """Breakdowns in display order: ``All`` first, then alphabetical."""
    return sorted(breakdowns, key=lambda b: (b != DEFAULT_BREAKDOWN, b)) or [DEFAULT_BREAKDOWN]


def measure_page(
    ind: pd.Series,
    row: dict[str, Any],
    chart: dict[str, list[Any]],
    trajectory: list[tuple[dt.date, float | None]],
) -> dict[str, Any]:
    """What a measure's page draws beyond its scorecard row, kept at publish so the page reads
    rather than recomputes it: the SPC chart's columns as `spc.summary` gives them, the target
    trajectory (none when there is no final target to head for) and where the definition came
    from (its sheet, row and load). Stored with `encode_measure_page`, read with
    `decode_measure_page`."""
    return {
        "chart": {column: chart[column] for column in spc.CHART_COLUMNS} if chart else {},
        "trajectory": [
            [month.isoformat(), value]
            for month, value in trajectory
            if value is not None and row["final_target"] is not None
        ],
        "defined_in": {
            "sheet": _clean(ind.get("source_sheet")),
            "row": _clean(ind.get("source_row")),
            "load": _clean(ind.get("valid_from_load")),
        },
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):  # a chart's dates when a time of day was given
        return value.date().isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_measure_page(page: dict[str, Any]) -> bytes:
    """The page as JSON, the chart left in columns: orjson writes dates as ISO text and NaN as
    null itself, so a national store's 60,000 points need no Python work each."""
    return orjson.dumps(page, default=_json_default)


def decode_measure_page(stored: str | bytes) -> dict[str, Any]:
    """A stored page with its chart as one record per point (`spc.chart_points`): ``points``,
    ``trajectory`` and ``defined_in``."""
    page: dict[str, Any] = orjson.loads(stored)
    chart = page.pop("chart")
    page["points"] = spc.chart_points(chart) if chart else []
    return page


def build_scorecard(
    inputs: Inputs,
    *,
    breakdown: str | None = None,
    published_for: dict[str, Any] | None = None,
    pages: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One scorecard row per indicator, in the order the Indicators sheet lists them.

    By default the headline row: the ``All`` breakdown, or the first breakdown when there is no
    ``All``. That is what publishing precomputes. A named ``breakdown`` gives that breakdown's
    row instead (computed on request for one measure), with ``published_for`` reusing the
    headline's published comparators rather than preparing the benchmarks again. Given a
    ``pages`` dict, each row's `measure_page` goes into it under the row's indicator id.
    """
    prepared = None
    if (
        inputs.benchmarks is not None
        and not inputs.benchmarks.empty
        and inputs.sn_groups is not None
    ):
        prepared = (
            metrics.prepare_benchmarks(inputs.benchmarks),
            metrics.prepare_geography(inputs.sn_groups, inputs.london_sub_regions),
        )
    ordered = inputs.actuals.sort_values(["indicator_id", "breakdown", "period"], kind="stable")
    all_periods = list(pd.to_datetime(ordered["period"]).dt.date)
    all_values = ordered["value"].astype("float64").tolist()
    all_statuses = ordered["status"].astype(str).tolist()
    series_of: dict[str, dict[str, Series]] = {}
    groups = ordered.reset_index(drop=True).groupby(["indicator_id", "breakdown"], sort=False)
    for key, rows_at in groups.indices.items():
        series_id, series_breakdown = str(key[0]), str(key[1])  # type: ignore[index]
        lo, hi = int(rows_at[0]), int(rows_at[-1]) + 1  # contiguous after the sort
        series_of.setdefault(series_id, {})[series_breakdown] = Series(
            all_periods[lo:hi], all_values[lo:hi], all_statuses[lo:hi]
        )
    targets = {key: group for key, group in inputs.targets.groupby("indicator_id", sort=False)}
    comparators = {k: g for k, g in inputs.comparators.groupby("indicator_id", sort=False)}
    notes = {k: g for k, g in inputs.commentary.groupby("indicator_id", sort=False)}
    empty_notes = inputs.commentary.iloc[0:0]
    rows: list[dict[str, Any]] = []
    for _, ind in inputs.indicators.iterrows():
        ident = ind["indicator_id"]
        mine = series_of.get(ident, {})
        trajectory = (
            [
                (_month(p), _clean(v))
                for p, v in zip(
                    targets[ident]["period"], targets[ident]["target_value"], strict=True
                )
            ]
            if ident in targets
            else []
        )
        quoted = _comparators_quoted(comparators[ident]) if ident in comparators else []
        if published_for is not None:
            published = published_for.get(ident)
        else:
            published = _published(inputs, _clean(ind["benchmark_measure"]), prepared)
        known = inputs.breakdowns_of.get(ident) if inputs.breakdowns_of else None
        breakdowns = headline_first(list(known) if known is not None else list(mine))
        chosen = breakdown if breakdown is not None else breakdowns[0]
        if chosen in breakdowns:
            whole = chosen == breakdowns[0]
            # Comparators describe the whole council, and a count's target is for the total:
            # neither is shown against a part such as one team or age band.
            part_of_count = not whole and ind["unit"] == "count"
            shown = _without_target(ind) if part_of_count else ind
            shown_trajectory = trajectory if not part_of_count else []
            row, chart = build_row(
                shown,
                mine.get(chosen, Series([], [], [])),
                chosen,
                inputs,
                trajectory=shown_trajectory,
                quoted=quoted if whole else [],
                published=published if whole else None,
                commentary=notes.get(ident, empty_notes),
            )
            row["breakdowns"] = breakdowns
            rows.append(row)
            if pages is not None:
                pages[str(ident)] = measure_page(shown, row, chart, shown_trajectory)
    return rows
