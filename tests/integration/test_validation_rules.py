"""Every validation rule, one generated failing workbook each, loaded against a real store:
the report names sheet, cell and column with a plain message, and the store is byte-for-byte
unchanged. File-level fixtures (tests/fixtures/workbooks.py) go through the same load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indicators.settings import Settings
from loaders.ingest import load_workbook
from tests.fixtures import workbooks
from tests.integration.test_publish import store_files

TODAY = dt.date(2021, 7, 15)
JUNE = dt.date(2021, 6, 1)
NEW_INDICATOR = ["new_pct", "A new measure", "Early Help", "percent", "higher_is_better"]

# (name, sheets, expected (sheet, cell, column), words in the message). Control characters are
# written as Excel's own escape (_x0007_), the form a real workbook carries them in.
CASES: list[tuple[str, dict[str, list[list[object]]], tuple[str, str, str], str]] = [
    (
        "fails_text_in_number",
        {"Actuals": [["lac_rate_per_10k", JUNE, "n/a"]]},
        ("Actuals", "C2", "value"),
        "instead of a number",
    ),
    (
        "fails_less_than_in_number",
        {"Actuals": [["lac_number", JUNE, "<5"]]},
        ("Actuals", "C2", "value"),
        "is a range",
    ),
    (
        "fails_percent_sign",
        {"Actuals": [["ls_agency_workers_pct", JUNE, "12%"]]},
        ("Actuals", "C2", "value"),
        "% sign",
    ),
    (
        "fails_thousands_separator",
        {"Actuals": [["lac_number", JUNE, "1,234"]]},
        ("Actuals", "C2", "value"),
        "thousands separators",
    ),
    (
        "fails_boolean_in_number",
        {"Actuals": [["lac_number", JUNE, True]]},
        ("Actuals", "C2", "value"),
        "TRUE/FALSE",
    ),
    (
        "fails_excel_error_text",
        {"Actuals": [["lac_number", JUNE, "#DIV/0!"]]},
        ("Actuals", "C2", "value"),
        "#DIV/0!",
    ),
    (
        "fails_percent_over_100",
        {"Actuals": [["ls_agency_workers_pct", JUNE, 104.0]]},
        ("Actuals", "C2", "value"),
        "0 to 100",
    ),
    (
        "fails_negative_rate",
        {"Actuals": [["lac_rate_per_10k", JUNE, -3.0]]},
        ("Actuals", "C2", "value"),
        "0 or more",
    ),
    (
        "fails_count_not_whole",
        {"Actuals": [["lac_number", JUNE, 512.5]]},
        ("Actuals", "C2", "value"),
        "whole number",
    ),
    (
        "fails_numerator_above_denominator",
        {"Actuals": [["ls_agency_workers_pct", JUNE, 50.0, 30, 20]]},
        ("Actuals", "D2", "numerator"),
        "more than the denominator",
    ),
    (
        "fails_value_not_matching_fraction",
        {"Actuals": [["ls_agency_workers_pct", JUNE, 50.0, 10, 40]]},
        ("Actuals", "C2", "value"),
        "does not match numerator / denominator",
    ),
    (
        "fails_zero_denominator",
        {"Actuals": [["ls_agency_workers_pct", JUNE, 5.0, 0, 0]]},
        ("Actuals", "E2", "denominator"),
        "more than zero",
    ),
    (
        "fails_duplicate_month",
        {"Actuals": [["lac_number", JUNE, 500], ["lac_number", "2021-06", 501]]},
        ("Actuals", "B3", "period"),
        "first given in row 2",
    ),
    (
        "fails_future_period",
        {"Actuals": [["lac_number", dt.date(2021, 9, 1), 500]]},
        ("Actuals", "B2", "period"),
        "in the future",
    ),
    (
        "fails_period_before_2000",
        {"Actuals": [["lac_number", dt.date(1999, 12, 1), 500]]},
        ("Actuals", "B2", "period"),
        "before 2000",
    ),
    (
        "fails_ambiguous_text_date",
        {"Actuals": [["lac_number", "01/02/2021", 500]]},
        ("Actuals", "B2", "period"),
        "ambiguous",
    ),
    (
        "fails_not_a_month",
        {"Actuals": [["lac_number", "June", 500]]},
        ("Actuals", "B2", "period"),
        "not a month",
    ),
    (
        "fails_unknown_indicator",
        {"Actuals": [["no_such_measure", JUNE, 5]]},
        ("Actuals", "A2", "indicator_id"),
        "not in the store nor on the Indicators sheet",
    ),
    (
        "fails_cyrillic_lookalike_id",
        {"Actuals": [["lac_numb\u0435r", JUNE, 5]]},
        ("Actuals", "A2", "indicator_id"),
        "Cyrillic",
    ),
    (
        "fails_control_character_in_id",
        {"Actuals": [["lac_number_x0007_", JUNE, 5]]},
        ("Actuals", "A2", "indicator_id"),
        "control character",
    ),
    (
        "fails_space_in_id",
        {"Actuals": [["lac number", JUNE, 5]]},
        ("Actuals", "A2", "indicator_id"),
        "space",
    ),
    (
        "fails_unknown_status",
        {"Actuals": [["lac_number", JUNE, 5, None, None, "All", "final"]]},
        ("Actuals", "G2", "status"),
        "provisional, validated",
    ),
    (
        "fails_unknown_unit",
        {"Indicators": [["new_x", "X", "Early Help", "percentage", "higher_is_better"]]},
        ("Indicators", "D2", "unit"),
        "allowed values",
    ),
    (
        "fails_missing_required_name",
        {"Indicators": [["new_x", None, "Early Help", "percent", "higher_is_better"]]},
        ("Indicators", "B2", "name"),
        "required",
    ),
    (
        "fails_duplicate_indicator",
        {"Indicators": [NEW_INDICATOR, NEW_INDICATOR]},
        ("Indicators", "A3", "indicator_id"),
        "appears twice",
    ),
    (
        "fails_overlong_text",
        {"Commentary": [["lac_number", JUNE, "x" * 2001]]},
        ("Commentary", "C2", "commentary"),
        "too long",
    ),
    (
        "fails_control_character_in_text",
        {"Commentary": [["lac_number", JUNE, "ok_x001B_then"]]},
        ("Commentary", "C2", "commentary"),
        "control character",
    ),
    (
        "fails_comparator_unknown_symbol",
        {"Comparators": [["lac_number", "england", "2019-20", dt.date(2020, 3, 31), "n.a"]]},
        ("Comparators", "E2", "value"),
        "suppression symbol",
    ),
    (
        "fails_comparator_kind",
        {"Comparators": [["lac_number", "national", "2019-20", dt.date(2020, 3, 31), 500]]},
        ("Comparators", "B2", "comparator"),
        "statistical_neighbours, region, england",
    ),
    (
        "fails_target_over_100",
        {"Targets": [["ls_agency_workers_pct", JUNE, 120]]},
        ("Targets", "C2", "target_value"),
        "0 to 100",
    ),
    (
        "fails_action_unknown_link",
        {
            "Actions": [
                [
                    "A-1",
                    "Rec",
                    None,
                    "Do it",
                    "Lead",
                    dt.date(2021, 9, 30),
                    "on_track",
                    None,
                    "lac_number; nope",
                ]
            ]
        },
        ("Actions", "I2", "linked_indicators"),
        "'nope'",
    ),
    (
        "fails_action_unknown_status",
        {"Actions": [["A-1", "Rec", None, "Do it", "Lead", dt.date(2021, 9, 30), "done"]]},
        ("Actions", "G2", "status"),
        "on_track",
    ),
    (
        "fails_action_bad_due_date",
        {"Actions": [["A-1", "Rec", None, "Do it", "Lead", "31/09/2021", "on_track"]]},
        ("Actions", "F2", "due_date"),
        "ambiguous",
    ),
]


@pytest.mark.parametrize(
    ("name", "sheets", "where", "words"), CASES, ids=[case[0] for case in CASES]
)
def test_each_rule_reports_the_cell_and_changes_nothing(
    demo_settings: Settings,
    tmp_path: Path,
    name: str,
    sheets: dict[str, list[list[object]]],
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
    assert words in problem.message
    assert store_files(demo_settings) == before


def test_every_problem_is_reported_at_once(demo_settings: Settings, tmp_path: Path) -> None:
    rows = [row for _, sheets, _, _ in CASES for row in sheets.get("Actuals", [])]
    book = workbooks.make_workbook(tmp_path / "many.xlsx", {"Actuals": rows})
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert len({p.row for p in result.problems}) >= len(rows) - 1


def test_suppression_symbols_are_stored_as_missing_with_their_symbol(
    demo_settings: Settings, tmp_path: Path
) -> None:
    from indicators.store import Store

    book = workbooks.make_workbook(
        tmp_path / "c.xlsx",
        {
            "Comparators": [
                ["lac_number", "england", "2020-21", dt.date(2021, 3, 31), "c"],
                ["lac_number", "region", "2020-21", dt.date(2021, 3, 31), 10270],
            ]
        },
    )
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.ok, result.problems
    comps = Store.from_settings(demo_settings).snapshot().query("comparators")
    mine = comps[(comps.indicator_id == "lac_number") & (comps.period_label == "2020-21")]
    england = mine[mine.comparator == "england"].iloc[0]
    assert england.symbol == "c" and england.value != england.value  # NULL, never zero


def test_blank_values_are_not_supplied_never_zero(demo_settings: Settings, tmp_path: Path) -> None:
    from indicators.store import Store

    book = workbooks.make_workbook(
        tmp_path / "blank.xlsx",
        {"Actuals": [["lac_number", JUNE, None], ["lac_rate_per_10k", JUNE, 88.0]]},
    )
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.ok and result.not_supplied == 1
    actuals = Store.from_settings(demo_settings).snapshot().query("actuals")
    june = actuals[(actuals.indicator_id == "lac_number") & (actuals.period == "2021-06-01")]
    assert float(june.iloc[0].value) != 0  # the demo's June figure, untouched


@pytest.mark.parametrize("name", sorted(n for n in workbooks.REGISTRY if n.startswith("fails_")))
def test_file_level_fixtures_change_nothing(
    demo_settings: Settings, tmp_path: Path, name: str
) -> None:
    book = workbooks.build(name, tmp_path)
    before = store_files(demo_settings)
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.problems and result.summary is None
    assert all(p.message for p in result.problems)
    assert store_files(demo_settings) == before


def test_a_huge_number_in_a_date_cell_is_a_message_not_a_crash(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """Found by the fuzz test: fastexcel panics on this cell; the reader must not."""
    import openpyxl

    book = workbooks.make_workbook(tmp_path / "huge.xlsx", {"Actuals": [["lac_number", JUNE, 5]]})
    edited = openpyxl.load_workbook(book)
    edited["Actuals"].cell(row=2, column=2, value=-1.7976931348623157e308)
    edited.save(book)
    before = store_files(demo_settings)
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    assert result.summary is None
    (problem,) = result.problems
    assert (problem.rule, problem.sheet, problem.cell) == (
        "cell.impossible_number",
        "Actuals",
        "B2",
    )
    assert "far outside any real figure or date" in problem.message
    assert store_files(demo_settings) == before


def test_each_repeated_row_names_its_own_first_row(demo_settings: Settings, tmp_path: Path) -> None:
    months = [dt.date(2019, 1, 1) + dt.timedelta(days=32 * i) for i in range(30)]
    firsts = [["lac_rate_per_10k", m.replace(day=1), 80.0] for m in months]
    # The same 30 months again, last first: each repeat's first row is a different, later one.
    book = workbooks.make_workbook(
        tmp_path / "repeats.xlsx", {"Actuals": firsts + list(reversed(firsts))}
    )
    before = store_files(demo_settings)
    result = load_workbook(demo_settings, book, book.name, "tester", today=TODAY)
    repeats = [p for p in result.problems if p.rule == "row.unique_actual"]
    assert [p.row for p in repeats] == list(range(32, 62))
    assert [p.message.rsplit("row ", 1)[1] for p in repeats] == [f"{r})" for r in range(31, 1, -1)]
    assert store_files(demo_settings) == before
