"""The board pack, and the scorecard on its own, as PDF: HTML generated here, laid out by
weasyprint (A4 landscape).

The same content as the PowerPoint: a cover naming the council, plan, board date and data
version; the scorecard summary (a table whose header repeats on each page); one page per
measure with the chart image (its alt text on the ``<img>`` and, in words, under it), the key
figures, the four answers and the commentary. ``img { max-height }`` keeps a chart on its page
(FINDINGS: without it each chart spilled onto a second page). The PDF is tagged, so the alt
text reaches a screen reader.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from loaders.exports import content
from loaders.exports.data import Board

CSS = """
@page {
  size: A4 landscape;
  margin: 11mm 12mm 14mm 12mm;
  @bottom-left { content: %(footer)s; font-size: 8pt; color: #505a5f; }
  @bottom-right { font-size: 8pt; color: #505a5f; }
}
html { font-family: Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: #0b0c0c;
       font-size: 10pt; line-height: 1.3; }
h1 { font-size: 26pt; margin: 14mm 0 6mm; }
h2 { font-size: 17pt; margin: 0 0 2mm; line-height: 1.15; }
.cover table { font-size: 11pt; }
.cover th { width: 50mm; }
.meta { color: #505a5f; font-size: 10pt; margin: 0 0 2mm; }
.measure, .summary { break-before: page; }
/* Absolute positions and fixed table layouts: weasyprint lays each box out once (a flex row
   around a table was laid out several times: about three times slower for a 40-page pack). */
.body { position: relative; height: 108mm; }
figure { margin: 0; position: absolute; left: 0; top: 0; width: 168mm; }
img { width: 168mm; max-height: 105mm; object-fit: contain; display: block; }
.side { position: absolute; left: 173mm; top: 0; right: 0; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 1mm 1.5mm;
         border-bottom: 0.3mm solid #b1b4b6; }
thead th { background: #0b0c0c; color: #fff; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.figures { font-size: 9pt; }
.figures th { width: 33%; }
.summary td, .summary th { font-size: 8.5pt; }
.area { display: block; color: #505a5f; font-size: 7.5pt; font-weight: normal; }
.rag-red { background: #f4cdc6; } .rag-amber { background: #fcd6c3; }
.rag-green { background: #cce2d8; } .rag-grey { background: #e5e6e7; }
.why { border-left: 1.5mm solid #1d70b8; padding-left: 3mm; }
.why h3, .actions h3 { font-size: 11pt; margin: 0 0 1mm; }
.actions { margin-top: 2mm; }
.actions p { margin: 0 0 .8mm; }
.why p { margin: 0 0 1mm; }
.small { color: #505a5f; font-size: 8.5pt; }
caption { text-align: left; font-weight: bold; padding-bottom: 1mm; }
"""


def css_string(text: str) -> str:
    """A quoted CSS string: anything but letters, digits and plain punctuation as a hex escape,
    so no quote, backslash or ``</style>`` in a council or area name can break out."""
    safe = set(" .,;:()'/") | {"\u00b7"}
    return '"' + "".join(c if c.isalnum() or c in safe else f"\\{ord(c):x} " for c in text) + '"'


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def cover(board: Board) -> str:
    ctx = board.context
    facts = "".join(
        f'<tr><th scope="row">{_e(label)}</th><td>{_e(value)}</td></tr>'
        for label, value in ctx.about(f"{ctx.council}: improvement board pack")
        if label != "Title"
    )
    return (
        f'<section class="cover"><h1>{_e(ctx.council)}: improvement board pack</h1>'
        f'<table><tbody>{facts}<tr><th scope="row">Measures</th><td>{len(board.rows)}</td>'
        "</tr></tbody></table></section>"
    )


def summary(board: Board) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for _, h, _ in content.SUMMARY_COLUMNS)
    cols = "".join(f'<col style="width:{w * 100:.1f}%">' for _, _, w in content.SUMMARY_COLUMNS)
    body = []
    for row in board.rows:
        rec = content.summary_record(row)
        cells = []
        for key, _, _ in content.SUMMARY_COLUMNS:
            if key == "measure":
                cells.append(
                    f'<th scope="row">{_e(rec["measure"])}'
                    f'<span class="area">{_e(rec["area"])}</span></th>'
                )
            elif key == "rag":
                cells.append(f'<td class="rag-{_e(rec["rag_code"])}">{_e(rec["rag"])}</td>')
            else:
                cells.append(f"<td>{_e(rec[key])}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<section class="summary"><h2>Scorecard summary</h2>'
        '<p class="meta">Exceptions first (off target, special cause concern, consistently '
        "failing the target), then by service area.</p>"
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></section>"
    )


def measure(board: Board, row: dict[str, Any], picture: str, position: tuple[int, int]) -> str:
    name = content.measure_name(row)
    reasons = content.exception_reasons(row)
    meta = row["service_area"] + (" · Exception: " + "; ".join(reasons) if reasons else "")
    meta += f" · measure {position[0]} of {position[1]}"
    alt = content.alt_text(row)
    figures = "".join(
        f'<tr><th scope="row">{_e(label)}</th>'
        f"<td{' class=rag-' + _e(row['rag']) if label == 'Against target' else ''}>"
        f"{_e(value)}</td></tr>"
        for label, value in content.key_figures(row)
    )
    why = content.why_answer(row)
    details = "".join(f'<p class="small">{_e(d)}</p>' for d in why.details)
    actions = [content.action_text(a) for a in board.actions(row)]
    linked = (
        '<div class="actions"><h3>Linked actions</h3>'
        + "".join(f'<p class="small">{_e(a)}</p>' for a in actions)
        + "</div>"
        if actions
        else ""
    )
    return (
        f'<section class="measure"><p class="meta">{_e(meta)}</p><h2>{_e(name)}</h2>'
        f'<div class="body"><figure><img src="{_e(picture)}" alt="{_e(alt)}">'
        "</figure>"
        f'<div class="side"><table class="figures"><caption class="small">Key figures'
        f"</caption><tbody>{figures}</tbody></table></div></div>"
        f'<div class="why"><h3>{_e(why.question)}</h3><p>{_e(why.headline)}</p>{details}'
        f"{linked}</div>"
        "</section>"
    )


SUMMARY_ROWS_PER_PAGE = 10
#: Chart images are named ``mtm-chart:<n>`` in the HTML and fetched only through this scheme.
SCHEME = "mtm-chart:"


def _page(body: str, title: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title></head><body>{body}</body></html>"
    )


def _footer(board: Board) -> str:
    ctx = board.context
    return f"{ctx.council} · board date {ctx.as_of_text} · data version {ctx.version_text}" + (
        " · for publication (small counts shown as c)" if ctx.publication_note else ""
    )


def document(board: Board) -> str:
    """The whole pack as one HTML document (for reading and testing; ``write_pdf`` lays the
    same parts out piece by piece)."""
    total = len(board.rows)
    pages = [
        measure(board, row, f"{SCHEME}{index}", (index, total))
        for index, row in enumerate(board.rows, start=1)
    ]
    style = f"<style>{CSS.replace('%(footer)s', css_string(_footer(board)))}</style>"
    return _page(style + cover(board) + summary(board) + "".join(pages), _title(board))


def _title(board: Board) -> str:
    return f"{board.context.council}: improvement board pack, {board.context.as_of_text}"


def write_pdf(
    board: Board, chart_image: Callable[[dict[str, Any]], Path], out: BinaryIO | Path
) -> None:
    """Lay the pack out and write it; ``chart_image(row)`` may block until that chart is drawn.

    The cover and summary are laid out first, then each measure's page as its chart lands
    (while the browser draws the next), and the pages are joined into one tagged PDF at the
    end; laid out as a single document, every page would wait for the last chart. Page
    numbers are set per part ("Page 7 of 45"). Nothing but the charts is fetched.
    """
    from weasyprint import CSS as Stylesheet
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    rows = board.rows

    class ChartFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if not url.startswith(SCHEME):
                raise ValueError("the board pack fetches nothing but its own chart images")
            path = chart_image(rows[int(url[len(SCHEME) :]) - 1])
            kind = "image/jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "image/png"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    fonts = FontConfiguration()
    fetcher = ChartFetcher(fail_on_errors=True)
    style = Stylesheet(
        string=CSS.replace("%(footer)s", css_string(_footer(board))), font_config=fonts
    )
    title = _title(board)

    def lay_out(body: str, first_page: int, total: int) -> Any:
        numbers = Stylesheet(
            string=f'@page {{ @bottom-right {{ content: "Page " counter(page) " of {total}" }} }}'
            f"@page :first {{ counter-reset: page {first_page} }}",
            font_config=fonts,
        )
        return HTML(string=_page(body, title), url_fetcher=fetcher).render(
            stylesheets=[style, numbers], font_config=fonts
        )

    front_body = cover(board) + summary(board)
    measures = [
        measure(board, row, f"{SCHEME}{index}", (index, len(rows)))
        for index, row in enumerate(rows, start=1)
    ]
    try:
        # The cover and about ten summary rows a page: a guess, checked (and redone if wrong).
        guess = 1 + math.ceil(len(rows) / SUMMARY_ROWS_PER_PAGE) + len(measures)
        front = lay_out(front_body, 1, guess)
        front_pages = len(front.pages)
        total = front_pages + len(measures)  # one page a measure, as the CSS intends
        for _ in range(2):  # a second pass only if some measure ran onto a second page
            if total != guess:
                front, guess = lay_out(front_body, 1, total), total
            parts, page = [], front_pages + 1
            for body in measures:
                parts.append(lay_out(body, page, total))
                page += len(parts[-1].pages)
            if page - 1 == total:
                break
            total = page - 1
    except FatalURLFetchingError as exc:
        # The renderer's own error (e.g. no browser) says what to do; weasyprint's does not.
        cause = exc.__cause__
        raise (cause if isinstance(cause, Exception) else exc) from None
    pages = [p for part in (front, *parts) for p in part.pages]
    front.copy(pages).write_pdf(str(out) if isinstance(out, Path) else out, pdf_tags=True)


#: The scorecard on its own starts with its title, not on a page of its own; every page numbered.
SCORECARD_CSS = """
.summary { break-before: auto; }
@page { @bottom-right { content: "Page " counter(page) " of " counter(pages); } }
"""


def scorecard_document(board: Board) -> str:
    """The scorecard to print: its title and the version it shows, then the summary table
    (the board pack's, whose header repeats on each page and whose rows never split)."""
    ctx = board.context
    title = f"{ctx.council}: scorecard"
    facts = " · ".join(
        f"{label}: {value}" for label, value in ctx.about(title) if label not in ("Title", "")
    )
    style = CSS.replace("%(footer)s", css_string(_footer(board))) + SCORECARD_CSS
    return _page(
        f'<style>{style}</style><h1>{_e(title)}</h1><p class="meta">{_e(facts)}</p>'
        + summary(board),
        f"{title}, {ctx.as_of_text}",
    )


def write_scorecard_pdf(board: Board, out: BinaryIO | Path) -> None:
    """Lay the scorecard out as a tagged PDF; it fetches nothing (no images)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            raise ValueError("the scorecard PDF fetches nothing")

    HTML(string=scorecard_document(board), url_fetcher=NoFetching(fail_on_errors=True)).write_pdf(
        str(out) if isinstance(out, Path) else out, pdf_tags=True
    )
