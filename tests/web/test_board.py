"""Meeting mode (/board) layouts and the export download routes, through the Flask test client."""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from dash import dcc, html
from PIL import Image
from pptx import Presentation

from indicators.pages import _context
from indicators.store import close_connections
from loaders.exports import charts, content
from tests.conftest import settings_for
from tests.web.tree import ids_in, text_in, walk


@pytest.fixture(scope="module")
def app(web_store: Path) -> Iterator[Any]:
    """The app with the export routes (app.py adds them too once wired: that is harmless)."""
    from app import create_app
    from loaders.exports.routes import register_routes

    settings = settings_for(web_store, environment="development")
    dash_app = create_app(settings)
    register_routes(dash_app.server, settings)
    yield dash_app
    close_connections()


def _by_id(component: Any, ident: str) -> Any:
    return next((c for c in walk(component) if getattr(c, "id", None) == ident), None)


def _query(href: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))


@pytest.fixture(scope="module")
def ordered(app: Any) -> list[dict[str, Any]]:
    from indicators.pages import _context

    return content.board_order(_context.scorecard_rows(_context.snapshot()))


def test_first_slide_is_the_worst_exception_with_position_and_links(
    app: Any, ordered: list[dict[str, Any]]
) -> None:
    from indicators.pages import board

    page = board.layout()
    assert _by_id(page, "board-title").children == ordered[0]["name"]
    assert _by_id(page, "board-count").children == f"1 of {len(ordered)}"
    assert _by_id(page, "board-prev") is None and _by_id(page, "board-first") is None
    assert _query(_by_id(page, "board-next").href) == {"slide": "2"}
    assert _query(_by_id(page, "board-last").href) == {"slide": str(len(ordered))}
    text = text_in(page)
    for question in (
        "Against target",
        "Is it changing?",
        "Compared with others",
        "Why, and what are we doing?",
    ):
        assert question in text
    assert "Exception: off target" in text
    assert len(ids_in(page)) == len(set(ids_in(page)))


def test_every_slide_renders_in_board_order(app: Any, ordered: list[dict[str, Any]]) -> None:
    from indicators.pages import board

    exceptions_done = False
    for index, row in enumerate(ordered, start=1):
        page = board.layout(slide=str(index))
        assert _by_id(page, "board-title").children == row["name"]
        graph = _by_id(page, "board-chart")
        assert isinstance(graph, dcc.Graph) and graph.figure["data"][0]["name"] == "Actual"
        assert "height" not in graph.figure["layout"]  # it fills the slide
        alt = next(c for c in walk(page) if isinstance(c, html.Figcaption))
        assert alt.children == content.alt_text(row)
        is_exception = bool(content.exception_reasons(row))
        assert not (exceptions_done and is_exception), "exceptions come first"
        exceptions_done = exceptions_done or not is_exception


@pytest.mark.parametrize(("slide", "shown"), [("999", -1), ("0", 1), ("abc", 1), ("-3", 1)])
def test_a_slide_out_of_range_is_clamped(
    app: Any, ordered: list[dict[str, Any]], slide: str, shown: int
) -> None:
    from indicators.pages import board

    expected = len(ordered) if shown == -1 else shown
    page = board.layout(slide=slide)
    assert _by_id(page, "board-count").children == f"{expected} of {len(ordered)}"


def test_area_filter_and_state_stay_in_every_link(app: Any, ordered: list[dict[str, Any]]) -> None:
    from indicators.pages import board

    early = [r for r in ordered if r["service_area"] == "Early Help"]
    page = board.layout(slide="2", area="early-help", table="1", publication="1")
    assert _by_id(page, "board-count").children == f"2 of {len(early)}"
    assert _by_id(page, "board-title").children == early[1]["name"]
    for ident in ("board-prev", "board-first", "board-next", "board-last"):
        link = _by_id(page, ident)
        if link is not None:
            query = _query(link.href)
            assert (query["area"], query["table"], query["publication"]) == ("early-help", "1", "1")
    toggle = _query(_by_id(page, "board-table").href)
    assert "table" not in toggle and toggle["slide"] == "2"
    downloads = [c.href for c in walk(page) if isinstance(c, html.A)]
    assert any(
        h.startswith("/export/board-pack.pptx?") and "areas=early-help" in h for h in downloads
    )


def test_table_view_lists_the_chart_figures(app: Any, ordered: list[dict[str, Any]]) -> None:
    from indicators.pages import board

    page = board.layout(table="1")
    assert _by_id(page, "board-chart") is None
    table = next(c for c in walk(page) if isinstance(c, html.Table))
    assert "The figures behind the chart" in text_in(table)
    body = next(c for c in walk(table) if isinstance(c, html.Tbody))
    assert len(body.children) == ordered[0]["n_points"]
    assert _by_id(page, "board-table").children == "Chart view (t)"


def test_publication_hides_small_counts_on_the_board(
    app: Any, ordered: list[dict[str, Any]]
) -> None:
    from indicators.pages import board

    index = [r["indicator_id"] for r in ordered].index("adoption_number_per_month") + 1
    page = board.layout(slide=str(index), publication="1")
    graph = _by_id(page, "board-chart")
    actual = graph.figure["data"][0]
    assert all(y is None for y in actual["y"])
    assert all(text.endswith(": c") for text in actual["hovertext"])
    text = text_in(page)
    assert "Latest Jun 2021: c (provisional)" in text
    assert "for publication: small counts shown as c" in text


def test_view_all_stacks_every_slide_for_printing(app: Any, ordered: list[dict[str, Any]]) -> None:
    from indicators.pages import board

    page = board.layout(view="all", area="adoption")
    sections = [c for c in walk(page) if isinstance(c, html.Section)]
    assert len(sections) == len([r for r in ordered if r["service_area"] == "Adoption"])
    assert len(ids_in(page)) == len(set(ids_in(page)))
    (heading,) = [c for c in walk(page) if isinstance(c, html.H1)]
    assert heading.children == f"Every measure, one per printed page ({len(sections)})"
    assert all(isinstance(s.children[1], html.H2) for s in sections)
    questions = [c for c in walk(page) if getattr(c, "className", "") == "mtm-board__question"]
    assert questions and all(isinstance(q, html.H3) for q in questions)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"as_of": "1999-01-01"}, "nothing was published by"),
        ({"as_of": "soon"}, "use a date"),
        ({"area": "nowhere"}, "no service area called nowhere"),
    ],
)
def test_bad_parameters_are_messages_not_errors(
    app: Any, params: dict[str, str], message: str
) -> None:
    from indicators.pages import board

    assert message in text_in(board.layout(**params))


def test_the_board_page_answers_over_http(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-viewer")
    response = client.get("/board?slide=3")
    assert response.status_code == 200
    assert b'<html lang="en-GB">' in response.data


# --------------------------------------------------------------------------------------------------
# Download routes
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_kaleido(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Route tests check the HTTP side; the rendering is tested in tests/integration."""
    buffer = io.BytesIO()
    Image.new("RGBA", (22, 12), "white").save(buffer, format="PNG")
    monkeypatch.setattr(charts, "_to_png", lambda *_: buffer.getvalue())
    monkeypatch.setattr(charts, "browser_running", lambda: True)
    monkeypatch.setattr(charts, "cache_dir", lambda _settings: tmp_path / "cache")


def _filename(response: Any) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return disposition.split("filename=", 1)[1].strip('"')


def test_scorecard_downloads(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-viewer")
    response = client.get("/export/scorecard.xlsx?as_of=load:2")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["X-MTM-Data-Version"] == "2"
    assert _filename(response).endswith("-data-v2.xlsx") and "-as-of-" in _filename(response)
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["About", "Scorecard"]
    csv_response = client.get("/export/scorecard.csv?areas=early-help&publication=1")
    assert csv_response.status_code == 200
    assert "early-help" in _filename(csv_response)
    assert _filename(csv_response).endswith("-for-publication.csv")
    assert len(csv_response.data.decode("utf-8-sig").splitlines()) == 1 + 3


def test_measure_downloads(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-viewer")
    response = client.get("/export/measure/lac_rate_per_10k.csv")
    assert response.status_code == 200
    assert "measure-lac_rate_per_10k" in _filename(response)
    assert client.get("/export/measure/lac_rate_per_10k.xlsx").status_code == 200


@pytest.mark.usefixtures("fake_kaleido")
def test_board_pack_downloads(client_as: Callable[[str], Any]) -> None:
    client = client_as("demo-viewer")
    response = client.get("/export/board-pack.pptx?area=adoption&as_of=load:2")
    assert response.status_code == 200, response.data[:300]
    assert _filename(response).endswith(
        "-adoption-as-of-" + _filename(response).split("-as-of-")[1]
    )
    deck = Presentation(io.BytesIO(response.data))
    assert len(deck.slides) == 1 + 1 + 2
    pdf = client.get("/export/board-pack.pdf?areas=adoption")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/export/board-pack.docx", 400, "use .pptx or .pdf"),
        ("/export/scorecard.json", 400, "use .xlsx, .csv or .pdf"),
        ("/export/measure/nope.csv", 404, "no measure"),
        ("/export/scorecard.csv?as_of=someday", 400, "use a date"),
        ("/export/scorecard.csv?as_of=1999-01-01", 400, "nothing was published"),
        ("/export/scorecard.csv?areas=nowhere", 400, "no service area called nowhere"),
        ("/export/scorecard.csv?publication=1&round=five", 400, "whole number"),
        ("/export/measure/lac_rate_per_10k.csv?breakdown=Nowhere", 404, "no breakdown"),
    ],
)
def test_download_problems_are_short_plain_answers(
    client_as: Callable[[str], Any], path: str, status: int, words: str
) -> None:
    response = client_as("demo-viewer").get(path)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert words in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_no_browser_is_a_503(
    client_as: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(charts, "cache_dir", lambda _settings: tmp_path / "cache")
    monkeypatch.setattr(charts, "DEFAULT_CHROMIUM", str(tmp_path / "no-chromium"))
    charts.stop_browser()
    response = client_as("demo-viewer").get("/export/board-pack.pdf?areas=adoption")
    assert response.status_code == 503
    assert "apt-get install chromium" in response.get_data(as_text=True)


def test_app_py_registers_the_export_routes(web_store: Path) -> None:
    """Active once app.py calls register_routes (the lead wires it in)."""
    import app as app_module

    if "loaders.exports" not in Path(app_module.__file__).read_text(encoding="utf-8"):
        pytest.skip("app.py does not register the export routes yet")
    dash_app = app_module.create_app(settings_for(web_store, environment="development"))
    assert "export_board_pack" in dash_app.server.view_functions


def _download_links(page: Any) -> dict[str, str]:
    return {
        text_in(c): c.href
        for c in walk(page)
        if getattr(c, "href", "").startswith("/export/") and hasattr(c, "download")
    }


def test_scorecard_downloads_the_measures_its_filters_show(
    app: Any, client_as: Callable[[str], Any]
) -> None:
    from indicators.pages import scorecard

    rows = _context.listing_rows(_context.snapshot())
    shown = [r for r in rows if r["rag"] == "red" and r["service_area"] == "Early Help"]
    assert shown, "the demo has red Early Help measures"
    links = _download_links(scorecard.layout(area="early-help", rag="red"))
    assert set(links) == {"Excel", "CSV", "PDF to print"}
    assert links["CSV"].startswith("/export/scorecard.csv?")
    assert links["PDF to print"] == links["CSV"].replace(".csv?", ".pdf?")
    client = client_as("demo-viewer")
    printed = client.get(links["PDF to print"])
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF")
    response = client.get(links["CSV"])
    assert response.status_code == 200, response.data[:300]
    lines = response.data.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(shown)
    assert all(r["name"] in response.data.decode("utf-8-sig") for r in shown)
    # Unfiltered, the download is the whole scorecard of the version shown.
    whole = _download_links(scorecard.layout(as_of="load:2"))
    assert whole["Excel"] == "/export/scorecard.xlsx?as_of=load%3A2"


def test_measure_page_downloads_its_own_figures(app: Any, client_as: Callable[[str], Any]) -> None:
    from indicators.pages import measure

    links = _download_links(measure.layout(indicator_id="lac_rate_per_10k"))
    assert links == {
        "Excel": "/export/measure/lac_rate_per_10k.xlsx",
        "CSV": "/export/measure/lac_rate_per_10k.csv",
    }
    client = client_as("demo-viewer")
    text = client.get(links["CSV"]).data.decode("utf-8-sig")
    months = _context.snapshot().query(
        "actuals_for_breakdown", indicator_id="lac_rate_per_10k", breakdown="All"
    )
    assert len(text.splitlines()) == 1 + len(months)
    assert client.get(links["Excel"]).status_code == 200
