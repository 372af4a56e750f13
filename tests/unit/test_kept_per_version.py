"""indicators.store.KeptPerVersion: what a process keeps per published version file (its read
connections, schema facts, a version's plan): built once per key, least recently used dropped."""

from __future__ import annotations

import threading
import time

from indicators.store import KeptPerVersion


def test_each_key_is_built_once_and_the_least_recently_used_is_dropped() -> None:
    built: list[str] = []
    dropped: list[str] = []
    kept: KeptPerVersion[str, str] = KeptPerVersion(keep=2, on_drop=dropped.append)

    def build(key: str) -> str:
        built.append(key)
        return key.upper()

    assert kept.get("v1", lambda: build("v1")) == "V1"
    assert kept.get("v2", lambda: build("v2")) == "V2"
    assert kept.get("v1", lambda: build("v1")) == "V1"  # kept; now the most recently used
    assert kept.get("v3", lambda: build("v3")) == "V3"
    assert built == ["v1", "v2", "v3"]
    assert dropped == ["V2"]
    kept.clear()
    assert sorted(dropped) == ["V1", "V2", "V3"]
    assert kept.get("v1", lambda: build("v1")) == "V1"
    assert built == ["v1", "v2", "v3", "v1"]


def test_requests_arriving_together_build_a_key_once() -> None:
    calls: list[int] = []
    kept: KeptPerVersion[str, int] = KeptPerVersion(keep=4)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(kept.get("v", slow))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 8
    assert calls == [1]
