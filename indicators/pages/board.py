"""`/board`: meeting mode. One measure per screen for the improvement board, keyboard driven.

The trend chart large, the four answers beside it in words (against target, is it changing,
compared with others, why and what we are doing), exceptions first, then by service area.
Everything is in the URL (``?slide=7&area=&as_of=&table=1&publication=1``), so a link opens the
same slide; prev/next/first/last are real links (assets/board.js only clicks them for the arrow
keys, Page Up/Down, Home and End, and adds ``f`` full screen and ``t`` table view).
``?view=all`` stacks every slide, one per printed page (assets/board.css has the print rules).
The words and the order come from loaders.exports.content, so the board pack says the same.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import dash
from dash import dcc, html

from indicators import metrics
from indicators.pages import _components as ui
from indicators.pages import _context
from loaders.exports import content
from loaders.exports.data import Board, ExportError, Options, as_of_date, open_board

dash.register_page(__name__, path="/board", title="Improvement board", name="Board", versioned=True)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
#: Linked actions listed on a slide; the rest are counted (the plan page lists them all).
MOST_ACTIONS = 2
KEYS_HELP = (
    "Keys: ← → or Page Up / Page Down move · Home / End first and last · "
    "f full screen · t table view"
)


def _areas(area: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (area or "").split(",") if a.strip())


def href(**params: Any) -> str:
    """A /board URL keeping only the parameters that are set."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "", 0)})
    return "/board" + (f"?{query}" if query else "")


def _position(slide: Any, count: int) -> int:
    try:
        wanted = int(str(slide).strip())
    except (TypeError, ValueError):
        wanted = 1
    return min(max(wanted, 1), count)


def _move(label: str, target: str | None, key: str) -> Any:
    """A move link (``board-<key>``, clicked by board.js), or plain text at the ends."""
    if target is None:
        return html.Span(label, className="mtm-board__move mtm-board__move--off")
    return dcc.Link(label, href=target, id=f"board-{key}", className="mtm-board__move")


def answer_block(answer: content.Answer, *, level: int = 2) -> html.Div:
    """One of the four answers; ``level`` is its question's heading level (under the title)."""
    tone = f" mtm-board__answer--{answer.tone}" if answer.tone else ""
    return html.Div(
        className=f"mtm-board__answer{tone}",
        children=[
            (html.H2 if level == 2 else html.H3)(answer.question, className="mtm-board__question"),
            html.P(answer.headline, className=f"mtm-board__headline mtm-board__{answer.key}"),
            *[html.P(d, className="mtm-board__detail") for d in answer.details],
        ],
    )


def data_table(row: dict[str, Any], points: list[dict[str, Any]]) -> html.Div:
    """The chart's figures as a table (the ``t`` view): newest month first, the unit once in
    the headings rather than in every cell."""

    def number(value: Any, hidden: bool = False) -> str:
        return "c" if hidden else metrics.format_value(value, "number", row["decimals"])

    unit = "" if row["unit"] in ("count", "number") else f" ({row['unit_label']})"
    body = [
        html.Tr(
            [
                html.Th(content.month(p["date"]), scope="row"),
                html.Td(number(p["value"], bool(p.get("suppressed"))), className="mtm-num"),
                html.Td(number(p.get("mean")), className="mtm-num"),
                html.Td(
                    f"{number(p.get('lpl'))} to {number(p.get('upl'))}"
                    if p.get("mean") is not None
                    else "–",
                    className="mtm-num",
                ),
                html.Td((p.get("point_type") or "–").replace("_", " ")),
            ]
        )
        for p in reversed(points)
    ]
    return html.Div(
        className="mtm-board__table",
        tabIndex="0",
        role="region",
        **{"aria-label": "The figures behind the chart"},
        children=html.Table(
            className="govuk-table",
            children=[
                html.Caption(
                    "The figures behind the chart, newest first", className="govuk-table__caption"
                ),
                html.Thead(
                    html.Tr(
                        [
                            html.Th(h, scope="col")
                            for h in (
                                "Month",
                                f"Value{unit}",
                                "SPC mean",
                                "SPC limits",
                                "SPC point",
                            )
                        ]
                    )
                ),
                html.Tbody(body),
            ],
        ),
    )


def slide_section(
    board: Board,
    row: dict[str, Any],
    index: int,
    *,
    table: bool,
    heading_id: str = "board-title",
) -> html.Section:
    """One measure: meta line, title, the chart (or its table) and the four answers."""
    chart = board.chart(row, font_size=17, height=None)
    # Meeting mode shows one slide: its title is the page's heading. Printing stacks every
    # slide under one page heading, so each slide's headings are a level lower.
    alone = heading_id == "board-title"
    reasons = content.exception_reasons(row)
    meta: list[Any] = [html.Span(row["service_area"], className="mtm-board__area")]
    if not alone:  # printing every slide: no bar, so say where we are
        meta.insert(0, html.Span(f"{index} of {len(board.rows)}", className="mtm-board__position"))
    if reasons:
        meta.append(
            html.Strong("Exception: " + "; ".join(reasons), className="mtm-board__exception")
        )
    visual: Any
    if table:
        visual = data_table(row, chart.points)
    else:
        figure_id = "board-chart" if heading_id == "board-title" else f"board-chart-{index}"
        visual = html.Figure(
            className="mtm-board__figure",
            children=[
                dcc.Graph(
                    id=figure_id,
                    figure=chart.figure,
                    config={"displaylogo": False, "displayModeBar": False, "responsive": True},
                    className="mtm-board__graph",
                ),
                html.Figcaption(chart.alt, className="mtm-board__alt"),
            ],
        )
    return html.Section(
        className="mtm-board__slide",
        **{"aria-labelledby": heading_id},
        children=[
            html.P(meta, className="mtm-board__meta"),
            (html.H1 if alone else html.H2)(
                content.measure_name(row),
                id=heading_id,
                className="mtm-board__title",
                tabIndex="-1",
            ),
            html.Div(
                className="mtm-board__body",
                children=[
                    html.Div(className="mtm-board__visual", children=visual),
                    html.Div(
                        className="mtm-board__answers",
                        children=[
                            answer_block(a, level=2 if alone else 3)
                            for a in content.answers(
                                row, board.actions(row), most_actions=MOST_ACTIONS
                            )
                        ],
                    ),
                ],
            ),
        ],
    )


def _filters(board: Board, rows: list[dict[str, Any]], params: dict[str, Any]) -> html.Form:
    areas = list(dict.fromkeys(r["service_area"] for r in rows))
    chosen = params.get("area") or ""
    return html.Form(
        method="GET",
        action="/board",
        className="mtm-board__filters",
        children=[
            html.Label("Service area", htmlFor="board-area"),
            html.Select(
                id="board-area",
                name="area",
                className="govuk-select",
                children=[html.Option("All areas", value="")]
                + [
                    html.Option(a, value=content.slug(a), selected=content.slug(a) == chosen)
                    for a in sorted(areas)
                ],
            ),
            html.Label("Board date", htmlFor="board-as-of"),
            dcc.Input(
                id="board-as-of",
                name="as_of",
                type="text",
                value=params.get("as_of") or "",
                placeholder="YYYY-MM-DD",
                pattern=r"\d{4}-\d{2}-\d{2}|load:\d+",
                size="11",
                className="govuk-input",
            ),
            html.Label("Figures", htmlFor="board-publication"),
            html.Select(
                id="board-publication",
                name="publication",
                className="govuk-select",
                children=[
                    html.Option("All figures", value=""),
                    html.Option(
                        "For publication (small counts as c)",
                        value="1",
                        selected=bool(params.get("publication")),
                    ),
                ],
            ),
            html.Button("Show", type="submit", className="govuk-button mtm-board__go"),
        ],
    )


def _downloads(board: Board, params: dict[str, Any], row: dict[str, Any] | None) -> html.Details:
    keep = {
        "as_of": params.get("as_of"),
        "areas": params.get("area"),
        "publication": params.get("publication"),
    }
    query = urllib.parse.urlencode({k: v for k, v in keep.items() if v})
    suffix = f"?{query}" if query else ""
    links = [
        ("Board pack: PowerPoint", f"/export/board-pack.pptx{suffix}"),
        ("Board pack: PDF", f"/export/board-pack.pdf{suffix}"),
        ("Scorecard: Excel", f"/export/scorecard.xlsx{suffix}"),
        ("Scorecard: CSV", f"/export/scorecard.csv{suffix}"),
        ("Scorecard: PDF to print", f"/export/scorecard.pdf{suffix}"),
    ]
    if row is not None:
        ident = urllib.parse.quote(row["indicator_id"])
        measure_query = urllib.parse.urlencode(
            {k: v for k, v in {**keep, "areas": None}.items() if v}
        )
        measure_suffix = f"?{measure_query}" if measure_query else ""
        links += [
            ("This measure's data: Excel", f"/export/measure/{ident}.xlsx{measure_suffix}"),
            ("This measure's data: CSV", f"/export/measure/{ident}.csv{measure_suffix}"),
        ]
    links.append(
        (
            "Every measure on one page, to print",
            href(
                view="all",
                area=params.get("area"),
                as_of=params.get("as_of"),
                publication=params.get("publication"),
            ),
        )
    )
    return html.Details(
        className="mtm-board__downloads",
        children=[
            html.Summary("Download or print"),
            html.Ul(
                [
                    html.Li(html.A(label, href=target, className="govuk-link"))
                    for label, target in links
                ]
            ),
        ],
    )


def _version_line(board: Board, params: dict[str, Any]) -> html.P:
    ctx = board.context
    when = f"Board date {ctx.as_of_text}" if params.get("as_of") else "Latest data"
    text = f"{when} · data version load {ctx.version}"
    if ctx.version != ctx.latest:
        text += f" (the latest is load {ctx.latest})"
    if ctx.publication_note:
        text += " · for publication: small counts shown as c"
    return html.P(text, className="mtm-board__version")


def _problem(title: str, message: str) -> html.Div:
    return html.Div(
        className="mtm-board",
        children=[
            html.H1(title, className="govuk-heading-xl"),
            ui.error_panel(title, message),
            dcc.Link("Show the latest board", href="/board", className="govuk-link"),
        ],
    )


def layout(
    *,
    slide: str | None = None,
    area: str | None = None,
    as_of: str | None = None,
    table: str | None = None,
    publication: str | None = None,
    view: str | None = None,
    **_: Any,
) -> html.Div:
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError as exc:
        return _problem("There is no such version", str(exc))
    publishing = (publication or "").strip().lower() in TRUE_WORDS
    options = Options(as_of=as_of, areas=_areas(area), publication=publishing)
    try:
        board = open_board(_context.settings(), options, snapshot=(snap, as_of_date(snap, as_of)))
    except ExportError as exc:
        return _problem("Nothing to show", str(exc))
    params = {
        "area": ",".join(content.slug(a) for a in _areas(area)) or None,
        "as_of": as_of,
        "publication": "1" if publishing else None,
    }
    every = _context.scorecard_rows(snap)
    if not board.rows:
        return _problem("Nothing to show", "There are no measures in this version yet.")
    count = len(board.rows)
    if (view or "") == "all":
        return html.Div(
            className="mtm-board mtm-board--all",
            children=[
                html.H1(
                    f"Every measure, one per printed page ({count})",
                    className="govuk-heading-l mtm-board__noprint",
                ),
                html.P(
                    [
                        dcc.Link("← Back to meeting mode", href=href(**params)),
                        "Print this page for one measure per page.",
                    ],
                    className="mtm-board__bar mtm-board__noprint",
                ),
                _version_line(board, params),
                *[
                    slide_section(board, row, i, table=False, heading_id=f"board-title-{i}")
                    for i, row in enumerate(board.rows, start=1)
                ],
            ],
        )
    index = _position(slide, count)
    row = board.rows[index - 1]
    showing_table = (table or "").strip().lower() in TRUE_WORDS
    here = {**params, "table": "1" if showing_table else None}

    def at(n: int) -> str:
        return href(slide=n, **here)

    bar = html.Nav(
        className="mtm-board__bar",
        **{"aria-label": "Board controls"},
        children=[
            html.Div(
                className="mtm-board__moves",
                children=[
                    _move("⇤ First", at(1) if index > 1 else None, "first"),
                    _move("← Previous", at(index - 1) if index > 1 else None, "prev"),
                    html.Strong(
                        f"{index} of {count}",
                        className="mtm-board__count",
                        id="board-count",
                    ),
                    _move("Next →", at(index + 1) if index < count else None, "next"),
                    _move("Last ⇥", at(count) if index < count else None, "last"),
                ],
            ),
            html.Div(
                className="mtm-board__tools",
                children=[
                    dcc.Link(
                        "Chart view (t)" if showing_table else "Table view (t)",
                        href=href(
                            slide=index, **{**params, "table": None if showing_table else "1"}
                        ),
                        id="board-table",
                        className="mtm-board__move",
                    ),
                    html.Button(
                        "Full screen (f)",
                        id="board-fullscreen",
                        type="button",
                        className="mtm-board__button",
                    ),
                    dcc.Link("Exit", href="/", className="mtm-board__move"),
                ],
            ),
        ],
    )
    return html.Div(
        className="mtm-board",
        **{"data-slide": str(index), "data-count": str(count)},
        children=[
            bar,
            slide_section(board, row, index, table=showing_table),
            html.Div(
                className="mtm-board__foot",
                children=[
                    _version_line(board, params),
                    html.P(KEYS_HELP, className="mtm-board__keys"),
                    _filters(board, every, params),
                    _downloads(board, params, row),
                ],
            ),
        ],
    )
