"""Writing to the improvement plan from the pages: a lead's progress update on one action.

``record_action_update`` is the server-side write path of the form on /plan. It checks the
update the way the Updates sheet is checked (a known action, a known status, real dates, no
update dated in the future or after the date the action's plan is reported at, plain text) and
publishes it through loaders/publish.py as a new version of the store, so it is versioned like
any load (an earlier update is never overwritten, and a second one for the same action and day
supersedes the first the versioned way), serialised by the writer lock, and recorded in
``loads`` with its author. Who may call it is decided by the page (``can_update_action``).

``known_plan_ids`` gives the validator the plan ids the store already holds, so an uploaded
Updates sheet may refer to actions loaded earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from indicators import plan as plan_rules
from indicators.cells import EARLIEST_PERIOD, control_character, parse_date
from indicators.domain import ActionStatus, LoadSummary, Problem
from indicators.settings import Settings
from indicators.sheets import MAX_TEXT
from indicators.store import Snapshot, Store
from loaders.publish import LoadInProgress, PublishFailed, publish, upsert_versioned
from loaders.validate import KnownPlan

__all__ = ["ActionUpdateResult", "known_plan_ids", "record_action_update"]

#: How an update is versioned: the same table, key and compared columns as the Updates sheet
#: (ingest.VERSIONING["Updates"]; a unit test keeps them equal, without an import cycle).
_TABLE = "action_updates"
_KEY = ["action_id", "as_of"]
_COMPARED = ["status", "update", "revised_due_date", "author"]
FORM_SOURCE = "form"
MAX_AUTHOR = 200


@dataclass
class ActionUpdateResult:
    """What became of a submitted update: published as a load, or the problems with it."""

    action_id: str
    problems: list[Problem] = field(default_factory=list)
    summary: LoadSummary | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.summary is not None

    @property
    def load_id(self) -> int | None:
        return self.summary.load_id if self.summary else None


def known_plan_ids(settings: Settings) -> KnownPlan:
    """The plan ids in the published store (empty before the first load)."""
    return plan_ids_in(Store.from_settings(settings).snapshot_if_any())


def plan_ids_in(snap: Snapshot | None) -> KnownPlan:
    """The plan ids in one published version (empty for none)."""
    if snap is None or snap.version == 0:
        return KnownPlan()
    frame = snap.query("plan_ids")
    ids = {str(kind): frozenset(rows) for kind, rows in frame.groupby("kind")["id"]}
    return KnownPlan(
        plans=ids.get("plan", frozenset()),
        recommendations=ids.get("recommendation", frozenset()),
        actions=ids.get("action", frozenset()),
        milestones=ids.get("milestone", frozenset()),
    )


def _problem(column: str, value: object, message: str, rule: str) -> Problem:
    return Problem(message=message, sheet="form", column=column, value=str(value or ""), rule=rule)


def _as_date(value: dt.date | str | None, column: str, problems: list[Problem]) -> dt.date | None:
    """A date from the form: a date, or text YYYY-MM-DD (a date picker's value)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed, reason = parse_date(value.strip())
    if reason:
        # The sheet's wording speaks of date cells; a form has a text box.
        reason = reason.replace("use a date cell or type it as 2020-03-31", "type it as YYYY-MM-DD")
        problems.append(_problem(column, value, f"{column} {reason}", "cell.date"))
        return None
    return parsed  # type: ignore[no-any-return]


def _check_text(value: str | None, column: str, limit: int, problems: list[Problem]) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    reason = control_character(text.replace("\n", "").replace("\r", "").replace("\t", ""))
    if reason:
        problems.append(_problem(column, text, f"{column} {reason}", "cell.text"))
    elif len(text) > limit:
        problems.append(
            _problem(
                column,
                text[:40],
                f"{column} is too long ({len(text):,} characters; at most {limit:,})",
                "cell.text",
            )
        )
    return text


def _action_plan(settings: Settings, action_id: str) -> plan_rules.Plan | None:
    """The plan the action belongs to now; None when there is no store or no such action."""
    snap = Store.from_settings(settings).snapshot_if_any()
    if snap is None or snap.version == 0:
        return None
    data = plan_rules.load(snap, settings.plan_name)
    for action in data.actions:
        if action.action_id == action_id:
            return data.plan(action.plan)
    return None


def record_action_update(
    settings: Settings,
    action_id: str,
    as_of: dt.date | str | None,
    status: str,
    text: str | None,
    *,
    revised_due: dt.date | str | None = None,
    author: str,
    today: dt.date | None = None,
) -> ActionUpdateResult:
    """Check one progress update and publish it as a new version of the store.

    Returns the load it was published as, or every problem found (nothing is written then).
    ``as_of`` defaults to the date the action's plan is reported at (its ``as_at``, else today)
    and may not be later; dates are ``datetime.date`` or text YYYY-MM-DD. ``revised_due`` and
    ``author`` are keyword-only (at most five positional arguments); ``today`` is for tests.
    Raises nothing for bad input; a writer that cannot publish (disk full, another load holding
    the lock past lock_timeout_seconds) is reported as a problem too.
    """
    today = today or dt.date.today()
    result = ActionUpdateResult(action_id=(action_id or "").strip())
    problems = result.problems
    owner = _action_plan(settings, result.action_id) if result.action_id else None
    if owner is None:
        problems.append(
            _problem(
                "action_id",
                action_id,
                f"action_id {action_id!r} names no action in the published plan",
                "cross.unknown_action",
            )
        )
        return result
    if owner.example:
        problems.append(
            _problem(
                "action_id",
                action_id,
                f"action {action_id} belongs to an example plan ({owner.name}), which is read-only",
                "form.example_plan",
            )
        )
        return result
    latest_allowed = owner.judged_at(today)
    day = _as_date(as_of, "as_of", problems) or latest_allowed
    if day < EARLIEST_PERIOD:
        problems.append(_problem("as_of", day, "as_of is before 2000", "cell.period_too_early"))
    elif day > latest_allowed:
        where = (
            "in the future"
            if latest_allowed == today
            else f"after {plan_rules.format_date(latest_allowed)}, the date {owner.name} is "
            "reported at"
        )
        problems.append(
            _problem(
                "as_of",
                day,
                f"as_of {day:%Y-%m-%d} is {where}: date the update on or before "
                f"{latest_allowed:%Y-%m-%d}",
                "cell.period_future",
            )
        )
    codes = tuple(s.value for s in ActionStatus)
    if status not in codes:
        problems.append(
            _problem(
                "status",
                status,
                f"status is not one of the allowed values: {', '.join(codes)}",
                "cell.code",
            )
        )
    words = _check_text(text, "update", MAX_TEXT, problems)
    revised = _as_date(revised_due, "revised_due_date", problems)
    if revised is not None and revised < EARLIEST_PERIOD:
        problems.append(
            _problem("revised_due_date", revised, "revised_due_date is before 2000", "cell.date")
        )
    who = _check_text(author, "author", MAX_AUTHOR, problems)
    if not who:
        problems.append(_problem("author", "", "author is required but empty", "cell.required"))
    if problems:
        return result

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = pd.DataFrame(
        {
            "action_id": [result.action_id],
            "as_of": pd.to_datetime([day]),
            "status": [status],
            "update": [words],
            "revised_due_date": pd.to_datetime([revised]),
            "author": [who],
            "recorded_at": [now],
            "source_sheet": [FORM_SOURCE],
            "source_row": pd.array([None], dtype="Int64"),
        }
    )

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        new, revised_rows, unchanged = upsert_versioned(
            con, _TABLE, row, key=_KEY, compared=_COMPARED, load_id=load_id
        )
        return {
            f"{_TABLE}_new": new,
            f"{_TABLE}_revised": revised_rows,
            f"{_TABLE}_unchanged": unchanged,
        }

    label = plan_rules.STATUS_LABEL[status].lower()
    try:
        result.summary = publish(
            settings,
            apply,
            kind="action_update",
            user=str(who),
            describe=lambda counts: (
                f"progress update on action {result.action_id} as at {day:%Y-%m-%d}: {label}"
                + (" (replaces that day's earlier update)" if counts[f"{_TABLE}_revised"] else "")
            ),
        )
    except (LoadInProgress, PublishFailed) as exc:
        problems.append(Problem(message=str(exc), sheet="form", rule="publish.failed"))
    return result
