"""Shared fixtures: a demo store built once per test session, settings pointing at temp stores."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indicators.settings import Settings, load_settings
from indicators.store import close_connections


def settings_for(tmp: Path, **overrides: object) -> Settings:
    """Settings whose store, uploads and ops database all live under ``tmp``."""
    return load_settings(
        db=str(tmp / "mtm.duckdb"),
        uploads_dir=str(tmp / "uploads"),
        ops_db=str(tmp / "ops.sqlite"),
        **overrides,
    )


@pytest.fixture(autouse=True)
def _loads_keep_the_test_runs_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    """Command-line loads run in-process here: they must not lower the whole run's priority."""
    monkeypatch.setenv("MTM_LOAD_NICENESS", "0")


@pytest.fixture
def workbook_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file name of every workbook checked during the test (loaders.ingest's validations)."""
    from loaders import ingest

    seen: list[str] = []
    original = ingest.validate_workbook

    def counting(source: Any, display_name: str, **kwargs: Any) -> Any:
        seen.append(display_name)
        return original(source, display_name, **kwargs)

    monkeypatch.setattr(ingest, "validate_workbook", counting)
    return seen


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once through the real loaders."""
    from loaders.demo import build_demo_store

    folder = tmp_path_factory.mktemp("demo")
    build_demo_store(settings_for(folder))
    close_connections()
    return folder


@pytest.fixture
def demo_settings(demo_store_dir: Path, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the demo store, so a test may load into it."""
    target = tmp_path / "store"
    shutil.copytree(demo_store_dir, target, symlinks=True)
    yield settings_for(target)
    close_connections()


@pytest.fixture
def empty_settings(tmp_path: Path) -> Iterator[Settings]:
    yield settings_for(tmp_path)
    close_connections()
