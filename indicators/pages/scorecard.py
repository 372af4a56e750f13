"""`/`: the scorecard. Every measure by service area; filters, the summary grid, exceptions first.

All state is in the URL (``?area=&rag=&q=&exceptions=1&changing=&compare=&as_of=``): the filter
form is a plain GET form, so a filtered scorecard is a link the board can share.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import dash
import dash_ag_grid as dag
from dash import dcc, html

from indicators.pages import _components as ui
from indicators.pages import _context
from indicators.store import KeptPerVersion

# versioned: the page reads the version `?as_of=` names (an address naming none answers 404).
dash.register_page(__name__, path="/", title="Scorecard", name="Scorecard", versioned=True)

RAG_ORDER = ("red", "amber", "green", "grey")
CHANGING_ORDER = ("improvement", "no_significant_change", "concern")
COMPARE_ORDER = ("A", "B", "C", "D", "no_band", "local")
COMPARE_LABELS = {
    "A": "Quartile A",
    "B": "Quartile B",
    "C": "Quartile C",
    "D": "Quartile D",
    "no_band": "Published, no band",
    "local": "Local measure",
}

FIGURE: dict[str, Any] = {"minWidth": 130, "wrapText": True, "autoHeight": True}

COLUMNS: list[dict[str, Any]] = [
    {
        "field": "measure",
        "headerName": "Measure",
        "cellRenderer": "markdown",
        "minWidth": 280,
        "flex": 3,
        "wrapText": True,
        "autoHeight": True,
        "pinned": "left",
        "filter": "agTextColumnFilter",
        "filterValueGetter": {"function": "params.data.measure_text"},
    },
    {
        "field": "area",
        "headerName": "Service area",
        "minWidth": 150,
        "wrapText": True,
        "autoHeight": True,
    },
    # Figures wrap rather than lose their unit ("81.1 per 10,000" in 110 px would end "per 1…").
    {"field": "baseline", "headerName": "Baseline", **FIGURE},
    {"field": "latest", "headerName": "Latest", **FIGURE},
    {"field": "latest_month", "headerName": "Month"},
    {"field": "target", "headerName": "Target", **FIGURE},
    {
        "field": "rag",
        "headerName": "Against target",
        "minWidth": 150,
        "cellClass": {"function": "'mtm-cell-rag mtm-tag--' + params.data.rag_code"},
    },
    {"field": "direction", "headerName": "Since last month", "minWidth": 140},
    {
        "field": "variation",
        "headerName": "SPC variation",
        "minWidth": 200,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "assurance",
        "headerName": "SPC assurance",
        "minWidth": 180,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "sn",
        "headerName": "Statistical neighbours",
        "minWidth": 200,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "region",
        "headerName": "Region",
        "minWidth": 180,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "england",
        "headerName": "England",
        "minWidth": 170,
        "wrapText": True,
        "autoHeight": True,
    },
    {"field": "quartile", "headerName": "Quartile"},
    {
        "field": "commentary",
        "headerName": "Latest commentary",
        "minWidth": 260,
        "flex": 2,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "revised",
        "headerName": "Revised since the board",
        "minWidth": 170,
        "wrapText": True,
        "autoHeight": True,
    },
    {
        "field": "trend",
        "headerName": "Trend (24 months)",
        "minWidth": 150,
        "cellClass": "mtm-spark",
    },
]


def grid(records: list[dict[str, Any]], grid_id: str) -> html.Div:
    """The measures grid; in print, the table assets/print.js builds of the rows it shows."""
    return html.Div(
        className="mtm-print-host",
        **{"data-grid": grid_id},
        children=[
            html.P(
                "Printed from the page: the columns that fit the paper. The “PDF to print” "
                "download of the scorecard has every column.",
                className="govuk-body-s mtm-print-only",
            ),
            _grid(records, grid_id),
        ],
    )


def _grid(records: list[dict[str, Any]], grid_id: str) -> dag.AgGrid:
    return ui.data_grid(
        grid_id,
        records,
        COLUMNS,
        column_defaults={
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
            "minWidth": 110,
            "flex": 1,
        },
        options={
            "getRowId": {"function": "params.data.id"},
            "suppressColumnVirtualisation": True,
        },
        getRowId="params.data.id",
        eventListeners={"cellKeyDown": ["mtmOpenLinkOnEnter(params)"]},
        style={"width": "100%"},
    )


def filter_rows(
    rows: list[dict[str, Any]],
    *,
    area: str | None = None,
    rag: str | None = None,
    q: str | None = None,
    changing: str | None = None,
    compare: str | None = None,
    exceptions: bool = False,
) -> list[dict[str, Any]]:
    """The scorecard rows a filtered URL asks for, in display order."""
    chosen = rows
    if area:
        chosen = [r for r in chosen if ui.slug(r["service_area"]) == ui.slug(area)]
    if rag in RAG_ORDER:
        chosen = [r for r in chosen if r["rag"] == rag]
    if changing in CHANGING_ORDER:
        chosen = [r for r in chosen if r["changing"] == changing]
    if compare in COMPARE_ORDER:
        chosen = [r for r in chosen if r["compare_group"] == compare]
    if q:
        needle = q.casefold().strip()
        chosen = [
            r
            for r in chosen
            if needle in (r["name"] + " " + r["indicator_id"] + " " + r["service_area"]).casefold()
        ]
    if exceptions:
        chosen = sorted(chosen, key=lambda r: -r["exception_score"])
    return chosen


def summary_grid(rows: list[dict[str, Any]], params: dict[str, str]) -> html.Div:
    """Is it changing (rows) x how do we compare (columns): counts that link to the list."""
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["changing"], r["compare_group"])
        counts[key] = counts.get(key, 0) + 1
    # The codes are fixed identifiers, so only the page's own parameters need encoding (a
    # national scorecard builds 21 of these links on every request).
    kept = _query(params)
    query = f"{kept}&" if kept else ""
    prefix = dash.get_relative_path("/?") + query
    body = []
    for changing in CHANGING_ORDER:
        cells: list[Any] = [html.Th(ui.changing_label(changing), scope="row")]
        for compare in COMPARE_ORDER:
            n = counts.get((changing, compare), 0)
            label = f"{n} measures: {ui.changing_label(changing)}, {COMPARE_LABELS[compare]}"
            cells.append(
                html.Td(
                    html.A(
                        str(n),
                        href=f"{prefix}changing={changing}&compare={compare}",
                        className="govuk-link",
                        **{"aria-label": label},
                    )
                    if n
                    else "0",
                    className="mtm-num",
                )
            )
        total = sum(counts.get((changing, c), 0) for c in COMPARE_ORDER)
        cells.append(
            html.Td(
                dcc.Link(str(total), href=f"/?{query}changing={changing}"),
                className="mtm-num",
            )
        )
        body.append(html.Tr(cells))
    caption = (
        "Measures by whether they are changing (SPC) and how we compare (national quartile, A best)"
    )
    head = ["Is it changing?", *(COMPARE_LABELS[c] for c in COMPARE_ORDER), "All"]
    return ui.table(caption, head, body, "mtm-summary-grid")


def _query(params: dict[str, str | None]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v})


def filter_form(rows: list[dict[str, Any]], params: dict[str, str]) -> html.Form:
    areas = sorted({r["service_area"] for r in rows})
    return html.Form(
        method="GET",
        action="/",
        className="mtm-filters",
        children=[
            html.Div(
                className="govuk-form-group",
                children=[
                    html.Label("Service area", htmlFor="filter-area", className="govuk-label"),
                    html.Select(
                        id="filter-area",
                        name="area",
                        className="govuk-select",
                        children=[html.Option("All areas", value="")]
                        + [
                            html.Option(
                                a, value=ui.slug(a), selected=ui.slug(a) == params.get("area")
                            )
                            for a in areas
                        ],
                    ),
                ],
            ),
            html.Div(
                className="govuk-form-group",
                children=[
                    html.Label("Against target", htmlFor="filter-rag", className="govuk-label"),
                    html.Select(
                        id="filter-rag",
                        name="rag",
                        className="govuk-select",
                        children=[html.Option("Any", value="")]
                        + [
                            html.Option(
                                f"{ui.RAG_SYMBOL[r]} {r.capitalize()}",
                                value=r,
                                selected=r == params.get("rag"),
                            )
                            for r in RAG_ORDER
                        ],
                    ),
                ],
            ),
            html.Div(
                className="govuk-form-group",
                children=[
                    html.Label("Search measures", htmlFor="filter-q", className="govuk-label"),
                    dcc.Input(
                        id="filter-q",
                        name="q",
                        type="search",
                        value=params.get("q", ""),
                        className="govuk-input",
                        debounce=True,
                    ),
                ],
            ),
            html.Div(
                className="govuk-form-group",
                children=[
                    html.Label("Order", htmlFor="filter-exceptions", className="govuk-label"),
                    html.Select(
                        id="filter-exceptions",
                        name="exceptions",
                        className="govuk-select",
                        children=[
                            html.Option("As in the plan", value=""),
                            html.Option(
                                "Exceptions first",
                                value="1",
                                selected=bool(params.get("exceptions")),
                            ),
                        ],
                    ),
                ],
            ),
            *[
                dcc.Input(type="hidden", name=key, value=params.get(key, ""), id=f"filter-{key}")
                for key in ("changing", "compare", "as_of")
                if params.get(key)
            ],
            html.Button("Apply filters", type="submit", className="govuk-button"),
            dcc.Link("Clear filters", href="/", className="govuk-link mtm-clear"),
        ],
    )


@dataclass(frozen=True)
class Overview:
    """The parts of the scorecard that depend on the version alone, not on the filters."""

    counts: html.P
    summary: html.Div
    areas: html.Ul


#: Kept per version (and as-of link), as the plan is: a national scorecard's overview is ~100
#: components that every request would otherwise build again. Served read-only, never changed.
_OVERVIEWS: KeptPerVersion[tuple[Any, int, str, str], Overview] = KeptPerVersion(keep=4)


#: The filter form, kept per version and filters: its service-area options (a national store has
#: twenty, each with its slug) are otherwise built again on every request.
_FILTER_FORMS: KeptPerVersion[tuple[Any, ...], html.Form] = KeptPerVersion(keep=32)


def version_overview(rows: list[dict[str, Any]], as_of: str | None) -> Overview:
    by_rag = Counter(row["rag"] for row in rows)
    areas = sorted({r["service_area"] for r in rows})
    return Overview(
        counts=html.P(
            f"{len(rows)} measures in {len(areas)} service areas: "
            + ", ".join(f"{by_rag[r]} {r}" for r in RAG_ORDER)
            + ".",
            className="govuk-body-l",
        ),
        summary=summary_grid(rows, {"as_of": as_of} if as_of else {}),
        areas=html.Ul(
            className="govuk-list mtm-area-list",
            children=[
                html.Li(dcc.Link(a, href=f"/area/{ui.slug(a)}", className="govuk-link"))
                for a in areas
            ],
        ),
    )


def layout(
    *,
    area: str | None = None,
    rag: str | None = None,
    q: str | None = None,
    exceptions: str | None = None,
    changing: str | None = None,
    compare: str | None = None,
    as_of: str | None = None,
    **_: Any,
) -> html.Div:
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError as exc:
        return ui.no_such_version("Scorecard", exc)
    rows = _context.listing_rows(snap)
    revised = _context.revised_since_board(snap)
    params = {
        k: v
        for k, v in {
            "area": area,
            "rag": rag,
            "q": q,
            "exceptions": exceptions,
            "changing": changing,
            "compare": compare,
            "as_of": as_of,
        }.items()
        if v
    }
    chosen = filter_rows(
        rows,
        area=area,
        rag=rag,
        q=q,
        changing=changing,
        compare=compare,
        exceptions=bool(exceptions),
    )
    overview = _OVERVIEWS.get(
        (snap.path, snap.version, as_of or "", dash.get_relative_path("/")),
        lambda: version_overview(rows, as_of),
    )
    return html.Div(
        [
            html.H1("Scorecard: measures that matter", className="govuk-heading-xl"),
            ui.version_note(snap),
            overview.counts,
            overview.summary,
            html.H2("Measures", className="govuk-heading-l"),
            _FILTER_FORMS.get(
                (snap.path, snap.version, tuple(sorted(params.items()))),
                lambda: filter_form(rows, params),
            ),
            html.P(
                f"Showing {len(chosen)} of {len(rows)} measures"
                + (", exceptions first." if exceptions else "."),
                className="govuk-body",
                role="status",
            ),
            *(
                [
                    ui.downloads(
                        "these measures",
                        "/export/scorecard",
                        {
                            "as_of": as_of,
                            "areas": area,
                            # Other filters have no export parameter: name the measures shown.
                            "measures": ",".join(dict.fromkeys(r["indicator_id"] for r in chosen))
                            if (rag or q or changing or compare) and chosen
                            else None,
                        },
                        (*ui.TABLE_DOWNLOADS, ("PDF to print", "pdf")),
                    )
                ]
                if chosen
                else []
            ),
            grid(
                # Records are decoded afresh per request; copied only when a column is added.
                [{**r["grid"], "revised": revised.get(r["indicator_id"], "")} for r in chosen]
                if revised
                else [r["grid"] for r in chosen],
                "scorecard-grid",
            ),
            html.H2("Service areas", className="govuk-heading-l"),
            overview.areas,
        ]
    )
