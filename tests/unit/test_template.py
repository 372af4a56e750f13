"""The template writer: its shape comes from indicators.sheets and it reads back clean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from indicators.domain import (
    Frequency,
    Indicator,
    Polarity,
    TargetOperator,
    Unit,
)
from indicators.sheets import ACTUALS, DATA_SHEETS, INDICATORS, INSTRUCTIONS_SHEET, Kind, Sheet
from loaders.excel import column_letter, read_workbook
from loaders.template import TEMPLATE_ROWS, how_to_type, template_workbook, write_template

INDICATOR_LIST = [
    Indicator(
        indicator_id="lac_rate",
        name="Children looked after per 10,000",
        service_area="Children in care",
        unit=Unit.RATE_PER_10K,
        polarity=Polarity.LOWER_IS_BETTER,
        decimals=1,
        baseline_value=80.5,
        baseline_period=dt.date(2020, 4, 1),
        target_value=70.0,
        target_operator=TargetOperator.EQ,
        target_date=dt.date(2021, 3, 1),
        tolerance=2.5,
        outcome="Fewer children need care",
        lead="Head of Service",
        local_indicator=False,
        benchmark_measure="LAC",
    ),
    Indicator(
        indicator_id="eh_pct",
        name='=HYPERLINK("http://example.invalid")',  # must stay text, never a formula
        service_area="Early Help",
        unit=Unit.PERCENT,
        polarity=Polarity.HIGHER_IS_BETTER,
        frequency=Frequency.QUARTERLY,
    ),
]
MONTH = dt.date(2025, 7, 15)
BREAKDOWNS = {"eh_pct": ["North", "South"]}


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("t") / "template.xlsx")


@pytest.fixture(scope="module")
def prefilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("t") / "july.xlsx"
    return write_template(path, indicators=INDICATOR_LIST, month=MONTH, breakdowns=BREAKDOWNS)


def test_sheets_are_instructions_then_the_data_sheets_in_order(blank: Path) -> None:
    wb = load_workbook(blank)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *(spec.name for spec in DATA_SHEETS)]


@pytest.mark.parametrize("spec", DATA_SHEETS, ids=lambda spec: spec.name)
def test_data_sheet_headers_formats_and_notes(spec: Sheet, blank: Path) -> None:
    ws = load_workbook(blank)[spec.name]
    headers = [cell.value for cell in ws[1]]
    assert headers == [col.header for col in spec.columns]
    assert ws.freeze_panes == "A2"
    for index, col in enumerate(spec.columns):
        letter = column_letter(index)
        header = ws[f"{letter}1"]
        assert header.font.bold
        assert header.comment is not None and col.description in header.comment.text
        assert ws.column_dimensions[letter].width >= len(col.header)
        expected_format = {Kind.MONTH: "yyyy-mm", Kind.DATE: "yyyy-mm-dd"}.get(col.kind)
        if expected_format:
            assert ws.column_dimensions[letter].number_format == expected_format
    assert ws.max_row == 1  # headers only


@pytest.mark.parametrize("spec", DATA_SHEETS, ids=lambda spec: spec.name)
def test_every_code_and_bool_column_has_a_drop_down(spec: Sheet, blank: Path) -> None:
    ws = load_workbook(blank)[spec.name]
    lists = {
        str(validation.sqref): validation.formula1
        for validation in ws.data_validations.dataValidation
        if validation.type == "list"
    }
    expected = {}
    for index, col in enumerate(spec.columns):
        letter = column_letter(index)
        if col.kind is Kind.CODE:
            expected[f"{letter}2:{letter}{TEMPLATE_ROWS}"] = '"' + ",".join(col.allowed) + '"'
        elif col.kind is Kind.BOOL:
            expected[f"{letter}2:{letter}{TEMPLATE_ROWS}"] = '"true,false"'
    assert lists == expected


def test_instructions_list_every_column_with_its_rules(blank: Path) -> None:
    ws = load_workbook(blank)[INSTRUCTIONS_SHEET]
    rows = [tuple(cell.value for cell in row) for row in ws.iter_rows()]
    table = {(row[0], row[1]): row for row in rows if row[0] and row[1]}
    for spec in DATA_SHEETS:
        assert any(spec.description in str(row[0]) for row in rows)
        for col in spec.columns:
            _, _, required, meaning, allowed = table[(spec.name, col.header)]
            assert required == ("yes" if col.required else "no")
            assert meaning == col.description
            assert allowed == how_to_type(col)
            for code in col.allowed:
                assert code in allowed


def test_blank_template_reads_back_clean(blank: Path) -> None:
    book = read_workbook(blank, "template.xlsx")
    assert book.problems == []
    assert list(book.sheets) == [spec.name for spec in DATA_SHEETS]
    for spec in DATA_SHEETS:
        frame = book.sheets[spec.name].frame
        assert list(frame.columns) == list(spec.names)
        assert frame.empty


def test_prefilled_template_reads_back_as_expected(prefilled: Path) -> None:
    book = read_workbook(prefilled, "july.xlsx")
    assert book.problems == []
    actuals = book.sheets[ACTUALS.name].frame
    assert list(actuals.index) == [2, 3, 4]
    assert actuals[["indicator_id", "period", "breakdown"]].values.tolist() == [
        ["lac_rate", "2025-07-01 00:00:00", "All"],
        ["eh_pct", "2025-07-01 00:00:00", "North"],
        ["eh_pct", "2025-07-01 00:00:00", "South"],
    ]
    assert actuals[["value", "numerator", "denominator", "status"]].isna().all().all()

    definitions = book.sheets[INDICATORS.name].frame
    assert definitions.loc[2].to_dict() == {
        "indicator_id": "lac_rate",
        "name": "Children looked after per 10,000",
        "service_area": "Children in care",
        "unit": "rate_per_10k",
        "polarity": "lower_is_better",
        "decimals": "1",
        "frequency": "monthly",
        "baseline_value": "80.5",
        "baseline_period": "2020-04-01 00:00:00",
        "target_value": "70",
        "target_operator": "=",
        "target_date": "2021-03-01 00:00:00",
        "tolerance": "2.5",
        "outcome": "Fewer children need care",
        "lead": "Head of Service",
        "local_indicator": "false",
        "benchmark_measure": "LAC",
    }
    second = definitions.loc[3]
    assert second["name"] == '=HYPERLINK("http://example.invalid")'
    assert second["frequency"] == "quarterly"
    assert second["local_indicator"] == "true"
    assert second["baseline_value"] is None


def test_prefilled_cells_are_typed_as_excel_would_hold_them(prefilled: Path) -> None:
    wb = load_workbook(prefilled)
    period = wb[ACTUALS.name]["B2"]
    assert period.value == dt.datetime(2025, 7, 1)  # a date cell, the first of the month
    assert period.number_format == "yyyy-mm"
    assert wb[ACTUALS.name]["C2"].value is None  # value left for the data team
    indicators = wb[INDICATORS.name]
    assert indicators["B3"].data_type == "s"  # text that starts with = is not a formula
    assert indicators["K2"].data_type == "s"
    assert indicators["K2"].value == "="
    assert indicators["P2"].value is False


def test_prefilling_needs_both_indicators_and_month() -> None:
    with pytest.raises(ValueError, match="both"):
        template_workbook(indicators=INDICATOR_LIST)
    with pytest.raises(ValueError, match="both"):
        template_workbook(month=MONTH)


def test_write_template_accepts_str_paths(tmp_path: Path) -> None:
    path = write_template(str(tmp_path / "t.xlsx"))
    assert path == tmp_path / "t.xlsx"
    assert path.exists()
