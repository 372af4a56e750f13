"""The improvement plan through the store: the demo's three plans, versioned progress reports
(from workbooks and from the form's write path), revisions that keep the original date, past
versions read back, and the writer's guarantees for a form update (nothing changes on a
problem; a concurrent load makes it wait, then say so)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from indicators import plan as rules
from indicators.settings import Settings
from indicators.store import Store, close_connections
from loaders import publish
from loaders.ingest import load_workbook
from loaders.plan import record_action_update
from tests.fixtures import workbooks
from tests.integration.test_plan_validation import action
from tests.integration.test_publish import store_files

TODAY = dt.date(2021, 7, 15)
LATER = dt.date(2030, 1, 1)  # the real "today" of a test run does not matter: plans have as_at


def _data(settings: Settings) -> rules.PlanData:
    close_connections()
    return rules.load(Store.from_settings(settings).snapshot(), settings.plan_name)


def _view(data: rules.PlanData, action_id: str) -> rules.ActionView:
    return next(v for v in data.views(LATER) if v.action.action_id == action_id)


def test_the_demo_holds_southamptons_plan_and_two_example_plans(demo_settings: Settings) -> None:
    data = _data(demo_settings)
    plans = {p.plan_id: p for p in data.plans.values() if p.plan_id}
    assert {pid: p.example for pid, p in plans.items()} == {
        "southampton-2020": False,
        "stockton-2013": True,
        "wiltshire-2012": True,
    }
    by_plan: dict[str, int] = {}
    for a in data.actions:
        by_plan[a.plan] = by_plan.get(a.plan, 0) + 1
    assert by_plan == {"southampton-2020": 202, "stockton-2013": 41}
    assert len([m for m in data.milestones if m.plan == "wiltshire-2012"]) == 30
    # Stockton's updates are real: the revised timescale keeps the original date visible.
    stockton = _view(data, "STK-5a-1")
    assert stockton.latest is not None
    assert stockton.latest.text is not None
    assert stockton.latest.text.startswith("Revised timescale of January 2014")
    assert stockton.due_text == "due Apr 2013, revised to Jan 2014"
    assert stockton.on == dt.date(2013, 9, 30)
    # Southampton's are simulated, and say so.
    southampton = [
        u for a in data.actions if a.plan == "southampton-2020" for u in data.updates[a.action_id]
    ]
    assert all((u.text or "").startswith("Simulated: ") for u in southampton)
    # Linked measures: only Southampton's actions, by the reviewed rules.
    assert _view(data, "LS-07").action.linked == ("ls_agency_workers_pct",)
    assert not any(a.linked for a in data.actions if a.plan != "southampton-2020")


def test_a_later_workbook_appends_to_the_history(demo_settings: Settings, tmp_path: Path) -> None:
    first = workbooks.make_workbook(
        tmp_path / "first.xlsx",
        {"Actions": [action("A-1", status_as_of=dt.date(2021, 5, 31))]},
    )
    assert load_workbook(demo_settings, first, first.name, "officer", today=TODAY).ok
    version_one = Store.from_settings(demo_settings).snapshot().version
    # Next month: the Actions row says off track and its due date moved; an update is added.
    second = workbooks.make_workbook(
        tmp_path / "second.xlsx",
        {
            "Actions": [
                [*action("A-1")[:5], dt.date(2021, 12, 31), "off_track", "Stalled"]
                + [None] * 8
                + [dt.date(2021, 6, 30)]
            ],
            "Updates": [["A-1", dt.date(2021, 6, 15), "at_risk", "Slipping", None, "Lead"]],
        },
    )
    result = load_workbook(demo_settings, second, second.name, "officer", today=TODAY)
    assert result.ok, result.problems
    data = _data(demo_settings)
    view = next(v for v in data.views(TODAY) if v.action.action_id == "A-1")
    assert [(u.as_of, u.status) for u in view.history] == [
        (dt.date(2021, 5, 31), "on_track"),
        (dt.date(2021, 6, 15), "at_risk"),
        (dt.date(2021, 6, 30), "off_track"),
    ]
    assert view.due_text == "due Sep 2021, revised to Dec 2021"
    # The earlier version still reads as the board saw it then.
    old = Store.from_settings(demo_settings).snapshot().at_version(version_one)
    then = rules.load(old)
    past = next(v for v in then.views(TODAY) if v.action.action_id == "A-1")
    assert (past.status, past.due_text) == ("on_track", "due Sep 2021")


def test_the_form_write_path_publishes_a_versioned_update(demo_settings: Settings) -> None:
    before = _view(_data(demo_settings), "LS-07")
    first = record_action_update(
        demo_settings,
        "LS-07",
        "2021-07-10",
        "at_risk",
        "Agency numbers rose in June.",
        revised_due="2021-10-31",
        author="Jo Bloggs",
        today=TODAY,
    )
    assert first.ok, first.problems
    data = _data(demo_settings)
    view = _view(data, "LS-07")
    assert view.status == "at_risk" and view.latest is not None
    assert (view.latest.author, view.latest.text) == ("Jo Bloggs", "Agency numbers rose in June.")
    assert view.due_text == f"due {rules.format_date(before.original_due)}, revised to Oct 2021"
    # A correction the same day supersedes it; the first stays readable at its version.
    second = record_action_update(
        demo_settings,
        "LS-07",
        dt.date(2021, 7, 10),
        "off_track",
        "Correction",
        author="Jo",
        today=TODAY,
    )
    assert second.ok and second.load_id == (first.load_id or 0) + 1
    close_connections()
    snap = Store.from_settings(demo_settings).snapshot()
    assert _view(rules.load(snap), "LS-07").status == "off_track"
    assert _view(rules.load(snap.at_version(first.load_id or 0)), "LS-07").status == "at_risk"
    loads = snap.query("loads")
    mine = loads[loads["kind"] == "action_update"]
    assert set(mine["user_name"]) == {"Jo Bloggs", "Jo"}
    assert "replaces that day's earlier update" in " ".join(mine["message"])


def test_a_bad_form_update_changes_nothing(demo_settings: Settings) -> None:
    before = store_files(demo_settings)
    cases = [
        ("NOPE", "2021-07-01", "on_track", "x", "Jo", "names no action"),
        ("LS-07", "2021-07-20", "on_track", "x", "Jo", "in the future"),
        ("LS-07", "01/07/2021", "on_track", "x", "Jo", "ambiguous"),
        ("LS-07", "2021-07-01", "done", "x", "Jo", "allowed values"),
        ("LS-07", "2021-07-01", "on_track", "bell\x07", "Jo", "control character"),
        ("LS-07", "2021-07-01", "on_track", "x" * 2001, "Jo", "too long"),
        ("LS-07", "2021-07-01", "on_track", "x", " ", "author is required"),
        ("STK-1-1", "2013-09-01", "on_track", "x", "Jo", "read-only"),
    ]
    for action_id, as_of, status, text, author, words in cases:
        result = record_action_update(
            demo_settings, action_id, as_of, status, text, author=author, today=TODAY
        )
        assert not result.ok and result.summary is None
        assert any(words in p.message for p in result.problems), (words, result.problems)
    # Judged in real time, the demo plan is still reported at its own date.
    late = record_action_update(demo_settings, "LS-07", LATER, "on_track", "x", author="Jo")
    assert "after 15 Jul 2021, the date Southampton" in late.problems[0].message
    assert store_files(demo_settings) == before


def test_a_form_update_waits_for_a_load_then_says_so(demo_settings: Settings) -> None:
    settings = demo_settings.with_overrides(lock_timeout_seconds=0.3)
    before = store_files(settings)
    with publish.writer_lock(publish.StorePaths(settings.db_path), timeout=1):
        result = record_action_update(
            settings, "LS-07", "2021-07-01", "on_track", "x", author="Jo", today=TODAY
        )
    assert not result.ok
    assert "another load is in progress" in result.problems[0].message
    assert store_files(settings) == before
