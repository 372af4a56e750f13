"""indicators/domain.py: the words shared by every layer (here, the upload size refusal)."""

from __future__ import annotations

import pytest

from indicators.domain import upload_too_big

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (30 * MB, "30.0 MB"),
        (25 * MB + MB // 10, "25.1 MB"),
        (25 * MB + MB // 50, "25.02 MB"),  # 25.0 would not look over the limit
        (25 * MB + 2 * MB // 1000, "25.002 MB"),
        (25 * MB + 2, "26,214,402 bytes"),
    ],
)
def test_a_refused_size_always_reads_as_more_than_the_limit(size: int, shown: str) -> None:
    assert upload_too_big("june.xlsx", size, 25) == (
        f"june.xlsx is {shown}: the largest workbook accepted is 25 MB. Delete unused sheets and "
        "rows and save it again, or ask an administrator to raise max_upload_mb."
    )
