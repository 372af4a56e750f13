"""OpenID Connect sign-in against a small OIDC provider run by the test on loopback."""

from __future__ import annotations

import secrets
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from indicators.pages import _auth
from indicators.pages._oidc import parse_role_map, role_from_claims
from tests.conftest import settings_for

CLIENT_ID, CLIENT_SECRET = "mtm-dashboard", "s3cret-for-tests"


class Provider:
    """Just enough of an OpenID provider: discovery, JWKS, authorize (auto-approve), token."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.key = RSAKey.generate_key(2048, private=True)
        self.kid = "test-key"
        self.codes: dict[str, str] = {}
        self.app = flask.Flask("provider")
        self.server = make_server("127.0.0.1", 0, self.app)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self._routes()

    def _routes(self) -> None:
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> Any:
            public = self.key.as_dict(private=False)
            return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        def authorize() -> Any:
            args = flask.request.args
            assert args["client_id"] == CLIENT_ID
            code = secrets.token_urlsafe(16)
            self.codes[code] = args["nonce"]
            query = urllib.parse.urlencode({"code": code, "state": args["state"]})
            return flask.redirect(f"{args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Any:
            auth = flask.request.authorization
            assert auth is not None and (auth.username, auth.password) == (CLIENT_ID, CLIENT_SECRET)
            nonce = self.codes.pop(flask.request.form["code"])
            now = int(time.time())
            id_token = jwt.encode(
                {"alg": "RS256", "kid": self.kid},
                {
                    "iss": self.issuer,
                    "aud": CLIENT_ID,
                    "iat": now,
                    "exp": now + 300,
                    "nonce": nonce,
                    **self.claims,
                },
                self.key,
            )
            return {
                "access_token": "at",
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }

    def __enter__(self) -> Provider:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()


@pytest.fixture
def provider_and_app(
    demo_store_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Provider, Any]]:
    from app import create_app

    claims = request.param
    folder = tmp_path / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    with Provider(claims) as provider:
        settings = settings_for(
            folder,
            environment="development",
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_claim="groups",
            oidc_role_map="mtm-admins=admin,mtm-data=data_team,mtm-readers=viewer",
        )
        yield provider, create_app(settings)


def _sign_in_via_provider(app: Any) -> tuple[Any, Any]:
    client = app.server.test_client()
    start = client.get("/login/oidc?next=/measure/lac_number")
    assert start.status_code == 302
    approval = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urllib.parse.urlsplit(approval.headers["Location"])
    return client, client.get(f"{callback.path}?{callback.query}")


@pytest.mark.parametrize(
    "provider_and_app",
    [
        {
            "sub": "u-1",
            "preferred_username": "jo.bloggs",
            "name": "Jo Bloggs",
            "groups": ["staff", "mtm-data"],
        }
    ],
    indirect=True,
)
def test_oidc_sign_in_maps_a_claim_to_a_role(provider_and_app: tuple[Provider, Any]) -> None:
    _, app = provider_and_app
    client, done = _sign_in_via_provider(app)
    assert done.status_code == 302 and done.headers["Location"] == "/measure/lac_number"
    assert client.get("/").status_code == 200
    account = _auth.ops().get_user("jo.bloggs")
    assert account is not None and account.role == "data_team"
    assert account.auth_source == "oidc"
    assert ("jo.bloggs", "sign_in_oidc", "success") in [
        (r["username"], r["action"], r["outcome"]) for r in _auth.ops().audit_log()
    ]


@pytest.mark.parametrize(
    "provider_and_app",
    [{"sub": "u-2", "preferred_username": "no.role", "groups": ["staff"]}],
    indirect=True,
)
def test_oidc_without_a_mapped_role_is_refused(provider_and_app: tuple[Provider, Any]) -> None:
    _, app = provider_and_app
    client, done = _sign_in_via_provider(app)
    assert done.status_code == 403
    assert client.get("/").status_code == 302


def test_role_map_parsing_and_matching() -> None:
    mapping = parse_role_map("a=admin, b=viewer")
    assert role_from_claims({"groups": ["b", "a"]}, "groups", mapping) == "admin"
    assert role_from_claims({"groups": "b"}, "groups", mapping) == "viewer"
    assert role_from_claims({}, "groups", mapping) is None
    with pytest.raises(ValueError, match="not a role"):
        parse_role_map("a=superuser")
