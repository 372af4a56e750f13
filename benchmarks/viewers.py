"""Viewers under load, and upload-to-published time (issue 7).

1. Viewer latency on gunicorn (2 workers x 4 threads) with 20 and 50 simulated signed-in viewers
   (zero think time, page navigations as the browser sends them), idle and while the CLI
   publishes a workbook: p50/p95/p99, errors, and pages whose content shows a different version
   from the one their response header names (mixed). Goal: p95 during a load <= 1.5x idle,
   0 errors, 0 mixed pages.
2. Web upload to published: the /data upload callback (validate + preview) plus the publish
   callback, at 6k, 60k and 600k actual rows, as a ratio to `pandas.read_excel(engine=
   "openpyxl")` of the same file in the same run, medians of `--repeat` uploads of different
   months. Goal: <= 0.15x at 60k and 600k.

    python benchmarks/viewers.py [--seconds 8] [--sizes 6000 60000] [--repeat 3] [--skip-viewers]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VERSION_TEXT = re.compile(r"Data version: load (\d+)")
PATHS = ("/", "/measure/lac_rate_per_10k", "/area/early-help", "/measure/ls_agency_workers_pct")


class Viewer:
    """A signed-in person navigating the dashboard the way the browser does."""

    def __init__(self, base: str, username: str = "demo-viewer") -> None:
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no sign-in form")
        self.http.post(
            f"{base}/login",
            headers={"Origin": base},
            timeout=30,
            data={
                "csrf_token": token.group(1),
                "username": username,
                "password": f"{username}-password",
                "next": "/",
            },
        )
        deps = self.http.get(f"{base}/_dash-dependencies", timeout=30).json()
        self.deps = deps
        dep = next(d for d in deps if "_pages_content" in d["output"])
        self.page_dep = dep

    def headers(self) -> dict[str, str]:
        return {"Origin": self.base, "X-CSRFToken": self.http.cookies.get("_csrf_token") or ""}

    def visit(self, path: str) -> tuple[float, int, str | None, str | None]:
        dep = self.page_dep
        body = {
            "output": dep["output"],
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {
                    "id": i["id"],
                    "property": i["property"],
                    "value": path if i["property"] == "pathname" else "",
                }
                for i in dep["inputs"]
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [
                {"id": s["id"], "property": s["property"], "value": None} for s in dep["state"]
            ],
        }
        started = time.perf_counter()
        response = self.http.post(
            f"{self.base}/_dash-update-component", json=body, headers=self.headers(), timeout=120
        )
        elapsed = time.perf_counter() - started
        shown = VERSION_TEXT.search(response.text)
        return (
            elapsed,
            response.status_code,
            response.headers.get("X-MTM-Data-Version"),
            shown.group(1) if shown else None,
        )

    def upload(self, book: Path) -> requests.Response:
        """Choose a workbook in /data's upload box: checked, and staged if it passes."""
        contents = "data:application/octet-stream;base64," + base64.b64encode(
            book.read_bytes()
        ).decode("ascii")
        return self.callback(
            "upload-result", {"upload.contents": contents, "upload.filename": book.name}
        )

    def confirm(self, checked: requests.Response) -> requests.Response:
        """Press "Publish these changes" for the upload `checked` staged."""
        token = checked.json()["response"]["staged-token"]["data"]
        return self.callback(
            "publish-result", {"publish-button.n_clicks": 1, "staged-token.data": token}
        )

    def callback(self, output_contains: str, values: dict[str, Any]) -> requests.Response:
        dep = next(d for d in self.deps if output_contains in d["output"])
        output = dep["output"]
        outputs: Any = (
            [
                {"id": p.split(".")[0], "property": p.split(".")[1].split("@")[0]}
                for p in output.strip(".").split("...")
            ]
            if output.startswith("..")
            else {"id": output.split(".")[0], "property": output.split(".")[1]}
        )

        def item(spec: dict[str, Any]) -> dict[str, Any]:
            return {
                "id": spec["id"],
                "property": spec["property"],
                "value": values.get(f"{spec['id']}.{spec['property']}"),
            }

        first = dep["inputs"][0]
        body = {
            "output": output,
            "outputs": outputs,
            "inputs": [item(i) for i in dep["inputs"]],
            "state": [item(s) for s in dep["state"]],
            "changedPropIds": [f"{first['id']}.{first['property']}"],
        }
        return self.http.post(
            f"{self.base}/_dash-update-component", json=body, headers=self.headers(), timeout=600
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, store: Path) -> None:
        self.env = {
            **os.environ,
            "MTM_DB": str(store / "mtm.duckdb"),
            "MTM_UPLOADS_DIR": str(store / "uploads"),
            "MTM_OPS_DB": str(store / "ops.sqlite"),
            "MTM_ENVIRONMENT": "development",
            "MTM_MAX_UPLOAD_MB": "400",
            "MTM_MAX_UNPACKED_MB": "1000",
        }
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "600",
                "app:create_server()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def browse(server: Server, n: int, seconds: float, during: Path | None) -> dict[str, Any]:
    viewers = [Viewer(server.base) for _ in range(n)]
    results: list[tuple[float, int, str | None, str | None]] = []
    failures: list[str] = []
    stop = threading.Event()

    def run(viewer: Viewer, offset: int) -> None:
        i = offset
        while not stop.is_set():
            try:
                results.append(viewer.visit(PATHS[i % len(PATHS)]))
            except requests.RequestException as exc:
                failures.append(repr(exc))
            i += 1

    threads = [threading.Thread(target=run, args=(v, k)) for k, v in enumerate(viewers)]
    for t in threads:
        t.start()
    load_seconds = None
    if during is not None:
        time.sleep(1.0)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "loaders", "load", str(during), "--user", "bench"],
            cwd=ROOT,
            env=server.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the load failed: {done.stdout[-800:]} {done.stderr[-800:]}")
        load_seconds = time.perf_counter() - started
        time.sleep(0.5)
    else:
        time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(120)
    times = [r[0] for r in results]
    return {
        "n": len(results),
        "p50": percentile(times, 0.50),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
        "errors": sum(1 for r in results if r[1] != 200) + len(failures),
        "mixed": sum(1 for r in results if r[1] == 200 and r[2] != r[3]),
        "load_s": load_seconds,
    }


def load_book(folder: Path, rows: int, shift: float) -> Path:
    """A workbook revising the demo measures' history (real ids, plausible values)."""
    import openpyxl

    from indicators.sheets import DATA_SHEETS

    months = 39
    ids = [
        "lac_rate_per_10k",
        "ls_agency_workers_pct",
        "qa_audits_completed_pct",
        "eh_open_with_assessment_plan_pct",
        "cl_suitable_accommodation_pct",
    ]
    breakdowns = max(1, rows // (len(ids) * months))
    book = openpyxl.Workbook(write_only=True)
    book.create_sheet("Instructions").append(["Benchmark workbook"])
    sheets = {s.name: book.create_sheet(s.name) for s in DATA_SHEETS}
    for spec in DATA_SHEETS:
        sheets[spec.name].append([c.header for c in spec.columns])
    import datetime as dt

    for ident in ids:
        for b in range(breakdowns):
            for m in range(months):
                period = dt.date(2018 + (3 + m) // 12, (3 + m) % 12 + 1, 1)
                # Percentages: keep every value inside 0-100 whatever the shift.
                value = round(40 + shift % 10 + (b * 3 + m) % 40 + (m % 3) * 0.1, 1)
                sheets["Actuals"].append(
                    [
                        ident,
                        period,
                        value,
                        None,
                        None,
                        "All" if b == 0 else f"Team {b:04d}",
                        "validated",
                    ]
                )
    path = folder / f"load_{rows}_{shift}.xlsx"
    book.save(path)
    return path


def viewers_benchmark(store: Path, seconds: float) -> None:
    server = Server(store)
    try:
        print("viewers on gunicorn 2x4 (ms):")
        print(
            f"{'viewers':>8} {'phase':8} {'pages':>6} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'errors':>6} {'mixed':>6}"
        )
        for n in (20, 50):
            idle = browse(server, n, seconds, None)
            book = load_book(store.parent, 6_000, shift=float(n))
            busy = browse(server, n, seconds, book)
            for phase, r in (("idle", idle), ("loading", busy)):
                print(
                    f"{n:>8} {phase:8} {r['n']:>6} {r['p50']:7.0f} {r['p95']:7.0f} "
                    f"{r['p99']:7.0f} {r['errors']:>6} {r['mixed']:>6}",
                    flush=True,
                )
            print(
                f"{'':>8} p95 during a load / idle: {busy['p95'] / idle['p95']:.2f}x "
                f"(the load took {busy['load_s']:.1f} s)"
            )
    finally:
        server.stop()


def upload_benchmark(store: Path, sizes: list[int], repeat: int) -> None:
    """Median of `repeat` uploads per size, each a different month of the same shape (so none is
    "already loaded"); the first of each size is printed too (a worker's first large upload
    pays for the memory it has not yet grown to)."""
    import pandas as pd

    server = Server(store)
    try:
        print(f"\nweb upload to published (s, median of {repeat}):")
        print(
            f"{'rows':>8} {'pandas read':>12} {'upload+check':>13} {'publish':>8} "
            f"{'total':>7} {'ratio':>7}  totals in order"
        )
        data_team = Viewer(server.base, "demo-data-team")
        for rows in sizes:
            runs: list[tuple[float, float, float]] = []
            for attempt in range(repeat):
                book = load_book(store.parent, rows, shift=rows % 7 + 0.5 + attempt)
                started = time.perf_counter()
                pd.read_excel(book, sheet_name="Actuals", engine="openpyxl")
                pandas_s = time.perf_counter() - started
                started = time.perf_counter()
                response = data_team.upload(book)
                checked = time.perf_counter() - started
                started = time.perf_counter()
                done = data_team.confirm(response)
                published = time.perf_counter() - started
                assert "Loaded:" in done.text, done.text[:300]
                runs.append((pandas_s, checked, published))
            pandas_m, checked_m, published_m = (
                statistics.median(run[i] for run in runs) for i in range(3)
            )
            totals = [c + p for _, c, p in runs]
            total_m = statistics.median(totals)
            print(
                f"{rows:>8,} {pandas_m:12.2f} {checked_m:13.2f} {published_m:8.2f} "
                f"{total_m:7.2f} {total_m / pandas_m:6.3f}x  "
                + " ".join(f"{t:.2f}" for t in totals),
                flush=True,
            )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--sizes", type=int, nargs="+", default=[6_000, 60_000])
    parser.add_argument("--skip-viewers", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="uploads per size (median)")
    args = parser.parse_args()
    from indicators.settings import load_settings
    from loaders.demo import build_demo_store

    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        build_demo_store(
            load_settings(db=str(demo / "mtm.duckdb"), uploads_dir=str(demo / "uploads"))
        )
        if not args.skip_viewers:
            store = Path(tmp) / "viewers" / "store"
            shutil.copytree(demo, store, symlinks=True)
            viewers_benchmark(store, args.seconds)
        if not args.skip_upload:
            store = Path(tmp) / "upload" / "store"
            shutil.copytree(demo, store, symlinks=True)
            upload_benchmark(store, args.sizes, args.repeat)


if __name__ == "__main__":
    main()
