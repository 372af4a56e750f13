"""OpenID Connect sign-in (a council's Microsoft Entra ID, or any OIDC provider), via authlib.

Configured by the `oidc_*` settings. The provider proves who the person is; their role comes from
one claim (e.g. `groups` or `roles`) through `oidc_role_map` ("claim value=role" pairs, first
match wins), re-read at every sign-in so a change in the directory applies next time. Someone
whose claims map to no role is refused and the refusal is audited.
"""

from __future__ import annotations

import secrets
from typing import Any

import flask
import flask_login
from authlib.integrations.flask_client import OAuth, OAuthError

from indicators.settings import Settings
from loaders.ops import ROLES, Account, AccountError, OpsDB


def parse_role_map(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in text.split(","):
        if "=" not in item:
            continue
        claim, role = (part.strip() for part in item.split("=", 1))
        if role not in ROLES:
            raise ValueError(f"oidc_role_map: {role!r} is not a role ({', '.join(ROLES)})")
        pairs.append((claim, role))
    return pairs


def role_from_claims(
    claims: dict[str, Any], claim: str, role_map: list[tuple[str, str]]
) -> str | None:
    values = claims.get(claim) or []
    held = {str(v) for v in (values if isinstance(values, list) else [values])}
    return next((role for value, role in role_map if value in held), None)


def init_oidc(server: flask.Flask, settings: Settings, ops_db: OpsDB) -> None:
    from indicators.pages._auth import WebUser, _safe_next, csrf_token

    role_map = parse_role_map(settings.oidc_role_map)
    oauth = OAuth(server)
    client = oauth.register(
        "council",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )

    @server.route("/login/oidc")
    def oidc_start() -> Any:
        flask.session["oidc_next"] = _safe_next(flask.request.args.get("next"))
        nonce = secrets.token_urlsafe(24)
        flask.session["oidc_nonce"] = nonce
        redirect_uri = flask.url_for("oidc_callback", _external=True)
        return client.authorize_redirect(redirect_uri, nonce=nonce)

    @server.route("/login/oidc/callback")
    def oidc_callback() -> Any:
        try:
            token = client.authorize_access_token()
            claims = client.parse_id_token(token, nonce=flask.session.get("oidc_nonce"))
        except (OAuthError, ValueError, KeyError) as exc:
            ops_db.audit("anonymous", "sign_in_oidc", "failure", detail=type(exc).__name__)
            return flask.Response(
                "Sign-in with your council account failed.", status=401, mimetype="text/plain"
            )
        username = str(
            claims.get("preferred_username") or claims.get("email") or claims.get("sub")
        )[:64]
        role = role_from_claims(dict(claims), settings.oidc_role_claim, role_map)
        if role is None:
            ops_db.audit(username, "sign_in_oidc", "denied", detail="no role in claims")
            return flask.Response(
                "Your account has no role in this dashboard: ask an administrator.",
                status=403,
                mimetype="text/plain",
            )
        areas: tuple[str, ...] = ()
        if settings.oidc_area_claim:
            raw = claims.get(settings.oidc_area_claim) or []
            areas = tuple(str(a) for a in (raw if isinstance(raw, list) else [raw]))
        try:
            account = _sync_account(
                ops_db, username, role, areas, str(claims.get("name") or username)
            )
        except AccountError as exc:
            ops_db.audit(username, "sign_in_oidc", "denied", detail=str(exc))
            return flask.Response(f"Sign-in refused: {exc}.", status=403, mimetype="text/plain")
        if account.disabled:
            ops_db.audit(username, "sign_in_oidc", "denied", detail="disabled")
            return flask.Response("This account is disabled.", status=403, mimetype="text/plain")
        target = flask.session.get("oidc_next", "/")
        flask.session.clear()
        flask_login.login_user(WebUser(ops_db.start_session(account), account))
        csrf_token()
        ops_db.audit(username, "sign_in_oidc", "success", detail=role)
        return flask.redirect(_safe_next(target))


def _sync_account(
    ops_db: OpsDB, username: str, role: str, areas: tuple[str, ...], name: str
) -> Account:
    account = ops_db.get_user(username)
    if account is None:
        return ops_db.add_user(
            username, role, password=None, display_name=name, areas=areas, auth_source="oidc"
        )
    if account.auth_source != "oidc":
        raise AccountError("a local account already has this username")
    if account.role != role or account.areas != areas:
        return ops_db.set_role(username, role, areas)
    return account
