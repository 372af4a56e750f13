"""`/data`: the data team's month end: template, upload, validation report, confirmation,
publishing, load history with as-of links and rollback, and a data-quality summary.

An upload is validated, never stored, until the person confirms what it will change. The file
and its checked rows wait in a staging folder (`loaders.staging`) under a random token bound to
the uploader; the publish callback re-checks that the token is theirs, and publishes the rows
already checked unless another load landed in between (then the file is checked again). Every
callback is data-team only, decided on the server.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import dash
import flask
import pandas as pd
from dash import Input, Output, State, dcc, html

from indicators.domain import upload_too_big
from indicators.pages import _auth, _context
from indicators.pages import _components as ui
from loaders.ingest import load_workbook, validate_file
from loaders.preview import Preview, preview
from loaders.publish import LoadInProgress, PublishFailed
from loaders.staging import stage, staged

dash.register_page(__name__, path="/data", title="Data", name="Data")

WRITERS = ("data_team",)
REPORT_COLUMNS = [
    {"field": "sheet", "headerName": "Sheet", "maxWidth": 150},
    {"field": "cell", "headerName": "Cell", "maxWidth": 100},
    {"field": "column", "headerName": "Column", "maxWidth": 180},
    {"field": "value", "headerName": "Value", "maxWidth": 220},
    {"field": "message", "headerName": "Problem", "flex": 3, "wrapText": True, "autoHeight": True},
]


#: What a publish that changed nothing leaves of the page's other outputs.
UNCHANGED = (dash.no_update,) * 4


def staging_dir() -> Path:
    return _context.settings().path("uploads_dir").parent / "staging"


def _seal_key() -> bytes:
    secret = flask.current_app.secret_key
    return secret.encode() if isinstance(secret, str) else bytes(secret or b"")


def _report_grid(problems: list[dict[str, Any]]) -> html.Div:
    return html.Div(
        [
            html.Div(
                className="mtm-error-summary",
                role="alert",
                children=[
                    html.H2(
                        f"{len(problems):,} problem{'s' if len(problems) != 1 else ''}: "
                        "nothing was loaded",
                        className="govuk-heading-m",
                    ),
                    html.P(
                        "Fix each one in the workbook and upload it again. "
                        "The table can be sorted, "
                        "filtered and downloaded.",
                        className="govuk-body",
                    ),
                ],
            ),
            html.Button(
                "Download the report as CSV",
                id="report-csv",
                n_clicks=0,
                className="govuk-button mtm-button-secondary",
            ),
            ui.data_grid(
                "report-grid",
                problems,
                REPORT_COLUMNS,
                csvExportParams={"fileName": "validation-report.csv"},
            ),
        ]
    )


def _preview_panel(change: Preview, display_name: str) -> html.Div:
    months = ", ".join(f"{m} ({n:,})" for m, n in sorted(change.new_months.items())) or "none"
    rows: list[Any] = [
        html.P(
            f"{display_name} passed every check. Publishing it will make these changes:",
            className="govuk-body",
        ),
        html.Ul(
            className="govuk-list govuk-list--bullet",
            children=[
                html.Li(f"New actual values by month: {months}"),
                html.Li(
                    f"Revised values: {change.revised_total:,}; unchanged: "
                    f"{change.unchanged_actuals:,}; not supplied (blank): {change.not_supplied:,}"
                ),
                html.Li(f"New indicators: {', '.join(change.new_indicators) or 'none'}"),
                *[
                    html.Li(f"{sheet}: {n['new']:,} new, {n['changed']:,} changed")
                    for sheet, n in change.sheets.items()
                    if sheet != "Actuals" and (n["new"] or n["changed"])
                ],
            ],
        ),
    ]
    if change.revised:
        rows.append(
            ui.table(
                "Revised values (old -> new)",
                ("Indicator", "Month", "Breakdown", "Old", "New"),
                [
                    html.Tr(
                        [
                            html.Td(r["indicator_id"]),
                            html.Td(r["period"]),
                            html.Td(r["breakdown"]),
                            html.Td(str(r["old"])),
                            html.Td(str(r["new"])),
                        ]
                    )
                    for r in change.revised
                ],
            )
        )
    if change.changed_definitions:
        rows.append(
            ui.table(
                "Changed definitions and targets",
                ("Sheet", "Row", "Change"),
                [
                    html.Tr(
                        [
                            html.Td(d["sheet"]),
                            html.Td(d["key"]),
                            html.Td(
                                "; ".join(f"{c}: {o} -> {n}" for c, (o, n) in d["changes"].items())
                            ),
                        ]
                    )
                    for d in change.changed_definitions
                ],
            )
        )
    rows.append(
        html.Button(
            "Publish these changes",
            id="publish-button",
            n_clicks=0,
            className="govuk-button",
            disabled=not change.changes_anything,
        )
    )
    if not change.changes_anything:
        rows.append(
            html.P(
                "Nothing would change: every value equals the published one.",
                className="govuk-body",
            )
        )
    return html.Div(className="mtm-notice", children=rows)


@_auth.guarded_callback(
    Output("upload-result", "children"),
    Output("staged-token", "data"),
    Input("upload", "contents"),
    State("upload", "filename"),
    rule=_auth.has_role(*WRITERS),
    name="data.upload",
    description="data team only: validate an uploaded workbook and show what it would change",
    prevent_initial_call=True,
)
def on_upload(contents: str | None, filename: str | None) -> tuple[Any, str | None]:
    account = _auth.current_account()
    assert account is not None  # the guard has checked
    name = Path(filename or "upload.xlsx").name[:200]  # never used as a path
    if not contents or "," not in contents:
        return ui.error_panel("No file", "Choose a workbook to upload."), None
    try:
        raw = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return ui.error_panel("The upload was damaged", "Try uploading the file again."), None
    settings = _context.settings()
    if len(raw) > settings.max_upload_bytes:
        # The browser refuses such a file before sending it (assets/upload.js); this is for
        # any other client.
        _auth.audit("upload", "rejected", name, f"{len(raw):,} bytes: over the size limit")
        return ui.error_panel(
            "The file is too big", upload_too_big(name, len(raw), settings.max_upload_mb)
        ), None
    validated = validate_file(settings, raw, name)
    if not validated.ok:
        _auth.audit("upload", "rejected", name, f"{len(validated.problems)} problems")
        return _report_grid([p.as_dict() for p in validated.problems]), None
    token = stage(
        staging_dir(),
        raw,
        display_name=name,
        owner=account.username,
        checked=validated,
        key=_seal_key(),
    )
    snap = _context.snapshot() if _context.store().exists() else None
    _auth.audit("upload", "validated", name)
    return _preview_panel(preview(snap, validated), name), token


@_auth.guarded_callback(
    Output("publish-result", "children"),
    Output("upload-result", "children", allow_duplicate=True),
    Output("data-version", "children"),
    Output("data-published", "children"),
    Output("template-month", "value"),
    Input("publish-button", "n_clicks"),
    State("staged-token", "data"),
    rule=_auth.has_role(*WRITERS),
    name="data.publish",
    description="data team only: publish the workbook the same person staged",
    prevent_initial_call=True,
)
def on_publish(clicks: int | None, token: str | None) -> tuple[Any, ...]:
    """Publish the staged upload; on success the version, quality, history and the template's
    next month shown are the new version's, so the page never says "load 3" above a history
    that ends at load 2."""
    account = _auth.current_account()
    assert account is not None
    if not clicks:
        raise dash.exceptions.PreventUpdate
    waiting = staged(staging_dir(), token or "", owner=account.username, key=_seal_key())
    if waiting is None:
        _auth.audit("upload", "denied", "staged file", "token not this user's or expired")
        return ui.error_panel(
            "Upload again",
            "That upload is no longer waiting to be published. Upload the workbook again.",
        ), *UNCHANGED
    name = waiting.display_name
    try:
        result = load_workbook(
            _context.settings(), waiting.raw, name, account.username, checked=waiting.checked
        )
    except LoadInProgress:
        _auth.audit("upload", "busy", name)
        return ui.error_panel(
            "Another load is in progress", "Nothing was published. Try again in a minute."
        ), *UNCHANGED
    except PublishFailed as exc:
        _auth.audit("upload", "failed", name, str(exc))
        return ui.error_panel("Not published", str(exc)), *UNCHANGED
    if result.problems:
        _auth.audit("upload", "rejected", name, f"{len(result.problems)} problems")
        return html.Div(), _report_grid([p.as_dict() for p in result.problems]), *UNCHANGED[1:]
    if result.already_loaded_as is not None:
        return (
            html.Div(
                className="mtm-notice",
                role="status",
                children=(
                    f"{name} is already loaded as load {result.already_loaded_as}; nothing changed."
                ),
            ),
            "",
            *UNCHANGED[1:],
        )
    summary = result.summary
    assert summary is not None
    _auth.audit("upload", "success", name, f"load {summary.load_id}")
    not_supplied = f"; {result.not_supplied:,} values not supplied" if result.not_supplied else ""
    done = html.Div(
        className="mtm-notice",
        role="status",
        children=[
            html.Strong(f"Loaded: {summary.message} (load {summary.load_id}){not_supplied}. "),
            dcc.Link("See the scorecard", href="/", className="govuk-link"),
        ],
    )
    snap = _context.snapshot()  # the version just published (and the response says so)
    return (
        done,
        "",
        [ui.version_note(snap)],
        _published_sections(snap, account, _auth.csrf_token()),
        _next_month(snap),
    )


@_auth.guarded_callback(
    Output("report-grid", "exportDataAsCsv"),
    Input("report-csv", "n_clicks"),
    rule=_auth.has_role(*WRITERS),
    name="data.report_csv",
    description="data team only: download the validation report they are looking at",
    prevent_initial_call=True,
)
def on_report_csv(clicks: int | None) -> bool:
    return bool(clicks)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _history(snap: Any, account: Any, csrf: str) -> html.Div:
    loads = snap.query("loads")
    rolled = set(loads["rolls_back"].dropna().astype(int))
    body = []
    for row in loads.itertuples():
        actions: list[Any] = [
            html.A(
                "View as of this load", href=f"/?as_of=load:{row.load_id}", className="govuk-link"
            )
        ]
        if account.role in WRITERS and row.load_id not in rolled and row.kind != "rollback":
            actions.append(
                html.Details(
                    className="mtm-confirm",
                    children=[
                        html.Summary("Roll back"),
                        html.Form(
                            method="POST",
                            action=f"/data/rollback/{row.load_id}",
                            children=[
                                dcc.Input(
                                    type="hidden",
                                    name="csrf_token",
                                    value=csrf,
                                    id=f"rollback-csrf-{row.load_id}",
                                ),
                                html.P(
                                    f"This publishes a new version without load {row.load_id}'s "
                                    "changes. Nothing is deleted.",
                                    className="govuk-body-s",
                                ),
                                html.Button(
                                    f"Confirm: roll back load {row.load_id}",
                                    type="submit",
                                    className="govuk-button mtm-button-warning",
                                ),
                            ],
                        ),
                    ],
                )
            )
        counts = json.loads(row.counts or "{}")
        changed = sum(v for k, v in counts.items() if k.endswith(("_new", "_revised")))
        body.append(
            html.Tr(
                [
                    html.Td(str(row.load_id), className="mtm-num"),
                    html.Td(f"{pd.Timestamp(row.finished_at):%d %b %Y %H:%M}"),
                    html.Td(row.kind + (" (rolled back)" if row.load_id in rolled else "")),
                    html.Td(row.user_name),
                    html.Td(_text(row.file_name) or "–"),
                    html.Td(_text(row.sha256)[:12] or "–", title=_text(row.sha256)),
                    html.Td(f"{changed:,}" if changed else "–", className="mtm-num"),
                    html.Td(row.message),
                    html.Td(actions),
                ]
            )
        )
    return ui.table(
        "Every load, newest first (times in UTC)",
        (
            "Load",
            "When",
            "Kind",
            "Who",
            "File",
            "sha256",
            "Rows changed",
            "What changed",
            html.Span("Actions", className="govuk-visually-hidden"),
        ),
        body,
        "mtm-history",
    )


def _quality(snap: Any) -> html.Div:
    actuals = snap.query("actuals_headline")
    indicators = snap.query("indicators")
    if actuals.empty:
        return html.P("No actuals yet.", className="govuk-body")
    latest = actuals.groupby("indicator_id")["period"].max()
    overall = latest.max()
    behind = latest[latest < overall]
    none = sorted(set(indicators["indicator_id"]) - set(latest.index))
    stale_cutoff = pd.Timestamp(overall) - pd.DateOffset(months=3)
    stale = latest[latest < stale_cutoff]
    gaps = []
    for ident, group in actuals.groupby("indicator_id"):
        months = pd.to_datetime(group["period"]).dt.to_period("M")
        expected = months.max().ordinal - months.min().ordinal + 1
        if expected > len(months):
            gaps.append(f"{ident} ({expected - len(months)} missing)")
    provisional = int((actuals["status"] == "provisional").sum())
    return html.Ul(
        className="govuk-list govuk-list--bullet",
        children=[
            html.Li(f"Latest month with data: {pd.Timestamp(overall):%B %Y}."),
            html.Li(
                f"Measures behind the latest month: {len(behind)}"
                + (
                    f" ({', '.join(behind.index[:12])}{'…' if len(behind) > 12 else ''})"
                    if len(behind)
                    else ""
                )
                + "."
            ),
            html.Li(f"Stale (nothing in the 3 months before the latest): {len(stale)}."),
            html.Li(
                f"Measures with no data at all: {len(none)}"
                + (f" ({', '.join(none[:12])})" if none else "")
                + "."
            ),
            html.Li(
                f"Measures with missing months inside their series: {len(gaps)}"
                + (f" ({', '.join(gaps[:8])}{'…' if len(gaps) > 8 else ''})" if gaps else "")
                + "."
            ),
            html.Li(f"Provisional figures in the headline series: {provisional:,}."),
        ],
    )


def _next_month(snap: Any) -> str:
    """The month the data team is most likely preparing: the one after the latest data."""
    today = dt.date.today().replace(day=1)
    if snap is None:
        return f"{today:%Y-%m}"
    latest = snap.query("actuals_headline")["period"].max()
    if latest is None or pd.isna(latest):
        return f"{today:%Y-%m}"
    following = (pd.Timestamp(latest) + pd.DateOffset(months=1)).date()
    return f"{min(following, today):%Y-%m}"


def layout(*, message: str | None = None, **_: Any) -> html.Div:
    account = _auth.current_account()
    if account is None or account.role not in (*WRITERS, "admin"):
        _auth.audit("page", "denied", "/data")
        return html.Div(
            [
                html.H1("Data", className="govuk-heading-xl"),
                ui.error_panel(
                    "You do not have access", "Uploads, history and rollback are for the data team."
                ),
            ]
        )
    snap = _context.snapshot() if _context.store().exists() else None
    csrf = _auth.csrf_token()
    this_month = _next_month(snap)
    can_write = account.role in WRITERS
    upload: list[Any] = []
    if can_write:
        upload = [
            html.H2("Upload the month's workbook", className="govuk-heading-l"),
            html.Form(
                method="GET",
                action="/data/template.xlsx",
                className="mtm-filters",
                children=[
                    html.Div(
                        className="govuk-form-group",
                        children=[
                            html.Label(
                                "Month to pre-fill (YYYY-MM; leave blank for an empty template)",
                                htmlFor="template-month",
                                className="govuk-label",
                            ),
                            dcc.Input(
                                id="template-month",
                                name="month",
                                type="text",
                                value=this_month,
                                className="govuk-input",
                                pattern=r"\d{4}-\d{2}|",
                            ),
                        ],
                    ),
                    html.Button(
                        "Download the template",
                        type="submit",
                        className="govuk-button mtm-button-secondary",
                    ),
                ],
            ),
            dcc.Upload(
                id="upload",
                accept=".xlsx",
                max_size=_context.settings().max_upload_bytes,
                className="mtm-upload",
                # assets/upload.js names the file input by these ids (dcc.Upload cannot).
                children=html.Div(
                    [
                        html.Span(
                            [
                                html.Strong("Drag and drop the workbook here, or "),
                                html.Span("choose a file", className="govuk-link"),
                            ],
                            id="upload-label",
                        ),
                        html.P(
                            f".xlsx, up to {_context.settings().max_upload_mb} MB. It is "
                            "checked first: nothing is published until you confirm.",
                            id="upload-hint",
                            className="govuk-body-s",
                            **{
                                "data-max-bytes": str(_context.settings().max_upload_bytes),
                                "data-max-mb": str(_context.settings().max_upload_mb),
                            },
                        ),
                    ]
                ),
            ),
            # dcc.Upload drops a file over max_size without a word: assets/upload.js says so here.
            html.P(id="upload-refused", className="mtm-upload-refused", role="alert"),
            dcc.Store(id="staged-token"),
            dcc.Loading(
                type="default",
                children=[
                    html.Div(id="upload-result", **{"aria-live": "polite"}),
                    html.Div(id="publish-result", **{"aria-live": "polite"}),
                ],
            ),
        ]
    return html.Div(
        [
            html.H1("Data", className="govuk-heading-xl"),
            *([html.Div(message, className="mtm-notice", role="status")] if message else []),
            html.Div(
                id="data-version", children=[ui.version_note(snap)] if snap is not None else []
            ),
            *upload,
            html.Div(id="data-published", children=_published_sections(snap, account, csrf)),
        ]
    )


def _published_sections(snap: Any, account: Any, csrf: str) -> list[Any]:
    """Data quality and load history of a version (or what to say before the first load)."""
    return [
        html.H2("Data quality", className="govuk-heading-l"),
        _quality(snap) if snap is not None else html.P("No data yet.", className="govuk-body"),
        html.H2("Load history", className="govuk-heading-l"),
        _history(snap, account, csrf) if snap is not None else html.P("No loads yet."),
    ]
