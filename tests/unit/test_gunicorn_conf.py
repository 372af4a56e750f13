"""Shipped gunicorn settings: the app it serves, and a keep-alive that avoids reset connections."""

from __future__ import annotations

from pathlib import Path

from gunicorn.config import Config

PROJECT = Path(__file__).resolve().parents[2]


def _shipped_config() -> Config:
    config = Config()
    namespace: dict[str, object] = {}
    exec((PROJECT / "gunicorn.conf.py").read_text(encoding="utf-8"), namespace)
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_serves_the_app_factory_with_two_threaded_workers() -> None:
    config = _shipped_config()
    assert config.wsgi_app == "app:create_server()"
    assert config.workers >= 2
    assert config.threads > 1
    assert config.worker_class_str == "gthread"


def test_keepalive_outlasts_a_viewer_pause_so_reused_connections_are_not_reset() -> None:
    # gunicorn's default (2 s) reset a connection in the 20-viewer acceptance test on a loaded CI
    # machine; see the module docstring of gunicorn.conf.py.
    assert _shipped_config().keepalive >= 60


def test_each_worker_warms_the_workbook_check_as_it_starts(workbook_checks: list[str]) -> None:
    _shipped_config().post_worker_init(object())
    assert workbook_checks == ["warm-up.xlsx"]
