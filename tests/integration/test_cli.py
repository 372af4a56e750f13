"""The `mtm` command line: exit codes, reports, JSON, and no traceback without --debug."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from indicators.settings import Settings
from indicators.store import Store
from loaders.cli import main
from tests.fixtures.workbooks import build, make_workbook

PROJECT = Path(__file__).resolve().parents[2]


def run(settings: Settings, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*argv[:1], "--db", str(settings.db_path), *argv[1:]], out=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _uploads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MTM_UPLOADS_DIR", str(tmp_path / "uploads"))


def run_module(settings: Settings, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m loaders ARGV` in a process of its own, on this store, with extra variables."""
    return subprocess.run(
        [sys.executable, "-m", "loaders", *argv],
        cwd=PROJECT,
        env={**os.environ, "MTM_DB": str(settings.db_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def good_book(path: Path) -> Path:
    return make_workbook(path, {"Actuals": [["lac_rate_per_10k", dt.date(2021, 6, 1), 77.5]]})


def test_validate_exit_codes(demo_settings: Settings, tmp_path: Path) -> None:
    assert run(demo_settings, "validate", str(good_book(tmp_path / "g.xlsx")))[0] == 0
    bad = make_workbook(tmp_path / "b.xlsx", {"Actuals": [["lac_rate_per_10k", "2021-06", "12%"]]})
    code, text = run(demo_settings, "validate", str(bad))
    assert code == 1
    assert "Actuals!C2 [value] value '12%'" in text and "% sign" in text
    code, text = run(demo_settings, "validate", str(bad), "--json")
    problems = json.loads(text)
    assert code == 1 and problems[0]["cell"] == "C2" and problems[0]["column"] == "value"


def test_usage_errors_exit_2_without_traceback(
    demo_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(demo_settings, "validate", str(tmp_path / "missing.xlsx"))[0] == 2
    assert "no such file" in capsys.readouterr().err
    assert main([], out=io.StringIO()) == 2
    assert main(["no-such-command"], out=io.StringIO()) == 2
    assert run(demo_settings, "template", str(tmp_path / "t.csv"))[0] == 2


def test_load_prints_what_changed_then_already_loaded(
    demo_settings: Settings, tmp_path: Path
) -> None:
    book = good_book(tmp_path / "june.xlsx")
    code, text = run(demo_settings, "load", str(book), "--user", "dana")
    assert code == 0
    assert "Loaded: 1 actual for 2021-06 (load 3)" in text
    code, text = run(demo_settings, "load", str(book))
    assert code == 0 and "already loaded as load 3" in text
    code, text = run(demo_settings, "history", "--json")
    history = json.loads(text)
    assert [h["load_id"] for h in history] == [3, 2, 1]
    assert history[0]["user_name"] == "dana"
    code, text = run(demo_settings, "status")
    assert code == 0 and "Version: load 3" in text


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_history_and_status_show_loads_without_a_file_or_sha_as_blank(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """A benchmarks load has no sha256 and a rollback no file: beside loads that have them, those
    are null in JSON and blank in text (never NaN, never a crash)."""
    assert run(demo_settings, "load", str(good_book(tmp_path / "june.xlsx")))[0] == 0
    assert run(demo_settings, "rollback", "3", "--user", "dana")[0] == 0
    code, text = run(demo_settings, "history", "--json")
    history = _strict_json(text)
    assert code == 0 and isinstance(history, list)
    by_kind = {h["kind"]: h for h in history}
    assert [h["load_id"] for h in history] == [4, 3, 2, 1]
    assert by_kind["benchmarks"]["sha256"] is None
    assert by_kind["rollback"]["rolls_back"] == 3 and by_kind["rollback"]["file_name"] is None
    assert by_kind["workbook"]["rolls_back"] is None
    code, text = run(demo_settings, "history")
    lines = text.splitlines()
    assert code == 0 and len(lines) == 5 and "nan" not in text.casefold()
    assert lines[1].split()[:4] == ["4", *lines[1].split()[1:3], "rollback"]
    code, text = run(demo_settings, "status")
    assert code == 0 and "Last load: rollback  by dana" in text and "nan" not in text


def test_a_relative_db_is_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    book = build("passes_all", tmp_path)
    out = io.StringIO()
    assert main(["load", "--db", "stores/mine.duckdb", book.name], out=out) == 0, out.getvalue()
    assert (tmp_path / "stores" / "mine.duckdb").is_symlink()
    assert not (PROJECT / "stores").exists()
    assert main(["status", "--db", "stores/mine.duckdb"], out=(out := io.StringIO())) == 0
    assert f"Store: {tmp_path / 'stores' / 'mine.duckdb'} ->" in out.getvalue()


def test_prefilled_template_lists_every_indicator_and_loads_as_no_change(
    demo_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "july.xlsx"
    assert run(demo_settings, "template", str(out), "--month", "2021-07")[0] == 0
    book = openpyxl.load_workbook(out)
    snap = Store(demo_settings.db_path).snapshot()
    n_indicators = len(snap.query("indicators"))
    assert book["Indicators"].max_row - 1 == n_indicators
    actual_rows = list(book["Actuals"].iter_rows(min_row=2, values_only=True))
    assert len(actual_rows) >= n_indicators
    assert all(row[2] is None for row in actual_rows)
    code, text = run(demo_settings, "load", str(out))
    assert code == 0, text
    assert "no changes" in text and "values not supplied" in text


def test_blank_template_round_trips_through_validation(
    demo_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "blank.xlsx"
    assert run(demo_settings, "template", str(out))[0] == 0
    code, text = run(demo_settings, "validate", str(out))
    assert code == 1 and "no data to load" in text


def test_the_module_entry_point_and_debug_flag(demo_settings: Settings, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    proc = run_module(demo_settings, "validate", str(broken))
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_load_lowers_its_own_cpu_priority_and_never_raises_it(
    demo_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from loaders import cli

    calls: list[int] = []
    niceness = {"now": 3}

    def fake_nice(increment: int) -> int:
        calls.append(increment)
        niceness["now"] += increment
        return niceness["now"]

    monkeypatch.setattr(os, "nice", fake_nice)
    monkeypatch.setenv("MTM_LOAD_NICENESS", "12")
    code, _ = run(demo_settings, "load", str(good_book(tmp_path / "g.xlsx")))
    assert code == 0
    assert niceness["now"] == 12 and calls == [0, 9]
    cli.lower_priority(5)  # already nicer than 5: left as it is
    assert niceness["now"] == 12


def test_a_cell_no_date_can_hold_is_explained_without_the_readers_stack(
    demo_settings: Settings, tmp_path: Path
) -> None:
    """Refused by cell before the fast reader sees it: that reader panics on such a date, and
    Rust would write to the terminal first (its stack, with RUST_BACKTRACE=1)."""
    book = build("fails_date_far_outside_any_date", tmp_path)
    proc = run_module(demo_settings, "validate", str(book), RUST_BACKTRACE="1")
    assert proc.returncode == 1
    assert "Actuals!B2" in proc.stdout and "far outside any real figure or date" in proc.stdout
    assert proc.stderr == ""
