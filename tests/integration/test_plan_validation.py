"""The improvement plan's sheets, one generated failing workbook per rule, loaded against a real
copy of the demo store: each report names sheet, cell and column with a plain message, and the
store is byte-for-byte unchanged. Then the passing cases: a whole plan in one workbook, every
problem at once, and an Updates sheet that names actions already in the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indicators.settings import Settings
from loaders.ingest import load_workbook
from loaders.plan import known_plan_ids
from loaders.validate import validate_workbook
from tests.fixtures import workbooks
from tests.integration.test_publish import store_files

TODAY = dt.date(2021, 7, 15)
DUE = dt.date(2021, 9, 30)
JUNE = dt.date(2021, 6, 30)

Rows = list[list[object]]


def action(ident: str = "A-1", **extra: object) -> list[object]:
    """An Actions row: the nine DESIGN columns, then the optional plan columns by name."""
    optional = (
        "recommendation_id",
        "area",
        "lead_agency",
        "partners",
        "resources",
        "how_measured",
        "due_text",
        "status_as_of",
        "revised_due_date",
    )
    base: list[object] = [ident, "Rec", None, "Do it", "Lead", DUE, "on_track", None, None]
    return base + [extra.get(name) for name in optional]


ACTION = {"Actions": [action()]}
RECOMMENDATION = ["R-1", "Improve management oversight", None, "Ofsted 2013", "3 months"]
MILESTONE = ["M-1", "Children are safe", "All plans reviewed", dt.date(2021, 10, 31)]
PLAN = ["p-1", "An example plan", "Elsewhere", True, dt.date(2013, 9, 30)]

# (name, sheets, expected (sheet, cell, column), words in the message)
CASES: list[tuple[str, dict[str, Rows], tuple[str, str, str], str]] = [
    (
        "fails_update_unknown_action",
        {"Updates": [["NO-SUCH", JUNE, "on_track"]]},
        ("Updates", "A2", "action_id"),
        "names no action on the Actions sheet nor in the store",
    ),
    (
        "fails_update_unknown_status",
        {**ACTION, "Updates": [["A-1", JUNE, "done"]]},
        ("Updates", "C2", "status"),
        "not_started, on_track, at_risk, off_track, complete",
    ),
    (
        "fails_update_ambiguous_date",
        {**ACTION, "Updates": [["A-1", "30/06/2021", "on_track"]]},
        ("Updates", "B2", "as_of"),
        "ambiguous",
    ),
    (
        "fails_update_not_a_date",
        {**ACTION, "Updates": [["A-1", "June 2021", "on_track"]]},
        ("Updates", "B2", "as_of"),
        "is not a date",
    ),
    (
        "fails_update_in_the_future",
        {**ACTION, "Updates": [["A-1", dt.date(2021, 8, 2), "on_track"]]},
        ("Updates", "B2", "as_of"),
        "in the future",
    ),
    (
        "fails_update_before_2000",
        {**ACTION, "Updates": [["A-1", dt.date(1999, 12, 31), "on_track"]]},
        ("Updates", "B2", "as_of"),
        "before 2000",
    ),
    (
        "fails_update_revised_due_not_a_date",
        {**ACTION, "Updates": [["A-1", JUNE, "at_risk", "Slipping", "soon"]]},
        ("Updates", "E2", "revised_due_date"),
        "is not a date",
    ),
    (
        "fails_duplicate_update",
        {**ACTION, "Updates": [["A-1", JUNE, "on_track"], ["A-1", JUNE, "at_risk"]]},
        ("Updates", "B3", "as_of"),
        "same action on the same day (first given in row 2)",
    ),
    (
        "fails_update_missing_status",
        {**ACTION, "Updates": [["A-1", JUNE, None, "Text"]]},
        ("Updates", "C2", "status"),
        "required",
    ),
    (
        "fails_action_unknown_recommendation",
        {"Actions": [action(recommendation_id="R-X")]},
        ("Actions", "J2", "recommendation_id"),
        "names no recommendation on the Recommendations sheet nor in the store",
    ),
    (
        "fails_duplicate_action",
        {"Actions": [action(), action()]},
        ("Actions", "A3", "action_id"),
        "appears twice on this sheet (first given in row 2)",
    ),
    (
        "fails_action_status_as_of_in_the_future",
        {"Actions": [action(status_as_of=dt.date(2021, 12, 1))]},
        ("Actions", "Q2", "status_as_of"),
        "in the future",
    ),
    (
        "fails_action_revised_due_ambiguous",
        {"Actions": [action(revised_due_date="01/02/2022")]},
        ("Actions", "R2", "revised_due_date"),
        "ambiguous",
    ),
    (
        "fails_action_unknown_linked_measure",
        {"Actions": [[*action()[:8], "ls_agency_workers_pct; no_such_measure"]]},
        ("Actions", "I2", "linked_indicators"),
        "'no_such_measure'",
    ),
    (
        "fails_recommendation_unknown_plan",
        {"Recommendations": [["R-1", "Rec", "no-such-plan"]]},
        ("Recommendations", "C2", "plan"),
        "names no plan on the Plans sheet nor in the store",
    ),
    (
        "fails_recommendation_unknown_timescale",
        {"Recommendations": [["R-1", "Rec", None, None, "within 3 months"]]},
        ("Recommendations", "E2", "timescale"),
        "immediately, 3 months, 6 months",
    ),
    (
        "fails_duplicate_recommendation",
        {"Recommendations": [RECOMMENDATION, RECOMMENDATION]},
        ("Recommendations", "A3", "recommendation_id"),
        "appears twice",
    ),
    (
        "fails_milestone_unknown_plan",
        {"Milestones": [[*MILESTONE, "no-such-plan"]]},
        ("Milestones", "E2", "plan"),
        "names no plan",
    ),
    (
        "fails_milestone_ambiguous_due_date",
        {"Milestones": [[*MILESTONE[:3], "31/10/2021"]]},
        ("Milestones", "D2", "due_date"),
        "ambiguous",
    ),
    (
        "fails_duplicate_milestone",
        {"Milestones": [MILESTONE, MILESTONE]},
        ("Milestones", "A3", "milestone_id"),
        "appears twice",
    ),
    (
        "fails_judgement_unknown_milestone",
        {"Judgements": [["M-9", JUNE, "met"]]},
        ("Judgements", "A2", "milestone_id"),
        "names no milestone on the Milestones sheet nor in the store",
    ),
    (
        "fails_judgement_unknown_value",
        {"Milestones": [MILESTONE], "Judgements": [["M-1", JUNE, "partly"]]},
        ("Judgements", "C2", "judgement"),
        "met, partly_met, not_met",
    ),
    (
        "fails_judgement_in_the_future",
        {"Milestones": [MILESTONE], "Judgements": [["M-1", dt.date(2021, 9, 1), "met"]]},
        ("Judgements", "B2", "judged_on"),
        "in the future",
    ),
    (
        "fails_duplicate_judgement",
        {"Milestones": [MILESTONE], "Judgements": [["M-1", JUNE, "met"], ["M-1", JUNE, "not_met"]]},
        ("Judgements", "B3", "judged_on"),
        "same milestone on the same day",
    ),
    (
        "fails_duplicate_plan",
        {"Plans": [PLAN, PLAN]},
        ("Plans", "A3", "plan_id"),
        "appears twice",
    ),
    (
        "fails_plan_next_board_before_as_at",
        {"Plans": [[*PLAN, dt.date(2013, 9, 1)]]},
        ("Plans", "F2", "next_board_date"),
        "is before as_at",
    ),
    (
        "fails_plan_example_not_true_or_false",
        {"Plans": [["p-1", "A plan", None, "maybe"]]},
        ("Plans", "D2", "example"),
        "true or false",
    ),
]


@pytest.mark.parametrize(
    ("name", "sheets", "where", "words"), CASES, ids=[case[0] for case in CASES]
)
def test_each_plan_rule_reports_the_cell_and_changes_nothing(
    demo_settings: Settings,
    tmp_path: Path,
    name: str,
    sheets: dict[str, Rows],
    where: tuple[str, str, str],
    words: str,
) -> None:
    book = workbooks.make_workbook(tmp_path / f"{name}.xlsx", sheets)
    before = store_files(demo_settings)
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.summary is None
    located = [(p.sheet, p.cell, p.column) for p in result.problems]
    assert where in located, result.problems
    problem = result.problems[located.index(where)]
    assert words in problem.message, problem.message
    assert store_files(demo_settings) == before


def test_every_plan_problem_is_reported_at_once(demo_settings: Settings, tmp_path: Path) -> None:
    merged: dict[str, Rows] = {}
    expected = set()
    for _, sheets, where, _ in CASES:
        if where[0] in ("Plans",):
            continue  # plans collide on their id across cases; covered one by one above
        for sheet, rows in sheets.items():
            if sheet == where[0]:
                merged.setdefault(sheet, [])
                merged[sheet].extend(rows)
        expected.add(where[0])
    book = workbooks.make_workbook(tmp_path / "many.xlsx", merged)
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert {p.sheet for p in result.problems} >= expected
    assert len(result.problems) >= len(CASES) - 3


def plan_workbook(path: Path) -> Path:
    """A whole plan: two plans, recommendations, actions, updates, milestones, judgements."""
    return workbooks.make_workbook(
        path,
        {
            "Plans": [
                ["own", "Our plan", "Southampton", False, None, dt.date(2021, 8, 26)],
                PLAN,
            ],
            "Recommendations": [
                ["R-1", "Strengthen management oversight", "own", "Ofsted", "immediately"],
                ["R-2", "Their recommendation", "p-1", None, "6 months", None, "IP1", "Safer"],
            ],
            "Actions": [
                action(
                    recommendation_id="R-1",
                    area="Early Help",
                    partners="Police",
                    how_measured="Audit",
                    due_text="End of Sept",
                    status_as_of=dt.date(2021, 5, 31),
                ),
                [
                    *action("A-2")[:8],
                    "ls_agency_workers_pct",
                    "R-1",
                ],
                action("B-1", recommendation_id="R-2", revised_due_date=dt.date(2013, 12, 31)),
            ],
            "Updates": [
                ["A-1", JUNE, "at_risk", "Capacity", dt.date(2021, 12, 31), "Head of EH"],
                ["A-2", JUNE, "complete"],
            ],
            "Milestones": [[*MILESTONE, "own", "3 months by end Oct 2021"]],
            "Judgements": [["M-1", JUNE, "partly_met", "Half the plans reviewed", "Board"]],
        },
    )


def test_a_whole_plan_loads(demo_settings: Settings, tmp_path: Path) -> None:
    from indicators.store import Store

    book = plan_workbook(tmp_path / "passes_whole_plan.xlsx")
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.ok, result.problems
    counts = result.summary.counts if result.summary else {}
    assert counts["action_updates_new"] == 2 and counts["milestone_judgements_new"] == 1
    snap = Store.from_settings(demo_settings).snapshot()
    updates = snap.query("plan_updates")
    mine = updates[updates["action_id"] == "A-1"]
    assert list(mine["channel"]) == ["plan", "update"]  # the Actions row is a report too
    assert mine.iloc[1]["author"] == "Head of EH"
    default_author = updates[(updates["action_id"] == "A-2") & (updates["channel"] == "update")]
    assert default_author.iloc[0]["author"] == "tester"  # blank author: the uploader


def test_updates_sheet_may_name_actions_already_in_the_store(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """The validator accepts ids the store holds when told them (loaders.plan.known_plan_ids);
    ingest.validate_file must pass ``known_plan=known_plan_ids(settings)`` for uploads."""
    book = workbooks.make_workbook(
        tmp_path / "updates_only.xlsx", {"Updates": [["LS-07", JUNE, "at_risk", "Agency up"]]}
    )
    known = known_plan_ids(demo_settings)
    assert "LS-07" in known.actions and "southampton-2020" in known.plans
    told = validate_workbook(book, book.name, today=TODAY, known_plan=known)
    assert told.ok, told.problems
    untold = validate_workbook(book, book.name, today=TODAY)
    assert [(p.sheet, p.cell) for p in untold.problems] == [("Updates", "A2")]
