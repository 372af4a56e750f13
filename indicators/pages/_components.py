"""Small pieces of page the scorecard, area and measure pages share.

Every state carries a word (and a symbol), never colour alone; colours come from assets/mtm.css.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from dash import dcc, html

from indicators import figures, metrics
from indicators.scorecard import CHANGING_LABELS

RAG_SYMBOL = {"green": "✔", "amber": "◐", "red": "✘", "grey": "–"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def fmt(row: dict[str, Any], value: float | None) -> str:
    return metrics.format_value(value, row["unit"], row["decimals"])


def month(iso: str | None) -> str:
    return figures._month(iso)


def rag_tag(row: dict[str, Any]) -> html.Span:
    rag = row["rag"]
    return html.Span(f"{RAG_SYMBOL[rag]} {row['rag_label']}", className=f"mtm-tag mtm-tag--{rag}")


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


def changing_label(key: str) -> str:
    return CHANGING_LABELS.get(key, key)


def chart_figure(fig: dict[str, Any], alt: str, fig_id: str, caption: str) -> html.Figure:
    """A chart in a <figure> with its text alternative as caption and aria description."""
    return html.Figure(
        className="mtm-figure",
        children=[
            dcc.Graph(id=fig_id, figure=fig, config={"displaylogo": False, "responsive": True}),
            html.Figcaption([html.Strong(caption + ". "), html.Span(alt, className="mtm-alt")]),
        ],
    )


def error_panel(title: str, message: str) -> html.Div:
    return html.Div(
        className="mtm-error-summary",
        role="alert",
        children=[
            html.H2(title, className="govuk-heading-m"),
            html.P(message),
        ],
    )


def no_such_version(title: str, error: Exception) -> html.Div:
    """The page an unknown ``?as_of=`` gets: its usual heading, and why there is nothing."""
    return html.Div(
        [
            html.H1(title, className="govuk-heading-xl"),
            error_panel("There is no such version", str(error)),
        ]
    )


def version_note(snap: Any) -> html.P:
    if snap.is_latest:
        return html.P(f"Data version: load {snap.version} (latest).", className="mtm-version")
    return html.P(
        [
            html.Strong(f"You are looking at an earlier version: load {snap.version}. "),
            f"The latest is load {snap.latest}. ",
            dcc.Link("Show the latest", href="?"),
        ],
        className="mtm-version mtm-version--past",
    )
