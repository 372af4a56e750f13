"""The board pack as PowerPoint (python-pptx): title, scorecard summary, one slide per measure.

16:9. Without a template the default python-pptx layouts are widened from 4:3 in code, so the
titles span the slide; with ``config/board_template.pptx`` (setting ``board_template``) the
council's own layouts, fonts and colours are used ("Title Slide" and "Title Only" by name, else
the nearest), and content is placed below whatever title area the template has.

Every table is a native table (a screen reader and a copy-paste both get the text), every chart
a PNG whose alt text (``descr``) is the chart's text alternative, and every slide says where its
figures came from: the data version and the board date are on the title slide and in every
slide's footer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide, SlideLayout
from pptx.util import Emu, Inches, Pt

from loaders.exports import content
from loaders.exports.data import Board

SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)  # 13.333 x 7.5 in: PowerPoint's 16:9
MARGIN = Inches(0.4)
BLACK = RGBColor(0x0B, 0x0C, 0x0C)
DARK_GREY = RGBColor(0x50, 0x5A, 0x5F)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
LIGHT_GREY = RGBColor(0xF3, 0xF2, 0xF1)
BLUE = RGBColor(0x1D, 0x70, 0xB8)
#: Tints behind RAG words (the words carry the meaning; the tint only helps scanning).
RAG_FILL = {
    "red": RGBColor(0xF4, 0xCD, 0xC6),
    "amber": RGBColor(0xFC, 0xD6, 0xC3),
    "green": RGBColor(0xCC, 0xE2, 0xD8),
    "grey": RGBColor(0xE5, 0xE6, 0xE7),
}
SUMMARY_ROWS_PER_SLIDE = 8
#: Chart image aspect (charts.WIDTH x charts.HEIGHT).
CHART_ASPECT = 680 / 1100

# --------------------------------------------------------------------------------------------------
# Presentation and layouts
# --------------------------------------------------------------------------------------------------


def _widen_default(prs: PresentationType) -> None:
    """python-pptx's default template is 4:3: make it 16:9 and stretch its placeholders."""
    ratio = SLIDE_W / prs.slide_width
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    shapes = list(prs.slide_master.shapes)
    for layout in prs.slide_layouts:
        shapes += [s for s in layout.placeholders if s._element.spPr.xfrm is not None]
    for shape in shapes:
        if shape.left is not None and shape.width is not None:
            shape.left, shape.width = Emu(int(shape.left * ratio)), Emu(int(shape.width * ratio))


def presentation(template: Path | None) -> PresentationType:
    if template is not None and template.exists():
        prs = Presentation(str(template))
        _drop_slides(prs)
        return prs
    prs = Presentation()
    _widen_default(prs)
    _theme_font(prs, "Arial")
    return prs


def _theme_font(prs: PresentationType, typeface: str) -> None:
    """The default theme's Calibri becomes the GOV.UK fallback face (Arial), as on the web."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'typeface="Calibri"', f'typeface="{typeface}"'.encode())


def _drop_slides(prs: PresentationType) -> None:
    """A template may hold example slides: the pack starts from its layouts only."""
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)


def _layout(prs: PresentationType, names: Sequence[str], *, title_slide: bool) -> SlideLayout:
    wanted = [n.casefold() for n in names]
    for name in wanted:
        for layout in prs.slide_layouts:
            if layout.name.casefold() == name:
                return layout
    with_title = [
        layout
        for layout in prs.slide_layouts
        if any(p.placeholder_format.type in (1, 3) for p in layout.placeholders)
    ]
    if title_slide or not with_title:
        return prs.slide_layouts[0]
    return min(with_title, key=lambda layout: len(layout.placeholders))


# --------------------------------------------------------------------------------------------------
# Small builders
# --------------------------------------------------------------------------------------------------


def _style(run: Any, size: float, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    """Size always; weight and colour only when they differ from the default (black, regular),
    since each property is more XML for python-pptx to build (a pack has thousands of runs).
    The typeface is left to the theme, so a council's template keeps its own font."""
    font = run.font
    font.size = Pt(size)
    if bold:
        font.bold = True
    if colour is not None and colour != BLACK:
        font.color.rgb = colour


def _text_box(
    slide: Slide,
    box: tuple[int, int, int, int],
    paragraphs: Sequence[tuple[str, float, bool, RGBColor]],
    *,
    name: str,
) -> Any:
    """A text box of paragraphs (text, size, bold, colour), wrapping, anchored at the top."""
    shape = slide.shapes.add_textbox(*box)
    shape.name = name
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = Inches(0.05)
    for index, (text, size, bold, colour) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(3)
        run = paragraph.add_run()
        run.text = text
        _style(run, size, bold=bold, colour=colour)
    return shape


def _set_title(slide: Slide, text: str, size: float, *, place: bool) -> Any:
    title = slide.shapes.title
    if title is None:  # a template layout without a title: a text box stands in
        return _text_box(
            slide,
            (MARGIN, Inches(0.25), SLIDE_W - 2 * MARGIN, Inches(0.9)),
            [(text, size, True, BLACK)],
            name="Title",
        )
    if place:
        title.left, title.top = MARGIN, Inches(0.2)
        title.width, title.height = SLIDE_W - 2 * MARGIN, Inches(0.8)
    frame = title.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            _style(run, size, bold=True)
    return title


def _fill(cell: Any, colour: RGBColor) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = colour


def _cell(
    cell: Any, text: str, size: float, *, bold: bool = False, colour: RGBColor = BLACK
) -> None:
    """A table cell's text; a second line (after a newline) is a smaller note."""
    frame = cell.text_frame
    first, _, rest = text.partition("\n")
    paragraph = frame.paragraphs[0]
    run = paragraph.add_run()
    run.text = first
    _style(run, size, bold=bold, colour=colour)
    if rest:
        run = frame.add_paragraph().add_run()
        run.text = rest
        _style(run, size - 1.5, colour=DARK_GREY)


#: "No Style, Table Grid": thin black rules, no fills; plain and high-contrast, and the same in
#: any template (python-pptx otherwise gives every table a blue "Medium Style 2").
TABLE_GRID_STYLE = "{5940675A-B579-460E-94D1-54222C63F5DA}"


def _table(
    slide: Slide,
    box: tuple[int, int, int, int],
    header: Sequence[str] | None,
    body: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    size: float,
    name: str,
    fills: Sequence[dict[int, RGBColor]] | None = None,
) -> Any:
    """A native table: black header row with white text, wrapped text, RAG tints."""
    rows = len(body) + (1 if header else 0)
    left, top, width, height = box
    shape = slide.shapes.add_table(rows, len(widths), left, top, width, height)
    shape.name = name
    tbl = shape._element.graphic.graphicData.tbl
    tbl.tblPr.find(qn("a:tableStyleId")).text = TABLE_GRID_STYLE
    table = shape.table
    table.first_row = bool(header)
    table.horz_banding = False
    for index, share in enumerate(widths):
        table.columns[index].width = Emu(int(width * share / sum(widths)))
    offset = 0
    if header:
        for col, text in enumerate(header):
            cell = table.cell(0, col)
            _cell(cell, text, size, bold=True, colour=WHITE)
            _fill(cell, BLACK)
        offset = 1
    for r, values in enumerate(body):
        tints = fills[r] if fills else {}
        for col, text in enumerate(values):
            cell = table.cell(r + offset, col)
            _cell(cell, text, size, bold=(col == 0))
            if col in tints:
                _fill(cell, tints[col])
    return shape


def _table_height(rows: Sequence[tuple[str, str]], width: int) -> int:
    """Roughly how tall a two-column 9.5 pt table renders: the slide places what follows it.
    (A presentation cannot measure text; about 0.075 in a character and 0.16 in a line.)"""
    label_chars = max(1, int(width * 0.36 / Inches(0.075)))
    value_chars = max(1, int(width * 0.64 / Inches(0.075)))
    lines = sum(
        max(math.ceil(len(label) / label_chars), math.ceil(len(value) / value_chars), 1)
        for label, value in rows
    )
    return Inches(0.16) * lines + Inches(0.1) * len(rows)


def _footer(slide: Slide, board: Board, page: str) -> None:
    ctx = board.context
    words = (
        f"{ctx.council} · board date {ctx.as_of_text} · data version {ctx.version_text}"
        + (" · for publication (small counts shown as c)" if ctx.publication_note else "")
        + f" · {page}"
    )
    _text_box(
        slide,
        (MARGIN, SLIDE_H - Inches(0.4), SLIDE_W - 2 * MARGIN, Inches(0.3)),
        [(words, 9, False, DARK_GREY)],
        name="Footer",
    )


def _content_top(slide: Slide) -> int:
    title = slide.shapes.title
    if title is None or title.top is None or title.height is None:
        return Inches(1.2)
    return max(Inches(1.0), title.top + title.height)


# --------------------------------------------------------------------------------------------------
# Slides
# --------------------------------------------------------------------------------------------------


def title_slide(prs: PresentationType, board: Board, *, custom: bool) -> None:
    ctx = board.context
    slide = prs.slides.add_slide(_layout(prs, ["Title Slide"], title_slide=True))
    title = _set_title(slide, f"{ctx.council}: improvement board pack", 36, place=False)
    if not custom and title is not None:
        title.left, title.top = MARGIN, Inches(0.8)
        title.width, title.height = SLIDE_W - 2 * MARGIN, Inches(1.2)
    facts = [
        (ctx.plan, 20, True, BLACK),
        (f"Board date: {ctx.as_of_text}", 20, False, BLACK),
        (f"Data version: {ctx.version_text}", 16, False, BLACK),
        (f"Service areas: {ctx.areas_text}; {len(board.rows)} measures", 16, False, BLACK),
    ]
    subtitle = next(
        (p for p in slide.placeholders if p.placeholder_format.type == 4),  # SUBTITLE
        None,
    )
    notes = [
        (
            "Figures are provisional until validated: each latest value says which. Local "
            "measures are the council's own; published measures are compared with DfE's "
            "published figures (LAIT, Open Government Licence v3.0), each with its period.",
            12,
            False,
            DARK_GREY,
        )
    ]
    if ctx.publication_note:
        notes.append((ctx.publication_note, 11, False, BLACK))
    if subtitle is not None:
        frame = subtitle.text_frame
        frame.word_wrap = True
        frame.text = ""
        for index, (text, size, bold, colour) in enumerate(facts):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.alignment = PP_ALIGN.LEFT
            run = paragraph.add_run()
            run.text = text
            _style(run, size, bold=bold)
            # The default subtitle style is mid grey: too faint for the facts the pack rests on.
            run.font.color.rgb = colour
        if not custom:
            subtitle.left, subtitle.top = MARGIN, Inches(2.2)
            subtitle.width, subtitle.height = SLIDE_W - 2 * MARGIN, Inches(2.0)
    else:
        _text_box(
            slide,
            (MARGIN, Inches(2.2), SLIDE_W - 2 * MARGIN, Inches(2.0)),
            facts,
            name="Board details",
        )
    _text_box(
        slide,
        (MARGIN, Inches(4.5), SLIDE_W - 2 * MARGIN, Inches(2.4)),
        notes,
        name="About these figures",
    )
    _footer(slide, board, "title")


def summary_slides(prs: PresentationType, board: Board, *, custom: bool) -> None:
    records = [content.summary_record(r) for r in board.rows]
    pages = max(1, math.ceil(len(records) / SUMMARY_ROWS_PER_SLIDE))
    layout = _layout(prs, ["Title Only", "Title and Content"], title_slide=False)
    headers = [h for _, h, _ in content.SUMMARY_COLUMNS]
    widths = [w for _, _, w in content.SUMMARY_COLUMNS]
    rag_col = [k for k, _, _ in content.SUMMARY_COLUMNS].index("rag")
    for page in range(pages):
        chunk = records[page * SUMMARY_ROWS_PER_SLIDE : (page + 1) * SUMMARY_ROWS_PER_SLIDE]
        slide = prs.slides.add_slide(layout)
        suffix = f" ({page + 1} of {pages})" if pages > 1 else ""
        _set_title(slide, f"Scorecard summary{suffix}", 26, place=not custom)
        top = _content_top(slide) + Inches(0.1)
        body = [
            [
                f"{rec['measure']}\n{rec['area']}" if key == "measure" else rec[key]
                for key, _, _ in content.SUMMARY_COLUMNS
            ]
            for rec in chunk
        ]
        fills = [{rag_col: RAG_FILL.get(rec["rag_code"], WHITE)} for rec in chunk]
        height = Inches(0.4) + Inches(0.55) * len(chunk)
        _table(
            slide,
            (MARGIN, top, SLIDE_W - 2 * MARGIN, height),
            headers,
            body,
            widths,
            size=10,
            name="Scorecard summary table",
            fills=fills,
        )
        _footer(slide, board, f"summary {page + 1} of {pages}")


def measure_slide(
    prs: PresentationType,
    board: Board,
    row: dict[str, Any],
    picture: Path,
    position: tuple[int, int],
    *,
    custom: bool,
) -> None:
    layout = _layout(prs, ["Title Only", "Title and Content"], title_slide=False)
    slide = prs.slides.add_slide(layout)
    name = content.measure_name(row)
    _set_title(slide, name, 24 if len(name) < 80 else 20, place=not custom)
    top = _content_top(slide)
    reasons = content.exception_reasons(row)
    meta = (
        row["service_area"]
        + (" · Exception: " + "; ".join(reasons) if reasons else "")
        + f" · measure {position[0]} of {position[1]}"
    )
    _text_box(
        slide,
        (MARGIN, top, SLIDE_W - 2 * MARGIN, Inches(0.3)),
        [(meta, 13, False, DARK_GREY)],
        name="Service area and position",
    )
    top += Inches(0.34)
    chart_w = Inches(7.6)
    chart_h = Emu(int(chart_w * CHART_ASPECT))
    pic = slide.shapes.add_picture(str(picture), MARGIN, top, width=chart_w, height=chart_h)
    alt = content.alt_text(row)
    pic.name = f"Chart: {name}"[:250]
    # python-pptx has no public alt-text property: descr on cNvPr is what PowerPoint's
    # "Alt Text" pane and screen readers read.
    pic._element.nvPicPr.cNvPr.set("descr", alt)

    figures = content.key_figures(row)
    table_left = MARGIN + chart_w + Inches(0.2)
    table_w = SLIDE_W - MARGIN - table_left
    _table(
        slide,
        (table_left, top, table_w, Inches(0.27) * len(figures)),
        None,
        [[label, value] for label, value in figures],
        [0.36, 0.64],
        size=9.5,
        name="Key figures",
        fills=[
            {1: RAG_FILL[row["rag"]]} if label == "Against target" else {} for label, _ in figures
        ],
    )
    bottom = SLIDE_H - Inches(0.45)

    # Linked actions (the plan's hook) under the key figures; the commentary under the chart.
    actions = board.actions(row)
    if actions:
        table_bottom = top + _table_height(figures, table_w)
        lines = [content.action_text(a) for a in actions]
        _text_box(
            slide,
            (
                table_left,
                table_bottom + Inches(0.15),
                table_w,
                bottom - table_bottom - Inches(0.15),
            ),
            [("Linked actions", 11, True, BLACK)] + [(line, 9.5, False, BLACK) for line in lines],
            name="Linked actions",
        )
    note = content.why_answer(row)
    text_top = top + chart_h + Inches(0.08)
    length = len(note.headline) + sum(len(d) for d in note.details)
    size = 12 if length < 200 else 11 if length < 330 else 9.5
    _text_box(
        slide,
        (MARGIN, text_top, chart_w, bottom - text_top),
        [("Why, and what are we doing?", size, True, BLACK), (note.headline, size, False, BLACK)]
        + [(d, size - 1, False, DARK_GREY) for d in note.details],
        name="Commentary",
    )
    notes = slide.notes_slide.notes_text_frame
    notes.text = "\n".join(
        [alt]
        + [f"{a.question}: {a.headline}. " + " ".join(a.details) for a in content.answers(row)]
    )
    _footer(slide, board, f"slide {len(prs.slides)}")


def write_pptx(
    board: Board,
    chart_png: Callable[[dict[str, Any]], Path],
    out: BinaryIO | Path,
    *,
    template: Path | None = None,
) -> int:
    """Write the pack; ``chart_png(row)`` gives each measure's chart image. Returns slides."""
    custom = template is not None and template.exists()
    prs = presentation(template)
    title_slide(prs, board, custom=custom)
    summary_slides(prs, board, custom=custom)
    total = len(board.rows)
    for index, row in enumerate(board.rows, start=1):
        measure_slide(prs, board, row, chart_png(row), (index, total), custom=custom)
    prs.core_properties.title = f"{board.context.council}: improvement board pack"
    prs.core_properties.subject = (
        f"Board date {board.context.as_of_text}; data version {board.context.version_text}"
    )
    prs.save(out if not isinstance(out, Path) else str(out))
    return len(prs.slides)
