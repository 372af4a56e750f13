"""Uploads waiting for the uploader's confirmation, and the check they already passed.

The upload page validates a workbook, shows what it would change, and publishes only when the
same person confirms. Between the two steps the file waits here under a random token bound to
its uploader. Its validated rows wait beside it, so confirming does not read and check a large
workbook a second time; they are sealed with the app's secret key (HMAC-SHA256) and read back
only if the seal matches, so a file placed in this folder by anyone else is never unpickled.
Whether the check still holds (same bytes, no load published since) is decided when it is
published (`loaders.ingest.load_workbook`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from loaders.validate import Validated

#: Staged uploads older than this are removed (the confirmation step is minutes, not days).
STAGING_HOURS = 24
_SEAL = hashlib.sha256


@dataclass(frozen=True)
class Staged:
    """An upload waiting for confirmation."""

    raw: bytes
    display_name: str
    checked: Validated | None  # None: the sealed check is missing or not ours


def _clean(folder: Path) -> None:
    cutoff = time.time() - STAGING_HOURS * 3600
    for old in folder.glob("*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        except FileNotFoundError:  # another worker cleaned it first
            continue


def _valid_token(token: str) -> bool:
    return bool(token) and token.replace("-", "").replace("_", "").isalnum()


def seal(value: object, key: bytes) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return hmac.new(key, payload, _SEAL).digest() + payload


def unseal(blob: bytes, key: bytes) -> object | None:
    """The sealed value, or None when the seal does not match (never unpickled then)."""
    size = _SEAL().digest_size
    tag, payload = blob[:size], blob[size:]
    if len(tag) != size or not hmac.compare_digest(tag, hmac.new(key, payload, _SEAL).digest()):
        return None
    return pickle.loads(payload)  # noqa: S301 - sealed by this server's key, checked above


def stage(
    folder: Path, raw: bytes, *, display_name: str, owner: str, checked: Validated, key: bytes
) -> str:
    """Keep an upload and its passed check until its uploader confirms; returns the token."""
    folder.mkdir(parents=True, exist_ok=True)
    _clean(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(raw)
    (folder / f"{token}.checked").write_bytes(seal(checked, key))
    (folder / f"{token}.json").write_text(json.dumps({"owner": owner, "name": display_name}))
    return token


def staged(folder: Path, token: str, *, owner: str, key: bytes) -> Staged | None:
    """The staged upload, only for the person who staged it (a token is not a permission)."""
    if not _valid_token(token):
        return None
    meta_path = folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
        raw = (folder / f"{token}.xlsx").read_bytes()
    except (FileNotFoundError, ValueError):
        return None
    if meta.get("owner") != owner:
        return None
    checked: Validated | None = None
    try:
        value = unseal((folder / f"{token}.checked").read_bytes(), key)
    except FileNotFoundError:
        value = None
    except Exception:  # sealed by an earlier release's libraries: the file is checked again
        value = None
    if isinstance(value, Validated):
        checked = value
    return Staged(raw=raw, display_name=str(meta["name"]), checked=checked)
