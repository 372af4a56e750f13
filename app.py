"""Composition root: ``create_app(settings) -> Dash``.

``python app.py`` builds the embedded demo store on first run (when no store exists at the
configured path) and serves it on http://127.0.0.1:8050. Under gunicorn run ``gunicorn`` in the
project folder (``gunicorn.conf.py`` names ``app:create_server()``, workers, threads and
keep-alive); ``app:server`` also works and builds the app on first access rather than at import.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import dash
import flask
import plotly.io
from dash import Dash, dcc, html

from indicators.pages import _auth, _context
from indicators.pages._admin_routes import register_admin_routes
from indicators.pages._data_routes import register_data_routes
from indicators.settings import PROJECT_ROOT, Settings, load_settings
from loaders.exports.routes import register_routes as register_export_routes
from loaders.ops import OpsDB

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
{%config%}
{%scripts%}
{%renderer%}
</body>
</html>"""

#: Navigation: (label, path, roles that see it; empty = everyone signed in).
NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Scorecard", "/", ()),
    ("Plan", "/plan", ()),
    ("Board", "/board", ()),
    ("Data", "/data", ("data_team", "admin")),
    ("Administration", "/admin", ("admin",)),
    ("Accessibility", "/accessibility", ()),
)


def page_at(path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The registered page an address names, with its path variables (`/measure/<indicator_id>`
    gives `{"indicator_id": ...}`); None for no page. The not-found page is no page."""
    parts = path.strip("/").split("/")
    for page in dash.page_registry.values():
        if page["module"].rsplit(".", 1)[-1] == "not_found_404":
            continue
        pattern = (page.get("path_template") or page["path"]).strip("/").split("/")
        if len(pattern) != len(parts):
            continue
        variables: dict[str, str] = {}
        for want, got in zip(pattern, parts, strict=True):
            if want.startswith("<") and want.endswith(">") and got:
                variables[want[1:-1]] = got
            elif want != got:
                break
        else:
            return page, variables
    return None


def names_nothing(path: str, as_of: str | None) -> bool:
    """Whether an address shows only a "not found": no such page, no version `as_of` names on a
    page that reads one, or no such measure or area in that version (the page's `exists`)."""
    found = page_at(path)
    if found is None:
        return True
    page, variables = found
    exists = page.get("exists")
    if not page.get("versioned") or (exists is None and not as_of):
        return False
    try:
        snap = _context.snapshot(as_of)
    except _context.AsOfError:
        return True
    return exists is not None and not exists(snap, **variables)


def nav_items() -> list[tuple[str, str]]:
    account = _auth.current_account()
    role = account.role if account else ""
    return [(label, href) for label, href, roles in NAV if not roles or role in roles]


def _ensure_store(settings: Settings) -> Settings:
    """With no store at the configured path, build the demo there and run in demo mode."""
    if settings.db_path.exists():
        return settings
    from loaders.demo import build_demo_store

    build_demo_store(settings)
    return settings.with_overrides(demo=True)


def _is_demo_store(settings: Settings) -> bool:
    from indicators.store import Store

    snap = Store.from_settings(settings).snapshot()
    users = snap.query("loads")["user_name"]
    return bool(len(users)) and bool((users == "demo-loader").all())


class RefusedToStart(RuntimeError):
    """The configuration is unsafe to serve (e.g. demo accounts against a real store)."""


def _account_bar() -> list[Any]:
    account = _auth.current_account()
    if account is None:
        return []
    return [
        html.Div(
            className="mtm-account",
            children=[
                html.Span(
                    [f"Signed in as {account.display_name} ", html.Span(f"({account.role_label})")]
                ),
                html.Form(
                    method="POST",
                    action="/logout",
                    className="mtm-inline-form",
                    children=[
                        dcc.Input(
                            type="hidden",
                            name="csrf_token",
                            value=_auth.csrf_token(),
                            id="logout-csrf",
                        ),
                        html.Button("Sign out", type="submit", className="mtm-link-button"),
                    ],
                ),
            ],
        )
    ]


def shell(settings: Settings, demo: bool) -> html.Div:
    banner = []
    if demo:
        banner = [
            html.Section(
                className="mtm-demo-banner",
                **{"aria-label": "Demo data"},
                children=[
                    html.Strong("Demo data. "),
                    "Measures, baselines, targets, quoted comparators, the July 2020 figures and "
                    "the plan's actions are from Southampton's published Improvement Plan "
                    "2020-21; published benchmarks are DfE LAIT (Open Government Licence); "
                    "Stockton's 2013 action plan updates and Wiltshire's milestones are real "
                    "examples. Every other monthly figure, Southampton's action statuses and "
                    "updates, Wiltshire's judgements and all commentary are simulated.",
                ],
            )
        ]
    return html.Div(
        [
            html.A("Skip to main content", href="#main-content", className="govuk-skip-link"),
            html.Header(
                className="mtm-header",
                children=[
                    html.Div(
                        className="mtm-width",
                        children=[
                            html.A(
                                settings.council_name, href="/", className="mtm-header__council"
                            ),
                            html.Span(settings.plan_name, className="mtm-header__plan"),
                            *_account_bar(),
                        ],
                    ),
                ],
            ),
            html.Nav(
                className="mtm-nav",
                **{"aria-label": "Main"},
                children=html.Ul(
                    className="mtm-width mtm-nav__list",
                    children=[
                        html.Li(dcc.Link(label, href=href, className="mtm-nav__link"))
                        for label, href in nav_items()
                    ],
                ),
            ),
            *banner,
            html.Main(
                id="main-content",
                className="mtm-width mtm-main",
                tabIndex="-1",
                children=dash.page_container,
            ),
            html.Footer(
                className="mtm-footer",
                children=html.Div(
                    className="mtm-width",
                    children=[
                        html.P(
                            [
                                "Published benchmarks: Department for Education, "
                                "Local Authority Interactive "
                                "Tool, Open Government Licence v3.0. ",
                                dcc.Link("Accessibility statement", href="/accessibility"),
                            ]
                        ),
                    ],
                ),
            ),
        ]
    )


def create_app(settings: Settings | None = None) -> Dash:
    settings = _ensure_store(settings or load_settings())
    demo = _is_demo_store(settings)
    ops_db = OpsDB(settings.path("ops_db"))
    if demo:
        _auth.ensure_demo_accounts(ops_db)
    elif ops_db.has_demo_accounts():
        raise RefusedToStart(
            f"refusing to start: {settings.path('ops_db')} has demo accounts but "
            f"{settings.db_path} is not the demo store; remove the demo accounts "
            "(mtm user disable demo-...) or use a new ops database"
        )
    _context.configure(settings)
    # orjson is installed to decode stored records, and plotly would then pick it to encode Dash
    # responses too; but a component tree is not orjson-serialisable, so plotly falls back to a
    # recursive clean first, measured ~1 ms slower per page than the standard library encoder.
    plotly.io.json.config.default_engine = "json"
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PROJECT_ROOT / "indicators" / "pages"),
        assets_folder=str(PROJECT_ROOT / "assets"),
        title=f"{settings.council_name}: measures that matter",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )
    app.index_string = INDEX_TEMPLATE
    app.layout = functools.partial(shell, settings, demo)  # per request: who is signed in
    server: flask.Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    _auth.init_auth(app, settings, ops_db, demo=demo)
    register_admin_routes(server)
    register_data_routes(server)
    register_export_routes(server, settings)

    @server.after_request
    def stamp_version(response: flask.Response) -> flask.Response:
        version = flask.g.get("data_version")
        if version is not None:
            response.headers["X-MTM-Data-Version"] = str(version)
        return response

    prefix = app.config.routes_pathname_prefix
    page_shell = {prefix, prefix + "<path:path>"}  # Dash's index and its catch-all

    @server.after_request
    def status_of_unknown_pages(response: flask.Response) -> flask.Response:
        # Dash answers every address with its page shell (status 200) and picks the page in the
        # browser; a mistyped or stale link should be a 404 for bookmarks, crawlers and logs.
        request = flask.request
        if (
            request.endpoint in page_shell
            and response.status_code == 200
            and names_nothing(request.path, request.args.get("as_of"))
        ):
            response.status_code = 404
        return response

    return app


def create_server() -> flask.Flask:
    """For gunicorn: ``gunicorn 'app:create_server()'``."""
    return create_app().server


_DEFAULT: dict[str, Dash] = {}


def __getattr__(name: str) -> Any:
    # `gunicorn app:server` reads this attribute; build the app then, not at import.
    if name == "server":
        if "app" not in _DEFAULT:
            _DEFAULT["app"] = create_app()
        return _DEFAULT["app"].server
    raise AttributeError(name)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8050
    # `python app.py` serves plain http on this machine only: development cookies, no debugger.
    environment = os.environ.get("MTM_ENVIRONMENT", "development")
    create_app(load_settings(environment=environment)).run(host="127.0.0.1", port=port, debug=False)
