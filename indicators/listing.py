"""The scorecard's rows as flat text records, for its grids and filters.

Each record is what a table row shows (every cell text a screen reader can read) plus the keys the
scorecard filters on. They are built when a version is published and stored beside the full row
(loaders/precompute.py), so the scorecard page decodes one small record per measure instead of
formatting every full row on each request. Pure: the standard library and indicators only.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from indicators import figures, metrics

RAG_SYMBOL = {"green": "✔", "amber": "◐", "red": "✘", "grey": "–"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def fmt(row: dict[str, Any], value: float | None) -> str:
    return metrics.format_value(value, row["unit"], row["decimals"])


def month(iso: str | None) -> str:
    return figures._month(iso)


def direction_text(row: dict[str, Any], key: str = "direction_last") -> str:
    moved = row.get(key)
    return "–" if not moved else f"{moved['arrow']} {moved['word']}"


def comparator_texts(row: dict[str, Any]) -> dict[str, str]:
    """SN / region / England, each with its period label, for table cells."""
    texts = {"statistical_neighbours": "–", "region": "–", "england": "–"}
    for point in figures.comparator_points(row):
        texts[point["kind"]] = point["label"]
    return texts


def target_text(row: dict[str, Any]) -> str:
    if row.get("target") is None:
        return "No target"
    return f"{row.get('target_operator') or ''} {fmt(row, row['target'])}".strip()


def grid_record(row: dict[str, Any]) -> dict[str, Any]:
    """A flat record for the scorecard grids: every cell is text a screen reader can read."""
    comps = comparator_texts(row)
    name = row["name"] + ("" if row["breakdown"] == "All" else f" ({row['breakdown']})")
    href = f"/measure/{urllib.parse.quote(row['indicator_id'])}"
    if row["breakdown"] != "All":
        href += "?breakdown=" + urllib.parse.quote(row["breakdown"])
    spark = [v for _, v in row.get("sparkline") or []]
    published = row.get("published") or {}
    return {
        "id": f"{row['indicator_id']}|{row['breakdown']}",
        "measure": f"[{_md_escape(name)}]({href})",
        "measure_text": name,
        "href": href,
        "area": row["service_area"],
        "baseline": fmt(row, row.get("baseline_value")),
        "latest": fmt(row, row.get("latest_value")),
        "latest_month": month(row.get("latest_period")) or "–",
        "target": target_text(row),
        "rag": f"{RAG_SYMBOL[row['rag']]} {row['rag_label']}",
        "rag_code": row["rag"],
        "direction": direction_text(row),
        "variation": spc_text(row, "variation"),
        "assurance": spc_text(row, "assurance"),
        "sn": comps["statistical_neighbours"],
        "region": comps["region"],
        "england": comps["england"],
        "quartile": row.get("quartile") or ("Local measure" if row["local_indicator"] else "–"),
        "rank": published.get("rank_text") or "–",
        "trend": figures.sparkline_text(spark),
        "commentary": _latest_note(row),
        "exception_score": row["exception_score"],
        "status": row.get("latest_status") or "",
    }


def _latest_note(row: dict[str, Any]) -> str:
    note = row.get("commentary")
    if not note:
        return ""
    return f"{month(note.get('period'))}: {note['text']}"


def spc_text(row: dict[str, Any], which: str) -> str:
    """An SPC state as symbol and words, e.g. "▲ Special cause: concern (high)"."""
    symbol = (row.get(f"{which}_symbol") or "").split(" ")[0]
    return f"{symbol} {row[f'{which}_label']}".strip()


def _md_escape(text: str) -> str:
    return re.sub(r"([\[\]()*_`\\])", r"\\\1", text)


#: The keys of a full scorecard row that the scorecard page filters and counts by, and that the
#: plan's pages show beside a linked measure.
LISTED_KEYS = (
    "indicator_id",
    "breakdown",
    "name",
    "service_area",
    "rag",
    "rag_label",
    "changing",
    "compare_group",
    "exception_score",
)


def listing_record(row: dict[str, Any]) -> dict[str, Any]:
    """A full scorecard row reduced to its listed keys and its grid record (under "grid")."""
    return {**{key: row[key] for key in LISTED_KEYS}, "grid": grid_record(row)}
