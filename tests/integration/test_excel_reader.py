"""The safe workbook reader against generated workbooks, valid and hostile.

Every fixture in `tests.fixtures.workbooks.REGISTRY` has one expected outcome here: the exact
rule, the words of the message a data officer must see, and where it points (sheet, cell,
column). Each runs in both read modes: sizes verified before fastexcel parses a sheet, and
verified alongside the parse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from indicators.settings import Settings
from indicators.sheets import ACTUALS, DATA_SHEETS
from loaders.excel import (
    RawWorkbook,
    ReadLimits,
    WorkbookRejected,
    _formula_cells_by_position,
    column_letter,
    display_value,
    read_workbook,
)
from loaders.ingest import validate_file
from tests.fixtures.workbooks import (
    REGISTRY,
    SAMPLE,
    UNDERSTATED_ROWS,
    build,
    edit_sheet_xml,
    make_workbook,
    template_with,
)

STRICT = ReadLimits()
CONCURRENT = ReadLimits(verify_before_parsing=False)
MODES = [pytest.param(STRICT, id="verify-first"), pytest.param(CONCURRENT, id="verify-alongside")]


@dataclass(frozen=True)
class Rejected:
    """The file is refused as a whole (naming a sheet and cell when one is to blame)."""

    rule: str
    words: tuple[str, ...]
    sheet: str = ""
    cell: str = ""


@dataclass(frozen=True)
class Flagged:
    """The file is read; exactly one problem is reported, located like this."""

    rule: str
    words: tuple[str, ...]
    sheet: str
    cell: str = ""
    column: str = ""
    value: str = ""


@dataclass(frozen=True)
class Passes:
    """The file is read with no problem; `actuals` data rows on the Actuals sheet."""

    actuals: int


EXPECTED: dict[str, Rejected | Flagged | Passes] = {
    "passes_all": Passes(actuals=3),
    "fails_empty_file": Rejected("file.empty", ("file is empty",)),
    "fails_not_a_zip_exe": Rejected("file.not_xlsx", ("not an Excel .xlsx workbook", "program")),
    "fails_renamed_csv": Rejected(
        "file.not_xlsx", ("not an Excel .xlsx workbook", "CSV", "save as .xlsx")
    ),
    "fails_legacy_xls": Rejected("file.legacy_xls", ("old-style .xls", "save as .xlsx")),
    "fails_password_protected": Rejected(
        "file.password_protected", ("password-protected", "remove the password")
    ),
    "fails_truncated_zip": Rejected("file.corrupt", ("damaged or incomplete",)),
    "fails_macro_enabled": Rejected("file.macro", ("Macro-enabled", "save as .xlsx")),
    "fails_vba_part_renamed": Rejected("file.macro", ("Macro-enabled", "save as .xlsx")),
    "fails_zip_bomb_ratio": Rejected("file.zip_bomb", ("compressed", "zip bomb", "limit is 100")),
    "fails_zip_bomb_size": Rejected("file.zip_bomb", ("250 MB", "limit is 200 MB", "zip bomb")),
    "fails_zip_bomb_entries": Rejected("file.zip_bomb", ("parts", "limit is 1,000")),
    "fails_zip_bomb_lying_size": Rejected("file.zip_bomb", ("more than the file declares",)),
    "fails_billion_laughs": Rejected("file.xml_entities", ("XML entity declaration", "attack")),
    "fails_xxe": Rejected("file.xml_entities", ("XML entity declaration", "attack")),
    "passes_understated_dimension": Passes(actuals=UNDERSTATED_ROWS),
    "fails_value_far_outside_the_data": Rejected(
        "sheet.range_too_large",
        ("value in XFD60000", "far outside its data", "A1:XFD60000", "983,040,000 cells"),
        sheet="Actuals",
        cell="XFD60000",
    ),
    "fails_far_row_of_cells_without_references": Rejected(
        "sheet.range_too_large",
        ("value in AD1048576", "A1:AD1048576", "31,457,280 cells"),
        sheet="Actuals",
        cell="AD1048576",
    ),
    "passes_stray_value_in_the_last_row": Passes(actuals=4),
    "fails_date_cell_holding_no_real_date": Flagged(
        "cell.unreadable",
        ("formatted as a date or time", "no real date", "clear the cell's date format"),
        sheet="Actuals",
        cell="B2",
        column="period",
        value="1000000000000",
    ),
    "fails_date_far_outside_any_date": Rejected(
        "cell.impossible_number",
        ("cell B2 holds -1.8E+308", "far outside any real figure or date", "type the right value"),
        sheet="Actuals",
        cell="B2",
    ),
    "passes_huge_dimension": Passes(actuals=5),
    "fails_missing_actuals_sheet": Flagged(
        "sheet.missing", ("no 'Actuals' sheet", "required"), sheet="Actuals"
    ),
    "fails_hidden_required_sheet": Flagged(
        "sheet.hidden", ("'Actuals' is hidden", "unhide it or remove it"), sheet="Actuals"
    ),
    "fails_unknown_column": Flagged(
        "header.unknown_column",
        ("Unknown column 'comments'", "indicator_id, period, value"),
        sheet="Actuals",
        cell="H1",
        value="comments",
    ),
    "fails_duplicate_column": Flagged(
        "header.duplicate_column",
        ("'value' appears twice", "C1 and H1"),
        sheet="Actuals",
        cell="H1",
        column="value",
        value=" Value ",
    ),
    "fails_missing_required_column": Flagged(
        "header.missing_required_column",
        ("no 'value' column", "required", "value*"),
        sheet="Actuals",
        column="value",
    ),
    "fails_merged_cells": Flagged(
        "cell.merged",
        ("F3:F4 are merged", "unmerge"),
        sheet="Actuals",
        cell="F3",
        column="breakdown",
        value="F3:F4",
    ),
    "fails_excel_error_cell": Flagged(
        "cell.excel_error",
        ("Excel error #DIV/0! in a cell", "fix the formula or type the value"),
        sheet="Actuals",
        cell="C3",
        column="value",
        value="#DIV/0!",
    ),
    "fails_formula_without_cached_value": Flagged(
        "cell.formula_no_value",
        ("formula with no saved result", "let it calculate, save"),
        sheet="Actuals",
        cell="C3",
        column="value",
    ),
    "passes_formula_with_cached_value": Passes(actuals=3),
    "passes_blank_first_row": Passes(actuals=3),
}


def test_every_fixture_has_an_expected_outcome() -> None:
    assert set(REGISTRY) == set(EXPECTED)


@pytest.mark.parametrize("limits", MODES)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_fixture_outcome(name: str, limits: ReadLimits, tmp_path: Path) -> None:
    path = build(name, tmp_path)
    expected = EXPECTED[name]
    if isinstance(expected, Rejected):
        with pytest.raises(WorkbookRejected) as caught:
            read_workbook(path, f"{name}.xlsx", limits=limits)
        rejected = caught.value
        assert rejected.rule == expected.rule
        message = str(rejected)
        assert "\n" not in message and "Traceback" not in message
        for word in expected.words:
            assert word.casefold() in message.casefold(), (word, message)
        (problem,) = rejected.problems
        assert (problem.rule, problem.message) == (expected.rule, message)
        assert (problem.sheet, problem.cell, problem.column) == (expected.sheet, expected.cell, "")
        assert rejected.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert rejected.display_name == f"{name}.xlsx"
        return
    book = read_workbook(path, f"{name}.xlsx", limits=limits)
    if isinstance(expected, Passes):
        assert book.problems == []
        assert len(book.sheets["Actuals"].frame) == expected.actuals
        return
    (problem,) = book.problems
    assert problem.rule == expected.rule
    for word in expected.words:
        assert word.casefold() in problem.message.casefold(), (word, problem.message)
    assert (problem.sheet, problem.cell, problem.column, problem.value) == (
        expected.sheet,
        expected.cell,
        expected.column,
        expected.value,
    )
    if expected.cell:
        assert problem.row == int(re.sub(r"[A-Z]", "", expected.cell))


# --------------------------------------------------------------------------------------
# What a clean read hands over
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> RawWorkbook:
    path = build("passes_all", tmp_path_factory.mktemp("sample"))
    return read_workbook(path, "passes_all.xlsx")


def test_every_data_sheet_is_read_with_its_columns_and_letters(sample: RawWorkbook) -> None:
    assert list(sample.sheets) == [spec.name for spec in DATA_SHEETS]
    for spec in DATA_SHEETS:
        raw = sample.sheets[spec.name]
        assert raw.spec is spec
        assert raw.title == spec.name
        assert list(raw.frame.columns) == list(spec.names)
        assert raw.letters == {name: column_letter(i) for i, name in enumerate(spec.names)}
        assert len(raw.frame) == len(SAMPLE.get(spec.name, []))
        assert all(dtype.kind == "O" for dtype in raw.frame.dtypes)


def test_actuals_cells_arrive_as_text_in_the_documented_forms(sample: RawWorkbook) -> None:
    frame = sample.sheets["Actuals"].frame
    assert list(frame.index) == [2, 3, 4]
    assert frame.index.name == "row"
    assert frame.loc[2].tolist() == [
        "lac_rate",
        "2020-07-01 00:00:00",
        "78.2",
        "412",
        "52700",
        "All",
        "validated",
    ]
    assert frame.loc[3].tolist() == [
        "eh_pct",
        "2020-07-01 00:00:00",
        "64.5",
        "129",
        "200",
        "All",
        None,
    ]
    assert frame.loc[4, "period"] == "2020-08"  # typed as text, kept as text


def test_indicator_cells_cover_bools_dates_and_blanks(sample: RawWorkbook) -> None:
    row = sample.sheets["Indicators"].frame.loc[2]
    assert row["local_indicator"] == "false"
    assert row["baseline_period"] == "2020-04-01 00:00:00"
    assert row["target_value"] == "70"
    assert row["tolerance"] is None
    assert sample.sheets["Comparators"].frame.loc[3, "value"] == "c"


def test_sha256_and_size_identify_the_bytes(tmp_path: Path) -> None:
    path = build("passes_all", tmp_path)
    data = path.read_bytes()
    from_bytes = read_workbook(data, "upload.xlsx")
    from_path = read_workbook(path, "upload.xlsx")
    assert from_bytes.sha256 == from_path.sha256 == hashlib.sha256(data).hexdigest()
    assert from_bytes.size == len(data)
    assert from_bytes.display_name == "upload.xlsx"
    for name in from_bytes.sheets:
        assert from_bytes.sheets[name].frame.equals(from_path.sheets[name].frame)


def test_understated_dimension_yields_every_row_with_its_excel_row(tmp_path: Path) -> None:
    path = build("passes_understated_dimension", tmp_path)
    assert b'<dimension ref="A1:C2"/>' in zipfile.ZipFile(path).read("xl/worksheets/sheet3.xml")
    frame = read_workbook(path, "x.xlsx").sheets["Actuals"].frame
    assert list(frame.index) == list(range(2, UNDERSTATED_ROWS + 2))
    last = UNDERSTATED_ROWS - 1
    assert frame.loc[UNDERSTATED_ROWS + 1, "value"] == str(last / 4)
    assert frame.loc[UNDERSTATED_ROWS + 1, "indicator_id"] == f"m{last % 40:03d}"


def test_a_blank_first_row_keeps_excel_row_numbers(tmp_path: Path) -> None:
    raw = read_workbook(build("passes_blank_first_row", tmp_path), "x.xlsx").sheets["Actuals"]
    assert raw.header_row == 2
    assert list(raw.frame.index) == [3, 4, 5]


def _book(
    tmp_path: Path, actuals: list[list[object]], edit: Callable[[Workbook], object] | None = None
) -> Path:
    wb = template_with({"Actuals": actuals})
    if edit is not None:
        edit(wb)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_cell_forms_for_every_type(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["a", dt.datetime(2020, 7, 1, 13, 45), 7, 12.5, 1 / 3, " padded ", True],
        ["b", dt.date(2020, 7, 15), -3, 1e20, 2.5e-7, "x", False],
        ["c", "2020-07", 0.1, 1e-10, 1234567890123, "", None],
    ]
    frame = read_workbook(_book(tmp_path, rows), "x.xlsx").sheets["Actuals"].frame
    assert frame.loc[2].tolist() == [
        "a",
        "2020-07-01 13:45:00",
        "7",
        "12.5",
        "0.333333333",  # fastexcel rounds to 9 decimal places
        " padded ",  # never trimmed here: the validator trims
        "true",
    ]
    assert frame.loc[3].tolist() == [
        "b",
        "2020-07-15 00:00:00",
        "-3",
        "100000000000000000000",
        "0.00000025",
        "x",
        "false",
    ]
    assert frame.loc[4].tolist() == ["c", "2020-07", "0.1", "0", "1234567890123", None, None]


def test_entirely_empty_rows_are_dropped(tmp_path: Path) -> None:
    rows: list[list[object]] = [["a", "2020-07", 1], [], ["b", "2020-07", 2], [None, None, ""]]
    frame = read_workbook(_book(tmp_path, rows), "x.xlsx").sheets["Actuals"].frame
    assert list(frame.index) == [2, 4]


def test_sheet_and_header_names_match_trimmed_and_case_insensitively(tmp_path: Path) -> None:
    def rename(wb: Workbook) -> None:
        ws = wb["Actuals"]
        ws.title = " ACTUALS "
        ws["A1"] = "  Indicator_ID  "
        ws["B1"] = "PERIOD"

    book = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], rename), "x.xlsx")
    assert book.problems == []
    raw = book.sheets["Actuals"]
    assert raw.title == " ACTUALS "
    assert raw.frame.loc[2, "indicator_id"] == "a"


def test_unknown_and_hidden_extra_sheets_are_ignored(tmp_path: Path) -> None:
    def extra(wb: Workbook) -> None:
        lookups = wb.create_sheet("Lookups")
        lookups["A1"] = "anything"
        lookups.sheet_state = "veryHidden"
        wb.create_sheet("Notes")["B2"] = "ignored"

    book = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], extra), "x.xlsx")
    assert book.problems == []
    assert book.ignored_sheets == ["Lookups", "Notes"]


def test_very_hidden_data_sheet_is_reported(tmp_path: Path) -> None:
    def hide(wb: Workbook) -> None:
        wb["Targets"].sheet_state = "veryHidden"

    book = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], hide), "x.xlsx")
    assert [(p.rule, p.sheet) for p in book.problems] == [("sheet.hidden", "Targets")]
    assert "Targets" not in book.sheets


def test_two_sheets_with_one_name_are_reported(tmp_path: Path) -> None:
    def twin(wb: Workbook) -> None:
        wb.create_sheet("actuals ")

    book = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], twin), "x.xlsx")
    assert [(p.rule, p.sheet) for p in book.problems] == [("sheet.duplicate", "actuals ")]


def test_a_column_with_values_but_no_header_is_reported(tmp_path: Path) -> None:
    def stray(wb: Workbook) -> None:
        wb["Actuals"]["J5"] = "stray"

    (problem,) = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], stray), "x.xlsx").problems
    assert (problem.rule, problem.cell) == ("header.blank", "J1")
    assert "no header" in problem.message


def test_empty_optional_sheet_without_header_is_allowed(tmp_path: Path) -> None:
    def clear(wb: Workbook) -> None:
        wb["Targets"].delete_rows(1)

    book = read_workbook(_book(tmp_path, [["a", "2020-07", 1]], clear), "x.xlsx")
    assert book.problems == []
    assert book.sheets["Targets"].frame.empty


def test_limits_come_from_the_caller(tmp_path: Path) -> None:
    path = build("passes_all", tmp_path)
    with pytest.raises(WorkbookRejected, match="limit is 10") as caught:
        read_workbook(path, "x.xlsx", limits=ReadLimits(max_entries=10))
    assert caught.value.rule == "file.zip_bomb"


# --------------------------------------------------------------------------------------
# Cells the fast reader cannot see, crafted in the sheet XML
# --------------------------------------------------------------------------------------


def _with_cell(tmp_path: Path, cell_xml: bytes) -> Path:
    """The sample workbook with Actuals!C3 replaced by `cell_xml` (as Excel would write it)."""

    def replace(xml: bytes) -> bytes:
        xml, count = re.subn(rb'<c r="C3"[^>]*>.*?</c>', cell_xml, xml, count=1)
        assert count == 1
        return xml

    return edit_sheet_xml(make_workbook(tmp_path / "cell.xlsx", SAMPLE), "Actuals", replace)


@pytest.mark.parametrize(
    ("code", "typed"),
    [
        ("#DIV/0!", b"#DIV/0!"),
        ("#N/A", b"#N/A"),
        ("#REF!", b"#REF!"),
        ("#VALUE!", b"#VALUE!"),
        ("#NAME?", b"#NAME?"),
        ("#NUM!", b"#NUM!"),
        ("#NULL!", b"#NULL!"),
    ],
)
def test_excel_errors_are_named(code: str, typed: bytes, tmp_path: Path) -> None:
    path = _with_cell(tmp_path, b'<c r="C3" t="e"><f>VLOOKUP(A3,X,2)</f><v>' + typed + b"</v></c>")
    book = read_workbook(path, "x.xlsx")
    (problem,) = book.problems
    assert (problem.rule, problem.cell, problem.value) == ("cell.excel_error", "C3", code)
    assert book.sheets["Actuals"].frame.loc[3, "value"] is None


@pytest.mark.parametrize(
    "cell_xml",
    [
        b'<c r="C3"><f>D3/E3*100</f></c>',
        b'<c r="C3" s="0"><f>D3/E3*100</f><v></v></c>',
        b'<c r="C3"><f t="shared" ref="C3:C4" si="0">D3/E3*100</f></c>',
        b'<c r="C3"><f t="shared" si="0"/><v/></c>',
    ],
    ids=["no-v", "empty-v", "shared-master", "shared-child"],
)
def test_formulas_without_a_saved_result_are_found(cell_xml: bytes, tmp_path: Path) -> None:
    for limits in (STRICT, CONCURRENT):
        (problem,) = read_workbook(_with_cell(tmp_path, cell_xml), "x.xlsx", limits=limits).problems
        assert (problem.rule, problem.cell, problem.column) == (
            "cell.formula_no_value",
            "C3",
            "value",
        )


def _without_cell_references(xml: bytes) -> bytes:
    return re.sub(rb'(<c\b[^>]*?) r="[A-Z]+[0-9]+"', rb"\1", xml)


def _without_any_references(xml: bytes) -> bytes:
    return re.sub(rb'(<(?:c|row)\b[^>]*?) r="[A-Z]*[0-9]+"', rb"\1", xml)


def _with_namespace_prefix(xml: bytes) -> bytes:
    """Every SpreadsheetML element as `<x:name>`, as some .NET-based exporters write them."""
    xml = xml.replace(b'xmlns="http://schemas', b'xmlns:x="http://schemas', 1)
    return re.sub(rb"<(/?)(?![?!]|\w+:)(\w+)", rb"<\1x:\2", xml)


WRITER_VARIANTS = pytest.mark.parametrize(
    "edit",
    [_without_cell_references, _without_any_references, _with_namespace_prefix],
    ids=["cells-without-r", "rows-and-cells-without-r", "x-prefixed"],
)


@WRITER_VARIANTS
@pytest.mark.parametrize("limits", MODES)
def test_writers_that_leave_out_references_or_prefix_elements_read_the_same(
    edit: Callable[[bytes], bytes], limits: ReadLimits, tmp_path: Path
) -> None:
    plain = read_workbook(make_workbook(tmp_path / "plain.xlsx", SAMPLE), "x.xlsx")
    variant = make_workbook(tmp_path / "variant.xlsx", SAMPLE)
    edit_sheet_xml(variant, "Actuals", edit)
    assert variant.read_bytes() != (tmp_path / "plain.xlsx").read_bytes()
    read = read_workbook(variant, "x.xlsx", limits=limits)
    assert read.problems == []
    mine, theirs = read.sheets["Actuals"], plain.sheets["Actuals"]
    assert (mine.letters, mine.header_row) == (theirs.letters, theirs.header_row)
    pd.testing.assert_frame_equal(mine.frame, theirs.frame)


@WRITER_VARIANTS
@pytest.mark.parametrize("limits", MODES)
def test_a_formula_without_a_result_is_located_whatever_the_writer_left_out(
    edit: Callable[[bytes], bytes], limits: ReadLimits, tmp_path: Path
) -> None:
    cell = _with_cell(tmp_path, b'<c r="C3"><f>D3/E3*100</f></c>')
    path = edit_sheet_xml(cell, "Actuals", edit)
    (problem,) = read_workbook(path, "x.xlsx", limits=limits).problems
    assert (problem.rule, problem.sheet, problem.cell, problem.column) == (
        "cell.formula_no_value",
        "Actuals",
        "C3",
        "value",
    )


SHEET_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def test_the_second_pass_follows_the_specs_implied_positions() -> None:
    rows = (
        b'<row r="2"/>'  # an empty row written self-closed
        b'<row><c/><c t="s"><v>1</v></c><c><f>A1</f></c></row>'  # row 3: C3
        b'<row spans="1:3"><c r="C4"/><c><f>1</f><v></v></c>'  # D4, after C4
        b'<c t="str"><f>"x"</f><v></v></c></row>'  # a saved empty string: no problem
    )
    xml = b"<worksheet %s><sheetData>%s</sheetData></worksheet>" % (SHEET_NS, rows)
    chunks = [xml[i : i + 40] for i in range(0, len(xml), 40)]  # cut anywhere
    assert _formula_cells_by_position(chunks) == [("C", 3), ("D", 4)]
    assert _formula_cells_by_position([b"<worksheet><sheetData><row>"]) is None


def _iso_date_cells(xml: bytes) -> bytes:
    """Period cells as ISO 8601 date cells (`t="d"`), as some writers save dates."""

    def iso(match: re.Match[bytes]) -> bytes:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(match.group(2)))
        return b'<c r="%s" t="d"><v>%sT00:00:00</v></c>' % (
            match.group(1),
            day.isoformat().encode(),
        )

    return re.sub(rb'<c r="(B[0-9]+)"[^>]*><v>([0-9]+)</v></c>', iso, xml)


def _in_the_1904_date_system(path: Path) -> Path:
    book = template_with(SAMPLE)
    book.epoch = CALENDAR_MAC_1904  # openpyxl writes date1904="1" and shifts every serial
    book.save(path)
    return path


@pytest.mark.parametrize(
    "write",
    [
        lambda path: edit_sheet_xml(make_workbook(path, SAMPLE), "Actuals", _iso_date_cells),
        _in_the_1904_date_system,
    ],
    ids=["iso-date-cells", "1904-date-system"],
)
def test_dates_saved_other_ways_validate_to_the_same_months(
    write: Callable[[Path], Path], empty_settings: Settings, tmp_path: Path
) -> None:
    plain = validate_file(empty_settings, make_workbook(tmp_path / "plain.xlsx", SAMPLE), "p")
    other = write(tmp_path / "other.xlsx")
    assert other.read_bytes() != (tmp_path / "plain.xlsx").read_bytes()
    validated = validate_file(empty_settings, other, "other.xlsx")
    assert validated.problems == []
    pd.testing.assert_frame_equal(validated.frames["Actuals"], plain.frames["Actuals"])
    assert list(validated.frames["Actuals"]["period"]) == [
        dt.date(2020, 7, 1), dt.date(2020, 7, 1), dt.date(2020, 8, 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "cell_xml",
    [
        b'<c r="C3"><f>D3/E3*100</f><v>64.5</v></c>',
        b'<c r="C3" t="str"><f>IF(D3="","",D3)</f><v></v></c>',  # saved result: empty text
        b'<c r="C3" t="inlineStr"><is><t>a &lt;f&gt; in text</t></is></c>',
    ],
    ids=["cached-number", "cached-empty-text", "text-mentioning-f"],
)
def test_cells_that_only_look_like_formula_problems_pass(cell_xml: bytes, tmp_path: Path) -> None:
    assert read_workbook(_with_cell(tmp_path, cell_xml), "x.xlsx").problems == []


def test_an_empty_string_cell_reads_as_empty(tmp_path: Path) -> None:
    path = _with_cell(tmp_path, b'<c r="C3" t="inlineStr"><is><t></t></is></c>')
    assert read_workbook(path, "x.xlsx").sheets["Actuals"].frame.loc[3, "value"] is None


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("lac_rate", "lac_rate"),
        ("a\nb\tc", "a\\nb\\tc"),
        ("nul\x00", "nul\\x00"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("x" * 100, "x" * 79 + "…"),
        (None, ""),
        (12.5, "12.5"),
    ],
)
def test_display_value_escapes_and_truncates(raw: object, shown: str) -> None:
    assert display_value(raw) == shown
    assert len(display_value(raw)) <= 80


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (16383, "XFD")])
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_actuals_is_the_required_sheet() -> None:
    # The reader reports a missing sheet only for required ones; the fixtures assume Actuals.
    assert [spec.name for spec in DATA_SHEETS if spec.required] == [ACTUALS.name]


def test_make_workbook_writes_a_clean_template_shaped_file(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "m.xlsx", {"Actuals": [["lac", dt.date(2021, 6, 1), 77.5]]})
    book = read_workbook(path, "m.xlsx")
    assert book.problems == []
    assert book.sheets["Actuals"].frame.loc[2].tolist() == [
        "lac",
        "2021-06-01 00:00:00",
        "77.5",
        None,
        None,
        None,
        None,
    ]


# --------------------------------------------------------------------------------------
# More file-level cases, crafted from the sample's parts
# --------------------------------------------------------------------------------------


def _sample_parts() -> dict[str, bytes]:
    buffer = io.BytesIO()
    template_with(SAMPLE).save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zipped(parts: dict[str, bytes], extra: list[tuple[str, bytes]] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in [*parts.items(), *(extra or [])]:
            archive.writestr(name, content)
    return buffer.getvalue()


def _rejected(data: bytes) -> WorkbookRejected:
    with pytest.raises(WorkbookRejected) as caught:
        read_workbook(data, "x.xlsx")
    return caught.value


def test_a_word_document_is_not_a_workbook() -> None:
    parts = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": b"<document/>",
    }
    rejected = _rejected(_zipped(parts))
    assert (rejected.rule, str(rejected)) == (
        "file.not_xlsx",
        "This file is not an Excel .xlsx workbook (it has no workbook inside)",
    )


def test_opendocument_and_binary_workbooks_are_named() -> None:
    ods = _zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert ".ods" in str(_rejected(ods))
    parts = _sample_parts()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.binary.macroEnabled.main",
    )
    assert ".xlsb" in str(_rejected(_zipped(parts)))


def test_a_damaged_encrypted_file_is_still_recognised() -> None:
    data = bytes.fromhex("D0CF11E0A1B11AE1") + b"\xff" * 600 + "EncryptionInfo".encode("utf-16-le")
    assert _rejected(data).rule == "file.password_protected"


def test_a_dtd_behind_a_comment_is_found() -> None:
    parts = _sample_parts()
    parts["xl/styles.xml"] = (
        b"<?xml version='1.0'?><!-- hi --><!DOCTYPE s []>" + parts["xl/styles.xml"]
    )
    assert _rejected(_zipped(parts)).rule == "file.xml_entities"


def test_a_utf16_part_is_refused() -> None:
    parts = _sample_parts()
    parts["xl/styles.xml"] = parts["xl/styles.xml"].decode().encode("utf-16")
    assert _rejected(_zipped(parts)).rule == "file.corrupt"


def test_two_parts_with_one_name_are_refused() -> None:
    parts = _sample_parts()
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = _zipped(parts, [("xl/workbook.xml", parts["xl/workbook.xml"])])
    assert _rejected(data).rule == "file.corrupt"


def test_a_body_dtd_in_a_large_sheet_is_found_by_the_scan(tmp_path: Path) -> None:
    parts = _sample_parts()
    noise = random.Random(5).randbytes(1024 * 1024).hex().encode()  # 2 MB, compresses ~2:1
    padding = b"<!--" + noise + b"-->"  # over 1 MB, so the body is not pre-scanned
    parts["xl/worksheets/sheet3.xml"] = parts["xl/worksheets/sheet3.xml"].replace(
        b"</sheetData>", b"</sheetData>" + padding + b'<!ENTITY x "y">', 1
    )
    for limits in (STRICT, CONCURRENT):
        with pytest.raises(WorkbookRejected) as caught:
            read_workbook(_zipped(parts), "x.xlsx", limits=limits)
        assert caught.value.rule == "file.xml_entities"


@pytest.mark.parametrize("limits", MODES)
def test_a_large_sheet_with_a_wrong_crc_is_refused(limits: ReadLimits) -> None:
    parts = _sample_parts()
    noise = random.Random(6).randbytes(1024 * 1024).hex().encode()  # over 1 MB of XML
    name = "xl/worksheets/sheet3.xml"
    parts[name] = parts[name].replace(b"</sheetData>", b"</sheetData><!--" + noise + b"-->", 1)
    data = bytearray(_zipped(parts))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 14, info.CRC ^ 1)
    central = data.find(b"PK\x01\x02")  # walk the central directory to this part's entry
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 16, info.CRC ^ 1)
    with pytest.raises(WorkbookRejected) as caught:
        read_workbook(bytes(data), "x.xlsx", limits=limits)
    assert caught.value.rule == "file.corrupt"


@pytest.mark.parametrize(
    ("xml", "flagged"),
    [
        ('<c r="A1" s="1" t="s"><v>0</v></c>', False),
        ('<c r="A999999"><v>1</v></c>', False),
        ('<c r="AA2" s="5"/>', False),  # a formatted empty cell holds nothing
        ('<c r="A1048576" s="1"/>', False),
        ('<row r="1048576" s="2"/>', False),
        ("<c/>", False),
        ('<c s="3"/>', False),
        ('<col min="1" max="2"/>', False),
        ('<cfRule type="x">', False),
        ('<c r="AA2"><v>1</v></c>', True),
        ('<c r="AA2" s="5" t="n"><v>1</v></c>', True),
        ('<c r="A1048576"><v>1</v></c>', True),
        ('<x:c r="XFD9"><x:v>1</x:v></x:c>', True),
        ("<c><v>1</v></c>", True),  # placed by counting
        ('<c s="3"><v>1</v></c>', True),  # r= not first: counted as if absent, then checked
        ('<c r = "A1"><v>1</v></c>', True),
        ('<c\n r="AB3">', True),
    ],
)
def test_the_range_hint_flags_only_cells_that_could_make_the_block_big(
    xml: str, flagged: bool
) -> None:
    from loaders.excel import _RANGE_HINT, _matches

    assert _matches(xml.encode(), _RANGE_HINT) is flagged


def test_a_reader_panic_on_an_impossible_date_is_still_caught_and_explained(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The backstop behind MIN_NUMBER: should the reader panic on some other date, the panic
    is caught and the sheet named, never a crash."""
    import loaders.excel

    monkeypatch.setattr(loaders.excel, "MIN_NUMBER", float("-inf"))  # let the number through
    path = build("fails_date_far_outside_any_date", tmp_path)
    with pytest.raises(WorkbookRejected) as caught:
        read_workbook(path, "x.xlsx")
    assert caught.value.rule == "cell.impossible_date"
    assert caught.value.problems[0].sheet == "Actuals"
