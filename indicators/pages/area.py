"""`/area/<area>`: one service area's measures, with small multiples of their trends."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from indicators import figures
from indicators.pages import _components as ui
from indicators.pages import _context
from indicators.pages import _plan_components as plan_parts
from indicators.pages.scorecard import grid
from indicators.store import Snapshot


def area_exists(snap: Snapshot, *, area: str) -> bool:
    """Whether the version has a service area with this slug (an address naming none answers
    404)."""
    return area in {ui.slug(name) for name in snap.query("service_areas")["service_area"]}


dash.register_page(
    __name__,
    path_template="/area/<area>",
    title="Service area",
    name="Area",
    versioned=True,
    exists=area_exists,
)


def small_multiple(row: dict[str, Any]) -> html.Div:
    points = [{"date": p, "value": v} for p, v in row.get("sparkline") or []]
    fig = figures.trend_figure(row, points, height=260, font_size=13)
    fig["layout"]["showlegend"] = False
    record = ui.grid_record(row)
    return html.Div(
        className="mtm-multiple",
        children=[
            html.H3(
                dcc.Link(record["measure_text"], href=record["href"], className="govuk-link"),
                className="govuk-heading-s",
            ),
            html.P(
                [
                    ui.rag_tag(row),
                    f" Latest {record['latest']} ({record['latest_month']}); "
                    f"target {record['target']}",
                ],
                className="govuk-body-s",
            ),
            ui.chart_figure(
                fig, figures.alt_text(row), f"multiple-{ui.slug(record['id'])}", "Last 24 months"
            ),
        ],
    )


def layout(*, area: str | None = None, as_of: str | None = None, **_: Any) -> html.Div:
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError as exc:
        return ui.no_such_version("Service area", exc)
    rows = [r for r in _context.scorecard_rows(snap) if ui.slug(r["service_area"]) == (area or "")]
    if not rows:
        return html.Div(
            [
                html.H1("Service area not found", className="govuk-heading-xl"),
                html.P(f"No service area is called {area!r}.", className="govuk-body"),
                dcc.Link("Back to the scorecard", href="/", className="govuk-link"),
            ]
        )
    name = rows[0]["service_area"]
    return html.Div(
        [
            dcc.Link("← Scorecard", href="/", className="govuk-back-link"),
            html.H1(name, className="govuk-heading-xl"),
            ui.version_note(snap),
            html.P(
                f"{len(rows)} measures: "
                + ", ".join(
                    f"{sum(1 for r in rows if r['rag'] == rag)} {rag}"
                    for rag in ("red", "amber", "green", "grey")
                )
                + ".",
                className="govuk-body-l",
            ),
            grid([ui.grid_record(r) for r in rows], "area-grid"),
            plan_parts.linked_actions_panel(snap, area=area),
            html.H2("Trends", className="govuk-heading-l"),
            html.Div(className="mtm-multiples", children=[small_multiple(r) for r in rows]),
        ]
    )
