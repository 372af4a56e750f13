"""The acceptance test of safe publishing: gunicorn with 2 workers, 20 simulated viewers
browsing while the CLI publishes two loads and the data team uploads and publishes a third on
/data. No error response, no page that mixes two versions (the version a response reports in its
header equals the one its content shows), and each new version is picked up without a restart.

The viewers are the benchmark's (benchmarks/viewers.py): signed in, sending page navigations
as the browser does."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from benchmarks.viewers import Viewer
from tests.conftest import settings_for
from tests.fixtures.workbooks import make_workbook

PROJECT = Path(__file__).resolve().parents[2]
VIEWERS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _months(n: int) -> list[dt.date]:
    return [dt.date(2018 + (4 + m - 1) // 12, (4 + m - 1) % 12 + 1, 1) for m in range(n)]


@pytest.mark.slow
def test_viewers_never_see_an_error_or_a_mixed_version_during_loads(
    demo_store_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    settings = settings_for(folder)
    env = {
        **os.environ,
        "MTM_DB": str(settings.db_path),
        "MTM_UPLOADS_DIR": str(settings.path("uploads_dir")),
        "MTM_OPS_DB": str(settings.path("ops_db")),
        "MTM_ENVIRONMENT": "development",
    }
    books = []
    for n, shift in enumerate((1.0, 2.0, 3.0)):
        rows = [
            [ident, month, round(50 + shift + i % 7, 1)]
            for ident in ("lac_rate_per_10k", "ls_agency_workers_pct", "qa_audits_completed_pct")
            for i, month in enumerate(_months(39))
        ]
        books.append(make_workbook(tmp_path / f"load{n}.xlsx", {"Actuals": rows}))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "app:create_server()",
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        viewers = [Viewer(base) for _ in range(VIEWERS)]
        results: list[tuple[float, int, str | None, str | None]] = []
        failures: list[str] = []
        stop = threading.Event()

        def browse(viewer: Viewer) -> None:
            paths = ["/", "/measure/lac_rate_per_10k", "/area/early-help"]
            i = 0
            while not stop.is_set():
                try:
                    results.append(viewer.visit(paths[i % len(paths)]))
                except requests.RequestException as exc:
                    failures.append(repr(exc))
                i += 1

        threads = [threading.Thread(target=browse, args=(v,)) for v in viewers]
        for t in threads:
            t.start()
        time.sleep(2)
        data_team = Viewer(base, "demo-data-team")
        *by_cli, by_web = books
        for book in by_cli:
            load = subprocess.run(
                [sys.executable, "-m", "loaders", "load", str(book), "--user", "loader"],
                cwd=PROJECT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert load.returncode == 0, load.stdout + load.stderr
            time.sleep(1.5)
        checked = data_team.upload(by_web)
        assert checked.status_code == 200, checked.text[:300]
        published = data_team.confirm(checked)
        assert "Loaded:" in published.text, published.text[:300]
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(60)
    finally:
        server.terminate()
        server.wait(30)
    errors = [r for r in results if r[1] != 200]
    mixed = [r for r in results if r[2] != r[3]]
    versions = {r[2] for r in results}
    print(
        f"{len(results)} page responses, {len(errors)} errors, {len(mixed)} mixed, "
        f"versions seen {sorted(v or '' for v in versions)}"
    )
    assert not failures, failures[:3]
    assert not errors, errors[:5]
    assert not mixed, mixed[:5]
    assert {"2", "4", "5"} <= versions  # before the loads, after the CLI's, after the upload
