"""The template workbook the data team downloads, fills in and uploads every month.

Everything here is generated from the contract in `indicators.sheets`: sheet names and order,
headers (required ones marked `*`), the Instructions table, drop-down lists of coded values,
number formats and header notes. A column added to the contract appears in the template, its
instructions and its drop-downs without touching this module.

With `indicators` and `month` the template is pre-filled: the Indicators sheet holds the current
definitions and the Actuals sheet one row per indicator and breakdown for that month with the
value left blank, so the data team only types numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from indicators.domain import DEFAULT_BREAKDOWN, SUPPRESSION_SYMBOLS, Indicator
from indicators.sheets import (
    ACTUALS,
    DATA_SHEETS,
    INDICATORS,
    INSTRUCTIONS_SHEET,
    Column,
    Kind,
    Sheet,
)
from loaders.excel import column_letter

__all__ = ["how_to_type", "template_workbook", "write_row", "write_template"]

#: Drop-downs and formats cover this many rows; Excel applies them as rows are typed.
TEMPLATE_ROWS = 5000
AUTHOR = "Measures that matter"

MONTH_FORMAT = "yyyy-mm"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
# Text-formatted columns stop Excel turning ids such as 1-3 or 001 into dates and numbers, and
# keep a typed `=` (a target operator) as text rather than the start of a formula.
_TEXT_KINDS = (Kind.ID, Kind.TEXT, Kind.CODE, Kind.ID_LIST)
_WIDTHS = {
    Kind.ID: 20,
    Kind.TEXT: 30,
    Kind.CODE: 14,
    Kind.NUMBER: 13,
    Kind.INTEGER: 11,
    Kind.MONTH: 12,
    Kind.DATE: 13,
    Kind.BOOL: 11,
    Kind.COMPARATOR_VALUE: 13,
    Kind.ID_LIST: 30,
}
_LONG_TEXT = 1000  # text columns allowing more than this are shown wider

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3F2F1")  # GOV.UK light grey
TITLE_FONT = Font(bold=True, size=16)
HEADING_FONT = Font(bold=True, size=12)
WRAP = Alignment(wrap_text=True, vertical="top")


def how_to_type(col: Column) -> str:
    """The allowed values of a column, as the Instructions sheet and header notes say them."""
    if col.kind is Kind.CODE:
        text = ", ".join(col.allowed)
        if any(code.startswith("=") for code in col.allowed):
            text += " (the column is formatted as text so Excel keeps = as typed)"
    elif col.kind is Kind.BOOL:
        text = "true or false"
    elif col.kind is Kind.MONTH:
        text = "a date (any day of the month) or text YYYY-MM, e.g. 2025-07"
    elif col.kind is Kind.DATE:
        text = "a date or text YYYY-MM-DD, e.g. 2025-03-31"
    elif col.kind is Kind.NUMBER:
        text = "a number, without %, commas or words"
    elif col.kind is Kind.INTEGER:
        text = "a whole number"
    elif col.kind is Kind.ID:
        text = f"letters, digits, _ - . or /; no spaces; up to {col.max_length} characters"
    elif col.kind is Kind.ID_LIST:
        text = "indicator ids separated by ;"
    elif col.kind is Kind.COMPARATOR_VALUE:
        text = "a number, or a suppression symbol: " + ", ".join(SUPPRESSION_SYMBOLS)
    else:
        text = f"text, up to {col.max_length:,} characters"
    if col.default is not None:
        text += f". Default {col.default}"
    return text


def _instructions(ws: Worksheet) -> None:
    ws.title = INSTRUCTIONS_SHEET
    lines: list[tuple[str, Font | None]] = [
        ("Measures that matter: monthly data workbook", TITLE_FONT),
        (
            "This workbook carries the figures for the improvement plan's measures that matter: "
            "their definitions, the monthly actuals, targets, published comparators, "
            "commentary and the plan's actions. Upload it on the Data page or with `mtm load`; "
            "every problem is listed at once and nothing is stored until the file is clean.",
            None,
        ),
        ("How to fill it in", HEADING_FONT),
        ("Row 1 of each sheet is the header: do not rename, move or delete it.", None),
        ("Columns marked * are required. Leave a sheet empty if you have nothing for it.", None),
        (
            "Type values, not formulas without results: if you use formulas, let Excel "
            "calculate and save before uploading. Do not merge cells or hide sheets.",
            None,
        ),
        (
            "Months can be a date (any day of the month) or text YYYY-MM. A blank value in "
            "Actuals means not supplied: it is listed as such, never stored as zero.",
            None,
        ),
        ("Save as Excel Workbook (.xlsx); macro-enabled and old .xls files are refused.", None),
        ("The sheets", HEADING_FONT),
    ]
    lines.extend((f"{sheet.name}: {sheet.description}", None) for sheet in DATA_SHEETS)
    lines.append(("Every column", HEADING_FONT))
    for text, font in lines:
        ws.append([text])
        cell = ws.cell(row=ws.max_row, column=1)
        if font is not None:
            cell.font = font
    header = ["Sheet", "Column header", "Required", "What it means", "Allowed values"]
    ws.append(header)
    table_top = ws.max_row
    for cell in ws[table_top]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for sheet in DATA_SHEETS:
        for col in sheet.columns:
            row = ws.max_row + 1
            values = [sheet.name, col.header, "yes" if col.required else "no"]
            values += [col.description, how_to_type(col)]
            for index, value in enumerate(values, start=1):
                _text(ws.cell(row=row, column=index), value).alignment = WRAP
    for letter, width in zip("ABCDE", (14, 22, 10, 60, 45), strict=True):
        ws.column_dimensions[letter].width = width


def _text(cell: Cell, value: str) -> Cell:
    """Write text that stays text: openpyxl would otherwise make `=...` a formula."""
    cell.value = value
    cell.data_type = "s"
    return cell


def _width(col: Column) -> float:
    width = _WIDTHS[col.kind]
    if col.kind is Kind.TEXT and col.max_length > _LONG_TEXT:
        width = 50
    if col.kind is Kind.CODE and col.allowed:
        width = max(width, max(len(code) for code in col.allowed) + 4)
    return max(width, len(col.header) + 4)


def _data_sheet(wb: Workbook, sheet: Sheet) -> Worksheet:
    ws = wb.create_sheet(sheet.name)
    for index, col in enumerate(sheet.columns, start=1):
        letter = column_letter(index - 1)
        cell = _text(ws.cell(row=1, column=index), col.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        note = f"{col.description}\n\nAllowed: {how_to_type(col)}."
        if col.required:
            note += "\nRequired."
        cell.comment = Comment(note, AUTHOR, width=320, height=140)
        dimension = ws.column_dimensions[letter]
        dimension.width = _width(col)
        if col.kind is Kind.MONTH:
            dimension.number_format = MONTH_FORMAT
        elif col.kind is Kind.DATE:
            dimension.number_format = DATE_FORMAT
        elif col.kind in _TEXT_KINDS:
            dimension.number_format = TEXT_FORMAT
        choices = _choices(col)
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(choices) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"Not a {col.name}",
                error=f"Choose one of: {', '.join(choices)}",
                promptTitle=col.name,
                prompt=how_to_type(col)[:255],
                showInputMessage=True,
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    return ws


def _choices(col: Column) -> tuple[str, ...]:
    if col.kind is Kind.CODE:
        return col.allowed
    if col.kind is Kind.BOOL:
        return ("true", "false")
    return ()


def write_row(ws: Worksheet, sheet: Sheet, row: int, values: Sequence[object]) -> None:
    """Write one data row in the sheet's column order, the way Excel would hold it.

    None leaves a cell empty; enums are written as their coded value; dates and date-times
    become date cells formatted as the column expects (months as yyyy-mm); bools, ints and
    floats stay typed; strings are always text, never formulas.
    """
    if len(values) > len(sheet.columns):
        raise ValueError(f"{sheet.name} has {len(sheet.columns)} columns, got {len(values)}")
    for index, (col, given) in enumerate(zip(sheet.columns, values, strict=False), start=1):
        if given is None:
            continue
        cell = ws.cell(row=row, column=index)
        value = given.value if isinstance(given, Enum) else given
        if isinstance(value, str):
            _text(cell, value)
            if col.kind in _TEXT_KINDS:
                cell.number_format = TEXT_FORMAT  # as the column: retyping keeps it text
        elif isinstance(value, dt.date):  # includes datetime
            cell.value = value
            cell.number_format = MONTH_FORMAT if col.kind is Kind.MONTH else DATE_FORMAT
        elif isinstance(value, bool | int | float):
            cell.value = value
            if col.kind in _TEXT_KINDS:
                cell.number_format = "General"  # a number typed into a text column
        else:
            raise TypeError(f"cannot write {type(value).__name__} to {sheet.name}.{col.name}")


def _first_of_month(month: dt.date) -> dt.date:
    return dt.date(month.year, month.month, 1)


def _prefill(
    wb: Workbook,
    indicators: Iterable[Indicator],
    month: dt.date,
    breakdowns: dict[str, list[str]],
) -> None:
    definitions = wb[INDICATORS.name]
    actuals = wb[ACTUALS.name]
    period = _first_of_month(month)
    definition_row = actual_row = 2
    for indicator in indicators:
        write_row(
            definitions,
            INDICATORS,
            definition_row,
            [getattr(indicator, col.name) for col in INDICATORS.columns],
        )
        definition_row += 1
        for breakdown in breakdowns.get(indicator.indicator_id, [DEFAULT_BREAKDOWN]):
            values: dict[str, object] = {
                "indicator_id": indicator.indicator_id,
                "period": period,
                "breakdown": breakdown,
            }
            write_row(
                actuals, ACTUALS, actual_row, [values.get(col.name) for col in ACTUALS.columns]
            )
            actual_row += 1


def template_workbook(
    *,
    indicators: Sequence[Indicator] | None = None,
    month: dt.date | None = None,
    breakdowns: dict[str, list[str]] | None = None,
) -> Workbook:
    """The template as an openpyxl workbook, for callers that add rows before saving."""
    if (indicators is None) != (month is None):
        raise ValueError("pre-filling needs both indicators and month")
    wb = Workbook()
    _instructions(wb.active)
    for sheet in DATA_SHEETS:
        _data_sheet(wb, sheet)
    if indicators is not None and month is not None:
        _prefill(wb, indicators, month, breakdowns or {})
    return wb


def write_template(
    path: str | Path,
    *,
    indicators: list[Indicator] | None = None,
    month: dt.date | None = None,
    breakdowns: dict[str, list[str]] | None = None,
) -> Path:
    """Write the template to `path` (pre-filled for `month` when indicators are given)."""
    path = Path(path)
    template_workbook(indicators=indicators, month=month, breakdowns=breakdowns).save(path)
    return path
