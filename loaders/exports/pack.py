"""Make an export: the board pack (PowerPoint, PDF), the scorecard (Excel, CSV, PDF) or one
measure (Excel, CSV).

The CLI and the download routes call these and only these. Each returns an ``Export``: the
bytes, a file name naming the data version and the "as of" date, and the media type. A pack's
charts are rendered in one ``ChartRenderer`` session (at most one browser start, none when
every image is cached for this data version), shared by both formats when both are asked for.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indicators.settings import PROJECT_ROOT
from loaders.exports import charts, pdf, powerpoint, tables
from loaders.exports.data import (
    Board,
    ExportError,
    Options,
    measure_commentary,
    measure_records,
    open_board,
)

MEDIA_TYPES = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
PACK_FORMATS = ("pptx", "pdf")
TABLE_FORMATS = ("xlsx", "csv")
#: The scorecard also as a PDF to print (A4 landscape; a wide grid does not fit a page).
SCORECARD_FORMATS = (*TABLE_FORMATS, "pdf")
DEFAULT_TEMPLATE = "config/board_template.pptx"


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    data: bytes
    version: int = 0  # the data version it shows


def _pdf_bytes(board: Board, renderer: charts.ChartRenderer) -> bytes:
    buffer = io.BytesIO()
    pdf.write_pdf(board, lambda row: renderer.result(_key(row), as_jpeg=True), buffer)
    return buffer.getvalue()


def template_path(settings: Any) -> Path:
    path = Path(str(getattr(settings, "board_template", "") or DEFAULT_TEMPLATE))
    return path if path.is_absolute() else PROJECT_ROOT / path


def _key(row: dict[str, Any]) -> str:
    return f"{row['indicator_id']}|{row['breakdown']}"


def _check(fmt: str, allowed: Sequence[str]) -> None:
    if fmt not in allowed:
        raise ExportError(f"format {fmt!r}: use one of {', '.join(allowed)}")


def board_pack(
    settings: Any,
    options: Options,
    formats: Sequence[str] = PACK_FORMATS,
    *,
    board: Board | None = None,
) -> list[Export]:
    """The board pack in each of ``formats`` (pptx, pdf), from one snapshot and one renderer."""
    for fmt in formats:
        _check(fmt, PACK_FORMATS)
    board = board or open_board(settings, options)
    if not board.rows:
        raise ExportError("no measures to put in the pack (check the areas asked for)")
    root = charts.cache_dir(settings)
    out: list[Export] = []
    # Every figure first (milliseconds each), then the browser draws them in order on a
    # background thread while the documents are built as each image lands.
    data: dict[str, bytes] = {}
    with charts.ChartRenderer(
        root, board.context.version, chromium=charts.chromium_path(settings)
    ) as renderer:
        renderer.warm_up_if_needed(len(board.rows))
        items = [
            (_key(row), board.chart(row, font_size=charts.FONT_SIZE).figure) for row in board.rows
        ]
        board.actions(board.rows[0])  # read the plan once here, not by both writers at once
        renderer.start(items, jpegs="pdf" in formats)
        # The PDF is laid out on a thread of its own and the PowerPoint here, both taking each
        # chart as it lands: Python builds documents while the browser draws.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-pdf") as worker:
            pending = worker.submit(_pdf_bytes, board, renderer) if "pdf" in formats else None
            try:
                if "pptx" in formats:
                    buffer = io.BytesIO()
                    powerpoint.write_pptx(
                        board,
                        lambda row: renderer.result(_key(row)),
                        buffer,
                        template=template_path(settings),
                    )
                    data["pptx"] = buffer.getvalue()
            finally:
                if pending is not None:
                    data["pdf"] = pending.result()
    for fmt in formats:
        name = board.context.file_name("board-pack", fmt)
        out.append(Export(name, MEDIA_TYPES[fmt], data[fmt], board.context.version))
    charts.touch(renderer.folder)
    charts.prune(root)
    return out


def scorecard(settings: Any, options: Options, fmt: str) -> Export:
    _check(fmt, SCORECARD_FORMATS)
    board = open_board(settings, options)
    name, version = board.context.file_name("scorecard", fmt), board.context.version
    if fmt == "pdf":
        if not board.rows:
            raise ExportError("no measures to print (check the areas asked for)")
        buffer = io.BytesIO()
        pdf.write_scorecard_pdf(board, buffer)
        return Export(name, MEDIA_TYPES[fmt], buffer.getvalue(), version)
    table = tables.scorecard_table(board.rows, board.context)
    if fmt == "csv":
        return Export(name, MEDIA_TYPES[fmt], tables.csv_bytes(table), version)
    about = board.context.about(f"{board.context.council}: scorecard")
    return Export(name, MEDIA_TYPES[fmt], tables.xlsx_bytes(about, [table]), version)


COMMENTARY_COLUMNS = (
    tables.Column("data_version", "Data version", "int", 8),
    tables.Column("as_of", "As of", "date", 12),
    tables.Column("indicator_id", "Indicator id", width=24),
    tables.Column("breakdown", "Breakdown", width=12),
    tables.Column("month", "Month", "date", 12),
    tables.Column("commentary", "Commentary", width=90),
    tables.Column("author", "By", width=16),
    tables.Column("written", "Written", "date", 12),
)


def measure(
    settings: Any, options: Options, indicator_id: str, fmt: str, breakdown: str | None = None
) -> Export:
    """One measure's monthly data (every breakdown unless one is named)."""
    _check(fmt, TABLE_FORMATS)
    board = open_board(settings, Options(**{**options.__dict__, "areas": (), "measures": ()}))
    row, records = measure_records(board, indicator_id, breakdown)
    table = tables.measure_table(records)
    name, version = board.context.file_name(f"measure-{indicator_id}", fmt), board.context.version
    if fmt == "csv":
        return Export(name, MEDIA_TYPES[fmt], tables.csv_bytes(table), version)
    about = board.context.about(f"{board.context.council}: {row['name']}")
    about.insert(1, ("Measure", f"{row['name']} ({indicator_id})"))
    notes = tables.Table("Commentary", COMMENTARY_COLUMNS, measure_commentary(board, indicator_id))
    summary = tables.scorecard_table([row], board.context)
    data = tables.xlsx_bytes(about, [table, notes, summary])
    return Export(name, MEDIA_TYPES[fmt], data, version)
