"""Settings, declared once as data.

Each setting has a name, a type, a default and a sentence of help. Values come from
config/settings.toml, then an optional file named by MTM_SETTINGS, then MTM_<NAME> environment
variables, then explicit overrides (the CLI's --db). Unknown keys are an error so that a typo in a
council's settings file is caught at start-up instead of being silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "config" / "settings.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    help: str


SETTINGS_DECLARED: tuple[Setting, ...] = (
    Setting(
        "db", str, "The published store: a DuckDB file path (a pointer to its current version)."
    ),
    Setting("ops_db", str, "Operational SQLite database: accounts, sessions, audit log."),
    Setting("uploads_dir", str, "Where raw uploaded files are kept, named by their sha256."),
    Setting("council_la_code", str, "The council's 3-digit DfE (old) LA code, e.g. 852."),
    Setting("council_name", str, "The council's name as shown in the header."),
    Setting("plan_name", str, "The improvement plan's title."),
    Setting("sn_statistic", str, "Statistical neighbour average: mean (LAIT) or median (DfE CSC)."),
    Setting("tolerance_percentage_points", float, "Default amber band for percentages."),
    Setting("tolerance_fraction", float, "Default amber band for other units, as a fraction."),
    Setting("forecast_window_months", int, "Months of recent trend used by the forecast."),
    Setting(
        "board_meeting_date", str, "Last board meeting (YYYY-MM-DD): revisions since are marked."
    ),
    Setting("max_upload_mb", int, "Largest workbook accepted for upload, in MB."),
    Setting("max_zip_entries", int, "Most parts a workbook may contain."),
    Setting("max_unpacked_mb", int, "Largest total unpacked size of a workbook, in MB."),
    Setting("max_compression_ratio", int, "Largest compression ratio of any workbook part."),
    Setting("duckdb_memory_limit", str, "DuckDB memory limit per process."),
    Setting("duckdb_threads", int, "DuckDB threads per process."),
    Setting("keep_versions", int, "How many published store versions to keep on disk."),
    Setting("lock_timeout_seconds", float, "How long a load waits for another to finish."),
    Setting(
        "load_niceness",
        int,
        "CPU niceness (0-19) a command-line load runs at, so pages stay quick while it works.",
    ),
    Setting("demo", bool, "Demo mode: the embedded demo store and demo accounts."),
    Setting("environment", str, "production or development (development allows http cookies)."),
    Setting("secret_key", str, "Session signing key; empty: one is made and kept in ops_db."),
    Setting("session_idle_minutes", int, "Sign out after this long without a request."),
    Setting("session_absolute_hours", int, "Sign out this long after signing in, whatever."),
    Setting("oidc_issuer", str, "OpenID Connect issuer URL (e.g. Entra ID); empty: local only."),
    Setting("oidc_client_id", str, "OpenID Connect client id."),
    Setting("oidc_client_secret", str, "OpenID Connect client secret."),
    Setting("oidc_role_claim", str, "The ID-token claim holding groups or roles."),
    Setting("oidc_role_map", str, "claim value=role pairs, comma separated (first match wins)."),
    Setting("oidc_area_claim", str, "Claim holding a service manager's areas (optional)."),
    Setting("suppression_threshold", int, "For publication: counts 1..N are shown as c."),
    Setting("suppression_round_to", int, "For publication: round other counts to N (0: off)."),
    Setting("chromium_path", str, "Chromium for chart images; empty: /usr/bin/chromium."),
    Setting("cache_dir", str, "Chart image cache; empty: cache/ beside the store."),
    Setting("board_template", str, "PowerPoint template; empty: config/board_template.pptx."),
)
_BY_NAME = {s.name: s for s in SETTINGS_DECLARED}


class SettingsError(ValueError):
    """A settings file or variable names an unknown key or has a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class Settings:
    db: str = "data/mtm.duckdb"
    ops_db: str = "data/ops.sqlite"
    uploads_dir: str = "data/uploads"
    council_la_code: str = "852"
    council_name: str = "Southampton"
    plan_name: str = "Improvement Plan"
    sn_statistic: str = "mean"
    tolerance_percentage_points: float = 5.0
    tolerance_fraction: float = 0.10
    forecast_window_months: int = 12
    board_meeting_date: str = ""
    max_upload_mb: int = 25
    max_zip_entries: int = 1000
    max_unpacked_mb: int = 200
    max_compression_ratio: int = 100
    duckdb_memory_limit: str = "512MB"
    duckdb_threads: int = 2
    keep_versions: int = 5
    lock_timeout_seconds: float = 2.0
    load_niceness: int = 10
    demo: bool = False
    environment: str = "production"
    secret_key: str = ""
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_role_claim: str = "groups"
    oidc_role_map: str = ""
    oidc_area_claim: str = ""
    suppression_threshold: int = 5
    suppression_round_to: int = 0
    chromium_path: str = ""
    cache_dir: str = ""
    board_template: str = ""

    def path(self, name: str) -> Path:
        """A path setting resolved against the project root when relative."""
        value = Path(str(getattr(self, name)))
        return value if value.is_absolute() else PROJECT_ROOT / value

    @property
    def db_path(self) -> Path:
        return self.path("db")

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_request_bytes(self) -> int:
        """The largest request body the server reads (beyond it: HTTP 413). An upload reaches
        the server base64-encoded (4 bytes for every 3) inside a callback's JSON, so a workbook
        of the largest size must fit, with room for the rest of that JSON."""
        return -(-self.max_upload_bytes // 3) * 4 + 1024 * 1024

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **_coerce_all(overrides, "override"))


def _coerce(name: str, raw: Any, origin: str) -> Any:
    setting = _BY_NAME.get(name)
    if setting is None:
        raise SettingsError(f"{origin}: unknown setting {name!r}")
    if setting.type is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().casefold()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{origin}: {name} must be true or false, not {raw!r}")
    try:
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(
            f"{origin}: {name} must be {setting.type.__name__}, not {raw!r}"
        ) from exc


def _coerce_all(values: dict[str, Any], origin: str) -> dict[str, Any]:
    return {key: _coerce(key, value, origin) for key, value in values.items()}


def load_settings(
    files: tuple[Path, ...] | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults, then TOML files, then MTM_* environment variables, then overrides."""
    env = dict(os.environ) if environ is None else environ
    if files is None:
        extra = env.get("MTM_SETTINGS")
        files = (DEFAULT_SETTINGS_FILE, *((Path(extra),) if extra else ()))
    values: dict[str, Any] = {}
    for file in files:
        if file.exists():
            with file.open("rb") as handle:
                values.update(_coerce_all(tomllib.load(handle), str(file)))
    declared = {f.name for f in fields(Settings)}
    for key, raw in env.items():
        if key.startswith("MTM_") and key != "MTM_SETTINGS":
            name = key[4:].lower()
            if name in declared:
                values[name] = _coerce(name, raw, f"environment variable {key}")
    values.update(_coerce_all({k: v for k, v in overrides.items() if v is not None}, "option"))
    return Settings(**values)
