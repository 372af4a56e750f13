"""Sign-in, sessions, CSRF, security headers and the authorisation of every route and callback.

Decisions are made on the server from the session, never from client state:
- every request except the sign-in page needs a live server-side session (ops database), which a
  sign-out, a disabled account, a role change or the idle/absolute timeouts end at once;
- every Dash callback is registered through `guarded_callback` with an explicit rule, and a test
  enumerates /_dash-dependencies so a callback without a decision cannot ship;
- state-changing requests must come from this origin and carry the CSRF token (Dash's renderer
  sends the `_csrf_token` cookie back as the X-CSRFToken header; forms carry it as a field);
- denials are audited (who, what, outcome), never with cell values or passwords.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash
import flask
import flask_login
from dash.exceptions import PreventUpdate
from markupsafe import escape

from indicators.settings import Settings
from loaders.ops import ROLE_LABELS, Account, AccountError, OpsDB

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
PUBLIC_PATHS = frozenset(
    {"/login", "/login/oidc", "/login/oidc/callback", "/healthz", "/assets/mtm.css"}
)
_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S
)

#: Demo accounts, one per role, on the demo store only. Passwords are shown on the sign-in page.
DEMO_ACCOUNTS = (
    ("demo-viewer", "viewer", (), "Demo viewer"),
    (
        "demo-manager",
        "service_manager",
        ("Looked after Children", "Early Help"),
        "Demo service manager (Looked after Children, Early Help)",
    ),
    ("demo-data-team", "data_team", (), "Demo data team"),
    ("demo-admin", "admin", (), "Demo administrator"),
)


def demo_password(username: str) -> str:
    return f"{username}-password"


class WebUser(flask_login.UserMixin):  # type: ignore[misc]
    """Flask-Login's user: its id is the server-side session id, not the account id, so ending
    the session row signs the browser out everywhere at once."""

    def __init__(self, session_id: str, account: Account) -> None:
        self.id = session_id
        self.account = account


_STATE: dict[str, Any] = {}


def ops() -> OpsDB:
    return _STATE["ops"]  # type: ignore[no-any-return]


def current_account() -> Account | None:
    if not flask.has_request_context():
        return None
    user = flask_login.current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.account  # type: ignore[no-any-return]


def audit(
    action: str, outcome: str, target: str = "", detail: str = "", username: str | None = None
) -> None:
    account = current_account()
    name = username if username is not None else (account.username if account else "anonymous")
    ops().audit(name, action, outcome, target, detail)


def csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        flask.session["csrf"] = token
    return str(token)


def _same_origin() -> bool:
    request = flask.request
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return False
    parsed = urllib.parse.urlsplit(source)
    return f"{parsed.scheme}://{parsed.netloc}" == request.host_url.rstrip("/")


def _csrf_ok() -> bool:
    expected = flask.session.get("csrf")
    given = flask.request.headers.get(CSRF_HEADER) or flask.request.form.get("csrf_token")
    return bool(expected and given and hmac.compare_digest(str(expected), str(given)))


def _safe_next(target: str | None) -> str:
    """Only a local path: never send a user to another site after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


# --- callback authorisation ---------------------------------------------------------------------

Rule = Callable[[Account, tuple[Any, ...]], bool]


@dataclass(frozen=True)
class CallbackDecision:
    name: str
    description: str


#: Every callback's output component ids -> its authorisation decision.
CALLBACK_DECISIONS: dict[str, CallbackDecision] = {}


def signed_in(_account: Account, _inputs: tuple[Any, ...]) -> bool:
    return True


def has_role(*roles: str) -> Rule:
    def rule(account: Account, _inputs: tuple[Any, ...]) -> bool:
        return account.role in roles

    return rule


def _output_ids(outputs: Any) -> list[str]:
    items = outputs if isinstance(outputs, list | tuple) else [outputs]
    return [str(getattr(o, "component_id", o)) for o in items]


def record_decision(output_ids: list[str], name: str, description: str) -> None:
    for output in output_ids:
        CALLBACK_DECISIONS[output] = CallbackDecision(name, description)


def guarded_callback(
    *args: Any, rule: Rule, name: str, description: str, **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`dash.callback` with an authorisation decision made on the server before it runs.

    A denied call returns no data (Dash answers 204) and is audited.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def checked(*inputs: Any) -> Any:
            account = current_account()
            if account is None or not rule(account, inputs):
                audit("callback", "denied", name)
                raise PreventUpdate
            return func(*inputs)

        outputs = kwargs.get("output") or [a for a in args if isinstance(a, dash.Output)]
        record_decision(_output_ids(outputs), name, description)
        return dash.callback(*args, **kwargs)(checked)

    return decorate


# --- pages and headers --------------------------------------------------------------------------

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in: {council}</title><link rel="stylesheet" href="/assets/mtm.css"></head>
<body><a href="#main-content" class="govuk-skip-link">Skip to main content</a>
<header class="mtm-header"><div class="mtm-width"><span class="mtm-header__council">{council}</span>
<span class="mtm-header__plan">{plan}</span></div></header>
<main id="main-content" class="mtm-width mtm-main" tabindex="-1">
<h1 class="govuk-heading-xl">Sign in</h1>{error}
<form method="post" action="/login" class="mtm-signin">
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<div class="govuk-form-group"><label class="govuk-label" for="username">Username</label>
<input class="govuk-input" id="username" name="username" autocomplete="username" required></div>
<div class="govuk-form-group"><label class="govuk-label" for="password">Password</label>
<input class="govuk-input" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="govuk-button" type="submit">Sign in</button></form>{oidc}{demo}
</main></body></html>"""

DEMO_BLOCK = """<section class="mtm-demo-banner" aria-label="Demo accounts">
<h2 class="govuk-heading-m">Demo accounts</h2>
<p>This is the demo store. Each account below shows what one role can do; the password is the
username followed by <code>-password</code>.</p>
<table class="govuk-table"><caption class="govuk-table__caption">Demo accounts</caption>
<thead><tr><th scope="col">Username</th><th scope="col">Password</th><th scope="col">Role</th>
<th scope="col"></th></tr></thead><tbody>{rows}</tbody></table></section>"""

DEMO_ROW = """<tr><td><code>{user}</code></td><td><code>{password}</code></td><td>{role}</td>
<td><form method="post" action="/login"><input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="username" value="{user}"><input type="hidden" name="password"
 value="{password}"><input type="hidden" name="next" value="{next}">
<button class="govuk-button mtm-button-secondary" type="submit">Sign in as {label}</button>
</form></td></tr>"""


def _security_headers(response: flask.Response, settings: Settings) -> flask.Response:
    hashes = ""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        scripts = _INLINE_SCRIPT.findall(response.get_data())
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
            for body in scripts
        )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if settings.environment != "development":
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if flask.request.path.startswith(("/_dash-update-component", "/export", "/login")):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_auth(app: dash.Dash, settings: Settings, ops_db: OpsDB, *, demo: bool) -> None:
    """Wire sign-in, sessions, CSRF, headers and the request guard into the Flask server."""
    _STATE["ops"] = ops_db
    _STATE["settings"] = settings
    _STATE["demo"] = demo
    # Dash Pages' own navigation callbacks: any signed-in user may navigate; each page's layout
    # makes its own role decision (e.g. /admin) before it returns anything.
    record_decision(
        ["_pages_content", "_pages_store", "_pages_location", "_pages_dummy"],
        "page navigation",
        "any signed-in user; each page's layout decides for itself",
    )
    server: flask.Flask = app.server
    development = settings.environment == "development"
    server.config.update(
        SECRET_KEY=settings.secret_key or ops_db.secret_key(),
        SESSION_COOKIE_NAME="mtm_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not development,
        REMEMBER_COOKIE_SECURE=not development,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_absolute_hours),
        PROPAGATE_EXCEPTIONS=False,
    )
    manager = flask_login.LoginManager()
    manager.init_app(server)
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    absolute = dt.timedelta(hours=settings.session_absolute_hours)

    @manager.user_loader
    def load_user(session_id: str) -> WebUser | None:
        account = ops_db.session_account(session_id, idle=idle, absolute=absolute)
        return WebUser(session_id, account) if account else None

    @server.before_request
    def guard() -> Any:
        request = flask.request
        if request.path in PUBLIC_PATHS:
            return None
        account = current_account()
        if account is None:
            if request.method == "GET" and not request.path.startswith(("/_dash", "/export")):
                return flask.redirect(
                    "/login?" + urllib.parse.urlencode({"next": request.full_path.rstrip("?")})
                )
            return flask.Response("Sign in required", status=401, mimetype="text/plain")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if not _same_origin() or not _csrf_ok():
                audit("request", "denied", request.path, "cross-site or missing CSRF token")
                return flask.Response("Forbidden", status=403, mimetype="text/plain")
            if request.path == "/_dash-update-component" and not request.is_json:
                return flask.Response("Unsupported media type", status=415)
        return None

    @server.after_request
    def headers(response: flask.Response) -> flask.Response:
        if flask.session.get("csrf") or current_account():
            response.set_cookie(
                CSRF_COOKIE, csrf_token(), secure=not development, samesite="Strict", httponly=False
            )
        return _security_headers(response, settings)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        request = flask.request
        error = ""
        target = _safe_next(request.values.get("next"))
        if request.method == "POST":
            if not _csrf_ok() or not _same_origin():
                audit("sign_in", "denied", detail="cross-site or missing CSRF token")
                return flask.Response("Forbidden", status=403, mimetype="text/plain")
            username = request.form.get("username", "").strip()[:64]
            account, reason = ops_db.verify(username, request.form.get("password", ""))
            if account is not None:
                flask.session.clear()  # a new session at sign-in (no fixation)
                session_id = ops_db.start_session(account)
                flask_login.login_user(WebUser(session_id, account))
                csrf_token()
                ops_db.audit(account.username, "sign_in", "success")
                return flask.redirect(target)
            ops_db.audit(username or "anonymous", "sign_in", "failure", detail=reason)
            error = (
                '<div class="mtm-error-summary" role="alert"><h2 class="govuk-heading-m">'
                "There is a problem</h2><p>"
                + (
                    "This account is locked after repeated failed sign-ins: try again in "
                    "15 minutes or ask an administrator."
                    if reason == "locked"
                    else "The username or password is not right."
                )
                + "</p></div>"
            )
        return _login_page(settings, error, target), 401 if error else 200

    @server.route("/logout", methods=["POST"])
    def logout() -> Any:
        user = flask_login.current_user
        if getattr(user, "is_authenticated", False):
            ops_db.end_session(user.id)
            ops_db.audit(user.account.username, "sign_out", "success")
        flask_login.logout_user()
        flask.session.clear()
        response = flask.redirect("/login")
        response.delete_cookie(CSRF_COOKIE)
        return response

    @server.route("/healthz")
    def healthz() -> Any:
        return {"ok": True}

    @server.errorhandler(404)
    def not_found(_error: Exception) -> Any:
        return flask.Response("Not found", status=404, mimetype="text/plain")

    @server.errorhandler(500)
    def server_error(_error: Exception) -> Any:
        return flask.Response(
            "Something went wrong. The error has been logged.", status=500, mimetype="text/plain"
        )

    if settings.oidc_issuer:
        from indicators.pages._oidc import init_oidc

        init_oidc(server, settings, ops_db)


def _login_page(settings: Settings, error: str, target: str) -> str:
    csrf = csrf_token()
    demo = ""
    if _STATE.get("demo"):
        rows = "".join(
            DEMO_ROW.format(
                user=escape(user),
                password=escape(demo_password(user)),
                role=escape(ROLE_LABELS[role]),
                csrf=csrf,
                next=escape(target),
                label=escape(user),
            )
            for user, role, _, _ in DEMO_ACCOUNTS
        )
        demo = DEMO_BLOCK.format(rows=rows)
    oidc = ""
    if settings.oidc_issuer:
        oidc = (
            '<p class="govuk-body"><a class="govuk-link" href="/login/oidc?next='
            + escape(urllib.parse.quote(target))
            + '">Sign in with your council account</a>'
            "</p>"
        )
    return LOGIN_PAGE.format(
        council=escape(settings.council_name),
        plan=escape(settings.plan_name),
        error=error,
        csrf=csrf,
        next=escape(target),
        oidc=oidc,
        demo=demo,
    )


def ensure_demo_accounts(ops_db: OpsDB) -> None:
    """Create the demo accounts once; several workers starting together may race to do it."""
    for username, role, areas, name in DEMO_ACCOUNTS:
        if ops_db.get_user(username) is not None:
            continue
        try:
            ops_db.add_user(
                username,
                role,
                password=demo_password(username),
                display_name=name,
                areas=areas,
                is_demo=True,
            )
        except AccountError:
            if ops_db.get_user(username) is None:
                raise
