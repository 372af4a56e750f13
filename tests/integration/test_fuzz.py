"""Property-based fuzzing of the whole load (hypothesis, bounded): valid workbooks mutated cell by
cell and byte by byte. Never a traceback; a file with problems never changes the store."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from indicators.settings import Settings
from loaders.ingest import load_workbook
from tests.conftest import settings_for
from tests.fixtures.workbooks import make_workbook
from tests.integration.test_publish import store_files

TODAY = dt.date(2021, 7, 15)
ROWS = [
    ["lac_rate_per_10k", dt.date(2021, 5, 1), 80.5],
    ["lac_number", dt.date(2021, 5, 1), 500],
    ["ls_agency_workers_pct", "2021-05", 7.5, 30, 400],
]

cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.text(max_size=60),
    st.sampled_from(
        [
            "n/a",
            "<5",
            "12%",
            "1,234",
            "#DIV/0!",
            "=1/0",
            "01/02/2021",
            "c",
            "-",
            "2031-01",
            "1999-12",
            "Е06",
            "x\u200by",
            " lac_number ",
            "TRUE",
        ]
    ),
)


@pytest.fixture(scope="module")
def fuzz_settings(demo_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("fuzz") / "store"
    shutil.copytree(demo_store_dir, folder, symlinks=True)
    return settings_for(folder)


@pytest.fixture(scope="module")
def valid_book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_workbook(tmp_path_factory.mktemp("fuzzbook") / "valid.xlsx", {"Actuals": ROWS})
    return path.read_bytes()


def _load(settings: Settings, data: bytes) -> None:
    before = store_files(settings)
    result = load_workbook(settings, data, "fuzzed.xlsx", "fuzzer", today=TODAY)
    if result.problems:
        assert all(p.message for p in result.problems)
        assert store_files(settings) == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.integers(2, 5), st.integers(1, 7), cell_values), min_size=1, max_size=4
    )
)
def test_mutated_cells_never_crash_and_bad_files_change_nothing(
    fuzz_settings: Settings, valid_book: bytes, edits: list[tuple[int, int, Any]]
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(valid_book))
    sheet = book["Actuals"]
    for row, column, value in edits:
        assume(not (isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value)))
        sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    _load(fuzz_settings, buffer.getvalue())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_corrupted_bytes_never_crash_and_change_nothing(
    fuzz_settings: Settings, valid_book: bytes, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(valid_book)
    for offset, mask in flips:
        data[offset % len(data)] ^= mask
    if cut is not None:
        data = data[: cut % len(data)]
    before = store_files(fuzz_settings)
    result = load_workbook(fuzz_settings, bytes(data), "corrupt.xlsx", "fuzzer", today=TODAY)
    if result.problems or result.summary is None:
        assert store_files(fuzz_settings) == before
