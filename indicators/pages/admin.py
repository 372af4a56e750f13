"""`/admin`: accounts, roles and service-area scopes, and the audit log (administrators only).

Changes are plain HTML forms posted to /admin/users/... (see `register_admin_routes`), each
checked on the server for the administrator role and the CSRF token, audited, and redirected
back here with a message: no client state decides anything.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import dash
from dash import dcc, html

from indicators.pages import _auth
from indicators.pages import _components as ui
from indicators.pages._admin_routes import AUDIT_COLUMNS
from loaders.ops import ROLE_LABELS, ROLES

dash.register_page(__name__, path="/admin", title="Administration", name="Admin")


def _hidden(name: str, value: str, ident: str) -> dcc.Input:
    return dcc.Input(type="hidden", name=name, value=value, id=ident)


def _field(label: str, ident: str, control: Any) -> html.Div:
    return html.Div(
        className="govuk-form-group",
        children=[html.Label(label, htmlFor=ident, className="govuk-label"), control],
    )


def _audit_caption(count: int) -> str:
    if count == 0:
        return "No audit entries match these filters"
    return "The latest entry (UTC)" if count == 1 else f"The latest {count:,} entries (UTC)"


def _role_select(ident: str, chosen: str = "viewer") -> html.Select:
    return html.Select(
        id=ident,
        name="role",
        className="govuk-select",
        children=[html.Option(ROLE_LABELS[r], value=r, selected=r == chosen) for r in ROLES],
    )


def _user_row(account: Any, csrf: str) -> html.Tr:
    slug = ui.slug(account.username)
    return html.Tr(
        [
            html.Td(account.username),
            html.Td(account.display_name),
            html.Td(account.role_label),
            html.Td("; ".join(account.areas) or "–"),
            html.Td("Disabled" if account.disabled else "Active"),
            html.Td(account.auth_source),
            html.Td(
                html.Form(
                    method="POST",
                    action=f"/admin/users/{urllib.parse.quote(account.username)}/role",
                    className="mtm-filters",
                    children=[
                        _hidden("csrf_token", csrf, f"csrf-role-{slug}"),
                        _field("Role", f"role-{slug}", _role_select(f"role-{slug}", account.role)),
                        _field(
                            "Areas (separate with ;)",
                            f"areas-{slug}",
                            dcc.Input(
                                id=f"areas-{slug}",
                                name="areas",
                                type="text",
                                value="; ".join(account.areas),
                                className="govuk-input",
                            ),
                        ),
                        html.Button("Change role", type="submit", className="govuk-button"),
                    ],
                )
            ),
            html.Td(
                html.Form(
                    method="POST",
                    action=f"/admin/users/{urllib.parse.quote(account.username)}/"
                    + ("enable" if account.disabled else "disable"),
                    children=[
                        _hidden("csrf_token", csrf, f"csrf-state-{slug}"),
                        html.Button(
                            "Enable" if account.disabled else "Disable",
                            type="submit",
                            className="govuk-button mtm-button-warning",
                        ),
                    ],
                )
            ),
        ]
    )


def layout(
    *,
    message: str | None = None,
    user: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    **_: Any,
) -> html.Div:
    account = _auth.current_account()
    if account is None or account.role != "admin":
        _auth.audit("page", "denied", "/admin")
        return html.Div(
            [
                html.H1("Administration", className="govuk-heading-xl"),
                ui.error_panel(
                    "You do not have access",
                    "Only administrators can manage accounts. Ask an administrator if "
                    "you need a different role.",
                ),
            ]
        )
    ops = _auth.ops()
    csrf = _auth.csrf_token()
    entries = ops.audit_log(
        username=user or "", action=action or "", outcome=outcome or "", limit=200
    )
    query = urllib.parse.urlencode(
        {k: v for k, v in {"user": user, "action": action, "outcome": outcome}.items() if v}
    )
    return html.Div(
        [
            html.H1("Administration", className="govuk-heading-xl"),
            *([html.Div(message, className="mtm-notice", role="status")] if message else []),
            html.H2("Accounts", className="govuk-heading-l"),
            ui.table(
                "Every account; changes sign the person out at their next request",
                (
                    "Username",
                    "Name",
                    "Role",
                    "Service areas",
                    "State",
                    "Sign-in",
                    "Role and areas",
                    "Access",
                ),
                [_user_row(a, csrf) for a in ops.list_users()],
                "mtm-admin-table",
            ),
            html.H2("Add an account", className="govuk-heading-m"),
            html.Form(
                method="POST",
                action="/admin/users",
                className="mtm-filters",
                children=[
                    _hidden("csrf_token", csrf, "csrf-add"),
                    _field(
                        "Username",
                        "new-username",
                        dcc.Input(
                            id="new-username",
                            name="username",
                            type="text",
                            className="govuk-input",
                            required=True,
                        ),
                    ),
                    _field(
                        "Name",
                        "new-name",
                        dcc.Input(
                            id="new-name", name="display_name", type="text", className="govuk-input"
                        ),
                    ),
                    _field("Role", "new-role", _role_select("new-role")),
                    _field(
                        "Areas (service managers; separate with ;)",
                        "new-areas",
                        dcc.Input(
                            id="new-areas", name="areas", type="text", className="govuk-input"
                        ),
                    ),
                    _field(
                        "Password (12 characters or more)",
                        "new-password",
                        dcc.Input(
                            id="new-password",
                            name="password",
                            type="password",
                            className="govuk-input",
                            required=True,
                        ),
                    ),
                    html.Button("Add account", type="submit", className="govuk-button"),
                ],
            ),
            html.H2("Audit log", className="govuk-heading-l"),
            html.Form(
                method="GET",
                action="/admin",
                className="mtm-filters",
                children=[
                    _field(
                        "User",
                        "audit-user",
                        dcc.Input(
                            id="audit-user",
                            name="user",
                            type="text",
                            value=user or "",
                            className="govuk-input",
                        ),
                    ),
                    _field(
                        "Action",
                        "audit-action",
                        dcc.Input(
                            id="audit-action",
                            name="action",
                            type="text",
                            value=action or "",
                            className="govuk-input",
                        ),
                    ),
                    _field(
                        "Outcome",
                        "audit-outcome",
                        dcc.Input(
                            id="audit-outcome",
                            name="outcome",
                            type="text",
                            value=outcome or "",
                            className="govuk-input",
                        ),
                    ),
                    html.Button("Filter", type="submit", className="govuk-button"),
                    html.A(
                        "Download as CSV",
                        href="/admin/audit.csv" + (f"?{query}" if query else ""),
                        className="govuk-link mtm-clear",
                    ),
                ],
            ),
            ui.table(
                _audit_caption(len(entries)),
                [c.capitalize() for c in AUDIT_COLUMNS],
                [html.Tr([html.Td(str(e[c])) for c in AUDIT_COLUMNS]) for e in entries],
            ),
        ]
    )
