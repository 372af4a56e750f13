"""The improvement plan's rules (indicators/plan.py), table-driven: status from the newest report,
overdue days, revised dates, summary counts, exception order, milestones, reading the store
through a fake snapshot; and the demo's explicit rules (measure links, Stockton's revised
timescales, the Wiltshire transcription)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pandas as pd
import pytest

from indicators import plan as rules
from indicators.sheets import JUDGEMENTS, TIMESCALES

D = dt.date


def action(**changes: Any) -> rules.Action:
    base: dict[str, Any] = {
        "action_id": "A-1",
        "action": "Do it",
        "lead": "Head of Service",
        "due_date": D(2013, 9, 30),
        "status": "on_track",
        "recommendation": "Rec",
        "recommendation_key": "R1",
    }
    return rules.Action(**{**base, **changes})


def update(day: dt.date, status: str, **changes: Any) -> rules.Update:
    return rules.Update("A-1", day, status, **changes)


# --- dates and words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "due", "expected"),
    [
        (D(2013, 9, 30), D(2013, 9, 30), "due Sep 2013"),
        (D(2013, 9, 30), D(2014, 1, 31), "due Sep 2013, revised to Jan 2014"),
        (D(2013, 9, 3), D(2013, 9, 3), "due 3 Sep 2013"),
        (D(2020, 2, 29), D(2020, 3, 15), "due Feb 2020, revised to 15 Mar 2020"),
    ],
)
def test_due_text_keeps_the_original_visible(
    original: dt.date, due: dt.date, expected: str
) -> None:
    assert rules.due_text(original, due) == expected


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("SMcL", ["SMcL"]),
        ("JH SMcL", ["JH SMcL"]),
        ("RB / KS / MG", ["RB", "KS", "MG"]),
        ("Executive Director; Head of Service", ["Executive Director", "Head of Service"]),
        ("HR/ Hays", ["HR/ Hays"]),
        ("", []),
    ],
)
def test_split_leads(lead: str, expected: list[str]) -> None:
    assert rules.split_leads(lead) == expected


# --- status, due and overdue ----------------------------------------------------------------------

ON = D(2013, 10, 31)


@pytest.mark.parametrize(
    ("updates", "status", "due", "days_overdue"),
    [
        # No report: the Actions sheet's status; past due by 31 days.
        ([], "on_track", D(2013, 9, 30), 31),
        # The newest report wins.
        (
            [update(D(2013, 8, 31), "at_risk"), update(D(2013, 9, 30), "off_track")],
            "off_track",
            D(2013, 9, 30),
            31,
        ),
        # Complete is never overdue.
        ([update(D(2013, 10, 1), "complete")], "complete", D(2013, 9, 30), 0),
        # A revised due date moves the deadline: not overdue yet.
        (
            [update(D(2013, 9, 1), "at_risk", revised_due=D(2014, 1, 31))],
            "at_risk",
            D(2014, 1, 31),
            0,
        ),
        # A later report without a date does not cancel the revision.
        (
            [
                update(D(2013, 8, 1), "at_risk", revised_due=D(2013, 10, 15)),
                update(D(2013, 9, 1), "on_track"),
            ],
            "on_track",
            D(2013, 10, 15),
            16,
        ),
        # A report dated after the day judged at is not counted yet.
        ([update(D(2013, 11, 5), "complete")], "on_track", D(2013, 9, 30), 31),
    ],
)
def test_judge(updates: list[rules.Update], status: str, due: dt.date, days_overdue: int) -> None:
    view = rules.judge(action(), updates, ON)
    assert (view.status, view.due, view.days_overdue) == (status, due, days_overdue)
    assert view.overdue is (days_overdue > 0)
    assert view.original_due == D(2013, 9, 30)


def test_due_on_the_day_is_not_overdue() -> None:
    assert not rules.judge(action(), [], D(2013, 9, 30)).overdue
    assert rules.judge(action(), [], D(2013, 10, 1)).days_overdue == 1


def test_original_due_comes_from_the_first_version() -> None:
    # The Actions row's due date was changed in a later load: that is a revision too.
    view = rules.judge(action(due_date=D(2014, 1, 31), original_due=D(2013, 9, 30)), [], ON)
    assert view.revised and view.due_text == "due Sep 2013, revised to Jan 2014"
    assert not view.overdue


def test_history_orders_by_date_then_channel_and_drops_repeats() -> None:
    plan_row = update(D(2013, 9, 30), "on_track", text="Progressing", channel="plan", load_id=2)
    same_day = update(D(2013, 9, 30), "at_risk", text="Slipping", channel="update", load_id=1)
    repeat = update(D(2013, 10, 15), "at_risk", text="Slipping", channel="plan", load_id=3)
    later = update(D(2013, 10, 20), "complete", text="Done")
    past = rules.history([later, repeat, same_day, plan_row], ON)
    assert past == (plan_row, same_day, later)  # the update outranks the plan row that day
    assert rules.judge(action(), [plan_row, same_day], ON).status == "at_risk"


def test_stale_when_not_updated_for_two_cycles() -> None:
    assert rules.judge(action(), [update(D(2013, 8, 1), "on_track")], ON).stale
    assert not rules.judge(action(), [update(D(2013, 10, 1), "on_track")], ON).stale
    assert not rules.judge(action(), [update(D(2013, 1, 1), "complete")], ON).stale
    assert rules.judge(action(), [], ON).stale


# --- exceptions and summaries ---------------------------------------------------------------------


def _views() -> list[rules.ActionView]:
    cases = [
        ("done", "complete", D(2013, 1, 31)),
        ("fine", "on_track", D(2014, 3, 31)),
        ("risk", "at_risk", D(2014, 3, 31)),
        ("off", "off_track", D(2014, 3, 31)),
        ("late-a-bit", "on_track", D(2013, 10, 20)),
        ("late-a-lot", "at_risk", D(2013, 6, 30)),
        ("idle", "not_started", D(2014, 3, 31)),
    ]
    return [
        rules.judge(action(action_id=ident, status=status, due_date=due, order=n), [], ON)
        for n, (ident, status, due) in enumerate(cases)
    ]


def test_exceptions_first() -> None:
    ordered = [v.action.action_id for v in sorted(_views(), key=rules.exception_key)]
    assert ordered == ["late-a-lot", "late-a-bit", "off", "risk", "idle", "fine", "done"]


def test_summary_counts() -> None:
    summary = rules.summarise(_views())
    assert summary == rules.Summary(
        total=7, complete=1, on_track=2, at_risk=2, off_track=1, not_started=1, overdue=2
    )
    assert summary.text() == (
        "7 actions: 1 complete, 2 on track, 2 at risk, 1 off track, 1 not started; 2 overdue"
    )
    assert sum(summary.count(s) for s in rules.STATUSES) == summary.total
    assert rules.summarise([]) == rules.Summary()


def test_trend_counts_at_each_reporting_date() -> None:
    acts = [action(action_id="A-1"), action(action_id="A-2", due_date=D(2014, 3, 31))]
    updates = {
        "A-1": [update(D(2013, 8, 31), "at_risk"), update(D(2013, 9, 30), "complete")],
        "A-2": [rules.Update("A-2", D(2013, 9, 30), "off_track")],
    }
    points = rules.trend(acts, updates, ON)
    assert [p.on for p in points] == [D(2013, 8, 31), D(2013, 9, 30), ON]
    first, second, _ = (p.summary for p in points)
    assert (first.at_risk, first.on_track) == (1, 1)  # A-2 has no report yet: its plan status
    assert (second.complete, second.off_track, second.overdue) == (1, 1, 0)
    assert len(rules.trend(acts, updates, ON, points=2)) == 2
    figure = rules.trend_figure(points)
    assert [t["name"] for t in figure["data"]] == [
        "Complete",
        "On track",
        "At risk",
        "Off track",
        "Not started",
        "Overdue",
    ]
    assert figure["data"][0]["y"] == [0, 1, 1]
    alt = rules.trend_alt_text(points)
    assert alt.startswith("Action status at 3 reporting dates from Aug 2013 to Oct 2013")
    assert "1 complete" in alt


# --- milestones -----------------------------------------------------------------------------------


def test_next_board_defaults_to_six_weeks_on() -> None:
    plan = rules.Plan("p", "P")
    assert rules.next_board(plan, D(2012, 9, 20)) == D(2012, 11, 1)
    dated = rules.Plan("p", "P", next_board_date=D(2012, 11, 15))
    assert rules.next_board(dated, D(2012, 9, 20)) == D(2012, 11, 15)
    assert rules.next_board(dated, D(2012, 12, 1)) == D(2013, 1, 12)  # that meeting has passed


@pytest.mark.parametrize(
    ("due", "judged", "due_before_next", "awaiting"),
    [
        (D(2012, 10, 31), None, True, False),
        (D(2013, 3, 31), None, False, False),
        (D(2012, 7, 31), None, False, True),
        (D(2012, 7, 31), D(2012, 9, 1), False, False),
        (D(2012, 7, 31), D(2012, 6, 1), False, True),  # judged before it fell due: judge again
    ],
)
def test_milestone_states(
    due: dt.date, judged: dt.date | None, due_before_next: bool, awaiting: bool
) -> None:
    milestone = rules.Milestone("M1", "Goal", "Where we aim to be", due)
    judgements = [rules.Judgement("M1", judged, "partly_met")] if judged else []
    view = rules.judge_milestone(milestone, judgements, D(2012, 9, 20), D(2012, 11, 15))
    assert (view.due_before_next_meeting, view.awaiting_judgement) == (due_before_next, awaiting)


def test_latest_judgement_on_or_before_the_day() -> None:
    milestone = rules.Milestone("M1", "Goal", "Statement", D(2012, 7, 31))
    judgements = [
        rules.Judgement("M1", D(2012, 10, 1), "met"),
        rules.Judgement("M1", D(2012, 8, 16), "not_met"),
    ]
    view = rules.judge_milestone(milestone, judgements, D(2012, 9, 20), D(2012, 11, 15))
    assert view.latest is not None and view.latest.judgement == "not_met"
    assert set(rules.JUDGEMENT_LABEL) == set(JUDGEMENTS)


# --- reading the store ----------------------------------------------------------------------------

_BLANK_ACTION = {
    "outcome": None,
    "update": None,
    "linked_indicators": None,
    "recommendation_id": None,
    "area": None,
    "lead_agency": None,
    "partners": None,
    "resources": None,
    "how_measured": None,
    "due_text": None,
    "original_due_date": None,
}


class FakeSnapshot:
    """Answers the plan's named queries from frames, as indicators.store.Snapshot would."""

    def __init__(self, **frames: list[dict[str, Any]]) -> None:
        self.frames = frames

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        return pd.DataFrame(self.frames.get(name.removeprefix("plan_"), []))


def _store() -> FakeSnapshot:
    def act(
        ident: str, rec: str | None, due: str, status: str, links: str | None
    ) -> dict[str, Any]:
        return {
            **_BLANK_ACTION,
            "action_id": ident,
            "recommendation": f"text of {rec}",
            "recommendation_id": rec,
            "action": f"action {ident}",
            "lead": "Lead",
            "due_date": pd.Timestamp(due),
            "status": status,
            "linked_indicators": links,
            "original_due_date": pd.Timestamp(due),
        }

    return FakeSnapshot(
        plans=[
            {
                "plan_id": "own",
                "name": "Our plan",
                "council": "Us",
                "example": False,
                "as_at": pd.Timestamp("2021-07-15"),
                "next_board_date": pd.NaT,
                "source": None,
            },
            {
                "plan_id": "other",
                "name": "Their plan",
                "council": "Them",
                "example": True,
                "as_at": pd.Timestamp("2013-09-30"),
                "next_board_date": pd.NaT,
                "source": None,
            },
        ],
        recommendations=[
            {
                "recommendation_id": r,
                "recommendation": f"text of {r}",
                "plan": p,
                "source": None,
                "timescale": "3 months",
                "due_date": pd.NaT,
                "theme": None,
                "outcome": None,
                "evidence": None,
            }
            for r, p in (("R1", "own"), ("R2", "other"))
        ],
        actions=[
            act("A1", "R1", "2021-01-31", "on_track", "m1; m2"),
            act("A2", "R1", "2021-12-31", "at_risk", "m1"),
            act("B1", "R2", "2013-05-31", "on_track", "m1"),
            act("C1", None, "2021-03-31", "on_track", None),
        ],
        updates=[
            {
                "action_id": "A2",
                "as_of": pd.Timestamp("2021-06-30"),
                "status": "complete",
                "text": "Done",
                "revised_due_date": pd.NaT,
                "author": "Jo",
                "channel": "update",
                "load_id": 2,
            }
        ],
    )


def test_load_builds_the_plan_from_named_queries() -> None:
    data = rules.load(_store(), "Council plan")
    assert [a.action_id for a in data.actions] == ["A1", "A2", "B1", "C1"]
    assert [a.plan for a in data.actions] == ["own", "own", "other", ""]
    assert data.actions[0].linked == ("m1", "m2")
    implicit = data.recommendations[data.actions[3].recommendation_key]
    assert implicit.recommendation == "text of None" and implicit.recommendation_id is None
    assert data.plan("").name == "Council plan"
    views = {v.action.action_id: v for v in data.views(D(2030, 1, 1))}
    assert views["A1"].on == D(2021, 7, 15)  # judged at its plan's as_at
    assert views["C1"].on == D(2030, 1, 1)  # no as_at: today
    assert views["A2"].status == "complete"


def test_actions_for_measure_is_exceptions_first_and_only_this_councils() -> None:
    found = rules.actions_for_measure(_store(), "m1", today=D(2030, 1, 1))
    assert [a["action_id"] for a in found] == ["A1", "A2"]  # B1 is another council's plan
    first = found[0]
    assert (first["status"], first["overdue"], first["days_overdue"]) == ("on_track", True, 165)
    assert first["due_text"] == "due Jan 2021" and first["due_date"] == "2021-01-31"
    assert first["href"] == "/plan?plan=own#action-a1"
    assert rules.actions_for_measure(_store(), "m2")[0]["action_id"] == "A1"
    assert rules.actions_for_measure(_store(), "nothing") == []


def test_timescales_are_the_issues_three() -> None:
    assert TIMESCALES == ("immediately", "3 months", "6 months")


def test_the_form_and_the_updates_sheet_write_one_table_the_same_way() -> None:
    from indicators.sheets import UPDATES
    from loaders import plan as write_path
    from loaders.ingest import VERSIONING

    table, key, compared = VERSIONING[UPDATES.name]
    assert (table, key, compared) == (write_path._TABLE, write_path._KEY, write_path._COMPARED)
    assert set(key + compared) <= set(UPDATES.names)


# --- the demo's explicit rules --------------------------------------------------------------------


def _csv(path: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_every_link_rule_matches_an_action_and_names_a_demo_measure() -> None:
    from loaders import demo

    measures = {r["indicator_id"] for r in _csv(demo.SCORECARD_CSV)}
    plan = _csv(demo.PLAN_CSV)
    for column, pattern, ids in demo.LINK_RULES:
        matched = [r["action_id"] for r in plan if re.search(pattern, r[column], re.IGNORECASE)]
        assert matched, f"rule {pattern!r} matches no action"
        assert set(ids) <= measures, ids
    linked = {r["action_id"]: demo.link_measures(pd.Series(r)) for r in plan}
    assert linked["LS-07"] == ("ls_agency_workers_pct",)
    assert linked["CIN-19"] == ("pc_cp_plans_number", "pc_cp_plan_rate_per_10k")
    assert linked["QA-01"] == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Timescale likely now to be March 2014.", D(2014, 3, 31)),
        ("Scoping document produced - revised timescale September 2013.", D(2013, 9, 30)),
        ("Revised timescale of January 2014, to meet new national guidance.", D(2014, 1, 31)),
        ("Timescale needs to be reviewed, once revised procedures are implemented.", None),
        ("Completed.", None),
    ],
)
def test_stockton_revised_timescales(text: str, expected: dt.date | None) -> None:
    from loaders.demo import stockton_revised_due

    assert stockton_revised_due(text) == expected


def test_wiltshire_milestones_transcription() -> None:
    from loaders.demo import WILTSHIRE_CSV

    rows = _csv(WILTSHIRE_CSV)
    assert len(rows) == 30 and len({r["milestone_id"] for r in rows}) == 30
    assert len({r["goal"] for r in rows}) == 5
    assert {(r["horizon"], r["due_date"]) for r in rows} == {
        ("3 months by end July 2012", "2012-07-31"),
        ("6 months by end October 2012", "2012-10-31"),
        ("For 1 year to end March 2013", "2013-03-31"),
    }
    assert rows[0]["goal"] == "Children and young people are safe"
    assert all(r["milestone"] == r["milestone"].strip() and r["milestone"] for r in rows)
