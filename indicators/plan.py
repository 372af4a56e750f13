"""The improvement plan's rules: status, overdue days, revised dates, summaries, exception order.

Every plan in the seeds has the same backbone: recommendations (with a timescale), the outcome
each aims for, actions with a lead and a due date, and a progress update each reporting cycle.
This module turns the stored rows into what the board reads, with rules that are stated once:

- An action's status is its newest progress report on or before the date the plan is judged at
  (the plan's ``as_at``, else today). Reports come from the Updates sheet and the form on /plan
  and from the Actions sheet itself (its status and update, dated ``status_as_of`` or the day of
  the load). On the same day an update outranks the Actions sheet, and a later load outranks an
  earlier one. A report that repeats the one before it (same status, text and revised date) adds
  nothing to the history.
- The due date is the newest revised due date reported, else the action's due date; the
  original (the due date the action was first loaded with) stays visible:
  "due Sep 2013, revised to Jan 2014".
- An action is overdue when it is not complete and the date it is judged at is after its due
  date; days overdue count from the (revised) due date.
- Exceptions first means: overdue (most days first), off track, at risk, not started, on track,
  complete.
- A milestone falls due before the next meeting when its date is after the date the plan is
  judged at and on or before the next board date (the plan's ``next_board_date``, else six weeks
  on); it awaits a judgement once its date has passed with no judgement made since.

Pure: the standard library, pandas to read query results, and plotly figures as plain dicts. The
store is reached only through an object with ``query(name, **params)`` (indicators.store's
Snapshot), so nothing here imports dash or duckdb.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from indicators.domain import ActionStatus
from indicators.figures import BLACK, BLUE, GREEN, MID_GREY, ORANGE, RED

__all__ = [
    "Action",
    "ActionView",
    "Judgement",
    "Milestone",
    "MilestoneView",
    "Plan",
    "PlanData",
    "Recommendation",
    "Summary",
    "TrendPoint",
    "Update",
    "actions_for_measure",
    "due_text",
    "exception_key",
    "format_date",
    "format_day",
    "judge",
    "judge_milestone",
    "load",
    "next_board",
    "split_leads",
    "summarise",
    "trend",
    "trend_alt_text",
    "trend_figure",
]

#: Statuses in the order a summary lists them.
STATUSES: tuple[str, ...] = (
    ActionStatus.COMPLETE.value,
    ActionStatus.ON_TRACK.value,
    ActionStatus.AT_RISK.value,
    ActionStatus.OFF_TRACK.value,
    ActionStatus.NOT_STARTED.value,
)
STATUS_LABEL: dict[str, str] = {s.value: s.label for s in ActionStatus}
#: A symbol beside every word, so no status is told by colour alone.
STATUS_SYMBOL: dict[str, str] = {
    "complete": "✔",
    "on_track": "●",
    "at_risk": "◐",
    "off_track": "✘",
    "not_started": "○",
}
#: Tag colours (assets/mtm.css classes mtm-tag--<colour>): BRAG, blue for complete.
STATUS_COLOUR: dict[str, str] = {
    "complete": "blue",
    "on_track": "green",
    "at_risk": "amber",
    "off_track": "red",
    "not_started": "grey",
}
OVERDUE = "overdue"
OVERDUE_SYMBOL = "⚠"
#: Exceptions first: overdue, then by status.
EXCEPTION_RANK: dict[str, int] = {
    OVERDUE: 0,
    "off_track": 1,
    "at_risk": 2,
    "not_started": 3,
    "on_track": 4,
    "complete": 5,
}
JUDGEMENT_LABEL: dict[str, str] = {"met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
JUDGEMENT_SYMBOL: dict[str, str] = {"met": "✔", "partly_met": "◐", "not_met": "✘"}
JUDGEMENT_COLOUR: dict[str, str] = {"met": "green", "partly_met": "amber", "not_met": "red"}

#: The key of the council's own plan: recommendations and milestones that name no plan.
OWN_PLAN = ""
#: Boards commonly meet every four to eight weeks; without a date, look six weeks ahead.
DEFAULT_BOARD_INTERVAL = dt.timedelta(days=42)
#: An action with no report for two monthly cycles is flagged as not updated.
STALE_AFTER_DAYS = 62
#: The trend shows at most this many reporting dates (a year of monthly cycles).
TREND_POINTS = 12

#: On the same day, an update (Updates sheet or form) outranks the Actions sheet's status.
_CHANNEL_RANK = {"plan": 0, "update": 1}


class PlanSource(Protocol):
    """What this module needs of the store: indicators.store.Snapshot satisfies it."""

    def query(self, name: str, **params: Any) -> pd.DataFrame: ...


# --- the plan's parts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    plan_id: str
    name: str
    council: str | None = None
    example: bool = False
    as_at: dt.date | None = None
    next_board_date: dt.date | None = None
    source: str | None = None

    def judged_at(self, today: dt.date) -> dt.date:
        """The date progress is judged at: the plan's as_at, else today."""
        return self.as_at or today


@dataclass(frozen=True, slots=True)
class Recommendation:
    key: str  # the recommendation_id, or "text:" + the text for actions that give no id
    recommendation: str
    plan: str = OWN_PLAN
    recommendation_id: str | None = None
    source: str | None = None
    timescale: str | None = None
    due_date: dt.date | None = None
    theme: str | None = None
    outcome: str | None = None
    evidence: str | None = None
    order: int = 0


@dataclass(frozen=True, slots=True)
class Action:
    action_id: str
    action: str
    lead: str
    due_date: dt.date
    status: str  # as on the Actions sheet
    recommendation: str
    recommendation_key: str
    plan: str = OWN_PLAN
    original_due: dt.date | None = None  # the due date of the action's first version
    outcome: str | None = None
    area: str | None = None
    linked: tuple[str, ...] = ()
    update: str | None = None
    lead_agency: str | None = None
    partners: str | None = None
    resources: str | None = None
    how_measured: str | None = None
    due_text: str | None = None
    order: int = 0


@dataclass(frozen=True, slots=True)
class Update:
    action_id: str
    as_of: dt.date
    status: str
    text: str | None = None
    revised_due: dt.date | None = None
    author: str | None = None
    channel: str = "update"  # "update": Updates sheet or form; "plan": the Actions sheet
    load_id: int = 0


@dataclass(frozen=True, slots=True)
class ActionView:
    """One action as judged at a date."""

    action: Action
    on: dt.date
    status: str
    latest: Update | None
    history: tuple[Update, ...]
    due: dt.date
    original_due: dt.date

    @property
    def revised(self) -> bool:
        return self.due != self.original_due

    @property
    def overdue(self) -> bool:
        return self.status != ActionStatus.COMPLETE.value and self.on > self.due

    @property
    def days_overdue(self) -> int:
        return (self.on - self.due).days if self.overdue else 0

    @property
    def days_since_update(self) -> int | None:
        return None if self.latest is None else (self.on - self.latest.as_of).days

    @property
    def stale(self) -> bool:
        """Not complete and not reported on for two monthly cycles."""
        days = self.days_since_update
        return self.status != ActionStatus.COMPLETE.value and (
            days is None or days > STALE_AFTER_DAYS
        )

    @property
    def exception(self) -> str:
        return OVERDUE if self.overdue else self.status

    @property
    def due_text(self) -> str:
        return due_text(self.original_due, self.due)


@dataclass(frozen=True, slots=True)
class Summary:
    total: int = 0
    complete: int = 0
    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    not_started: int = 0
    overdue: int = 0

    def count(self, status: str) -> int:
        return int(getattr(self, status))

    def text(self) -> str:
        """E.g. "40 actions: 12 complete, 20 on track, ...; 6 overdue"."""
        parts = [f"{self.count(s)} {STATUS_LABEL[s].lower()}" for s in STATUSES]
        noun = "action" if self.total == 1 else "actions"
        return f"{self.total} {noun}: " + ", ".join(parts) + f"; {self.overdue} overdue"


@dataclass(frozen=True, slots=True)
class TrendPoint:
    on: dt.date
    summary: Summary


@dataclass(frozen=True, slots=True)
class Milestone:
    milestone_id: str
    goal: str
    statement: str
    due_date: dt.date
    plan: str = OWN_PLAN
    horizon: str | None = None
    order: int = 0


@dataclass(frozen=True, slots=True)
class Judgement:
    milestone_id: str
    judged_on: dt.date
    judgement: str
    evidence: str | None = None
    judged_by: str | None = None


@dataclass(frozen=True, slots=True)
class MilestoneView:
    milestone: Milestone
    on: dt.date
    next_board: dt.date
    latest: Judgement | None
    history: tuple[Judgement, ...]

    @property
    def due_before_next_meeting(self) -> bool:
        return self.on < self.milestone.due_date <= self.next_board

    @property
    def awaiting_judgement(self) -> bool:
        """Its date has passed and the board has not judged it since."""
        due = self.milestone.due_date
        return due <= self.on and (self.latest is None or self.latest.judged_on < due)


@dataclass
class PlanData:
    """The whole plan as one version of the store holds it."""

    plans: dict[str, Plan] = field(default_factory=dict)
    recommendations: dict[str, Recommendation] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    updates: dict[str, list[Update]] = field(default_factory=dict)
    milestones: list[Milestone] = field(default_factory=list)
    judgements: dict[str, list[Judgement]] = field(default_factory=dict)

    def plan(self, plan_id: str) -> Plan:
        return self.plans.get(plan_id) or Plan(plan_id, plan_id or "Improvement plan")

    def views(self, today: dt.date, plan_id: str | None = None) -> list[ActionView]:
        """Every action (of one plan, or all), judged at its plan's date, in plan order."""
        return [self.view(a, today) for a in self.actions if plan_id is None or a.plan == plan_id]

    def view(self, action: Action, today: dt.date) -> ActionView:
        """One action judged at its plan's date."""
        return judge(
            action, self.updates.get(action.action_id, ()), self.plan(action.plan).judged_at(today)
        )

    def milestone_views(self, plan_id: str, today: dt.date) -> list[MilestoneView]:
        plan = self.plan(plan_id)
        on = plan.judged_at(today)
        board = next_board(plan, on)
        return [
            judge_milestone(m, self.judgements.get(m.milestone_id, ()), on, board)
            for m in self.milestones
            if m.plan == plan_id
        ]


# --- the rules ------------------------------------------------------------------------------------


def history(updates: Iterable[Update], on: dt.date) -> tuple[Update, ...]:
    """The reports made on or before ``on``, oldest first, each repeat of the one before dropped."""
    ordered = sorted(
        (u for u in updates if u.as_of <= on),
        key=lambda u: (u.as_of, _CHANNEL_RANK.get(u.channel, 1), u.load_id),
    )
    kept: list[Update] = []
    for update in ordered:
        if kept and _same_report(kept[-1], update):
            continue
        kept.append(update)
    return tuple(kept)


def _same_report(a: Update, b: Update) -> bool:
    return (a.status, a.text or "", a.revised_due) == (b.status, b.text or "", b.revised_due)


def judge(action: Action, updates: Iterable[Update], on: dt.date) -> ActionView:
    """The action as it stands on ``on``: status, (revised) due date and its history."""
    past = history(updates, on)
    latest = past[-1] if past else None
    status = latest.status if latest else action.status
    original = action.original_due or action.due_date
    revisions = [u.revised_due for u in past if u.revised_due is not None]
    due = revisions[-1] if revisions else action.due_date
    return ActionView(action, on, status, latest, past, due, original)


def exception_key(view: ActionView) -> tuple[int, int, dt.date, int, str]:
    """Sort key for "exceptions first": overdue (longest first), off track, at risk, ..."""
    return (
        EXCEPTION_RANK[view.exception],
        -view.days_overdue,
        view.due,
        view.action.order,
        view.action.action_id,
    )


def summarise(views: Iterable[ActionView]) -> Summary:
    counts = dict.fromkeys(STATUSES, 0)
    total = overdue = 0
    for view in views:
        total += 1
        counts[view.status] = counts.get(view.status, 0) + 1
        overdue += view.overdue
    return Summary(total=total, overdue=overdue, **counts)


def trend(
    actions: Sequence[Action],
    updates: Mapping[str, Sequence[Update]],
    on: dt.date,
    points: int = TREND_POINTS,
) -> list[TrendPoint]:
    """The summary at each reporting date up to ``on`` (the last ``points`` of them)."""
    dates = {u.as_of for a in actions for u in updates.get(a.action_id, ()) if u.as_of <= on}
    dates.add(on)
    chosen = sorted(dates)[-points:]
    return [
        TrendPoint(day, summarise(judge(a, updates.get(a.action_id, ()), day) for a in actions))
        for day in chosen
    ]


def judge_milestone(
    milestone: Milestone, judgements: Iterable[Judgement], on: dt.date, board: dt.date
) -> MilestoneView:
    past = tuple(sorted((j for j in judgements if j.judged_on <= on), key=lambda j: j.judged_on))
    return MilestoneView(milestone, on, board, past[-1] if past else None, past)


def next_board(plan: Plan, on: dt.date) -> dt.date:
    """The next board meeting: the plan's date if it is still ahead, else six weeks on."""
    if plan.next_board_date is not None and plan.next_board_date >= on:
        return plan.next_board_date
    return on + DEFAULT_BOARD_INTERVAL


def format_date(day: dt.date) -> str:
    """Month-end dates (how plans give deadlines) as "Sep 2013"; other days as "3 Sep 2013"."""
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"{day:%b %Y}"
    return f"{day.day} {day:%b %Y}"


def format_day(day: dt.date) -> str:
    """An exact day, e.g. "30 Sep 2013" (the date a plan is judged at)."""
    return f"{day.day} {day:%b %Y}"


def due_text(original: dt.date, due: dt.date) -> str:
    """ "due Sep 2013", or with a revision "due Sep 2013, revised to Jan 2014"."""
    if due == original:
        return f"due {format_date(due)}"
    return f"due {format_date(original)}, revised to {format_date(due)}"


_LEAD_SPLIT = re.compile(r"\s*;\s*|\s+/\s+")


def split_leads(lead: str) -> list[str]:
    """The people a lead cell names: "A; B" and "RB / KS / MG" are several, "JH SMcL" is one."""
    return [part.strip() for part in _LEAD_SPLIT.split(lead or "") if part.strip()]


def slug(text: str) -> str:
    """As the pages' area slugs: lower case, runs of other characters as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def status_text(view: ActionView) -> str:
    """The status as words with its symbol, e.g. "◐ At risk"."""
    return f"{STATUS_SYMBOL[view.status]} {STATUS_LABEL[view.status]}"


def overdue_text(view: ActionView) -> str:
    if not view.overdue:
        return ""
    days = view.days_overdue
    return f"{OVERDUE_SYMBOL} Overdue by {days} day{'' if days == 1 else 's'}"


# --- reading the store --------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    return None if _missing(value) or str(value) == "" else str(value)


def _date(value: Any) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _required_date(value: Any) -> dt.date:
    day = _date(value)
    if day is None:
        raise ValueError("a required date is missing")
    return day


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # Column by column is several times faster than DataFrame.to_dict("records") here.
    names = [str(c) for c in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def load(source: PlanSource, own_plan_name: str = "Improvement plan") -> PlanData:
    """The plan as one version of the store holds it (six small queries)."""
    data = PlanData()
    data.plans[OWN_PLAN] = Plan(OWN_PLAN, own_plan_name)
    for row in _records(source.query("plan_plans")):
        data.plans[str(row["plan_id"])] = Plan(
            plan_id=str(row["plan_id"]),
            name=str(row["name"]),
            council=_text(row["council"]),
            example=bool(row["example"]),
            as_at=_date(row["as_at"]),
            next_board_date=_date(row["next_board_date"]),
            source=_text(row["source"]),
        )
    for order, row in enumerate(_records(source.query("plan_recommendations"))):
        rec_id = str(row["recommendation_id"])
        data.recommendations[rec_id] = Recommendation(
            key=rec_id,
            recommendation=str(row["recommendation"]),
            plan=_text(row["plan"]) or OWN_PLAN,
            recommendation_id=rec_id,
            source=_text(row["source"]),
            timescale=_text(row["timescale"]),
            due_date=_date(row["due_date"]),
            theme=_text(row["theme"]),
            outcome=_text(row["outcome"]),
            evidence=_text(row["evidence"]),
            order=order,
        )
    implicit: dict[str, Recommendation] = {}
    for order, row in enumerate(_records(source.query("plan_actions"))):
        rec = data.recommendations.get(_text(row["recommendation_id"]) or "")
        if rec is None:
            # No (known) recommendation_id: actions that quote the same text share one.
            key = "text:" + str(row["recommendation"])
            rec = implicit.setdefault(
                key,
                Recommendation(
                    key=key,
                    recommendation=str(row["recommendation"]),
                    order=len(data.recommendations) + len(implicit),
                ),
            )
        linked = tuple(i.strip() for i in (_text(row["linked_indicators"]) or "").split(";"))
        data.actions.append(
            Action(
                action_id=str(row["action_id"]),
                action=str(row["action"]),
                lead=str(row["lead"]),
                due_date=_required_date(row["due_date"]),
                status=str(row["status"]),
                recommendation=str(row["recommendation"]),
                recommendation_key=rec.key,
                plan=rec.plan,
                original_due=_date(row["original_due_date"]),
                outcome=_text(row["outcome"]),
                area=_text(row["area"]),
                linked=tuple(i for i in linked if i),
                update=_text(row["update"]),
                lead_agency=_text(row["lead_agency"]),
                partners=_text(row["partners"]),
                resources=_text(row["resources"]),
                how_measured=_text(row["how_measured"]),
                due_text=_text(row["due_text"]),
                order=order,
            )
        )
    data.recommendations.update(implicit)
    for row in _records(source.query("plan_updates")):
        update = Update(
            action_id=str(row["action_id"]),
            as_of=_required_date(row["as_of"]),
            status=str(row["status"]),
            text=_text(row["text"]),
            revised_due=_date(row["revised_due_date"]),
            author=_text(row["author"]),
            channel=str(row["channel"]),
            load_id=int(row["load_id"]),
        )
        data.updates.setdefault(update.action_id, []).append(update)
    for order, row in enumerate(_records(source.query("plan_milestones"))):
        data.milestones.append(
            Milestone(
                milestone_id=str(row["milestone_id"]),
                goal=str(row["goal"]),
                statement=str(row["statement"]),
                due_date=_required_date(row["due_date"]),
                plan=_text(row["plan"]) or OWN_PLAN,
                horizon=_text(row["horizon"]),
                order=order,
            )
        )
    for row in _records(source.query("plan_judgements")):
        judgement = Judgement(
            milestone_id=str(row["milestone_id"]),
            judged_on=_required_date(row["judged_on"]),
            judgement=str(row["judgement"]),
            evidence=_text(row["evidence"]),
            judged_by=_text(row["judged_by"]),
        )
        data.judgements.setdefault(judgement.milestone_id, []).append(judgement)
    return data


def view_record(view: ActionView, plan: Plan) -> dict[str, Any]:
    """One action as plain JSON-friendly values, for other pages (the board) and exports."""
    action, latest = view.action, view.latest
    return {
        "action_id": action.action_id,
        "action": action.action,
        "lead": action.lead,
        "area": action.area,
        "plan_id": plan.plan_id,
        "plan_name": plan.name,
        "recommendation": action.recommendation,
        "linked_indicators": list(action.linked),
        "on": view.on.isoformat(),
        "status": view.status,
        "status_label": STATUS_LABEL[view.status],
        "status_symbol": STATUS_SYMBOL[view.status],
        "status_colour": STATUS_COLOUR[view.status],
        "exception": view.exception,
        "overdue": view.overdue,
        "days_overdue": view.days_overdue,
        "overdue_text": overdue_text(view),
        "due": view.due.isoformat(),
        "due_date": view.due.isoformat(),  # the name loaders/exports' linked-actions hook reads
        "original_due": view.original_due.isoformat(),
        "revised": view.revised,
        "due_text": view.due_text,
        "stale": view.stale,
        "latest_update": latest.text if latest else None,
        "latest_update_on": latest.as_of.isoformat() if latest else None,
        "latest_update_by": latest.author if latest else None,
        "href": (f"/plan?plan={plan.plan_id}" if plan.plan_id else "/plan")
        + f"#action-{slug(action.action_id)}",
    }


def actions_for_measure(
    snap: PlanSource, indicator_id: str, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The actions linked to a measure, exceptions first (overdue, off track, at risk, ...).

    Only this council's plans: an example plan from another council is never linked to its
    measures. Each action is judged at its plan's date (``as_at``, else ``today``).
    """
    data = load(snap)
    day = today or dt.date.today()
    views = [
        v
        for v in data.views(day)
        if indicator_id in v.action.linked and not data.plan(v.action.plan).example
    ]
    return [view_record(v, data.plan(v.action.plan)) for v in sorted(views, key=exception_key)]


# --- the trend chart ----------------------------------------------------------------------------

_TREND_COLOURS = {
    "complete": BLUE,
    "on_track": GREEN,
    "at_risk": ORANGE,
    "off_track": RED,
    "not_started": MID_GREY,
}
_TREND_PATTERNS = {
    "complete": "",
    "on_track": "/",
    "at_risk": ".",
    "off_track": "x",
    "not_started": "-",
}


def trend_figure(points: Sequence[TrendPoint], height: int = 320) -> dict[str, Any]:
    """Stacked bars of the status counts at each reporting date, overdue as a line on top.

    Bars carry a fill pattern as well as a colour, and the legend names each, so the chart does
    not rely on colour alone; the table beside it says the same in words.
    """
    days = [p.on.isoformat() for p in points]
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": STATUS_LABEL[status],
            "x": days,
            "y": [p.summary.count(status) for p in points],
            "marker": {
                "color": _TREND_COLOURS[status],
                "pattern": {"shape": _TREND_PATTERNS[status]},
            },
            "hovertemplate": "%{x|%d %b %Y}: %{y} "
            + STATUS_LABEL[status].lower()
            + "<extra></extra>",
        }
        for status in STATUSES
    ]
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Overdue",
            "x": days,
            "y": [p.summary.overdue for p in points],
            "line": {"color": BLACK, "width": 3, "dash": "dot"},
            "marker": {"symbol": "diamond", "size": 9, "color": BLACK},
            "hovertemplate": "%{x|%d %b %Y}: %{y} overdue<extra></extra>",
        }
    )
    return {
        "data": data,
        "layout": {
            "barmode": "stack",
            "height": height,
            "margin": {"l": 50, "r": 20, "t": 20, "b": 50},
            "font": {"family": "Arial, sans-serif", "size": 14, "color": BLACK},
            "xaxis": {"type": "date", "tickformat": "%b %Y", "title": {"text": "Reported on"}},
            "yaxis": {"title": {"text": "Actions"}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
        },
    }


def trend_alt_text(points: Sequence[TrendPoint]) -> str:
    """The chart in words: the span, then the latest and the first counts."""
    if not points:
        return "No progress has been reported yet."
    first, last = points[0], points[-1]
    if len(points) == 1:
        return f"Action status on {format_date(last.on)}: {last.summary.text()}."
    return (
        f"Action status at {len(points)} reporting dates from {format_date(first.on)} to "
        f"{format_date(last.on)}. On {format_date(last.on)}: {last.summary.text()}. "
        f"On {format_date(first.on)}: {first.summary.text()}."
    )
