"""Charts as plain plotly figure dicts, with the text alternative that goes with each.

Building ``plotly.graph_objects.Figure`` validates every property and was most of a callback's
time (FINDINGS.md: 0.3 ms as a dict against 13-16 ms), so figures here are dicts that Dash sends
as they are. Pure: no dash, no duckdb; numbers are formatted by indicators.metrics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from indicators import metrics, spc
from indicators.domain import Polarity

# GOV.UK Design System palette.
BLACK = "#0b0c0c"
DARK_GREY = "#505a5f"
MID_GREY = "#b1b4b6"
LIGHT_GREY = "#f3f2f1"
BLUE = "#1d70b8"
DARK_BLUE = "#003078"
GREEN = "#00703c"
RED = "#d4351c"
ORANGE = "#f47738"
PURPLE = "#4c2c92"
TURQUOISE = "#28a197"

#: SPC point colours and marker symbols, so no state is told by colour alone.
POINT_STYLE = {
    "special_cause_improvement": (BLUE, "circle", "Special cause: improvement"),
    "special_cause_concern": (ORANGE, "diamond", "Special cause: concern"),
    "special_cause_neutral_high": (PURPLE, "triangle-up", "Special cause: neutral (high)"),
    "special_cause_neutral_low": (PURPLE, "triangle-down", "Special cause: neutral (low)"),
}
COMPARATOR_STYLE = {
    "statistical_neighbours": (TURQUOISE, "square"),
    "region": (PURPLE, "diamond-wide"),
    "england": (BLACK, "x"),
}
SPARK_BARS = "▁▂▃▄▅▆▇█"


def _fmt(value: float | None, unit: str, decimals: int) -> str:
    return metrics.format_value(value, unit, decimals)


#: Month names indexed 1-12, as ``%b`` gives them in the C locale the app runs in: a chart labels
#: every point, and a lookup costs a fifth of parsing a date and strftime.
MONTH_ABBREVIATIONS: tuple[str, ...] = (
    "",
    *("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
)


def month_label(day: dt.date) -> str:
    """A month as tables and charts show it: "Jul 2020"."""
    return f"{MONTH_ABBREVIATIONS[day.month]} {day.year}"


def _month(iso: str | None) -> str:
    """`month_label` of an ISO date (or datetime) text; "" for none."""
    return month_label(dt.date.fromisoformat(iso[:10])) if iso else ""


def comparator_label(
    kind: str,
    value: float | None,
    symbol: str | None,
    period_label: str,
    *,
    unit: str,
    decimals: int,
    n: int | None = None,
    of: int | None = None,
    statistic: str = "mean",
    name: str | None = None,
) -> str:
    """E.g. "SN mean 86.0 (2018-19, 10 of 10)" or "England 65 (2019)"."""
    if kind == "statistical_neighbours":
        head = f"SN {statistic}"
    elif kind == "region":
        head = name or "Region"
    else:
        head = "England"
    shown = _fmt(value, unit, decimals) if value is not None else (symbol or "no value")
    extra = f", {n} of {of}" if n is not None and of else ""
    return f"{head} {shown} ({period_label}{extra})"


def comparator_points(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Comparators to mark on a chart: published benchmarks, else the quoted ones. A value an
    export has suppressed (a symbol such as ``c`` in place of the figure) is labelled as such."""
    unit, decimals = row["unit"], row["decimals"]
    published = row.get("published")
    points = []
    if published:
        end = published["period_end"]
        for kind, value, extra in (
            (
                "statistical_neighbours",
                published["sn_value"],
                {
                    "n": published["sn_n"],
                    "of": published["sn_of"],
                    "statistic": published["sn_statistic"],
                },
            ),
            ("region", published["region_value"], {"name": published["region_name"]}),
            ("england", published["england_value"], {}),
        ):
            if value is None:
                continue
            # An export may have replaced a small count by its suppression symbol (a string).
            withheld = isinstance(value, str)
            label = comparator_label(
                kind,
                None if withheld else value,
                value if withheld else None,
                published["period_label"],
                unit=unit,
                decimals=decimals,
                **extra,
            )
            points.append({"kind": kind, "date": end, "value": value, "label": label})
        return points
    for quoted in row.get("quoted_comparators") or []:
        label = comparator_label(
            quoted["comparator"],
            None if isinstance(quoted["value"], str) else quoted["value"],
            quoted["symbol"],
            quoted["period_label"],
            unit=unit,
            decimals=decimals,
        )
        points.append(
            {
                "kind": quoted["comparator"],
                "date": quoted["period_end"],
                "value": quoted["value"],
                "label": label,
            }
        )
    return points


def trend_figure(
    row: dict[str, Any],
    points: Sequence[dict[str, Any]],
    trajectory: Sequence[tuple[str, float]] = (),
    commentary: Sequence[dict[str, Any]] = (),
    *,
    height: int = 460,
    font_size: int = 16,
) -> dict[str, Any]:
    """The measure chart: actuals, SPC mean and limits, special causes, target, baseline,
    comparators labelled with their periods, and commentary markers.

    ``points`` are SPC rows: ``date`` (ISO), ``value``, ``mean``, ``lpl``, ``upl``, ``point_type``.
    """
    unit, decimals = row["unit"], row["decimals"]
    dates = [p["date"] for p in points]
    values = [p["value"] for p in points]
    hover = [f"{_month(p['date'])}: {_fmt(p['value'], unit, decimals)}" for p in points]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Actual",
            "x": dates,
            "y": values,
            "line": {"color": DARK_BLUE, "width": 3},
            "marker": {"size": 7, "color": DARK_BLUE},
            "hovertext": hover,
            "hoverinfo": "text",
        }
    ]
    if points and any(p.get("mean") is not None for p in points):
        for key, name, dash in (
            ("mean", "SPC mean", "solid"),
            ("upl", "Upper process limit", "dot"),
            ("lpl", "Lower process limit", "dot"),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": name,
                    "x": dates,
                    "y": [p.get(key) for p in points],
                    "line": {
                        "color": DARK_GREY if key == "mean" else MID_GREY,
                        "width": 1.5,
                        "dash": dash,
                    },
                    "hoverinfo": "skip",
                }
            )
    for point_type, (colour, symbol, label) in POINT_STYLE.items():
        chosen = [p for p in points if p.get("point_type") == point_type]
        if chosen:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": label,
                    "x": [p["date"] for p in chosen],
                    "y": [p["value"] for p in chosen],
                    "marker": {
                        "size": 13,
                        "color": colour,
                        "symbol": symbol,
                        "line": {"color": BLACK, "width": 1},
                    },
                    "hovertext": [
                        f"{label}: {_month(p['date'])} {_fmt(p['value'], unit, decimals)}"
                        for p in chosen
                    ],
                    "hoverinfo": "text",
                }
            )
    if trajectory:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Target trajectory",
                "x": [t[0] for t in trajectory],
                "y": [t[1] for t in trajectory],
                "line": {"color": GREEN, "width": 2, "dash": "dash", "shape": "hv"},
                "hoverinfo": "skip",
            }
        )
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    final = row.get("final_target")
    if final is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": final,
                "y1": final,
                "line": {"color": GREEN, "width": 2, "dash": "dash"},
            }
        )
        annotations.append(
            {
                "xref": "paper",
                "x": 1,
                "y": final,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "text": f"Target {row.get('target_operator') or ''} {_fmt(final, unit, decimals)}",
                "font": {"color": GREEN, "size": font_size - 2},
            }
        )
    baseline = row.get("baseline_value")
    if baseline is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": baseline,
                "y1": baseline,
                "line": {"color": DARK_GREY, "width": 1, "dash": "dashdot"},
            }
        )
        annotations.append(
            {
                "xref": "paper",
                "x": 0,
                "y": baseline,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "text": f"Baseline {_fmt(baseline, unit, decimals)}",
                "font": {"color": DARK_GREY, "size": font_size - 2},
            }
        )
    last_date = max(dates) if dates else None
    for comp in comparator_points(row):
        if unit == "count" and comp["kind"] != "statistical_neighbours":
            continue  # region and England counts are totals: off any council's scale
        colour, symbol = COMPARATOR_STYLE.get(comp["kind"], (BLACK, "x"))
        # A published period ending after our latest month sits at the right edge rather than
        # stretching the axis by years; its label carries its own period either way.
        at = comp["date"] if last_date is None or comp["date"] <= last_date else last_date
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": comp["label"],
                "x": [at],
                "y": [comp["value"]],
                "marker": {"size": 12, "color": colour, "symbol": symbol},
                "hovertext": [comp["label"]],
                "hoverinfo": "text",
            }
        )
    if commentary:
        by_date = {p["date"][:7]: p["value"] for p in points}
        notes = [c for c in commentary if c["period"][:7] in by_date]
        if notes:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": "Commentary",
                    "x": [c["period"] for c in notes],
                    "y": [by_date[c["period"][:7]] for c in notes],
                    "marker": {
                        "size": 18,
                        "symbol": "circle-open",
                        "color": BLACK,
                        "line": {"width": 2},
                    },
                    "hovertext": [f"{_month(c['period'])}: {c['text'][:200]}" for c in notes],
                    "hoverinfo": "text",
                }
            )
    yaxis: dict[str, Any] = {
        "title": {"text": row.get("unit_label", "")},
        "gridcolor": LIGHT_GREY,
        "zeroline": False,
        "automargin": True,
    }
    if unit == "count":
        yaxis["rangemode"] = "tozero"
    return {
        "data": traces,
        "layout": {
            "height": height,
            "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
            "font": {"family": "Arial, Helvetica, sans-serif", "size": font_size, "color": BLACK},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"type": "date", "gridcolor": LIGHT_GREY, "automargin": True},
            "yaxis": yaxis,
            "shapes": shapes,
            "annotations": annotations,
            "legend": {"orientation": "h", "y": -0.18, "font": {"size": font_size - 3}},
            "hovermode": "closest",
        },
    }


def alt_text(row: dict[str, Any]) -> str:
    """The chart's text alternative: latest value, target, SPC and comparators in words."""
    unit, decimals = row["unit"], row["decimals"]
    name = row["name"] + ("" if row.get("breakdown") in (None, "All") else f" ({row['breakdown']})")
    parts = [f"Trend chart of {name}"]
    if row.get("first_period") and row.get("latest_period"):
        parts[0] += f", {_month(row['first_period'])} to {_month(row['latest_period'])}"
    parts[0] += "."
    if row.get("latest_value") is not None:
        parts.append(
            f"Latest {_month(row['latest_period'])}: {_fmt(row['latest_value'], unit, decimals)}."
        )
    else:
        parts.append("No figures yet.")
    if row.get("target") is not None:
        parts.append(
            f"Target {row.get('target_operator') or ''} "
            f"{_fmt(row['target'], unit, decimals)}: {row['rag_label'].lower()}."
        )
    else:
        parts.append("No target.")
    if row.get("baseline_value") is not None:
        parts.append(f"Baseline {_fmt(row['baseline_value'], unit, decimals)}.")
    parts.append(f"SPC: {row['variation_label']}; {row['assurance_label']}.")
    comps = [c["label"] for c in comparator_points(row)]
    if comps:
        parts.append("Comparators: " + "; ".join(comps) + ".")
    return " ".join(parts)


def sparkline_text(values: Sequence[float | None]) -> str:
    """A tiny text sparkline (block characters) for table cells; the cell also gets a label."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low
    out = []
    for v in values:
        if v is None:
            out.append(" ")
            continue
        index = 0 if span == 0 else round((v - low) / span * (len(SPARK_BARS) - 1))
        out.append(SPARK_BARS[index])
    return "".join(out)


def spc_points(actuals: pd.DataFrame, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's points for one series as published: date (ISO), value, SPC mean and limits
    and point type, with None for missing (JSON-ready). ``row`` is the scorecard row, whose
    polarity and applicable target drive the SPC (none for neutral measures)."""
    if actuals.empty:
        return []
    direction = Polarity(row["polarity"]).spc_direction
    target = row.get("target") if direction != "neutral" else None
    periods = [p.date() for p in pd.to_datetime(actuals["period"])]
    _, chart = spc.summary(list(actuals["value"].astype(float)), periods, direction, target)
    return spc.chart_points(chart)
