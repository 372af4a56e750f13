"""What a validated workbook would change, shown before it is published.

New months, revised values (old -> new), new indicators, changed definitions and targets: the
confirmation step on /data. Reads the current version; writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from indicators.store import Snapshot
from loaders.ingest import VERSIONING
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
        return bool(pd.Timestamp(a) == pd.Timestamp(b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return str(a) == str(b)


def _norm(value: Any) -> Any:
    if isinstance(value, tuple):
        return "; ".join(value) if value else None
    return value


def preview(snap: Snapshot | None, validated: Validated) -> Preview:
    """Compare the file's rows with the current version, sheet by sheet."""
    result = Preview(not_supplied=len(validated.not_supplied))
    queries = {
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
