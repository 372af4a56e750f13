"""Uploads waiting for confirmation (loaders.staging) and publishing the check they passed.

The sealed check is used only when it is this server's, for these bytes, on top of the version
it was checked against; anything else means the file is read and checked again.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from indicators.store import Store
from loaders.ingest import load_workbook, validate_file
from loaders.staging import seal, stage, staged, unseal
from loaders.validate import Validated
from tests.conftest import settings_for
from tests.fixtures.workbooks import SAMPLE, template_with

KEY = b"k" * 32


def _bytes(sheets: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    template_with(sheets).save(buffer)
    return buffer.getvalue()


def test_a_seal_opens_only_with_its_key_and_untouched() -> None:
    blob = seal({"rows": [1, 2]}, KEY)
    assert unseal(blob, KEY) == {"rows": [1, 2]}
    assert unseal(blob, b"another key") is None
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    assert unseal(tampered, KEY) is None
    assert unseal(b"short", KEY) is None


@dataclass(frozen=True)
class StagedSample:
    folder: Path
    token: str
    raw: bytes
    checked: Validated


@pytest.fixture
def sample(tmp_path: Path) -> StagedSample:
    """SAMPLE checked against an empty store and staged by "dana"."""
    raw = _bytes(SAMPLE)
    checked = validate_file(settings_for(tmp_path), raw, "june.xlsx")
    folder = tmp_path / "staging"
    token = stage(folder, raw, display_name="june.xlsx", owner="dana", checked=checked, key=KEY)
    return StagedSample(folder, token, raw, checked)


def test_a_staged_upload_is_only_its_uploaders(sample: StagedSample) -> None:
    folder, token, raw, checked = sample.folder, sample.token, sample.raw, sample.checked
    waiting = staged(folder, token, owner="dana", key=KEY)
    assert waiting is not None
    assert waiting.raw == raw and waiting.display_name == "june.xlsx"
    assert waiting.checked is not None and waiting.checked.sha256 == checked.sha256
    assert staged(folder, token, owner="sam", key=KEY) is None
    assert staged(folder, "../../etc/passwd", owner="dana", key=KEY) is None
    assert staged(folder, "no-such-token", owner="dana", key=KEY) is None


def test_a_check_not_sealed_by_this_server_is_ignored(sample: StagedSample) -> None:
    folder, token, checked = sample.folder, sample.token, sample.checked
    (folder / f"{token}.checked").write_bytes(seal(checked, b"someone else's key"))
    waiting = staged(folder, token, owner="dana", key=KEY)
    assert waiting is not None and waiting.checked is None
    garbage = b"not a pickle"  # sealed properly, but unreadable (an earlier release's objects)
    (folder / f"{token}.checked").write_bytes(hmac.new(KEY, garbage, "sha256").digest() + garbage)
    waiting = staged(folder, token, owner="dana", key=KEY)
    assert waiting is not None and waiting.checked is None
    (folder / f"{token}.checked").unlink()
    waiting = staged(folder, token, owner="dana", key=KEY)
    assert waiting is not None and waiting.checked is None


def test_the_check_is_published_without_reading_the_file_again(
    tmp_path: Path, workbook_checks: list[str]
) -> None:
    settings = settings_for(tmp_path)
    raw = _bytes(SAMPLE)
    checks = workbook_checks
    checked = validate_file(settings, raw, "june.xlsx")
    result = load_workbook(settings, raw, "june.xlsx", "dana", checked=checked)
    assert result.ok and result.summary is not None
    assert checks == ["june.xlsx"]
    assert Store.from_settings(settings).snapshot().version == result.summary.load_id


def test_a_check_of_other_bytes_is_not_used(tmp_path: Path, workbook_checks: list[str]) -> None:
    settings = settings_for(tmp_path)
    checks = workbook_checks
    other = validate_file(settings, _bytes(SAMPLE), "other.xlsx")
    bad = _bytes({**SAMPLE, "Actuals": [["lac_rate", dt.date(2020, 7, 1), "lots"]]})
    result = load_workbook(settings, bad, "bad.xlsx", "dana", checked=other)
    assert not result.ok  # the bad file was checked itself and refused
    assert checks == ["other.xlsx", "bad.xlsx"]
    assert not (tmp_path / "mtm.duckdb").exists()


def test_an_indicator_removed_after_the_check_is_caught(
    tmp_path: Path, workbook_checks: list[str]
) -> None:
    """A rollback between check and publish: the staged check named an indicator that the
    version it now lands on no longer has, so the file is checked again and refused."""
    from loaders.rollback import rollback

    settings = settings_for(tmp_path)
    definitions = load_workbook(settings, _bytes(SAMPLE), "definitions.xlsx", "dana")
    assert definitions.ok and definitions.summary is not None
    month = _bytes({"Actuals": [["eh_pct", dt.date(2020, 9, 1), 68.0]]})
    checked = validate_file(settings, month, "september.xlsx")
    assert checked.ok and checked.checked_against == definitions.summary.load_id
    rollback(settings, definitions.summary.load_id, "dana")
    checks = workbook_checks
    checks.clear()  # count from here: the load's own checks
    result = load_workbook(settings, month, "september.xlsx", "dana", checked=checked)
    assert checks == ["september.xlsx"]
    assert not result.ok
    assert any("eh_pct" in p.value for p in result.problems)
