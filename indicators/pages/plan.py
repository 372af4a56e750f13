"""`/plan`: the improvement plan. Recommendations with their outcomes and actions; per action the
lead, due date (and any revision), status in words and colour, latest update, days overdue and
linked measures with their RAG; progress per recommendation and overall, with its trend; the
strategic goals' milestones with the board's judgements; and a form to record a progress update.

All state is in the URL (``?plan=&area=&lead=&status=&timescale=&exceptions=1&as_of=``): the filter
form is a plain GET form, as on the scorecard. Several plans can be shown: this council's own, and
example plans from other councils (read-only, never linked to this council's measures).

Who may record an update is decided by one hook, ``can_update_action(user, action)``, checked both
when the form is drawn and again on the server when it is submitted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from indicators import plan as rules
from indicators.pages import _auth, _context
from indicators.pages import _components as ui
from indicators.pages import _plan_components as parts
from loaders.ops import Account

dash.register_page(__name__, path="/plan", title="Improvement plan", name="Plan", versioned=True)

STATUS_FILTERS = (*rules.STATUSES, rules.OVERDUE)
STATUS_FILTER_LABELS = {**rules.STATUS_LABEL, rules.OVERDUE: "Overdue"}
TIMESCALE_LABELS = {
    "immediately": "Immediately",
    "3 months": "Within 3 months",
    "6 months": "Within 6 months",
}


# --- who may update -------------------------------------------------------------------------------


def can_update_action(user: Account | None, action: dict[str, Any]) -> bool:
    """THE hook for roles: may ``user`` record a progress update on ``action``?

    ``user`` is the signed-in account; ``action`` is the action as ``indicators.plan.view_record``
    gives it (``action_id``, ``area``, ``lead``, ``plan_id``, ...), looked up on the server. It
    decides which actions the form offers and, again on the server, every submitted update.
    DESIGN section 7: the data team anywhere, a service manager for actions in their areas (an
    action with no area: the data team only).
    """
    return user is not None and user.can_write_area(str(action.get("area") or ""))


def _record(data: rules.PlanData, action_id: object) -> dict[str, Any] | None:
    """An action as the hook sees it, from this version of the store (never from the browser)."""
    found = next((a for a in data.actions if a.action_id == action_id), None)
    if found is None:
        return None
    owner = data.plan(found.plan)
    view = rules.judge(found, data.updates.get(found.action_id, ()), owner.judged_at(_today()))
    return rules.view_record(view, owner)


def _today() -> dt.date:
    return parts.today_for(None)


def may_update(account: Account, inputs: tuple[Any, ...]) -> bool:
    """The callback's rule: the action sent by the browser is looked up on the server first."""
    record = _record(parts.load(_context.snapshot()), inputs[1])
    return record is not None and can_update_action(account, record)


# --- filters --------------------------------------------------------------------------------------


def filter_views(
    views: list[rules.ActionView],
    data: rules.PlanData,
    *,
    area: str | None = None,
    lead: str | None = None,
    status: str | None = None,
    timescale: str | None = None,
) -> list[rules.ActionView]:
    """The actions a filtered URL asks for, in plan order."""
    chosen = views
    if area:
        chosen = [v for v in chosen if rules.slug(v.action.area or "") == rules.slug(area)]
    if lead:
        chosen = [v for v in chosen if lead in rules.split_leads(v.action.lead)]
    if status == rules.OVERDUE:
        chosen = [v for v in chosen if v.overdue]
    elif status in rules.STATUSES:
        chosen = [v for v in chosen if v.status == status]
    if timescale:
        chosen = [
            v
            for v in chosen
            if data.recommendations[v.action.recommendation_key].timescale == timescale
        ]
    return chosen


def _select(
    label: str, name: str, options: list[tuple[str, str]], chosen: str | None, anything: str
) -> html.Div:
    return html.Div(
        className="govuk-form-group",
        children=[
            html.Label(label, htmlFor=f"plan-filter-{name}", className="govuk-label"),
            html.Select(
                id=f"plan-filter-{name}",
                name=name,
                className="govuk-select",
                children=[html.Option(anything, value="")]
                + [
                    html.Option(text, value=value, selected=value == chosen)
                    for value, text in options
                ],
            ),
        ],
    )


def filter_form(
    views: list[rules.ActionView], data: rules.PlanData, params: dict[str, str]
) -> html.Form:
    areas = sorted({v.action.area for v in views if v.action.area})
    leads = sorted({name for v in views for name in rules.split_leads(v.action.lead)})
    timescales = [
        t
        for t in TIMESCALE_LABELS
        if any(data.recommendations[v.action.recommendation_key].timescale == t for v in views)
    ]
    groups = []
    if areas:
        groups.append(
            _select(
                "Service area",
                "area",
                [(rules.slug(a), a) for a in areas],
                params.get("area"),
                "All areas",
            )
        )
    groups.append(_select("Lead", "lead", [(n, n) for n in leads], params.get("lead"), "Anyone"))
    groups.append(
        _select(
            "Status",
            "status",
            [(s, STATUS_FILTER_LABELS[s]) for s in STATUS_FILTERS],
            params.get("status"),
            "Any",
        )
    )
    if timescales:
        groups.append(
            _select(
                "Timescale",
                "timescale",
                [(t, TIMESCALE_LABELS[t]) for t in timescales],
                params.get("timescale"),
                "Any",
            )
        )
    groups.append(
        _select(
            "Order",
            "exceptions",
            [("1", "Overdue and at risk first")],
            params.get("exceptions"),
            "As in the plan",
        )
    )
    hidden = [
        dcc.Input(type="hidden", name=key, value=params[key], id=f"plan-filter-keep-{key}")
        for key in ("plan", "as_of")
        if params.get(key)
    ]
    return html.Form(
        method="GET",
        action="/plan",
        className="mtm-filters",
        children=[
            *groups,
            *hidden,
            html.Button("Apply filters", type="submit", className="govuk-button"),
            dcc.Link(
                "Clear filters",
                href=parts.plan_href(params.get("plan", "")),
                className="govuk-link mtm-clear",
            ),
        ],
    )


# --- sections -------------------------------------------------------------------------------------


def _plans_nav(plans: list[rules.Plan], chosen: rules.Plan, as_of: str | None) -> list[Any]:
    if len(plans) < 2:
        return []
    items = []
    for plan in plans:
        label = plan.name + (" (example from another council)" if plan.example else "")
        attrs = {"aria-current": "page"} if plan.plan_id == chosen.plan_id else {}
        items.append(
            html.Li(
                html.A(
                    label,
                    href=parts.plan_href(plan.plan_id, as_of=as_of),
                    className="govuk-link",
                    **attrs,
                )
            )
        )
    return [
        html.Nav(
            **{"aria-label": "Plans"},
            children=[
                html.H2("Plans", className="govuk-heading-s"),
                html.Ul(items, className="govuk-list govuk-list--bullet"),
            ],
        )
    ]


def _plan_header(plan: rules.Plan, on: Any, board: Any) -> list[Any]:
    board_words = (
        f"Next board meeting: {rules.format_day(board)}."
        if plan.next_board_date == board
        else f"Next board meeting: no date set; looking ahead to {rules.format_day(board)}."
    )
    notice: list[Any] = []
    if plan.example:
        notice.append(
            html.P(
                html.Strong(
                    f"Example plan from another council ({plan.council or 'not named'}): "
                    "shown for comparison, read-only, and not linked to this council's measures."
                ),
                className="govuk-body",
            )
        )
    if plan.source:
        notice.append(html.P(plan.source, className="govuk-body"))
    return [
        html.H2(plan.name, className="govuk-heading-l", id="plan-name"),
        html.P(
            f"Progress as at {rules.format_day(on)}"
            + (" (the date this plan is reported at)." if plan.as_at else " (today).")
            + f" {board_words}",
            className="govuk-body",
        ),
        *([html.Div(notice, className="mtm-notice")] if notice else []),
    ]


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _recommendation_block(
    rec: rules.Recommendation,
    views: list[rules.ActionView],
    measures: dict[str, dict[str, Any]],
) -> html.Section:
    facts = [
        f"Recommendation {rec.recommendation_id}" if rec.recommendation_id else "Recommendation"
    ]
    if rec.source:
        facts.append(f"Source: {rec.source}")
    if rec.timescale:
        facts.append(f"Timescale: {TIMESCALE_LABELS.get(rec.timescale, rec.timescale).lower()}")
    if rec.due_date:
        facts.append(f"Due: {rules.format_date(rec.due_date)}")
    if rec.theme:
        facts.append(f"Theme: {rec.theme}")
    outcome: list[Any] = []
    if rec.outcome:
        outcome.append(
            html.P(
                [html.Strong("What difference will this make? "), rec.outcome],
                className="govuk-body",
            )
        )
    if rec.evidence:
        outcome.append(
            html.P([html.Strong("How will we know? "), rec.evidence], className="govuk-body")
        )
    by_outcome: dict[str, list[rules.ActionView]] = {}
    for view in views:
        by_outcome.setdefault(view.action.outcome or "", []).append(view)
    tables = [
        parts.actions_table(
            group,
            measures,
            f"Outcome: {text}" if text else f"Actions ({len(group)})",
        )
        for text, group in by_outcome.items()
    ]
    anchor = f"rec-{rules.slug(rec.key)}"
    return html.Section(
        id=anchor,
        className="mtm-plan-recommendation",
        # Labelled by its reference and whole heading: a plan may give two service areas the
        # same recommendation, and many share their first words.
        **{"aria-labelledby": f"{anchor}-ref {anchor}-title"},
        children=[
            html.H3(rec.recommendation, id=f"{anchor}-title", className="govuk-heading-s"),
            html.P(
                [html.Span(facts[0], id=f"{anchor}-ref"), *(f" · {f}" for f in facts[1:])],
                className="mtm-meta",
            ),
            *outcome,
            html.P(
                [html.Strong("Progress: "), rules.summarise(views).text() + "."],
                className="govuk-body",
            ),
            *tables,
        ],
    )


def update_form(views: list[rules.ActionView], plan: rules.Plan, on: Any) -> list[Any]:
    """Record a progress update, for the actions this user may update (none: no form). The
    server-side path is loaders.plan.record_action_update."""
    user = _auth.current_account()
    allowed = [v for v in views if can_update_action(user, rules.view_record(v, plan))]
    if not allowed:
        return []
    options = [
        {
            "label": f"{v.action.action_id}: {_short(v.action.action, 80)}",
            "value": v.action.action_id,
        }
        for v in allowed
    ]
    statuses = [
        {"label": f"{rules.STATUS_SYMBOL[s]} {rules.STATUS_LABEL[s]}", "value": s}
        for s in rules.STATUSES
    ]
    return [
        html.Section(
            className="mtm-plan-form",
            **{"aria-labelledby": "plan-update-heading"},
            children=[
                html.H2(
                    "Record a progress update",
                    className="govuk-heading-m",
                    id="plan-update-heading",
                ),
                html.P(
                    "An update is added to the action's history, never written over an earlier "
                    f"one. Date it on or before {rules.format_day(on)}, the date this plan is "
                    "reported at. You are recorded as its author.",
                    className="govuk-body",
                ),
                html.Div(
                    className="govuk-form-group",
                    children=[
                        html.Label("Action", htmlFor="plan-update-action", className="govuk-label"),
                        dcc.Dropdown(
                            id="plan-update-action",
                            options=options,
                            placeholder="Choose an action",
                            searchable=True,
                            clearable=True,
                        ),
                    ],
                ),
                html.Div(
                    className="govuk-form-group",
                    children=[
                        html.Label(
                            "Date of the update (YYYY-MM-DD)",
                            htmlFor="plan-update-as-of",
                            className="govuk-label",
                        ),
                        dcc.Input(
                            id="plan-update-as-of",
                            type="text",
                            value=on.isoformat(),
                            className="govuk-input",
                        ),
                    ],
                ),
                html.Fieldset(
                    className="govuk-form-group",
                    children=[
                        html.Legend("Status", className="govuk-label"),
                        dcc.RadioItems(id="plan-update-status", options=statuses, value="on_track"),
                    ],
                ),
                html.Div(
                    className="govuk-form-group",
                    children=[
                        html.Label(
                            "What has happened", htmlFor="plan-update-text", className="govuk-label"
                        ),
                        dcc.Textarea(id="plan-update-text", className="govuk-input", rows=4),
                    ],
                ),
                html.Div(
                    className="govuk-form-group",
                    children=[
                        html.Label(
                            "Revised due date, if the timescale has changed (YYYY-MM-DD)",
                            htmlFor="plan-update-revised",
                            className="govuk-label",
                        ),
                        dcc.Input(id="plan-update-revised", type="text", className="govuk-input"),
                    ],
                ),
                html.Button(
                    "Record update", id="plan-update-submit", n_clicks=0, className="govuk-button"
                ),
                html.Div(id="plan-update-result", role="status", **{"aria-live": "polite"}),
            ],
        )
    ]


# --- the page -------------------------------------------------------------------------------------


def _has_content(data: rules.PlanData, plan_id: str) -> bool:
    return any(a.plan == plan_id for a in data.actions) or any(
        m.plan == plan_id for m in data.milestones
    )


def choose_plan(data: rules.PlanData, wanted: str | None) -> tuple[list[rules.Plan], rules.Plan]:
    """The plans worth showing (own plans first) and the one the URL asks for, else the first of
    this council's own."""
    plans = [p for p in data.plans.values() if _has_content(data, p.plan_id)]
    plans.sort(key=lambda p: p.example)
    if not plans:
        return [], data.plan(rules.OWN_PLAN)
    by_id = {p.plan_id: p for p in plans}
    return plans, by_id.get(wanted or "", plans[0])


def layout(
    *,
    plan: str | None = None,
    area: str | None = None,
    lead: str | None = None,
    status: str | None = None,
    timescale: str | None = None,
    exceptions: str | None = None,
    as_of: str | None = None,
    **_: Any,
) -> html.Div:
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError as exc:
        return ui.no_such_version("Improvement plan", exc)
    data = parts.load(snap)
    today = parts.today_for(as_of)
    plans, chosen = choose_plan(data, plan)
    head: list[Any] = [
        html.H1("Improvement plan", className="govuk-heading-xl"),
        ui.version_note(snap),
    ]
    if not plans:
        return html.Div(
            [*head, html.P("No improvement plan has been loaded yet.", className="govuk-body")]
        )
    on = chosen.judged_at(today)
    board = rules.next_board(chosen, on)
    views = data.views(today, chosen.plan_id)
    measures = parts.measures_by_id(snap)
    params = {
        k: v
        for k, v in {
            "plan": chosen.plan_id if chosen.plan_id != plans[0].plan_id else None,
            "area": area,
            "lead": lead,
            "status": status,
            "timescale": timescale,
            "exceptions": exceptions,
            "as_of": as_of,
        }.items()
        if v
    }
    sections: list[Any] = [
        *head,
        *_plans_nav(plans, chosen, as_of),
        *_plan_header(chosen, on, board),
    ]
    milestone_views = data.milestone_views(chosen.plan_id, today)
    if views:
        sections += _progress(views, data, on)
    if milestone_views:
        sections += [
            html.H2("Strategic goals and milestones", className="govuk-heading-l"),
            parts.milestones_block(milestone_views),
        ]
    if views:
        sections += _actions(views, data, measures, params)
        if not chosen.example and snap.is_latest:
            sections += update_form(views, chosen, on)
    return html.Div(sections)


def _progress(views: list[rules.ActionView], data: rules.PlanData, on: Any) -> list[Any]:
    overall = rules.summarise(views)
    grouped = parts.views_by_recommendation(views, data)
    rows: list[tuple[Any, rules.Summary]] = [("All recommendations", overall)]
    rows += [
        (
            html.A(
                rec.recommendation_id or _short(rec.recommendation, 60),
                href=f"#rec-{rules.slug(rec.key)}",
                className="govuk-link",
                title=rec.recommendation,
            ),
            rules.summarise(group),
        )
        for rec, group in grouped
    ]
    actions = [a for a in data.actions if a.plan == views[0].action.plan]
    points = rules.trend(actions, data.updates, on)
    return [
        html.H2("Progress", className="govuk-heading-l"),
        html.P(overall.text() + ".", className="govuk-body-l", id="plan-summary"),
        parts.summary_table(rows, "Progress by recommendation", "Recommendation"),
        html.H3("Progress over past updates", className="govuk-heading-m"),
        parts.trend_block(points),
    ]


def _actions(
    views: list[rules.ActionView],
    data: rules.PlanData,
    measures: dict[str, dict[str, Any]],
    params: dict[str, str],
) -> list[Any]:
    chosen = filter_views(
        views,
        data,
        area=params.get("area"),
        lead=params.get("lead"),
        status=params.get("status"),
        timescale=params.get("timescale"),
    )
    exceptions = bool(params.get("exceptions"))
    shown = html.P(
        f"Showing {len(chosen)} of {len(views)} actions"
        + (", overdue and at risk first." if exceptions else "."),
        className="govuk-body",
        role="status",
        id="plan-showing",
    )
    if exceptions:
        body: list[Any] = [
            parts.actions_table(
                sorted(chosen, key=rules.exception_key),
                measures,
                "Actions, overdue and at risk first",
                with_recommendation=True,
            )
        ]
    else:
        body = [
            _recommendation_block(rec, group, measures)
            for rec, group in parts.views_by_recommendation(chosen, data)
        ]
    return [
        html.H2("Recommendations and actions", className="govuk-heading-l"),
        filter_form(views, data, params),
        shown,
        *body,
    ]


# --- the form's server side -----------------------------------------------------------------------


def handle_update(
    action_id: str | None,
    *,
    as_of: str | None,
    status: str | None,
    text: str | None,
    revised: str | None,
) -> html.Div:
    """Record the update for the signed-in account (the rule has authorised it on the server)."""
    from loaders.plan import record_action_update

    account = _auth.current_account()
    if account is None:
        raise PreventUpdate
    result = record_action_update(
        _context.settings(),
        str(action_id or ""),
        as_of,
        status or "",
        text,
        revised_due=revised,
        author=account.username,
    )
    if not result.ok:
        _auth.audit(
            "plan_update", "rejected", str(action_id or ""), f"{len(result.problems)} problems"
        )
        return _problems([p.message for p in result.problems])
    _auth.audit("plan_update", "success", result.action_id, f"load {result.load_id}")
    data = parts.load(_context.snapshot())
    owner = next((data.plan(a.plan) for a in data.actions if a.action_id == result.action_id), None)
    href = (
        parts.plan_href(owner.plan_id if owner else "")
        + "#"
        + parts.action_anchor(result.action_id)
    )
    return html.Div(
        className="mtm-notice",
        children=[
            html.P(
                f"Update recorded on {result.action_id} (load {result.load_id}).",
                className="govuk-body",
            ),
            html.A("Reload the plan to see it", href=href, className="govuk-link"),
        ],
    )


def _problems(messages: list[str]) -> html.Div:
    return html.Div(
        className="mtm-error-summary",
        role="alert",
        children=[
            html.H3("The update was not recorded", className="govuk-heading-s"),
            html.Ul([html.Li(m) for m in messages], className="govuk-list govuk-list--bullet"),
        ],
    )


@_auth.guarded_callback(
    Output("plan-update-result", "children"),
    Input("plan-update-submit", "n_clicks"),
    State("plan-update-action", "value"),
    State("plan-update-as-of", "value"),
    State("plan-update-status", "value"),
    State("plan-update-text", "value"),
    State("plan-update-revised", "value"),
    rule=may_update,
    name="plan.update",
    description="can_update_action: the data team anywhere; a service manager for actions in "
    "their areas",
    prevent_initial_call=True,
)
def submit_update(  # noqa: PLR0917 - Dash passes a callback's inputs positionally
    n_clicks: int | None,
    action_id: str | None,
    as_of: str | None,
    status: str | None,
    text: str | None,
    revised: str | None,
) -> html.Div:
    if not n_clicks:
        raise PreventUpdate
    return handle_update(action_id, as_of=as_of, status=status, text=text, revised=revised)
