"""Board pack benchmark: a 40-measure pack, PowerPoint and PDF, against one warm chart export.

Baseline, measured in the same run: one chart PNG from ``plotly.io.to_image`` on an already
running kaleido server (Debian's chromium), the median of several measures' charts.

Then the pack, both formats from one snapshot, timed end to end (open the version, build the
figures, draw or reuse the PNGs, write the PowerPoint and the PDF):
- ``--repeat`` runs in a row from an empty chart cache, as a board uses it (the first pack of a
  data version draws every chart; the next ones find them cached): the issue's measure;
- cold every time (the cache emptied before each run: every chart drawn, one browser start).
Prints each median, its ratio to the warm export, and the browser starts and charts drawn per
pack. Goal (issue 10): <= 60x one warm export, <= 1 browser start per pack.

    python benchmarks/board_pack.py [--measures 40] [--repeat 3] [--db PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-exports", type=int, default=7)
    parser.add_argument("--db", help="an existing store (default: build the demo in a temp dir)")
    args = parser.parse_args()

    from indicators.settings import load_settings
    from loaders.exports import charts, pack
    from loaders.exports.data import Options, open_board

    work = Path(tempfile.mkdtemp(prefix="mtm-bench-pack-"))
    try:
        if args.db:
            settings = load_settings(db=args.db)
        else:
            from loaders.demo import build_demo_store

            settings = load_settings(
                db=str(work / "mtm.duckdb"),
                uploads_dir=str(work / "uploads"),
                ops_db=str(work / "ops.sqlite"),
            )
            build_demo_store(settings)
        cache = work / "chart-cache"
        charts.cache_dir = lambda _settings: cache  # type: ignore[assignment]
        board = open_board(settings, Options())
        chosen = tuple(r["indicator_id"] for r in board.rows[: args.measures])
        options = Options(measures=chosen)
        print(
            f"{len(chosen)} measures, data version {board.context.version}, "
            f"{len(board.rows)} in the store"
        )

        # Baseline: one warm chart export (the server already running, no cache).
        figures = [board.chart(r).figure for r in board.rows[: args.warm_exports + 1]]
        charts.start_browser(charts.chromium_path(settings))
        try:
            charts._to_png(figures[0], charts.WIDTH, charts.HEIGHT, charts.SCALE)  # warm up
            warm = []
            for figure in figures[1:]:
                started = time.perf_counter()
                charts._to_png(figure, charts.WIDTH, charts.HEIGHT, charts.SCALE)
                warm.append(time.perf_counter() - started)
        finally:
            charts.stop_browser()
        one = statistics.median(warm)
        print(
            f"one warm chart export (plotly.io.to_image, {charts.WIDTH}x{charts.HEIGHT} "
            f"@{charts.SCALE}x): median {one * 1000:.0f} ms of {len(warm)}"
        )

        def run(clear: bool) -> tuple[float, int, int]:
            if clear:
                shutil.rmtree(cache, ignore_errors=True)
            before = dict(charts.STATS)
            started = time.perf_counter()
            exports = pack.board_pack(settings, options, ("pptx", "pdf"))
            seconds = time.perf_counter() - started
            assert all(e.data for e in exports)
            return (
                seconds,
                charts.STATS["browser_starts"] - before["browser_starts"],
                charts.STATS["renders"] - before["renders"],
            )

        def report(label: str, results: list[tuple[float, int, int]]) -> None:
            seconds = [r[0] for r in results]
            median = statistics.median(seconds)
            print(
                f"{label}: median {median:.2f} s ({', '.join(f'{s:.2f}' for s in seconds)}); "
                f"ratio to one warm export {median / one:.1f}x (goal <= 60x); browser starts "
                f"per pack {[r[1] for r in results]}; charts drawn per pack "
                f"{[r[2] for r in results]}"
            )

        # As a board uses it: the first pack of a data version draws the charts, later packs
        # of the same version reuse them.
        consecutive = [run(clear=(i == 0)) for i in range(args.repeat)]
        report(f"pack (pptx + pdf), {args.repeat} runs in a row from an empty cache", consecutive)
        # Every run drawing all its charts (the browser started once per pack).
        cold = [consecutive[0]] + [run(clear=True) for _ in range(args.repeat - 1)]
        report(f"pack (pptx + pdf), cold every time ({args.repeat} runs)", cold)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
