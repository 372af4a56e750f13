"""Tables, CSV and Excel (loaders/exports/tables.py): neutralised text, numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from loaders.exports.tables import (
    Column,
    ExportContext,
    Table,
    cell_value,
    csv_bytes,
    neutralise,
    xlsx_bytes,
)

DANGEROUS = [
    "=1+2",
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "\n=1",
    "＝1+2",  # full-width equals
    "＋1",
    "－1",
    "＠SUM(A1)",
    "   =1+2",  # leading spaces
]
HARMLESS = ["Plain text", "12.5%", "−3 (a true minus)", "c", "", "a=b", "2020-21"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_could_be_a_formula_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("number", 12.5, 12.5),
        ("number", 509.0, 509),
        ("number", "c", "c"),
        ("number", None, None),
        ("number", float("nan"), None),
        ("int", 2, 2),
        ("date", dt.date(2021, 6, 1), dt.date(2021, 6, 1)),
        ("text", "=1+1", "'=1+1"),
        ("text", 3, "3"),
    ],
)
def test_cell_values_are_typed(kind: str, value: object, expected: object) -> None:
    assert cell_value(Column("x", "X", kind), value) == expected


CTX = ExportContext(
    council="Southampton",
    plan="Plan",
    version=7,
    latest=9,
    as_of=dt.date(2021, 7, 15),
    areas=("Early Help",),
    generated_at=dt.datetime(2021, 7, 15, 9, 0, tzinfo=dt.UTC),
)
TABLE = Table(
    "Data",
    [Column("name", "=Name"), Column("value", "Value", "number"), Column("month", "Month", "date")],
    [
        {"decimals": 1, "name": '=HYPERLINK("x")', "value": 12.25, "month": dt.date(2021, 6, 1)},
        {"decimals": 0, "name": "@cmd", "value": "c", "month": None},
        {"decimals": 0, "name": "＝1", "value": -3, "month": None},
    ],
)


def test_file_names_carry_version_date_and_areas() -> None:
    assert CTX.file_name("board-pack", "pptx") == (
        "southampton-board-pack-early-help-as-of-2021-07-15-data-v7.pptx"
    )
    assert "for-publication" in ExportContext(
        "X", "P", 1, 1, dt.date(2021, 1, 1), publication_note="..."
    ).file_name("scorecard", "csv")


def test_about_names_version_and_date() -> None:
    about = dict(CTX.about("Scorecard"))
    assert about["Data version"] == "load 7 (an earlier version; the latest is load 9)"
    assert about["Board date (as of)"] == "15 July 2021"
    assert "Provisional figures" in about and "Local and published" in about


def test_csv_neutralises_text_and_keeps_numbers() -> None:
    data = csv_bytes(TABLE)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["'=Name", "Value", "Month"]
    assert rows[1] == ['\'=HYPERLINK("x")', "12.25", "2021-06-01"]
    assert rows[2] == ["'@cmd", "c", ""]
    assert rows[3] == ["'＝1", "-3", ""]


def test_xlsx_has_no_formula_cell_and_numbers_are_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(CTX.about("T"), [TABLE])))
    assert book.sheetnames == ["About", "Data"]
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert "load 7" in about["Data version"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    data = book["Data"]
    assert data["A1"].value == "'=Name"
    assert data["B2"].value == 12.25 and data["B2"].data_type == "n"
    assert data["B2"].number_format == "#,##0.0"
    assert data["B3"].value == "c" and data["B3"].data_type == "s"
    assert data["B4"].value == -3
    assert data["C2"].is_date
