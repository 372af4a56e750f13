"""Small pieces of page the scorecard, area and measure pages share.

Every state carries a word (and a symbol), never colour alone; colours come from assets/mtm.css.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from indicators.listing import (  # noqa: F401 - the pages' shared names, defined in pure code
    RAG_SYMBOL,
    comparator_texts,
    direction_text,
    fmt,
    grid_record,
    month,
    slug,
    spc_text,
    target_text,
)
from indicators.scorecard import CHANGING_LABELS


def rag_tag(row: dict[str, Any]) -> html.Span:
    rag = row["rag"]
    return html.Span(f"{RAG_SYMBOL[rag]} {row['rag_label']}", className=f"mtm-tag mtm-tag--{rag}")


def changing_label(key: str) -> str:
    return CHANGING_LABELS.get(key, key)


def chart_figure(fig: dict[str, Any], alt: str, fig_id: str, caption: str) -> html.Figure:
    """A chart in a <figure> with its text alternative as caption and aria description."""
    return html.Figure(
        className="mtm-figure",
        children=[
            dcc.Graph(id=fig_id, figure=fig, config={"displaylogo": False, "responsive": True}),
            html.Figcaption([html.Strong(caption + ". "), html.Span(alt, className="mtm-alt")]),
        ],
    )


def table(
    caption: str, head: Sequence[Any], rows: Sequence[html.Tr], class_name: str = ""
) -> html.Div:
    """A GOV.UK table: its caption, a column header per item of ``head``, and ``rows``.

    It scrolls sideways on its own when the screen is narrower than it, rather than the whole
    page: in a region named by the caption, which a keyboard user can focus and scroll with the
    arrow keys (the pattern of Adrian Roselli's responsive tables)."""
    return html.Div(
        html.Table(
            className=f"govuk-table {class_name}".strip(),
            children=[
                html.Caption(caption, className="govuk-table__caption"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                html.Tbody(list(rows)),
            ],
        ),
        className="mtm-table-scroll",
        role="region",
        tabIndex="0",
        **{"aria-label": caption},
    )


def error_panel(title: str, message: str) -> html.Div:
    return html.Div(
        className="mtm-error-summary",
        role="alert",
        children=[
            html.H2(title, className="govuk-heading-m"),
            html.P(message),
        ],
    )


def no_such_version(title: str, error: Exception) -> html.Div:
    """The page an unknown ``?as_of=`` gets: its usual heading, and why there is nothing."""
    return html.Div(
        [
            html.H1(title, className="govuk-heading-xl"),
            error_panel("There is no such version", str(error)),
        ]
    )


def version_note(snap: Any) -> html.P:
    if snap.is_latest:
        return html.P(f"Data version: load {snap.version} (latest).", className="mtm-version")
    return html.P(
        [
            html.Strong(f"You are looking at an earlier version: load {snap.version}. "),
            f"The latest is load {snap.latest}. ",
            dcc.Link("Show the latest", href="?"),
        ],
        className="mtm-version mtm-version--past",
    )


#: Download formats as their link words: the tables; the scorecard also prints (PDF).
TABLE_DOWNLOADS = (("Excel", "xlsx"), ("CSV", "csv"))


def downloads(
    what: str,
    path: str,
    params: dict[str, str | None],
    formats: tuple[tuple[str, str], ...] = TABLE_DOWNLOADS,
) -> html.P:
    """Links to the same figures as files (loaders/exports), keeping the page's choices."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    suffix = f"?{query}" if query else ""
    links: list[Any] = []
    for word, extension in formats:
        if links:
            links.append(", ")
        links.append(
            html.A(word, href=f"{path}.{extension}{suffix}", className="govuk-link", download="")
        )
    return html.P([f"Download {what}: ", *links, "."], className="govuk-body mtm-downloads")


def data_grid(
    grid_id: str,
    rows: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    *,
    column_defaults: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    **props: Any,
) -> dag.AgGrid:
    """A table as every page shows one: sortable and filterable, as tall as its rows, text
    selectable, cells in DOM order for screen readers, and Tab leaving the grid (the arrow keys
    move within it; else every cell is a Tab stop)."""
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            **(column_defaults or {}),
        },
        dashGridOptions={
            "domLayout": "autoHeight",
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "tabToNextCell": {"function": "false"},
            **(options or {}),
        },
        className="ag-theme-alpine mtm-grid",
        **props,
    )
