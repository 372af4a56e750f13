"""The architecture's import rules (DESIGN section 2), checked rather than hoped for."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    "indicators.domain",
    "indicators.sheets",
    "indicators.cells",
    "indicators.metrics",
    "indicators.spc",
    "indicators.figures",
    "indicators.listing",
    "indicators.schemas",
    "indicators.scorecard",
    "indicators.settings",
    "indicators.plan",
]
CORE = [p for p in (ROOT / "indicators").glob("*.py")]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_neither_dash_nor_duckdb(module: str) -> None:
    code = (
        f"import sys, {module}; bad = [m for m in ('dash', 'duckdb', 'flask') "
        "if m in sys.modules]; print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"{module} pulls in {proc.stdout.strip()} {proc.stderr[-300:]}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_the_core_never_imports_loaders_or_pages(path: Path) -> None:
    bad = {m for m in _imports(path) if m.startswith(("loaders", "indicators.pages", "app"))}
    assert not bad, f"{path.name} imports {bad}"


def test_loaders_never_import_pages() -> None:
    for path in (ROOT / "loaders").glob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("indicators.pages", "app", "dash"))}
        assert not bad, f"{path.name} imports {bad}"


def test_every_module_has_a_docstring() -> None:
    for folder in ("indicators", "indicators/pages", "loaders", "benchmarks"):
        for path in (ROOT / folder).glob("*.py"):
            if path.name == "__init__.py":
                continue
            assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


def test_importing_the_app_loads_no_data(tmp_path: Path) -> None:
    env = {**os.environ, "MTM_DB": str(tmp_path / "never.duckdb")}
    proc = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert not (tmp_path / "never.duckdb").exists()
