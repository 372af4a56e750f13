"""Small-number suppression for outputs "for publication". Pure: no dash, no duckdb.

Counts (``unit == "count"``) of 1 to ``threshold`` (default 5) are shown as ``c``, the GSS/DfE
symbol for "confidential"; 0 stays 0 (a true zero discloses nothing about individuals). Other
counts may also be rounded to the nearest ``round_to`` (e.g. 5); a count that rounds into
1..threshold is then shown as ``c`` as well, so no shown count ever lies in that range. Values
of other units (percentages, rates, days) are left as they are.

The same policy runs over every place a count can surface: the scorecard row (latest, previous,
baseline, targets, gap, sparkline, quoted and published comparators), the chart's points,
trajectory and SPC lines, the hover text, and whole numbers written in free text (commentary and
the forecast sentence) of count measures. Suppressed numbers become the string ``c`` in rows
(so a spreadsheet cell holds the text ``c``, never a number) and ``None`` in figure data.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indicators import metrics

#: What a suppressed count shows (GSS "c": confidential).
SUPPRESSED = "c"
COUNT = "count"

#: Row fields that hold a figure in the measure's own unit.
ROW_FIGURES = (
    "baseline_value",
    "latest_value",
    "previous_value",
    "target",
    "final_target",
    "gap",
    "tolerance",
)
PUBLISHED_FIGURES = ("la_value", "sn_value", "region_value", "england_value", "change")

# A whole number standing alone in text: not part of a longer number, a decimal, a date such as
# 2020-21 or a word (Q1), and not a percentage.
_WHOLE_NUMBER = re.compile(r"(?<![\w.,\-/\u2212])\d+(?![\w%]|[.,/\-]\d)")


@dataclass(frozen=True)
class Suppression:
    """The publication policy: ``threshold`` and optional ``round_to`` (0 = no rounding)."""

    threshold: int = 5
    round_to: int = 0

    def __post_init__(self) -> None:
        if self.threshold < 0:
            raise ValueError("the suppression threshold cannot be negative")
        if self.round_to < 0:
            raise ValueError("rounding must be to a positive base, or 0 for none")

    def value(self, x: Any) -> float | str | None:
        """A count as it may be published: a number, ``c``, or None for no value."""
        if x is None or x == SUPPRESSED:
            return x  # type: ignore[no-any-return]
        v = float(x)
        if not math.isfinite(v):
            return None
        if v == 0:
            return 0.0
        # Anything that would display as 1..threshold (including a non-zero value that rounds
        # to 0) is confidential.
        if abs(v) < self.threshold + 0.5:
            return SUPPRESSED
        if self.round_to:
            v = metrics.round_half_away(v / self.round_to, 0) * self.round_to
            if 0 < abs(v) <= self.threshold:
                return SUPPRESSED
        return v

    def note(self) -> str:
        """The method, in words, for the first page or sheet of every publication output."""
        text = (
            f"For publication: counts of 1 to {self.threshold} are shown as "
            f"{SUPPRESSED} (0 is shown as 0)"
        )
        if self.round_to:
            text += (
                f"; other counts are rounded to the nearest {self.round_to}, and a count that "
                f"rounds to {self.threshold} or less is also shown as {SUPPRESSED}"
            )
        return (
            text + ". This applies to every count measure's values, targets, comparators, "
            "chart data and hover text, and to whole numbers of 1 to "
            f"{self.threshold} in the commentary and forecast of count measures. Where any "
            "month of a count measure is suppressed its SPC mean and limits are not drawn, as "
            "they could reveal the hidden values. Only counts are suppressed: percentages, "
            "rates, days and ratios are shown as they are."
        )


def is_suppressed(value: Any) -> bool:
    return isinstance(value, str) and value == SUPPRESSED


def mask_text(text: str | None, policy: Suppression) -> str | None:
    """Whole numbers in free text that would be suppressed as counts become ``c``."""
    if not text:
        return text

    def swap(match: re.Match[str]) -> str:
        return SUPPRESSED if is_suppressed(policy.value(int(match.group(0)))) else match.group(0)

    return _WHOLE_NUMBER.sub(swap, text)


def suppress_row(row: dict[str, Any], policy: Suppression) -> dict[str, Any]:
    """A scorecard row for publication. Rows of other units come back unchanged (copied).

    The result carries ``publication: True`` and ``suppressed``: whether anything was hidden.
    """
    out = copy.deepcopy(row)
    out["publication"] = True
    out["suppressed"] = False
    if row.get("unit") != COUNT:
        return out
    hidden = False

    def shown(value: Any) -> Any:
        nonlocal hidden
        result = policy.value(value)
        hidden = hidden or (is_suppressed(result) and not is_suppressed(value))
        return result

    for key in ROW_FIGURES:
        if key in out:
            out[key] = shown(out[key])
    out["sparkline"] = [[day, shown(v)] for day, v in out.get("sparkline") or []]
    for quoted in out.get("quoted_comparators") or []:
        quoted["value"] = shown(quoted.get("value"))
        if is_suppressed(quoted["value"]):
            quoted["symbol"] = SUPPRESSED
    published = out.get("published")
    if published:
        for key in PUBLISHED_FIGURES:
            if key in published:
                published[key] = shown(published[key])
    if out.get("forecast"):
        out["forecast"]["message"] = mask_text(out["forecast"].get("message"), policy)
    if out.get("commentary"):
        out["commentary"]["text"] = mask_text(out["commentary"].get("text"), policy)
    out["suppressed"] = hidden
    return out


def suppress_points(
    points: Sequence[dict[str, Any]], unit: str, policy: Suppression
) -> tuple[list[dict[str, Any]], bool]:
    """SPC points (date, value, mean, lpl, upl, point_type) for publication, and whether any
    value was hidden. A hidden value becomes None (a gap in the line); when any is hidden the
    mean and limits go too, since with the shown points they would let a reader solve for it."""
    rows = [dict(p) for p in points]
    if unit != COUNT:
        return rows, False
    hidden = False
    for p in rows:
        shown = policy.value(p.get("value"))
        if is_suppressed(shown):
            hidden = True
            p["value"] = None
            p["point_type"] = None  # no special-cause marker at a hidden value
            p["suppressed"] = True
        else:
            p["value"] = shown
    for p in rows:
        for key in ("mean", "lpl", "upl"):
            line = None if hidden else policy.value(p.get(key))
            p[key] = None if is_suppressed(line) else line
    return rows, hidden


def suppress_pairs(
    pairs: Sequence[tuple[str, float | None]], unit: str, policy: Suppression
) -> list[tuple[str, float | None]]:
    """A target trajectory (date, value) for publication: hidden steps are dropped."""
    if unit != COUNT:
        return list(pairs)
    out = []
    for day, value in pairs:
        shown = policy.value(value)
        if not is_suppressed(shown):
            out.append((day, shown))
    return out  # type: ignore[return-value]


def figure_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as indicators.figures expects it: numbers or None, never ``c``."""
    if not row.get("suppressed"):
        return row
    out = copy.deepcopy(row)
    for key in ROW_FIGURES:
        if is_suppressed(out.get(key)):
            out[key] = None
    out["sparkline"] = [[d, None if is_suppressed(v) else v] for d, v in out["sparkline"]]
    for quoted in out.get("quoted_comparators") or []:
        if is_suppressed(quoted.get("value")):
            quoted["value"] = None
    published = out.get("published")
    if published:
        for key in PUBLISHED_FIGURES:
            if is_suppressed(published.get(key)):
                published[key] = None
    return out
