"""The change preview of /data: the vectorised comparison says exactly what the row-by-row one
said, for every sheet, on generated edits of a published workbook (new rows, revised values,
blanks, values of another kind, suppressed comparators, listed ids)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.store import Snapshot, Store
from loaders.ingest import VERSIONING, load_workbook, validate_file
from loaders.preview import (
    CURRENT_QUERY,
    DATE_KEYS,
    MAX_LISTED,
    Preview,
    _norm,
    _same,
    preview,
    same_values,
)
from loaders.validate import Validated
from tests.conftest import settings_for
from tests.fixtures.workbooks import SAMPLE, template_with


def row_by_row_preview(snap: Snapshot | None, validated: Validated) -> Preview:
    """The first, row-by-row preview (one Python step per cell), kept as the oracle."""
    result = Preview(not_supplied=len(validated.not_supplied))
    queries = CURRENT_QUERY
    for sheet, frame in validated.frames.items():
        _, key, compared = VERSIONING[sheet]
        query = queries.get(sheet)
        current = snap.query(query) if snap is not None and snap.version and query else None
        existing: dict[tuple[Any, ...], dict[str, Any]] = {}
        if current is not None and not current.empty:
            if sheet == "Commentary":
                current = current[current["breakdown"] == "All"]
            for record in current.to_dict("records"):
                existing[
                    tuple(
                        str(pd.Timestamp(record[k]).date()) if k in DATE_KEYS else str(record[k])
                        for k in key
                    )
                ] = record
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        for record in frame.to_dict("records"):
            if sheet == "Commentary":
                record["breakdown"] = "All"
            if sheet == "Comparators":
                record["value"], record["symbol"] = record["value"]
            ident = tuple(str(record[k]) for k in key)
            old = existing.get(ident)
            if old is None:
                counts["new"] += 1
                if sheet == "Indicators":
                    result.new_indicators.append(str(record["indicator_id"]))
                if sheet == "Actuals":
                    month = f"{record['period']:%Y-%m}"
                    result.new_months[month] = result.new_months.get(month, 0) + 1
                continue
            changes = {
                c: (old.get(c), _norm(record.get(c)))
                for c in compared
                if c in record and not _same(old.get(c), _norm(record.get(c)))
            }
            if not changes:
                counts["unchanged"] += 1
                continue
            counts["changed"] += 1
            if sheet == "Actuals" and "value" in changes:
                result.revised_total += 1
                if len(result.revised) < MAX_LISTED:
                    result.revised.append(
                        {
                            "indicator_id": record["indicator_id"],
                            "period": f"{record['period']:%Y-%m}",
                            "breakdown": record["breakdown"],
                            "old": changes["value"][0],
                            "new": changes["value"][1],
                        }
                    )
            if sheet in ("Indicators", "Targets") and len(result.changed_definitions) < MAX_LISTED:
                result.changed_definitions.append(
                    {
                        "sheet": sheet,
                        "key": " / ".join(ident),
                        "changes": {c: (str(o), str(n)) for c, (o, n) in changes.items()},
                    }
                )
        if sheet == "Actuals":
            result.unchanged_actuals = counts["unchanged"]
        result.sheets[sheet] = counts
    return result


def _workbook(sheets: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    template_with(sheets).save(buffer)
    return buffer.getvalue()


#: The published month: SAMPLE plus more actuals, so revisions have rows to land on.
PUBLISHED = {
    **SAMPLE,
    "Actuals": SAMPLE["Actuals"]
    + [
        ["lac_rate", dt.date(2020, m, 1), 70 + m, None, None, "All", "validated"]
        for m in range(1, 7)
    ],
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Validated]:
    folder = tmp_path_factory.mktemp("preview")
    config = settings_for(folder)
    assert load_workbook(config, _workbook(PUBLISHED), "published.xlsx", "test").ok
    again = validate_file(config, _workbook(PUBLISHED), "again.xlsx")
    assert again.ok
    return config, again


def _plain(value: Any) -> Any:
    """Comparable across the two implementations: NaN as a marker, numpy scalars as Python."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def _both(snap: Snapshot | None, validated: Validated) -> tuple[Any, Any]:
    return (
        _plain(dataclasses.asdict(preview(snap, validated))),
        _plain(dataclasses.asdict(row_by_row_preview(snap, validated))),
    )


def _edited(validated: Validated, frames: dict[str, pd.DataFrame]) -> Validated:
    return dataclasses.replace(validated, frames={**validated.frames, **frames})


def test_the_same_file_again_changes_nothing(published: tuple[Any, Validated]) -> None:
    config, again = published
    snap = Store.from_settings(config).snapshot()
    fast, oracle = _both(snap, again)
    assert fast == oracle
    assert not preview(snap, again).changes_anything
    assert preview(snap, again).unchanged_actuals == len(PUBLISHED["Actuals"])


def test_a_first_load_is_all_new(published: tuple[Any, Validated]) -> None:
    _, again = published
    fast, oracle = _both(None, again)
    assert fast == oracle
    assert fast["new_months"] == {
        "2020-01": 1,
        "2020-02": 1,
        "2020-03": 1,
        "2020-04": 1,
        "2020-05": 1,
        "2020-06": 1,
        "2020-07": 2,
        "2020-08": 1,
    }
    assert fast["new_indicators"] == ["lac_rate", "eh_pct"]


def test_revisions_new_months_and_changed_definitions_are_listed(
    published: tuple[Any, Validated],
) -> None:
    config, again = published
    actuals = again.frames["Actuals"].reset_index(drop=True)
    actuals.loc[0, "value"] = 79.0  # lac_rate 2020-07: 78.2 -> 79.0
    actuals.loc[1, "numerator"] = np.nan  # a blanked numerator changes the row, not the value
    extra = actuals.iloc[[2]].assign(period=dt.date(2020, 9, 1))
    indicators = again.frames["Indicators"].reset_index(drop=True)
    indicators.loc[1, "target_value"] = 90.0
    comparators = again.frames["Comparators"].reset_index(drop=True)
    comparators["value"] = [
        comparators["value"][0],
        (71.5, None),
    ]  # a suppressed SN figure now published
    edited = _edited(
        again,
        {
            "Actuals": pd.concat([actuals, extra], ignore_index=True),
            "Indicators": indicators,
            "Comparators": comparators,
        },
    )
    snap = Store.from_settings(config).snapshot()
    fast, oracle = _both(snap, edited)
    assert fast == oracle
    assert fast["revised_total"] == 1
    assert fast["revised"][0] == {
        "indicator_id": "lac_rate",
        "period": "2020-07",
        "breakdown": "All",
        "old": 78.2,
        "new": 79.0,
    }
    assert fast["new_months"] == {"2020-09": 1}
    assert fast["sheets"]["Actuals"] == {"new": 1, "changed": 2, "unchanged": 7}
    assert fast["sheets"]["Comparators"] == {"new": 0, "changed": 1, "unchanged": 1}
    assert fast["changed_definitions"] == [
        {"sheet": "Indicators", "key": "eh_pct", "changes": {"target_value": ("85.0", "90.0")}}
    ]


def test_only_the_first_revisions_are_listed_but_all_are_counted(
    published: tuple[Any, Validated],
) -> None:
    config, again = published
    base = again.frames["Actuals"]
    many = pd.concat(
        [base.assign(breakdown=f"Team {n}") for n in range(MAX_LISTED)] + [base],
        ignore_index=True,
    )
    many["value"] = many["value"] + 1
    snap = Store.from_settings(config).snapshot()
    fast, oracle = _both(snap, _edited(again, {"Actuals": many}))
    assert fast == oracle
    assert fast["revised_total"] == len(base)
    assert len(fast["revised"]) == min(MAX_LISTED, len(base))


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ([1.0, None, np.nan, 2.0], [1, np.nan, None, None], [True, True, True, False]),
        (["a", None, "b"], ["a", "b", None], [True, False, False]),
        ([pd.Timestamp("2020-01-01"), pd.NaT], [dt.date(2020, 1, 1), None], [True, True]),
        ([1.0, "x", pd.Timestamp("2020-01-01")], ["1", "x", "2020-01-01"], [False, True, True]),
        ([True, False], [1, 1.0], [True, False]),
        ([pd.Timestamp("2020-01-01"), "text"], ["not a date", dt.date(2020, 1, 1)], [False, False]),
    ],
    ids=["numbers", "text", "dates", "mixed-kinds", "booleans", "date-against-text"],
)
def test_same_values_agrees_with_same_cell_by_cell(
    old: list[Any], new: list[Any], same: list[bool]
) -> None:
    flags = same_values(pd.Series(old, dtype=object), pd.Series(new, dtype=object))
    assert flags.tolist() == same
    assert [_same(a, _norm(b)) for a, b in zip(old, new, strict=True)] == same


NEW_VALUES = st.one_of(
    st.none(),
    st.just(np.nan),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(-1000, 1000),
    st.text(max_size=8),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_generated_edits_preview_exactly_as_row_by_row(
    published: tuple[Any, Validated], data: st.DataObject
) -> None:
    config, again = published
    frames: dict[str, pd.DataFrame] = {}
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        sheet = data.draw(
            st.sampled_from(["Indicators", "Actuals", "Targets", "Commentary", "Actions"]),
            label="sheet",
        )
        frame = frames.get(sheet, again.frames[sheet]).reset_index(drop=True).astype(object)
        _, key, compared = VERSIONING[sheet]
        row = data.draw(st.integers(0, len(frame) - 1), label="row")
        if data.draw(st.booleans(), label="new key"):
            column = [k for k in key if k in frame.columns][-1]
            value: Any = (
                dt.date(2021, data.draw(st.integers(1, 12)), 1)
                if column in DATE_KEYS
                else data.draw(st.text(min_size=1, max_size=6), label="key")
            )
        else:
            column = data.draw(
                st.sampled_from([c for c in compared if c in frame.columns]), label="column"
            )
            value = data.draw(NEW_VALUES, label="value")
        frame.at[row, column] = value
        if frame.duplicated(subset=[k for k in key if k in frame.columns]).any():
            continue  # validation never lets a file repeat a key
        frames[sheet] = frame
    snap = Store.from_settings(config).snapshot()
    fast, oracle = _both(snap, _edited(again, frames))
    assert fast == oracle


def test_the_demo_workbook_previews_as_row_by_row(demo_settings: Any) -> None:
    """Every sheet of a real-shaped month (plans, updates, judgements, comparators): unchanged
    against the store it built, all new against an empty one, the same by both comparisons."""
    from loaders.demo import DEMO_TODAY

    kept = next(demo_settings.path("uploads_dir").glob("*.xlsx"))
    validated = validate_file(demo_settings, kept.read_bytes(), kept.name, today=DEMO_TODAY)
    assert validated.ok
    snap = Store.from_settings(demo_settings).snapshot()
    fast, oracle = _both(snap, validated)
    assert fast == oracle
    assert all(n["new"] == n["changed"] == 0 for n in fast["sheets"].values())
    fast, oracle = _both(None, validated)
    assert fast == oracle
    assert fast["sheets"]["Updates"]["new"] == len(validated.frames["Updates"]) > 0
