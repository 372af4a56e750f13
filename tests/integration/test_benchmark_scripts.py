"""Integration: the benchmark scripts run end to end at toy sizes and print consistent ratios.

The notes quote these scripts' numbers; this keeps them runnable between the sessions that run
them at full size (timings themselves are never asserted: the machine is shared and noisy).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=600
    )
    return done.stdout.strip().splitlines()


def _ratio(text: str) -> float:
    return float(text.rstrip("x"))


@pytest.mark.slow
def test_ingest_benchmark_prints_the_load_and_its_publish_step_against_both_reads() -> None:
    header, row = _run("benchmarks/ingest.py", "--sizes", "600", "--repeat", "1")[-2:]
    assert "load/fast" in header and "step/fast" in header and "load/pandas" in header
    rows, fast, slow, load, load_fast, load_slow, step, step_fast, rss = row.split()
    assert rows == "600"
    assert 0 < float(step) < float(load)
    assert _ratio(load_fast) == pytest.approx(float(load) / float(fast), rel=0.3)
    assert _ratio(load_slow) == pytest.approx(float(load) / float(slow), rel=0.3)
    assert _ratio(step_fast) == pytest.approx(float(step) / float(fast), rel=0.3)
    assert 50 < float(rss) < 1024


@pytest.mark.slow
def test_page_benchmark_names_the_queries_each_page_runs() -> None:
    lines = _run("benchmarks/pages.py", "--calls", "3")
    scorecard = next(i for i, line in enumerate(lines) if line.startswith("scorecard /"))
    measure = next(i for i, line in enumerate(lines) if line.startswith("measure /measure/"))
    for at in (scorecard, measure):
        numbers = lines[at].split()[-12:]
        request, callback, queries = float(numbers[0]), float(numbers[2]), float(numbers[4])
        assert request > 0 and callback > 0 and queries > 0
        assert _ratio(numbers[9]) == pytest.approx(callback / queries, abs=0.05 + 0.05 * callback)
    # The scorecard reads its stored listing and nothing else; a measure page its own rows.
    assert lines[scorecard + 1].split("queries run:")[1].split(", ") == [" scorecard_listing"]
    assert set(lines[measure + 1].split("queries run: ")[1].split(", ")) == {
        "measure_page",
        "actuals_for_breakdown",
        "commentary_history",
    }
