"""Page callback benchmark: server time of the scorecard and measure pages at LA scale (the demo)
and at national scale (153 councils x 500 measures x 120 months, generated).

For each page, in the same run, medians and p95 over N calls of:
- `request`: the whole Dash page callback through the Flask test client (signed in), i.e.
  authorisation, Dash dispatch, DuckDB queries, figure and layout building and JSON serialisation;
- `callback`: the page's own callback body within those same requests (its `layout(**kwargs)`,
  timed around the call Dash makes): the DuckDB queries plus figure and layout building, which is
  what the goal's "the rest is figure and layout building" describes;
- `queries`: only the DuckDB queries that callback runs (the baseline the goal names): the named
  queries one warm call ran are recorded and replayed, with the snapshot lookup; what a process
  keeps per published version (a version's plan) is not read again by either;
- `pandas`: computing the same page content from the raw rows with pandas per request (read
  every actual and every published benchmark, filter with pandas, build the scorecard rows with
  their published comparators, as a tool without precomputation would). Figure and layout
  building are left out of this side, so the ratio understates the gain.
Goals (issue 6): callback <= 2x queries, and >= 10x faster than pandas-per-request (both ratios
printed for the callback body and for the whole request).

    python benchmarks/pages.py [--calls 50] [--national] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COUNCILS, MEASURES, MONTHS = 153, 500, 120


def median_p95(samples: list[float]) -> tuple[float, float]:
    """Median and p95 of timings in seconds, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def timed(func: Callable[[], Any], calls: int) -> tuple[float, float]:
    func()  # warm: connections, caches, imports
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return median_p95(samples)


def time_layouts(spent: list[float]) -> None:
    """Time every registered page's layout function (the page callback's body) into `spent`."""
    import dash

    for page in dash.page_registry.values():
        layout = page["layout"]
        if not callable(layout) or getattr(layout, "timed", False):
            continue

        def timed_layout(_layout: Callable[..., Any] = layout, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _layout(**kwargs)
            finally:
                spent.append(time.perf_counter() - started)

        timed_layout.timed = True  # type: ignore[attr-defined]
        page["layout"] = timed_layout


def build_national(folder: Path) -> Any:
    """A store of 500 measures, each with a breakdown per council and 120 months (9.2M rows)."""
    import duckdb
    import pandas as pd

    from indicators.settings import load_settings
    from loaders.publish import publish

    settings = load_settings(
        db=str(folder / "mtm.duckdb"),
        uploads_dir=str(folder / "up"),
        ops_db=str(folder / "ops.sqlite"),
    )
    indicators = pd.DataFrame(
        {
            "indicator_id": [f"m{i:03d}" for i in range(MEASURES)],
            "name": [f"Measure {i}" for i in range(MEASURES)],
            "service_area": [f"Area {i % 20}" for i in range(MEASURES)],
            "unit": "percent",
            "polarity": "higher_is_better",
            "decimals": 1,
            "frequency": "monthly",
            "target_value": 75.0,
            "target_operator": ">=",
            "local_indicator": True,
            "source_sheet": "generated",
        }
    )

    def apply(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        con.register("generated_indicators", indicators)
        con.execute(f"""INSERT INTO indicators BY NAME
                        SELECT *, {load_id} AS valid_from_load FROM generated_indicators""")
        con.execute(f"""
            INSERT INTO actuals (indicator_id, period, breakdown, value, status, source_sheet,
                                 valid_from_load)
            SELECT printf('m%03d', m), DATE '2011-01-01' + INTERVAL (t) MONTH,
                   CASE WHEN c = 0 THEN 'All' ELSE printf('Council %03d', c) END,
                   round(50 + (m * 7 + c * 3 + t) % 40 + (t % 5) * 0.1, 1), 'validated',
                   'generated', {load_id}
            FROM range({MEASURES}) r1(m), range({COUNCILS + 1}) r2(c), range({MONTHS}) r3(t)
            ORDER BY 1, 3, 2""")
        return {"actuals_new": MEASURES * (COUNCILS + 1) * MONTHS}

    started = time.perf_counter()
    summary = publish(settings, apply, kind="generated", user="benchmark")
    print(
        f"national store built in {time.perf_counter() - started:.1f} s "
        f"(load {summary.load_id}, {summary.counts.get('scorecard_rows')} scorecard rows)"
    )
    return settings


def run(settings: Any, label: str, calls: int, measure_id: str) -> None:
    from app import create_app
    from indicators.pages import _context
    from indicators.scorecard import Inputs, build_scorecard, settings_inputs
    from tests.web.conftest import ORIGIN, csrf_of, sign_in

    app = create_app(settings)
    layout_seconds: list[float] = []
    time_layouts(layout_seconds)
    client = app.server.test_client()
    if sign_in(client, "bench-viewer", "bench-viewer-password").status_code != 302:
        raise SystemExit("could not sign in")
    deps = json.loads(client.get("/_dash-dependencies").data)
    dep = next(d for d in deps if "_pages_content" in d["output"])

    def page(path: str, search: str = "") -> Callable[[], Any]:
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
                    "value": path if i["property"] == "pathname" else search,
                }
                for i in dep["inputs"]
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [
                {"id": s["id"], "property": s["property"], "value": None} for s in dep["state"]
            ],
        }
        headers = {"Origin": ORIGIN, "X-CSRFToken": csrf_of(client)}

        def call() -> Any:
            response = client.post("/_dash-update-component", json=body, headers=headers)
            assert response.status_code == 200, response.status_code
            return response

        return call

    def queries_of(callback: Callable[[], Any]) -> Callable[[], Any]:
        """Replay exactly the named queries one call of the callback ran (recorded once)."""
        from indicators.store import Snapshot

        ran: list[tuple[str, str, dict[str, Any]]] = []
        originals = {way: getattr(Snapshot, way) for way in ("query", "records")}

        def recording(way: str) -> Callable[..., Any]:
            def run(self: Snapshot, name: str, **params: Any) -> Any:
                ran.append((way, name, params))
                return originals[way](self, name, **params)

            return run

        callback()  # warm: caches that last beyond a request are filled before recording
        for way in originals:
            setattr(Snapshot, way, recording(way))
        try:
            callback()
        finally:
            for way, original in originals.items():
                setattr(Snapshot, way, original)

        def replay() -> Any:
            snap = _context.snapshot()
            return [getattr(snap, way)(name, **params) for way, name, params in ran]

        replay.names = [name for _, name, _ in ran]  # type: ignore[attr-defined]
        return replay

    def from_raw(one: str | None) -> Callable[[], Any]:
        def compute() -> Any:
            snap = _context.snapshot()
            # The raw rows, as a tool without precomputation holds them; pandas does the rest:
            # the same inputs publishing gives build_scorecard (loaders/precompute.py), so the
            # published comparators (SN, region, England, rank, quartile) the page shows too.
            actuals = snap.query("actuals")
            indicators = snap.query("indicators")
            benchmarks = snap.query("benchmarks")
            if one is not None:
                actuals = actuals[actuals["indicator_id"] == one]
                indicators = indicators[indicators["indicator_id"] == one]
            quoted = set(indicators["benchmark_measure"].dropna().str.strip())
            benchmarks = benchmarks[benchmarks["measure_code"].str.strip().isin(quoted)]
            return build_scorecard(
                Inputs(
                    indicators=indicators,
                    actuals=actuals,
                    targets=snap.query("targets"),
                    comparators=snap.query("comparators"),
                    commentary=snap.query("commentary"),
                    benchmarks=benchmarks,
                    sn_groups=snap.query("sn_groups"),
                    london_sub_regions=snap.query("london_sub_regions"),
                    **settings_inputs(settings),
                )
            )

        return compute

    with app.server.test_request_context():
        rows = [
            ("scorecard /", page("/"), from_raw(None)),
            (
                f"measure /measure/{measure_id}",
                page(f"/measure/{measure_id}"),
                from_raw(measure_id),
            ),
        ]
        print(f"\n{label}: median / p95 over {calls} calls (ms)")
        print(
            f"{'page':34} {'request':>16} {'callback':>16} {'queries':>16} {'pandas':>16} "
            f"{'req/q':>6} {'cb/q':>6} {'pandas/req':>10} {'pandas/cb':>9}"
        )
        for name, request, pandas_way in rows:
            queries = queries_of(request)
            layout_seconds.clear()
            req = timed(request, calls)
            cb = median_p95(layout_seconds[1:])  # the first was timed()'s warm-up call
            q = timed(queries, calls)
            pd_calls = max(3, calls // 10)
            raw = timed(pandas_way, pd_calls)
            print(
                f"{name:34} {req[0]:8.1f} {req[1]:7.1f} {cb[0]:8.1f} {cb[1]:7.1f} "
                f"{q[0]:8.1f} {q[1]:7.1f} {raw[0]:8.1f} {raw[1]:7.1f} "
                f"{req[0] / q[0]:6.2f} {cb[0] / q[0]:6.2f} {raw[0] / req[0]:10.1f} "
                f"{raw[0] / cb[0]:9.1f}",
                flush=True,
            )
            print(f"{'':34} queries run: {', '.join(queries.names)}")  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--national", action="store_true", help="also the national scale")
    parser.add_argument("--keep", help="reuse or keep the national store in this folder")
    args = parser.parse_args()
    from indicators.settings import load_settings
    from indicators.store import close_connections
    from loaders.demo import build_demo_store
    from loaders.ops import OpsDB

    with tempfile.TemporaryDirectory() as tmp:
        la = Path(tmp) / "la"
        settings = load_settings(
            db=str(la / "mtm.duckdb"),
            uploads_dir=str(la / "up"),
            ops_db=str(la / "ops.sqlite"),
            environment="development",
        )
        build_demo_store(settings)
        OpsDB(settings.path("ops_db")).add_user(
            "bench-viewer", "viewer", password="bench-viewer-password"
        )
        run(settings, "LA scale (demo: 47 measures, 39 months)", args.calls, "lac_rate_per_10k")
        close_connections()
        if args.national:
            folder = Path(args.keep) if args.keep else Path(tmp) / "national"
            if folder.exists() and (folder / "mtm.duckdb").exists():
                national = load_settings(
                    db=str(folder / "mtm.duckdb"),
                    uploads_dir=str(folder / "up"),
                    ops_db=str(folder / "ops.sqlite"),
                )
            else:
                folder.mkdir(parents=True, exist_ok=True)
                national = build_national(folder)
            national = national.with_overrides(environment="development")
            ops = OpsDB(national.path("ops_db"))
            if ops.get_user("bench-viewer") is None:
                ops.add_user("bench-viewer", "viewer", password="bench-viewer-password")
            run(
                national,
                f"national scale ({MEASURES} measures x {COUNCILS} councils x {MONTHS} months)",
                args.calls,
                "m042",
            )
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
