"""Workbook ingest benchmark: read + validate + publish at 6k, 60k and 600k actual rows.

Baselines, measured on the same file in the same run:
- a bare fastexcel read of the Actuals sheet (`fastexcel.read_excel(p).load_sheet(...).to_arrow()`)
- `pandas.read_excel(path, sheet_name="Actuals", engine="openpyxl")`

Each measurement runs in a fresh child process (so peak RSS is the load's own) and times only the
work itself, not the interpreter start, imports or pandera's one-time backend registration.
Prints medians and ratios. `load` is the whole of read + validate + publish; `publish step` is
the part after validation alone (new version file, versioned upserts, precomputed scorecard,
commit, checkpoint, fsync, pointer swap). Goals (issue 5): at 60k the whole publish <= 2x the
bare fast read and <= 0.1x the pandas/openpyxl read; peak RSS at 600k < 1 GiB.

    python benchmarks/ingest.py [--sizes 6000 60000 600000] [--repeat 3] [--pandas-repeat 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIRST_YEAR = 2001


def shape(rows: int) -> tuple[int, int, int]:
    """Indicators x breakdowns x months giving `rows` actuals (months from 2001 on)."""
    months = 300
    indicators = 50 if rows >= 15_000 else max(1, rows // months)
    breakdowns = max(1, rows // (indicators * months))
    return indicators, breakdowns, months


def write_book(path: Path, rows: int) -> Path:
    import openpyxl

    from indicators.sheets import DATA_SHEETS

    indicators, breakdowns, months = shape(rows)
    book = openpyxl.Workbook(write_only=True)
    book.create_sheet("Instructions").append(["Benchmark workbook"])
    sheets = {s.name: book.create_sheet(s.name) for s in DATA_SHEETS}
    for spec in DATA_SHEETS:
        sheets[spec.name].append([c.header for c in spec.columns])
    for i in range(indicators):
        sheets["Indicators"].append(
            [
                f"m{i:03d}",
                f"Measure {i}",
                f"Area {i % 9}",
                "percent",
                "higher_is_better",
                1,
                None,
                50,
                None,
                75,
            ]
        )
    for i in range(indicators):
        for b in range(breakdowns):
            for m in range(months):
                period = dt.date(FIRST_YEAR + m // 12, m % 12 + 1, 1)
                value = round(40 + (i * 7 + b * 3 + m) % 45 + (m % 7) * 0.1, 1)
                sheets["Actuals"].append(
                    [
                        f"m{i:03d}",
                        period,
                        value,
                        None,
                        None,
                        f"Team {b}" if breakdowns > 1 else "All",
                        "validated",
                    ]
                )
    book.save(path)
    return path


def child(task: str, book: str, workdir: str) -> None:
    """Run one measurement and print {"seconds", "maxrss_mb"}."""
    import fastexcel
    import openpyxl  # noqa: F401 - imported before timing, like the others
    import pandas as pd

    phases: dict[str, float] = {}
    started = time.perf_counter()
    if task == "fastexcel":
        fastexcel.read_excel(book).load_sheet("Actuals").to_arrow()
    elif task == "pandas":
        pd.read_excel(book, sheet_name="Actuals", engine="openpyxl")
    elif task == "publish":
        import pandas as pd

        from indicators import schemas
        from indicators.settings import load_settings
        from loaders.ingest import load_workbook, validate_file

        settings = load_settings(
            db=f"{workdir}/mtm.duckdb", uploads_dir=f"{workdir}/uploads", max_unpacked_mb=2000
        )
        # pandera registers its backends on a process's first validation (0.1-0.3 s, importing
        # hypothesis where installed): paid once by a running web app, so not timed here.
        schemas.failures("Targets", pd.DataFrame({"indicator_id": ["x"], "period": [None]}))
        started = time.perf_counter()  # settings, imports and warm-up are not the load
        # The same work as load_workbook(path) in one call, split where the upload page splits
        # it: read + validate, then publish what was checked (the new version file).
        raw = Path(book).read_bytes()
        checked = validate_file(settings, raw, Path(book).name, None)
        validated = time.perf_counter()
        result = load_workbook(settings, raw, Path(book).name, "bench", checked=checked)
        if not result.ok:
            raise SystemExit(f"benchmark workbook rejected: {result.problems[:3]}")
        phases["publish_seconds"] = time.perf_counter() - validated
    seconds = time.perf_counter() - started
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxrss_mb": maxrss, **phases}))


def measure(task: str, book: Path, repeat: int) -> tuple[float, float, float | None]:
    """Median seconds, peak RSS and, for a load, the median of its publish step alone."""
    times, rss, publish_steps = [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as work:
            out = (
                subprocess.run(
                    [sys.executable, __file__, "--child", task, str(book), work],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
        result = json.loads(out)
        times.append(result["seconds"])
        rss.append(result["maxrss_mb"])
        if "publish_seconds" in result:
            publish_steps.append(result["publish_seconds"])
    step = statistics.median(publish_steps) if publish_steps else None
    return statistics.median(times), max(rss), step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6_000, 60_000, 600_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-repeat", type=int, default=1)
    parser.add_argument("--child", nargs=3, metavar=("TASK", "BOOK", "WORKDIR"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    print(
        f"{'rows':>8} {'fastexcel s':>12} {'pandas s':>10} {'load s':>8} "
        f"{'load/fast':>10} {'load/pandas':>12} {'publish step s':>15} {'step/fast':>10} "
        f"{'peak RSS MB':>12}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.sizes:
            book = write_book(Path(tmp) / f"actuals_{rows}.xlsx", rows)
            fast, _, _ = measure("fastexcel", book, args.repeat)
            slow, _, _ = measure("pandas", book, args.pandas_repeat)
            load, rss, step = measure("publish", book, args.repeat)
            assert step is not None
            print(
                f"{rows:>8,} {fast:>12.3f} {slow:>10.2f} {load:>8.3f} {load / fast:>9.2f}x "
                f"{load / slow:>11.3f}x {step:>15.3f} {step / fast:>9.2f}x {rss:>12.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
