"""What the board sees, in words: the board order, the four answers, key figures, alt text.

Shared by the meeting page (indicators/pages/board.py) and every export so that the screen, the
PowerPoint, the PDF and the spreadsheets say the same thing the same way. Pure: rows are the
scorecard payloads (indicators/scorecard.py), possibly passed through suppression.suppress_row,
so any figure may be the text ``c``. No dash, no duckdb.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indicators import figures, metrics
from loaders.exports.suppression import SUPPRESSED, figure_row, is_suppressed

RAG_SYMBOL = {"green": "✔", "amber": "◐", "red": "✘", "grey": "–"}
POLARITY_WORDS = {
    "higher_is_better": "higher",
    "lower_is_better": "lower",
    "neutral": "neither (monitored)",
}
ACTION_STATUS_WORDS = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "complete": "Complete",
}
COMPARATOR_NAMES = {
    "statistical_neighbours": "Statistical neighbours",
    "region": "Region",
    "england": "England",
}


def slug(text: str) -> str:
    """The URL form of a service area (as the scorecard's ``?area=`` uses it)."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def month(iso: str | None) -> str:
    """``2021-06-01`` -> ``Jun 2021``; empty for no date."""
    return "" if not iso else dt.date.fromisoformat(str(iso)[:10]).strftime("%b %Y")


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def show(row: dict[str, Any], value: Any) -> str:
    """A figure as displayed in the measure's unit; ``c`` when suppressed, "–" when missing."""
    if is_suppressed(value):
        return SUPPRESSED
    return metrics.format_value(value, row["unit"], row["decimals"])


def measure_name(row: dict[str, Any]) -> str:
    return row["name"] + ("" if row.get("breakdown") in (None, "All") else f" ({row['breakdown']})")


# --------------------------------------------------------------------------------------------------
# Order and exceptions
# --------------------------------------------------------------------------------------------------


def exception_reasons(row: dict[str, Any]) -> list[str]:
    """Why a measure is an exception: off target, special cause concern, failing assurance."""
    reasons = []
    if row.get("rag") == "red":
        reasons.append("off target")
    if row.get("variation_type") == "special_cause_concern":
        reasons.append("special cause concern")
    if row.get("assurance_type") == "consistent_fail":
        reasons.append("consistently failing its target")
    return reasons


def board_order(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Exceptions first (worst first by exception score), then every other measure by service
    area. Areas keep the order in which the plan first lists them, and measures their plan order
    within an area, so the board meets them in the order the plan was written."""
    area_rank: dict[str, int] = {}
    for row in rows:
        area_rank.setdefault(row["service_area"], len(area_rank))

    def key(item: tuple[int, dict[str, Any]]) -> tuple[int, int, int, int]:
        index, row = item
        area = area_rank[row["service_area"]]
        if exception_reasons(row):
            return (0, -int(row.get("exception_score") or 0), area, index)
        return (1, 0, area, index)

    return [row for _, row in sorted(enumerate(rows), key=key)]


def filter_areas(rows: Sequence[dict[str, Any]], areas: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of the named service areas (names or their slugs, any case); all rows for none."""
    wanted = {slug(a) for a in areas if a and a.strip()}
    if not wanted:
        return list(rows)
    return [r for r in rows if slug(r["service_area"]) in wanted]


def unknown_areas(rows: Sequence[dict[str, Any]], areas: Sequence[str]) -> list[str]:
    known = {slug(r["service_area"]) for r in rows}
    return [a for a in areas if a and a.strip() and slug(a) not in known]


# --------------------------------------------------------------------------------------------------
# Pieces of text
# --------------------------------------------------------------------------------------------------


def rag_text(row: dict[str, Any]) -> str:
    return f"{RAG_SYMBOL.get(row['rag'], '–')} {row['rag_label']}"


def target_text(row: dict[str, Any]) -> str:
    if row.get("target") is None:
        return "No target"
    return f"{row.get('target_operator') or ''} {show(row, row['target'])}".strip()


def gap_text(row: dict[str, Any]) -> str:
    """By how much the latest value meets or misses the target, in the measure's unit."""
    gap = row.get("gap")
    if gap is None or row.get("target") is None or row.get("latest_value") is None:
        return ""
    if is_suppressed(gap):
        side = "better than" if row.get("rag") == "green" else "short of"
        return f"{side} the target by {SUPPRESSED}"
    if row["unit"] == "percent":
        # A gap between two percentages is in points: "2.0 percentage points", not "2.0%".
        number = metrics.format_value(abs(gap), "number", row["decimals"])
        amount = f"{number} percentage point" + ("" if number == "1" else "s")
    else:
        amount = show(row, abs(gap))
    if gap >= 0:
        return "meets the target exactly" if gap == 0 else f"better than the target by {amount}"
    if row.get("target_operator") == "=":
        return f"{amount} away from the target"
    return f"short of the target by {amount}"


def direction_text(row: dict[str, Any], key: str = "direction_last") -> str:
    moved = row.get(key)
    return "–" if not moved else f"{moved['arrow']} {moved['word']}"


def spc_text(row: dict[str, Any], which: str) -> str:
    """An SPC state as symbol and words, e.g. "▲ Special cause: concern (high)"."""
    symbol = (row.get(f"{which}_symbol") or "").split(" ")[0]
    return f"{symbol} {row.get(f'{which}_label') or ''}".strip()


def status_text(row: dict[str, Any]) -> str:
    status = row.get("latest_status")
    return {"provisional": "Provisional", "validated": "Validated"}.get(status or "", "–")


def source_text(row: dict[str, Any]) -> str:
    if row.get("local_indicator"):
        return "Local measure"
    measure = row.get("benchmark_measure")
    return f"Published measure ({measure})" if measure else "Published measure"


def comparator_points(row: dict[str, Any]) -> list[dict[str, Any]]:
    """indicators.figures.comparator_points, each saying whether it was published or quoted."""
    origin = "published" if row.get("published") else "quoted"
    return [{**p, "origin": origin} for p in figures.comparator_points(row)]


def comparison_texts(row: dict[str, Any]) -> dict[str, str]:
    """SN / region / England labels with their periods, for table cells ("–" for none)."""
    texts = {kind: "–" for kind in COMPARATOR_NAMES}
    for point in comparator_points(row):
        texts[point["kind"]] = point["label"]
    return texts


def position_text(row: dict[str, Any]) -> str:
    """National position and quartile, or why there is none."""
    published = row.get("published")
    if not published:
        return "Local measure: no national position" if row.get("local_indicator") else "–"
    parts = []
    if published.get("rank_text"):
        parts.append(published["rank_text"])
    if published.get("quartile"):
        parts.append(f"quartile {published['quartile']} (A best)")
    return "; ".join(parts) + f" ({published['period_label']})" if parts else "–"


def alt_text(row: dict[str, Any]) -> str:
    """The chart's text alternative: indicators.figures.alt_text, word for word, except that a
    suppressed figure reads ``c`` (figures.alt_text cannot know about suppression)."""
    if not row.get("suppressed"):
        return figures.alt_text(figure_row(row))
    parts = [f"Trend chart of {measure_name(row)}"]
    if row.get("first_period") and row.get("latest_period"):
        parts[0] += f", {month(row['first_period'])} to {month(row['latest_period'])}"
    parts[0] += "."
    if row.get("latest_value") is not None:
        parts.append(f"Latest {month(row['latest_period'])}: {show(row, row['latest_value'])}.")
    else:
        parts.append("No figures yet.")
    if row.get("target") is not None:
        parts.append(
            f"Target {row.get('target_operator') or ''} "
            f"{show(row, row['target'])}: {row['rag_label'].lower()}."
        )
    else:
        parts.append("No target.")
    if row.get("baseline_value") is not None:
        parts.append(f"Baseline {show(row, row['baseline_value'])}.")
    parts.append(f"SPC: {row['variation_label']}; {row['assurance_label']}.")
    comps = [c["label"] for c in comparator_points(row)]
    if comps:
        parts.append("Comparators: " + "; ".join(comps) + ".")
    parts.append(f"Counts that could identify children are shown as {SUPPRESSED}.")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------
# The four answers and the key figures
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One of the board's four questions, answered: a headline and supporting lines."""

    key: str
    question: str
    headline: str
    details: list[str] = field(default_factory=list)
    tone: str = ""  # a CSS/colour hint (rag colour); the words carry the meaning


def latest_text(row: dict[str, Any]) -> str:
    if row.get("latest_value") is None:
        return "No figures yet"
    return (
        f"Latest {month(row.get('latest_period'))}: {show(row, row['latest_value'])} "
        f"({status_text(row).lower()})"
    )


def target_answer(row: dict[str, Any]) -> Answer:
    details = [latest_text(row)]
    if row.get("target") is not None:
        by = f" by {month(row['target_date'])}" if row.get("target_date") else ""
        final = row.get("final_target")
        line = f"Target {target_text(row)}"
        if final is not None and final != row["target"]:
            line += f"; final target {show(row, final)}{by}"
        else:
            line += by
        details.append(line)
    gap = gap_text(row)
    headline = rag_text(row) + (f": {gap}" if gap else "")
    return Answer("target", "Against target", headline, details, tone=row["rag"])


def changing_answer(row: dict[str, Any]) -> Answer:
    details = [
        f"{spc_text(row, 'assurance')} · since last month {direction_text(row)}, since "
        f"baseline {direction_text(row, 'direction_baseline')}",
    ]
    if row.get("trial_limits"):
        details.append("Trial limits: fewer than 13 points so far.")
    forecast = (row.get("forecast") or {}).get("message")
    if forecast:
        details.append(forecast)
    return Answer("changing", "Is it changing?", spc_text(row, "variation"), details)


def compare_answer(row: dict[str, Any]) -> Answer:
    labels = [p["label"] for p in comparator_points(row)]
    if not labels:
        return Answer(
            "compare", "Compared with others", "Local measure: no published comparators", []
        )
    if row.get("published"):
        position = position_text(row)
        question = "Compared with others (DfE published figures)"
        if position != "–":
            return Answer("compare", question, position, labels)
        return Answer("compare", question, labels[0], labels[1:])
    return Answer("compare", "Compared with others (quoted in the plan)", labels[0], labels[1:])


def why_answer(
    row: dict[str, Any],
    actions: Sequence[dict[str, Any]] | None = None,
    *,
    most_actions: int | None = None,
) -> Answer:
    """The latest commentary and the plan's linked actions (``most_actions`` of them, then a
    count of the rest, where space is short)."""
    note = row.get("commentary")
    if note and note.get("text"):
        when = month(note.get("period"))
        stale = note.get("period") and note["period"][:7] != (row.get("latest_period") or "")[:7]
        headline = note["text"]
        author = note.get("author") or "Unknown"
        details = [f"{author}, {when}" + (" (an earlier month)" if stale else "")]
    else:
        headline, details = "No commentary for this month.", []
    linked = list(actions or [])
    shown = linked if most_actions is None else linked[:most_actions]
    details += [action_text(a) for a in shown]
    if len(linked) > len(shown):
        rest = len(linked) - len(shown)
        details.append(f"and {rest} more linked action{'s' if rest != 1 else ''} in the plan")
    return Answer("why", "Why, and what are we doing?", headline, details)


def action_text(action: dict[str, Any]) -> str:
    """One linked plan action in a line: id, action, status in words, due date (and how
    overdue, when the plan feature says so)."""
    status = action.get("status_label") or ACTION_STATUS_WORDS.get(
        str(action.get("status")), str(action.get("status") or "–")
    )
    due = action.get("due_date")
    due_text = f", due {month(str(due))}" if due else ""
    overdue = f", {action['overdue_text']}" if action.get("overdue_text") else ""
    return f"Action {action.get('action_id')}: {action.get('action')} ({status}{due_text}{overdue})"


def answers(
    row: dict[str, Any],
    actions: Sequence[dict[str, Any]] | None = None,
    *,
    most_actions: int | None = None,
) -> list[Answer]:
    """The board's four questions for one measure, answered in words."""
    return [
        target_answer(row),
        changing_answer(row),
        compare_answer(row),
        why_answer(row, actions, most_actions=most_actions),
    ]


def key_figures(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures beside a chart on a slide: label and value, every one in words."""
    comps = comparison_texts(row)
    baseline = show(row, row.get("baseline_value"))
    if row.get("baseline_period"):
        baseline += f" ({month(row['baseline_period'])})"
    target = target_text(row)
    if row.get("target_date") and row.get("target") is not None:
        target += f" by {month(row['target_date'])}"
    return [
        ("Latest", latest_text(row).removeprefix("Latest ")),
        ("Previous month", show(row, row.get("previous_value"))),
        ("Baseline", baseline),
        ("Target", target),
        ("Against target", rag_text(row) + (f": {gap_text(row)}" if gap_text(row) else "")),
        ("Since last month", direction_text(row)),
        ("Since baseline", direction_text(row, "direction_baseline")),
        ("SPC variation", spc_text(row, "variation")),
        ("SPC assurance", spc_text(row, "assurance")),
        ("Statistical neighbours", comps["statistical_neighbours"]),
        ("Region", comps["region"]),
        ("England", comps["england"]),
        ("National position", position_text(row)),
        ("Source", source_text(row)),
    ]


#: The scorecard summary's columns: key, heading, share of the table's width.
SUMMARY_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("measure", "Measure", 0.25),
    ("latest", "Latest", 0.10),
    ("target", "Target", 0.07),
    ("rag", "Against target", 0.09),
    ("direction", "Since last month", 0.08),
    ("spc", "SPC variation and assurance", 0.15),
    ("sn", "Statistical neighbours", 0.10),
    ("england", "England", 0.08),
    ("quartile", "Quartile", 0.08),
)


def summary_record(row: dict[str, Any]) -> dict[str, str]:
    """One scorecard summary line: every cell is text."""
    comps = comparison_texts(row)
    latest = show(row, row.get("latest_value"))
    if row.get("latest_period"):
        latest += f" ({month(row['latest_period'])}"
        latest += ", provisional)" if row.get("latest_status") == "provisional" else ")"
    quartile = row.get("quartile") or ("Local" if row.get("local_indicator") else "–")
    return {
        "measure": measure_name(row),
        "area": row["service_area"],
        "latest": latest,
        "target": target_text(row),
        "rag": rag_text(row),
        "rag_code": row["rag"],
        "direction": direction_text(row),
        "spc": spc_text(row, "variation") + "; " + spc_text(row, "assurance"),
        "sn": comps["statistical_neighbours"],
        "england": comps["england"],
        "quartile": quartile,
    }
