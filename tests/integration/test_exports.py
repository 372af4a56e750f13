"""Exports end to end: store -> board pack (PowerPoint, PDF) and scorecard/measure (Excel, CSV).

The store is the demo plus one load with hostile text (a measure named ``=HYPERLINK(...)``,
commentary starting ``=`` and ``@``) and a count measure with small values, so neutralisation
and suppression are tested through the real loaders. Charts render with Debian's chromium into
one chart cache for the session (tests/browser is not needed); the publication tests capture
the figure dicts on their way to kaleido instead, so they check exactly what would be drawn.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu
from pypdf import PdfReader

from indicators import figures
from indicators.settings import Settings
from indicators.store import close_connections
from loaders.exports import charts, content, pack
from loaders.exports.cli import main as export_main
from loaders.exports.data import ExportError, NotFound, Options, open_board
from tests.conftest import settings_for
from tests.fixtures.workbooks import make_workbook

CHROMIUM = Path(charts.DEFAULT_CHROMIUM)
needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"chart images need Debian's chromium at {CHROMIUM}"
)
#: Two areas, five measures (one a count of 1 to 5 a month): small enough to render quickly.
AREAS = ("adoption", "looked-after-children")
HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'
SMALL = re.compile(r"(?<![\w.,\-/])[1-5](?![\w%]|[.,/\-]\d)")
#: Positions and page numbers are not counts of children.
NOT_COUNTS = re.compile(
    r"measure \d+ of \d+|slide \d+|summary \d+ of \d+|Page \d+ of \d+|\d+ of \d+\)|\(\d+ of \d+"
    r"|load \d+"
)


@pytest.fixture(scope="module")
def settings(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A demo store plus a load of hostile text and small counts (version 3)."""
    from loaders.ingest import load_workbook

    folder = tmp_path_factory.mktemp("exports") / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    chosen = settings_for(folder)
    book = make_workbook(
        folder.parent / "hostile.xlsx",
        {
            "Indicators": [
                [
                    "inj_count",
                    HOSTILE_NAME,
                    "+Injected area",
                    "count",
                    "lower_is_better",
                    0,
                    "monthly",
                    4,
                    dt.date(2021, 1, 1),
                    3,
                    "<=",
                    dt.date(2021, 6, 1),
                ]
            ],
            "Actuals": [
                ["inj_count", dt.date(2021, m, 1), v, None, None, "All", "provisional"]
                for m, v in zip(range(1, 7), [4, 9, 2, 0, 12, 3], strict=True)
            ],
            "Commentary": [
                ["inj_count", dt.date(2021, 6, 1), "@SUM(1+1) only 3 cases this month"],
                ["lac_rate_per_10k", dt.date(2021, 6, 1), "=1+2 looks like a formula"],
            ],
        },
    )
    result = load_workbook(chosen, book, "hostile.xlsx", "tester")
    assert not result.problems, result.problems
    yield chosen
    close_connections()


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One chart cache for the whole session (every demo copy has the same charts)."""
    folder = tmp_path_factory.getbasetemp() / "chart-cache"
    patch = pytest.MonkeyPatch()
    patch.setattr(charts, "cache_dir", lambda _settings: folder)
    yield folder
    patch.undo()


@pytest.fixture
def fake_kaleido(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Capture each figure dict on its way to kaleido; answer with a tiny PNG, no browser."""
    fed: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    Image.new("RGBA", (22, 12), "white").save(buffer, format="PNG")

    def to_png(figure: dict[str, Any], *_: Any) -> bytes:
        fed.append(figure)
        return buffer.getvalue()

    monkeypatch.setattr(charts, "_to_png", to_png)
    monkeypatch.setattr(charts, "browser_running", lambda: True)
    monkeypatch.setattr(charts, "cache_dir", lambda _settings: tmp_path / "fake-cache")
    return fed


def _rows(settings: Settings, **options: Any) -> list[dict[str, Any]]:
    return open_board(settings, Options(**options)).rows


def _no_formulas(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


# --------------------------------------------------------------------------------------------------
# Spreadsheets
# --------------------------------------------------------------------------------------------------


def test_scorecard_xlsx_names_its_version_has_no_formulas_and_keeps_numbers(
    settings: Settings,
) -> None:
    export = pack.scorecard(settings, Options(as_of="load:3"), "xlsx")
    assert re.fullmatch(
        r"southampton-scorecard-as-of-\d{4}-\d\d-\d\d-data-v3\.xlsx", export.filename
    )
    book = openpyxl.load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["About", "Scorecard"]
    _no_formulas(book)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert about["Data version"] == "load 3 (the latest)"
    assert about["Board date (as of)"]
    sheet = book["Scorecard"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 48
    hostile = next(r for r in rows if r["Indicator id"] == "inj_count")
    assert hostile["Measure"] == "'" + HOSTILE_NAME
    assert hostile["Service area"] == "'+Injected area"
    assert hostile["Commentary"] == "'@SUM(1+1) only 3 cases this month"
    lac = next(r for r in rows if r["Indicator id"] == "lac_rate_per_10k")
    assert lac["Commentary"] == "'=1+2 looks like a formula"
    for r in rows:
        assert r["Data version"] == 3
        for column in (
            "Latest value",
            "Target value",
            "Baseline value",
            "Gap to target (positive is better)",
        ):
            assert r[column] is None or isinstance(r[column], int | float), (column, r[column])
    assert isinstance(lac["Statistical neighbours value"], float)
    assert lac["Latest status"] == "provisional"
    assert lac["Local or published"].startswith("Published measure")


def test_scorecard_csv_has_version_in_every_row_and_neutralised_text(settings: Settings) -> None:
    export = pack.scorecard(settings, Options(areas=("+Injected area", "adoption")), "csv")
    assert export.filename.endswith("-data-v3.csv") and "injected-area" in export.filename
    text = export.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Data version,As of,Service area")
    assert len(lines) == 1 + 3
    assert all(line.startswith("3,") for line in lines[1:])
    assert "'=HYPERLINK" in text and "'+Injected area" in text
    for record in csv.reader(io.StringIO(text)):
        for field in record:
            if field[:1] in "=+-@\t\r＝＋－＠" and field:
                float(field)  # only a number (a negative gap) may start so; text may not


def test_scorecard_pdf_prints_every_measure_with_its_header_on_each_page(
    settings: Settings,
) -> None:
    export = pack.scorecard(settings, Options(as_of="load:3"), "pdf")
    assert re.fullmatch(
        r"southampton-scorecard-as-of-\d{4}-\d\d-\d\d-data-v3\.pdf", export.filename
    )
    assert export.media_type == "application/pdf" and export.version == 3
    reader = PdfReader(io.BytesIO(export.data))
    # Compared without whitespace: a cell's text wraps onto lines, sometimes after a hyphen.
    pages = ["".join(page.extract_text().split()) for page in reader.pages]
    text = "".join(pages)
    board = open_board(settings, Options(as_of="load:3"))
    for row in board.rows:
        record = content.summary_record(row)
        for key in ("measure", "rag", "latest"):
            assert "".join(record[key].split()) in text, (key, record[key])
    assert "dataversionload3" in text.lower()
    assert all("Statisticalneighbours" in page and "Againsttarget" in page for page in pages)
    assert all(f"Page{n}of{len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged, for screen readers
    # The areas asked for, and only those.
    only = pack.scorecard(settings, Options(as_of="load:3", areas=("adoption",)), "pdf")
    one = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(only.data)).pages
    )
    for row in board.rows:
        name = " ".join(content.summary_record(row)["measure"].split())
        assert (name in one) == (row["service_area"] == "Adoption"), name


def test_measure_exports_every_month_as_numbers(settings: Settings) -> None:
    export = pack.measure(settings, Options(), "lac_rate_per_10k", "xlsx")
    assert "measure-lac-rate-per-10k" in export.filename.replace("_", "-")
    book = openpyxl.load_workbook(io.BytesIO(export.data))
    assert book.sheetnames == ["About", "Data", "Commentary", "Scorecard"]
    _no_formulas(book)
    data = list(book["Data"].iter_rows(min_row=2, values_only=True))
    assert len(data) == 39
    header = [c.value for c in book["Data"][1]]
    value, month, mean = (header.index(h) for h in ("Value", "Month", "SPC mean"))
    assert all(isinstance(r[value], int | float) for r in data)
    assert all(isinstance(r[month], dt.datetime) for r in data)
    assert all(isinstance(r[mean], int | float) for r in data)
    notes = list(book["Commentary"].iter_rows(min_row=2, values_only=True))
    assert any(str(n[5]).startswith("'=1+2") for n in notes)
    csv_export = pack.measure(settings, Options(), "lac_rate_per_10k", "csv")
    assert len(csv_export.data.decode("utf-8-sig").splitlines()) == 40


def test_unknown_measure_area_or_date_is_a_plain_error(settings: Settings) -> None:
    with pytest.raises(NotFound, match="no measure 'nope'"):
        pack.measure(settings, Options(), "nope", "csv")
    with pytest.raises(ExportError, match="no service area called nowhere"):
        pack.scorecard(settings, Options(areas=("nowhere",)), "csv")
    with pytest.raises(ExportError, match="nothing was published by"):
        pack.scorecard(settings, Options(as_of="1999-01-01"), "csv")
    with pytest.raises(ExportError, match="use a date"):
        pack.scorecard(settings, Options(as_of="last week"), "csv")
    with pytest.raises(ExportError, match="format 'docx'"):
        pack.scorecard(settings, Options(), "docx")


def test_an_earlier_version_is_exported_as_it_was(settings: Settings) -> None:
    earlier = pack.scorecard(settings, Options(as_of="load:2"), "csv")
    assert earlier.filename.endswith("-data-v2.csv") and earlier.version == 2
    assert "inj_count" not in earlier.data.decode("utf-8-sig")


def test_publication_spreadsheets_show_c_for_small_counts(settings: Settings) -> None:
    export = pack.scorecard(settings, Options(publication=True), "xlsx")
    assert export.filename.endswith("-for-publication.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(export.data))
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert "shown as c" in about["For publication"]
    header = [c.value for c in book["Scorecard"][1]]
    rows = [
        dict(zip(header, r, strict=True))
        for r in book["Scorecard"].iter_rows(min_row=2, values_only=True)
    ]
    counts = [r for r in rows if r["Unit"] == "count"]
    assert len(counts) == 7
    for r in counts:
        for key, value in r.items():
            if isinstance(value, int | float) and key not in ("Data version",):
                assert not 0 < abs(value) < 5.5, (r["Indicator id"], key, value)
        assert not SMALL.search(str(r["Commentary"] or "")), r["Commentary"]
    adoptions = next(r for r in counts if r["Indicator id"] == "adoption_number_per_month")
    assert adoptions["Latest value"] == "c"
    measure = pack.measure(settings, Options(publication=True), "inj_count", "csv")
    assert _csv_values(measure.data) == ["c", "9", "c", "0", "12", "c"]


def _csv_values(data: bytes) -> list[str]:
    return [r[6] for r in list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]]


def test_rounding_to_five_is_an_option(settings: Settings) -> None:
    export = pack.measure(settings, Options(publication=True, round_to=5), "inj_count", "csv")
    assert _csv_values(export.data) == ["c", "10", "c", "0", "10", "c"]


# --------------------------------------------------------------------------------------------------
# The board pack
# --------------------------------------------------------------------------------------------------


def _slide_texts(slide: Any) -> list[str]:
    texts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            texts.append(shape.text_frame.text)
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
        if shape.shape_type == 13:  # picture
            texts.append(shape._element.nvPicPr.cNvPr.get("descr") or "")
    if slide.has_notes_slide:
        texts.append(slide.notes_slide.notes_text_frame.text)
    return texts


@needs_browser
def test_board_pack_powerpoint_and_pdf(settings: Settings, shared_cache: Path) -> None:
    """Also: one browser start for a pack that renders, none for a pack that is cached."""
    options = Options(areas=AREAS)
    rows = _rows(settings, areas=AREAS)
    assert len(rows) == 5
    charts.stop_browser()
    before = dict(charts.STATS)
    pptx_export, pdf_export = pack.board_pack(settings, options, ("pptx", "pdf"))
    assert charts.STATS["browser_starts"] - before["browser_starts"] <= 1
    assert charts.STATS["renders"] - before["renders"] <= len(rows)  # once for both formats
    assert not charts.browser_running(), "a pack stops the browser it started"
    assert {p.parent.name for p in shared_cache.rglob("*.png")} >= {"v3"}
    middle = dict(charts.STATS)
    again = pack.board_pack(settings, options, ("pptx",))[0]
    assert charts.STATS["browser_starts"] == middle["browser_starts"]
    assert charts.STATS["renders"] == middle["renders"]
    assert charts.STATS["cache_hits"] - middle["cache_hits"] == len(rows)
    assert len(again.data) == len(pptx_export.data)
    assert pptx_export.filename.endswith("-data-v3.pptx")
    assert "adoption-looked-after-children" in pptx_export.filename

    deck = Presentation(io.BytesIO(pptx_export.data))
    assert (deck.slide_width, deck.slide_height) == (Emu(12192000), Emu(6858000))  # 16:9
    slides = list(deck.slides)
    summaries = math.ceil(len(rows) / 8)
    assert len(slides) == 1 + summaries + len(rows)
    cover = " ".join(_slide_texts(slides[0]))
    for words in (
        "Southampton: improvement board pack",
        "Board date:",
        "Data version: load 3",
        "provisional",
        "Local measures",
    ):
        assert words in cover, words
    summary = next(s for s in slides[1:2][0].shapes if s.has_table).table
    assert len(summary.rows) == 1 + len(rows)
    assert [c.text for c in summary.rows[0].cells][:2] == ["Measure", "Latest"]
    assert summary.cell(1, 0).text.startswith(rows[0]["name"])
    for slide, row in zip(slides[1 + summaries :], rows, strict=True):
        assert slide.shapes.title.text == row["name"]
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        alt = pictures[0]._element.nvPicPr.cNvPr.get("descr")
        assert alt == figures.alt_text(row) == content.alt_text(row)
        assert pictures[0].image.size[0] >= 2000  # high resolution
        table = next(s for s in slide.shapes if s.has_table).table
        key = {r.cells[0].text: r.cells[1].text for r in table.rows}
        assert key == dict(content.key_figures(row))
        assert any("Why, and what are we doing?" in t for t in _slide_texts(slide))
        assert "data version load 3" in " ".join(_slide_texts(slide))

    reader = PdfReader(io.BytesIO(pdf_export.data))
    assert len(reader.pages) == 1 + summaries + len(rows)
    first = reader.pages[0].extract_text()
    assert "Data version" in first and "load 3 (the latest)" in first
    for page, row in zip(reader.pages[1 + summaries :], rows, strict=True):
        text = page.extract_text()
        assert row["name"][:30] in text.replace("\n", " ")
        assert "Key figures" in text and "data version load 3" in text
        assert page.get_contents().get_data().count(b" Do") == 1  # one chart image drawn


def test_no_browser_fails_with_a_clear_message(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    monkeypatch.setattr(charts, "cache_dir", lambda _settings: tmp_path / "cache")
    monkeypatch.setattr(charts, "DEFAULT_CHROMIUM", str(tmp_path / "no-chromium"))
    charts.stop_browser()
    with pytest.raises(charts.BrowserUnavailable, match="apt-get install chromium"):
        pack.board_pack(settings, Options(areas=("adoption",)), ("pptx",))
    code = export_main(
        ["board-pack", "--db", str(settings.db_path), "--areas", "adoption", "-o", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "need a Chromium browser" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.pptx"))


def _small_numbers_in_figure(figure: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for trace in figure["data"]:
        found += [
            y for y in trace.get("y") or [] if isinstance(y, int | float) and 0 < abs(y) < 5.5
        ]
        for text in [*(trace.get("hovertext") or []), trace.get("name") or ""]:
            if SMALL.search(NOT_COUNTS.sub("", str(text))):
                found.append(text)
    layout = figure["layout"]
    for shape in layout.get("shapes") or []:
        found += [v for v in (shape.get("y0"), shape.get("y1")) if 0 < abs(v or 0) < 5.5]
    for note in layout.get("annotations") or []:
        if note.get("yref") != "paper" and 0 < abs(note.get("y") or 0) < 5.5:
            found.append(note)
        if SMALL.search(str(note.get("text") or "")):
            found.append(note["text"])
    return found


def test_publication_pack_shows_no_count_of_1_to_5_anywhere(
    settings: Settings, fake_kaleido: list[dict[str, Any]]
) -> None:
    every = _rows(settings)
    # Every count measure, and a measure of each other unit for contrast: a short pack.
    chosen = [r["indicator_id"] for r in every if r["unit"] == "count"]
    chosen += list({r["unit"]: r["indicator_id"] for r in every if r["unit"] != "count"}.values())
    options = Options(publication=True, measures=tuple(chosen))
    rows = _rows(settings, publication=True, measures=tuple(chosen))
    counts = {r["name"] for r in rows if r["unit"] == "count"}
    assert len(counts) == 7
    pptx_export, pdf_export = pack.board_pack(settings, options)
    assert pptx_export.filename.endswith("-for-publication.pptx")

    # The figure dicts fed to kaleido: one per measure, none with a small count.
    assert len(fake_kaleido) == len(rows)
    by_unit = dict(zip((r["unit"] for r in rows), fake_kaleido, strict=False))
    assert by_unit  # sanity
    for row, figure in zip(rows, fake_kaleido, strict=True):
        if row["unit"] == "count":
            assert _small_numbers_in_figure(figure) == [], row["indicator_id"]
    adoptions = fake_kaleido[[r["indicator_id"] for r in rows].index("adoption_number_per_month")]
    actual = next(t for t in adoptions["data"] if t["name"] == "Actual")
    assert all(y is None for y in actual["y"]) and set(actual["hovertext"]) >= {"Jun 2021: c"}

    deck = Presentation(io.BytesIO(pptx_export.data))
    cover = " ".join(_slide_texts(deck.slides[0]))
    assert "counts of 1 to 5 are shown as c" in cover
    seen = 0
    for slide in deck.slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        if title in counts:
            seen += 1
            for text in _slide_texts(slide):
                assert not SMALL.search(NOT_COUNTS.sub("", text)), (title, text)
        for shape in slide.shapes:
            if shape.has_table and shape.name == "Scorecard summary table":
                for table_row in list(shape.table.rows)[1:]:
                    cells = [c.text for c in table_row.cells]
                    if cells[0].split("\n")[0] in counts:
                        for text in cells[1:3]:
                            assert not SMALL.search(NOT_COUNTS.sub("", text)), (cells[0], text)
    assert seen == len(counts)

    reader = PdfReader(io.BytesIO(pdf_export.data))
    assert "shown as c" in reader.pages[0].extract_text().replace("\n", " ")
    for page in reader.pages:
        text = page.extract_text()
        if any(name[:40] in text.replace("\n", " ") for name in counts) and "Key figures" in text:
            body = NOT_COUNTS.sub("", text.split("Key figures", 1)[1])
            assert not SMALL.search(body), body[:400]


def test_alt_text_is_figures_alt_text_for_every_measure(settings: Settings) -> None:
    for row in _rows(settings):
        assert content.alt_text(row) == figures.alt_text(row), row["indicator_id"]


def test_a_template_file_is_honoured(
    settings: Settings,
    fake_kaleido: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    template = Presentation()
    template.slide_width, template.slide_height = Emu(12192000), Emu(6858000)
    theme = template.slide_master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'typeface="Calibri"', b'typeface="Verdana"')
    template.slide_layouts[5].name = "Title Only"
    path = tmp_path / "board_template.pptx"
    template.save(str(path))
    monkeypatch.setattr(pack, "template_path", lambda _settings: path)
    export = pack.board_pack(settings, Options(areas=("adoption",)), ("pptx",))[0]
    deck = Presentation(io.BytesIO(export.data))
    theme_xml = deck.slide_master.part.part_related_by(RT.THEME).blob
    assert b'<a:latin typeface="Verdana"' in theme_xml
    assert b'<a:latin typeface="Arial"' not in theme_xml
    assert [s.slide_layout.name for s in deck.slides] == [
        "Title Slide",
        "Title Only",
        "Title Only",
        "Title Only",
    ]


def test_linked_actions_hook(settings: Settings, fake_kaleido: list[dict[str, Any]]) -> None:
    from loaders.exports import data

    def provider(_snap: Any, indicator_id: str) -> list[dict[str, Any]]:
        return [
            {
                "action_id": "T-1",
                "action": f"Act on {indicator_id}",
                "status": "off_track",
                "due_date": "2021-09-30",
            }
        ]

    data.register_linked_actions(provider)
    try:
        export = pack.board_pack(settings, Options(areas=("adoption",)), ("pptx",))[0]
    finally:
        data.register_linked_actions(data.actions_from_plan)
    deck = Presentation(io.BytesIO(export.data))
    texts = " ".join(_slide_texts(deck.slides[-1]))
    assert "Action T-1: Act on" in texts and "(Off track, due Sep 2021)" in texts


def test_the_plan_s_linked_actions_are_on_the_measure_slide(
    settings: Settings, fake_kaleido: list[dict[str, Any]]
) -> None:
    from indicators import plan

    expected = plan.actions_for_measure(open_board(settings, Options()).snap, "lac_rate_per_10k")
    assert expected, "the demo plan links actions to this measure"
    export = pack.board_pack(settings, Options(measures=("lac_rate_per_10k",)), ("pptx",))[0]
    deck = Presentation(io.BytesIO(export.data))
    box = next(s for s in deck.slides[-1].shapes if s.name == "Linked actions")
    for action in expected:
        assert f"Action {action['action_id']}: " in box.text_frame.text


def test_cli_writes_named_files_and_fails_politely(
    settings: Settings, tmp_path: Path, capsys: Any
) -> None:
    db = str(settings.db_path)
    assert (
        export_main(["scorecard", "--db", db, "--format", "xlsx,csv,pdf", "-o", str(tmp_path)]) == 0
    )
    written = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert len(written) == 3 and all("-data-v3." in name for name in written)
    assert (tmp_path / written[1]).read_bytes().startswith(b"%PDF")
    folder = tmp_path / "new-folder"
    assert export_main(["scorecard", "--db", db, "--format", "csv", "-o", f"{folder}/"]) == 0
    assert [p.suffix for p in folder.iterdir()] == [".csv"]
    named = tmp_path / "mine.xlsx"
    assert export_main(["measure", "lac_rate_per_10k", "--db", db, "-o", str(named)]) == 0
    assert named.exists()
    for argv, message in (
        (["scorecard", "--areas", "nowhere"], "no service area called nowhere"),
        (["scorecard", "--as-of", "1999-01-01"], "nothing was published by"),
        (["measure", "no_such_measure"], "no measure"),
        (["scorecard", "--format", "docx"], "--format docx"),
        (["scorecard", "--round-to", "5"], "only with --publication"),
        (["board-pack", "-o", str(tmp_path / "missing" / "x.pptx")], "does not exist"),
    ):
        code = export_main([*argv[:1], "--db", db, *argv[1:]])
        err = capsys.readouterr().err
        assert code == 2 and message in err and "Traceback" not in err, (argv, err)


def test_mtm_export_through_the_main_command_line(settings: Settings, tmp_path: Path) -> None:
    """Active once loaders/cli.py lists ``export`` (the lead wires it in)."""
    from loaders import cli

    if "export" not in cli.COMMANDS:
        pytest.skip("loaders/cli.py does not list the export command yet")
    out = io.StringIO()
    db = str(settings.db_path)
    code = cli.main(["export", "scorecard", "--db", db, "-o", str(tmp_path)], out=out)
    assert code == 0 and "Written" in out.getvalue()
    assert cli.main(["export", "scorecard", "--db", db, "--areas", "nowhere"], out=out) == 2
    assert cli.main(["export"], out=out) == 2
