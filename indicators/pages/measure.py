"""`/measure/<indicator_id>`: one measure in full.

The trend chart (actuals, SPC mean and limits, special causes, target and trajectory, baseline,
comparators labelled with their periods, commentary markers) with its text alternative, the data
as a table, the definition, the comparators, commentary history, breakdown and as-of selectors.
State in the URL: ``?breakdown=&as_of=``.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from indicators import figures
from indicators.pages import _auth, _context
from indicators.pages import _components as ui
from indicators.pages import _plan_components as plan_parts
from indicators.store import Snapshot
from loaders.ops import Account


def measure_exists(snap: Snapshot, *, indicator_id: str) -> bool:
    """Whether the version has the measure (an address naming none answers 404)."""
    return bool(snap.records("has_measure", indicator_id=indicator_id))


dash.register_page(
    __name__,
    path_template="/measure/<indicator_id>",
    title="Measure",
    name="Measure",
    versioned=True,
    exists=measure_exists,
)


def _came_from(sheet: object, row: object, load: object) -> str:
    """Where a stored value came from: its sheet and row when a workbook supplied it."""
    if isinstance(sheet, str) and sheet and row is not None and not pd.isna(row):
        return f"{sheet} row {int(row)}, load {load}"
    return f"load {load}"


def _provenance(defined_in: dict[str, Any]) -> str:
    """Where the definition came from."""
    return _came_from(defined_in.get("sheet"), defined_in.get("row"), defined_in.get("load"))


def _definition(row: dict[str, Any], defined_in: dict[str, Any]) -> html.Dl:
    items = [
        ("Service area", row["service_area"]),
        ("Outcome", row.get("outcome") or "–"),
        ("Lead", row.get("lead") or "–"),
        ("Unit", row["unit_label"]),
        (
            "Better when",
            {
                "higher_is_better": "higher",
                "lower_is_better": "lower",
                "neutral": "neither (monitored)",
            }[row["polarity"]],
        ),
        (
            "Baseline",
            ui.fmt(row, row.get("baseline_value"))
            + (f" ({ui.month(row.get('baseline_period'))})" if row.get("baseline_period") else ""),
        ),
        (
            "Target",
            ui.target_text(row)
            + (
                f" by {ui.month(row.get('target_date'))}"
                if row.get("target_date") and row.get("target") is not None
                else ""
            ),
        ),
        (
            "Source",
            "Local measure"
            if row["local_indicator"]
            else "Published measure (benchmark: "
            f"{row.get('benchmark_measure') or 'quoted in plan'})",
        ),
        ("Loaded from", _provenance(defined_in)),
    ]
    return html.Dl(
        className="govuk-summary-list",
        children=[
            html.Div(
                className="govuk-summary-list__row",
                children=[
                    html.Dt(k, className="govuk-summary-list__key"),
                    html.Dd(v, className="govuk-summary-list__value"),
                ],
            )
            for k, v in items
        ],
    )


#: The data grid's columns: months sort by their ISO month and values as numbers, while each
#: cell shows the words and formatting the rest of the page uses.
DATA_COLUMNS: list[dict[str, Any]] = [
    {
        "field": "period",
        "headerName": "Month",
        "valueFormatter": {"function": "params.data.month"},
        "filterValueGetter": {"function": "params.data.month + ' ' + params.data.period"},
        "filter": "agTextColumnFilter",
    },
    {
        "field": "value",
        "headerName": "Value",
        "minWidth": 150,  # "112.2 per 10,000" whole on a narrow screen
        "type": "rightAligned",
        "valueFormatter": {"function": "params.data.value_text"},
        "filter": "agNumberColumnFilter",
    },
    {"field": "status", "headerName": "Status"},
    {"field": "point", "headerName": "SPC point", "minWidth": 160},
    {"field": "came_from", "headerName": "Came from", "minWidth": 200, "flex": 2},
]


def data_records(
    row: dict[str, Any], actuals: list[dict[str, Any]], points: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The figures behind the chart, newest first: one grid record per month. ``actuals`` are
    the stored rows (`Snapshot.records`), in month order."""
    types = {p["date"][:7]: p["point_type"].replace("_", " ") for p in points}
    records = []
    for actual in reversed(actuals):
        value = actual["value"]
        if value is not None and math.isnan(value):
            value = None  # no figure sorts as blank, not NaN
        period = actual["period"]
        month = period.isoformat()[:7]
        records.append(
            {
                "period": month,
                "month": figures.month_label(period),
                "value": value,
                "value_text": ui.fmt(row, value),
                "status": actual["status"],
                "point": types.get(month, ""),
                "came_from": _came_from(
                    actual["source_sheet"], actual["source_row"], actual["valid_from_load"]
                ),
            }
        )
    return records


def _data_table(records: list[dict[str, Any]]) -> html.Div:
    """The chart's data as a sortable, filterable grid (one component, however many months)."""
    return html.Div(
        role="region",
        className="mtm-data-grid mtm-print-rows",
        **{"aria-labelledby": "measure-data-caption"},
        children=[
            html.P(
                "The figures behind the chart, newest first. Sort or filter by any column; "
                "Tab moves past the grid, the arrow keys move within it.",
                id="measure-data-caption",
                className="govuk-body",
            ),
            ui.data_grid(
                "measure-data",
                records,
                DATA_COLUMNS,
                column_defaults={"minWidth": 110, "flex": 1},
                options={"suppressColumnVirtualisation": True},
                style={"width": "100%"},
            ),
        ],
    )


def _comparators(row: dict[str, Any]) -> html.Div:
    published = row.get("published")
    items = [html.Li(p["label"]) for p in figures.comparator_points(row)]
    extra = []
    if published:
        extra.append(
            html.P(
                f"Published measure {published['measure_code']} ({published['period_label']}): "
                f"our value {ui.fmt(row, published['la_value'])}"
                + (
                    f"; national position {published['rank_text']}"
                    if published.get("rank_text")
                    else ""
                )
                + (
                    f"; quartile {published['quartile']} (A best)"
                    if published.get("quartile")
                    else ""
                )
                + ".",
                className="govuk-body",
            )
        )
    if not items:
        items = [html.Li("No comparators: a local measure.")]
    return html.Div([html.Ul(items, className="govuk-list govuk-list--bullet"), *extra])


def _commentary(history: list[dict[str, Any]]) -> html.Div:
    """Every version, newest first: edits never delete, so earlier texts stay readable."""
    if not history:
        return html.P("No commentary yet.", className="govuk-body")
    return html.Div(
        [
            html.Div(
                className="mtm-comment" + (" mtm-comment--old" if n["superseded"] else ""),
                children=[
                    html.H3(
                        f"{n['period']:%B %Y}"
                        + ("" if n["breakdown"] == "All" else f" ({n['breakdown']})")
                        + (" (earlier version)" if n["superseded"] else ""),
                        className="govuk-heading-s",
                    ),
                    html.P(n["commentary"], className="govuk-body"),
                    html.P(
                        f"{n['author']}, {n['written_at']:%d %b %Y %H:%M} UTC "
                        f"(load {n['valid_from_load']})",
                        className="govuk-body-s mtm-meta",
                    ),
                ],
            )
            for n in history
        ]
    )


def _area_of(indicator_id: object) -> str | None:
    snap = _context.snapshot()
    frame = snap.query("indicators")
    mine = frame[frame["indicator_id"] == str(indicator_id)]
    return None if mine.empty else str(mine.iloc[0]["service_area"])


def can_comment(account: Account, inputs: tuple[Any, ...]) -> bool:
    """The measure's area is looked up on the server: the id sent by the browser is not trusted
    to say which area it belongs to."""
    area = _area_of(inputs[1])
    return area is not None and account.can_write_area(area)


@_auth.guarded_callback(
    Output("commentary-result", "children"),
    Input("commentary-save", "n_clicks"),
    State("measure-id", "data"),
    State("commentary-month", "value"),
    State("commentary-text", "value"),
    rule=can_comment,
    name="measure.commentary",
    description="data team anywhere; a service manager for measures in their areas",
    prevent_initial_call=True,
)
def save_commentary(
    clicks: int | None, indicator_id: str, month: str | None, text: str | None
) -> Any:
    from loaders.commentary import CommentaryRejected
    from loaders.commentary import save_commentary as save
    from loaders.publish import LoadInProgress

    account = _auth.current_account()
    assert account is not None
    if not clicks:
        raise PreventUpdate
    try:
        period = dt.datetime.strptime(str(month), "%Y-%m").date()
        summary = save(
            _context.settings(), str(indicator_id), period, text or "", author=account.username
        )
    except ValueError as exc:  # includes CommentaryRejected
        reason = str(exc) if isinstance(exc, CommentaryRejected) else "choose a month"
        return ui.error_panel("Not saved", f"The commentary was not saved: {reason}.")
    except LoadInProgress:
        return ui.error_panel(
            "Not saved yet", "A data load is being published: try again in a minute."
        )
    _auth.audit(
        "commentary", "success", f"{indicator_id} {period:%Y-%m}", f"load {summary.load_id}"
    )
    return html.Div(
        className="mtm-notice",
        role="status",
        children=[
            f"Saved as load {summary.load_id}. ",
            html.A("Refresh the page", href=f"/measure/{indicator_id}", className="govuk-link"),
            " to see it on the chart.",
        ],
    )


def _commentary_form(row: dict[str, Any], months: list[str]) -> list[Any]:
    account = _auth.current_account()
    if account is None or not account.can_write_area(row["service_area"]) or not months:
        return []
    return [
        html.H3("Add or revise commentary", className="govuk-heading-s"),
        dcc.Store(id="measure-id", data=row["indicator_id"]),
        html.Div(
            className="govuk-form-group",
            children=[
                html.Label("Month", htmlFor="commentary-month", className="govuk-label"),
                dcc.Input(
                    id="commentary-month",
                    type="text",
                    value=months[0],
                    list="commentary-months",
                    pattern=r"\d{4}-\d{2}",
                    className="govuk-input mtm-input-month",
                ),
                html.Datalist(
                    id="commentary-months", children=[html.Option(value=m) for m in months]
                ),
            ],
        ),
        html.Div(
            className="govuk-form-group",
            children=[
                html.Label(
                    "What happened, and what are we doing about it?",
                    htmlFor="commentary-text",
                    className="govuk-label",
                ),
                dcc.Textarea(
                    id="commentary-text",
                    className="govuk-textarea",
                    maxLength=2000,
                    style={"width": "100%", "minHeight": "6rem"},
                ),
            ],
        ),
        html.Button("Save commentary", id="commentary-save", n_clicks=0, className="govuk-button"),
        dcc.Loading(html.Div(id="commentary-result", **{"aria-live": "polite"})),
    ]


MAX_BREAKDOWN_LINKS = 10


def _breakdown_selector(
    ident: str, breakdowns: list[str], chosen: str, as_of: str | None
) -> list[Any]:
    """Links to each breakdown, or a drop-down form when there are many (e.g. every council)."""
    if len(breakdowns) <= 1:
        return []
    quoted = urllib.parse.quote
    keep = f"&as_of={quoted(as_of)}" if as_of else ""
    if len(breakdowns) <= MAX_BREAKDOWN_LINKS:
        return [
            html.Nav(
                **{"aria-label": "Breakdowns"},
                children=html.Ul(
                    className="govuk-list mtm-inline-list",
                    children=[
                        html.Li(
                            html.A(
                                b,
                                href=f"/measure/{quoted(ident)}?breakdown={quoted(b)}{keep}",
                                className="govuk-link",
                                **({"aria-current": "page"} if b == chosen else {}),
                            )
                        )
                        for b in breakdowns
                    ],
                ),
            )
        ]
    return [
        html.Form(
            method="GET",
            action=f"/measure/{quoted(ident)}",
            className="mtm-filters",
            children=[
                html.Div(
                    className="govuk-form-group",
                    children=[
                        html.Label("Breakdown", htmlFor="breakdown", className="govuk-label"),
                        html.Select(
                            id="breakdown",
                            name="breakdown",
                            className="govuk-select",
                            children=[
                                # `selected` only where it is true: a national measure lists
                                # 150 options. The value is explicit, as HTML would collapse
                                # spaces in the text it otherwise sends.
                                html.Option(b, value=b, selected=True)
                                if b == chosen
                                else html.Option(b, value=b)
                                for b in breakdowns
                            ],
                        ),
                    ],
                ),
                *(
                    [dcc.Input(type="hidden", name="as_of", value=as_of, id="keep-as-of")]
                    if as_of
                    else []
                ),
                html.Button("Show", type="submit", className="govuk-button"),
            ],
        )
    ]


def layout(
    *,
    indicator_id: str | None = None,
    breakdown: str | None = None,
    as_of: str | None = None,
    **_: Any,
) -> html.Div:
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError as exc:
        return ui.no_such_version("Measure", exc)
    ident = indicator_id or ""
    view = _context.measure_view(snap, ident, breakdown) or _context.measure_view(snap, ident)
    if view is None:
        return html.Div(
            [
                html.H1("Measure not found", className="govuk-heading-xl"),
                html.P(
                    f"There is no measure with the id {indicator_id!r} in this version.",
                    className="govuk-body",
                ),
                dcc.Link("Back to the scorecard", href="/", className="govuk-link"),
            ]
        )
    row, points = view.row, view.points
    chosen = row["breakdown"]
    actuals = sorted(
        snap.records("actuals_for_breakdown", indicator_id=ident, breakdown=chosen),
        key=lambda actual: actual["period"],
    )
    history = snap.records("commentary_history", indicator_id=ident)
    records = data_records(row, actuals, points)
    months = [record["period"] for record in records]
    note_marks = [
        {"period": n["period"].isoformat(), "text": n["commentary"]}
        for n in history
        if not n["superseded"]
    ]
    fig = figures.trend_figure(row, points, view.trajectory, note_marks)
    alt = figures.alt_text(row)
    selector = _breakdown_selector(ident, row.get("breakdowns") or [], chosen, as_of)
    return html.Div(
        [
            dcc.Link("← Scorecard", href="/", className="govuk-back-link"),
            html.Span(row["service_area"], className="govuk-caption-l"),
            html.H1(
                row["name"] + ("" if chosen == "All" else f" ({chosen})"),
                className="govuk-heading-l",
            ),
            ui.version_note(snap),
            *selector,
            html.Div(
                className="mtm-answers",
                children=[
                    html.Div(
                        className="mtm-answer",
                        children=[
                            html.H2("On target?", className="govuk-heading-s"),
                            ui.rag_tag(row),
                            html.P(
                                f"Latest {ui.month(row.get('latest_period'))}: "
                                f"{ui.fmt(row, row.get('latest_value'))}; "
                                f"target {ui.target_text(row)}",
                                className="govuk-body",
                            ),
                        ],
                    ),
                    html.Div(
                        className="mtm-answer",
                        children=[
                            html.H2("Is it changing?", className="govuk-heading-s"),
                            html.P(
                                ui.spc_text(row, "variation"),
                                className="govuk-body",
                            ),
                            html.P(
                                ui.spc_text(row, "assurance"),
                                className="govuk-body",
                            ),
                            html.P(
                                f"Since last month: {ui.direction_text(row)}; since baseline: "
                                f"{ui.direction_text(row, 'direction_baseline')}",
                                className="govuk-body",
                            ),
                            *(
                                [
                                    html.P(
                                        "Trial limits: fewer than 13 points.",
                                        className="govuk-body-s",
                                    )
                                ]
                                if row.get("trial_limits")
                                else []
                            ),
                        ],
                    ),
                    html.Div(
                        className="mtm-answer",
                        children=[
                            html.H2("How do we compare?", className="govuk-heading-s"),
                            _comparators(row),
                        ],
                    ),
                    html.Div(
                        className="mtm-answer",
                        children=[
                            html.H2("Forecast", className="govuk-heading-s"),
                            html.P(
                                (row.get("forecast") or {}).get("message")
                                or "No target to forecast.",
                                className="govuk-body",
                            ),
                        ],
                    ),
                ],
            ),
            ui.chart_figure(fig, alt, "measure-chart", "Trend chart"),
            html.H2("Commentary", className="govuk-heading-m"),
            _commentary(history),
            *(_commentary_form(row, months) if snap.is_latest else []),
            plan_parts.linked_actions_panel(snap, indicator_id=ident),
            html.H2("Definition", className="govuk-heading-m"),
            _definition(row, view.defined_in),
            html.H2("Data", className="govuk-heading-m"),
            ui.downloads(
                "this measure's monthly figures, every breakdown, with its commentary",
                f"/export/measure/{urllib.parse.quote(ident)}",
                {"as_of": as_of},
            ),
            _data_table(records),
        ]
    )
