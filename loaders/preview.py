"""What a validated workbook would change, shown before it is published.

New months, revised values (old -> new), new indicators, changed definitions and targets: the
confirmation step on /data. Reads the current version; writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from indicators.domain import DEFAULT_BREAKDOWN
from indicators.store import Snapshot
from loaders.ingest import VERSIONING, split_comparator_values
from loaders.validate import Validated

MAX_LISTED = 200
#: Key columns that are dates: the store returns timestamps, the workbook dates.
DATE_KEYS = ("period", "as_of", "judged_on")


@dataclass
class Preview:
    new_indicators: list[str] = field(default_factory=list)
    changed_definitions: list[dict[str, Any]] = field(default_factory=list)
    new_months: dict[str, int] = field(default_factory=dict)  # YYYY-MM -> new actual values
    revised: list[dict[str, Any]] = field(default_factory=list)  # old -> new values
    revised_total: int = 0
    unchanged_actuals: int = 0
    sheets: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> new/changed
    not_supplied: int = 0

    @property
    def changes_anything(self) -> bool:
        return any(n["new"] or n["changed"] for n in self.sheets.values())


def _same(a: Any, b: Any) -> bool:
    if a is None or (not isinstance(a, str | tuple) and pd.isna(a)):
        return b is None or (not isinstance(b, str | tuple) and pd.isna(b))
    if b is None or (not isinstance(b, str | tuple) and pd.isna(b)):
        return False
    if isinstance(a, dt.date | pd.Timestamp) or isinstance(b, dt.date | pd.Timestamp):
        try:
            return bool(pd.Timestamp(a) == pd.Timestamp(b))
        except (ValueError, TypeError):  # a date against text that is not one
            return False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return str(a) == str(b)


def _norm(value: Any) -> Any:
    if isinstance(value, tuple):
        return "; ".join(value) if value else None
    return value


#: What each sheet is compared with in the current version.
CURRENT_QUERY = {
    "Indicators": "indicators",
    "Actuals": "actuals",
    "Targets": "targets",
    "Comparators": "comparators",
    "Commentary": "commentary",
    "Actions": "actions",
    "Updates": "plan_action_updates",
    "Recommendations": "plan_recommendations",
    "Milestones": "plan_milestones",
    "Judgements": "plan_judgements",
    "Plans": "plan_plans",
}


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (what a record would give)."""
    return value.item() if isinstance(value, np.generic) else value


def _kind(values: pd.Series) -> str:
    """How a column's non-blank values compare: as dates, numbers, text, or one by one."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return "number"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("date", "datetime", "datetime64"):
        return "date"
    if inferred in ("integer", "floating", "mixed-integer-float", "boolean"):
        return "number"
    if inferred in ("string", "empty"):
        return inferred
    return "mixed"


def _blank(values: pd.Series) -> np.ndarray:
    return np.asarray(values.isna(), dtype=bool)


def same_values(old: pd.Series, new: pd.Series) -> np.ndarray:
    """`_same` for two aligned columns, vectorised for the usual same-kind columns.

    Blank equals blank; blank never equals a value; dates compare as instants, numbers as
    floats, text as text. Columns of mixed kinds fall back to `_same` value by value, so the
    result is always exactly what `_same` says.
    """
    old = old.reset_index(drop=True)
    new = new.reset_index(drop=True)
    old_blank, new_blank = _blank(old), _blank(new)
    both = ~old_blank & ~new_blank
    if not both.any():
        return old_blank & new_blank
    kinds = {_kind(old[both]), _kind(new[both])}
    if kinds == {"date"}:
        equal = np.asarray(
            pd.to_datetime(old[both]).to_numpy() == pd.to_datetime(new[both]).to_numpy()
        )
    elif kinds == {"number"}:
        equal = np.asarray(
            pd.to_numeric(old[both]).astype("float64").to_numpy()
            == pd.to_numeric(new[both]).astype("float64").to_numpy()
        )
    elif kinds == {"string"}:
        equal = np.asarray(
            old[both].astype(object).to_numpy() == new[both].astype(object).to_numpy(), dtype=bool
        )
    else:
        pairs = zip(old[both].tolist(), new[both].tolist(), strict=True)
        equal = np.fromiter((_same(a, b) for a, b in pairs), dtype=bool, count=int(both.sum()))
    result = old_blank & new_blank
    result[both] = equal
    return result


def _key_values(values: pd.Series, is_date: bool) -> pd.Series:
    """A key column as both sides are matched on: dates as day numbers, anything else as text."""
    if is_date:
        days = pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype("int64")
        return pd.Series(days, dtype="int64")
    if _kind(values) in ("string", "empty") and not values.isna().any():
        return pd.Series(values.to_numpy(dtype=object), dtype=object)
    return pd.Series([str(v) for v in values.tolist()], dtype=object)


def _file_rows(sheet: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The sheet's rows as they are compared: split comparator pairs, join listed ids."""
    rows = frame.reset_index(drop=True).copy()
    if sheet == "Commentary":
        rows["breakdown"] = DEFAULT_BREAKDOWN
    if sheet == "Comparators":
        split_comparator_values(rows)
    for column in rows.columns:
        if rows[column].dtype == object and _kind(rows[column]) == "mixed":
            rows[column] = rows[column].map(_norm)
    return rows


def preview(snap: Snapshot | None, validated: Validated) -> Preview:
    """Compare the file's rows with the current version, sheet by sheet.

    Rows are matched on the sheet's key with one merge and compared column by column (a
    month of a large authority is tens of thousands of rows; one Python step per cell took
    seconds).
    """
    result = Preview(not_supplied=len(validated.not_supplied))
    for sheet, frame in validated.frames.items():
        _, key, compared = VERSIONING[sheet]
        rows = _file_rows(sheet, frame)
        query = CURRENT_QUERY.get(sheet)
        current = snap.query(query) if snap is not None and snap.version and query else None
        if current is None:
            current = pd.DataFrame(columns=key)
        if sheet == "Commentary" and not current.empty:
            current = current[current["breakdown"] == DEFAULT_BREAKDOWN]
        current = current.reset_index(drop=True)
        file_keys = pd.DataFrame({k: _key_values(rows[k], k in DATE_KEYS) for k in key})
        store_keys = pd.DataFrame({k: _key_values(current[k], k in DATE_KEYS) for k in key})
        store_keys["_old"] = np.arange(len(current))
        # The last stored row of a key wins, as a dict keyed on it would keep.
        store_keys = store_keys.drop_duplicates(subset=key, keep="last")
        matched = file_keys.merge(store_keys, on=key, how="left", sort=False)["_old"]
        is_new = np.asarray(matched.isna(), dtype=bool)
        old_at = matched[~is_new].astype("int64").to_numpy()
        new_at = np.flatnonzero(~is_new)
        differs: dict[str, np.ndarray] = {}
        for column in compared:
            if column not in rows.columns:
                continue
            old = (
                current[column].iloc[old_at]
                if column in current.columns
                else pd.Series([None] * len(old_at), dtype=object)
            )
            differs[column] = ~same_values(old, rows[column].iloc[new_at])
        changed = np.zeros(len(new_at), dtype=bool)
        for flags in differs.values():
            changed |= flags
        counts = {
            "new": int(is_new.sum()),
            "changed": int(changed.sum()),
            "unchanged": int((~changed).sum()),
        }
        if sheet == "Indicators":
            result.new_indicators = [str(v) for v in rows["indicator_id"][is_new].tolist()]
        if sheet == "Actuals":
            months = pd.to_datetime(rows["period"][is_new]).dt.strftime("%Y-%m")
            result.new_months = {
                str(m): int(n) for m, n in months.groupby(months, sort=False).size().items()
            }
            result.unchanged_actuals = counts["unchanged"]
            revised = differs.get("value", np.zeros(len(new_at), dtype=bool))
            result.revised_total = int(revised.sum())
            for old_row, new_row in list(zip(old_at[revised], new_at[revised], strict=True))[
                :MAX_LISTED
            ]:
                record = rows.iloc[new_row]
                result.revised.append(
                    {
                        "indicator_id": record["indicator_id"],
                        "period": f"{record['period']:%Y-%m}",
                        "breakdown": record["breakdown"],
                        "old": _plain(current["value"].iloc[old_row]),
                        "new": _norm(record["value"]),
                    }
                )
        if sheet in ("Indicators", "Targets"):
            for at in np.flatnonzero(changed)[: MAX_LISTED - len(result.changed_definitions)]:
                old_record = current.iloc[[old_at[at]]].to_dict("records")[0]
                new_record = rows.iloc[[new_at[at]]].to_dict("records")[0]
                result.changed_definitions.append(
                    {
                        "sheet": sheet,
                        "key": " / ".join(str(new_record[k]) for k in key),
                        "changes": {
                            c: (str(old_record.get(c)), str(_norm(new_record.get(c))))
                            for c, flags in differs.items()
                            if flags[at]
                        },
                    }
                )
        result.sheets[sheet] = counts
    return result
