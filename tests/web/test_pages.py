"""Web layer: every page renders for every demo measure and area, through layouts and routes."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from indicators.pages import _components as ui
from indicators.pages import _context
from indicators.settings import Settings
from tests.web.tree import ids_in, text_in, walk


def _rows(app: Any) -> list[dict[str, Any]]:
    return _context.scorecard_rows(_context.snapshot())


def test_scorecard_lists_every_demo_measure(app: Any) -> None:
    from indicators.pages import scorecard

    page = scorecard.layout()
    grid = next(c for c in walk(page) if getattr(c, "id", None) == "scorecard-grid")
    assert len(grid.rowData) == 47
    assert "Scorecard" in text_in(page)
    assert len(ids_in(page)) == len(set(ids_in(page)))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"rag": "red"}, lambda r: r["rag"] == "red"),
        ({"area": "early-help"}, lambda r: r["service_area"] == "Early Help"),
        ({"q": "agency"}, lambda r: "agency" in r["name"].lower()),
        ({"changing": "concern"}, lambda r: r["changing"] == "concern"),
        ({"compare": "local"}, lambda r: r["compare_group"] == "local"),
    ],
)
def test_scorecard_filters_come_from_the_url(
    app: Any, params: dict[str, str], expected: Any
) -> None:
    from indicators.pages import scorecard

    rows = _rows(app)
    chosen = scorecard.filter_rows(rows, **params)
    assert chosen == [r for r in rows if expected(r)]
    page = scorecard.layout(**params)
    grid = next(c for c in walk(page) if getattr(c, "id", None) == "scorecard-grid")
    assert len(grid.rowData) == len(chosen)


def test_exceptions_first_orders_by_exception_score(app: Any) -> None:
    from indicators.pages import scorecard

    chosen = scorecard.filter_rows(_rows(app), exceptions=True)
    scores = [r["exception_score"] for r in chosen]
    assert scores == sorted(scores, reverse=True)
    assert chosen[0]["rag"] == "red"


def test_summary_grid_counts_add_up_to_every_measure(app: Any) -> None:
    from indicators.pages import scorecard

    rows = _rows(app)
    table = scorecard.summary_grid(rows, {})
    links = [
        c
        for c in walk(table)
        if getattr(c, "href", None) and "changing=" in c.href and "compare=" in c.href
    ]
    assert sum(int(link.children) for link in links) == len(rows)


def test_every_measure_page_renders_with_chart_alt_text_and_table(app: Any) -> None:
    from indicators.pages import measure

    for row in _rows(app):
        page = measure.layout(indicator_id=row["indicator_id"], breakdown=row["breakdown"])
        text = text_in(page)
        assert row["name"] in text
        assert "Trend chart of" in text, row["indicator_id"]
        graph = next(c for c in walk(page) if getattr(c, "id", None) == "measure-chart")
        assert graph.figure["data"][0]["name"] == "Actual"
        assert len(ids_in(page)) == len(set(ids_in(page)))


def test_measure_page_labels_comparators_with_their_period(app: Any) -> None:
    from indicators.pages import measure

    page = measure.layout(indicator_id="lac_rate_per_10k")
    text = text_in(page)
    assert "SN mean" in text and "of 10)" in text
    assert "England" in text


def test_measure_definition_says_which_sheet_row_and_load_it_came_from(app: Any) -> None:

    from indicators.pages import measure

    text = text_in(measure.layout(indicator_id="lac_rate_per_10k"))
    assert "Indicators row " in text and ", load " in text
    # A definition written by another loader (e.g. a generated national store) has no sheet row.
    assert measure._provenance({"sheet": None, "row": None, "load": 3}) == "load 3"


def test_measure_data_grid_lists_every_month_newest_first_with_where_it_came_from(
    app: Any,
) -> None:
    import pandas as pd

    from indicators import figures
    from indicators.pages import measure

    ident = "lac_rate_per_10k"
    page = measure.layout(indicator_id=ident)
    grid = next(c for c in walk(page) if getattr(c, "id", None) == "measure-data")
    snap = _context.snapshot()
    view = _context.measure_view(snap, ident)
    assert view is not None
    row = view.row
    actuals = snap.query("actuals_for_breakdown", indicator_id=ident, breakdown=row["breakdown"])
    stored = actuals.assign(month=pd.to_datetime(actuals["period"]).dt.strftime("%Y-%m"))
    by_month = stored.set_index("month")
    records = grid.rowData
    assert [r["period"] for r in records] == sorted(by_month.index, reverse=True)
    special = {
        p["date"][:7]: p["point_type"].replace("_", " ") for p in figures.spc_points(actuals, row)
    }
    for record in records:
        source = by_month.loc[record["period"]]
        assert record["value"] == source["value"]  # raw, so the grid sorts it as a number
        assert record["value_text"] == ui.fmt(row, source["value"])
        assert record["status"] == source["status"]
        assert record["point"] == special[record["period"]]
        assert record["came_from"] == (
            f"Actuals row {int(source['source_row'])}, load {source['valid_from_load']}"
        )
        assert record["month"] == pd.Timestamp(record["period"]).strftime("%b %Y")
    value = next(c for c in grid.columnDefs if c["field"] == "value")
    assert value["filter"] == "agNumberColumnFilter"
    region = next(
        c for c in walk(page) if "mtm-data-grid" in (getattr(c, "className", None) or "").split()
    )
    caption = next(c for c in walk(region) if getattr(c, "id", None) == "measure-data-caption")
    assert getattr(region, "aria-labelledby") == caption.id
    assert "newest first" in text_in(caption)


def test_a_measure_page_reads_its_chart_as_published_and_an_earlier_release_rebuilds_it(
    app: Any,
) -> None:
    import pandas as pd

    from indicators import figures

    snap = _context.snapshot()
    ident = "lac_rate_per_10k"
    view = _context.measure_view(snap, ident)
    assert view is not None and view.row["breakdown"] == "All"
    actuals = snap.query("actuals_for_breakdown", indicator_id=ident, breakdown="All")
    assert view.points == figures.spc_points(actuals.sort_values("period"), view.row)
    targets = snap.query("targets")
    mine = targets[targets["indicator_id"] == ident].sort_values("period")
    assert view.trajectory == [
        [pd.Timestamp(p).date().isoformat(), v]
        for p, v in zip(mine["period"], mine["target_value"], strict=True)
    ]
    definitions = snap.query("indicators")
    definition = definitions[definitions["indicator_id"] == ident].iloc[0]
    assert view.defined_in == {
        "sheet": definition["source_sheet"],
        "row": definition["source_row"],
        "load": definition["valid_from_load"],
    }

    class Earlier:
        """A version published before measure pages were kept: the column holds NULL."""

        def __getattr__(self, name: str) -> Any:
            return getattr(snap, name)

        def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
            return [{**r, "measure_page": None} for r in snap.records(name, **params)]

    class WrittenByAnEarlierRelease(Earlier):
        """A store file whose scorecard table has no measure_page column at all."""

        def has_column(self, table: str, column: str) -> bool:
            return column != "measure_page" and snap.has_column(table, column)

        def records(self, name: str, **params: Any) -> list[dict[str, Any]]:
            assert name != "measure_page"
            return snap.records(name, **params)

    assert _context.measure_view(Earlier(), ident) == view  # type: ignore[arg-type]
    assert _context.measure_view(WrittenByAnEarlierRelease(), ident) == view  # type: ignore[arg-type]


def test_a_breakdown_is_charted_from_its_own_months(app: Any) -> None:
    from indicators import figures

    snap = _context.snapshot()
    view = _context.measure_view(snap, "lac_number", "10 to 15")
    assert view is not None and view.row["breakdown"] == "10 to 15"
    actuals = snap.query("actuals_for_breakdown", indicator_id="lac_number", breakdown="10 to 15")
    assert view.points == figures.spc_points(actuals.sort_values("period"), view.row)
    assert len(view.points) == len(actuals) > 0
    assert _context.measure_view(snap, "lac_number", "no such breakdown") is None


def test_a_value_with_no_workbook_row_says_only_its_load() -> None:
    import pandas as pd

    from indicators.pages import measure

    assert measure._came_from("Actuals", 14.0, 2) == "Actuals row 14, load 2"
    assert measure._came_from(None, pd.NA, 3) == "load 3"
    assert measure._came_from("Actuals", None, 3) == "load 3"


def test_scorecard_grid_records_are_stored_at_publish_as_the_rows_would_make_them(
    app: Any,
) -> None:
    import pandas as pd

    from indicators.listing import listing_record

    snap = _context.snapshot()
    full = _context.scorecard_rows(snap)
    stored = _context.listing_rows(snap)
    assert stored == [listing_record(r) for r in full]

    class Earlier:
        """A version published before listings were stored: payloads only."""

        def has_column(self, table: str, column: str) -> bool:
            return True

        def query(self, name: str) -> pd.DataFrame:
            assert name == "scorecard_listing"
            return pd.DataFrame(
                {"listing": [None], "payload": [snap.query("scorecard")["payload"].iloc[0]]}
            )

    assert _context.listing_rows(Earlier()) == stored[:1]  # type: ignore[arg-type]

    class WrittenByAnEarlierRelease(Earlier):
        """A store file whose scorecard table has no listing column at all."""

        def has_column(self, table: str, column: str) -> bool:
            return False

        def query(self, name: str) -> pd.DataFrame:
            assert name == "scorecard"
            return snap.query("scorecard").head(2)

    assert _context.listing_rows(WrittenByAnEarlierRelease()) == stored[:2]  # type: ignore[arg-type]


def test_the_filter_form_is_kept_per_version_and_filters_and_shows_the_urls_choices(
    app: Any,
) -> None:
    from dash import html

    from indicators.pages import scorecard

    def form(page: Any) -> Any:
        return next(c for c in walk(page) if isinstance(c, html.Form))

    def chosen(found: Any) -> set[str]:
        return {
            c.value for c in walk(found) if isinstance(c, html.Option) and getattr(c, "selected", 0)
        }

    red = form(scorecard.layout(rag="red", area="early-help"))
    assert chosen(red) == {"red", "early-help"}
    assert form(scorecard.layout(area="early-help", rag="red")) is red  # kept, whatever the order
    amber = form(scorecard.layout(rag="amber"))
    assert amber is not red and chosen(amber) == {"amber"}
    areas = {c.value for c in walk(amber) if isinstance(c, html.Option)} - {"", "1"}
    assert {ui.slug(r["service_area"]) for r in _rows(app)} <= areas


def test_unknown_measure_says_so(app: Any) -> None:
    from indicators.pages import measure

    assert "Measure not found" in text_in(measure.layout(indicator_id="no_such_measure"))


def test_every_area_page_renders(app: Any) -> None:
    from indicators.pages import area

    for name in sorted({r["service_area"] for r in _rows(app)}):
        page = area.layout(area=ui.slug(name))
        assert name in text_in(page)
        assert len(ids_in(page)) == len(set(ids_in(page)))


def test_as_of_an_unknown_version_is_a_message_not_an_error(app: Any) -> None:
    from indicators.pages import scorecard

    assert "There is no such version" in text_in(scorecard.layout(as_of="load:999"))
    assert "There is no such version" in text_in(scorecard.layout(as_of="not-a-date"))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/area/early-help",
        "/measure/lac_rate_per_10k",
        "/accessibility",
        "/_dash-layout",
        "/_dash-dependencies",
    ],
)
def test_routes_answer_with_html_lang_and_headers(client_as: Any, path: str) -> None:
    client = client_as("demo-viewer")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if not path.startswith("/_dash"):
        assert b'<html lang="en-GB">' in response.data


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/plan", 200),
        ("/plan/", 200),
        ("/measure/lac_rate_per_10k", 200),
        ("/area/early-help", 200),
        ("/no-such-page", 404),
        ("/measure", 404),
        ("/measure/lac_rate_per_10k/extra", 404),
        ("/plan/extra", 404),
        ("/404", 404),
        ("/not-found-404", 404),
        ("/measure/no_such_measure", 404),
        ("/measure/lac_rate_per_10k?breakdown=Nowhere", 200),  # shows the headline instead
        ("/area/nowhere", 404),
        ("/?as_of=load:999", 404),
        ("/?as_of=not-a-date", 404),
        ("/board?as_of=load:999", 404),
        ("/?as_of=load:1", 200),
        ("/plan?as_of=2100-01-01", 200),
        ("/accessibility?as_of=load:999", 200),  # a page that reads no version ignores it
    ],
)
def test_an_address_that_is_no_page_answers_404_with_the_dashboard_shell(
    client_as: Any, path: str, status: int
) -> None:
    response = client_as("demo-viewer").get(path)
    assert response.status_code == status
    # The browser still gets the shell, which shows the page's own "not found" message.
    assert b'<html lang="en-GB">' in response.data


def test_a_signed_out_visitor_to_an_unknown_address_is_sent_to_sign_in(app: Any) -> None:
    response = app.server.test_client().get("/no-such-page")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Fno-such-page")


def test_the_not_found_page_says_what_to_check_and_links_to_the_scorecard() -> None:
    from indicators.pages import not_found_404

    page = not_found_404.layout()
    assert "Page not found" in text_in(page)
    assert "check it is correct" in text_in(page)
    assert [n.href for n in walk(page) if getattr(n, "href", None)] == ["/", "/plan"]


def test_page_callback_reports_its_data_version(client_as: Any) -> None:
    client = client_as("demo-viewer")
    deps = json.loads(client.get("/_dash-dependencies").data)
    page_cb = next(d for d in deps if "_pages_content" in d["output"])
    body = {
        "output": page_cb["output"],
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1]}
            for o in page_cb["output"].strip(".").split("...")
        ]
        if page_cb["output"].startswith("..")
        else {"id": page_cb["output"].split(".")[0], "property": page_cb["output"].split(".")[1]},
        "inputs": [
            {
                "id": i["id"],
                "property": i["property"],
                "value": "/" if i["property"] == "pathname" else "",
            }
            for i in page_cb["inputs"]
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [
            {"id": s["id"], "property": s["property"], "value": None} for s in page_cb["state"]
        ],
    }
    from tests.web.conftest import ORIGIN, csrf_of

    response = client.post(
        "/_dash-update-component",
        json=body,
        headers={"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)},
    )
    assert response.status_code == 200, response.data[:500]
    assert response.headers["X-MTM-Data-Version"] == "2"


def test_settings_is_a_frozen_declared_object(app: Any) -> None:
    assert isinstance(_context.settings(), Settings)


def test_breakdowns_are_computed_on_request_without_whole_council_comparators(app: Any) -> None:
    from indicators.pages import measure

    page = measure.layout(indicator_id="lac_number", breakdown="10 to 15")
    text = text_in(page)
    assert "Total number of LAC at period end (10 to 15)" in text
    assert "No target" in text  # a count's target is for the total
    assert "No target by" not in text  # nor its target date
    assert "SN mean" not in text
    links = [c for c in walk(page) if getattr(c, "href", None) and "breakdown=" in c.href]
    assert len(links) == 5  # All and four age bands
    whole = text_in(measure.layout(indicator_id="lac_number"))
    assert "SN mean" in whole
    assert re.search(r"<= [\d,]+ by [A-Z][a-z]{2} \d{4}", whole)


def test_the_scorecard_shows_the_latest_commentary(app: Any) -> None:
    from indicators.pages import scorecard

    grid = next(c for c in walk(scorecard.layout()) if getattr(c, "id", None) == "scorecard-grid")
    notes = {r["id"].split("|")[0]: r["commentary"] for r in grid.rowData}
    assert notes["lac_rate_per_10k"].startswith("Jun 2021: Demo commentary (simulated)")
    assert notes["lac_number"] == ""


def test_dash_responses_keep_the_standard_library_encoder(app: Any) -> None:
    """orjson decodes stored records; plotly must not pick it for component trees (slower)."""
    import plotly.io

    assert plotly.io.json.config.default_engine == "json"
