"""Scorecard and measure tables, and writing them as CSV and Excel safely. Pure: no dash, duckdb.

Numbers stay numbers (a cell holds 86.3 with a number format, never the text "86.3%"); every text
cell that a spreadsheet could take for a formula (it starts with ``= + - @``, a tab, a carriage
return, or their full-width forms) is neutralised by a leading apostrophe, so a reopened file has
no formula cell (FINDINGS: openpyxl and pandas both store ``'=HYPERLINK(...)'`` as a formula).
Every file names its data version and "as of" date: on the first sheet, in every CSV row, and in
its file name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from loaders.exports import content
from loaders.exports.suppression import is_suppressed

#: First characters that make a spreadsheet read text as a formula or a command (OWASP CSV
#: injection), with their full-width and small forms, which some spreadsheets fold to ASCII.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63")


def neutralise(text: str) -> str:
    """Text that no spreadsheet will evaluate: a leading apostrophe when it could start a
    formula (also after leading spaces, which some spreadsheets skip)."""
    stripped = text.lstrip(" ")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


# --------------------------------------------------------------------------------------------------
# Where an export comes from
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportContext:
    """What every export must say about itself: whose, which data version, as of when."""

    council: str
    plan: str
    version: int
    latest: int
    as_of: dt.date
    published_at: dt.datetime | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    areas: tuple[str, ...] = ()
    publication_note: str | None = None

    @property
    def version_text(self) -> str:
        if self.version == self.latest:
            return f"load {self.version} (the latest)"
        return f"load {self.version} (an earlier version; the latest is load {self.latest})"

    @property
    def as_of_text(self) -> str:
        return content.long_date(self.as_of)

    @property
    def areas_text(self) -> str:
        return ", ".join(self.areas) if self.areas else "All service areas"

    def about(self, title: str) -> list[tuple[str, str]]:
        """The first page's facts, as label and value."""
        published = (
            f"{self.published_at:%d %B %Y %H:%M} UTC" if self.published_at is not None else "–"
        )
        lines = [
            ("Title", title),
            ("Council", self.council),
            ("Plan", self.plan),
            ("Board date (as of)", self.as_of_text),
            ("Data version", self.version_text),
            ("Data version published", published),
            ("Service areas", self.areas_text),
            ("Produced", f"{self.generated_at:%d %B %Y %H:%M} UTC"),
            (
                "Provisional figures",
                "A month's figure is provisional until the data team marks it validated; the "
                "status is shown beside every latest value.",
            ),
            (
                "Local and published",
                "Local measures are the council's own, with no national comparison. Published "
                "measures are compared with the Department for Education's published figures "
                "(Local Authority Interactive Tool, Open Government Licence v3.0), each labelled "
                "with its own period; comparators quoted in the plan say so.",
            ),
        ]
        if self.publication_note:
            lines.append(("For publication", self.publication_note))
        return lines

    def file_name(self, kind: str, extension: str) -> str:
        """E.g. ``southampton-board-pack-as-of-2021-07-15-data-v2.pptx``: version and date in
        the name, so two downloads never overwrite each other silently."""
        parts = [content.slug(self.council) or "council", kind]
        if self.areas:
            parts.append(content.slug("-".join(self.areas))[:60])
        parts += [f"as-of-{self.as_of.isoformat()}", f"data-v{self.version}"]
        if self.publication_note:
            parts.append("for-publication")
        return "-".join(parts) + "." + extension


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: ``kind`` is text, number (in the row's decimals), int or date."""

    key: str
    header: str
    kind: str = "text"
    width: int = 14


@dataclass(frozen=True)
class Table:
    """Rows of typed values; ``decimals`` (a per-record key) sets number formats in Excel."""

    name: str
    columns: Sequence[Column]
    records: Sequence[dict[str, Any]]


SCORECARD_COLUMNS: tuple[Column, ...] = (
    Column("data_version", "Data version", "int", 8),
    Column("as_of", "As of", "date", 12),
    Column("service_area", "Service area", width=22),
    Column("indicator_id", "Indicator id", width=24),
    Column("measure", "Measure", width=48),
    Column("breakdown", "Breakdown", width=10),
    Column("unit", "Unit", width=10),
    Column("better_when", "Better when", width=10),
    Column("latest_month", "Latest month", "date", 12),
    Column("latest_value", "Latest value", "number", 11),
    Column("latest_status", "Latest status", width=12),
    Column("previous_value", "Previous month value", "number", 11),
    Column("baseline_month", "Baseline month", "date", 12),
    Column("baseline_value", "Baseline value", "number", 11),
    Column("target_operator", "Target operator", width=8),
    Column("target_value", "Target value", "number", 11),
    Column("final_target", "Final target", "number", 11),
    Column("target_date", "Target date", "date", 12),
    Column("against_target", "Against target", width=16),
    Column("gap", "Gap to target (positive is better)", "number", 12),
    Column("since_last_month", "Since last month", width=14),
    Column("since_baseline", "Since baseline", width=14),
    Column("spc_variation", "SPC variation", width=30),
    Column("spc_assurance", "SPC assurance", width=28),
    Column("trial_limits", "SPC trial limits", width=8),
    Column("sn_value", "Statistical neighbours value", "number", 11),
    Column("sn_label", "Statistical neighbours", width=30),
    Column("region_value", "Region value", "number", 11),
    Column("region_label", "Region", width=30),
    Column("england_value", "England value", "number", 11),
    Column("england_label", "England", width=26),
    Column("comparators_from", "Comparators from", width=24),
    Column("national_position", "National position", width=30),
    Column("quartile", "Quartile", width=8),
    Column("source", "Local or published", width=22),
    Column("exception", "Exception", width=30),
    Column("forecast", "Forecast", width=50),
    Column("commentary_month", "Commentary month", "date", 12),
    Column("commentary", "Commentary", width=60),
    Column("commentary_author", "Commentary by", width=16),
)


def _day(iso: str | None) -> dt.date | None:
    return None if not iso else dt.date.fromisoformat(str(iso)[:10])


def _comparator_values(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for point in content.comparator_points(row):
        out[point["kind"]] = point
    return out


def scorecard_record(row: dict[str, Any], ctx: ExportContext) -> dict[str, Any]:
    """One scorecard row with numbers as numbers and words as words."""
    comps = _comparator_values(row)
    note = row.get("commentary") or {}

    def comp(kind: str, key: str) -> Any:
        point = comps.get(kind)
        return None if point is None else point[key]

    return {
        "decimals": row["decimals"],
        "data_version": ctx.version,
        "as_of": ctx.as_of,
        "service_area": row["service_area"],
        "indicator_id": row["indicator_id"],
        "measure": row["name"],
        "breakdown": row["breakdown"],
        "unit": row["unit_label"],
        "better_when": content.POLARITY_WORDS.get(row["polarity"], row["polarity"]),
        "latest_month": _day(row.get("latest_period")),
        "latest_value": row.get("latest_value"),
        "latest_status": row.get("latest_status"),
        "previous_value": row.get("previous_value"),
        "baseline_month": _day(row.get("baseline_period")),
        "baseline_value": row.get("baseline_value"),
        "target_operator": row.get("target_operator") if row.get("target") is not None else None,
        "target_value": row.get("target"),
        "final_target": row.get("final_target"),
        "target_date": _day(row.get("target_date")),
        "against_target": content.rag_text(row),
        "gap": row.get("gap"),
        "since_last_month": content.direction_text(row),
        "since_baseline": content.direction_text(row, "direction_baseline"),
        "spc_variation": content.spc_text(row, "variation"),
        "spc_assurance": content.spc_text(row, "assurance"),
        "trial_limits": "yes" if row.get("trial_limits") else "no",
        "sn_value": comp("statistical_neighbours", "value"),
        "sn_label": comp("statistical_neighbours", "label"),
        "region_value": comp("region", "value"),
        "region_label": comp("region", "label"),
        "england_value": comp("england", "value"),
        "england_label": comp("england", "label"),
        "comparators_from": (
            "Published (DfE LAIT)"
            if row.get("published")
            else "Quoted in the plan"
            if comps
            else "None (local measure)"
        ),
        "national_position": content.position_text(row),
        "quartile": row.get("quartile"),
        "source": content.source_text(row),
        "exception": "; ".join(content.exception_reasons(row)),
        "forecast": (row.get("forecast") or {}).get("message"),
        "commentary_month": _day(note.get("period")),
        "commentary": note.get("text"),
        "commentary_author": note.get("author"),
    }


def scorecard_table(rows: Sequence[dict[str, Any]], ctx: ExportContext) -> Table:
    return Table("Scorecard", SCORECARD_COLUMNS, [scorecard_record(r, ctx) for r in rows])


MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("data_version", "Data version", "int", 8),
    Column("as_of", "As of", "date", 12),
    Column("indicator_id", "Indicator id", width=24),
    Column("measure", "Measure", width=40),
    Column("breakdown", "Breakdown", width=14),
    Column("month", "Month", "date", 12),
    Column("value", "Value", "number", 11),
    Column("unit", "Unit", width=10),
    Column("numerator", "Numerator", "number", 11),
    Column("denominator", "Denominator", "number", 11),
    Column("status", "Status", width=12),
    Column("target", "Target that month", "number", 11),
    Column("spc_mean", "SPC mean", "number", 11),
    Column("spc_lower", "SPC lower limit", "number", 11),
    Column("spc_upper", "SPC upper limit", "number", 11),
    Column("spc_point", "SPC point", width=26),
    Column("came_from", "Came from", width=26),
)


def measure_table(records: Sequence[dict[str, Any]]) -> Table:
    """A measure's monthly data; the records are built from the store by loaders.exports.data."""
    return Table("Data", MEASURE_COLUMNS, records)


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | int | str | None:
    """A number for a cell: int when whole, ``c`` kept as text, NaN as empty."""
    if value is None or is_suppressed(value):
        return value  # type: ignore[no-any-return]
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def cell_value(column: Column, value: Any) -> Any:
    """The typed value of one cell (text neutralised); None for an empty cell."""
    if value is None:
        return None
    if column.kind in ("number", "int"):
        try:
            return _number(value)
        except (TypeError, ValueError):
            return neutralise(str(value))
    if column.kind == "date":
        return value if isinstance(value, dt.date) else neutralise(str(value))
    return neutralise(str(value))


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(table: Table, stream: io.TextIOBase | Any) -> None:
    """RFC 4180 CSV (UTF-8 with a byte-order mark, so Excel reads the characters right)."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    for record in table.records:
        writer.writerow([_csv_text(cell_value(c, record.get(c.key))) for c in table.columns])


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    write_csv(table, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _number_format(decimals: Any) -> str:
    places = int(decimals) if decimals is not None else 0
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def write_xlsx(about: Iterable[tuple[str, str]], tables: Sequence[Table], out: BinaryIO) -> None:
    """An Excel workbook: an "About" sheet first (what, whose, which version, as of when), then
    one sheet per table with a frozen, filterable header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "About"
    bold = Font(bold=True)
    for label, text in about:
        sheet.append([neutralise(label), neutralise(text)])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 110

    for table in tables:
        ws = book.create_sheet(table.name[:31])
        ws.append([neutralise(c.header) for c in table.columns])
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for record in table.records:
            ws.append([cell_value(c, record.get(c.key)) for c in table.columns])
            formats = {
                "number": _number_format(record.get("decimals")),
                "int": "0",
                "date": "yyyy-mm-dd",
            }
            for index, column in enumerate(table.columns, start=1):
                cell = ws.cell(ws.max_row, index)
                if column.kind in formats and not isinstance(cell.value, str):
                    cell.number_format = formats[column.kind]
                # Belt and braces: whatever openpyxl guessed, no cell is ever a formula.
                if cell.data_type == "f":
                    cell.value = neutralise(str(cell.value))
                    cell.data_type = "s"
        for index, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        if table.records:
            ws.auto_filter.ref = ws.dimensions
    book.save(out)


def xlsx_bytes(about: Iterable[tuple[str, str]], tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(about, tables, buffer)
    return buffer.getvalue()
