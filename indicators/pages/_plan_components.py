"""Pieces of page for the improvement plan: status tags, action tables, summaries, the trend,
milestones, and the panel of linked actions that the measure and area pages show.

Every status carries a word and a symbol as well as a colour. The rules (status, overdue days,
revised dates, exception order) live in indicators/plan.py; this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

from dash import dcc, html

from indicators import plan as rules
from indicators.pages import _components as ui
from indicators.pages import _context
from indicators.store import KeptPerVersion

SUMMARY_COLUMNS = (*rules.STATUSES, rules.OVERDUE)


def today_for(as_of: str | None) -> dt.date:
    """The day the plan is judged at when it has no as_at: an ``as_of`` date, else today."""
    if as_of:
        try:
            return dt.date.fromisoformat(str(as_of).strip())
        except ValueError:
            pass
    return dt.date.today()


#: Plans read from published versions. A version never changes once published, so its plan is
#: read (six queries) once per process rather than on every measure and area page.
_PLANS: KeptPerVersion[tuple[Any, int, str], rules.PlanData] = KeptPerVersion(keep=4)


def load(snap: Any) -> rules.PlanData:
    """The plan as this version holds it. Callers only read it: it is shared between requests."""
    name = _context.settings().plan_name
    return _PLANS.get((snap.path, snap.version, name), lambda: rules.load(snap, name))


#: Each version's measures by id, for the names and RAG beside linked actions: every measure and
#: area page lists them, and they never change within a version.
_MEASURES: KeptPerVersion[tuple[Any, int], dict[str, dict[str, Any]]] = KeptPerVersion(keep=4)


def measures_by_id(snap: Any) -> dict[str, dict[str, Any]]:
    """The headline scorecard row of each measure. Callers only read it: it is shared between
    requests."""

    def build() -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for row in _context.listing_rows(snap):
            rows.setdefault(row["indicator_id"], row)
        return rows

    return _MEASURES.get((snap.path, snap.version), build)


def plan_href(plan_id: str, **params: str | None) -> str:
    query = {"plan": plan_id or None, **params}
    text = urllib.parse.urlencode({k: v for k, v in query.items() if v})
    return "/plan" + (f"?{text}" if text else "")


def action_anchor(action_id: str) -> str:
    """The element id an action's row carries, as indicators.plan's links expect it."""
    return "action-" + rules.slug(action_id)


# --- tags -----------------------------------------------------------------------------------------


def status_tag(status: str) -> html.Strong:
    return html.Strong(
        f"{rules.STATUS_SYMBOL[status]} {rules.STATUS_LABEL[status]}",
        className=f"mtm-tag mtm-tag--{rules.STATUS_COLOUR[status]}",
    )


def overdue_tag(view: rules.ActionView) -> html.Strong | str:
    if not view.overdue:
        return ""
    return html.Strong(rules.overdue_text(view), className="mtm-tag mtm-tag--red")


def judgement_tag(judgement: str) -> html.Strong:
    return html.Strong(
        f"{rules.JUDGEMENT_SYMBOL[judgement]} {rules.JUDGEMENT_LABEL[judgement]}",
        className=f"mtm-tag mtm-tag--{rules.JUDGEMENT_COLOUR[judgement]}",
    )


def measure_links(linked: Sequence[str], measures: dict[str, dict[str, Any]]) -> list[Any]:
    """Each linked measure as a link to its page with its RAG in words."""
    items: list[Any] = []
    for ident in linked:
        row = measures.get(ident)
        href = f"/measure/{urllib.parse.quote(ident)}"
        if row is None:
            items.append(html.Li(dcc.Link(ident, href=href, className="govuk-link")))
            continue
        items.append(
            html.Li(
                [
                    dcc.Link(row["name"], href=href, className="govuk-link mtm-linked-measure"),
                    " ",
                    ui.rag_tag(row),
                ]
            )
        )
    return [html.Ul(items, className="govuk-list")] if items else ["–"]


def _latest(view: rules.ActionView) -> list[Any]:
    latest = view.latest
    if latest is None:
        return ["No update yet."]
    meta = f"{rules.format_date(latest.as_of)}" + (f", {latest.author}" if latest.author else "")
    parts: list[Any] = [
        html.Span(latest.text or "(no text)"),
        html.Br(),
        html.Span(meta, className="mtm-meta"),
    ]
    if view.stale:
        parts += [html.Br(), html.Span("Not updated for two months.", className="mtm-meta")]
    return parts


def _due(view: rules.ActionView) -> list[Any]:
    words = view.due_text
    parts: list[Any] = [words[:1].upper() + words[1:]]
    if view.action.due_text:
        parts += [html.Br(), html.Span(f"Plan: {view.action.due_text}", className="mtm-meta")]
    return parts


def actions_table(
    views: Sequence[rules.ActionView],
    measures: dict[str, dict[str, Any]],
    caption: str,
    *,
    with_recommendation: bool = False,
    anchors: bool = True,
) -> html.Div:
    """Actions with lead, due (and revision), status, latest update, overdue and measures."""
    head = ["Action", "Lead", "Due", "Status", "Latest update", "Linked measures"]
    if with_recommendation:
        head.insert(1, "Recommendation")
    body = []
    for view in views:
        action = view.action
        first: list[Any] = [
            html.Strong(action.action_id, className="mtm-action-id"),
            " ",
            action.action,
        ]
        if action.how_measured:
            first += [
                html.Br(),
                html.Span(f"Measured by: {action.how_measured}", className="mtm-meta"),
            ]
        if action.partners:
            first += [html.Br(), html.Span(f"Partners: {action.partners}", className="mtm-meta")]
        cells: list[Any] = [
            html.Td(first, **({"id": action_anchor(action.action_id)} if anchors else {})),
            html.Td(action.lead + (f" ({action.lead_agency})" if action.lead_agency else "")),
            html.Td(_due(view)),
            html.Td([status_tag(view.status), " ", overdue_tag(view)]),
            html.Td(_latest(view)),
            html.Td(measure_links(action.linked, measures)),
        ]
        if with_recommendation:
            cells.insert(1, html.Td(action.recommendation))
        body.append(html.Tr(cells))
    return ui.table(caption, head, body, "mtm-plan-actions")


def summary_table(
    rows: Sequence[tuple[Any, rules.Summary]], caption: str, row_header: str
) -> html.Div:
    """Progress counts: one row per recommendation (or date), a column per status.

    ``row_header`` names the first column for screen readers (it is plain from the rows)."""
    head: list[Any] = (
        [
            html.Span(row_header, className="govuk-visually-hidden"),
            *(rules.STATUS_LABEL[s] for s in rules.STATUSES),
            "Overdue",
            "Total",
        ]
        if rows
        else []
    )
    body = [
        html.Tr(
            [html.Th(label, scope="row")]
            + [html.Td(str(summary.count(s)), className="mtm-num") for s in SUMMARY_COLUMNS]
            + [html.Td(str(summary.total), className="mtm-num")]
        )
        for label, summary in rows
    ]
    return ui.table(caption, head, body, "mtm-plan-summary")


def trend_block(points: Sequence[rules.TrendPoint], fig_id: str = "plan-trend") -> html.Div:
    """The trend of the status counts: a chart with its words, and the same as a table."""
    if len(points) < 2:
        return html.P(rules.trend_alt_text(points), className="govuk-body")
    table = summary_table(
        [(rules.format_date(p.on), p.summary) for p in reversed(points)],
        "Action status at each reporting date, newest first",
        "Reporting date",
    )
    return html.Div(
        [
            ui.chart_figure(
                rules.trend_figure(points),
                rules.trend_alt_text(points),
                fig_id,
                "Progress over past updates",
            ),
            html.Details(
                [html.Summary("Show the trend as a table", className="govuk-link"), table],
                className="mtm-confirm",
            ),
        ]
    )


def milestones_block(views: Sequence[rules.MilestoneView]) -> html.Div:
    """Goals and their dated milestones, the board's latest judgement of each, and what falls
    due before the next meeting."""
    if not views:
        return html.Div()
    first = views[0]
    due_soon = [v for v in views if v.due_before_next_meeting]
    waiting = [v for v in views if v.awaiting_judgement]
    notice = html.Div(
        className="mtm-notice",
        children=[
            html.H3(
                f"Due before the next meeting ({rules.format_day(first.next_board)})",
                className="govuk-heading-s",
            ),
            html.Ul(
                [html.Li(f"{v.milestone.milestone_id}: {v.milestone.statement}") for v in due_soon]
                or [html.Li("No milestone falls due before the next meeting.")],
                className="govuk-list govuk-list--bullet",
            ),
            *(
                [
                    html.P(
                        f"{len(waiting)} milestone{'' if len(waiting) == 1 else 's'} past "
                        "due and not yet judged: "
                        + ", ".join(v.milestone.milestone_id for v in waiting)
                        + ".",
                        className="govuk-body",
                    )
                ]
                if waiting
                else []
            ),
        ],
    )
    goals: dict[str, list[rules.MilestoneView]] = {}
    for view in views:
        goals.setdefault(view.milestone.goal, []).append(view)
    tables = [
        ui.table(
            goal,
            ("Milestone", "By", "Where we aim to be", "Judgement"),
            [_milestone_row(v) for v in rows],
            "mtm-plan-milestones",
        )
        for goal, rows in goals.items()
    ]
    return html.Div([notice, *tables])


def _milestone_row(view: rules.MilestoneView) -> html.Tr:
    milestone, latest = view.milestone, view.latest
    if latest is None:
        verdict: list[Any] = [
            "Awaiting judgement" if view.awaiting_judgement else "Not yet due",
        ]
        if view.due_before_next_meeting:
            verdict += [html.Br(), html.Strong("Due before the next meeting")]
    else:
        verdict = [
            judgement_tag(latest.judgement),
            html.Br(),
            html.Span(
                f"{rules.format_date(latest.judged_on)}"
                + (f", {latest.judged_by}" if latest.judged_by else ""),
                className="mtm-meta",
            ),
        ]
        if latest.evidence:
            verdict += [html.Br(), html.Span(latest.evidence)]
    return html.Tr(
        [
            html.Td(milestone.milestone_id),
            html.Td(
                [milestone.horizon or "", html.Br(), rules.format_date(milestone.due_date)]
                if milestone.horizon
                else rules.format_date(milestone.due_date)
            ),
            html.Td(milestone.statement),
            html.Td(verdict),
        ]
    )


# --- the panel on the measure and area pages ------------------------------------------------------


def _linked_views(
    data: rules.PlanData,
    today: dt.date,
    indicator_id: str | None,
    area: str | None,
    measures: dict[str, dict[str, Any]],
) -> list[rules.ActionView]:
    area_measures = (
        {i for i, row in measures.items() if ui.slug(row["service_area"]) == area}
        if area
        else set()
    )
    chosen = []
    for action in data.actions:  # judged only once chosen: a plan has hundreds of actions
        if data.plan(action.plan).example:
            continue  # another council's plan is never linked to this council's measures
        by_measure = indicator_id is not None and indicator_id in action.linked
        by_area = bool(area) and (
            rules.slug(action.area or "") == area or bool(area_measures.intersection(action.linked))
        )
        if by_measure or by_area:
            chosen.append(data.view(action, today))
    return sorted(chosen, key=rules.exception_key)


def linked_actions_panel(
    snap: Any, indicator_id: str | None = None, area: str | None = None
) -> html.Section:
    """The improvement-plan actions linked to a measure, or belonging to a service area (by the
    action's area, or through a measure of that area), exceptions first."""
    data = load(snap)
    measures = measures_by_id(snap)
    views = _linked_views(data, dt.date.today(), indicator_id, area, measures)
    what = "this measure" if indicator_id is not None else "this service area"
    if not views:
        body: list[Any] = [
            html.P(f"No improvement-plan actions are linked to {what}.", className="govuk-body")
        ]
    else:
        summary = rules.summarise(views)
        body = [
            html.P(summary.text() + ".", className="govuk-body"),
            actions_table(
                views,
                measures,
                f"Actions linked to {what}, exceptions first",
                anchors=False,
            ),
            html.P(
                dcc.Link("See the whole improvement plan", href="/plan", className="govuk-link"),
                className="govuk-body",
            ),
        ]
    return html.Section(
        className="mtm-plan-panel",
        **{"aria-label": "Improvement plan actions"},
        children=[html.H2("Improvement plan actions", className="govuk-heading-m"), *body],
    )


def views_by_recommendation(
    views: Iterable[rules.ActionView], data: rules.PlanData
) -> list[tuple[rules.Recommendation, list[rules.ActionView]]]:
    grouped: dict[str, list[rules.ActionView]] = {}
    for view in views:
        grouped.setdefault(view.action.recommendation_key, []).append(view)
    recs = [data.recommendations[key] for key in grouped]
    return [(rec, grouped[rec.key]) for rec in sorted(recs, key=lambda r: r.order)]
